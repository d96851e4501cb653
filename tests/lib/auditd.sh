# Debian's auditd for a test, on its own log (ENRICHED) in a directory of the
# test's: the preflight (root, the kernel allows audit, no other audit
# daemon, rules not immutable), the start (polled until auditd registered
# with the kernel and wrote its log), and the cleanup (the rules the test
# loaded removed, auditd stopped by its pid, auditing set back to what it
# was). Used by tests/e2e/audit_attribution.sh and tests/daemon/audit.sh; the
# two never run at once (RESOURCE_LOCK kernel_audit).
#
# auditd_preflight           exits 77 (skip) where the kernel refuses audit
# auditd_start DIR           auditd with DIR/log/audit.log; sets AUDITD_PID, AUDIT_LOG
# auditd_load_rules FILE     auditctl -R FILE, remembered for the cleanup
# auditd_cleanup             call from the test's EXIT trap

auditd_skip() { echo "SKIP: $*" >&2; exit 77; }

auditd_preflight() {
  [[ $(id -u) == 0 ]] || auditd_skip "needs root (CAP_AUDIT_CONTROL) to run auditd"
  local tool
  for tool in auditd auditctl jq useradd; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (packaging/install-deps.sh --tests installs it)" >&2; exit 1; }
  done
  local status
  status=$(auditctl -s 2>&1) || auditd_skip "the kernel refuses audit here: $status"
  AUDIT_OLD_ENABLED=$(awk '$1 == "enabled" {print $2}' <<<"$status")
  local old_pid
  old_pid=$(awk '$1 == "pid" {print $2}' <<<"$status")
  if [[ -n $old_pid && $old_pid != 0 ]] && kill -0 "$old_pid" 2>/dev/null; then
    echo "FAIL: another audit daemon (pid $old_pid) holds the kernel's audit connection; stop it to run this test" >&2
    exit 1
  fi
  [[ $AUDIT_OLD_ENABLED == 2 ]] && auditd_skip "audit rules are immutable (auditctl -e 2) until reboot"
  AUDIT_RULES_LOADED=()
  AUDITD_PID=
}

auditd_start() {
  local dir=$1
  mkdir -p "$dir/auditd/plugins" "$dir/log"
  chmod 750 "$dir/auditd"
  AUDIT_LOG=$dir/log/audit.log
  cat > "$dir/auditd/auditd.conf" <<CONF
local_events = yes
write_logs = yes
log_file = $AUDIT_LOG
log_group = root
log_format = ENRICHED
flush = DATA
max_log_file = 64
num_logs = 2
max_log_file_action = ROTATE
space_left = 75
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
name_format = NONE
plugin_dir = $dir/auditd/plugins
end_of_event_timeout = 2
CONF
  chmod 640 "$dir/auditd/auditd.conf"
  auditd -n -c "$dir/auditd" > "$dir/auditd.out" 2>&1 &
  AUDITD_PID=$!
  local deadline=$((SECONDS + 180))
  until [[ $(auditctl -s 2>/dev/null | awk '$1 == "pid" {print $2}') == "$AUDITD_PID" && -s $AUDIT_LOG ]]; do
    kill -0 "$AUDITD_PID" 2>/dev/null || { cat "$dir/auditd.out" >&2; AUDITD_PID=; auditd_skip "auditd did not start (the kernel refuses audit?)"; }
    ((SECONDS < deadline)) || { echo "FAIL: auditd did not register with the kernel" >&2; exit 1; }
    sleep 0.2
  done
}

auditd_load_rules() {
  AUDIT_RULES_LOADED+=("$1")
  auditctl -R "$1" > "$1.out" 2>&1 || { cat "$1.out" >&2; echo "FAIL: auditctl -R refused $1" >&2; exit 1; }
}

auditd_stop() {
  if [[ -n ${AUDITD_PID:-} ]]; then
    kill "$AUDITD_PID" 2>/dev/null
    wait "$AUDITD_PID" 2>/dev/null
    AUDITD_PID=
  fi
}

auditd_cleanup() {
  local f line
  for f in "${AUDIT_RULES_LOADED[@]}"; do
    [[ -s $f ]] && sed 's/^-w /-W /' "$f" | while read -r line; do auditctl $line >/dev/null 2>&1; done
  done
  auditd_stop
  [[ -n ${AUDIT_OLD_ENABLED:-} ]] && auditctl -e "$AUDIT_OLD_ENABLED" >/dev/null 2>&1
  return 0
}
