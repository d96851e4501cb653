#!/bin/bash
# driftctl exports check on a fake Proxmox host (--root): the SEV1 file, the
# host's correct file with its etab and nfs.conf under the Proxmox profile,
# runtime drift, the world-export space, warnings, JSON, escaping, errors.
. "$(dirname "$0")/lib.sh"
PROFILE=$(dirname "$0")/../../packaging/pve.yaml
mkdir -p "$ROOT/etc/exports.d" "$ROOT/var/lib/nfs" "$ROOT/srv/nfs" "$ROOT/srv/nfs-ssd"
printf 'root: %s\n' "$ROOT" > "$T/defaults.yaml"   # nothing configured: the defaults of issue 5
xcheck() { run "$1" exports check --root "$ROOT" "${@:2}"; }

# Nothing exported: clean, and it says what it could not check.
xcheck 0
has "exports check: 0 critical, 0 warnings"
has "note: no /etc/exports" err

# The SEV1: fsid=0 on /srv/nfs, caught on its line with the defaults.
cat > "$ROOT/etc/exports" <<'EOF'
# /etc/exports on pve (192.168.1.127), git-managed: infra/scripts/pve-nfs-exports
# deploy: scp scripts/pve-nfs-exports root@192.168.1.127:/etc/exports && ssh root@192.168.1.127 exportfs -ra
#
# async: UPS-backed, databases are on block storage; insecure: pfSense NATs source ports > 1024.

# HDD, 3 TB thin LV pve/nfs-data
/srv/nfs      10.0.20.0/22(rw,async,insecure,no_subtree_check,fsid=0) 192.168.1.0/24(rw,async,insecure,no_subtree_check,fsid=0)

# SSD, 100 GB LV ssd/nfs-ssd-data
/srv/nfs-ssd  10.0.20.0/22(rw,async,insecure,no_subtree_check,fsid=1) \
              192.168.1.0/24(rw,async,insecure,no_subtree_check,fsid=1)
EOF
xcheck 4 --config "$T/defaults.yaml"
has "/etc/exports:7: fsid-root: fsid=0 makes '/srv/nfs' the NFSv4 pseudo-root"
has "exports check: 1 critical, 0 warnings"

# The host's correct file, etab as `exportfs -ra` writes it, nfs.conf with vers3=n: clean under the profile.
sed -i 's/,fsid=0)/)/g' "$ROOT/etc/exports"
opts='wdelay,hide,nocrossmnt,insecure,root_squash,no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs'
tail_opts='anonuid=65534,anongid=65534,sec=sys,rw,insecure,root_squash,no_all_squash'
{
  for net in 10.0.20.0/22 192.168.1.0/24; do printf '/srv/nfs\t%s(rw,async,%s,%s)\n' $net $opts $tail_opts; done
  for net in 10.0.20.0/22 192.168.1.0/24; do printf '/srv/nfs-ssd\t%s(rw,async,%s,fsid=1,%s)\n' $net $opts $tail_opts; done
} > "$ROOT/var/lib/nfs/etab"
printf '[general]\npipefs-directory=/run/rpc_pipefs\n\n[nfsd]\nvers3=n\nvers4=y\n' > "$ROOT/etc/nfs.conf"
[[ -f $PROFILE ]] || { echo "no $PROFILE" >&2; exit 1; }
xcheck 0 --config "$PROFILE"
has "exports check: 0 critical, 0 warnings"
hasnt "note:" err
xcheck 0 --config "$PROFILE" --json
python3 - "$T/out" <<'EOF' || fail "JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["violations"] == [] and d["summary"]["exit_code"] == 0, d
for f in ["/etc/exports", "/etc/exports.d", "/var/lib/nfs/etab", "/etc/nfs.conf", "/etc/nfs.conf.d"]:
    assert f in d["files"], (f, d["files"])
EOF

