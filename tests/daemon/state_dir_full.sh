# Nothing lost when state_dir is full: on a small tmpfs filled to the last
# page, drift lines wait in memory (driftd_spool_memory_entries) and the drift
# state waits unsaved (driftd_state_unsaved_files); once space is freed every
# line reaches Loki and drift-state is written. Past the in-memory bound
# (10,000 lines) the oldest are dropped, each one counted in
# driftd_spool_dropped_total (the DriftLokiLinesDropped alert). Needs root
# (mount): skipped otherwise.
if [[ $(id -u) != 0 ]]; then echo "SKIP: needs root to mount a tmpfs" >&2; exit 77; fi
source "$(dirname "$0")/lib.sh"
mount -t tmpfs -o size=16M,mode=0700 driftd-test "$T/state" || fail "cannot mount a tmpfs on $T/state"
trap '[[ -n $DPID ]] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID"; DPID=""; umount "$T/state"; cleanup' EXIT
fill() {
  dd if=/dev/zero of="$T/state/filler" bs=1M 2>/dev/null
  ! printf x 2>/dev/null > "$T/state/probe" || fail "the tmpfs is not full"
  rm -f "$T/state/probe"
}
saved() { grep -qF "$1" "$T/state/drift-state" 2>/dev/null; }

make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
fill
for f in a b; do
  printf '%s\n' "$f" > "$ROOT/etc/$f.conf"
  wait_until 20 "$f seen" pgw_is 1 driftd_drift_path "path=\"/etc/$f.conf\""
done
wait_until 20 "two lines held in memory" pgw_is 2 driftd_spool_memory_entries
pgw_is 1 driftd_state_unsaved_files || fail "unsaved drift state not shown: $(pgw driftd_state_unsaved_files)"
pgw_is 0 driftd_spool_dropped_total || fail "lines counted as dropped while held"
pgw_is 0 driftd_spool_entries || fail "lines on a full disk?"
saved /etc/a.conf && fail "drift-state saved on a full disk?"
[[ $(loki_count '"event":"drift"') == 0 ]] || fail "held lines in Loki before they were spooled"
grep -q "holding Loki lines in memory" "$T/driftd.log" || fail "holding not logged"
rm -f "$T/state/filler"
wait_until 60 "both lines in Loki" loki_count_is 2 '"event":"drift"'
wait_until 20 "drift-state saved" saved /etc/b.conf
saved /etc/a.conf || fail "drift-state lacks /etc/a.conf"
wait_until 20 "nothing held or unsaved" pgw_is 0 driftd_spool_memory_entries
wait_until 20 "nothing unsaved" pgw_is 0 driftd_state_unsaved_files
pgw_is 0 driftd_spool_dropped_total || fail "a line dropped: $(pgw driftd_spool_dropped_total)"

# Past the bound: 10,051 added paths at once (a directory moved in) while full.
mkdir "$T/many"
python3 -c 'import sys
for i in range(10050): open(f"{sys.argv[1]}/f{i:05d}", "w").close()' "$T/many"
fill
mv "$T/many" "$ROOT/usr/bin/many"
wait_until 120 "10,051 paths in drift" pgw_is 10051 driftd_drift_files 'kind="added"' 'severity="critical"' 'cause="unexplained"'
wait_until 20 "the bound held" pgw_is 10000 driftd_spool_memory_entries
pgw_is 51 driftd_spool_dropped_total || fail "dropped lines not counted: $(pgw driftd_spool_dropped_total)"
grep -q "dropped the 51 oldest held lines" "$T/driftd.log" || fail "the drop not logged"
rm -f "$T/state/filler"
wait_until 30 "the held lines spooled" pgw_is 0 driftd_spool_memory_entries
wait_until 30 "drift-state saved" saved /usr/bin/many/f10049
wait_until 180 "the spool delivered" pgw_is 0 driftd_spool_entries
stop_driftd
echo PASS
