# A 0600 file and a *.key file that change: their Loki lines carry hashes,
# never their content; a world-readable text file's line carries its diff.
source "$(dirname "$0")/lib.sh"
printf 'token: old-secret-AAAA\n' > "$ROOT/etc/private.conf"; chmod 600 "$ROOT/etc/private.conf"
printf 'old-key-BBBB\n' > "$ROOT/etc/service.key"; chmod 644 "$ROOT/etc/service.key"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
printf 'token: new-secret-CCCC\n' > "$ROOT/etc/private.conf"
printf 'new-key-DDDD\n' > "$ROOT/etc/service.key"
wait_until 20 "two lines in Loki" loki_count_is 2 '"event":"drift"'
lines=$(loki_lines)
for secret in old-secret-AAAA new-secret-CCCC old-key-BBBB new-key-DDDD; do
  grep -qF "$secret" <<<"$lines" && fail "secret $secret reached Loki: $lines"
done
grep -F '"path":"/etc/private.conf"' <<<"$lines" | grep -q '"new_sha256"' || fail "0600 file line has no hash"
grep -F '"path":"/etc/service.key"' <<<"$lines" | grep -q '"new_sha256"' || fail "*.key line has no hash"
grep -q '"diff"' <<<"$lines" && fail "a diff of a secret reached Loki"
grep -qE 'secret|key-' "$T/driftd.log" && fail "secret content in the log"
stop_driftd
echo PASS
