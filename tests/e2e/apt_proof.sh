#!/usr/bin/env bash
# Package causes proven through apt's signed archive chain, on a copy tree
# that carries this machine's own apt lists, keyrings and sources:
#  1. the forgery (a binary replaced, its MD5 written into info/*.md5sums, the
#     Version bumped in status) is never signed-archive and, with the default
#     settings, raises what an unexplained change does;
#  2. a real package move (zstd from bookworm to bookworm-security, both .debs
#     from this machine's apt): every rewritten file is signed-archive;
#  3. the .deb gone from the cache, a byte of the InRelease changed, a Packages
#     index that is not the one the InRelease lists: dpkg-database, the reason said;
#  4. a key added to /etc/apt/trusted.gpg.d: critical drift of its own.
# Skips (77) when this machine has no apt lists for bookworm-security or the
# two zstd .debs can be neither found in the cache nor downloaded.
# The keyrings and apt's sources are critical, as the default config has them.
E2E_EXTRA_PATHS='  - { path: /etc/apt/trusted.gpg.d, severity: critical }
  - { path: /etc/apt/sources.list.d, severity: critical }
  - { path: /usr/share/keyrings, severity: critical }'
E2E_CONTENT_PATHS='[/etc/ssh]'
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/../lib/apt_tree.sh"
PKG=zstd
command -v apt-cache >/dev/null && command -v dpkg-deb >/dev/null || { echo "SKIP: no apt"; exit 77; }
mapfile -t versions < <(apt-cache madison "$PKG" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); gsub(/^ +| +$/,"",$3); print $2 "|" $3}')
OLD="" NEW=""
for v in "${versions[@]}"; do
  case ${v#*|} in
    *bookworm-security/main*amd64*) NEW=${v%%|*} ;;
    *bookworm/main*amd64*) OLD=${v%%|*} ;;
  esac
done
[[ -n $OLD && -n $NEW ]] || { echo "SKIP: no $PKG in both bookworm and bookworm-security here"; exit 77; }
debname() { echo "${PKG}_${1//:/%3a}_amd64.deb"; }
mkdir -p "$T/debs"
for v in "$OLD" "$NEW"; do
  f=$(debname "$v")
  if [[ -f /var/cache/apt/archives/$f ]]; then cp "/var/cache/apt/archives/$f" "$T/debs/"
  else (cd "$T/debs" && timeout 300 apt-get download -q "$PKG=$v" >/dev/null 2>&1) || { echo "SKIP: cannot get $f"; exit 77; }
  fi
done
OLD_DEB=$T/debs/$(debname "$OLD") NEW_DEB=$T/debs/$(debname "$NEW")
[[ -f $OLD_DEB && -f $NEW_DEB ]] || { echo "SKIP: .debs missing"; exit 77; }

