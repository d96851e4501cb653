#!/usr/bin/env bash
# Package-aware drift: a fake node with a small dpkg database in dpkg's own
# format (status with Conffiles:, info/*.list, info/*.md5sums). Every drifted
# path gets a cause: `package` when the version dpkg has installed now differs
# from the baseline's and the content is what that version shipped, else
# `unexplained`. The drift bits never change because of a cause.
source "$(dirname "$0")/lib.sh"
DPKG=$ROOT/var/lib/dpkg
mkdir -p "$DPKG/info" "$ROOT/etc/ssh"
ln -s usr/bin "$ROOT/bin"    # merged /usr: packages still list /bin paths
md5() { md5sum "$1" | cut -d' ' -f1; }
# The fake node has no apt chain to prove causes with: this test is about dpkg's
# side, so it takes dpkg's word (tests/e2e/apt_proof.sh tests the proofs).
cp "$T/config.yaml" "$T/untrusting.yaml"
printf 'packages: { trust_dpkg_database: true }\n' >> "$T/config.yaml"

printf 'ELF kubelet 1.34.1\n' > "$ROOT/usr/bin/kubelet"
printf 'ELF kubelet helper\n' > "$ROOT/usr/bin/kubelet-helper"; chmod 755 "$ROOT/usr/bin/kubelet-helper"
printf 'ELF kubelet probe\n' > "$ROOT/usr/bin/kubelet-probe"; chmod 755 "$ROOT/usr/bin/kubelet-probe"
printf 'ELF kubelet old\n' > "$ROOT/usr/bin/kubelet-old"; chmod 755 "$ROOT/usr/bin/kubelet-old"
printf '#!/bin/sh\necho helper\n' > "$ROOT/usr/bin/helper"; chmod 755 "$ROOT/usr/bin/helper"
printf 'old tool\n' > "$ROOT/usr/bin/oldtool"
printf 'Host *\n    SendEnv LANG\n' > "$ROOT/etc/ssh/ssh_config"

