#!/usr/bin/env bash
# Secrets are hashed, never snapshotted; files driftctl cannot read are
# recorded as unreadable and the scan goes on (exit bit 8).
source "$(dirname "$0")/lib.sh"
printf 'PRIVATE=hunter2-in-a-0600-file\n' > "$ROOT/etc/app.conf"; chmod 600 "$ROOT/etc/app.conf"
printf 'world-readable-but-named-key\n' > "$ROOT/etc/tls.key"
make_baseline
# Nothing secret appears anywhere in the baseline's bytes (compressed or not).
python3 - "$T/state/baseline.drift" <<'PY' || fail "secret found in baseline"
import sys
raw = open(sys.argv[1], "rb").read()
payload = raw[:-166]
for secret in (b"hunter2", b"secret-key-material", b"world-readable-but-named-key"):
    assert secret not in raw, secret
PY
run 0 baseline show --public-key "$T/key.pub" --json "$T/state/baseline.drift"
python3 - "$T/out" <<'PY' || fail "snapshot flags"
import json, sys
d = {e["path"]: e for e in json.load(open(sys.argv[1]))["entries"]}
assert d["/etc/hosts"]["snapshot"] is True
for p in ("/etc/app.conf", "/etc/tls.key", "/etc/ssh/ssh_host_ed25519_key"):
    assert d[p]["snapshot"] is False, p
    assert isinstance(d[p]["sha256"], str) and len(d[p]["sha256"]) == 64, p   # hashed all the same
PY
# A change to the 0600 file shows hashes, never content.
printf 'PRIVATE=hunter3\n' > "$ROOT/etc/app.conf"
check 4
has "changed [warning] /etc/app.conf"
hasnt "hunter"
make_baseline

# Unreadable: run without CAP_DAC_READ_SEARCH and CAP_DAC_OVERRIDE.
command -v setpriv >/dev/null || { echo "SKIP: setpriv missing"; exit 77; }
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root to drop capabilities"; exit 77; }
printf 'x\n' > "$ROOT/etc/locked.conf"; chown 4321:4321 "$ROOT/etc/locked.conf"; chmod 000 "$ROOT/etc/locked.conf"
make_baseline
setpriv --bounding-set=-dac_read_search,-dac_override --inh-caps=-dac_read_search,-dac_override \
  "$DRIFTCTL" check --config "$T/config.yaml" > "$T/out" 2> "$T/err"
rc=$?
[[ $rc == 8 ]] || { cat "$T/out" "$T/err"; fail "unreadable: exit $rc, expected 8"; }
has "unreadable /etc/locked.conf"
has "0 added, 0 removed, 0 changed"
echo "secrets_and_unreadable: ok"
