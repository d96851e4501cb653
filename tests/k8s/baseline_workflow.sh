# The baseline workflow of README "Kubernetes", as written there, with `sh -c` standing in for
# `kubectl exec` (kubectl_exec below: the pod's driftctl, its NODE_NAME, its ConfigMap config and
# /host) and the operator's laptop holding the only signing key:
#  - one node: create in the pod | sign on the laptop | install in the pod, and the running
#    driftd picks the baseline up by itself (driftd_baseline_valid 0 -> 1, no restart);
#  - all nodes: the bulk form collects every node's baseline, `driftctl diff` (filtered with
#    README's jq line) shows the snowflake node's extra tool, each is signed, and a mix-up
#    (node b's baseline into node a's pod) is refused with exit 19 while each node's own installs.
source "$(dirname "$0")/node_lib.sh"
make_host_tree
write_pod_config
LAPTOP=$T/laptop
mkdir -p "$LAPTOP/baselines" "$T/pod/bin"
mv "$T/key.pem" "$LAPTOP/operator.key"        # the signing key lives on the laptop only

# Node b: the same kind of worker with one hand-installed tool, its own state directory.
NODE_B=$NODE-b
cp -a "$ROOT" "$T/root-b"
printf '#!/bin/sh\necho snowflake\n' > "$T/root-b/usr/local/bin/snowflake"; chmod 755 "$T/root-b/usr/local/bin/snowflake"
mkdir -p "$T/conf-b" "$T/state-b"
cp "$T/conf/key.pub" "$T/conf-b/key.pub"
sed -e "s|^state_dir: .*|state_dir: $T/state-b|" -e "s|^baseline: .*|baseline: $T/state-b/baseline.drift|" \
  -e "s|^public_key: .*|public_key: $T/conf-b/key.pub|" "$CONFIG" > "$T/conf-b/config.yaml"

# The image's driftctl as `kubectl exec` reaches it: in the pod, /etc/driftd/config.yaml and /host
# are the defaults; here the pod's config and root are passed for it.
cat > "$T/pod/bin/driftctl" <<EOF
#!/bin/sh
case "\$1 \$2" in
  "baseline create"|check\ *|accept\ *) exec "$DRIFTCTL" "\$@" --config "\$POD_CONFIG" --root "\$POD_ROOT" ;;
  "baseline install") exec "$DRIFTCTL" "\$@" --config "\$POD_CONFIG" ;;
  *) exec "$DRIFTCTL" "\$@" ;;
