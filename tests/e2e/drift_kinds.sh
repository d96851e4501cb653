#!/usr/bin/env bash
# Each kind of drift is reported with the right kind, attributes and exit bits,
# and a fresh baseline of an unchanged tree checks clean.
source "$(dirname "$0")/lib.sh"
make_baseline
check 0
has "0 added, 0 removed, 0 changed"

# Content change that keeps size and mtime (touch -r): only the hash tells.
cp -p "$ROOT/etc/hosts" "$T/hosts.orig"
printf '127.0.0.2 localhost\n' > "$ROOT/etc/hosts"
touch -r "$T/hosts.orig" "$ROOT/etc/hosts"
check 4
has "changed [warning] /etc/hosts (file)"
has "sha256:"
hasnt "  size:"
hasnt "  mtime:"
has "-127.0.0.1 localhost"          # unified diff from the snapshot
has "+127.0.0.2 localhost"
make_baseline

# Mode change, and a setuid bit added.
chmod 0600 "$ROOT/etc/hosts"
chmod 4755 "$ROOT/usr/bin/tool"
check 4
has "mode: 0644 -> 0600"
has "changed [critical] /usr/bin/tool (file)"
has "mode: 0755 -> 4755"
make_baseline

# Owner change.
chown 1234:5678 "$ROOT/etc/hosts"
check 4
has "uid: 0 -> 1234"
has "gid: 0 -> 5678"
make_baseline

# A file replaced by a symlink.
rm "$ROOT/usr/bin/tool" && ln -s /bin/sh "$ROOT/usr/bin/tool"
check 4
has "type: file -> symlink"
has "symlink target:  -> /bin/sh"
make_baseline

# A directory replaced by a file: the directory's children are removed, it changes type.
mkdir -p "$ROOT/etc/app.d" && echo a > "$ROOT/etc/app.d/one.conf"
make_baseline
rm -r "$ROOT/etc/app.d" && echo x > "$ROOT/etc/app.d"
check 6
has "removed [warning] /etc/app.d/one.conf"
has "type: directory -> file"

make_baseline
# A new hard link: one added path, and the target's link count changes.
ln "$ROOT/etc/hosts" "$ROOT/etc/hosts.hardlink"
check 5
has "added [warning] /etc/hosts.hardlink (file)"
has "links: 1 -> 2"
make_baseline

# A new file in a new subdirectory: two added entries, no changed parent.
mkdir "$ROOT/etc/newdir" && echo new > "$ROOT/etc/newdir/new.conf"
check 1
has "added [warning] /etc/newdir (directory)"
has "added [warning] /etc/newdir/new.conf (file)"
hasnt "changed [warning] /etc (directory)"
has "+new"
make_baseline

# A removed file.
rm "$ROOT/etc/newdir/new.conf"
check 2
has "removed [warning] /etc/newdir/new.conf"
hasnt "changed ["
make_baseline

# A name with a newline is escaped in the report and in JSON, and round-trips.
printf 'odd\n' > "$ROOT/etc/bad"$'\n'"name"
check 1 --json
has '"path": "/etc/bad\\nname"'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["summary"]["added"]==1, d' "$T/out" || fail "JSON not valid"
make_baseline
check 0

# Excluded paths are ignored, and do not make their directory look changed.
echo swap > "$ROOT/etc/ssh/.sshd_config.swp"
echo 'rootfs / rootfs rw 0 0' > "$ROOT/etc/mtab"
check 0

# Diff lines are terminal-safe: a planted escape sequence is shown as \xNN, never raw.
for i in $(seq 10); do echo "line $i of the message of the day" >> "$ROOT/etc/motd"; done
make_baseline
printf 'title=\033]0;pwned\007\n' >> "$ROOT/etc/motd"
check 4
has '+title=\x1b]0;pwned\x07'
! grep -q $'\033' "$T/out" || fail "a raw escape byte reached the report"
echo "drift_kinds: ok"
