#!/usr/bin/env bash
# tests/bench/daemon.sh [SCALE] -- driftd's daemon numbers on the benchmark corpus, against the
# real Pushgateway and Loki: detection latency (p50/p99 of 200 changes), idle CPU and RSS with
# the corpus baseline loaded, a 20,000-write storm, and a periodic rescan's cost beside a
# CPU-bound job. Prints a table; never fails on time. AIDE's --check peak RSS is in run.sh's table.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$TOP/../shared/bench}
SCALE=${1:-${SCALE:-1}}
BENCH=${BENCH:-/tmp/driftd-bench}
"$TOP/packaging/install-deps.sh" --tests
cmake -S "$TOP" -B "$TOP/build/bench" -DCMAKE_BUILD_TYPE=Release -DDRIFTD_TESTS=OFF >/dev/null &&
  cmake --build "$TOP/build/bench" -j"$(nproc)" >/dev/null || exit 1
CORPUS=$BENCH/corpus-$SCALE
if [[ ! -f $CORPUS/.make-corpus ]]; then
  FORCE=1 "$SHARED/make-corpus.sh" "$CORPUS" "$SCALE" || exit 1
fi
W=$BENCH/daemon-work
rm -rf "$W" && mkdir -p "$W"
"$TOP/tests/daemon/servers.sh" start "$W/servers" || exit 1
trap '"$TOP/tests/daemon/servers.sh" stop "$W/servers"' EXIT
# shellcheck disable=SC1091
source "$W/servers.env" 2>/dev/null || source "$W/servers/servers.env"
python3 "$HERE/daemon_bench.py" "$TOP/build/bench/driftd" "$TOP/build/bench/driftctl" "$(realpath "$CORPUS")" \
  "$PGW_URL" "$LOKI_URL" "$W"
