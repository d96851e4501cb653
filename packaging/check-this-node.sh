#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install what is missing, build,
# and check this machine against its baseline on the embedded default config.
# The first run creates a throw-away Ed25519 key and a signed baseline under
# .driftd-local/ (and says so); later runs check against that baseline.
# Exit code: driftctl check's (0 clean; bits 1/2/4 added/removed/changed; 8 incomplete).
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DDRIFTD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
STATE=.driftd-local
mkdir -p "$STATE"
if [[ ! -f $STATE/baseline.drift ]]; then
  echo "check-this-node: first run: creating a throw-away signing key and a signed baseline in $STATE/" >&2
  echo "check-this-node: (a real fleet signs on the operator's machine; see README 'Baselines')" >&2
  rm -f "$STATE/local.pem" "$STATE/local.pub"
  build/driftctl keygen --signing-key "$STATE/local.pem" --public-key "$STATE/local.pub"
  build/driftctl baseline create --output "$STATE/baseline.drift" --signing-key "$STATE/local.pem"
fi
exec build/driftctl check --baseline "$STATE/baseline.drift" --public-key "$STATE/local.pub" "$@"