# package NAME VERSION [CONFFILE...]: a status stanza; files from info/NAME.list.
stanza() {
  local name=$1 version=$2; shift 2
  printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: %s\n' "$name" "$version"
  if (($#)); then
    echo "Conffiles:"
    for f in "$@"; do echo " $f $(md5 "$ROOT$f")"; done
  fi
  printf 'Description: %s\n a test package\n\n' "$name"
}
# info NAME PATH...: the package's file list and the md5sums of its regular files (not conffiles).
info() {
  local name=$1; shift
  printf '/.\n' > "$DPKG/info/$name.list"; : > "$DPKG/info/$name.md5sums"
  for p in "$@"; do
    echo "$p" >> "$DPKG/info/$name.list"
    local real=$ROOT${p/#\/bin\//\/usr\/bin\/}
    [[ -f $real && ! -L $real && $p != /etc/* ]] && echo "$(md5 "$real")  ${p#/}" >> "$DPKG/info/$name.md5sums"
  done
}
KUBELET=1.34.1-1.1 SSH=1:9.2p1-2
write_status() {
  { stanza kubelet "$KUBELET"
    stanza mytools 2.0-1
    stanza openssh-client "$SSH" /etc/ssh/ssh_config /etc/ssh/sshd_config
    [[ -f $DPKG/info/oldpkg.list ]] && stanza oldpkg 1.0
    [[ -f $DPKG/info/newpkg.list ]] && stanza newpkg 0.9
  } > "$DPKG/status"
}
info kubelet /usr /usr/bin /usr/bin/kubelet /usr/bin/kubelet-helper /usr/bin/kubelet-probe /usr/bin/kubelet-old
info mytools /bin/tool /bin/helper
info openssh-client /etc/ssh /etc/ssh/ssh_config /etc/ssh/sshd_config
info oldpkg /usr/bin/oldtool
write_status
make_baseline
check 0
run 0 baseline show --config "$T/config.yaml" --json "$T/state/baseline.drift"
python3 - "$T/out" <<'PY' || fail "baseline does not record owning packages"
import json, sys
e = {x['path']: x.get('package') for x in json.load(open(sys.argv[1]))['entries']}
assert e['/usr/bin/kubelet'] == {'name': 'kubelet', 'version': '1.34.1-1.1'}, e['/usr/bin/kubelet']
assert e['/usr/bin/tool'] == {'name': 'mytools', 'version': '2.0-1'}, e['/usr/bin/tool']   # listed as /bin/tool
assert e['/etc/ssh/sshd_config']['name'] == 'openssh-client'
assert e['/etc/hosts'] is None
PY

# --- what the night did ---
# upgrade: kubelet 1.34.1 -> 1.34.2, binary replaced as shipped, md5sums updated
KUBELET=1.34.2-1.1
printf 'ELF kubelet 1.34.2\n' > "$ROOT/usr/bin/kubelet.new" && mv "$ROOT/usr/bin/kubelet.new" "$ROOT/usr/bin/kubelet"
chmod 755 "$ROOT/usr/bin/kubelet"
# ... and someone added a setuid bit to another file of that upgraded package, made a third
# world-writable (content as shipped), and replaced a fourth by a symlink: dpkg vouches for none
chmod u+s "$ROOT/usr/bin/kubelet-helper"
chmod o+w "$ROOT/usr/bin/kubelet-probe"
rm "$ROOT/usr/bin/kubelet-old" && ln -s /tmp/x "$ROOT/usr/bin/kubelet-old"
# the same package version, binary swapped (even with md5sums rewritten to match)
printf 'ELF evil\n' > "$ROOT/usr/bin/tool"
# openssh upgraded: ssh_config as shipped, sshd_config shipped anew and then hand-edited
SSH=1:9.2p1-2+deb12u3
printf 'Host *\n    SendEnv LANG LC_*\n' > "$ROOT/etc/ssh/ssh_config"
printf 'PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n' > "$ROOT/etc/ssh/sshd_config"
# a package removed with its files; a new package installed
rm "$ROOT/usr/bin/oldtool" "$DPKG/info/oldpkg.list" "$DPKG/info/oldpkg.md5sums"
printf 'new\n' > "$ROOT/usr/bin/newtool"
info newpkg /usr/bin/newtool
# a file no package owns, and a new unowned binary
printf '10.0.0.9 evil\n' >> "$ROOT/etc/hosts"
printf 'dropper\n' > "$ROOT/usr/bin/dropper"
info kubelet /usr /usr/bin /usr/bin/kubelet /usr/bin/kubelet-helper /usr/bin/kubelet-probe /usr/bin/kubelet-old
info mytools /bin/tool /bin/helper
write_status                                     # conffile md5s: ssh_config and sshd_config as shipped
printf 'PermitRootLogin yes\n' >> "$ROOT/etc/ssh/sshd_config"   # the hand edit after the upgrade

check 7 --json
cp "$T/out" "$T/night.json"
python3 - "$T/out" <<'PY' || fail "causes"
import json, sys
doc = json.load(open(sys.argv[1]))
d = {x['path']: x for x in doc['drift']}
def cause(p, want, pkg=None, before=None, now=None):
    x = d[p]
    assert x['cause'] == want, (p, x)
    if want == 'package':
        assert (x['package'], x['package_version_before'], x['package_version_now']) == (pkg, before, now), (p, x)
    else:
        assert 'package' not in x, (p, x)
cause('/usr/bin/kubelet', 'package', 'kubelet', '1.34.1-1.1', '1.34.2-1.1')
cause('/usr/bin/kubelet-helper', 'unexplained')      # setuid added: never explained
cause('/usr/bin/kubelet-probe', 'unexplained')       # mode changed: dpkg records no modes
cause('/usr/bin/kubelet-old', 'unexplained')         # file -> symlink: the type is not the package's
cause('/usr/bin/tool', 'unexplained')                # same version, other content
cause('/etc/ssh/ssh_config', 'package', 'openssh-client', '1:9.2p1-2', '1:9.2p1-2+deb12u3')
cause('/etc/ssh/sshd_config', 'unexplained')         # conffile differs from what was shipped
cause('/usr/bin/oldtool', 'package', 'oldpkg', '1.0', None)
cause('/usr/bin/newtool', 'package', 'newpkg', None, '0.9')
cause('/etc/hosts', 'unexplained')
cause('/usr/bin/dropper', 'unexplained')
assert doc['summary']['causes'] == {'package': 4, 'unexplained': 7}, doc['summary']
PY
# By default dpkg's word alone explains nothing on a critical path: kubelet (/usr/bin) counts as unexplained.
run 7 check --config "$T/untrusting.yaml" --json
python3 - "$T/out" <<'PY' || fail "an unproven package claim on a critical path"
import json, sys
d = {x['path']: x for x in json.load(open(sys.argv[1]))['drift']}
k = d['/usr/bin/kubelet']
assert k['cause'] == 'unexplained' and k['package_claim_unproven'] and k['package_proof'] == 'dpkg-database', k
assert k['package'] == 'kubelet' and k['package_proof_reason'] == 'no trusted keyring imported', k
assert d['/usr/bin/oldtool']['package_proof_reason'] == 'the package was removed: no archive proves an absence'
assert sorted(p for p, x in d.items() if x.get('package_claim_unproven')) == [
    '/etc/ssh/ssh_config', '/usr/bin/kubelet', '/usr/bin/newtool', '/usr/bin/oldtool'], d
assert all(x['cause'] == 'unexplained' for x in d.values())
PY
check 7
has "causes: 7 unexplained, 4 package"
has "cause: package kubelet 1.34.1-1.1 -> 1.34.2-1.1"
has "cause: package oldpkg 1.0 -> (removed)"

# the md5sums file says the swapped binary is fine: still unexplained (no version change)
sed -i "s|^[0-9a-f]*  bin/tool|$(md5 "$ROOT/usr/bin/tool")  bin/tool|" "$DPKG/info/mytools.md5sums"
check 7 --json
python3 -c "import json,sys; d={x['path']:x for x in json.load(open(sys.argv[1]))['drift']}; assert d['/usr/bin/tool']['cause']=='unexplained'" "$T/out" ||
  fail "a rewritten md5sums without a version change must not explain a swapped binary"

# accept --explained: exactly the package drift; the hand edits stay
run 0 accept --config "$T/config.yaml" --explained --trust-dpkg-database --output "$T/next.drift" --signing-key "$T/key.pem"
has "4 drifted paths explained by packages, 7 unexplained" err
cp "$T/state/baseline.drift" "$T/before-accept.drift"
run 0 baseline install --config "$T/config.yaml" "$T/next.drift"
check 5 --json
python3 - "$T/out" <<'PY' || fail "accept --explained"
import json, sys
doc = json.load(open(sys.argv[1]))
paths = sorted(x['path'] for x in doc['drift'])
assert paths == ['/etc/hosts', '/etc/ssh/sshd_config', '/usr/bin/dropper', '/usr/bin/kubelet-helper',
                 '/usr/bin/kubelet-old', '/usr/bin/kubelet-probe', '/usr/bin/tool'], paths
assert all(x['cause'] == 'unexplained' for x in doc['drift'])
PY
# diff of the two baselines: their package tables say why kubelet moved (no file to read)
run 7 diff --config "$T/config.yaml" --json "$T/before-accept.drift" "$T/state/baseline.drift"
python3 - "$T/out" <<'PY' || fail "diff causes"
import json, sys
d = {x['path']: x for x in json.load(open(sys.argv[1]))['drift']}
assert sorted(d) == ['/etc/ssh/ssh_config', '/usr/bin/kubelet', '/usr/bin/newtool', '/usr/bin/oldtool'], sorted(d)
assert (d['/usr/bin/kubelet']['cause'], d['/usr/bin/kubelet']['package_version_now']) == ('package', '1.34.2-1.1')
assert d['/usr/bin/oldtool']['package_version_now'] is None
PY

# a malformed or truncated dpkg database: a clear warning, every drift unexplained, no crash
cp "$DPKG/status" "$T/status.good"
head -c 150 "$T/status.good" > "$DPKG/status"
check 5 --json
python3 - "$T/out" <<'PY' || fail "truncated status"
import json, sys
doc = json.load(open(sys.argv[1]))
assert all(x['cause'] == 'unexplained' for x in doc['drift']), doc['drift']
assert any('dpkg' in w and 'truncated' in w for w in doc['warnings']), doc['warnings']
PY
printf 'garbage without a colon\n\n' > "$DPKG/status"
check 5
has "warning: $DPKG/status:1: not a \"Field: value\" line"
echo "packages: ok"
