#!/usr/bin/env bash
# The package-aware check's added cost on this machine's own dpkg database:
# classifying 0 and 100 drifted files of /usr/bin. Usage: tests/bench/packages.sh [ROOT]
set -euo pipefail
cd "$(dirname "$0")/../.."
packaging/install-deps.sh >/dev/null
cmake -S . -B build/bench-packages -DCMAKE_BUILD_TYPE=Release -DDRIFTD_TESTS=ON >/dev/null
cmake --build build/bench-packages -j"$(nproc)" --target package_cause_bench >/dev/null
build/bench-packages/tests/package_cause_bench "${1:-/}"
