# driftd's DaemonSet on a real kubelet (../shared/kube-node: kubelet, containerd 1.6, runc, CNI),
# from the image rootfs k8s_image_rootfs builds, through the project's own kustomization with an
# overlay that swaps in only what cannot be real here (checked against the plain build): the
# image and its pull policy, the operator's public key, the Pushgateway and Loki URLs (the daemon
# tests' real servers, relayed on the node's address) and the state hostPath. It asserts:
#  - the pod Running and Ready; the security context as the kernel applies it (/proc/1/status:
#    CapEff = CapBnd = cap_dac_read_search, NoNewPrivs 1, Seccomp 2), `/` read-only, NODE_NAME
#    from the downward API is the pod's and the metrics' node;
#  - the first full check, on a tree of 50,000 files (bind-mounted as /usr/local/sbin in the
#    node's mount namespace), passes without a probe failure or restart;
#  - what `kubectl exec` reaches on the node (README "Kubernetes"): another pod's Secret, token
#    and memory emptyDir are neither readable nor writable, kubelet's pki/ is hidden, and the
#    other pod's mounts leave the container with their pod (nothing pinned);
#  - README's baseline workflow as written gives a clean `driftctl check` in the pod;
#  - a file written under the host's /etc, a chmod, and kubelet's config.yaml replaced by rename
#    each reach the real Pushgateway and the real Loki (the rename through one exit-75 restart);
#  - `kubectl rollout restart` keeps the state directory (highest serial, drift state, spool:
#    nothing is announced twice); the exec policy component refuses exec to a namespace admin
#    and lets a cluster admin in; `kubectl delete -k` leaves on the node what README says.
# Skipped only without ../shared/kube-node or where the node cannot start (another runs).
source "$(dirname "$0")/lib.sh"
need_pyyaml
need_kustomize
need socat "relays the node's address to the test's Pushgateway and Loki"
need curl "the queries"
KUBE_NODE=$SHARED/kube-node
[[ -x $KUBE_NODE/start-kube-node ]] || skip "no $KUBE_NODE/start-kube-node (the real node ships in ../shared)"
ROOTFS=${K8S_IMAGE_DIR:?run through ctest: tests/CMakeLists.txt sets K8S_IMAGE_DIR}/rootfs
[[ -x $ROOTFS/usr/local/bin/driftd ]] || fail "no image rootfs in $ROOTFS (the k8s_image fixture builds it)"
# shellcheck disable=SC1091
source "$K8S_TESTS/../daemon/lib.sh"     # the servers, pgw/loki queries, wait_until, key pair
NODE=kubelet-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')   # the node's name: one Pushgateway group
trap 'cleanup; k8s_cleanup' EXIT
NODE_IP=10.244.250.1                                        # start-kube-node's bridge address
IMAGE=ghcr.io/viktorbarzin/driftd:kubelet-test
RUN=$K8S_T/run
STATE=$K8S_T/state                                           # the state hostPath (see the overlay)
POD=""
kx() { kubectl -n driftd exec "$POD" -- "$@"; }
fail() {
  echo "FAIL: $*" >&2
  if [[ -n $POD ]]; then
    kubectl -n driftd get pods -o wide >&2
    echo "--- driftd log:" >&2; kubectl -n driftd logs "$POD" --tail=40 >&2
  fi
  exit 1
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
t_start=$(date +%s%N)

# Probe files in the host's /etc (the chmod's target is in the baseline), removed on exit.
probe=/etc/driftd-$NODE.conf
moded=/etc/driftd-$NODE.mode
on_exit "rm -f '$probe' '$moded'"
printf 'mode probe of kubelet.sh\n' > "$moded" && chmod 644 "$moded"

# A tree as large as a real node's configured paths, made while the node starts.
big=$K8S_T/big
python3 - "$big" <<'PY' &
import os, sys
root = sys.argv[1]
block = os.urandom(1 << 16)
for d in range(100):
    os.makedirs(f"{root}/d{d:03}")
    for f in range(500):
        size = 1 << 20 if f == 0 else 512 + 37 * f   # one 1 MiB file per directory, the rest small
        with open(f"{root}/d{d:03}/f{f:03}", "wb") as out:
            out.write((block * (size // len(block) + 1))[:size] if size > len(block) else block[:size])
PY
big_pid=$!

# The node, named after this test.
on_exit 't=$SECONDS; "$KUBE_NODE/stop-kube-node" "$RUN" >/dev/null 2>&1; echo "stop-kube-node: $((SECONDS - t)) s" >&2'
export KUBECONFIG
KUBECONFIG=$(KUBE_NODE_NAME=$NODE "$KUBE_NODE/start-kube-node" "$RUN" 2>"$K8S_T/start.err") ||
  { cat "$K8S_T/start.err" >&2; skip "the node cannot start: $(tail -n1 "$K8S_T/start.err")"; }
grep -E 'Ready after' "$K8S_T/start.err" >&2
holder=$(awk '$1 == "mount-namespace" {print $2}' "$RUN/pids")
wait "$big_pid" || fail "making the large tree"
nsenter --target "$holder" --mount -- mount --bind "$big" /usr/local/sbin || fail "bind the large tree"

# The test's Pushgateway and Loki listen on 127.0.0.1; the pod reaches the node's address only.
relay() { # relay URL: a relay on the node's address to URL's port; prints the relayed URL
  local port pid
  port=$(python3 -c 'import socket, sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$NODE_IP")
  socat "TCP-LISTEN:$port,bind=$NODE_IP,reuseaddr,fork" "TCP:127.0.0.1:${1##*:}" </dev/null >/dev/null 2>&1 &
  pid=$!
  on_exit "pkill -TERM -P $pid 2>/dev/null; kill -TERM $pid 2>/dev/null"
  echo "http://$NODE_IP:$port"
}
PGW_RELAY=$(relay "$PGW_URL")
LOKI_RELAY=$(relay "$LOKI_URL")
wait_until 30 "the relays" curl -sf --max-time 2 -o /dev/null "$PGW_RELAY/-/ready"

"$KUBE_NODE/load-image" "$RUN" "$ROOTFS" "$IMAGE" /usr/local/bin/driftd >&2 || fail "load-image"

# The overlay: the operator's key, the servers' URLs, the image, the state directory.
OVERLAY=$K8S_T/overlay
LAPTOP=$K8S_T/laptop
mkdir -p "$OVERLAY" "$LAPTOP"
"$DRIFTCTL" keygen --signing-key "$LAPTOP/operator.key" --public-key "$OVERLAY/baseline.pub" 2>/dev/null || fail keygen
"$PY" - "$MANIFESTS/agent-config.yaml" "$OVERLAY/agent-config.yaml" "$PGW_RELAY" "$LOKI_RELAY" <<'PY' || fail "the overlay's config"
import re, sys
src, dst, pgw, loki = sys.argv[1:]
text = open(src).read()
for key, url in (("pushgateway", pgw), ("loki", loki)):
    text, n = re.subn(rf'^({key}: \{{ url: )"[^"]*"', rf'\g<1>"{url}"', text, flags=re.M)
    assert n == 1, f"{key}.url matched {n} lines"
open(dst, "w").write(text)
PY
cat > "$OVERLAY/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [$(realpath --relative-to="$OVERLAY" "$MANIFESTS")]
configMapGenerator:
  - { name: driftd-config, behavior: replace, files: [config.yaml=agent-config.yaml] }
  - { name: driftd-baseline-key, behavior: replace, files: [baseline.pub] }
patches:
  - target: { kind: DaemonSet, name: driftd }
    patch: |
      - { op: replace, path: /spec/template/spec/containers/0/image, value: "$IMAGE" }
      - { op: add, path: /spec/template/spec/containers/0/imagePullPolicy, value: Never }
      - { op: test, path: /spec/template/spec/volumes/1/name, value: state }
      - { op: replace, path: /spec/template/spec/volumes/1/hostPath/path, value: "$STATE" }
EOF
build_json "$MANIFESTS" "$K8S_T/base.json"
build_json "$OVERLAY" "$K8S_T/overlay.json"
"$PY" - "$K8S_T/base.json" "$K8S_T/overlay.json" <<'PY' || fail "the overlay changes more than image, key, URLs and state path"
import json, re, sys
base, over = (json.load(open(f)) for f in sys.argv[1:3])
unhash = lambda n: re.sub(r"-[a-z0-9]{10}$", "", n)
def norm(objs):
    out = {}
    for o in objs:
        o["metadata"]["name"] = unhash(o["metadata"]["name"]) if o["kind"] == "ConfigMap" else o["metadata"]["name"]
        if o["kind"] == "DaemonSet":
            spec = o["spec"]["template"]["spec"]
            c = spec["containers"][0]
            c.pop("imagePullPolicy", None); c["image"] = "IMAGE"
            for v in spec["volumes"]:
                if v["name"] == "state": v["hostPath"]["path"] = "STATE"
                for s in v.get("projected", {}).get("sources", []):
                    s["configMap"]["name"] = unhash(s["configMap"]["name"])
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "driftd-baseline-key": o["data"] = "KEY"
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "driftd-config":
            o["data"]["config.yaml"] = re.sub(r'^((pushgateway|loki): \{ url: )"[^"]*"', r'\1"URL"',
                                              o["data"]["config.yaml"], flags=re.M)
        out[(o["kind"], o["metadata"]["name"])] = o
    return out
b, o = norm(base), norm(over)
bad = [k for k in set(b) | set(o) if b.get(k) != o.get(k)]
assert not bad, bad
PY

# Another pod on the node with what kubelet keeps under /var/lib/kubelet/pods: a Secret, its
# service-account token, a memory emptyDir. Started before driftd (mounted when it starts).
kubectl apply -f - >/dev/null <<'EOF' || fail "the neighbour pod"
apiVersion: v1
kind: Secret
metadata: { name: neighbour, namespace: default }
stringData: { password: neighbour-secret-value }
---
apiVersion: v1
kind: Pod
metadata: { name: neighbour, namespace: default }
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: pause
      image: localhost/kube-node/pause:1
      imagePullPolicy: Never
      volumeMounts:
        - { name: secret, mountPath: /secret }
        - { name: scratch, mountPath: /scratch }
  volumes:
    - { name: secret, secret: { secretName: neighbour } }
    - { name: scratch, emptyDir: { medium: Memory } }
EOF

t_apply=$(date +%s%N)
kubectl apply -k "$OVERLAY" >&2 || fail "kubectl apply -k"
kubectl -n driftd rollout status ds/driftd --timeout=180s >&2 || fail "the DaemonSet did not roll out"
ready_ms=$(ms_since "$t_apply")
POD=$(kubectl -n driftd get pods -l app.kubernetes.io/name=driftd -o jsonpath='{.items[0].metadata.name}')
POD_IP=$(kubectl -n driftd get pod "$POD" -o jsonpath='{.status.podIP}')
echo "pod $POD Running and Ready $ready_ms ms after kubectl apply -k" >&2
kubectl wait --for=condition=Ready pod/neighbour --timeout=180s >/dev/null || fail "the neighbour pod is not Ready"

# The security context as the kernel applies it.
status=$(kx cat /proc/1/status) || fail "kubectl exec cat /proc/1/status"
field() { awk -v k="$1:" '$1 == k {print $2}' <<<"$status"; }
[[ $(field Name) == driftd ]] || fail "PID 1 of the container is $(field Name)"
[[ $(field CapEff) == 0000000000000004 && $(field CapBnd) == 0000000000000004 ]] ||
  fail "capabilities: CapEff $(field CapEff), CapBnd $(field CapBnd) (want cap_dac_read_search only, 0x4)"
[[ $(field NoNewPrivs) == 1 ]] || fail "NoNewPrivs $(field NoNewPrivs)"
[[ $(field Seccomp) == 2 ]] || fail "Seccomp $(field Seccomp) (want 2: filtering)"
echo "PID 1: Uid $(field Uid) CapEff $(field CapEff) CapBnd $(field CapBnd) NoNewPrivs 1 Seccomp 2 ($(field Seccomp_filters) filters)" >&2
kx sh -c 'echo x > /kubelet-test' 2>"$K8S_T/err" && fail "a write to / succeeded"
grep -q 'Read-only file system' "$K8S_T/err" || fail "a write to / failed otherwise: $(cat "$K8S_T/err")"
pod_node=$(kx sh -c 'echo "$NODE_NAME"')
[[ $pod_node == "$NODE" ]] || fail "NODE_NAME in the pod is '$pod_node', not $NODE"
wait_until 180 "the first push, under the node's name" pgw_is 0 driftd_baseline_valid

# What `kubectl exec` reaches under /var/lib/kubelet.
uid=$(kubectl get pod neighbour -o jsonpath='{.metadata.uid}')
vols=/host/var/lib/kubelet/pods/$uid/volumes
[[ -z $(kx ls -A /host/var/lib/kubelet/pods) ]] || fail "pods/ is visible in the driftd pod: $(kx ls /host/var/lib/kubelet/pods | xargs)"
[[ -z $(kx ls -A /host/var/lib/kubelet/pki) ]] || fail "kubelet's pki/ is visible in the driftd pod"
kx sh -c "cat $vols/kubernetes.io~secret/secret/password" >/dev/null 2>&1 && fail "the neighbour's Secret is readable"
kx sh -c "cat $vols/kubernetes.io~projected/kube-api-access-*/token" >/dev/null 2>&1 && fail "the neighbour's token is readable"
kx sh -c "echo x > $vols/kubernetes.io~empty-dir/scratch/f" 2>/dev/null && fail "the neighbour's emptyDir is writable"
[[ -n $(kx ls /host/var/lib/kubelet/config.yaml) ]] || fail "kubelet's config.yaml is not visible"
grep -q "$uid" <<<"$(kx cat /proc/1/mountinfo)" || fail "the neighbour's volumes never reached the container's mount table"
kubectl delete pod neighbour --wait=true --timeout=120s >/dev/null || fail "delete the neighbour"
gone() { ! grep -q "$uid" <<<"$(kx cat /proc/1/mountinfo)"; }
wait_until 180 "the neighbour's mounts to leave the driftd container" gone

# README's baseline workflow, as written (the operator's key stays on the laptop).
cd "$LAPTOP" || fail "cd $LAPTOP"
kubectl exec -n driftd "$POD" -- driftctl baseline create --output - 2>"$K8S_T/create.err" |
  "$DRIFTCTL" baseline sign --signing-key operator.key - 2>"$K8S_T/sign.err" |
  kubectl exec -i -n driftd "$POD" -- driftctl baseline install - 2>"$K8S_T/install.err"
rcs=("${PIPESTATUS[@]}")
[[ ${rcs[*]} == "0 0 0" ]] || { cat "$K8S_T"/{create,sign,install}.err >&2; fail "baseline workflow exit codes ${rcs[*]}"; }
wait_until 180 "the installed baseline on Pushgateway" pgw_is 1 driftd_baseline_valid
# The first full check (driftd starts one once a valid baseline is there): no liveness probe
# fails, nothing restarts.
metric() { curl -s --max-time 5 "http://$POD_IP:9847/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
scanned() { [[ $(metric driftd_last_full_scan_timestamp_seconds) =~ ^[1-9] ]]; }
wait_until 180 "the first full check" scanned
files=$(metric driftd_files_monitored)
echo "first full check: $(metric driftd_full_scan_duration_seconds) s over $files entries" >&2
((${files%.*} > 50000)) || fail "the first full check covered $files entries, not the large tree"
restarts=$(kubectl -n driftd get pod "$POD" -o jsonpath='{.status.containerStatuses[0].restartCount}')
# Readiness is meant to fail while the first check against the baseline runs (/readyz);
# liveness (/healthz) never.
unhealthy=$(kubectl -n driftd get events --field-selector "involvedObject.name=$POD,reason=Unhealthy" \
  -o jsonpath='{range .items[*]}{.message}{"\n"}{end}' | grep -c '^Liveness' || true)
((restarts == 0 && unhealthy == 0)) || fail "during the first check: $restarts restarts, $unhealthy liveness failures"
pod_cg=$(find /sys/fs/cgroup/memory/kube-node -maxdepth 4 -type d -name "pod$(kubectl -n driftd get pod "$POD" -o jsonpath='{.metadata.uid}')" | head -n1)
[[ -n $pod_cg ]] && echo "pod memory peak (cgroup, page cache included): $(( $(cat "$pod_cg/memory.max_usage_in_bytes") >> 20 )) MiB" >&2

kx driftctl check > "$K8S_T/check.out" 2>&1 || { cat "$K8S_T/check.out" >&2; fail "driftctl check in the pod is not clean"; }
tail -n 2 "$K8S_T/check.out" >&2
wait_until 180 "a clean state on Pushgateway" pgw_is 0 driftd_drift_detected
serial=$(cat "$STATE/highest-serial") || fail "no highest-serial in the state directory"

# Three host changes, each seen on Pushgateway and in Loki.
seen() { # seen PATH KIND SEVERITY: the path's series on Pushgateway and its Loki line
  local t0 path=$1 kind=$2
  t0=$(date +%s%N)
  wait_until 180 "$path ($kind) on Pushgateway" pgw_is 1 driftd_drift_path "path=\"$path\"" "kind=\"$kind\"" "severity=\"$3\""
  echo "$path: $kind on Pushgateway $(ms_since "$t0") ms after the change" >&2
  wait_until 180 "$path ($kind) in Loki" loki_count_is 1 "\"path\":\"$path\""
  LINE=$(loki_lines "\"path\":\"$path\"")
  grep -qF "\"event\":\"drift\"" <<<"$LINE" && grep -qF "\"kind\":\"$kind\"" <<<"$LINE" || fail "Loki line for $path: $LINE"
}
printf 'written on the host by kubelet.sh\n' > "$probe"
seen "$probe" added warning
grep -qF '+written on the host by kubelet.sh' <<<"$LINE" || fail "no diff in the Loki line: $LINE"
chmod 600 "$moded"
seen "$moded" changed warning
grep -qF '"mode"' <<<"$LINE" || fail "the Loki line does not name the mode: $LINE"
cp -p "$RUN/kubelet/config.yaml" "$RUN/kubelet/config.yaml.tmp"
printf '# rewritten by kubelet.sh\n' >> "$RUN/kubelet/config.yaml.tmp"
mv "$RUN/kubelet/config.yaml.tmp" "$RUN/kubelet/config.yaml"   # kubeadm's way: a new inode
seen /var/lib/kubelet/config.yaml changed critical
grep -qF '+# rewritten by kubelet.sh' <<<"$LINE" || fail "no diff in the Loki line: $LINE"
restarted() { [[ $(kubectl -n driftd get pod "$POD" -o jsonpath='{.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].lastState.terminated.exitCode} {.status.containerStatuses[0].ready}') == "1 75 true" ]]; }
wait_until 180 "one exit-75 restart for the replaced file rule, Ready again" restarted

# kubectl rollout restart: the state directory carries over.
wait_until 180 "the spool shipped" pgw_is 0 driftd_spool_entries
lines=$(loki_count '"event":"drift"')  # heartbeat and baseline lines come with every start
drift_state=$(sort "$STATE/drift-state")
t_roll=$(date +%s)
kubectl -n driftd rollout restart ds/driftd >/dev/null || fail "rollout restart"
kubectl -n driftd rollout status ds/driftd --timeout=180s >&2 || fail "the restarted DaemonSet did not roll out"
POD=$(kubectl -n driftd get pods -l app.kubernetes.io/name=driftd -o jsonpath='{.items[0].metadata.name}')
POD_IP=$(kubectl -n driftd get pod "$POD" -o jsonpath='{.status.podIP}')
restarted_scan() { pgw_ge "$t_roll" driftd_last_full_scan_timestamp_seconds && pgw_is 0 driftd_spool_entries; }
wait_until 180 "the new pod's first full check on Pushgateway" restarted_scan
pgw_is 1 driftd_baseline_valid || fail "the baseline was lost across the rollout"
pgw_is 1 driftd_drift_detected || fail "the drift was lost across the rollout"
[[ $(cat "$STATE/highest-serial") == "$serial" ]] || fail "highest-serial went from $serial to $(cat "$STATE/highest-serial")"
[[ $(sort "$STATE/drift-state") == "$drift_state" ]] || fail "drift-state changed across the rollout"
[[ -d $STATE/spool ]] || fail "no spool directory after the rollout"
[[ $(loki_count '"event":"drift"') == "$lines" ]] || fail "known drift announced again after the rollout: $lines drift lines became $(loki_count '"event":"drift"')"

# The exec policy component: exec into driftd pods for cluster admins only.
EXEC_OVERLAY=$K8S_T/overlay-exec
mkdir -p "$EXEC_OVERLAY"
cat > "$EXEC_OVERLAY/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../overlay]
components: [$(realpath --relative-to="$EXEC_OVERLAY" "$MANIFESTS/components/exec-policy")]
EOF
kubectl apply -k "$EXEC_OVERLAY" >&2 || fail "apply the exec-policy component"
kubectl -n driftd create rolebinding ns-admin --clusterrole=admin --user=ns-admin >/dev/null || fail "rolebinding"
refused() { ! kubectl --as=ns-admin -n driftd exec "$POD" -- true 2>"$K8S_T/exec.err" && grep -q 'driftd-exec' "$K8S_T/exec.err"; }
wait_until 180 "exec refused to a namespace admin" refused
echo "namespace admin: $(head -n1 "$K8S_T/exec.err")" >&2
kubectl --as=ns-admin -n driftd auth can-i create pods/exec | grep -qx yes || fail "RBAC alone does not grant ns-admin exec (the test proves nothing)"
kx true || fail "a cluster admin cannot exec into the pod"

# kubectl delete -k: the node keeps the state directory and the image, nothing else of driftd.
uid=$(kubectl -n driftd get pod "$POD" -o jsonpath='{.metadata.uid}')
kubectl delete -k "$EXEC_OVERLAY" --wait=true --timeout=180s >/dev/null || fail "kubectl delete -k"
POD=""
kubectl get namespace driftd >/dev/null 2>&1 && fail "namespace driftd still there"
ctr_left() { ctr --address "$RUN/containerd/c.sock" -n k8s.io containers ls 2>/dev/null | grep -F "$IMAGE"; }
pod_dir_left() { ls -d "$RUN"/kubelet/pods/*/ 2>/dev/null | grep -q .; }
wait_until 180 "driftd's containers removed" eval '! ctr_left'
wait_until 180 "driftd's pod directories removed" eval '! pod_dir_left'
left=$(cd "$STATE" && find . -mindepth 1 -maxdepth 1 | sort | xargs)
[[ $left == "./baseline.drift ./drift-state ./highest-serial ./spool" ]] || fail "the state directory holds: $left"
ctr --address "$RUN/containerd/c.sock" -n k8s.io images ls -q | grep -qxF "$IMAGE" || fail "the image is gone"
echo "kubelet test: $(ms_since "$t_start") ms in all" >&2
echo PASS
