#!/usr/bin/env bash
# tests/bench/report.sh -- driftctl report over six weeks x 6 nodes x 2,000 lines a day
# (about 500k lines, each with a diff as driftd writes them) in a real Loki
# (../shared/loki, entries up to 2000 h old accepted), timed twice: through Loki
# (--loki: the server projects the lines, the client pages) and from the same
# lines in a file (--input: reading and summing alone). Prints wall time, the
# client's time waiting for Loki and parsing its answers, and peak RSS.
# Not part of the suite (nothing may fail on time).
#   BUILD=build/dev DAYS=42 NODES=6 PER_DAY=2000 DIFF=512 tests/bench/report.sh
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
DRIFTCTL=${DRIFTCTL:-$TOP/${BUILD:-build/dev}/driftctl}
DAYS=${DAYS:-42} NODES=${NODES:-6} PER_DAY=${PER_DAY:-2000} DIFF=${DIFF:-512} POOL=${POOL:-5000}
W=$(mktemp -d /tmp/driftd-report-bench.XXXXXX)
trap 'kill -TERM ${LPID:-} 2>/dev/null; rm -rf "$W"' EXIT
LPID=$(LOKI_REJECT_OLD_SAMPLES_MAX_AGE=2000h "$TOP/../shared/loki/start-loki" "$W/loki") || exit 1
L=http://127.0.0.1:$(cat "$W/loki/http_port")
FROM=$(( $(date +%s) / 86400 * 86400 - (DAYS + 1) * 86400 ))
TO=$((FROM + DAYS * 86400))
t0=$(date +%s.%N)
n=$(python3 "$HERE/report_bench.py" "$L" "$FROM" "$DAYS" "$NODES" "$PER_DAY" "$DIFF" "$POOL" "$W/lines.jsonl") || exit 1
echo "pushed $n lines ($(du -h "$W/lines.jsonl" | cut -f1) as jsonl) in $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s"
# Loki asks its ingesters only about the last 3 h: weeks-old entries are read from the store.
curl -s --max-time 120 -X POST "$L/flush" && sleep 5  # flush is asynchronous; a bench, not a test
run() {  # run LABEL ARGS...: wall time, RSS
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/time" env DRIFTCTL_REPORT_TIMING=1 "$DRIFTCTL" report --from "@$FROM" --to "@$TO" \
    --format json --output "$W/$label.json" "$@" 2> "$W/$label.err" || { cat "$W/$label.err"; exit 1; }
  read -r wall rss < "$W/time"
  echo "$label: wall ${wall}s, peak RSS $((rss / 1024)) MB; $(grep timing "$W/$label.err" | sed 's/.*timing: //')"
}
run loki --loki "$L"
run input --input "$W/lines.jsonl"
python3 - "$W/loki.json" "$W/input.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
print(f"lines summed: loki {a['lines']}, input {b['lines']}; same report: {a == b}")
PY
