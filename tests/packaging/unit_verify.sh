# systemd-analyze verify accepts the unit (with the built driftd as ExecStart,
# so the binary check passes) and prints no warning about it.
source "$(dirname "$0")/lib.sh"
need systemd-analyze
unit_for_build
systemd-analyze verify "$UNIT" > "$T/out" 2>&1
rc=$?
cat "$T/out" >&2
[[ $rc == 0 ]] || fail "systemd-analyze verify exited $rc"
! grep -q 'driftd.service' "$T/out" || fail "systemd-analyze verify warns about driftd.service"
echo PASS
