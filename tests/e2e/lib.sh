# Shared helpers for the end-to-end CLI tests. Each test builds a fake node in
# a temp dir (read through --root / `root:`), a config, and a key pair.
set -uo pipefail
DRIFTCTL=${DRIFTCTL:?DRIFTCTL must point at the driftctl binary}
T=$(mktemp -d /tmp/driftd-e2e.XXXXXX)
trap 'rm -rf "$T"' EXIT
ROOT=$T/root
mkdir -p "$ROOT/etc/ssh" "$ROOT/usr/bin"
printf '127.0.0.1 localhost\n' > "$ROOT/etc/hosts"
printf 'PermitRootLogin no\nPasswordAuthentication no\n' > "$ROOT/etc/ssh/sshd_config"
printf 'secret-key-material\n' > "$ROOT/etc/ssh/ssh_host_ed25519_key"; chmod 600 "$ROOT/etc/ssh/ssh_host_ed25519_key"
printf '#!/bin/sh\necho hi\n' > "$ROOT/usr/bin/tool"; chmod 755 "$ROOT/usr/bin/tool"
printf 'ELF-ish\0binary' > "$ROOT/usr/bin/kubelet"; chmod 755 "$ROOT/usr/bin/kubelet"
# The runtime kernel state comes from a proc-like tree of the test's own: other
# tests (and the kubelet node) set sysctls on the real kernel while this one
# runs. runtime_state.sh reads the real one (E2E_PROC_ROOT=/).
PROC=${E2E_PROC_ROOT:-$T/proc}
if [[ -z ${E2E_PROC_ROOT:-} ]]; then
  mkdir -p "$PROC/proc/sys/kernel" "$PROC/proc/sys/vm" "$PROC/sys/module"
  echo "overlay 163840 14 - Live 0x0000000000000000" > "$PROC/proc/modules"
  echo 0 > "$PROC/proc/sys/kernel/tainted"
  echo 6.1.0-18-amd64 > "$PROC/proc/sys/kernel/osrelease"
  echo '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)' > "$PROC/proc/sys/kernel/version"
  echo 1 > "$PROC/proc/sys/kernel/kptr_restrict"
  echo 60 > "$PROC/proc/sys/vm/swappiness"
  echo 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=/dev/vda1 ro quiet' > "$PROC/proc/cmdline"
fi
# A test may add path rules (E2E_EXTRA_PATHS: YAML list items, one a line) and
# narrow the content paths (E2E_CONTENT_PATHS) by setting them before sourcing this.
cat > "$T/config.yaml" <<CFG
node: test-node
root: $ROOT
state_dir: $T/state
baseline: $T/state/baseline.drift
public_key: $T/key.pub
paths:
  - path: /etc
    exclude: ["*.swp", "/etc/mtab"]
  - { path: /etc/ssh, severity: critical }
  - { path: /usr/bin, severity: critical }
${E2E_EXTRA_PATHS:-}
content: { paths: ${E2E_CONTENT_PATHS:-[/etc, /usr/bin]} }
runtime: { proc_root: "$PROC" }
CFG
"$DRIFTCTL" keygen --signing-key "$T/key.pem" --public-key "$T/key.pub" 2>/dev/null

fail() { echo "FAIL: $*" >&2; exit 1; }
# run EXPECTED_EXIT CMD...: runs driftctl, keeps stdout in $T/out and stderr in $T/err.
run() {
  local want=$1; shift
  "$DRIFTCTL" "$@" > "$T/out" 2> "$T/err"
  local rc=$?
  [[ $rc == "$want" ]] || { cat "$T/out" "$T/err" >&2; fail "driftctl $* exited $rc, expected $want"; }
}
has() { grep -qF -- "$1" "$T/${2:-out}" || { cat "$T/${2:-out}" >&2; fail "expected '$1' in $2"; }; }
hasnt() { ! grep -qF -- "$1" "$T/${2:-out}" || { cat "$T/${2:-out}" >&2; fail "did not expect '$1'"; }; }
make_baseline() {
  mkdir -p "$T/state"
  run 0 baseline create --config "$T/config.yaml" --output "$T/state/baseline.drift" --signing-key "$T/key.pem"
}
check() { run "$1" check --config "$T/config.yaml" "${@:2}"; }
