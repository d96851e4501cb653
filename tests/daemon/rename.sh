# A watch follows its inode: a directory renamed inside the watched tree, one
# moved in from outside it, and one moved out and back in under a new name are
# watched under their new names at once, so a file created, modified or
# chmodded inside each is seen in real time. rescan_interval is an hour: only
# inotify can see these changes. A directory moved out loses its watches.
source "$(dirname "$0")/lib.sh"
mkdir -p "$ROOT/etc/app2/sub" "$T/outside/ext/deep"
printf 'one\n' > "$ROOT/etc/app2/f"
printf 'two\n' > "$ROOT/etc/app2/sub/g"
printf 'ext\n' > "$T/outside/ext/deep/h"
write_config "rescan_interval: 1h"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
watches0=$(pgw driftd_watches)
# drift_lines PATH N: N Loki lines (transitions) for PATH so far.
drift_lines() { loki_count_is "$2" "\"path\":\"$1\""; }
seen_added() { wait_until 20 "$1 seen" pgw_is 1 driftd_drift_path "path=\"$1\"" 'kind="added"'; }

mv "$ROOT/etc/app2" "$ROOT/etc/app3"
seen_added /etc/app3/sub/g
wait_until 20 "the rename's line for /etc/app3/f" drift_lines /etc/app3/f 1
printf 'new\n' > "$ROOT/etc/app3/new.conf"
seen_added /etc/app3/new.conf
printf 'deeper\n' > "$ROOT/etc/app3/sub/new.conf"
seen_added /etc/app3/sub/new.conf
printf 'more\n' >> "$ROOT/etc/app3/f"
wait_until 20 "the modified /etc/app3/f" drift_lines /etc/app3/f 2
chmod 600 "$ROOT/etc/app3/sub/g"
wait_until 20 "the chmodded /etc/app3/sub/g" drift_lines /etc/app3/sub/g 2

mv "$T/outside/ext" "$ROOT/etc/ext"
seen_added /etc/ext/deep/h
wait_until 20 "watches for the moved-in subtree" pgw_is $((watches0 + 2)) driftd_watches
printf 'n\n' > "$ROOT/etc/ext/deep/n"
seen_added /etc/ext/deep/n
printf 'more\n' >> "$ROOT/etc/ext/deep/h"
wait_until 20 "the modified /etc/ext/deep/h" drift_lines /etc/ext/deep/h 2
chmod 600 "$ROOT/etc/ext/deep/h"
wait_until 20 "the chmodded /etc/ext/deep/h" drift_lines /etc/ext/deep/h 3

# Out of the tree: its watch goes; back in under another name: watched as that.
mv "$ROOT/etc/app3/sub" "$T/outside/away"
wait_until 20 "the moved-out files cleared" path_absent /etc/app3/sub/g
wait_until 20 "the moved-out directory's watch removed" pgw_is $((watches0 + 1)) driftd_watches
mv "$T/outside/away" "$ROOT/etc/back"
seen_added /etc/back/g
printf 'z\n' > "$ROOT/etc/back/z"
seen_added /etc/back/z
chmod 640 "$ROOT/etc/back/g"
wait_until 20 "the chmodded /etc/back/g" drift_lines /etc/back/g 2
[[ $(grep -c "full check:" "$T/driftd.log") == 1 ]] || fail "a rescan ran: this test must see inotify alone"
stop_driftd
echo PASS
