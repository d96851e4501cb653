#!/usr/bin/env python3
"""Six simulated weeks of three nodes for tests/daemon/report.sh.

Usage: report_data.py CAPTURED SOAK_LINES FROM_S OUTDIR

CAPTURED holds the Loki entries a real driftd wrote in the test (one JSON
object per line: {"labels", "ts", "line"}): the change of /usr/bin/tool, the
edit of /etc/ssh/sshd_config and its clearing, and the file "/etc/a|b<script>"
added and cleared. They are re-stamped (node, time, detected_at; cause and
package for the upgrades, an actor where attribution would give one) across
six weeks from FROM_S (a Monday 00:00 UTC) and three nodes; heartbeat and
baseline lines come from SOAK_LINES (agent/loki_lines' builders). Writes
OUTDIR/push-N.json (Loki push bodies, time order per stream), OUTDIR/input.jsonl
(logcli's --output=jsonl shape) and OUTDIR/expected.json (what the test did,
counted here independently of the report).
"""
import json
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timezone

captured_path, soak_lines, from_s, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
S = 10**9
DAY = 86400 * S
FROM = from_s * S
A, B, C = "k8s-node1", "k8s-node2", "k8s-node3"
NODES = [A, B, C]
WEEKS = 6
# Events sit off the hour: Loki 3.4.6 splits a query into hours and loses a
# stream's last entry when it lies exactly on such a boundary (measured: a
# stream of entries at 09:00 one week apart answers without its last one).
OFF = 197 * S - 1  # 3 min 17 s less 1 ns past the hour: report.sh puts a piece boundary (its pieces
# are --max-query-length less 1 ns) on the first Tuesday's tie

captured = [json.loads(l) for l in open(captured_path) if l.strip()]


def template(event, path):
    for e in captured:
        j = json.loads(e["line"])
        if j.get("event") == event and j.get("path") == path:
            return e
    sys.exit(f"report_data: no captured {event} line for {path}")


T_TOOL = template("drift", "/usr/bin/tool")
T_SSHD = template("drift", "/etc/ssh/sshd_config")
T_SSHD_CLEAR = template("cleared", "/etc/ssh/sshd_config")
T_ODD = template("drift", "/etc/a|b<script>")
T_ODD_CLEAR = template("cleared", "/etc/a|b<script>")


