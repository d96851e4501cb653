# Who changed it, under driftd, with the real kernel audit (Debian's auditd on
# its own log, the rules `driftctl audit rules` prints): the heartbeat comes
# back through the log (driftd_audit_ok 1); an edit from a login session
# (sed -i) reaches Loki with an actor of class session, the login name and
# exe sed, counted in driftd_drift_attributions_total{class="session"}; a
# write from a process with no login uid is automation; a secret typed in
# argv appears in no Loki line and no log line; the drift's severity and
# counters are what they are without audit; auditd stopped: driftd_audit_ok 0
# within two heartbeats (shortened by a test hook). Exit 77 only where the
# kernel refuses audit.
source "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/auditd.sh
source "$HERE/../lib/auditd.sh"
auditd_preflight
user=drftdmn$$
trap 'auditd_cleanup; userdel "$user" >/dev/null 2>&1; cleanup' EXIT
chmod 755 "$T"
mkdir -p "$T/w"
auditd_start "$T/audit"
useradd -M -N -s /usr/sbin/nologin "$user" || fail "useradd $user"
uid=$(id -u "$user")
printf 'one\ntwo\n' > "$T/w/sedfile"
printf 'one\n' > "$T/w/autofile"
printf 'one\n' > "$T/w/secretfile"
# root /: the kernel's paths are the report's.
cat > "$CONFIG" <<CFG
node: $NODE
root: /
state_dir: $T/state
baseline: $T/state/baseline.drift
public_key: $T/conf/key.pub
paths:
  - { path: $T/w, severity: critical }
pushgateway: { url: "$PGW_URL", heartbeat: 60s }
loki: { url: "$LOKI_URL" }
listen: ""
debounce: 300ms
runtime: { proc_root: "$T/proc" }
audit: { enabled: true, log: $AUDIT_LOG }
CFG
touch "$T/state/audit-heartbeat"
make_baseline
"$DRIFTCTL" audit rules --config "$CONFIG" > "$T/rules" || fail "driftctl audit rules"
grep -- '^-w ' "$T/rules" > "$T/loaded.rules"
grep -qxF -- "-w $T/state/audit-heartbeat -p wa -k driftd" "$T/loaded.rules" || { cat "$T/rules"; fail "no heartbeat rule"; }
auditd_load_rules "$T/loaded.rules"

export DRIFTD_TEST_AUDIT_HEARTBEAT_MS=2000
start_driftd
wait_until 30 "first full check pushed" first_check_done
wait_until 60 "the heartbeat back through the audit log" pgw_is 1 driftd_audit_ok
pgw_is 0 driftd_drift_detected || fail "drift before any change"

# A login session edits with sed -i (a rename into place).
bash -c "echo $uid > /proc/self/loginuid && sed -i s/one/ONE/ '$T/w/sedfile'" 2>/dev/null ||
  auditd_skip "the kernel refuses to set /proc/self/loginuid"
wait_until 30 "sedfile's drift" pgw_is 1 driftd_drift_path "path=\"$T/w/sedfile\"" 'severity="critical"'
wait_until 30 "sedfile's line in Loki" loki_count_is 1 "\"path\":\"$T/w/sedfile\""
line=$(loki_lines "\"path\":\"$T/w/sedfile\"")
actor() { python3 -c 'import json,sys; a=json.loads(sys.argv[1]).get("actor") or {}; print(a.get(sys.argv[2]))' "$line" "$1"; }
[[ $(actor class) == session ]] || fail "sedfile: actor class $(actor class): $line"
[[ $(actor login) == "$user" ]] || fail "sedfile: login $(actor login): $line"
[[ $(actor exe) == /usr/bin/sed ]] || fail "sedfile: exe $(actor exe): $line"
grep -q "drift changed \[critical\] $T/w/sedfile: changed by $user (auid $uid" "$T/driftd.log" ||
  fail "the log line does not say who changed sedfile"
wait_until 30 "the session attribution counted" pgw_ge 1 driftd_drift_attributions_total 'class="session"'

# No login uid: automation.
if [[ $(cat /proc/self/loginuid) == 4294967295 ]]; then
  echo two >> "$T/w/autofile"
else
  bash -c "echo 4294967295 > /proc/self/loginuid && echo two >> '$T/w/autofile'" ||
    auditd_skip "cannot start a process without a login uid here"
fi
wait_until 30 "autofile's line in Loki" loki_count_is 1 "\"path\":\"$T/w/autofile\""
line=$(loki_lines "\"path\":\"$T/w/autofile\"")
[[ $(actor class) == automation ]] ||
  fail "autofile: actor class $(actor class): $line; its audit records: $(grep -F "$T/w/autofile" "$AUDIT_LOG" | cut -c1-300)"

# A secret on a command line: in the audit log's PROCTITLE, nowhere of driftd's.
bash -c "echo $uid > /proc/self/loginuid && sh -c 'echo x >> $T/w/secretfile # password=hunter2'"
wait_until 30 "secretfile's line in Loki" loki_count_is 1 "\"path\":\"$T/w/secretfile\""
hex=$(printf 'hunter2' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
grep -qF "$hex" "$AUDIT_LOG" || fail "the audit log should hold the secret's proctitle (the test tests nothing)"
! loki_lines | grep -qiE "hunter2|$hex" || fail "the argv secret reached Loki"
! grep -qiE "hunter2|$hex" "$T/driftd.log" || fail "the argv secret reached driftd's log"
# Attribution adds, never changes: three critical changes, counted as such.
pgw_is 3 driftd_drift_events_total 'severity="critical"' 'kind="changed"' 'cause="unexplained"' ||
  fail "drift counted differently with audit: $(pgw driftd_drift_events_total)"

# auditd gone: the heartbeat does not come back.
auditd_stop
wait_until 60 "audit_ok 0 once the log stopped" pgw_is 0 driftd_audit_ok
grep -q "audit: driftd's heartbeat did not come back" "$T/driftd.log" || fail "the stopped trail is not logged"
stop_driftd
echo PASS
