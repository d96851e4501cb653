# A tampered baseline: driftd_baseline_valid 0, the daemon stays up. Installing
# a good one with `driftctl baseline install` makes it valid again and clears
# the drift it accepts, without a restart. An older serial is refused. Loki
# gets a `heartbeat` line at start (serial, entries, version) and a `baseline`
# line for each baseline loaded (serial, created, key id), none for a refused one.
source "$(dirname "$0")/lib.sh"
make_baseline
cp "$T/state/baseline.drift" "$T/old.drift"
start_driftd
wait_until 30 "first full check pushed" first_check_done
serial1=$("$DRIFTCTL" baseline show --config "$CONFIG" "$T/state/baseline.drift" 2>/dev/null | awk '$1 == "serial:" {print $2}')
[[ -n $serial1 ]] || fail "no serial in baseline show"
wait_until 30 "the heartbeat line in Loki" loki_count_is 1 '"event":"heartbeat"'
line=$(loki_lines '"event":"heartbeat"')
for want in "\"baseline_serial\":$serial1" '"entries":' '"version":"'; do
  grep -qF "$want" <<<"$line" || fail "heartbeat line lacks $want: $line"
done
wait_until 30 "the baseline line in Loki" loki_count_is 1 '"event":"baseline"'
grep -qF "\"serial\":$serial1" <<<"$(loki_lines '"event":"baseline"')" || fail "baseline line: $(loki_lines '"event":"baseline"')"
printf 'drift\n' >> "$ROOT/etc/hosts"
wait_until 10 "drift seen" pgw_is 1 driftd_drift_detected
# Tamper in place (one byte of the payload).
python3 - "$T/state/baseline.drift" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[100] ^= 0xff
open(p + '.t', 'wb').write(b)
import os; os.rename(p + '.t', p)
PY
wait_until 10 "baseline_valid 0" pgw_is 0 driftd_baseline_valid
kill -0 "$DPID" || fail "driftd died on a tampered baseline"
grep -q "baseline not valid" "$T/driftd.log" || fail "no reason logged"
# Accept the current state into a new, higher-serial baseline and install it.
"$DRIFTCTL" accept --config "$CONFIG" --baseline "$T/old.drift" --all --output "$T/new.drift" \
  --signing-key "$T/key.pem" 2>/dev/null || fail "accept"
"$DRIFTCTL" baseline install --config "$CONFIG" "$T/new.drift" 2>/dev/null || fail "install"
wait_until 10 "baseline_valid 1" pgw_is 1 driftd_baseline_valid
wait_until 10 "drift cleared by the new baseline" pgw_is 0 driftd_drift_detected
# A rollback to the older serial, written past install (which refuses it too).
cp "$T/old.drift" "$T/state/.rollback" && mv "$T/state/.rollback" "$T/state/baseline.drift"
wait_until 10 "rollback refused" pgw_is 0 driftd_baseline_valid
grep -q "rollback refused" "$T/driftd.log" || fail "rollback not explained in the log"
# Two baselines loaded (the first, the accepted one); the tampered and the rolled-back one not.
wait_until 30 "the accepted baseline's line" loki_count_is 2 '"event":"baseline"'
stop_driftd
echo PASS
