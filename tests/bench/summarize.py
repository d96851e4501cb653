#!/usr/bin/env python3
"""Prints the benchmark table (medians) from lib.sh's results.tsv."""
import collections, statistics, sys

rows = collections.defaultdict(list)
meta = {}
with open(sys.argv[1]) as f:
    header = f.readline().rstrip("\n").split("\t")
    for line in f:
        r = dict(zip(header, line.rstrip("\n").split("\t")))
        tool, op, variant = r["tool"], r["op"], r["variant"]
        # aide-bench.sh labels its corpus rows "workers=N"; ours say corpus or real.
        tree = "real" if variant == "real" else "corpus"
        if tool == "floor":
            rows[(tree, "floor", "hash")].append(r)
            continue
        rows[(tree, tool, op)].append(r)
        meta[tree] = (r["files"], r["bytes"])

def med(rs, field):
    return statistics.median(float(x[field]) for x in rs)

def floor_walls(rs):
    # real-tree floor is timed per path: sum consecutive groups of the per-path rows.
    if rs and rs[0]["op"].startswith("hash:"):
        n = len({x["op"] for x in rs})
        return [sum(float(x["wall_s"]) for x in rs[i:i + n]) for i in range(0, len(rs), n)]
    return [float(x["wall_s"]) for x in rs]

for tree in ("corpus", "real"):
    if tree not in meta:
        continue
    files, nbytes = meta[tree]
    fl = rows.get((tree, "floor", "hash"), [])
    floor_wall = statistics.median(floor_walls(fl)) if fl else None
    print(f"\n{tree}: {int(files):,} files, {int(nbytes) / 1e9:.2f} GB, warm cache, medians of {len(rows.get((tree, 'aide', 'init'), []))} runs")
    print(f"{'tool':<9} {'op':<6} {'wall s':>8} {'cpu s':>8} {'rss MiB':>8} {'files/s':>9} {'x AIDE':>7} {'x floor':>8}")
    for op in ("init", "check"):
        aide = rows.get((tree, "aide", op), [])
        aide_wall = med(aide, "wall_s") if aide else None
        aide_rss = med(aide, "maxrss_kib") if aide else None
        for tool in ("aide", "driftctl"):
            rs = rows.get((tree, tool, op), [])
            if not rs:
                continue
            wall = med(rs, "wall_s")
            cpu = statistics.median(float(x["user_s"]) + float(x["sys_s"]) for x in rs)
            rss = med(rs, "maxrss_kib") / 1024
            speed = f"{aide_wall / wall:.1f}x" if aide_wall else "-"
            xfloor = f"{wall / floor_wall:.2f}" if floor_wall else "-"
            print(f"{tool:<9} {op:<6} {wall:8.2f} {cpu:8.2f} {rss:8.1f} {int(files) / wall:9.0f} {speed:>7} {xfloor:>8}")
        drift = rows.get((tree, "driftctl", op), [])
        if drift and aide_rss:
            print(f"{'':<16} peak RSS driftctl/AIDE: {med(drift, 'maxrss_kib') / aide_rss:.2f}")
    if floor_wall:
        print(f"{'floor':<9} {'hash':<6} {floor_wall:8.2f}   (floor.c -t 2: walk + open + read + SHA-256)")
