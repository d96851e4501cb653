# Each kind of change inotify must see, with the kind and severity driftd
# reports for it: chmod only, new file in a new subdirectory, rename over a
# file, delete; then a revert clears while the counter keeps the events.
source "$(dirname "$0")/lib.sh"
printf 'old\n' > "$ROOT/etc/motd"
printf 'a=1\n' > "$ROOT/etc/app.conf"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done

chmod 0600 "$ROOT/etc/ssh/sshd_config"
wait_until 10 "chmod seen as critical change" pgw_is 1 driftd_drift_path 'path="/etc/ssh/sshd_config"' 'kind="changed"' 'severity="critical"'

mkdir -p "$ROOT/etc/newdir/sub"
printf 'x\n' > "$ROOT/etc/newdir/sub/file"
wait_until 10 "new file in a new subdirectory" pgw_is 1 driftd_drift_path 'path="/etc/newdir/sub/file"' 'kind="added"'
# A file created in the new directory after the fact is seen through the new watch.
printf 'y\n' > "$ROOT/etc/newdir/sub/later"
wait_until 10 "file in the new directory after its watch" pgw_is 1 driftd_drift_path 'path="/etc/newdir/sub/later"' 'kind="added"'

printf 'replaced\n' > "$T/staged"
mv "$T/staged" "$ROOT/etc/motd"
wait_until 10 "rename over a file" pgw_is 1 driftd_drift_path 'path="/etc/motd"' 'kind="changed"'

rm "$ROOT/usr/bin/tool"
wait_until 10 "delete seen as critical removal" pgw_is 1 driftd_drift_path 'path="/usr/bin/tool"' 'kind="removed"' 'severity="critical"'
pgw_is 1 driftd_drift_files 'kind="removed"' 'severity="critical"' 'cause="unexplained"' || fail "drift_files removed/critical"

# A directory replaced by a file.
mkdir "$ROOT/etc/confdir"   # (not in the baseline: added)
wait_until 10 "new directory" pgw_is 1 driftd_drift_path 'path="/etc/confdir"' 'kind="added"'

# Revert everything: drift clears, the events stay counted.
chmod 0644 "$ROOT/etc/ssh/sshd_config"
rm -rf "$ROOT/etc/newdir" "$ROOT/etc/confdir"
printf '#!/bin/sh\necho hi\n' > "$ROOT/usr/bin/tool"; chmod 755 "$ROOT/usr/bin/tool"
wait_until 10 "tool back" pgw_is "" driftd_drift_path 'path="/usr/bin/tool"' 'kind="removed"'
# /usr/bin/tool comes back with its content and mode but a new inode and times: reverted, so no
# drift of any kind for it (AIDE would call it changed); the removal event stays counted below.
wait_until 10 "restored binary cleared" path_absent /usr/bin/tool
wait_until 10 "chmod revert cleared" path_absent /etc/ssh/sshd_config
pgw_ge 1 driftd_drift_events_total 'kind="added"' 'severity="warning"' 'cause="unexplained"' || fail "added events not counted"
pgw_ge 1 driftd_drift_events_total 'kind="removed"' 'severity="critical"' 'cause="unexplained"' || fail "removed event not counted"
pgw_ge 1 driftd_drift_events_total 'kind="changed"' 'severity="critical"' 'cause="unexplained"' || fail "chmod event not counted"
stop_driftd
echo PASS
