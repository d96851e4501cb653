#!/usr/bin/env bash
# The scan never leaves --root: a rule path below a symlink to outside records
# that symlink (with a warning) and nothing through it, and a directory swapped
# with a symlink to outside over and over (renameat2 RENAME_EXCHANGE, as a
# process that can write inside the tree may do) never puts an outside file,
# hash or snapshot into any of 20 baselines.
source "$(dirname "$0")/lib.sh"
OUT=$T/outside
mkdir -p "$OUT/ssh"
printf 'outside-marker\n' > "$OUT/ssh/outside.conf"
outside_sha=$(sha256sum < "$OUT/ssh/outside.conf" | cut -d' ' -f1)

# no_outside BASELINE: none of its entries is an outside file or has its hash.
no_outside() {
  run 0 baseline show --public-key "$T/key.pub" --json "$1"
  python3 - "$T/out" "$outside_sha" "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
bad = [e["path"] for e in doc["entries"] if "outside" in e["path"] or e.get("sha256") == sys.argv[2]]
assert not bad, f"{len(bad)} outside files in the baseline, e.g. {bad[:3]}"
assert b"outside-marker" not in open(sys.argv[3], "rb").read(), "outside text in the baseline"
PY
}

# 1. A symlinked parent: root/etc -> outside, a rule for /etc/ssh.
R1=$T/root1
mkdir -p "$R1"
ln -s "$OUT" "$R1/etc"
sed -e "s|^root: .*|root: $R1|" "$T/config.yaml" > "$T/symlinked.yaml"
run 0 baseline create --config "$T/symlinked.yaml" --output "$T/symlinked.drift" --signing-key "$T/key.pem"
has "/etc is a symlink" err
no_outside "$T/symlinked.drift" || fail "a symlinked parent took the scan outside the root"
python3 - "$T/out" "$OUT" <<'PY' || fail "the symlinked parent is not recorded as a symlink"
import json, sys
d = {e["path"]: e for e in json.load(open(sys.argv[1]))["entries"]}
assert d["/etc"]["type"] == "symlink", d["/etc"]
PY

# 2. The race: root/etc/ssh and root/etc/ssh-swap (a symlink to outside)
# exchanged every millisecond while 20 baselines are made.
# Enough files that a scan spans many swaps: 20 directories of 40 files.
python3 - "$ROOT/etc/ssh" "$OUT/ssh" <<'PY'
import os, sys
inside, outside = sys.argv[1:]
for d in range(20):
    for top in (inside, outside):
        os.makedirs(f"{top}/d{d}", exist_ok=True)
    for f in range(40):
        open(f"{inside}/d{d}/same{f}.conf", "w").write(f"inside {d} {f}\n")
        open(f"{outside}/d{d}/same{f}.conf", "w").write("outside-marker\n")
        open(f"{outside}/d{d}/outside{f}.conf", "w").write("outside-marker\n")
PY
ln -s "$OUT/ssh" "$ROOT/etc/ssh-swap"
cat > "$T/swap.py" <<'PY'
# Exchanges two names with renameat2(RENAME_EXCHANGE) every millisecond until
# the stop file appears, the parent is gone, or the time bound passes.
import ctypes, os, sys, time
a, b, stop, bound = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
parent, swaps, deadline = os.getppid(), 0, time.monotonic() + bound
open(stop + ".started", "w").close()
while not os.path.exists(stop) and os.getppid() == parent and time.monotonic() < deadline:
    if libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE) != 0:
        sys.exit(f"renameat2: {os.strerror(ctypes.get_errno())}")
    swaps += 1
    time.sleep(0.001)
print(swaps, file=sys.stderr)
PY
python3 "$T/swap.py" "$ROOT/etc/ssh" "$ROOT/etc/ssh-swap" "$T/stop" 300 2> "$T/swaps" &
SWAPPER=$!
trap 'touch "$T/stop"; wait $SWAPPER 2>/dev/null; rm -rf "$T"' EXIT
deadline=$((SECONDS + 30))
until [[ -e $T/stop.started ]]; do
  ((SECONDS < deadline)) || fail "the swapping helper did not start"
  sleep 0.05
done
for i in $(seq 1 20); do
  "$DRIFTCTL" baseline create --config "$T/config.yaml" --output "$T/race$i.drift" --signing-key "$T/key.pem" \
    > "$T/out" 2> "$T/err" || { cat "$T/err" >&2; fail "baseline create $i exited $?"; }
  no_outside "$T/race$i.drift" || fail "run $i of 20 recorded outside files"
done
touch "$T/stop"
wait $SWAPPER || fail "the swapping helper failed: $(cat "$T/swaps")"
swaps=$(cat "$T/swaps")
((swaps > 20)) || fail "only $swaps swaps: the race did not run"
echo "scan_beneath_root: ok (20 baselines during $swaps swaps)"
