# Nothing lost: Loki stopped -> three changes -> driftd restarted -> Loki
# started -> all three lines arrive, once each, in order, with the
# timestamps of their detection. This test runs its own Loki.
source "$(dirname "$0")/lib.sh"
read -r kind lpid lport < <(bash "$HERE/servers.sh" start-loki "$T/loki") || fail "cannot start Loki"
trap 'kill -TERM $lpid 2>/dev/null; cleanup' EXIT
LOKI_URL_OVERRIDE=http://127.0.0.1:$lport LOKI_QUERY_URL=http://127.0.0.1:$lport
write_config
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
kill -TERM "$lpid"; while kill -0 "$lpid" 2>/dev/null; do sleep 0.1; done
for f in one two three; do
  printf '%s\n' "$f" > "$ROOT/etc/$f.conf"
  wait_until 10 "$f seen" pgw_is 1 driftd_drift_path "path=\"/etc/$f.conf\""
done
wait_until 10 "three lines spooled" pgw_ge 3 driftd_spool_entries
pgw_ge 1 driftd_push_failures_total 'sink="loki"' || fail "failed pushes not counted"
stop_driftd
ls "$T/state/spool/"*.jsonl >/dev/null 2>&1 || fail "spool empty after a stop with Loki down"
start_driftd
wait_until 30 "first full check after the restart" first_check_done
read -r kind lpid lport < <(bash "$HERE/servers.sh" start-loki "$T/loki" "$lport") || fail "cannot restart Loki"
wait_until 120 "the spool delivered" pgw_is 0 driftd_spool_entries
lines=$(loki_lines '"event":"drift"')
[[ $(wc -l <<<"$lines") == 3 ]] || fail "expected 3 lines once each, got: $lines"
paths=$(grep -o '"path":"[^"]*"' <<<"$lines" | tr '\n' ' ')
[[ $paths == '"path":"/etc/one.conf" "path":"/etc/three.conf" "path":"/etc/two.conf" ' ||
   $paths == '"path":"/etc/one.conf" "path":"/etc/two.conf" "path":"/etc/three.conf" ' ]] || fail "unexpected lines: $paths"
# In detection order: timestamps ascend one, two, three.
python3 - "$lines" <<'PY' || fail "lines not in detection order"
import json, sys
ts = {json.loads(l)["path"]: json.loads(l)["detected_at"] for l in sys.argv[1].splitlines()}
assert ts["/etc/one.conf"] < ts["/etc/two.conf"] < ts["/etc/three.conf"], ts
PY
grep -q "drift added" <(tail -n +1 "$T/driftd.log" | sed -n '/confinement/,$p' | tail -n 5) && fail "restart announced known drift again"
stop_driftd
echo PASS
