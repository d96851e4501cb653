# A node as the DaemonSet sees it, for node.sh and baseline_workflow.sh: a temp tree laid out like
# the pod's /host mounts (daemonset.yaml), the exact config.yaml of the ConfigMap that
# `kubectl kustomize manifests/` builds, and driftd run as the pod runs it (NODE_NAME from the
# environment, --root on the command line), supervised like the DaemonSet's restart policy.
# Queries and waits come from the daemon tests' lib.sh (the same Pushgateway and Loki fixture).
#
# What differs from the pod, and only that (override_config): state_dir, baseline and public_key
# point into the test's temp dir (the pod has /var/lib/driftd and /etc/driftd), the push URLs
# point at the fixture's servers (the pod's are in-cluster names), and listen is a free loopback
# port (the pod's :9847). root stays /host in the file and is overridden by --root, as the
# DaemonSet's args do.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_pyyaml
need_kustomize
# shellcheck disable=SC1091
source "$K8S_TESTS/../daemon/lib.sh"     # T, NODE, ROOT, CONFIG, key pair, pgw/loki helpers
trap 'cleanup; k8s_cleanup' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
RESTARTS=0

# The host directories the pod mounts, with what a kubeadm worker has in them.
make_host_tree() {
  mkdir -p "$ROOT"/etc/{containerd,cni/net.d,systemd/system,sudoers.d} "$ROOT"/usr/{sbin,local/bin,local/sbin} \
    "$ROOT/opt/cni/bin" "$ROOT/var/lib/dpkg" "$ROOT/var/lib/kubelet/pods" "$ROOT/var/lib/kubelet/pki"
  printf 'root ALL=(ALL:ALL) ALL\n' > "$ROOT/etc/sudoers"; chmod 440 "$ROOT/etc/sudoers"
  printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  sandbox_image = "registry.k8s.io/pause:3.10"\n' \
    > "$ROOT/etc/containerd/config.toml"
  printf '{"name": "k8s-pod-network", "cniVersion": "0.3.1", "plugins": [{"type": "calico"}]}\n' \
    > "$ROOT/etc/cni/net.d/10-calico.conflist"
  printf 'apiVersion: v1\nkind: Config\n' > "$ROOT/etc/cni/net.d/calico-kubeconfig"   # excluded: rotates
  printf '[Service]\nExecStart=/usr/bin/kubelet\n' > "$ROOT/etc/systemd/system/kubelet.service"
  printf '\177ELF kubelet 1.34.1\n' > "$ROOT/usr/bin/kubelet"; chmod 755 "$ROOT/usr/bin/kubelet"
  printf '\177ELF calico\n' > "$ROOT/opt/cni/bin/calico"; chmod 755 "$ROOT/opt/cni/bin/calico"
  printf 'Package: kubelet\nStatus: install ok installed\nVersion: 1.34.1-1.1\nArchitecture: amd64\n\n' \
    > "$ROOT/var/lib/dpkg/status"
  cat > "$ROOT/var/lib/kubelet/config.yaml" <<'KCFG'
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
maxPods: 110
rotateCertificates: true
KCFG
  printf 'KUBELET_KUBEADM_ARGS="--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"\n' \
    > "$ROOT/var/lib/kubelet/kubeadm-flags.env"
  printf '{"policyName":"none","defaultCpuSet":"","checksum":1}\n' > "$ROOT/var/lib/kubelet/cpu_manager_state"
  printf 'not a real key\n' > "$ROOT/var/lib/kubelet/pki/kubelet.key"; chmod 600 "$ROOT/var/lib/kubelet/pki/kubelet.key"
}

# The ConfigMap's config.yaml, from the objects kustomize builds.
configmap_config() {
  kubectl kustomize "$MANIFESTS" > "$T/build.yaml" || fail "kubectl kustomize manifests/"
  "$PY" - "$T/build.yaml" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
ds = next(d for d in docs if d["kind"] == "DaemonSet")
names = [s["configMap"]["name"] for v in ds["spec"]["template"]["spec"]["volumes"] if "projected" in v
         for s in v["projected"]["sources"] if "configMap" in s]
cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] in names and "config.yaml" in d["data"])
sys.stdout.write(cm["data"]["config.yaml"])
PY
}

