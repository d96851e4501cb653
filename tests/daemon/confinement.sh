# The daemon confines itself: no_new_privs and a seccomp filter in the running
# daemon, open_by_handle_at/name_to_handle_at refused with EPERM, and with
# Landlock reading an unconfigured file and writing outside state_dir refused.
# SIGHUP still reloads config and baseline under the confinement.
source "$(dirname "$0")/lib.sh"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$DPID/status" || fail "NoNewPrivs not set"
grep -q '^Seccomp:[[:space:]]*2' "/proc/$DPID/status" || fail "no seccomp filter (Seccomp: 2)"
printf 'outside\n' > "$T/unconfigured.txt"
out=$("$DRIFTD" --config "$CONFIG" --probe-confinement "$T/unconfigured.txt" "$T/outside-state" "$ROOT/etc/hosts")
echo "$out" >&2
grep -qx 'name_to_handle_at: EPERM' <<<"$out" || fail "name_to_handle_at not refused"
grep -qx 'open_by_handle_at: EPERM' <<<"$out" || fail "open_by_handle_at not refused"
grep -qx 'read_configured: OK' <<<"$out" || fail "cannot read a configured file"
grep -qx 'write_state_dir: OK' <<<"$out" || fail "cannot write under state_dir"
if grep -qx 'landlock_abi: 0' <<<"$out"; then
  echo "SKIP Landlock part: this kernel has no Landlock ($(grep summary <<<"$out"))" >&2
else
  grep -qx 'read_unconfigured: EACCES' <<<"$out" || fail "read outside the configured paths allowed"
  grep -qx 'write_outside_state_dir: EACCES' <<<"$out" || fail "write outside state_dir allowed"
  [[ ! -e $T/outside-state ]] || fail "a file was created outside state_dir"
fi
# SIGHUP under confinement: a config change (a new severity) and the baseline reload.
sed -i 's|{ path: /usr/bin, severity: critical }|{ path: /usr/bin, severity: warning }|' "$CONFIG"
kill -HUP "$DPID"
wait_until 10 "config reloaded" grep -q "SIGHUP: config reloaded" "$T/driftd.log"
printf 'x' >> "$ROOT/usr/bin/tool"
wait_until 10 "drift with the reloaded severity" pgw_is 1 driftd_drift_path 'path="/usr/bin/tool"' 'severity="warning"'
pgw_is 1 driftd_baseline_valid || fail "baseline not valid after SIGHUP"
grep -q "baseline not valid" "$T/driftd.log" && fail "reload under confinement could not read the baseline"
stop_driftd
echo PASS
