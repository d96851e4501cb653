# systemd-analyze security scores the unit at an exposure of 2.5 or less
# (0 is a unit that can do nothing, 10 one that can do anything).
source "$(dirname "$0")/lib.sh"
need systemd-analyze
unit_for_build
systemd-analyze security --offline=true "$UNIT" > "$T/out" 2>&1
rc=$?
[[ $rc == 0 ]] || { cat "$T/out" >&2; fail "systemd-analyze security exited $rc"; }
score=$(sed -n 's/.*Overall exposure level for driftd.service: \([0-9.]*\).*/\1/p' "$T/out")
[[ -n $score ]] || { cat "$T/out" >&2; fail "no exposure level in the output"; }
grep '✗' "$T/out" >&2   # what still counts against it
echo "exposure: $score" >&2
# --threshold is in tenths: exit non-zero above 2.5.
systemd-analyze security --offline=true --threshold=25 "$UNIT" >/dev/null 2>&1 ||
  fail "exposure $score is above 2.5"
echo "PASS (exposure $score)"
