#!/bin/bash
# Builds the exports fuzzer standalone with clang (libFuzzer, ASan, UBSan) and
# runs it for a fixed number of inputs over the seed corpus:
#   tests/fuzz/run.sh [RUNS]        (default 1000000)
# Exit 0 means no crash, leak, trap or hang (an input over 10 s) in RUNS runs.
# Not part of CTest: it takes minutes. FUZZ_BUILD_DIR, CLANGXX and JOBS
# override where it builds, which compiler, and how many processes run.
set -euo pipefail
RUNS=${1:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
OUT=${FUZZ_BUILD_DIR:-$SRC/build-fuzz}
CLANGXX=${CLANGXX:-$(command -v clang++-14 || command -v clang++ || true)}
[[ -n $CLANGXX ]] || { echo "run.sh: clang++ is needed (apt-get install clang)" >&2; exit 2; }
mkdir -p "$OUT/corpus"

# The parser, the rules and what they use; no yaml-cpp, no network code.
SOURCES=(agent/exports_options.cc agent/exports_client.cc agent/exports_file.cc agent/nfs_conf.cc
         agent/exports_sources.cc agent/exports_etab.cc agent/exports_check.cc agent/exports_report.cc
         baseline/escape.cc)
"$CLANGXX" -std=c++20 -O2 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$SRC" "$HERE/exports_fuzz.cc" "${SOURCES[@]/#/$SRC/}" -o "$OUT/exports_fuzz"

# The seeds stay as committed; what the fuzzer adds goes to the work corpus.
cd "$OUT"
start=$(date +%s)
# Short allocation stacks and no malloc fill: twice the speed. To study a crash,
# rerun its input alone without ASAN_OPTIONS for full stacks.
ASAN_OPTIONS=detect_leaks=1:malloc_context_size=2:max_malloc_fill_size=0 \
  ./exports_fuzz -runs="$RUNS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -dict="$HERE/exports.dict" -print_final_stats=1 corpus "$HERE/exports_corpus"
echo "run.sh: $RUNS runs, no crash, leak or hang, in $(( $(date +%s) - start )) s"
