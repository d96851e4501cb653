# A 0600 file, a *.key file and a world-readable file whose content holds a
# credential line that change: their Loki lines carry hashes, never their
# content; a world-readable text file's line carries its diff.
source "$(dirname "$0")/lib.sh"
printf 'token: old-secret-AAAA\n' > "$ROOT/etc/private.conf"; chmod 600 "$ROOT/etc/private.conf"
printf 'old-key-BBBB\n' > "$ROOT/etc/service.key"; chmod 644 "$ROOT/etc/service.key"
printf '[db]\ndb_password = old-pass-EEEE\n' > "$ROOT/etc/app.ini"; chmod 644 "$ROOT/etc/app.ini"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
printf 'token: new-secret-CCCC\n' > "$ROOT/etc/private.conf"
printf 'new-key-DDDD\n' > "$ROOT/etc/service.key"
printf '[db]\ndb_password = new-pass-FFFF\n' > "$ROOT/etc/app.ini"
wait_until 20 "three lines in Loki" loki_count_is 3 '"event":"drift"'
lines=$(loki_lines)
for secret in old-secret-AAAA new-secret-CCCC old-key-BBBB new-key-DDDD old-pass-EEEE new-pass-FFFF; do
  grep -qF "$secret" <<<"$lines" && fail "secret $secret reached Loki: $lines"
done
grep -F '"path":"/etc/private.conf"' <<<"$lines" | grep -q '"new_sha256"' || fail "0600 file line has no hash"
grep -F '"path":"/etc/service.key"' <<<"$lines" | grep -q '"new_sha256"' || fail "*.key line has no hash"
grep -F '"path":"/etc/app.ini"' <<<"$lines" | grep -q '"new_sha256"' || fail "credential-line file has no hash"
grep -q '"diff"' <<<"$lines" && fail "a diff of a secret reached Loki"
grep -qE 'secret|key-|pass-' "$T/driftd.log" && fail "secret content in the log"
stop_driftd
echo PASS
