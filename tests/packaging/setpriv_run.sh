# The real driftd under the unit's capability bounding set and no-new-privs
# (setpriv does what systemd does; this machine has no systemd as PID 1):
# it starts, confines itself (seccomp filter on), reads a mode-0000 file with
# CAP_DAC_READ_SEARCH alone (its hash is in the baseline, its change is seen),
# and exits 0 on SIGTERM. Without the capability the file is unreadable, so
# the test shows that the one capability the unit keeps is the one it needs.
source "$(dirname "$0")/lib.sh"
need_root
need setpriv curl python3 sha256sum
unit_setpriv
make_node

# driftctl under the same restrictions recorded the file's hash.
"$DRIFTCTL" baseline show --json --public-key "$T/conf/key.pub" "$T/state/baseline.drift" > "$T/show.json" ||
  fail "baseline show"
want=$(sha256sum "$ROOT/etc/secret" | cut -d' ' -f1)
got=$(python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
entries = doc["entries"] if isinstance(doc, dict) else doc
print(next((e.get("sha256") or "" for e in entries if e["path"] == "/etc/secret"), "missing"))' "$T/show.json") ||
  fail "cannot read the entries of baseline show --json"
[[ $got == "$want" ]] || fail "/etc/secret recorded with sha256 '$got', expected $want"
"${SP[@]}" "$DRIFTCTL" check --config "$CONFIG" --quiet > "$T/check.out" 2>&1 ||
  { cat "$T/check.out" >&2; fail "driftctl check under ${SP[*]} is not clean"; }
# Control: with no capability at all the same file is unreadable (exit bit 8).
setpriv --bounding-set -all --inh-caps -all --no-new-privs "$DRIFTCTL" check --config "$CONFIG" --quiet >/dev/null 2>&1
rc=$?
(( rc & 8 )) || fail "without CAP_DAC_READ_SEARCH the mode-0000 file was read (check exited $rc)"

"${SP[@]}" "$DRIFTD" --config "$CONFIG" > "$T/driftd.log" 2>&1 &
DPID=$!
cleanup_hooks+=('kill -KILL $DPID 2>/dev/null')
alive() { kill -0 "$DPID" 2>/dev/null || { tail -n 20 "$T/driftd.log" >&2; fail "driftd died"; }; }
first_check_alive() { alive; first_check_done; }
wait_until 30 "first full check on /metrics" first_check_alive
status=/proc/$DPID/status
grep -E '^(NoNewPrivs|Seccomp|CapEff|CapBnd):' "$status" >&2
grep -q '^NoNewPrivs:[[:space:]]*1$' "$status" || fail "NoNewPrivs not set"
grep -q '^Seccomp:[[:space:]]*2$' "$status" || fail "driftd did not load its seccomp filter (Seccomp: 2)"
grep -q '^CapEff:[[:space:]]*0000000000000004$' "$status" || fail "effective capabilities are not exactly CAP_DAC_READ_SEARCH"
grep -q 'confinement: no_new_privs on, seccomp on' "$T/driftd.log" || fail "driftd does not report its confinement on"
metric_is 1 driftd_baseline_valid || fail "baseline not valid"
metric_is 0 driftd_scan_incomplete_entries || fail "the full check left entries unread"
metric_is 0 driftd_drift_detected || fail "drift on an unchanged tree"

# The daemon reads the root-only file again when it changes.
printf 'rotated\n' >> "$ROOT/etc/secret"   # the test runs as root with every capability
secret_changed() { alive; metric_is 1 driftd_drift_path 'path="/etc/secret"' 'kind="changed"'; }
wait_until 15 "the change of the mode-0000 file" secret_changed

kill -TERM "$DPID"
wait "$DPID"
rc=$?
[[ $rc == 0 ]] || { tail -n 20 "$T/driftd.log" >&2; fail "driftd exited $rc on SIGTERM"; }
echo PASS