def rfc3339(ns):
    return datetime.fromtimestamp(ns // S, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % (ns % S)


entries = []  # (labels, ts, line)


def restamp(t, node, ts, path=None, **fields):
    labels = dict(t["labels"], node=node)
    j = json.loads(t["line"])
    j["node"] = node
    j["detected_at"] = rfc3339(ts)
    if path:
        j["path"] = path
    j.update(fields)
    entries.append((labels, ts, json.dumps(j, separators=(",", ":"))))


def helper(*args):
    e = json.loads(subprocess.check_output([soak_lines] + [str(a) for a in args]))
    entries.append((e["labels"], int(e["ts"]), e["line"]))


alive_days = {A: range(WEEKS * 7), B: range(WEEKS * 7), C: range(21)}  # C falls silent after week 2
serial = {n: 1 for n in NODES}
exp = {n: {"events": 0, "by_cause": defaultdict(int), "by_kind": defaultdict(int), "by_severity": defaultdict(int),
           "by_class": defaultdict(int), "by_path_class": defaultdict(int), "weeks": [0] * WEEKS,
           "alive": [False] * WEEKS, "paths": defaultdict(int), "reverts": [], "accepted": 0, "baselines": []}
       for n in NODES}


def count(node, ts, path, kind, severity, cause, actor, path_class):
    e = exp[node]
    e["events"] += 1
    e["by_cause"][cause] += 1
    e["by_kind"][kind] += 1
    e["by_severity"][severity] += 1
    e["by_class"][actor or "not_recorded"] += 1
    e["by_path_class"][path_class] += 1
    e["weeks"][(ts - FROM) // (7 * DAY)] += 1
    e["paths"][path] += 1


for node in NODES:
    helper("baseline", node, FROM + 4 * 60 * S, 1, from_s - 86400, "k1")
    exp[node]["baselines"].append("1")
for day in range(WEEKS * 7):
    base = FROM + day * DAY
    week = day // 7
    for node in NODES:
        if day not in alive_days[node]:
            continue
        helper("heartbeat", node, base + 5 * 60 * S, serial[node], 100 + day, base + 60 * S, "0.1.0")
        exp[node]["alive"][week] = True
        if day % 7 == 1:  # Tuesday night: the package upgrade, three binaries at one instant
            for p in ("/usr/bin/tool", "/usr/bin/tool2", "/usr/bin/tool3"):
                restamp(T_TOOL, node, base + 2 * 3600 * S + OFF, path=p, cause="package", package="tool",
                        package_version_before="1.0", package_version_now="1.1")
                count(node, base + 2 * 3600 * S + OFF, p, "changed", "critical", "package", "", "binaries")
        if day % 7 == 2 and (day - 1) in alive_days[node]:  # Wednesday: accepted into the next baseline
            serial[node] += 1
            helper("baseline", node, base + 9 * 3600 * S + OFF, serial[node], (base + 8 * 3600 * S) // S, "k1")
            exp[node]["baselines"].append(str(serial[node]))
            for p in ("/usr/bin/tool", "/usr/bin/tool2", "/usr/bin/tool3"):
                restamp(dict(T_TOOL, line=json.dumps({**json.loads(T_TOOL["line"]), "event": "cleared"})), node,
                        base + 9 * 3600 * S + OFF + 60 * S, path=p, cause="package")
                exp[node]["accepted"] += 1
# Week 0, Wednesday 10:03 on A: the odd file name, added by automation, gone 3 minutes later.
t = FROM + 2 * DAY + 10 * 3600 * S + OFF
restamp(T_ODD, A, t, actor={"class": "automation", "writers": 1})
count(A, t, "/etc/a|b<script>", "added", "warning", "unexplained", "automation", "other_etc")
restamp(T_ODD_CLEAR, A, t + 180 * S)
exp[A]["reverts"].append(180)
# Week 1, Thursday 14:02 on A: a hand edit of sshd_config in a login session, reverted after 12 minutes.
t = FROM + 10 * DAY + (14 * 3600 + 120) * S
restamp(T_SSHD, A, t, actor={"class": "session", "interactive": True, "writers": 1})
count(A, t, "/etc/ssh/sshd_config", "changed", "critical", "unexplained", "session", "ssh")
restamp(T_SSHD_CLEAR, A, t + 720 * S)
exp[A]["reverts"].append(720)
# Week 4, Saturday 14:02 on B: an unexplained change of a critical binary in a login session, never reverted.
t = FROM + 33 * DAY + (14 * 3600 + 120) * S
restamp(T_TOOL, B, t, cause="unexplained", actor={"class": "session", "interactive": True, "writers": 1})
count(B, t, "/usr/bin/tool", "changed", "critical", "unexplained", "session", "binaries")
# Lines the report must skip, with their reasons: truncated JSON, an unknown kind, an unknown version.
bad_t = FROM + 3 * DAY + OFF
entries.append(({"job": "driftd", "node": A, "kind": "changed", "severity": "warning"}, bad_t, '{"v":2,"event":"drift","pa'))
entries.append(({"job": "driftd", "node": A, "kind": "shiny", "severity": "info"}, bad_t, '{"v":2,"event":"shiny"}'))
entries.append(({"job": "driftd", "node": A, "kind": "changed", "severity": "warning"}, bad_t + 1,
                '{"v":9,"event":"drift","path":"/etc/x"}'))

entries.sort(key=lambda e: e[1])
streams = defaultdict(list)
for labels, ts, line in entries:
    streams[json.dumps(labels, sort_keys=True)].append([str(ts), line])
# Pushed in time order per stream, in batches of a few hundred entries.
n = 0
for key, values in streams.items():
    for i in range(0, len(values), 400):
        with open(f"{out}/push-{n:04d}.json", "w") as f:
            json.dump({"streams": [{"stream": json.loads(key), "values": values[i:i + 400]}]}, f)
        n += 1
with open(f"{out}/input.jsonl", "w") as f:
    for labels, ts, line in entries:
        f.write(json.dumps({"labels": labels, "line": line, "timestamp": rfc3339(ts)}) + "\n")
result = {}
for node, e in exp.items():
    r = sorted(e["reverts"])
    result[node] = {k: (dict(v) if isinstance(v, defaultdict) else v) for k, v in e.items()}
    result[node]["median"] = r[(len(r) + 1) // 2 - 1] if r else None
    result[node]["within"] = sum(1 for x in r if x <= 3600)
json.dump({"nodes": result, "entries": len(entries), "skipped": {"not JSON (truncated, or another program's line)": 1,
                                                                   "unknown kind": 1, "unknown format version": 1}},
          open(f"{out}/expected.json", "w"), indent=1)
print(len(entries))
