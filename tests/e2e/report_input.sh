# driftctl report --input on lines driftd did not write, or not as the report
# reads them: each skipped with its reason and counted, never included; the
# lines it does read (version 1 without `v`, version 2) summed; an empty range
# says so; exit codes 0 written, 16 usage, 20 input unreadable or output not
# writable.
source "$(dirname "$0")/lib.sh"

# Monday 2026-06-01 00:00 UTC .. +7 days.
FROM=2026-06-01 TO=2026-06-08
python3 - "$T/lines.jsonl" <<'PY'
import json, sys
def L(kind, node="n1", job="driftd", severity="warning"):
    l = {"job": job, "kind": kind, "severity": severity}
    if node: l["node"] = node
    return l
rows = [
    # read: a heartbeat of version 1 (no v), a drift of version 1, a drift of version 2
    (L("heartbeat", severity="info"), '{"event":"heartbeat","node":"n1","baseline_serial":3,"entries":10,"version":"0.1.0"}', "2026-06-01T00:05:00Z"),
    (L("changed", severity="critical"), '{"event":"drift","path":"/usr/bin/tool","cause":"package"}', "2026-06-02T02:03:17Z"),
    (L("changed", severity="critical"), '{"v":2,"event":"drift","path":"/etc/ssh/sshd_config","cause":"unexplained","actor":{"class":"session"}}', "2026-06-03T14:02:00Z"),
    # skipped, each with its reason
    (L("changed"), '{"v":2,"event":"drift","pa', "2026-06-03T15:00:00.5Z"),
    (L("shiny", severity="info"), '{"v":2,"event":"shiny"}', "2026-06-03T15:00:01Z"),
    (L("access", job="nginx"), '127.0.0.1 - - "GET / HTTP/1.1" 200', "2026-06-03T15:00:02Z"),
    (L("changed"), '{"v":9,"event":"drift","path":"/etc/x"}', "2026-06-03T15:00:03Z"),
    (L("changed"), '{"v":2,"event":"moved","path":"/etc/x"}', "2026-06-03T15:00:04Z"),
    (L("changed", node=""), '{"v":2,"event":"drift","path":"/etc/x"}', "2026-06-03T15:00:05Z"),
    (L("changed"), '{"v":2,"event":"drift"}', "2026-06-03T15:00:06Z"),
    (L("changed"), '{"v":2,"event":"drift","path":"/etc/old"}', "2026-05-20T00:00:00.25Z"),
]
with open(sys.argv[1], "w") as f:
    for labels, line, ts in rows:
        f.write(json.dumps({"labels": labels, "line": line, "timestamp": ts}) + "\n")
    f.write("GET / HTTP/1.1 (not a logcli entry)\n")
PY

"$DRIFTCTL" report --input "$T/lines.jsonl" --from $FROM --to $TO --format json > "$T/r.json" 2> "$T/err"; rc=$?
[[ $rc == 0 ]] || fail "report --input: exit $rc: $(cat "$T/err")"
python3 - "$T/r.json" <<'PY' || fail "what was read and skipped"
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
def eq(what, a, b):
    if a != b: bad.append(f"{what}: {a!r}, want {b!r}")
eq("lines read", d["lines"], 3)
eq("skipped", d["skipped"]["reasons"], {
    "not JSON (truncated, or another program's line)": 1, "unknown kind": 1, "not driftd's (job label)": 1,
    "unknown format version": 1, "unknown event": 1, "no node": 1, "missing field (path)": 1,
    "outside the range": 1, "not a logcli jsonl entry": 1})
eq("skipped total", d["skipped"]["total"], 9)
eq("nodes", [n["node"] for n in d["nodes"]], ["n1"])
n = d["nodes"][0]
eq("events", n["events"], 2)
eq("by_cause", n["by_cause"], {"package": 1, "unexplained": 1})
eq("by_class", {k: v for k, v in n["by_class"].items() if v}, {"session": 1, "not_recorded": 1})
eq("alive", [w["alive"] for w in n["weeks"]], [True])
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
"$DRIFTCTL" report --input "$T/lines.jsonl" --from $FROM --to $TO > "$T/r.txt" || fail "text report"
grep -q "skipped: 9" "$T/r.txt" || fail "the text report does not count the skipped lines: $(cat "$T/r.txt")"
grep -qF "unknown kind 1" "$T/r.txt" || fail "the text report does not give the reasons"

# A range with no line says so, and is still a report written.
"$DRIFTCTL" report --input "$T/lines.jsonl" --from 2020-01-01 --to 2020-01-08 > "$T/empty.txt"; rc=$?
[[ $rc == 0 ]] || fail "empty range: exit $rc"
grep -q "no driftd line in the range: no data" "$T/empty.txt" || fail "an empty range does not say so"

# Exit codes: 20 input unreadable or output not writable, 16 usage; stdout stays empty.
"$DRIFTCTL" report --input "$T/missing.jsonl" --since 1d > "$T/out" 2> "$T/err"; rc=$?
[[ $rc == 20 && ! -s $T/out ]] || fail "unreadable input: exit $rc"
grep -q "cannot read" "$T/err" || fail "unreadable input without the reason: $(cat "$T/err")"
"$DRIFTCTL" report --input "$T/lines.jsonl" --from $FROM --to $TO --output "$T/no/such/dir/r.html" --format html 2> "$T/err"; rc=$?
[[ $rc == 20 ]] || fail "output not writable: exit $rc"
for args in "--format pdf" "--since 6w --from 2026-01-01" "--since 6x" "--from 2026-13-45" "--from 2026-06-08 --to 2026-06-01" "--to 2026-06-01" "--limit 0" "--bogus"; do
  # shellcheck disable=SC2086
  "$DRIFTCTL" report --input "$T/lines.jsonl" $args > "$T/out" 2> "$T/err"; rc=$?
  [[ $rc == 16 && ! -s $T/out && -s $T/err ]] || fail "report $args: exit $rc, want 16 with a message"
done
echo PASS
