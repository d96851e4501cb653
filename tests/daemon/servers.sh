#!/usr/bin/env bash
# servers.sh start|stop DIR: the real servers the daemon tests talk to.
#  - Pushgateway: Debian's prometheus-pushgateway on a free 127.0.0.1 port,
#    with a temp persistence file.
#  - Loki: the real Grafana Loki 3.4.6 from ../shared/loki/start-loki when it
#    is there (as in CI); otherwise this project's Loki test double
#    (tests/daemon/loki_double.py). Which one ran is printed and recorded.
# `start` writes DIR/servers.env (PGW_URL, LOKI_URL, LOKI_KIND, pids) for the tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cmd=${1:?usage: servers.sh start|stop DIR}
dir=${2:?usage: servers.sh start|stop DIR}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_loki DATA_DIR: prints "KIND PID PORT".
start_loki() {
  local data=$1 port=${2:-} shared=${DRIFTD_SHARED:-$repo/../shared}
  mkdir -p "$data"
  if [[ -x $shared/loki/start-loki ]]; then
    local pid
    pid=$("$shared/loki/start-loki" "$data" $port)
    echo "real-loki-3.4.6 $pid $(cat "$data/http_port")"
  else
    rm -f "$data/http_port"
    python3 "$here/loki_double.py" "$data" $port >"$data/loki.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 200); do
      [[ -s $data/http_port ]] && curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$(cat "$data/http_port")/ready" && break
      sleep 0.05
    done
    echo "loki-test-double $pid $(cat "$data/http_port")"
  fi
}

case $cmd in
  start)
    mkdir -p "$dir"
    command -v prometheus-pushgateway >/dev/null || { echo "servers: prometheus-pushgateway missing" >&2; exit 1; }
    pgw_port=$(free_port)
    prometheus-pushgateway --web.listen-address="127.0.0.1:$pgw_port" --persistence.file="$dir/pgw.data" \
      >"$dir/pgw.log" 2>&1 &
    pgw_pid=$!
    for _ in $(seq 1 200); do
      curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$pgw_port/-/ready" && break
      sleep 0.05
    done
    read -r loki_kind loki_pid loki_port < <(start_loki "$dir/loki")
    cat > "$dir/servers.env" <<ENV
PGW_URL=http://127.0.0.1:$pgw_port
PGW_PID=$pgw_pid
LOKI_URL=http://127.0.0.1:$loki_port
LOKI_PID=$loki_pid
LOKI_KIND=$loki_kind
ENV
    echo "servers: Pushgateway on 127.0.0.1:$pgw_port, Loki ($loki_kind) on 127.0.0.1:$loki_port" >&2
    ;;
  start-loki)  # for a test that needs its own Loki: DIR [PORT]; prints "KIND PID PORT"
    start_loki "$dir" "${3:-}"
    ;;
  stop)
    [[ -f $dir/servers.env ]] || exit 0
    # shellcheck disable=SC1091
    source "$dir/servers.env"
    kill -TERM "$PGW_PID" "$LOKI_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$PGW_PID" 2>/dev/null || kill -0 "$LOKI_PID" 2>/dev/null || break
      sleep 0.1
    done
    rm -rf "$dir"
    ;;
  *) echo "usage: servers.sh start|stop DIR" >&2; exit 2 ;;
esac