esac
EOF
chmod 755 "$T/pod/bin/driftctl"
# kubectl_exec NODE CMD...: `kubectl exec -i -n driftd <NODE's pod> -- CMD...`.
kubectl_exec() {
  local node=$1 config=$CONFIG root=$ROOT; shift
  [[ $node == "$NODE_B" ]] && config=$T/conf-b/config.yaml root=$T/root-b
  env NODE_NAME="$node" POD_CONFIG="$config" POD_ROOT="$root" PATH="$T/pod/bin:$PATH" sh -c 'exec "$@"' sh "$@"
}
metric() { curl -s --max-time 2 "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [[ $(metric "$1") == "$2" ]]; }

# A fresh pod without a baseline: driftd runs and says so.
pod_driftd
wait_pod 10 "/healthz" healthz
wait_pod 10 "driftd_baseline_valid 0 on /metrics" metric_is driftd_baseline_valid 0

# One node, as README writes it (operator.key on the laptop).
cd "$LAPTOP" || fail "cd laptop"
kubectl_exec "$NODE" driftctl baseline create --output - 2>"$T/create.err" |
  "$DRIFTCTL" baseline sign --signing-key operator.key - 2>"$T/sign.err" |
  kubectl_exec "$NODE" driftctl baseline install - 2>"$T/install.err"
rcs=("${PIPESTATUS[@]}")
[[ ${rcs[*]} == "0 0 0" ]] || { cat "$T"/{create,sign,install}.err >&2; fail "pipeline exit codes ${rcs[*]}"; }
wait_pod 15 "driftd picked up the installed baseline" metric_is driftd_baseline_valid 1
wait_pod 30 "a clean first check on Pushgateway" first_check_done
pgw_is 1 driftd_baseline_valid || fail "Pushgateway: baseline not valid"
pgw_is 0 driftd_drift_detected || fail "drift right after installing the node's own baseline"
((RESTARTS == 0)) || fail "driftd restarted to load the baseline"
grep -rlq 'PRIVATE KEY' "$T/state" "$T/conf" && fail "private key material on the node"

# All nodes: collect, compare, sign, install each its own.
for node in "$NODE" "$NODE_B"; do
  kubectl_exec "$node" driftctl baseline create --output - > "baselines/$node.drift" 2>/dev/null ||
    fail "create on $node"
done
# Peer drift. Node-local attributes (inode, ctime, mtime) differ between any two nodes;
# `driftctl diff` of two nodes leaves them out by itself, so what it lists is the snowflake.
"$DRIFTCTL" diff --json --allow-unsigned "baselines/$NODE.drift" "baselines/$NODE_B.drift" > "$T/diff.json" 2>/dev/null
rc=$?
((rc & 1)) && ((rc < 16)) || fail "diff of the two nodes exited $rc, expected the added bit"
if command -v jq >/dev/null; then
  peer=$(jq -r "$(sed -n 's/^  jq -r \x27\(.*\)\x27$/\1/p' "$REPO/README.md" | head -n1)" "$T/diff.json") ||
    fail "README's jq filter for peer drift does not run"
else
  echo "no jq: the peer-drift filter runs in python" >&2
  peer=$("$PY" -c '
import json, sys
for d in json.load(open(sys.argv[1]))["drift"]:
    print(d["kind"], d["severity"], d["path"])' "$T/diff.json")
fi
[[ $peer == "added critical /usr/local/bin/snowflake" ]] || fail "peer drift between the nodes: '$peer'"
for f in baselines/*.drift; do
  "$DRIFTCTL" baseline sign --signing-key operator.key "$f" 2>/dev/null || fail "sign $f"
done
# The mix-up: node b's baseline into node a's pod.
kubectl_exec "$NODE" driftctl baseline install - < "baselines/$NODE_B.drift" 2>"$T/mixup.err"
rc=$?
((rc == 19)) || fail "a baseline for another node was installed (exit $rc): $(cat "$T/mixup.err")"
grep -q "$NODE_B" "$T/mixup.err" || fail "the refusal does not name the node: $(cat "$T/mixup.err")"
metric_is driftd_baseline_valid 1 || fail "node a lost its valid baseline over the refused install"
for node in "$NODE" "$NODE_B"; do
  kubectl_exec "$node" driftctl baseline install - < "baselines/$node.drift" 2>"$T/install.err" ||
    fail "install on $node: $(cat "$T/install.err")"
done
NODE_NAME=$NODE_B "$DRIFTCTL" baseline verify --public-key "$T/conf-b/key.pub" "$T/state-b/baseline.drift" >/dev/null 2>&1 ||
  fail "node b's installed baseline does not verify"
# driftd has node a's bulk baseline when its created time is on /metrics. (Made in the same
# second as the first one, the bulk baseline is byte-identical to it -- baselines are
# deterministic -- and there is nothing new to load: so the test asks for the state, not a log line.)
created=$("$DRIFTCTL" baseline show --json --allow-unsigned "baselines/$NODE.drift" 2>/dev/null |
  "$PY" -c 'import json, sys; print(json.load(sys.stdin)["created"])')  # schema 2: seconds since the epoch
[[ -n $created ]] || fail "cannot read the bulk baseline's created time"
has_bulk_baseline() { [[ "$(metric driftd_baseline_created_timestamp_seconds)" == "$created" ]]; }
wait_pod 15 "node a has its bulk baseline" has_bulk_baseline
metric_is driftd_baseline_valid 1 || fail "node a: baseline not valid after the bulk install"
pgw_is 0 driftd_drift_detected || fail "node a drifted after the bulk install"
supervise
stop_driftd
echo PASS
