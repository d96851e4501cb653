# README "Operator lifecycle": the Pushgateway part of removing a node and of uninstalling, as
# written there (the commands are read out of the README, PGW and NODE filled in), against a real
# Pushgateway of this test's own (Debian's prometheus-pushgateway, started as
# tests/daemon/servers.sh does: the uninstall loop deletes every driftd group, and the fixture's
# Pushgateway holds the other tests' groups). Two pods' driftd push (the real driftd, the pod's
# config), a third node "removed long ago" is a copy of a pod's exposition PUT as driftd PUTs it,
# and another job keeps a group under one of the node names. Checked: driftd's groups are keyed
# by exactly job and instance (so the documented URL is the whole group); the one-node delete
# removes that node's group only; after the pods stop, the uninstall loop removes every driftd
# group and nothing else.
source "$(dirname "$0")/node_lib.sh"
need jq "README's uninstall loop reads Pushgateway's group list with jq"
need prometheus-pushgateway "Debian package prometheus-pushgateway"

pgw_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-pushgateway --web.listen-address="127.0.0.1:$pgw_port" --persistence.file="$T/pgw.data" \
  >"$T/pgw.log" 2>&1 &
PGW_PID=$!
trap 'kill -TERM "$PGW_PID" "${BPID:-}" 2>/dev/null; cleanup; k8s_cleanup' EXIT
PGW_URL=http://127.0.0.1:$pgw_port
wait_until 30 "the test's Pushgateway is ready" curl -s --max-time 1 -o /dev/null -f "$PGW_URL/-/ready"

make_host_tree
write_pod_config                                  # pushes to $PGW_URL, this test's Pushgateway
make_pod_baseline
NODE_B=$NODE-b NODE_C=$NODE-gone
mkdir -p "$T/conf-b" "$T/state-b"
cp "$T/conf/key.pub" "$T/conf-b/key.pub"
PORT_B=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|^state_dir: .*|state_dir: $T/state-b|" -e "s|^baseline: .*|baseline: $T/state-b/baseline.drift|" \
  -e "s|^public_key: .*|public_key: $T/conf-b/key.pub|" -e "s|^listen: .*|listen: \"127.0.0.1:$PORT_B\"|" \
  "$CONFIG" > "$T/conf-b/config.yaml"
pod_driftd
NODE_NAME=$NODE_B "$DRIFTD" --config "$T/conf-b/config.yaml" --root "$ROOT" >>"$T/driftd-b.log" 2>&1 &
BPID=$!

# groups: "job instance" of every group on the test's Pushgateway, with its full label set.
groups() { curl -s --max-time 5 "$PGW_URL/api/v1/metrics" | jq -r '.data[].labels | [.job, .instance] | join(" ")' | sort; }
has_group() { groups | grep -qxF "$1"; }
wait_pod 180 "node a's group" has_group "driftd $NODE"
wait_pod 180 "node b's group" has_group "driftd $NODE_B"
keys=$(curl -s "$PGW_URL/api/v1/metrics" | jq -c '[.data[].labels | keys] | unique')
[[ $keys == '[["instance","job"]]' ]] || fail "driftd's groups are keyed by $keys, not exactly job and instance"
# A node removed long ago: its last exposition, PUT as driftd PUTs it; and another job's group.
curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" > "$T/exposition" || fail "node a's /metrics"
grep -q '^driftd_baseline_installed 1' "$T/exposition" || fail "node a's exposition: $(head -c 300 "$T/exposition")"
curl -s -f -X PUT --data-binary @"$T/exposition" "$PGW_URL/metrics/job/driftd/instance/$NODE_C" || fail "PUT node c"
printf 'node_textfile_thing 1\n' | curl -s -f -X PUT --data-binary @- "$PGW_URL/metrics/job/other/instance/$NODE" ||
  fail "PUT the other job's group"
[[ $(groups | grep -c '^driftd ') == 3 ]] || fail "expected three driftd groups: $(groups)"

# "A node leaves the cluster": node b (its pod is gone first, as it goes with its node).
kill -TERM "$BPID"; wait "$BPID"; BPID=""
one=$(grep -m1 -E '^curl -X DELETE PGW/metrics/job/driftd/instance/NODE$' "$REPO/README.md") ||
  fail "README has no one-node delete line 'curl -X DELETE PGW/metrics/job/driftd/instance/NODE'"
cmd=${one//PGW/$PGW_URL}
bash -c "${cmd%NODE}$NODE_B" 2>/dev/null ||   # 2>: curl's progress meter
  fail "the one-node delete failed"
has_group "driftd $NODE_B" && fail "node b's group is still there after the documented delete"
has_group "driftd $NODE" && has_group "driftd $NODE_C" && has_group "other $NODE" ||
  fail "the one-node delete took more than node b's group: $(groups)"

# "Uninstall": kubectl delete -k stops the pods (driftd pushes once more on SIGTERM), then the
# README's loop over the Pushgateway's groups.
stop_driftd
has_group "driftd $NODE" || fail "node a's group vanished on its own"
loop=$(sed -n '/^# every driftd group the Pushgateway holds/,/^  while read -r node; do curl/p' "$REPO/README.md")
[[ $(wc -l <<<"$loop") == 4 ]] || fail "README's uninstall loop not found as four lines: $loop"
bash -c "set -o pipefail; ${loop//PGW/$PGW_URL}" || fail "README's uninstall loop failed"
[[ $(groups) == "other $NODE" ]] || fail "after the uninstall loop the Pushgateway holds: $(groups)"
echo PASS
