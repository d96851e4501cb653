#!/usr/bin/env bash
# tests/bench/page_cache.sh -- is a rescan page-cache neutral, and what does it cost?
# A "workload" file of WORK_MB (default 1024) is read into the page cache; a tree of TREE_MB
# (default 1024, 4 MiB files) is dropped from it (POSIX_FADV_DONTNEED via dd nocache). Then
# driftctl baseline create runs over the tree three ways: neutral by cachestat, neutral by
# mincore (what a host under systemd 252 takes), and scan.page_cache_neutral off. After each,
# fincore(1) gives the workload file's and the tree's resident bytes. Prints a table; never fails.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
WORK_MB=${WORK_MB:-1024}
TREE_MB=${TREE_MB:-1024}
BENCH=${BENCH:-/tmp/driftd-bench}
W=$BENCH/page-cache
DRIFTCTL=${DRIFTCTL:-$TOP/build/bench/driftctl}
if [[ ! -x $DRIFTCTL ]]; then
  cmake -S "$TOP" -B "$TOP/build/bench" -DCMAKE_BUILD_TYPE=Release -DDRIFTD_TESTS=OFF >/dev/null &&
    cmake --build "$TOP/build/bench" -j"$(nproc)" --target driftctl >/dev/null || exit 1
fi
command -v fincore >/dev/null || { echo "bench: fincore (util-linux) missing" >&2; exit 2; }
mkdir -p "$W/tree"
[[ -f $W/workload && $(stat -c %s "$W/workload") == $((WORK_MB << 20)) ]] ||
  head -c $((WORK_MB << 20)) /dev/urandom > "$W/workload"
n=$((TREE_MB / 4))
for i in $(seq 1 "$n"); do
  [[ -f $W/tree/f$i ]] || head -c $((4 << 20)) /dev/urandom > "$W/tree/f$i"
done
sync
cat > "$W/on.yaml" <<CFG
node: bench
paths: [$W/tree]
scan: { threads: 2 }
runtime: { enabled: false }
CFG
sed 's/threads: 2 }/threads: 2, page_cache_neutral: false }/' "$W/on.yaml" > "$W/off.yaml"
resident() { fincore -b -n -o RES "$@" | awk '{s += $1} END {print s + 0}'; }
drop_tree() { for f in "$W"/tree/*; do dd if="$f" iflag=nocache count=0 status=none; done; }
printf '%-22s %10s %12s %12s %12s\n' "run" "wall s" "workload MB" "tree MB before" "tree MB after"
for mode in cachestat mincore off; do
  cat "$W/workload" > /dev/null
  drop_tree
  before=$(resident "$W"/tree/*)
  cfg=$W/on.yaml; envs=()
  [[ $mode == off ]] && cfg=$W/off.yaml
  [[ $mode == mincore ]] && envs=(DRIFTD_RESIDENCY=mincore)
  start=$(date +%s.%N)
  env "${envs[@]}" "$DRIFTCTL" baseline create --config "$cfg" --output "$W/b.drift" --quiet 2>/dev/null
  end=$(date +%s.%N)
  printf '%-22s %10.2f %12d %12d %12d\n' "$mode" "$(echo "$end - $start" | bc)" \
    $(( $(resident "$W/workload") >> 20 )) $((before >> 20)) $(( $(resident "$W"/tree/*) >> 20 ))
done
