# `expect:` rules under driftd: sshd_config's effective PasswordAuthentication
# must be "no". Clean at start (driftd_expectation_ok 1, no series); an edit
# to "yes" (in place) gives driftd_expectation_ok 0, a violation series
# naming rule and file, and one Loki line (kind="expectation") with file:line,
# expected and actual; a restart does not announce it again (the saved
# expectation-state); an Include'd drop-in that wins first is seen too; the
# fix by rename clears it, once.
source "$(dirname "$0")/lib.sh"
write_config "expect:
  - { name: no-passwords, file: /etc/ssh/sshd_config, key: PasswordAuthentication, equals: \"no\" }"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
wait_until 30 "expectations ok" pgw_is 1 driftd_expectation_ok
[[ -z $(pgw driftd_expectation_violations) ]] || fail "violations on a good file: $(pgw driftd_expectation_violations)"

SSHD=$ROOT/etc/ssh/sshd_config
sed -i 's/^PasswordAuthentication no/PasswordAuthentication yes/' "$SSHD"
grep -q 'PasswordAuthentication yes' "$SSHD" || fail "test setup: sed did not change the file"
wait_until 30 "expectation broken" pgw_is 0 driftd_expectation_ok
pgw_is 1 driftd_expectation_violations 'rule="no-passwords"' 'file="/etc/ssh/sshd_config"' ||
  fail "no violation series: $(pgw driftd_expectation_violations)"
wait_until 30 "the violation in Loki" loki_count_is 1 '"event":"expectation-violation"'
line=$(loki_lines '"event":"expectation-violation"')
for want in '"rule":"no-passwords"' '"file":"/etc/ssh/sshd_config"' '"line":2' '"actual":"yes"' '"expected":"equals no"'; do
  grep -qF "$want" <<<"$line" || fail "Loki line lacks $want: $line"
done
grep -q 'expect: no-passwords: /etc/ssh/sshd_config:2: ' "$T/driftd.log" || fail "violation not logged"
[[ -s $T/state/expectation-state ]] || fail "no expectation-state saved"

# A restart: still violated, not announced again.
stop_driftd
start_driftd
full_checks_ge() { [[ $(grep -c 'full check:' "$T/driftd.log") -ge $1 ]]; }
wait_until 60 "the full check after the restart" full_checks_ge 2

# Fixed in sshd_config, but an Include'd drop-in read first says yes: still violated.
mkdir -p "$ROOT/etc/ssh/sshd_config.d"
echo 'PasswordAuthentication yes' > "$ROOT/etc/ssh/sshd_config.d/50-cloud.conf"
{ echo 'Include /etc/ssh/sshd_config.d/*.conf'; echo 'PermitRootLogin no'; echo 'PasswordAuthentication no'; } > "$SSHD.new"
mv "$SSHD.new" "$SSHD"
wait_until 30 "the violation's value from the drop-in" grep -q 'expect: no-passwords: /etc/ssh/sshd_config.d/50-cloud.conf:1' "$T/driftd.log"
pgw_is 0 driftd_expectation_ok || fail "the drop-in's value not seen"
rm "$ROOT/etc/ssh/sshd_config.d/50-cloud.conf"
wait_until 30 "expectations ok again" pgw_is 1 driftd_expectation_ok
[[ -z $(pgw driftd_expectation_violations) ]] || fail "violation series left after the fix"
wait_until 30 "the cleared line in Loki" loki_count_is 2 '"event":"expectation-cleared"'
[[ $(loki_count '"event":"expectation-violation"') == 2 ]] ||
  fail "violations announced: want the edit and the drop-in's, got $(loki_lines '"event":"expectation-violation"')"
stop_driftd
echo PASS
