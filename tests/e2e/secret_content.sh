#!/usr/bin/env bash
# Secrets found by what the file holds, not by its name: the review's seven
# world-readable files under a content path (names no `content.never` glob
# matches) are hashed, never snapshotted, and their drift shows hashes; no
# secret text reaches the baseline (index or snapshot members) or a report.
# An ordinary file beside them is still snapshotted and diffed.
source "$(dirname "$0")/lib.sh"
command -v zstd >/dev/null || { echo "SKIP: zstd missing (to read the archive's members)"; exit 77; }
mkdir -p "$ROOT/etc/app" "$ROOT/etc/wireguard"

# write_secrets GENERATION: every secret value carries SEKRIT<generation>.
write_secrets() {
  local g=$1
  cat > "$ROOT/etc/app/admin.yaml" <<EOF
apiVersion: v1
kind: Config
users:
- name: kubernetes-admin
  user:
    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
    client-key-data: LS0tSEKRIT${g}kubeS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVk=
EOF
  printf '[Interface]\nAddress = 10.9.0.1/24\nPrivateKey = SEKRIT%swgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n' "$g" \
    > "$ROOT/etc/wireguard/wg0.conf"
  printf '# created: 2024-05-01T00:00:00Z\nAGE-SECRET-KEY-1SEKRIT%sAGEQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n' "$g" \
    > "$ROOT/etc/app/keys.txt"
  printf 'PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nSEKRIT%sppkAAAAIBb\n' "$g" \
    > "$ROOT/etc/app/deploy.ppk"
  printf 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiJ9.SEKRIT%sjwt_dozjgNryP4J3jVmNHl0w5N\n' "$g" \
    > "$ROOT/etc/app/bearer"
  printf 'API_URL=https://api.example.com\nAPI_HEADER="Authorization: Bearer SEKRIT%senv0123456789"\n' "$g" \
    > "$ROOT/etc/app/.env"
  printf '[database]\nhost = db.local\ndb_password = SEKRIT%sini\n' "$g" > "$ROOT/etc/app/db.ini"
}
secrets=(/etc/app/admin.yaml /etc/wireguard/wg0.conf /etc/app/keys.txt /etc/app/deploy.ppk /etc/app/bearer
         /etc/app/.env /etc/app/db.ini)
write_secrets 1
printf 'mode = calm\n' > "$ROOT/etc/app/ordinary.conf"
chmod 644 "$ROOT/etc/app/"* "$ROOT/etc/app/.env" "$ROOT/etc/wireguard/wg0.conf"
make_baseline

# The index: the seven are hashed, not snapshotted; the ordinary file is.
run 0 baseline show --public-key "$T/key.pub" --json "$T/state/baseline.drift"
hasnt "SEKRIT"
python3 - "$T/out" "${secrets[@]}" <<'PY' || fail "snapshot flags"
import json, sys
d = {e["path"]: e for e in json.load(open(sys.argv[1]))["entries"]}
assert d["/etc/app/ordinary.conf"]["snapshot"] is True
for p in sys.argv[2:]:
    assert d[p]["snapshot"] is False, p
    assert d[p]["sha256"] not in (None, ""), p   # schema 2: an absent hash is null
PY
# Every member of the archive (meta, index, snapshots/<sha256>), decompressed.
mkdir "$T/members"
head -c -166 "$T/state/baseline.drift" | zstd -dq | tar -x -C "$T/members" || fail "cannot unpack the baseline"
[[ $(ls "$T/members/snapshots" | wc -l) -ge 2 ]] || fail "expected the ordinary files' snapshots"
grep -rq "SEKRIT" "$T/members" && fail "secret text in the baseline archive: $(grep -rl SEKRIT "$T/members")"
grep -rqx "mode = calm" "$T/members/snapshots" || fail "the ordinary file was not snapshotted"

# Drift: new secrets, a changed ordinary file. Hashes for the seven, a diff for the ordinary one.
write_secrets 2
printf 'mode = storm\n' > "$ROOT/etc/app/ordinary.conf"
check 4
for p in "${secrets[@]}"; do has "changed [warning] $p"; done
[[ $(grep -c "^  sha256: " "$T/out") -ge 8 ]] || { cat "$T/out"; fail "expected old -> new hashes for each changed file"; }
hasnt "SEKRIT"
has "-mode = calm"
has "+mode = storm"
check 4 --json
hasnt "SEKRIT"
python3 - "$T/out" "${secrets[@]}" <<'PY' || fail "json drift"
import json, sys
d = {x["path"]: x for x in json.load(open(sys.argv[1]))["drift"]}
assert "+mode = storm" in d["/etc/app/ordinary.conf"]["diff"]
for p in sys.argv[2:]:
    assert "diff" not in d[p], p
    assert d[p]["changed"]["sha256"]["old"] != d[p]["changed"]["sha256"]["new"], p
PY
echo "secret_content: ok"
