# Shared helpers for the packaging tests: the unit file with ExecStart pointing
# at the built binary, skips for missing tools, and polling with a deadline.
set -uo pipefail
DRIFTD=${DRIFTD:?DRIFTD must point at the driftd binary}
DRIFTCTL=${DRIFTCTL:?DRIFTCTL must point at the driftctl binary}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
UNIT_SRC=$SRC/packaging/driftd.service
T=$(mktemp -d /tmp/driftd-pkg.XXXXXX)
cleanup_hooks=()
cleanup() {
  local h
  for h in "${cleanup_hooks[@]}"; do eval "$h"; done
  rm -rf "$T"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
need() { local t; for t in "$@"; do command -v "$t" >/dev/null || skip "$t is not installed (packaging/install-deps.sh --tests)"; done; }
need_root() { [[ $(id -u) == 0 ]] || skip "needs root"; }

# unit_for_build: writes $UNIT, the packaged unit with ExecStart= pointing at
# the built driftd (systemd-analyze checks that the binary exists).
UNIT=$T/unit/driftd.service
unit_for_build() {
  mkdir -p "$T/unit"
  sed "s|^ExecStart=/usr/bin/driftd\$|ExecStart=$DRIFTD|" "$UNIT_SRC" > "$UNIT"
  grep -qx "ExecStart=$DRIFTD" "$UNIT" || fail "no ExecStart=/usr/bin/driftd line in $UNIT_SRC"
}

# unit_value KEY: every value of KEY= in the packaged unit, one per line.
unit_value() { sed -n "s/^$1=//p" "$UNIT_SRC"; }

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
    sleep 0.05
  done
}

# free_port: a TCP port nothing listens on right now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The unit's capability bounding set and no-new-privs, applied by setpriv the
# way systemd applies them to a root service (no inheritable capabilities).
unit_setpriv() {
  local caps="" c
  for c in $(unit_value CapabilityBoundingSet); do
    c=${c#CAP_}; caps+=",+${c,,}"
  done
  [[ $(unit_value NoNewPrivileges) == yes ]] || fail "the unit does not set NoNewPrivileges=yes"
  SP=(setpriv --bounding-set "-all$caps" --inh-caps -all --no-new-privs)
}

# make_node [EXTRA YAML]: a fake host under $T/root with a root-only file
# (/etc/secret, mode 0000), its config ($CONFIG, listening on $PORT, sinks
# pointing at closed local ports) and a signed baseline made under $SP.
make_node() {
  ROOT=$T/root
  mkdir -p "$ROOT/etc/ssh" "$ROOT/usr/bin" "$T/conf" "$T/state"
  printf '127.0.0.1 localhost\n' > "$ROOT/etc/hosts"
  printf 'PermitRootLogin no\n' > "$ROOT/etc/ssh/sshd_config"
  printf 'root-only secret\n' > "$ROOT/etc/secret"; chmod 0000 "$ROOT/etc/secret"
  printf '#!/bin/sh\necho hi\n' > "$ROOT/usr/bin/tool"; chmod 755 "$ROOT/usr/bin/tool"
  # dpkg's database and locks, which driftd reads to tell package drift from unexplained.
  mkdir -p "$ROOT/var/lib/dpkg/info"
  printf 'Package: tool\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n' > "$ROOT/var/lib/dpkg/status"
  printf '/usr/bin/tool\n' > "$ROOT/var/lib/dpkg/info/tool.list"
  : > "$ROOT/var/lib/dpkg/lock"; : > "$ROOT/var/lib/dpkg/lock-frontend"
  PORT=$(free_port)
  local closed; closed=$(free_port)
  CONFIG=$T/conf/config.yaml
  cat > "$CONFIG" <<CFG
node: pkg-${T##*.}
root: $ROOT
state_dir: $T/state
baseline: $T/state/baseline.drift
public_key: $T/conf/key.pub
paths:
  - { path: /etc, ignore: [ctime] }
  - { path: /usr/bin, severity: critical }
content: { paths: [/etc] }
pushgateway: { url: "http://localhost:$closed", heartbeat: 60s }   # a name: resolution is covered too
loki: { url: "http://localhost:$closed" }
listen: "127.0.0.1:$PORT"
debounce: 100ms
${1:-}
CFG
  "$DRIFTCTL" keygen --signing-key "$T/key.pem" --public-key "$T/conf/key.pub" 2>/dev/null || fail keygen
  "${SP[@]}" "$DRIFTCTL" baseline create --config "$CONFIG" --output "$T/state/baseline.drift" \
    --signing-key "$T/key.pem" --quiet 2>"$T/create.err" || { cat "$T/create.err" >&2; fail "baseline create under ${SP[*]}"; }
}

# metric NAME [LABEL_MATCH...]: the value of a series on driftd's /metrics.
metric() {
  local name=$1; shift
  local lines
  lines=$(curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | grep -E "^$name(\{| )")
  for m in "$@"; do lines=$(grep -F -- "$m" <<<"$lines"); done
  [[ -n $lines ]] && awk '{print $NF}' <<<"$lines" | head -n1
}
metric_is() { local want=$1; shift; [[ "$(metric "$@")" == "$want" ]]; }
first_check_done() { [[ "$(metric driftd_last_full_scan_timestamp_seconds)" =~ ^[1-9] ]]; }

# expand_filter ITEM...: the syscalls a SystemCallFilter= list names, one per
# line; @groups are expanded (recursively) by systemd-analyze syscall-filter.
expand_filter() {
  local item sub
  for item in "$@"; do
    if [[ $item == @* ]]; then
      while read -r sub; do expand_filter "$sub"; done < <(
        systemd-analyze syscall-filter "$item" | sed -e 1d -e 's/^[[:space:]]*//' -e '/^#/d' -e '/^$/d')
    else
      echo "$item"
    fi
  done
}
