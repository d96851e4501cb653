#!/usr/bin/env bash
# accept takes exactly what the operator approves; diff compares two baselines.
source "$(dirname "$0")/lib.sh"
make_baseline
echo "127.0.0.9 extra" >> "$ROOT/etc/hosts"
echo "Port 2222" >> "$ROOT/etc/ssh/sshd_config"
check 4
run 0 accept --config "$T/config.yaml" --path /etc/hosts --output "$T/accepted.drift" --signing-key "$T/key.pem"
check 4 --baseline "$T/accepted.drift"
hasnt "/etc/hosts"
has "changed [critical] /etc/ssh/sshd_config"
has "+Port 2222"
# The accepted baseline keeps the snapshot of the untouched file: diffs still work.
run 0 accept --config "$T/config.yaml" --baseline "$T/accepted.drift" --all --output - --signing-key "$T/key.pem"
cp "$T/out" "$T/all.drift"
check 0 --baseline "$T/all.drift"
# diff between the first and the last baseline: both changes, with content diffs.
run 4 diff --config "$T/config.yaml" "$T/state/baseline.drift" "$T/all.drift"
has "changed [warning] /etc/hosts"
has "+127.0.0.9 extra"
run 4 diff --config "$T/config.yaml" --json "$T/state/baseline.drift" "$T/all.drift"
python3 - "$T/out" <<'PY' || fail "diff JSON"
import json, sys
d = json.load(open(sys.argv[1]))
paths = {x["path"]: x for x in d["drift"]}
assert set(paths) == {"/etc/hosts", "/etc/ssh/sshd_config"}, paths
assert paths["/etc/ssh/sshd_config"]["severity"] == "critical"
assert "sha256" in paths["/etc/hosts"]["changed"]
assert d["summary"]["changed"] == 2
PY
# accept needs exactly one of --path / --all.
run 16 accept --config "$T/config.yaml" --output -
echo "accept_diff: ok"
