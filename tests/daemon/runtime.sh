# The runtime kernel state under driftd (runtime.proc_root: the test's
# proc-like tree, confined by Landlock to its sources): a module loaded is
# drift on Pushgateway and a line in Loki within a poll or two, a sysctl
# written is changed drift, the taint mask raised is drift; unloading the
# module and writing the sysctl back clear them, each once; a restart does not
# announce what is still drifted again (the drift state holds runtime paths).
source "$(dirname "$0")/lib.sh"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
pgw_is 0 driftd_drift_detected || fail "drift before any change: $(pgw driftd_drift_path)"

MODS=$T/proc/proc/modules
cp "$MODS" "$T/modules.orig"
echo "diamorphine 16384 0 - Live 0x0000000000000000 (OE)" >> "$MODS"
echo 12288 > "$T/proc/proc/sys/kernel/tainted"
echo 0 > "$T/proc/proc/sys/kernel/kptr_restrict"
wait_until 30 "the module as added drift" pgw_is 1 driftd_drift_path 'path="module:diamorphine"' 'kind="added"'
wait_until 30 "the sysctl as changed drift" pgw_is 1 driftd_drift_path 'path="sysctl:kernel.kptr_restrict"' 'kind="changed"'
wait_until 30 "the taint as added drift" pgw_is 1 driftd_drift_path 'path="taint:unsigned_module"'
wait_until 30 "the module in Loki" loki_count_is 1 '"path":"module:diamorphine"'
line=$(loki_lines '"path":"sysctl:kernel.kptr_restrict"')
grep -qF '"event":"drift"' <<<"$line" || fail "no drift line for the sysctl: $line"
grep -qF '"1"' <<<"$line" && grep -qF '"0"' <<<"$line" || fail "the sysctl's line lacks old and new values: $line"
grep -q 'drift added \[.*\] module:diamorphine' "$T/driftd.log" || fail "module drift not logged"

# A restart with the drift still there announces nothing new.
stop_driftd
before=$(loki_count '"path":"module:diamorphine"')
start_driftd
full_checks_ge() { [[ $(grep -c 'full check:' "$T/driftd.log") -ge $1 ]]; }
wait_until 60 "the full check after the restart" full_checks_ge 2
pgw_is 1 driftd_drift_path 'path="module:diamorphine"' 'kind="added"' || fail "module drift lost over the restart"

# Unloaded and written back: cleared, once each.
cp "$T/modules.orig" "$MODS"
echo 0 > "$T/proc/proc/sys/kernel/tainted"
echo 1 > "$T/proc/proc/sys/kernel/kptr_restrict"
wait_until 30 "module drift cleared" path_absent "module:diamorphine"
wait_until 30 "sysctl drift cleared" path_absent "sysctl:kernel.kptr_restrict"
wait_until 30 "no drift left" pgw_is 0 driftd_drift_detected
cleared_is() { [[ $(loki_lines '"path":"module:diamorphine"' | grep -c '"event":"cleared"') == "$1" ]]; }
wait_until 30 "the cleared line in Loki" cleared_is 1
[[ $(loki_count '"path":"module:diamorphine"') == $((before + 1)) ]] ||
  fail "the restart announced the module again: $(loki_lines '"path":"module:diamorphine"')"
stop_driftd
echo PASS