# Edited but not applied: a new export, and v3 switched back on in a drop-in.
printf '/srv/scratch 10.0.20.0/22(rw,async,insecure)\n' > "$ROOT/etc/exports.d/scratch.exports"
mkdir -p "$ROOT/etc/nfs.conf.d" && printf '[nfsd]\nvers3 = y\n' > "$ROOT/etc/nfs.conf.d/legacy.conf"
xcheck 4 --config "$PROFILE"
has "/etc/exports.d/scratch.exports:1: etab-drift: '/srv/scratch' to '10.0.20.0/22' is in /etc/exports.d/scratch.exports but not exported (not in /var/lib/nfs/etab): run \`exportfs -ra\`"
has "/etc/nfs.conf.d/legacy.conf:2: nfs-conf: [nfsd] vers3 is 'y', expected 'n'"
rm "$ROOT/etc/exports.d/scratch.exports" "$ROOT/etc/nfs.conf.d/legacy.conf"

# Applied but gone from the file.
printf '/srv/old\t10.0.20.0/22(rw,async,%s,%s)\n' $opts $tail_opts >> "$ROOT/var/lib/nfs/etab"
xcheck 4 --config "$PROFILE"
has "/var/lib/nfs/etab:5: etab-drift: '/srv/old' to '10.0.20.0/22' is exported but in no exports file"
sed -i '/^\/srv\/old/d' "$ROOT/var/lib/nfs/etab"

# The world-export space, and a client outside the cluster's networks.
printf '/srv/nfs-ssd  nas.lan (rw)\n/srv/nfs  10.0.40.0/24(rw,async,insecure)\n' > "$ROOT/etc/exports.d/zz-new.exports"
xcheck 4 --config "$T/defaults.yaml" --json
python3 - "$T/out" <<'EOF' || fail "JSON of the space"
import json, sys
d = json.load(open(sys.argv[1]))
v = [x for x in d["violations"] if x["rule"] == "world-export-space"]
assert len(v) == 1 and v[0]["file"] == "/etc/exports.d/zz-new.exports" and v[0]["line"] == 1, d
assert v[0]["text"] == "nas.lan (rw)" and v[0]["path"] == "/srv/nfs-ssd" and v[0]["severity"] == "critical", v
assert d["summary"]["exit_code"] == 4
EOF
xcheck 4 --config "$PROFILE"
has "/etc/exports.d/zz-new.exports:2: client-not-allowed: client '10.0.40.0/24' of '/srv/nfs' is outside allowed_clients: 10.0.20.0/22, 192.168.1.0/24"
rm "$ROOT/etc/exports.d/zz-new.exports"

# Warnings print but do not fail the check.
sed -i 's/async,insecure,/async,insecure,no_root_squash,/g' "$ROOT/etc/exports"
sed -i 's/insecure,root_squash,no_all_squash,no_subtree/insecure,no_root_squash,no_all_squash,no_subtree/; s/sec=sys,rw,insecure,root_squash/sec=sys,rw,insecure,no_root_squash/' "$ROOT/var/lib/nfs/etab"
xcheck 0 --config "$PROFILE"
has "/etc/exports:7: option-warn: warning: '/srv/nfs' to '10.0.20.0/22' has the option 'no_root_squash'"
has "exports check: 0 critical, 4 warnings"

# Host bytes are escaped like every path driftctl prints.
printf '/srv/x *(rw,bogus)\n' > "$ROOT/etc/exports.d/tab"$'\t'"name.exports"
xcheck 4 --config "$T/defaults.yaml"
has '/etc/exports.d/tab\tname.exports:1: parse-error: unknown option '"'bogus'"
rm "$ROOT/etc/exports.d/tab"$'\t'"name.exports"

# Errors are 16+: a config error names the key and the line; a missing root is I/O.
printf 'exports:\n  rules:\n    - path: /srv/nfs\n      require: [asynch]\n' > "$T/bad.yaml"
xcheck 16 --config "$T/bad.yaml"
has "bad.yaml:4: exports.rules[].require: unknown option 'asynch'" err
run 20 exports check --config "$T/defaults.yaml" --root "$T/no-such-root"
run 16 exports check --bogus-flag
echo "exports_check: ok"
