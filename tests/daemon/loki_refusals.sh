# Loki's 400s, as measured on Loki 3.4.6: a spool left by an earlier run holds
# a good line, a line older than Loki's 7 days (an outage), a line Loki refuses
# for good (no labels), and another good line. All but the refused one arrive,
# the old one re-sent with the current time and its detected_at kept; the
# refused one lands in the dead-letter file with Loki's reason; the queue
# is not blocked.
source "$(dirname "$0")/lib.sh"
make_baseline
mkdir -p "$T/state/spool"
python3 - "$T/state/spool/00000000000000000001.jsonl" "$NODE" <<'PY'
import json, sys, time
path, node = sys.argv[1:3]
now = time.time_ns()
labels = {"job": "driftd", "node": node, "kind": "changed", "severity": "warning"}
def entry(lbl, ts, name):
    line = json.dumps({"event": "drift", "path": f"/etc/{name}", "detected_at": f"ts-{ts}"}, separators=(",", ":"))
    return json.dumps({"labels": lbl, "ts": str(ts), "line": line})
rows = [entry(labels, now - 60_000_000_000, "good1"),
        entry(labels, now - 8 * 86400 * 10**9, "old"),
        entry({}, now - 30_000_000_000, "refused"),
        entry(labels, now - 20_000_000_000, "good2")]
open(path, "w").write("\n".join(rows) + "\n")
PY
start_driftd
wait_until 60 "the spool delivered" pgw_is 0 driftd_spool_entries
wait_until 20 "three lines in Loki" loki_count_is 3 '"event":"drift"'
lines=$(loki_lines)
for name in good1 old good2; do grep -qF "\"path\":\"/etc/$name\"" <<<"$lines" || fail "/etc/$name missing: $lines"; done
grep -qF '/etc/refused' <<<"$lines" && fail "the refused line reached Loki"
old_detected=$(grep -F '/etc/old' <<<"$lines")
grep -qF '"detected_at":"ts-' <<<"$old_detected" || fail "the old line lost its detected_at: $old_detected"
grep -qF '/etc/refused' "$T/state/loki-dead-letter.jsonl" || fail "no dead letter for the refused line"
grep -q '"loki_error"' "$T/state/loki-dead-letter.jsonl" || fail "dead letter lacks Loki's reason"
grep -q "re-sent with the current time" "$T/driftd.log" || fail "too-old handling not logged"
pgw_ge 1 driftd_spool_dropped_total || fail "the refused line was not counted"
stop_driftd
echo PASS
