# driftctl report against a real Loki, filled with lines a real driftd wrote:
# driftd runs on the test tree while a binary changes, sshd_config is edited
# and reverted and a file named "/etc/a|b<script>" comes and goes; those lines
# (with heartbeat and baseline lines from agent/loki_lines' builders) are
# re-stamped across six weeks and three nodes (tests/daemon/report_data.py),
# pushed in time order per stream into a Loki of this test's own that accepts
# old entries (../shared/loki/start-loki), flushed to its store, and every
# number of the report is checked in JSON, text and Markdown; the four
# decision scenarios; paging across a piece boundary and through a tie of
# nine lines at one instant; --input giving the same JSON; faults (no Loki,
# Loki's 400, usage, an empty range); the HTML as Chromium's DOM and
# screenshot; and the dashboard's Stage C queries against the same Loki.
source "$(dirname "$0")/lib.sh"
SOAK_LINES=$(dirname "$DRIFTCTL")/tests/soak_lines
eval "lib_$(declare -f fail)"
fail() { [[ -s $T/queryable ]] && cat "$T/queryable" >&2; [[ -n ${DRIFTD_KEEP_REPORT:-} ]] && cp -r "$T/data" "$T"/*.json "$DRIFTD_KEEP_REPORT/" 2>/dev/null; lib_fail "$@"; }
REPO_MANIFESTS=$HERE/../../manifests
[[ -x $SOAK_LINES ]] || fail "no $SOAK_LINES (built with the tests)"

# 1. A real driftd writes the lines.
printf 'x\n' > "$ROOT/etc/keep"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
printf '#!/bin/sh\necho changed\n' > "$ROOT/usr/bin/tool"
wait_until 20 "the binary's drift line" loki_count_is 1 '"path":"/usr/bin/tool"'
cp -p "$ROOT/etc/ssh/sshd_config" "$T/sshd.orig"
printf 'PermitRootLogin yes\n' >> "$ROOT/etc/ssh/sshd_config"
wait_until 20 "the sshd_config drift line" loki_count_is 1 '"path":"/etc/ssh/sshd_config"'
cp -p "$T/sshd.orig" "$ROOT/etc/ssh/sshd_config"
wait_until 20 "the sshd_config cleared line" loki_count_is 2 '"path":"/etc/ssh/sshd_config"'
printf 'odd\n' > "$ROOT/etc/a|b<script>"
wait_until 20 "the odd file's drift line" loki_count_is 1 '"path":"/etc/a|b<script>"'
rm "$ROOT/etc/a|b<script>"
wait_until 20 "the odd file's cleared line" loki_count_is 2 '"path":"/etc/a|b<script>"'
stop_driftd
curl -s --max-time 10 -G "$LOKI_URL/loki/api/v1/query_range" --data-urlencode "query={job=\"driftd\",node=\"$NODE\"}" \
  --data-urlencode "start=$(( $(date +%s) - 3600 ))000000000" --data-urlencode "end=$(( $(date +%s) + 600 ))000000000" \
  --data-urlencode "limit=5000" --data-urlencode "direction=forward" |
  python3 -c '
import json, sys
for s in json.load(sys.stdin)["data"]["result"]:
    for ts, line in s["values"]:
        print(json.dumps({"labels": s["stream"], "ts": ts, "line": line}))' > "$T/captured.jsonl"
grep -q '"v\\": 2\|\\"v\\":2' "$T/captured.jsonl" || fail "driftd's lines carry no format version v 2: $(head -c 300 "$T/captured.jsonl")"

# 2. Six weeks of three nodes, ending last Monday; a Loki that takes entries that old.
FROM=$(python3 -c 'import time; d=int(time.time())//86400; monday=(d - (d + 3) % 7) * 86400; print(monday - 7 * 7 * 86400)')
TO=$((FROM + 42 * 86400))
mkdir -p "$T/data"
python3 "$HERE/report_data.py" "$T/captured.jsonl" "$SOAK_LINES" "$FROM" "$T/data" >/dev/null || fail "report_data.py"
# A Loki of this test's own (../shared/loki/start-loki, stock config) that
# takes entries that old. It answers queries older than 3 h from its store
# only, so the pushed entries are flushed there (POST /flush) and a query is
# polled until every one is back.
SHARED_LOKI=${DRIFTD_SHARED:-$HERE/../../../shared}/loki
[[ $LOKI_KIND == real-loki* && -x $SHARED_LOKI/start-loki ]] ||
  { echo "SKIP: needs the real Loki (../shared/loki/start-loki), have $LOKI_KIND" >&2; exit 77; }
LPID=$(LOKI_REJECT_OLD_SAMPLES_MAX_AGE=2000h "$SHARED_LOKI/start-loki" "$T/loki") || fail "start-loki: $(tail -5 "$T/loki/loki.log")"
stop_loki() {  # not our child (start-loki detaches it): poll until it is gone
  kill -TERM "$LPID" 2>/dev/null
  for _ in $(seq 1 300); do kill -0 "$LPID" 2>/dev/null || break; sleep 0.1; done
}
trap 'stop_loki; cleanup' EXIT
L=http://127.0.0.1:$(cat "$T/loki/http_port")
for f in "$T"/data/push-*.json; do
  code=$(curl -s --max-time 30 -o "$T/push.out" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$f" "$L/loki/api/v1/push")
  [[ $code == 204 ]] || fail "push $f: $code $(cat "$T/push.out")"
done
code=$(curl -s --max-time 30 -o "$T/flush.out" -w '%{http_code}' -X POST "$L/flush")
[[ $code == 204 ]] || fail "POST /flush: $code $(cat "$T/flush.out")"
R() { "$DRIFTCTL" report --loki "$L" --from "@$FROM" --to "@$TO" "$@"; }
all_there() { R --format json 2>/dev/null | tee "$T/there.json" | python3 -c '
import json, sys; d = json.load(sys.stdin); n = d["lines"] + d["skipped"]["total"]
print(f"queryable: {n} of {sys.argv[1]}", file=open(sys.argv[2], "w")); sys.exit(0 if n == int(sys.argv[1]) else 1)' \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["entries"])' "$T/data/expected.json")" "$T/queryable"; }
wait_until 300 "every pushed entry queryable" all_there

# 3. Every number, in JSON.
R --format json > "$T/full.json" || fail "report --format json exit $?"
python3 - "$T/full.json" "$T/data/expected.json" <<'PY' || fail "JSON numbers differ from what the test did"
import json, sys
got, exp = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = []
def eq(what, a, b):
    if a != b: bad.append(f"{what}: report {a!r}, test {b!r}")
eq("nodes", [n["node"] for n in got["nodes"]], sorted(exp["nodes"]))
eq("weeks", len(got["range"]["weeks"]), 6)
eq("skipped", got["skipped"]["reasons"], exp["skipped"])
for n in got["nodes"]:
    e = exp["nodes"][n["node"]]
    nd = n["node"]
    for k in ("events", "by_cause", "by_kind", "by_severity", "by_path_class"):
        eq(f"{nd} {k}", n[k], e[k])
    eq(f"{nd} by_class", {k: v for k, v in n["by_class"].items() if v}, e["by_class"])
    eq(f"{nd} weeks events", [w["events"] for w in n["weeks"]], e["weeks"])
    eq(f"{nd} weeks alive", [w["alive"] for w in n["weeks"]], e["alive"])
    eq(f"{nd} alive_weeks", n["alive_weeks"], sum(e["alive"]))
    eq(f"{nd} reverted within", n["reverted"]["within"], e["within"])
    eq(f"{nd} reverted", n["reverted"]["reverted"], len(e["reverts"]))
    eq(f"{nd} accepted", n["reverted"]["accepted"], e["accepted"])
    eq(f"{nd} median", n["reverted"]["median_seconds"], e["median"])
    eq(f"{nd} baselines", [b["serial"] for b in n["baselines"]], e["baselines"])
    top = sorted(e["paths"].items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    eq(f"{nd} top_paths", [[t["path"], t["events"]] for t in n["top_paths"]], [list(t) for t in top])
rows = {r["row"]: r for r in got["decision"]}
eq("uncaught holds", rows["uncaught"]["holds"], True)
eq("silent holds", rows["silent-nodes"]["holds"], True)
eq("no-drift holds", rows["no-drift"]["holds"], False)
eq("contained holds", rows["contained"]["holds"], False)
eq("sandbox undecided", rows["sandbox-validates"]["holds"], None)
ev = rows["uncaught"]["evidence"]
eq("uncaught evidence", len(ev), 1)
if ev and not ev[0].startswith("unexplained change of a critical binary /usr/bin/tool on k8s-node2 in a login session, "):
    bad.append("uncaught evidence: " + ev[0])
# The next Tuesday's upgrade drifts the same binary again and Wednesday's baseline takes it,
# 3 days 19 h later: durations round down.
if ev and not ev[0].endswith(" 14:02 UTC (accepted into baseline 7 after 3 days)"): bad.append("uncaught evidence end: " + ev[0])
eq("silent evidence", rows["silent-nodes"]["evidence"],
   ["k8s-node3: no heartbeat in " + ", ".join(got["range"]["weeks"][3:])])
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# 4. The same numbers in text and Markdown (the per-node row, the weeks row).
R --format text > "$T/full.txt" || fail "report --format text"
R --format markdown > "$T/full.md" || fail "report --format markdown"
python3 - "$T/full.json" "$T/full.txt" "$T/full.md" <<'PY' || fail "text or Markdown numbers differ from the JSON"
import json, sys
d = json.load(open(sys.argv[1]))
txt, md = open(sys.argv[2]).read(), open(sys.argv[3]).read()
bad = []
if not md.startswith("## Drift telemetry summary"): bad.append("Markdown is not the ADR section")
def mdcell(s):
    return "".join("\\" + c if c in "\\|*_`[]<>#" else c for c in s)
for n in d["nodes"]:
    k, s, c = n["by_kind"].get, n["by_severity"].get, n["by_cause"].get
    med = n["reverted"]["median_seconds"]
    cells = [n["node"], n["events"], k("added", 0), k("removed", 0), k("changed", 0), k("runtime", 0), k("exports", 0),
             k("expectation", 0), s("critical", 0), s("warning", 0), c("package", 0), c("unexplained", 0),
             n["reverted"]["within"], f"{med} s" if med is not None else "-", f"{n['alive_weeks']}/6",
             " ".join(b["serial"] for b in n["baselines"])]
    row = "| " + " | ".join(mdcell(str(x)) for x in cells) + " |"
    if row not in md: bad.append("Markdown lacks " + row)
    tokens = " ".join(str(x) for x in cells).split()
    if not any(l.split() == tokens for l in txt.splitlines()): bad.append("text lacks " + " ".join(tokens))
    weeks = [str(w["events"]) if w["alive"] else "no data" for w in n["weeks"]]
    row = "| " + " | ".join([mdcell(n["node"])] + weeks) + " |"
    if row not in md: bad.append("Markdown lacks weeks " + row)
for p in ("/etc/a\\|b\\<script\\>",):
    if p not in md: bad.append("Markdown lacks the escaped path " + p)
if "| uncaught | HOLDS |" not in md: bad.append("Markdown decision row")
if "[HOLDS] uncaught" not in txt: bad.append("text decision row")
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# 5. Paging: pieces of 26 h 3 min 17 s less 1 ns (the first boundary falls exactly on
# the first Tuesday's tie of nine lines, three per node at one instant) and
# pages of 7 entries (so a page is all one timestamp, and ends inside a tie):
# the same JSON.
R --format json --limit 7 --max-query-length 93797s > "$T/paged.json" || fail "paged report"
cmp -s "$T/full.json" "$T/paged.json" || fail "paged report differs: $(diff "$T/full.json" "$T/paged.json" | head -20)"
# --input on the same lines (logcli's jsonl): the same JSON.
"$DRIFTCTL" report --input "$T/data/input.jsonl" --from "@$FROM" --to "@$TO" --format json > "$T/input.json" || fail "--input"
cmp -s "$T/full.json" "$T/input.json" || fail "--input differs: $(diff "$T/full.json" "$T/input.json" | head -20)"

# 6. The four decision scenarios.
holds() {  # holds ROW JSON_FILE: prints true, false or null
  python3 -c 'import json,sys; print(json.dumps({r["row"]: r["holds"] for r in json.load(open(sys.argv[2]))["decision"]}[sys.argv[1]]))' "$1" "$2"
}
"$DRIFTCTL" report --loki "$L" --node k8s-node1 --from "@$((FROM + 14 * 86400))" --to "@$((FROM + 28 * 86400))" --format json > "$T/s1.json" || fail "scenario nothing"
[[ $(holds no-drift "$T/s1.json") == true && $(holds contained "$T/s1.json") == false ]] || fail "nothing: $(holds no-drift "$T/s1.json")"
R --format json --node k8s-node1 > "$T/s2.json" || fail "scenario contained"
[[ $(holds contained "$T/s2.json") == true && $(holds uncaught "$T/s2.json") == false && $(holds no-drift "$T/s2.json") == false ]] ||
  fail "contained: $(holds contained "$T/s2.json")"
grep -qF 'unexplained change of a critical /etc/ssh file /etc/ssh/sshd_config on k8s-node1 in a login session' "$T/s2.json" ||
  fail "contained evidence"
grep -qF '(reverted after 12 min)' "$T/s2.json" || fail "contained evidence lacks the revert"
R --format json --node k8s-node2 > "$T/s3.json" || fail "scenario uncaught"
[[ $(holds uncaught "$T/s3.json") == true && $(holds contained "$T/s3.json") == false ]] || fail "uncaught"
R --format json --node k8s-node3 > "$T/s4.json" || fail "scenario silent"
[[ $(holds silent-nodes "$T/s4.json") == true && $(holds no-drift "$T/s4.json") == false ]] || fail "silent"
R --format json --node k8s-node9 > "$T/s5.json" || fail "a node that never wrote"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=d["nodes"][0]; sys.exit(0 if n["lines"]==0 and n["alive_weeks"]==0 else 1)' "$T/s5.json" ||
  fail "a node without a line is not no data"

# 7. Faults: Loki unreachable is 20 with the reason; usage is 16; an empty range says so.
"$DRIFTCTL" report --loki http://127.0.0.1:1 --since 1d > /dev/null 2> "$T/err"; rc=$?
[[ $rc == 20 ]] || fail "unreachable Loki: exit $rc"
grep -q "no answer" "$T/err" || fail "unreachable Loki without the reason: $(cat "$T/err")"
# A query Loki refuses (400: a piece longer than its max_query_length, 721 h):
# 20 at once, with Loki's own message.
R --max-query-length 1000h > /dev/null 2> "$T/err"; rc=$?
[[ $rc == 20 ]] || fail "Loki's 400: exit $rc"
grep -q "HTTP 400: the query time range exceeds the limit" "$T/err" || fail "Loki's 400 without its message: $(cat "$T/err")"
"$DRIFTCTL" report --input "$T/no-such.jsonl" --since 1d > /dev/null 2> "$T/err"; rc=$?
[[ $rc == 20 ]] || fail "--input unreadable: exit $rc"
"$DRIFTCTL" report --format pdf > /dev/null 2>&1; [[ $? == 16 ]] || fail "--format pdf not a usage error"
"$DRIFTCTL" report --since 6w --from 2026-01-01 > /dev/null 2>&1; [[ $? == 16 ]] || fail "--since with --from not a usage error"
"$DRIFTCTL" report --help | grep -q "Stage C decision table" || fail "report --help"
"$DRIFTCTL" report --loki "$L" --from 2020-01-01 --to 2020-01-08 > "$T/empty.txt" || fail "empty range"
grep -q "no driftd line in the range: no data" "$T/empty.txt" || fail "an empty range does not say so"

# 8. HTML: self-contained, one series per node, rendered by headless Chromium, not blank.
R --format html --output "$T/report.html" || fail "report --format html"
grep -qF "default-src 'none'" "$T/report.html" || fail "no CSP"
[[ $(grep -o '<g class="series"' "$T/report.html" | wc -l) == 3 ]] || fail "not one series per node"
grep -q '<script' "$T/report.html" && fail "a <script> in the HTML"
command -v chromium >/dev/null || fail "chromium missing (packaging/install-deps.sh --tests)"
# The DOM Chromium built from it: the tables, the CSP, the file named
# "/etc/a|b<script>" as text (no script element: nothing ran).
timeout 170 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$T/report.html" > "$T/dom.html" 2> "$T/chromium.log" ||
  fail "chromium --dump-dom: $(tail -5 "$T/chromium.log")"
python3 - "$T/dom.html" <<'PY' || fail "the HTML Chromium loaded is not what the report wrote"
import sys
from html.parser import HTMLParser
class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text, self.csp = [], [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(a.get("content") or "")
    def handle_data(self, data):
        self.text.append(data)
d = Dom()
d.feed(open(sys.argv[1]).read())
text = "".join(d.text)
bad = []
if d.tags.count("table") < 3: bad.append(f"{d.tags.count('table')} tables")
if d.tags.count("svg") != 2: bad.append(f"{d.tags.count('svg')} svg charts")
if "script" in d.tags: bad.append("a script element in the DOM")
if d.csp != ["default-src 'none'; style-src 'unsafe-inline'"]: bad.append(f"CSP {d.csp}")
if "/etc/a|b<script>" not in text: bad.append("the path /etc/a|b<script> not shown as text")
if "k8s-node3" not in text: bad.append("no node names")
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
grep -qF '/etc/a|b&lt;script&gt;' "$T/report.html" || fail "the odd path not escaped in HTML"
timeout 170 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$T/report.png" \
  --window-size=1200,1600 "file://$T/report.html" > "$T/chromium.log" 2>&1 || fail "chromium: $(tail -5 "$T/chromium.log")"
# Debian's python3 (python3-pil), whatever python3 is first on PATH.
/usr/bin/python3 - "$T/report.png" <<'PY' || fail "the screenshot is blank"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
colours = im.getcolors(maxcolors=1 << 20) or []
red = sum(n for n, c in colours if c[0] > 200 and c[1] < 120 and c[2] < 120)   # unexplained bars
blue = sum(n for n, c in colours if c[2] > 150 and c[0] < 120)                  # package bars
print(f"screenshot {im.size}: {len(colours)} colours, {red} red, {blue} blue pixels", file=sys.stderr)
sys.exit(0 if len(colours) > 20 and red > 20 and blue > 200 else 1)
PY
# 9. The dashboard's Stage C row, run against the same Loki over the same
# range: the same counts per node and cause, actor class, and heartbeats.
python3 - "$REPO_MANIFESTS/grafana/driftd-dashboard.json" "$L" "$TO" "$T/full.json" <<'PY' || fail "the dashboard's Stage C panels disagree with the report"
import json, sys, urllib.parse, urllib.request
dash, loki, to, rep = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]), json.load(open(sys.argv[4]))
def instant(expr):
    expr = expr.replace("$__range", "42d").replace("$node", ".*")
    q = urllib.parse.urlencode({"query": expr, "time": str(to * 10**9)})
    d = json.load(urllib.request.urlopen(f"{loki}/loki/api/v1/query?{q}", timeout=60))
    # A label Loki extracted empty (no actor in the line) is "not recorded".
    return {tuple(sorted((k, v) for k, v in r["metric"].items() if v)): int(float(r["value"][1])) for r in d["data"]["result"]}
panels = {p["title"]: p for p in dash["panels"]}
bad = []
by_cause = instant(panels["Drift events by node and cause (range)"]["targets"][0]["expr"])
want = {(("cause", c), ("node", n["node"])): v for n in rep["nodes"] for c, v in n["by_cause"].items()}
if by_cause != want: bad.append(f"by cause: dashboard {by_cause}, report {want}")
by_class = instant(panels["Drift events by node and actor class (range)"]["targets"][0]["expr"])
want = {}
for n in rep["nodes"]:
    for c, v in n["by_class"].items():
        if v: want[(("actor_class", c), ("node", n["node"])) if c != "not_recorded" else (("node", n["node"]),)] = v
if by_class != want: bad.append(f"by actor class: dashboard {by_class}, report {want}")
beats = instant(panels["Heartbeats by node (range): silent is not clean"]["targets"][0]["expr"])
want = {(("node", n["node"]),): sum(w["heartbeats"] for w in n["weeks"]) for n in rep["nodes"]}
if beats != want: bad.append(f"heartbeats: dashboard {beats}, report {want}")
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
[[ -n ${DRIFTD_KEEP_REPORT:-} ]] && cp "$T/report.png" "$T/report.html" "$DRIFTD_KEEP_REPORT/"
echo PASS
