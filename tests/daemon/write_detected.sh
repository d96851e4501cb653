# A write to a watched file: drift on Pushgateway with its path, and the diff
# in Loki; reverting it clears the state while the event stays counted.
source "$(dirname "$0")/lib.sh"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
pgw_is 0 driftd_drift_detected || fail "drift before any change"
pgw_is 1 driftd_baseline_valid || fail "baseline not valid"
cp -p "$ROOT/etc/hosts" "$T/hosts.orig"
printf '10.0.0.66 evil.example\n' >> "$ROOT/etc/hosts"
wait_until 10 "drift_detected 1" pgw_is 1 driftd_drift_detected
pgw_is 1 driftd_drift_path 'path="/etc/hosts"' 'kind="changed"' 'severity="warning"' || fail "no driftd_drift_path for /etc/hosts"
pgw_is 1 driftd_drift_files 'kind="changed"' 'severity="warning"' 'cause="unexplained"' || fail "drift_files wrong"
wait_until 20 "the diff line in Loki" loki_count_is 1 '"event":"drift"'
line=$(loki_lines '"event":"drift"')
grep -qF '"path":"/etc/hosts"' <<<"$line" || fail "Loki line lacks the path: $line"
grep -qF '+10.0.0.66 evil.example' <<<"$line" || fail "Loki line lacks the diff: $line"
grep -qF '"sha256":{"new"' <<<"$line" || fail "Loki line lacks the changed hash: $line"
# Revert: the state clears, the counter keeps the event.
cp -p "$T/hosts.orig" "$ROOT/etc/hosts"
wait_until 10 "drift cleared" pgw_is 0 driftd_drift_detected
[[ -z $(pgw driftd_drift_path 'path="/etc/hosts"') ]] || fail "cleared path still a series (PUT must replace the group)"
pgw_is 1 driftd_drift_events_total 'kind="changed"' 'severity="warning"' 'cause="unexplained"' || fail "event not kept in the counter"
wait_until 20 "the cleared line in Loki" loki_count_is 1 '"event":"cleared"'
pgw_ge 1 driftd_detection_latency_seconds_count || fail "no detection latency observed"
stop_driftd
grep -q "exiting" "$T/driftd.log" || fail "no clean exit logged"
echo PASS
