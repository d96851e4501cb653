# Shared helpers for the daemon tests: a fake node in a temp dir (read through
# `root:`), a signed baseline, driftd started on it, and queries against the
# real Pushgateway and Loki that servers.sh started (DRIFTD_SERVERS_ENV).
# Every wait polls a condition with a deadline; nothing sleeps a fixed time.
set -uo pipefail
DRIFTCTL=${DRIFTCTL:?DRIFTCTL must point at driftctl}
DRIFTD=${DRIFTD:?DRIFTD must point at driftd}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC1090
source "${DRIFTD_SERVERS_ENV:?run through ctest: the daemon_servers fixture sets DRIFTD_SERVERS_ENV}"
T=$(mktemp -d /tmp/driftd-daemon.XXXXXX)
NODE=node-${T##*.}            # one Pushgateway group and Loki node label per test
ROOT=$T/root
DPID=""
cleanup() {
  [[ -n $DPID ]] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
  curl -s --max-time 5 -X DELETE "$PGW_URL/metrics/job/driftd/instance/$NODE" >/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- driftd log:" >&2; tail -n 40 "$T/driftd.log" >&2 2>/dev/null
  exit 1
}
echo "daemon test on node $NODE against Loki: $LOKI_KIND" >&2

mkdir -p "$ROOT/etc/ssh" "$ROOT/usr/bin" "$T/state" "$T/conf"
CONFIG=$T/conf/config.yaml   # its own directory: Landlock grants the config's directory
printf '127.0.0.1 localhost\n' > "$ROOT/etc/hosts"
printf 'PermitRootLogin no\nPasswordAuthentication no\n' > "$ROOT/etc/ssh/sshd_config"
printf '#!/bin/sh\necho hi\n' > "$ROOT/usr/bin/tool"; chmod 755 "$ROOT/usr/bin/tool"

# A proc-like tree for the runtime kernel state: the suite's other tests load
# modules and set sysctls on the real kernel (the kubelet node does both), so
# the daemon tests read their own; runtime.sh changes it.
mkdir -p "$T/proc/proc/sys/kernel" "$T/proc/proc/sys/vm" "$T/proc/sys/module" "$T/proc/proc/self/ns"
printf '%s\n' "overlay 163840 14 - Live 0x0000000000000000" "nf_tables 290816 173 - Live 0x0000000000000000" \
  > "$T/proc/proc/modules"
echo 0 > "$T/proc/proc/sys/kernel/tainted"
echo 6.1.0-18-amd64 > "$T/proc/proc/sys/kernel/osrelease"
echo '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)' > "$T/proc/proc/sys/kernel/version"
echo 1 > "$T/proc/proc/sys/kernel/kptr_restrict"
echo 60 > "$T/proc/proc/sys/vm/swappiness"
echo 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=/dev/vda1 ro quiet' > "$T/proc/proc/cmdline"

# write_config [EXTRA YAML LINES]: the node's config, pointing at the test servers.
write_config() {
  cat > "$CONFIG" <<CFG
node: $NODE
root: $ROOT
state_dir: $T/state
baseline: $T/state/baseline.drift
public_key: $T/conf/key.pub
paths:
  - path: /etc
    exclude: ["*.swp"]
    ignore: [ctime]   # a revert cannot restore ctime; the tests revert under /etc
  - { path: /etc/ssh, severity: critical, ignore: [ctime] }
  - { path: /usr/bin, severity: critical }
content: { paths: [/etc] }
pushgateway: { url: "$PGW_URL", heartbeat: 60s }
loki: { url: "${LOKI_URL_OVERRIDE:-$LOKI_URL}" }
listen: ""
debounce: 100ms
runtime: { proc_root: "$T/proc", interval: ${RUNTIME_INTERVAL:-1s} }
${1:-}
CFG
}
write_config
"$DRIFTCTL" keygen --signing-key "$T/key.pem" --public-key "$T/conf/key.pub" 2>/dev/null || fail keygen
make_baseline() {
  "$DRIFTCTL" baseline create --config "$CONFIG" --output "$T/state/baseline.drift" \
    --signing-key "$T/key.pem" 2>/dev/null || fail "baseline create"
}

start_driftd() {
  DRIFTD_TEST_HOOKS=1 "$DRIFTD" --config "$CONFIG" >>"$T/driftd.log" 2>&1 &
  DPID=$!
}
stop_driftd() {
  kill -TERM "$DPID" 2>/dev/null
  wait "$DPID"
  local rc=$?
  DPID=""
  [[ $rc == 0 ]] || fail "driftd exited $rc on SIGTERM"
}

# wait_until SECONDS DESCRIPTION CMD...: polls CMD every 50 ms until it succeeds.
# The deadline only bounds a failure (the condition is polled): it is never
# shorter than WAIT_FLOOR (180 s), so no test assumes an idle machine (an ASan
# build on two busy cores handles a signal tens of seconds late).
wait_until() {
  local secs=$1 what=$2; shift 2
  ((secs >= ${WAIT_FLOOR:-180})) || secs=${WAIT_FLOOR:-180}
  local deadline=$((SECONDS + secs))
  until "$@"; do
    ((SECONDS < deadline)) || fail "timed out after ${secs}s waiting for: $what"
    [[ -z $DPID ]] || kill -0 "$DPID" 2>/dev/null || fail "driftd died while waiting for: $what"
    sleep 0.05
  done
}

# pgw NAME [LABEL_MATCH...]: the value of this node's series on Pushgateway
# (empty when absent). Each LABEL_MATCH is a literal like 'kind="changed"'.
pgw() {
  local name=$1; shift
  local lines
  lines=$(curl -s --max-time 5 "$PGW_URL/metrics" | grep "^$name{" | grep -F "instance=\"$NODE\"")
  for m in "$@"; do lines=$(grep -F -- "$m" <<<"$lines"); done
  [[ -n $lines ]] && awk '{print $NF}' <<<"$lines" | head -n1
}
pgw_is() { local want=$1; shift; [[ "$(pgw "$@")" == "$want" ]]; }
pgw_ge() { local want=$1; shift; local v; v=$(pgw "$@"); [[ -n $v ]] && python3 -c "import sys; sys.exit(0 if float('$v') >= $want else 1)"; }
first_check_done() { pgw_ge 1 driftd_last_full_scan_timestamp_seconds; }

# loki_lines [FILTER]: this node's Loki lines, oldest first, one per line.
loki_lines() {
  local q="{job=\"driftd\",node=\"$NODE\"}"
  [[ -n ${1:-} ]] && q="$q |= $(python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1")"
  curl -s --max-time 10 -G "${LOKI_QUERY_URL:-$LOKI_URL}/loki/api/v1/query_range" \
    --data-urlencode "query=$q" --data-urlencode "start=$(( $(date +%s) - 3600 ))000000000" \
    --data-urlencode "end=$(( $(date +%s) + 600 ))000000000" \
    --data-urlencode "limit=5000" --data-urlencode "direction=forward" |
    python3 -c '
import json, sys
doc = json.load(sys.stdin)
vals = [v for s in doc["data"]["result"] for v in s["values"]]
for ts, line in sorted(vals, key=lambda v: int(v[0])):
    print(line)'
}
loki_count() { loki_lines "${1:-}" | wc -l; }
loki_count_is() { [[ "$(loki_count "$2")" == "$1" ]]; }
# path_absent PATH: no driftd_drift_path series for PATH (polled by wait_until).
path_absent() { [[ -z $(pgw driftd_drift_path "path=\"$1\"") ]]; }
