#!/usr/bin/env bash
# What proving package causes through apt's signed chain costs: a real upgrade
# (default libpam-modules, bookworm -> bookworm-security, ~100 files) on a copy
# tree carrying this machine's apt lists, keyrings and sources; `driftctl check`
# timed with the chain (the .deb in the cache: every file signed-archive) and
# without it (lists removed: every proof fails at once), the difference being
# the proofs' cost. Usage: tests/bench/apt_proof.sh [DRIFTCTL] [PACKAGE]
set -euo pipefail
DRIFTCTL=${1:-build/dev/driftctl}
PKG=${2:-libpam-modules}
DRIFTCTL=$(realpath "$DRIFTCTL")
T=$(mktemp -d /tmp/driftd-bench-apt.XXXXXX)
trap 'rm -rf "$T"' EXIT
ROOT=$T/root
OLD=$(apt-cache madison "$PKG" | awk -F'|' '$3 ~ /bookworm\/main/ {gsub(/ /,"",$2); print $2; exit}')
NEW=$(apt-cache madison "$PKG" | awk -F'|' '$3 ~ /bookworm-security/ {gsub(/ /,"",$2); print $2; exit}')
[[ -n $OLD && -n $NEW ]] || { echo "no $PKG in both bookworm and bookworm-security" >&2; exit 2; }
mkdir -p "$T/debs" "$ROOT/var/lib/apt/lists" "$ROOT/var/cache/apt/archives" "$ROOT/usr/share" "$ROOT/etc/apt" \
  "$ROOT/var/lib/dpkg/info" "$T/state"
(cd "$T/debs" && apt-get download -q "$PKG=$OLD" "$PKG=$NEW" >/dev/null)
OLD_DEB=$(ls "$T"/debs/*"${OLD//:/%3a}"*.deb) NEW_DEB=$(ls "$T"/debs/*"${NEW//:/%3a}"*.deb)
ARCH=$(dpkg-deb -f "$NEW_DEB" Architecture)
cp /var/lib/apt/lists/*_InRelease /var/lib/apt/lists/*_Packages* "$ROOT/var/lib/apt/lists/"
cp -r /usr/share/keyrings "$ROOT/usr/share/"
cp -r /etc/apt/sources.list* /etc/apt/trusted.gpg.d "$ROOT/etc/apt/" 2>/dev/null || true
install_deb() {  # DEB VERSION
  dpkg-deb -x "$1" "$ROOT"
  dpkg-deb --fsys-tarfile "$1" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' -e 's|^$|/.|' > "$ROOT/var/lib/dpkg/info/$PKG.list"
  dpkg-deb -I "$1" md5sums > "$ROOT/var/lib/dpkg/info/$PKG.md5sums"
  printf 'Package: %s\nStatus: install ok installed\nArchitecture: %s\nVersion: %s\nDescription: x\n y\n\n' \
    "$PKG" "$ARCH" "$2" > "$ROOT/var/lib/dpkg/status"
}
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
timed "with the signed chain"
mkdir -p "$T/lists.away" && mv "$ROOT"/var/lib/apt/lists/* "$T/lists.away/"
timed "without lists (dpkg only)"
