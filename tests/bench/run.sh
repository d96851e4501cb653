#!/usr/bin/env bash
# tests/bench/run.sh [SCALE] -- driftctl beside AIDE 0.18 and the hardware floor, same run.
#
# 1. builds driftctl (Release) and ../shared/bench/floor.c;
# 2. makes the corpus with ../shared/bench/make-corpus.sh (SCALE, default 1: 49,888 files, 1.84 GB);
# 3. RUNS times (default 3), alternating, warm page cache:
#      AIDE --init/--check --workers=2 through ../shared/bench/aide-bench.sh (its config: same
#      paths, sha256 + p+i+n+u+g+s+m+c), driftctl baseline create / check (2 threads), floor -t 2;
# 4. the same on this machine's own /etc /usr/bin /usr/sbin /usr/local/bin /usr/lib/x86_64-linux-gnu
#    (REAL=0 skips), with an AIDE config written here with the same attributes;
# 5. prints a table of medians: files, bytes, wall, user+sys CPU, peak RSS, files/s, x AIDE;
# 6. the page-cache section (page_cache.sh) and the daemon's (daemon.sh).
# Rows land in $RESULTS/results.tsv (../shared/bench/lib.sh's format). Never fails on time.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$TOP/../shared/bench}
[[ -x $SHARED/make-corpus.sh ]] || { echo "bench: $SHARED not found (set SHARED=.../shared/bench)" >&2; exit 2; }
SCALE=${1:-${SCALE:-1}}
RUNS=${RUNS:-3}
REAL=${REAL:-1}
BENCH=${BENCH:-/tmp/driftd-bench}
export RESULTS=${RESULTS:-$BENCH/results-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS"
# shellcheck source=/dev/null
source "$SHARED/lib.sh"

"$TOP/packaging/install-deps.sh" --tests
cmake -S "$TOP" -B "$TOP/build/bench" -DCMAKE_BUILD_TYPE=Release -DDRIFTD_TESTS=OFF >/dev/null &&
  cmake --build "$TOP/build/bench" -j"$(nproc)" >/dev/null || exit 1
DRIFTCTL=$TOP/build/bench/driftctl
FLOOR=$BENCH/floor
gcc -O2 -Wall -pthread -o "$FLOOR" "$SHARED/floor.c" -lcrypto || exit 1

CORPUS=$BENCH/corpus-$SCALE
if [[ ! -f $CORPUS/.make-corpus ]]; then
  FORCE=1 "$SHARED/make-corpus.sh" "$CORPUS" "$SCALE" || exit 1
fi
CORPUS=$(realpath "$CORPUS")
W=$BENCH/driftctl-work
rm -rf "$W" && mkdir -p "$W"
"$DRIFTCTL" keygen --signing-key "$W/k.pem" --public-key "$W/k.pub" 2>/dev/null

# bench_tree LABEL "PATH..." : one round of driftctl create/check and floor over the paths.
driftctl_round() {  # LABEL CONFIG FILES BYTES FLOOR_ARGS...
  local label=$1 cfg=$2 files=$3 bytes=$4; shift 4
  timed driftctl init "$label" warm "$files" "$bytes" -- \
    "$DRIFTCTL" baseline create --config "$cfg" --output "$W/$label.drift" --signing-key "$W/k.pem" --quiet
  # One appended line, like the AIDE run's mutations: the check still hashes everything.
  local victim
  victim=$(find "${@: -1}" -xdev -type f -name '*.conf' -size -8k 2>/dev/null | LC_ALL=C sort | head -1)
  if [[ -n $victim && -w $victim && $label == corpus ]]; then cp -p "$victim" "$W/victim.bak"; echo "# bench" >> "$victim"; fi
  timed driftctl check "$label" warm "$files" "$bytes" -- \
    "$DRIFTCTL" check --config "$cfg" --baseline "$W/$label.drift" --public-key "$W/k.pub" --quiet
  if [[ -f $W/victim.bak ]]; then cp -p "$W/victim.bak" "$victim"; rm -f "$W/victim.bak"; fi
}

cat > "$W/corpus.yaml" <<CFG
node: bench
paths: [$CORPUS]
content: { paths: ["$CORPUS/etc"] }
scan: { threads: 2 }
runtime: { enabled: false }   # a synthetic tree: the kernel's state is not what is measured here
CFG
FILES=$(corpus_files "$CORPUS"); BYTES=$(corpus_bytes "$CORPUS")
echo "bench: corpus $CORPUS: $FILES files, $BYTES bytes; $RUNS rounds" >&2
"$FLOOR" -t 2 "$CORPUS" >/dev/null  # warm
for r in $(seq "$RUNS"); do
  echo "bench: corpus round $r/$RUNS" >&2
  RUNS=1 WORKERS=2 COLD=0 WORK=$BENCH/aide-work "$SHARED/aide-bench.sh" "$CORPUS" 2>&1 | grep -E '^  aide' >&2
  driftctl_round corpus "$W/corpus.yaml" "$FILES" "$BYTES" "$CORPUS"
  timed floor hash corpus warm "$FILES" "$BYTES" -- "$FLOOR" -t 2 "$CORPUS" >/dev/null
done

if [[ $REAL == 1 ]]; then
  REAL_PATHS=(/etc /usr/bin /usr/sbin /usr/local/bin /usr/lib/x86_64-linux-gnu)
  RFILES=$(find "${REAL_PATHS[@]}" -type f -printf x 2>/dev/null | wc -c)
  RBYTES=$(find "${REAL_PATHS[@]}" -type f -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {printf "%d", s}')
  cat > "$W/real.yaml" <<CFG
node: bench
paths: [/etc, /usr/bin, /usr/sbin, /usr/local/bin, /usr/lib/x86_64-linux-gnu]
scan: { threads: 2 }
CFG
  AW=$BENCH/aide-real
  rm -rf "$AW" && mkdir -p "$AW"
  {
    echo "database_in=file:$AW/aide.db"; echo "database_out=file:$AW/aide.db.new"
    echo "database_attrs=sha256"; echo "gzip_dbout=no"; echo "log_level=warning"
    echo "report_level=changed_attributes"; echo "report_url=file:$AW/report.txt"
    echo "R = p+i+n+u+g+s+m+c+sha256"
    for p in "${REAL_PATHS[@]}"; do echo "$(printf '%s' "$p" | sed 's/[][\\.^$*+?(){}|]/\\&/g')(\$|/) R"; done
  } > "$AW/aide.conf"
  echo "bench: real tree ${REAL_PATHS[*]}: $RFILES files, $RBYTES bytes" >&2
  cat "${REAL_PATHS[@]}" >/dev/null 2>&1; find "${REAL_PATHS[@]}" -type f -print0 2>/dev/null | xargs -0 cat >/dev/null 2>&1
  for r in $(seq "$RUNS"); do
    echo "bench: real round $r/$RUNS" >&2
    rm -f "$AW/aide.db" "$AW/aide.db.new"
    timed aide init real warm "$RFILES" "$RBYTES" -- aide --init -c "$AW/aide.conf" --workers=2
    mv "$AW/aide.db.new" "$AW/aide.db"
    timed aide check real warm "$RFILES" "$RBYTES" -- aide --check -c "$AW/aide.conf" --workers=2
    driftctl_round real "$W/real.yaml" "$RFILES" "$RBYTES" /etc
    # floor takes one directory: time it per path and sum in the summary.
    for p in "${REAL_PATHS[@]}"; do
      [[ -d $p ]] && timed floor "hash:$p" real warm 0 0 -- "$FLOOR" -t 2 "$p" >/dev/null
    done
  done
fi
python3 "$HERE/summarize.py" "$RESULTS_TSV"
# 6. The page cache after a rescan (PAGE_CACHE=0 skips) and the daemon's numbers: latency,
#    idle cost, storm (DAEMON=0 skips).
if [[ ${PAGE_CACHE:-1} == 1 ]]; then
  echo; echo "page cache (a cached workload file beside a cold tree, after driftctl baseline create):"
  DRIFTCTL=$DRIFTCTL "$HERE/page_cache.sh"
fi
if [[ ${DAEMON:-1} == 1 ]]; then
  echo; echo "daemon:"
  "$HERE/daemon.sh" "$SCALE"
fi
