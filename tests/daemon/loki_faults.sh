# Loki answering 429 and 5xx, and once answering only after driftd's 10 s
# request timeout (it stored the batch, the answer was lost): every line still
# arrives, once, in order, and the failures are counted on Pushgateway. The
# real Loki cannot be told to fail on cue, so this test always runs against the
# project's Loki double (the same push and query API), on its own port.
source "$(dirname "$0")/lib.sh"
read -r _ LOKI_FAULT_PID port < <(DRIFTD_SHARED=/nonexistent bash "$HERE/servers.sh" start-loki "$T/loki-faults")
trap 'kill "$LOKI_FAULT_PID" 2>/dev/null; cleanup' EXIT
FAULTS=http://127.0.0.1:$port
echo "loki_faults: faults injected by the project's Loki double on $FAULTS (the fixture's Loki is not used here)" >&2
LOKI_URL_OVERRIDE=$FAULTS write_config
LOKI_QUERY_URL=$FAULTS
fault() { curl -sf --max-time 5 -X POST "$FAULTS/test/fault" -d "$1" >/dev/null || fail "cannot arm fault $1"; }
faults_left() { curl -sf --max-time 5 "$FAULTS/test/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["faults_left"])'; }
no_faults_left() { [[ $(faults_left) == 0 ]]; }

make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
# The next pushes: two 429s, a 503, a 500, then one stored but answered too late.
fault '{"status": 429, "count": 2}'
fault '{"status": 503, "count": 1}'
fault '{"status": 500, "count": 1}'
fault '{"delay_ms": 10500, "count": 1}'
for name in alpha beta gamma; do
  printf '%s\n' "$name" > "$ROOT/etc/$name.conf"
  wait_until 10 "$name seen" pgw_is 1 driftd_drift_path "path=\"/etc/$name.conf\"" 'kind="added"'
done
wait_until 90 "every fault used up" no_faults_left
wait_until 30 "the spool drained" pgw_is 0 driftd_spool_entries
wait_until 20 "three lines in Loki" loki_count_is 3 '"event":"drift"'
lines=$(loki_lines '"event":"drift"')
order=$(grep -o '"path":"/etc/[a-z]*.conf"' <<<"$lines" | tr '\n' ' ')
[[ $order == '"path":"/etc/alpha.conf" "path":"/etc/beta.conf" "path":"/etc/gamma.conf" ' ]] ||
  fail "lines out of order or duplicated: $order"
pgw_ge 5 driftd_push_failures_total 'sink="loki"' || fail "Loki failures not counted: $(pgw driftd_push_failures_total 'sink="loki"')"
stop_driftd
echo PASS
