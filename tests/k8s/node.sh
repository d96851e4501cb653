# A node under the DaemonSet's driftd (node_lib.sh: the ConfigMap's exact config, --root over a
# tree laid out like the pod's /host, the real Pushgateway and Loki):
#  - the probes' /healthz answers, the first check pushes a clean state for NODE_NAME;
#  - thousands of writes under /var/lib/kubelet/pods/ (and kubelet's own state files beside the
#    two selected files) report nothing and add no watch;
#  - kubelet's config.yaml replaced by write-to-temp-and-rename (as kubeadm writes it): the drift
#    reaches Pushgateway (critical, unexplained) and its diff reaches Loki, once, through the
#    exit-75 restart Landlock asks for where the kernel has Landlock.
source "$(dirname "$0")/node_lib.sh"
make_host_tree
write_pod_config
make_pod_baseline
pod_driftd
wait_pod 30 "first full check pushed" first_check_done
wait_pod 10 "/healthz on the listen port" healthz
pgw_is 1 driftd_baseline_valid || fail "baseline not valid"
pgw_is 0 driftd_drift_detected || fail "drift before any change"
watches=$(pgw driftd_watches)
monitored=$(pgw driftd_files_monitored)
echo "node $NODE: $monitored entries, $watches watches" >&2

# Pod churn: 40 pods appear with volumes, 3,000 writes to their files; kubelet rewrites its own
# state beside config.yaml 200 times. None of it is selected.
for p in $(seq 1 40); do
  d=$ROOT/var/lib/kubelet/pods/pod-$p/volumes/kubernetes.io~secret/token
  mkdir -p "$d" "$ROOT/var/lib/kubelet/pods/pod-$p/containers/app"
done
for round in $(seq 1 10); do
  for p in $(seq 1 40); do
    d=$ROOT/var/lib/kubelet/pods/pod-$p
    for f in 1 2 3 4 5 6 7; do printf 'secret %s %s\n' "$round" "$f" > "$d/volumes/kubernetes.io~secret/token/f$f"; done
    printf 'log %s\n' "$round" >> "$d/containers/app/log"
  done
done
for i in $(seq 1 200); do
  printf '{"policyName":"none","checksum":%s}\n' "$i" > "$ROOT/var/lib/kubelet/cpu_manager_state.tmp"
  mv "$ROOT/var/lib/kubelet/cpu_manager_state.tmp" "$ROOT/var/lib/kubelet/cpu_manager_state"
done
# A sentinel after the churn: once its drift is seen, the events before it have been read.
printf '10.0.0.7 sentinel\n' >> "$ROOT/etc/hosts"
wait_pod 10 "the sentinel's drift" pgw_is 1 driftd_drift_path 'path="/etc/hosts"'
paths=$(curl -s --max-time 5 "$PGW_URL/metrics" | grep '^driftd_drift_path{' | grep -F "instance=\"$NODE\"" |
  grep -o 'path="[^"]*"' | sort | xargs)
[[ $paths == 'path=/etc/hosts' ]] || fail "drifted paths after the pod churn: $paths"
pgw_is "$watches" driftd_watches || fail "watches went from $watches to $(pgw driftd_watches): a watch was added under /var/lib/kubelet"
[[ $(loki_count "/var/lib/kubelet/pods") == 0 ]] || fail "a Loki line names /var/lib/kubelet/pods"
grep -q 'var/lib/kubelet/pods' "$T/driftd.log" && fail "driftd logged something under /var/lib/kubelet/pods"

# kubeadm rewrites the kubelet config: a temp file renamed over it (a new inode).
sed 's/^maxPods: 110$/maxPods: 250/' "$ROOT/var/lib/kubelet/config.yaml" > "$ROOT/var/lib/kubelet/config.yaml.tmp"
mv "$ROOT/var/lib/kubelet/config.yaml.tmp" "$ROOT/var/lib/kubelet/config.yaml"
wait_pod 30 "the kubelet config's drift on Pushgateway" \
  pgw_is 1 driftd_drift_path 'path="/var/lib/kubelet/config.yaml"' 'kind="changed"' 'severity="critical"'
pgw_ge 1 driftd_drift_events_total 'severity="critical"' 'kind="changed"' 'cause="unexplained"' ||
  fail "no critical unexplained event counted (NodeDriftCritical would not fire)"
wait_pod 20 "the diff in Loki" loki_count_is 1 '"path":"/var/lib/kubelet/config.yaml"'
line=$(loki_lines '"path":"/var/lib/kubelet/config.yaml"')
grep -qF -- '-maxPods: 110' <<<"$line" && grep -qF -- '+maxPods: 250' <<<"$line" || fail "no diff in the Loki line: $line"
grep -qF '"severity":"critical"' <<<"$line" || fail "the Loki line is not critical: $line"
if grep -q 'Landlock follows inodes' "$T/driftd.log"; then
  ((RESTARTS == 1)) || fail "expected one exit-75 restart, saw $RESTARTS"
else
  ((RESTARTS == 0)) || fail "restarted $RESTARTS times without a Landlock replacement"
  echo "no Landlock on this kernel: the replaced file was read without a restart" >&2
fi
supervise
stop_driftd
echo PASS
