#!/usr/bin/env bash
# A root that does not exist, is a file, or holds none of the configured
# paths (a missing hostPath mount) is exit 20 for create, check and accept,
# never "every path removed". And a file restored to its baseline content
# with a new inode and new times (sed -i, an editor) is reverted: check is
# clean (exit 0) and lists it under "touched" in --json.
source "$(dirname "$0")/lib.sh"
make_baseline
for root in /nonexistent "$T/config.yaml" "$T/empty"; do
  mkdir -p "$T/empty"
  run 20 baseline create --config "$T/config.yaml" --root "$root" --output "$T/x.drift"
  has "root" err
  run 20 check --config "$T/config.yaml" --root "$root"
  run 20 accept --config "$T/config.yaml" --root "$root" --all --output "$T/x.drift"
done
has "none of the" err   # the last one: an empty directory

# The revert: a new inode and new times, the same content and mode.
cp -p "$ROOT/etc/ssh/sshd_config" "$T/sshd.orig"
sed -i 's/PermitRootLogin no/PermitRootLogin yes/' "$ROOT/etc/ssh/sshd_config"
check 4
has "changed [critical] /etc/ssh/sshd_config"
sed -i 's/PermitRootLogin yes/PermitRootLogin no/' "$ROOT/etc/ssh/sshd_config"
chmod --reference="$T/sshd.orig" "$ROOT/etc/ssh/sshd_config"
check 0
run 0 check --config "$T/config.yaml" --json
python3 - "$T/out" <<'PY' || fail "the revert is not listed as touched"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["drift"] == [], doc["drift"]
touched = {t["path"]: t["changed"] for t in doc["touched"]}
assert "mtime" in touched["/etc/ssh/sshd_config"], touched  # (the inode number may be reused)
PY
echo PASS
