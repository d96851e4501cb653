#!/usr/bin/env bash
# What proving package causes through apt's signed chain costs: a real upgrade
# (default libpam-modules, bookworm -> bookworm-security, ~100 files) on a copy
# tree carrying this machine's apt lists, keyrings and sources; `driftctl check`
# timed with the chain (the .deb in the cache: every file signed-archive) and
# without it (lists removed: every proof fails at once), the difference being
# the proofs' cost. Then one traced run (strace, not timed) counts what the
# proofs read: bytes and read calls per link of the chain (the .deb, the
# Packages indexes, the InRelease files), beside the .deb's own size, so "read
# only the members needed, stop at the member" is a number.
# Usage: tests/bench/apt_proof.sh [DRIFTCTL] [PACKAGE]
set -euo pipefail
source "$(dirname "$0")/../lib/apt_tree.sh"
DRIFTCTL=${1:-build/dev/driftctl}
PKG=${2:-libpam-modules}
DRIFTCTL=$(realpath "$DRIFTCTL")
T=$(mktemp -d /tmp/driftd-bench-apt.XXXXXX)
trap 'rm -rf "$T"' EXIT
ROOT=$T/root
OLD=$(apt-cache madison "$PKG" | awk -F'|' '$3 ~ /bookworm\/main/ {gsub(/ /,"",$2); print $2; exit}')
NEW=$(apt-cache madison "$PKG" | awk -F'|' '$3 ~ /bookworm-security/ {gsub(/ /,"",$2); print $2; exit}')
[[ -n $OLD && -n $NEW ]] || { echo "no $PKG in both bookworm and bookworm-security" >&2; exit 2; }
mkdir -p "$T/debs" "$T/state"
(cd "$T/debs" && apt-get download -q "$PKG=$OLD" "$PKG=$NEW" >/dev/null)
OLD_DEB=$(ls "$T"/debs/*"${OLD//:/%3a}"*.deb) NEW_DEB=$(ls "$T"/debs/*"${NEW//:/%3a}"*.deb)
apt_tree_copy "$ROOT"
install_deb() { apt_tree_install "$ROOT" "$PKG" "$1" "$2"; }  # DEB VERSION
install_deb "$OLD_DEB" "$OLD"
cat > "$T/config.yaml" <<CFG
node: bench
root: $ROOT
state_dir: $T/state
baseline: $T/state/baseline.drift
public_key: $T/key.pub
paths:
  - { path: /usr, severity: critical, exclude: ["/usr/share/keyrings"] }
  - { path: /etc, severity: critical, exclude: ["/etc/apt"] }
content: { paths: [] }
CFG
"$DRIFTCTL" keygen --signing-key "$T/key.pem" --public-key "$T/key.pub" 2>/dev/null
"$DRIFTCTL" baseline create --config "$T/config.yaml" --output "$T/state/baseline.drift" --signing-key "$T/key.pem" 2>/dev/null
install_deb "$NEW_DEB" "$NEW"
cp "$NEW_DEB" "$ROOT/var/cache/apt/archives/"
timed() {  # LABEL: best of 3 wall times of a check
  local best=""
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N)
    "$DRIFTCTL" check --config "$T/config.yaml" --json > "$T/out.json" 2>/dev/null || true
    e=$(date +%s.%N)
    best=$(python3 -c "import sys; a=float(sys.argv[1]); b=sys.argv[2]; print(min(a, float(b)) if b else a)" "$(echo "$e - $s" | bc)" "$best")
  done
  python3 - "$T/out.json" "$1" "$best" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
proofs = {}
for x in doc['drift']:
    proofs[x.get('package_proof', 'none')] = proofs.get(x.get('package_proof', 'none'), 0) + 1
print(f"{sys.argv[2]}: {len(doc['drift'])} drifted, proofs {proofs}, best of 3: {float(sys.argv[3]):.2f} s")
PY
}
traced() {  # what one check reads of the chain, from strace's read() lines with fd paths
  strace -f -qq -y -e trace=read,pread64 -e signal=none -o "$T/trace" \
    "$DRIFTCTL" check --config "$T/config.yaml" --json > /dev/null 2>&1 || true
  python3 - "$T/trace" "$NEW_DEB" <<'PY'
import os, re, sys
links = {"deb": re.compile(r"/var/cache/apt/archives/[^>]*\.deb>"), "Packages": re.compile(r"/var/lib/apt/lists/[^>]*_Packages[^>]*>"),
         "InRelease": re.compile(r"/var/lib/apt/lists/[^>]*_InRelease>"), "keyrings": re.compile(r"/(usr/share/keyrings|etc/apt/trusted\.gpg\.d)/[^>]*>")}
got = {k: [0, 0, set()] for k in links}
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r"\b(?:read|pread64)\(\d+<([^>]*)>.*\)\s+=\s+(\d+)", line)
    if not m:
        continue
    for k, rx in links.items():
        if rx.search(m.group(1) + ">"):
            got[k][0] += int(m.group(2)); got[k][1] += 1; got[k][2].add(m.group(1))
deb_size = os.path.getsize(sys.argv[2])
for k, (b, n, files) in got.items():
    print(f"  reads of {k}: {len(files)} file(s), {b / 1048576:.2f} MiB in {n} read calls")
print(f"  the .deb is {deb_size / 1048576:.2f} MiB on disk")
PY
}
timed "with the signed chain"
echo "what the proofs read (one traced run):"
traced
mkdir -p "$T/lists.away" && mv "$ROOT"/var/lib/apt/lists/* "$T/lists.away/"
timed "without lists (dpkg only)"
