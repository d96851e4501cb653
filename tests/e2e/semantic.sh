#!/bin/bash
# Key diffs and expectations on real files: Debian's containerd writes its
# default config (`containerd config default`), Debian's openssh-server gives
# /etc/ssh/sshd_config, kubeadm's kubelet config and Calico's conflist come
# from tests/fixtures/semantic. driftctl check shows the changed keys (text and
# --json `keys`); `expect:` rules fail and pass as sshd itself decides,
# checked against `sshd -T` on the same files, and set exit bit 4.
. "$(dirname "$0")/lib.sh"
FIX=$(cd "$(dirname "$0")/../fixtures/semantic" && pwd)

# The packages, installed once and never started (policy-rc.d, as
# packaging/install-deps.sh does); without root or an archive this test skips.
need=()
command -v containerd >/dev/null || need+=(containerd)
command -v sshd >/dev/null || [[ -x /usr/sbin/sshd ]] || need+=(openssh-server)
if ((${#need[@]})); then
  [[ $(id -u) == 0 ]] || { echo "SKIP: needs ${need[*]} (root to install)"; exit 77; }
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"; rm -rf "$T"' EXIT
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >"$T/apt.log" 2>&1 ||
    { echo "SKIP: apt-get install ${need[*]} failed"; tail -3 "$T/apt.log"; exit 77; }
fi
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
command -v jq >/dev/null || { echo "SKIP: jq missing"; exit 77; }

mkdir -p "$ROOT/etc/containerd" "$ROOT/etc/ssh/sshd_config.d" "$ROOT/var/lib/kubelet" "$ROOT/etc/cni/net.d" \
         "$ROOT/etc/systemd/system"
containerd config default > "$ROOT/etc/containerd/config.toml"
cp /usr/share/openssh/sshd_config "$ROOT/etc/ssh/sshd_config"
printf 'PasswordAuthentication no\nAllowUsers wizard\nPermitRootLogin no\n' > "$ROOT/etc/ssh/sshd_config.d/10-lockdown.conf"
cp "$FIX/kubeadm-kubelet-config.yaml" "$ROOT/var/lib/kubelet/config.yaml"
cp "$FIX/calico.conflist" "$ROOT/etc/cni/net.d/10-calico.conflist"
ln -s /dev/null "$ROOT/etc/systemd/system/ssh.socket"
cat > "$T/config.yaml" <<CFG
node: test-node
root: $ROOT
state_dir: $T/state
baseline: $T/state/baseline.drift
public_key: $T/key.pub
paths:
  - { path: /etc, severity: critical }
  - { path: /var/lib/kubelet/config.yaml, severity: critical }
content: { paths: [/etc, /var/lib/kubelet] }
expect:
  - { name: no-passwords, file: /etc/ssh/sshd_config, key: PasswordAuthentication, equals: "no", nodes: ["test-*"] }
  - { name: only-wizard, file: /etc/ssh/sshd_config, key: AllowUsers, equals: wizard }
  - { name: ssh-socket-masked, file: /etc/systemd/system/ssh.socket, masked: true }
  - { name: kubelet-systemd, file: /var/lib/kubelet/config.yaml, key: cgroupDriver, equals: systemd }
  - { name: elsewhere, file: /etc/ssh/sshd_config, key: PasswordAuthentication, equals: "yes", nodes: ["other-*"] }
CFG
make_baseline
check 0
has "exit code 0"
run 0 expect check --config "$T/config.yaml"
has "driftctl expect check of test-node: 5 rules, 0 violated"

# One key changed in each file; a comment-only change in another place of the same file.
sed -i 's/SystemdCgroup = false/SystemdCgroup = true/' "$ROOT/etc/containerd/config.toml"
sed -i 's/^cgroupDriver: systemd/cgroupDriver: cgroupfs/; 1i # hand edit' "$ROOT/var/lib/kubelet/config.yaml"
sed -i 's/"mtu": 0/"mtu": 1440/' "$ROOT/etc/cni/net.d/10-calico.conflist"
printf 'PasswordAuthentication yes\n' > "$ROOT/etc/ssh/sshd_config.d/05-cloud-init.conf"   # wins: earlier than 10-lockdown
check 5
has '  key changed plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options.SystemdCgroup: false -> true'
has '  key changed cgroupDriver: systemd -> cgroupfs'
has '  key changed plugins[type=calico].mtu: 0 -> 1440'
has "[critical] /etc/ssh/sshd_config.d/05-cloud-init.conf:1: no-passwords: passwordauthentication: expected equals no, is yes"
has "[critical] /var/lib/kubelet/config.yaml:16: kubelet-systemd: cgroupDriver: expected equals systemd, is cgroupfs"
hasnt "elsewhere"
check 5 --json
jq -e '.drift[] | select(.path=="/etc/containerd/config.toml") | .keys == [{"key":"plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options.SystemdCgroup","op":"changed","old":"false","new":"true"}]' "$T/out" >/dev/null ||
  { cat "$T/out"; fail "containerd keys in --json"; }
jq -e '.drift[] | select(.path=="/var/lib/kubelet/config.yaml") | .keys | length == 1' "$T/out" >/dev/null || fail "kubelet: one key (the comment is none)"
jq -e '[.expectations[].rule] == ["no-passwords", "kubelet-systemd"] and .summary.expectations_violated == 2' "$T/out" >/dev/null ||
  { cat "$T/out"; fail "expectations in --json"; }
# The same rules on another node: nodes: scoping (no-passwords is test-*'s, elsewhere holds there).
run 4 expect check --config "$T/config.yaml" --node other-1
has "kubelet-systemd"
hasnt "no-passwords"
hasnt "elsewhere"

# Shadowed: the re-enabling drop-in sorts after the lockdown one, whose value wins.
mv "$ROOT/etc/ssh/sshd_config.d/05-cloud-init.conf" "$ROOT/etc/ssh/sshd_config.d/50-cloud-init.conf"
sed -i 's/^cgroupDriver: cgroupfs/cgroupDriver: systemd/' "$ROOT/var/lib/kubelet/config.yaml"
run 0 expect check --config "$T/config.yaml"
run 4 expect check --config "$T/config.yaml" --node other-1
has "/etc/ssh/sshd_config.d/10-lockdown.conf:1: elsewhere: passwordauthentication: expected equals yes, is no"
# AllowUsers accumulates across files; a Match block re-enables password login.
printf 'AllowUsers mallory\nMatch User backup\n  PasswordAuthentication yes\n' > "$ROOT/etc/ssh/sshd_config.d/90-vendor.conf"
run 4 expect check --config "$T/config.yaml" --json
jq -e '[.expectations[] | [.rule, .key, .actual]] == [["no-passwords", "match.\"User backup\".passwordauthentication", "yes"], ["only-wizard", "allowusers", "wizard mallory"]]' "$T/out" >/dev/null ||
  { cat "$T/out"; fail "accumulated AllowUsers and the Match block"; }
# A parse error in a drop-in: a violation naming file and line, exit 4.
printf 'PermitRootLogin\n' > "$ROOT/etc/ssh/sshd_config.d/95-broken.conf"
run 4 expect check --config "$T/config.yaml"
has "/etc/ssh/sshd_config.d/95-broken.conf:1: no-passwords: PasswordAuthentication: expected equals no, is parse error:"
rm "$ROOT/etc/ssh/sshd_config.d/95-broken.conf"

# Our effective values against sshd -T on the same files (Include pointed at
# the fake root, host keys of our own): every keyword sshd prints for the
# files' settings, the global context and the Match block.
[[ $(id -u) == 0 ]] || { echo "SKIP (sshd -T part): needs root for /run/sshd"; exit 0; }
mkdir -p /run/sshd
# The Match block now sets a keyword the global rules below do not compare
# (a rule holds in every block, so a block's own PasswordAuthentication would
# fail the global comparison by design).
printf 'AllowUsers mallory\nMatch User backup\n  AllowTcpForwarding no\n' > "$ROOT/etc/ssh/sshd_config.d/90-vendor.conf"
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
sed "s|^Include /etc/ssh/sshd_config.d/\*.conf|Include $ROOT/etc/ssh/sshd_config.d/*.conf|" "$ROOT/etc/ssh/sshd_config" > "$T/sshd_config.real"
printf 'MaxAuthTries 3\nAcceptEnv COLORTERM\nport 2222\nPort 22\nx11forwarding No\n' >> "$ROOT/etc/ssh/sshd_config.d/20-more.conf"
"$SSHD" -T -f "$T/sshd_config.real" -h "$T/hostkey" > "$T/sshd-T" 2>"$T/sshd-T.err" || { cat "$T/sshd-T.err"; fail "sshd -T"; }
"$SSHD" -T -f "$T/sshd_config.real" -h "$T/hostkey" -C user=backup,host=h,addr=10.1.1.1 > "$T/sshd-T-backup" 2>&1 || fail "sshd -T -C"
{
  printf 'node: test-node\nroot: %s\npaths: [/etc]\nexpect:\n' "$ROOT"
  for kw in passwordauthentication permitrootlogin allowusers kbdinteractiveauthentication usepam x11forwarding printmotd acceptenv maxauthtries port; do
    value=$(awk -v k="$kw" '$1==k { sub(/^[^ ]+ /, ""); printf "%s%s", sep, $0; sep=" " }' "$T/sshd-T")
    [[ -n $value ]] || fail "sshd -T prints no $kw"
    printf '  - { name: T-%s, file: /etc/ssh/sshd_config, key: %s, equals: "%s" }\n' "$kw" "$kw" "$value"
  done
  value=$(awk '$1=="subsystem" && $2=="sftp" { sub(/^subsystem sftp /, ""); print }' "$T/sshd-T")
  printf '  - { name: T-subsystem, file: /etc/ssh/sshd_config, key: subsystem.sftp, equals: "%s" }\n' "$value"
  value=$(awk '$1=="allowtcpforwarding" { print $2 }' "$T/sshd-T-backup")
  printf '  - { name: T-backup, file: /etc/ssh/sshd_config, key: AllowTcpForwarding, equals: "%s", match: "User backup" }\n' "$value"
} > "$T/sshd-T.yaml"
grep -q 'T-port, .*equals: "2222 22"' "$T/sshd-T.yaml" || { cat "$T/sshd-T.yaml"; fail "sshd -T ports"; }
grep -q 'T-backup, .*equals: "no"' "$T/sshd-T.yaml" || fail "sshd -T -C applies the Match block"
run 0 expect check --config "$T/sshd-T.yaml"

has "0 violated"
echo "semantic: OK"