# override_config IN OUT: IN with the overrides named at the top, each line replaced exactly once.
override_config() {
  "$PY" - "$1" "$2" "$T" "$PGW_URL" "${LOKI_URL_OVERRIDE:-$LOKI_URL}" "$PORT" <<'PY' || fail "override the config"
import re, sys
src, dst, t, pgw, loki, port = sys.argv[1:]
text = open(src).read()
def sub(pattern, repl):
    global text
    text, n = re.subn(pattern, repl, text, flags=re.M)
    assert n == 1, f"{pattern!r} matched {n} lines of the ConfigMap's config"
sub(r"^state_dir: \S+", f"state_dir: {t}/state")
sub(r"^baseline: \S+", f"baseline: {t}/state/baseline.drift")
sub(r"^public_key: \S+", f"public_key: {t}/conf/key.pub")
sub(r'^(pushgateway: \{ url: )"[^"]*"', rf'\g<1>"{pgw}"')
sub(r'^(loki: \{ url: )"[^"]*"', rf'\g<1>"{loki}"')
sub(r'^listen: "[^"]*"', f'listen: "127.0.0.1:{port}"')
open(dst, "w").write(text)
PY
}

# The pod's config, overridden, at $CONFIG; checks that nothing else differs.
write_pod_config() {
  configmap_config > "$T/configmap-config.yaml" || fail "no config.yaml in the built ConfigMap"
  override_config "$T/configmap-config.yaml" "$CONFIG"
  NODE_NAME=$NODE "$DRIFTCTL" config show --config "$T/configmap-config.yaml" | grep -v '^#' > "$T/effective.pod"
  NODE_NAME=$NODE "$DRIFTCTL" config show --config "$CONFIG" | grep -v '^#' > "$T/effective.test" ||
    fail "driftctl config show on the test config"
  "$PY" - "$T/effective.pod" "$T/effective.test" <<'PY' || fail "the test config differs from the ConfigMap's beyond the overrides"
import sys, yaml
pod, test = (yaml.safe_load(open(f)) for f in sys.argv[1:3])
for sink in ("pushgateway", "loki"):   # only their URLs are overridden
    pod[sink].pop("url"); test[sink].pop("url")
changed = sorted(k for k in set(pod) | set(test) if pod.get(k) != test.get(k))
assert changed == ["baseline", "listen", "public_key", "state_dir"], changed
PY
}

# pod_driftd: driftd as the container runs it (env NODE_NAME, --config, --root).
pod_driftd() {
  NODE_NAME=$NODE "$DRIFTD" --config "$CONFIG" --root "$ROOT" >>"$T/driftd.log" 2>&1 &
  DPID=$!
}
pod_driftctl() { NODE_NAME=$NODE "$DRIFTCTL" "$@"; }
make_pod_baseline() {
  pod_driftctl baseline create --config "$CONFIG" --root "$ROOT" --output "$T/state/baseline.drift" \
    --signing-key "$T/key.pem" 2>/dev/null || fail "baseline create"
}

# supervise: the DaemonSet's restartPolicy for the one exit that asks for it (75: a file rule's
# file was replaced and Landlock needs a fresh start); any other exit fails the test.
supervise() {
  [[ -z $DPID ]] && return
  kill -0 "$DPID" 2>/dev/null && return
  local rc=0
  wait "$DPID" || rc=$?
  DPID=""
  [[ $rc == 75 ]] || fail "driftd exited $rc"
  RESTARTS=$((RESTARTS + 1))
  echo "driftd exited 75: restarted as its DaemonSet would ($RESTARTS)" >&2
  pod_driftd
}
# wait_pod SECONDS DESCRIPTION CMD...: wait_until, with the supervisor running.
wait_pod() {
  local secs=$1 what=$2; shift 2
  local deadline=$((SECONDS + secs))
  until "$@"; do
    ((SECONDS < deadline)) || fail "timed out after ${secs}s waiting for: $what"
    supervise
    sleep 0.05
  done
}
healthz() { [[ $(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz") == 200 ]]; }
