# The nightly upgrade, as driftd sees it: while dpkg holds its lock, files and
# database disagree, so drift is judged when dpkg has finished; the upgraded
# binary is then `cause="package"` (and a hand edit beside it `unexplained`),
# on Pushgateway (the claim's proof counted by driftd_package_causes_total) and
# in the Loki line (with package_proof dpkg-database: this fake node has no apt
# chain, so it takes dpkg's word by config).
source "$(dirname "$0")/lib.sh"
DPKG=$ROOT/var/lib/dpkg
mkdir -p "$DPKG/info"
: > "$DPKG/lock"
printf 'ELF kubelet 1.34.1\n' > "$ROOT/usr/bin/kubelet"; chmod 755 "$ROOT/usr/bin/kubelet"
status() {
  printf 'Package: kubelet\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\n\n' "$1" > "$DPKG/status.new"
  mv "$DPKG/status.new" "$DPKG/status"
}
sums() { printf '/.\n/usr/bin/kubelet\n' > "$DPKG/info/kubelet.list"
         printf '%s  usr/bin/kubelet\n' "$(md5sum < "$ROOT/usr/bin/kubelet" | cut -d' ' -f1)" > "$DPKG/info/kubelet.md5sums"; }
sums
status 1.34.1-1.1
# A fake node has no apt chain to prove a cause with (tests/e2e/apt_proof.sh proves real ones):
# dpkg's word is taken here on purpose, and the line says which proof it had.
write_config "packages: { trust_dpkg_database: true }"
make_baseline
start_driftd
wait_until 30 "first full check pushed" first_check_done
pgw_is 0 driftd_drift_detected || fail "drift before any change"

# "dpkg" takes its lock (an fcntl lock, as dpkg does), unpacks, and only then records the version.
python3 - "$DPKG/lock" "$T/locked" "$T/release" <<'PY' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], 'w').close()
deadline = time.time() + 120
while not os.path.exists(sys.argv[3]) and time.time() < deadline:
    time.sleep(0.02)
PY
DPKG_PID=$!
wait_until 10 "dpkg lock taken" test -e "$T/locked"
printf 'ELF kubelet 1.34.2\n' > "$ROOT/usr/bin/kubelet.dpkg-new" && chmod 755 "$ROOT/usr/bin/kubelet.dpkg-new"
mv "$ROOT/usr/bin/kubelet.dpkg-new" "$ROOT/usr/bin/kubelet"   # as dpkg unpacks: mode from the package, then rename
sums
wait_until 10 "driftd waiting for dpkg" grep -q "dpkg is running" "$T/driftd.log"
# The change was seen and put off: nothing counted while the database is mid-upgrade.
pgw_is 0 driftd_drift_events_total 'cause="unexplained"' 'kind="changed"' 'severity="critical"' ||
  fail "drift judged unexplained while dpkg was running"
status 1.34.2-1.1
touch "$T/release"; wait "$DPKG_PID"
wait_until 10 "drift judged after dpkg" pgw_is 1 driftd_drift_files 'cause="package"' 'kind="changed"' 'severity="critical"'
pgw_is 1 driftd_drift_events_total 'cause="package"' 'kind="changed"' 'severity="critical"' || fail "package event not counted"
pgw_is 0 driftd_drift_events_total 'cause="unexplained"' 'kind="changed"' 'severity="critical"' || fail "upgrade counted as unexplained"
# Trusted, but the proof is still counted apart: dpkg's word alone (what PackageCauseUnproven watches).
pgw_is 1 driftd_package_causes_total 'proof="dpkg-database"' 'severity="critical"' || fail "the claim's proof not counted"
pgw_is 1 driftd_package_cause_files 'proof="dpkg-database"' 'severity="critical"' || fail "the claim's proof not in the gauge"
pgw_is 0 driftd_package_causes_total 'proof="signed-archive"' 'severity="critical"' || fail "dpkg's word counted as signed-archive"
wait_until 20 "the Loki line with the package" loki_count_is 1 '"package":"kubelet"'
line=$(loki_lines '"package":"kubelet"')
grep -qF '"cause":"package"' <<<"$line" || fail "Loki line lacks the cause: $line"
grep -qF '"package_version_before":"1.34.1-1.1","package_version_now":"1.34.2-1.1"' <<<"$line" || fail "Loki line lacks the versions: $line"
grep -qF '"package_proof":"dpkg-database"' <<<"$line" || fail "Loki line lacks the proof: $line"

# A hand edit beside it is unexplained: that is what pages.
printf '#!/bin/sh\necho swapped\n' > "$ROOT/usr/bin/tool"
wait_until 10 "hand edit judged" pgw_is 1 driftd_drift_events_total 'cause="unexplained"' 'kind="changed"' 'severity="critical"'
pgw_is 1 driftd_drift_files 'cause="package"' 'kind="changed"' 'severity="critical"' || fail "package drift lost"
pgw_is 1 driftd_package_causes_total 'proof="dpkg-database"' 'severity="critical"' || fail "a hand edit counted as a package claim"
stop_driftd
echo PASS
