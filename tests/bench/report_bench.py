#!/usr/bin/env python3
"""Lines for tests/bench/report.sh: DAYS days x NODES nodes x PER_DAY drift lines
(with a diff of DIFF bytes, as driftd writes them) plus a daily heartbeat,
pushed into Loki at URL in time order per stream, and written to JSONL (logcli's
shape) for --input. Paths come from a pool of POOL distinct paths.

Usage: report_bench.py URL FROM_S DAYS NODES PER_DAY DIFF POOL JSONL"""
import json
import random
import sys
import urllib.request
from collections import defaultdict
from datetime import datetime, timezone

url, from_s, days, nodes, per_day, diff, pool, out = sys.argv[1], *map(int, sys.argv[2:8]), sys.argv[8]
S = 10**9
rng = random.Random(7)
paths = [f"/etc/app{i % 50}/file{i}.conf" if i % 3 else f"/usr/bin/tool{i}" for i in range(pool)]
body = "-" + "x" * (diff // 2) + "\n+" + "y" * (diff // 2) + "\n"


def rfc3339(ns):
    return datetime.fromtimestamp(ns // S, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % (ns % S)


total = 0
with open(out, "w") as jl:
    for day in range(days):
        streams = defaultdict(list)
        base = (from_s + day * 86400) * S
        for n in range(nodes):
            node = f"bench-node{n}"
            hb = {"v": 2, "event": "heartbeat", "node": node, "baseline_serial": 1, "entries": 9000,
                  "last_full_check": rfc3339(base), "version": "0.1.0", "detected_at": rfc3339(base + S)}
            streams[(node, "heartbeat", "info")].append((base + S, json.dumps(hb)))
            for i in range(per_day):
                ts = base + (i * 86400 // per_day) * S + 2 * S + n
                p = rng.choice(paths)
                cause = "package" if rng.random() < 0.7 else "unexplained"
                sev = "critical" if p.startswith("/usr/bin/") else "warning"
                event = "drift" if i % 4 else "cleared"
                j = {"v": 2, "event": event, "node": node, "path": p, "kind": "changed", "severity": sev,
                     "cause": cause, "detected_at": rfc3339(ts), "diff": body, "new_sha256": "ab" * 32}
                streams[(node, "changed", sev)].append((ts, json.dumps(j)))
        push = {"streams": []}
        for (node, kind, sev), values in streams.items():
            values.sort()
            labels = {"job": "driftd", "node": node, "kind": kind, "severity": sev}
            push["streams"].append({"stream": labels, "values": [[str(t), l] for t, l in values]})
            for t, l in values:
                jl.write(json.dumps({"labels": labels, "line": l, "timestamp": rfc3339(t)}) + "\n")
            total += len(values)
        data = json.dumps(push).encode()
        for i in range(0, 1):
            req = urllib.request.Request(f"{url}/loki/api/v1/push", data=data, headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=300).read()
        print(f"day {day + 1}/{days}: {total} lines", file=sys.stderr, end="\r")
print(total)