# This machine's apt: lists, keyrings, sources; dpkg's database with the old version.
apt_tree_copy "$ROOT"
SEC_INRELEASE=$(ls "$ROOT"/var/lib/apt/lists/*bookworm-security_InRelease)
SEC_INDEX=$(ls "$ROOT"/var/lib/apt/lists/*bookworm-security_main_binary-amd64_Packages*)
install_deb() { apt_tree_install "$ROOT" "$PKG" "$1" "$2"; }  # DEB VERSION
install_deb "$OLD_DEB" "$OLD"
make_baseline
check 0
cp -a "$ROOT" "$T/root.clean"

# --- 1. the forgery: new content, forged md5sums and status version -------------
printf 'ELF evil zstd\n' > "$ROOT/usr/bin/zstd"
evil_md5=$(md5sum "$ROOT/usr/bin/zstd" | cut -d' ' -f1)
sed -i "s|^[0-9a-f]*  usr/bin/zstd\$|$evil_md5  usr/bin/zstd|" "$ROOT/var/lib/dpkg/info/$PKG.md5sums"
sed -i "s|^Version: .*|Version: 9.9.9-1|" "$ROOT/var/lib/dpkg/status"
check 4 --json
python3 - "$T/out" <<'PY' || fail "the forgery"
import json, sys
d = {x['path']: x for x in json.load(open(sys.argv[1]))['drift']}
z = d['/usr/bin/zstd']
assert z['cause'] == 'unexplained' and z['package_proof'] == 'dpkg-database' and z['package_claim_unproven'], z
assert 'no verified Packages index lists zstd 9.9.9-1 (amd64)' in z['package_proof_reason'], z
assert z['severity'] == 'critical', z
PY
check 4
has "cause: unexplained (package zstd $OLD -> 9.9.9-1 per dpkg's database only, on a critical path)"
has "package proof: dpkg-database (no verified Packages index lists zstd 9.9.9-1 (amd64)"
# ... forged as the real new version, its genuine .deb in the cache: the archive ships other content
sed -i "s|^Version: .*|Version: $NEW|" "$ROOT/var/lib/dpkg/status"
cp "$NEW_DEB" "$ROOT/var/cache/apt/archives/"
check 4 --json
python3 - "$T/out" <<'PY' || fail "the forgery as the real version"
import json, sys
z = {x['path']: x for x in json.load(open(sys.argv[1]))['drift']}['/usr/bin/zstd']
assert z['cause'] == 'unexplained' and 'ships another content for /usr/bin/zstd' in z['package_proof_reason'], z
PY
# the operator's opt-in takes dpkg's word (the proof still says which it is)
cp "$T/config.yaml" "$T/trusting.yaml"
printf 'packages: { trust_dpkg_database: true }\n' >> "$T/trusting.yaml"
run 4 check --config "$T/trusting.yaml" --json
python3 -c "
import json,sys; z={x['path']:x for x in json.load(open(sys.argv[1]))['drift']}['/usr/bin/zstd']
assert z['cause']=='package' and z['package_proof']=='dpkg-database' and 'package_claim_unproven' not in z, z" "$T/out" ||
  fail "trust_dpkg_database: true"

# --- 2. a real move through this machine's apt ----------------------------------
rm -rf "$ROOT" && cp -a "$T/root.clean" "$ROOT"
install_deb "$NEW_DEB" "$NEW"
cp "$NEW_DEB" "$ROOT/var/cache/apt/archives/"
check 4 --json
cp "$T/out" "$T/move.json"
python3 - "$T/out" "$ROOT" <<'PY' || fail "the real package move"
import json, sys
doc = json.load(open(sys.argv[1]))
zstd = [x for x in doc['drift'] if x.get('package') == 'zstd']
assert zstd, doc['drift']
assert any(x['path'] == '/usr/bin/zstd' and 'sha256' in x['changed'] for x in zstd), zstd
for x in zstd:
    assert x['cause'] == 'package' and x['package_proof'] == 'signed-archive', x
    chain = x['package_proof_chain']
    assert chain[0].endswith('bookworm-security_InRelease') and '_Packages' in chain[1], chain
    assert chain[2].startswith('/var/cache/apt/archives/zstd_'), chain
assert all(x['cause'] == 'package' for x in doc['drift']), [x for x in doc['drift'] if x['cause'] != 'package']
print(len(zstd), 'files signed-archive', file=sys.stderr)
PY
check 4
has "package proof: signed-archive: /var/lib/apt/lists/"
# accept --explained takes the proven drift
run 0 accept --config "$T/config.yaml" --explained --output "$T/next.drift" --signing-key "$T/key.pem"
has "drifted paths explained by packages, 0 unexplained" err
cp -a "$ROOT" "$T/root.moved"

# --- 3. the .deb removed, one byte of the InRelease, an index that is not listed --
rm "$ROOT/var/cache/apt/archives/$(debname "$NEW")"
check 4 --json
python3 - "$T/out" <<'PY' || fail ".deb removed from the cache"
import json, sys
z = {x['path']: x for x in json.load(open(sys.argv[1]))['drift']}['/usr/bin/zstd']
assert z['cause'] == 'unexplained' and z['package_proof'] == 'dpkg-database', z
assert 'is not in the cache (removed or cleaned since the upgrade)' in z['package_proof_reason'], z
PY
run 0 accept --config "$T/config.yaml" --explained --output "$T/next.drift" --signing-key "$T/key.pem"
has "0 drifted paths explained by packages" err
has "without signed-archive proof (--trust-dpkg-database takes them)" err
run 0 accept --config "$T/config.yaml" --explained --trust-dpkg-database --output "$T/next.drift" --signing-key "$T/key.pem"
has "drifted paths explained by packages, 0 unexplained" err

rm -rf "$ROOT" && cp -a "$T/root.moved" "$ROOT"
python3 - "$SEC_INRELEASE" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
i = b.index(b'\nCodename: ') + 11
b[i] = ord('B')   # one byte of the signed text
open(p, 'wb').write(bytes(b))
PY
check 4 --json
python3 - "$T/out" <<'PY' || fail "tampered InRelease"
import json, sys
z = {x['path']: x for x in json.load(open(sys.argv[1]))['drift']}['/usr/bin/zstd']
assert z['cause'] == 'unexplained' and z['package_proof'] == 'dpkg-database', z
assert 'bookworm-security_InRelease' in z['package_proof_reason'] and 'no good signature' in z['package_proof_reason'], z
PY

rm -rf "$ROOT" && cp -a "$T/root.moved" "$ROOT"
case $SEC_INDEX in
  *.lz4) lz4 -d -c "$SEC_INDEX" | sed '0,/^Maintainer:/s//Maintainer: X/' | lz4 -q -c > "$T/idx" ;;
  *.gz) gzip -dc "$SEC_INDEX" | sed '0,/^Maintainer:/s//Maintainer: X/' | gzip -c > "$T/idx" ;;
  *.xz) xz -dc "$SEC_INDEX" | sed '0,/^Maintainer:/s//Maintainer: X/' | xz -c > "$T/idx" ;;
  *) sed '0,/^Maintainer:/s//Maintainer: X/' "$SEC_INDEX" > "$T/idx" ;;
esac
cp "$T/idx" "$SEC_INDEX"
check 4 --json
python3 - "$T/out" <<'PY' || fail "Packages hash mismatch"
import json, sys
z = {x['path']: x for x in json.load(open(sys.argv[1]))['drift']}['/usr/bin/zstd']
assert z['cause'] == 'unexplained' and z['package_proof'] == 'dpkg-database', z
assert 'bookworm-security_main_binary-amd64_Packages' in z['package_proof_reason'] and 'lists for main/binary-amd64/Packages' in z['package_proof_reason'], z
PY

# --- 4. a key added to /etc/apt/trusted.gpg.d: critical drift of the keyring -----
rm -rf "$ROOT" && cp -a "$T/root.clean" "$ROOT"
cp /usr/share/keyrings/debian-archive-removed-keys.gpg "$ROOT/etc/apt/trusted.gpg.d/forger.gpg"
check 1 --json
python3 - "$T/out" <<'PY' || fail "a key added"
import json, sys
d = {x['path']: x for x in json.load(open(sys.argv[1]))['drift']}
k = d['/etc/apt/trusted.gpg.d/forger.gpg']
assert k['kind'] == 'added' and k['severity'] == 'critical' and k['cause'] == 'unexplained', k
PY
echo "apt_proof: ok"
