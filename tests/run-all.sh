#!/usr/bin/env bash
# Runs every test: installs what is missing, builds with -Wall -Wextra -Werror
# and runs the suite, then builds again with ASan+UBSan and runs it once more.
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh --tests
jobs=$(nproc)
cmake -S . -B build/ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDRIFTD_WERROR=ON >/dev/null
cmake --build build/ci -j"$jobs"
(cd build/ci && ctest --output-on-failure -j"$jobs")
# libsystemd is optional at build time (the Alpine image has none): prove OFF builds.
cmake -S . -B build/nosystemd -DDRIFTD_WITH_SYSTEMD=OFF -DDRIFTD_WERROR=ON -DDRIFTD_TESTS=OFF >/dev/null
cmake --build build/nosystemd -j"$jobs" >/dev/null
echo "run-all: DRIFTD_WITH_SYSTEMD=OFF builds" >&2
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DDRIFTD_WERROR=ON -DDRIFTD_SANITIZE=ON >/dev/null
cmake --build build/asan -j"$jobs"
(cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs")
echo "run-all: all tests passed (plain and ASan+UBSan)" >&2
