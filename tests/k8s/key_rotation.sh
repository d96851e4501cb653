# README "Operator lifecycle", "Key rotation", on one node as the pod runs it (node_lib.sh, with
# `sh -c` standing in for `kubectl exec`): one key verifies, so `baseline sign` refuses to re-sign
# the installed baseline with the new key; a fresh baseline is made in the pod, diffed against the
# installed one under the old key (nothing to accept on a clean node), signed with the new key on
# the laptop and installed with the new key passed to install. Until the pod gets the new key the
# running driftd refuses that baseline (driftd_baseline_valid 0) and still compares with the old
# one: a binary changed then is drift. With the new key in the ConfigMap (the pod restarted) the
# new baseline is valid and the node clean.
source "$(dirname "$0")/node_lib.sh"
make_host_tree
write_pod_config
make_pod_baseline
LAPTOP=$T/laptop
mkdir -p "$LAPTOP/old" "$LAPTOP/new" "$T/pod/bin"
mv "$T/key.pem" "$LAPTOP/operator.key"
cp "$T/conf/key.pub" "$LAPTOP/baseline.pub"     # manifests/baseline.pub, the ConfigMap's key
cat > "$T/pod/bin/driftctl" <<SHIM
#!/bin/sh
case "\$1 \$2" in
  "baseline create") exec "$DRIFTCTL" "\$@" --config "$CONFIG" --root "$ROOT" ;;
  "baseline install"|"baseline verify") exec "$DRIFTCTL" "\$@" --config "$CONFIG" ;;
  *) exec "$DRIFTCTL" "\$@" ;;
esac
SHIM
chmod 755 "$T/pod/bin/driftctl"
kubectl_exec() { env NODE_NAME="$NODE" PATH="$T/pod/bin:$PATH" sh -c 'exec "$@"' sh "$@"; }
metric() { curl -s --max-time 2 "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
metric_is() { [[ $(metric "$1") == "$2" ]]; }

pod_driftd
wait_pod 180 "the old key's baseline valid" metric_is driftd_baseline_valid 1
wait_pod 180 "the first full check" metric_is driftd_drift_detected 0

cd "$LAPTOP" || fail "cd laptop"
"$DRIFTCTL" keygen --signing-key new.key --public-key new.pub 2>/dev/null || fail "keygen"
kubectl_exec cat "$T/state/baseline.drift" > "old/$NODE.drift" || fail "cat the installed baseline"
cp "old/$NODE.drift" resign.drift
"$DRIFTCTL" baseline sign --signing-key new.key resign.drift 2>"$T/resign.err" &&
  fail "baseline sign re-signed a baseline signed by another key (README says it refuses)"
grep -q 'already signed by another key' "$T/resign.err" || fail "the refusal: $(cat "$T/resign.err")"

kubectl_exec driftctl baseline create --output - > "new/$NODE.drift" 2>/dev/null </dev/null || fail "create in the pod"
"$DRIFTCTL" diff --allow-unsigned --public-key baseline.pub "old/$NODE.drift" "new/$NODE.drift" > "$T/diff" 2>&1 ||
  fail "diff of the installed and the fresh baseline of a clean node exited $?: $(cat "$T/diff")"
"$DRIFTCTL" baseline sign --signing-key new.key "new/$NODE.drift" 2>/dev/null || fail "sign with the new key"
kubectl_exec sh -c "cat > $T/state/next-key.pub" < new.pub || fail "copy the new key into the state dir"
kubectl_exec driftctl baseline install --public-key "$T/state/next-key.pub" - < "new/$NODE.drift" 2>"$T/install.err" ||
  fail "install with the new key: $(cat "$T/install.err")"

# The window: the pod still has the old key.
wait_pod 180 "driftd refuses the new key's baseline" metric_is driftd_baseline_valid 0
metric_is driftd_baseline_installed 1 || fail "installed is not 1 during the rotation"
grep -q 'signed by another key' "$T/driftd.log" || fail "driftd's log does not say why the baseline is refused"
printf '\177ELF kubelet 1.34.1 swapped\n' > "$ROOT/usr/bin/kubelet"
wait_pod 180 "drift against the old baseline during the window" metric_is driftd_drift_detected 1
printf '\177ELF kubelet 1.34.1\n' > "$ROOT/usr/bin/kubelet"
wait_pod 180 "the revert clears" metric_is driftd_drift_detected 0

# The ConfigMap gets the new key; the pod restarts with it.
cp new.pub "$T/conf/key.pub"
stop_driftd
pod_driftd
wait_pod 180 "the new baseline valid under the new key" metric_is driftd_baseline_valid 1
wait_pod 180 "a clean check after the rotation" metric_is driftd_drift_detected 0
kubectl_exec driftctl baseline verify "$T/state/baseline.drift" > "$T/verify" 2>&1 || fail "verify: $(cat "$T/verify")"
new_id=$("$DRIFTCTL" baseline verify --public-key new.pub "new/$NODE.drift" 2>/dev/null |
  sed -n 's/.*signed by key id \([0-9a-f]*\);.*/\1/p')
[[ -n $new_id ]] && grep -q "key id $new_id" "$T/verify" || fail "the installed baseline is not the new key's: $(cat "$T/verify")"
stop_driftd
echo PASS
