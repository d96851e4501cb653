#!/bin/bash
# Builds a fuzzer standalone with clang (libFuzzer, ASan, UBSan) and runs it
# for a fixed number of inputs over its seed corpus:
#   tests/fuzz/run.sh [RUNS] [TARGET]   (default 1000000 exports)
# TARGET: exports (the exports(5) parser and rules), baseline (the one
# baseline reader, fed uncompressed tar streams), semantic (the config
# readers, key paths and the key differ) or audit (the audit log reader,
# window and correlation, fed audit.log text) or aptproof (the deb822, sources,
# compressed-index and .deb readers of aptproof/, fed index, control and .deb bytes).
# Exit 0 means no crash, leak, trap or hang (an input over 10 s) in RUNS runs.
# Not part of CTest: it takes minutes. FUZZ_BUILD_DIR, CLANGXX and JOBS
# override where it builds, which compiler, and how many build jobs run.
set -euo pipefail
RUNS=${1:-1000000}
TARGET=${2:-exports}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
OUT=${FUZZ_BUILD_DIR:-$SRC/build-fuzz}
CLANGXX=${CLANGXX:-$(command -v clang++-14 || command -v clang++ || true)}
[[ -n $CLANGXX ]] || { echo "run.sh: clang++ is needed (apt-get install clang)" >&2; exit 2; }
mkdir -p "$OUT/corpus-$TARGET"

case $TARGET in
  exports) MAX_LEN=4096; DICT=(-dict="$HERE/exports.dict") ;;
  baseline) MAX_LEN=65536; DICT=() ;;
  semantic) MAX_LEN=16384; DICT=() ;;
  audit) MAX_LEN=16384; DICT=(-dict="$HERE/audit.dict") ;;
  aptproof) MAX_LEN=65536; DICT=(-dict="$HERE/aptproof.dict") ;;
  *) echo "run.sh: unknown target '$TARGET' (exports, baseline, semantic, audit or aptproof)" >&2; exit 2 ;;
esac
# The libraries the target fuzzes (driftd_exports, driftd_baseline, driftd_semantic, driftd_audit, driftd_aptproof), built by
# CMake with clang and the fuzzer's instrumentation: no source list here.
cmake -S "$SRC" -B "$OUT" -DCMAKE_CXX_COMPILER="$CLANGXX" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDRIFTD_FUZZ=ON -DDRIFTD_TESTS=OFF >/dev/null
cmake --build "$OUT" --target "${TARGET}_fuzz" -j"${JOBS:-$(nproc)}" >/dev/null

# The seeds stay as committed; what the fuzzer adds goes to the work corpus.
cd "$OUT"
start=$(date +%s)
# Short allocation stacks and no malloc fill: twice the speed. To study a crash,
# rerun its input alone without ASAN_OPTIONS for full stacks.
ASAN_OPTIONS=detect_leaks=1:malloc_context_size=2:max_malloc_fill_size=0 \
  "./${TARGET}_fuzz" -runs="$RUNS" -max_len="$MAX_LEN" -timeout=10 -rss_limit_mb=2048 \
  "${DICT[@]}" -print_final_stats=1 "corpus-$TARGET" "$HERE/${TARGET}_corpus"
echo "run.sh: $TARGET: $RUNS runs, no crash, leak or hang, in $(( $(date +%s) - start )) s"
