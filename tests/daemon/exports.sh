# The Proxmox host's SEV1, as driftd sees it: /etc/exports edited to give
# /srv/nfs fsid=0 -> driftd_exports_ok 0 and a driftd_exports_violations
# series on Pushgateway, and a line in Loki (kind="exports") naming the rule
# and file:line; fixing it (by rename, as an editor does) clears both.
source "$(dirname "$0")/lib.sh"
mkdir -p "$ROOT/srv/nfs" "$ROOT/srv/nfs-ssd" "$ROOT/var/lib/nfs"
good_exports() {
  cat <<'EOF'
# /etc/exports on pve, git-managed
/srv/nfs      10.0.20.0/22(rw,async,insecure,no_subtree_check) 192.168.1.0/24(rw,async,insecure,no_subtree_check)
/srv/nfs-ssd  10.0.20.0/22(rw,async,insecure,no_subtree_check,fsid=1)
EOF
}
good_exports > "$ROOT/etc/exports"
write_config "exports:
  enabled: true
  allowed_clients: [10.0.20.0/22, 192.168.1.0/24]
  etab: false
  rules:
    - { path: /srv/nfs, require: [async, insecure], forbid: [fsid=0] }"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
wait_until 10 "exports ok" pgw_is 1 driftd_exports_ok
[[ -z $(pgw driftd_exports_violations) ]] || fail "violations on a correct file: $(pgw driftd_exports_violations)"

# The bad deploy: scp writes the file in place.
sed -i 's|192.168.1.0/24(rw,async,insecure,no_subtree_check)$|192.168.1.0/24(rw,async,insecure,no_subtree_check,fsid=0)|' "$ROOT/etc/exports"
grep -q 'fsid=0' "$ROOT/etc/exports" || fail "test setup: sed did not break the file"
wait_until 10 "exports not ok" pgw_is 0 driftd_exports_ok
pgw_ge 1 driftd_exports_violations 'rule="fsid-root"' 'path="/srv/nfs"' || fail "no fsid-root series: $(pgw driftd_exports_violations)"
# Two rules break on that line: the fsid=0 rule and the profile's `forbid: [fsid=0]`.
wait_until 20 "the violations in Loki" loki_count_is 2 '"event":"exports-violation"'
line=$(loki_lines '"rule":"fsid-root"')
grep -qF '"rule":"fsid-root"' <<<"$line" || fail "Loki line lacks the rule: $line"
grep -qF '"file":"/etc/exports","line":2' <<<"$line" || fail "Loki line lacks file:line: $line"
# The ordinary drift of the file is reported beside it.
wait_until 10 "exports drift" pgw_is 1 driftd_drift_path 'path="/etc/exports"' 'kind="changed"'

# Fixed (an editor: write to a temp file and rename).
good_exports > "$ROOT/etc/exports.new" && mv "$ROOT/etc/exports.new" "$ROOT/etc/exports"
wait_until 10 "exports ok again" pgw_is 1 driftd_exports_ok
[[ -z $(pgw driftd_exports_violations) ]] || fail "violation series left after the fix"
wait_until 20 "the cleared lines in Loki" loki_count_is 2 '"event":"exports-cleared"'
stop_driftd
echo PASS
