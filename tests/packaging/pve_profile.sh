# The Proxmox profile (packaging/pve.yaml): driftctl accepts it (the exports:
# keys included), it selects what it should on a fake Proxmox tree (pmxcfs and
# LVM's metadata copies left out, NFS and binaries critical), and once
# `driftctl exports check` exists, its rules pass the host's correct exports
# and catch the SEV1 file (fsid=0 on /srv/nfs) on the right line.
source "$(dirname "$0")/lib.sh"
need python3
PROFILE=$SRC/packaging/pve.yaml
"$DRIFTCTL" config show --config "$PROFILE" > "$T/eff" 2> "$T/err" ||
  { cat "$T/err" >&2; fail "driftctl config show refuses packaging/pve.yaml"; }
for want in 'enabled: true' 'allowed_clients: [10.0.20.0/22, 192.168.1.0/24]' 'path: /srv/nfs' 'path: /srv/nfs-ssd' \
            'forbid: [fsid=0]' 'etab: true'; do
  grep -qF -- "$want" "$T/eff" || { cat "$T/eff" >&2; fail "effective profile lacks '$want'"; }
done

# A fake Proxmox host.
R=$T/root
mkdir -p "$R/etc/pve/nodes/pve" "$R/etc/lvm/archive" "$R/etc/lvm/backup" "$R/etc/ssh" "$R/etc/systemd/system" \
         "$R/usr/bin" "$R/usr/sbin" "$R/usr/local/bin"
printf 'cluster\n' > "$R/etc/pve/nodes/pve/qemu.conf"
printf 'vg\n' > "$R/etc/lvm/archive/pve_00001.vg"; printf 'vg\n' > "$R/etc/lvm/backup/pve"
printf 'global {}\n' > "$R/etc/lvm/lvm.conf"
printf 'PermitRootLogin prohibit-password\n' > "$R/etc/ssh/sshd_config"
cat > "$R/etc/exports" <<'X'
# /etc/exports on the Proxmox host (git-managed, deployed with scp)
/srv/nfs      10.0.20.0/22(rw,async,insecure,no_subtree_check) 192.168.1.0/24(rw,async,insecure,no_subtree_check)
/srv/nfs-ssd  10.0.20.0/22(rw,async,insecure,no_subtree_check,fsid=1) 192.168.1.0/24(rw,async,insecure,no_subtree_check,fsid=1)
X
printf '[nfsd]\nvers3=n\n' > "$R/etc/nfs.conf"
printf '[Unit]\n' > "$R/etc/systemd/system/nfs-change-tracker.service"
printf '#!/bin/sh\n' > "$R/usr/local/bin/nfs-mirror"; chmod 755 "$R/usr/local/bin/nfs-mirror"
printf 'ELF' > "$R/usr/sbin/exportfs"; printf 'ELF' > "$R/usr/bin/ls"

"$DRIFTCTL" baseline create --config "$PROFILE" --root "$R" --output "$T/pve.drift" --quiet 2> "$T/err" ||
  { cat "$T/err" >&2; fail "baseline create with the profile"; }
"$DRIFTCTL" baseline show --json --allow-unsigned "$T/pve.drift" > "$T/show.json" 2>/dev/null || fail "baseline show"
python3 - "$T/show.json" <<'PY' || fail "the profile selects the wrong entries"
import json, sys
doc = json.load(open(sys.argv[1]))
sev = {e["path"]: e["severity"] for e in doc["entries"]}
bad = [p for p in sev if p.startswith(("/etc/pve", "/etc/lvm/archive", "/etc/lvm/backup"))]
if bad: sys.exit("recorded although excluded: %s" % bad)
want = {"/etc/lvm/lvm.conf": "warning", "/etc/exports": "critical", "/etc/nfs.conf": "critical",
        "/etc/ssh/sshd_config": "critical", "/etc/systemd/system/nfs-change-tracker.service": "critical",
        "/usr/local/bin/nfs-mirror": "critical", "/usr/sbin/exportfs": "critical", "/usr/bin/ls": "critical"}
for p, s in want.items():
    if sev.get(p) != s: sys.exit("%s: severity %s, expected %s" % (p, sev.get(p), s))
PY

"$DRIFTCTL" exports check --config "$PROFILE" --root "$R" > "$T/out" 2>&1
rc=$?
[[ $rc == 0 ]] || { cat "$T/out" >&2; fail "the host's correct exports fail the profile's rules (exit $rc)"; }
# The SEV1: fsid=0 on /srv/nfs, line 2.
sed -i '2s/no_subtree_check)/no_subtree_check,fsid=0)/' "$R/etc/exports"
"$DRIFTCTL" exports check --config "$PROFILE" --root "$R" > "$T/out" 2>&1
rc=$?
cat "$T/out" >&2
(( rc & 4 )) || fail "fsid=0 on /srv/nfs not reported (exit $rc)"
grep -q '/etc/exports:2:.*fsid' "$T/out" || fail "no violation naming /etc/exports:2 and fsid"
echo PASS
