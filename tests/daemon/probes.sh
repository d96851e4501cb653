# driftd's own listener: /healthz answers from the event loop ("ok: ..." with
# the baseline state), /readyz once the first full check is done, /metrics
# holds driftd's families and no unprefixed exposer_* series, anything else
# is 404; a listen address already taken is logged and driftd runs on.
source "$(dirname "$0")/lib.sh"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_config "listen: \"127.0.0.1:$PORT\""
sed -i '/^listen: ""$/d' "$CONFIG"
make_baseline
start_driftd
code() { curl -s --max-time 5 -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$PORT$1"; }
code_is() { [[ $(code "$2") == "$1" ]]; }
wait_until 30 "/readyz ready" code_is 200 /readyz
grep -q '^ready: last full check' "$T/body" || fail "readyz body: $(cat "$T/body")"
code_is 200 /healthz || fail "/healthz not 200: $(cat "$T/body")"
grep -q '^ok: last full check .* ago; baseline serial [0-9]* valid$' "$T/body" || fail "healthz body: $(cat "$T/body")"
code_is 200 /metrics || fail "/metrics not 200"
grep -q '^driftd_files_monitored' "$T/body" || fail "/metrics lacks driftd's families"
! grep -q '^exposer_' "$T/body" || fail "/metrics still has exposer_* series"
code_is 404 /nothing || fail "/nothing is not 404"
# The port taken: logged, driftd runs on without a listener.
stop_driftd
python3 -c 'import socket,time,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); open(sys.argv[2], "w").close(); time.sleep(600)' "$PORT" "$T/held" &
BLOCKER=$!
trap 'kill $BLOCKER 2>/dev/null; cleanup' EXIT
wait_until 10 "the port held by another process" test -e "$T/held"
start_driftd
wait_until 30 "the listen failure logged" grep -q "cannot listen on 127.0.0.1:$PORT" "$T/driftd.log"
wait_until 30 "the first check pushed anyway" first_check_done
stop_driftd
echo PASS
