# Out of inotify watches (as if fs.inotify.max_user_watches were 3; a test
# seam, not the machine-wide sysctl): driftd says how many more it needs,
# counts the failures on Pushgateway, and still sees drift in the directories
# it could not watch, through rescans that come at least every rescan_interval
# (at most 5 min when watches are missing).
source "$(dirname "$0")/lib.sh"
for d in a b c d e f; do mkdir -p "$ROOT/etc/app/$d"; printf 'x\n' > "$ROOT/etc/app/$d/file"; done
write_config "rescan_interval: 2s"
make_baseline
DRIFTD_TEST_MAX_WATCHES=3 start_driftd
wait_until 30 "first full check pushed" first_check_done
grep -q "out of inotify watches: 3 placed, at least [0-9]* more needed" "$T/driftd.log" || fail "no log of the watches needed"
pgw_is 3 driftd_watches || fail "driftd_watches: $(pgw driftd_watches)"
pgw_ge 7 driftd_watch_failures_total || fail "driftd_watch_failures_total: $(pgw driftd_watch_failures_total)"
# The last directory walked has no watch: its drift comes from a rescan.
printf 'changed\n' > "$ROOT/etc/app/f/file"
wait_until 20 "drift in an unwatched directory" pgw_is 1 driftd_drift_path 'path="/etc/app/f/file"' 'kind="changed"'
stop_driftd
echo PASS
