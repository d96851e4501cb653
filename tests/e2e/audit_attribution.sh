#!/bin/bash
# Who changed it, with the real kernel audit: Debian's auditd on its own log
# (ENRICHED, in a temp dir), the rules `driftctl audit rules` prints loaded
# with auditctl, then edits from a login session (sed -i, >>), a write from a
# process with no login uid, and an edit of a path no rule covers; `driftctl
# check` attributes each (session with the login name and exe, automation,
# unknown with the reason), a secret typed in argv appears in no output, and
# attribution changes neither severity nor the exit code. Cleanup always: the
# rules loaded are removed, auditd is stopped by its pid, auditing is set back
# to what it was. Exit 77 only where the kernel refuses audit.
set -uo pipefail
DRIFTCTL=${DRIFTCTL:?DRIFTCTL must point at the driftctl binary}
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { auditd_skip "$@"; }
# shellcheck source=../lib/auditd.sh
source "$(dirname "$0")/../lib/auditd.sh"
auditd_preflight

T=$(mktemp -d /tmp/driftd-audit.XXXXXX)
chmod 755 "$T"
user=drftaud$$
cleanup() {
  auditd_cleanup
  userdel "$user" >/dev/null 2>&1
  [[ -n ${DRIFTD_KEEP_TEMP:-} ]] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT

# A deadline poll: every 0.2 s until COMMAND holds, at most 180 s.
wait_until() {
  local what=$1; shift
  local deadline=$((SECONDS + 180))
  until "$@"; do
    ((SECONDS < deadline)) || fail "timed out waiting for $what"
    sleep 0.2
  done
}

# --- auditd on its own log -------------------------------------------------------------------
mkdir -p "$T/state" "$T/w" "$T/unwatched"
auditd_start "$T"

# --- the node: a config whose paths live in the temp dir (root /, so the kernel's paths are the report's) ---
useradd -M -N -s /usr/sbin/nologin "$user" || fail "useradd $user"
uid=$(id -u "$user")
printf 'one\ntwo\n' > "$T/w/sedfile"
printf 'one\n' > "$T/w/appendfile"
printf 'one\n' > "$T/w/autofile"
printf 'one\n' > "$T/w/secretfile"
printf 'one\n' > "$T/unwatched/file"
cat > "$T/config.yaml" <<CFG
node: audit-node
root: /
state_dir: $T/state
baseline: $T/state/baseline.drift
public_key: $T/key.pub
paths:
  - { path: $T/w, severity: critical }
  - { path: $T/unwatched }
audit: { enabled: true, log: $T/log/audit.log }
CFG
sed 's/enabled: true/enabled: false/' "$T/config.yaml" > "$T/config-off.yaml"
touch "$T/state/audit-heartbeat"
"$DRIFTCTL" keygen --signing-key "$T/key.pem" --public-key "$T/key.pub" 2>/dev/null || fail keygen
"$DRIFTCTL" baseline create --config "$T/config.yaml" --output "$T/state/baseline.drift" --signing-key "$T/key.pem" \
  2>/dev/null || fail "baseline create"

# --- the rules driftctl prints, loaded with auditctl (all but the path this test leaves uncovered) ---
"$DRIFTCTL" audit rules --config "$T/config.yaml" > "$T/rules" || fail "driftctl audit rules"
grep -qxF -- "-w $T/w -p wa -k driftd" "$T/rules" || { cat "$T/rules"; fail "no rule for $T/w"; }
grep -qxF -- "-w $T/state/audit-heartbeat -p wa -k driftd" "$T/rules" || { cat "$T/rules"; fail "no heartbeat rule"; }
grep -qF "CAP_AUDIT_CONTROL" "$T/rules" || fail "the rules do not say that kernel rules are not read"
grep -qF "# not covered by a rule file: $T/w" "$T/rules" || fail "the rule files comparison is missing"
grep -- '^-w ' "$T/rules" | grep -vF -- "-w $T/unwatched " > "$T/loaded.rules"
auditd_load_rules "$T/loaded.rules"

# --- the edits ---------------------------------------------------------------------------------
# A login session: the shell's loginuid set to the test user's uid (as pam_loginuid does).
bash -c "echo $uid > /proc/self/loginuid" 2>/dev/null || skip "the kernel refuses to set /proc/self/loginuid"
bash -c "echo $uid > /proc/self/loginuid && cd '$T/w' && sed -i s/one/ONE/ sedfile && echo two >> appendfile &&
         sh -c 'echo x >> secretfile # password=hunter2'; true" || fail "the session's edits"
# No login uid: this shell's own when unset, else a shell that unsets it (root may).
if [[ $(cat /proc/self/loginuid) == 4294967295 ]]; then
  echo two >> "$T/w/autofile"
else
  bash -c "echo 4294967295 > /proc/self/loginuid && [[ \$(cat /proc/self/loginuid) == 4294967295 ]] && echo two >> '$T/w/autofile'" ||
    skip "cannot start a process without a login uid here (loginuid $(cat /proc/self/loginuid) is immutable)"
fi
echo two >> "$T/unwatched/file"
# The last watched write: when its record is in the log, so are the edits before it.
echo beat >> "$T/state/audit-heartbeat"
wait_until "the audit records to reach the log" grep -qF "name=\"$T/state/audit-heartbeat\"" "$T/log/audit.log"

# --- driftctl check attributes each drift ------------------------------------------------------
"$DRIFTCTL" check --config "$T/config.yaml" --json > "$T/check.json" 2> "$T/check.err"
rc=$?
"$DRIFTCTL" check --config "$T/config.yaml" > "$T/check.txt" 2> "$T/check-text.err"
rc_text=$?
"$DRIFTCTL" check --config "$T/config-off.yaml" --json > "$T/off.json" 2> "$T/off.err"
rc_off=$?
[[ $rc == 4 && $rc_text == 4 && $rc_off == 4 ]] || { cat "$T/check.err" "$T/check.json"; fail "exit codes $rc/$rc_text/$rc_off, expected 4"; }
actor() { jq -r --arg p "$1" ".drift[] | select(.path == \$p) | .actor.$2" "$T/check.json"; }
expect() {
  local got; got=$(actor "$1" "$2")
  [[ $got == "$3" ]] || { cat "$T/check.json"; fail "$1: actor.$2 is '$got', expected '$3'"; }
}
expect "$T/w/sedfile" class session
expect "$T/w/sedfile" login "$user"
expect "$T/w/sedfile" auid "$uid"
expect "$T/w/sedfile" exe /usr/bin/sed
expect "$T/w/sedfile" syscall rename
expect "$T/w/sedfile" interactive false
expect "$T/w/appendfile" class session
expect "$T/w/appendfile" login "$user"
expect "$T/w/appendfile" exe /usr/bin/bash
expect "$T/w/secretfile" class session
expect "$T/w/secretfile" exe /usr/bin/dash
expect "$T/w/autofile" class automation
expect "$T/w/autofile" auid null
expect "$T/w/autofile" exe /usr/bin/bash
expect "$T/unwatched/file" class unknown
expect "$T/unwatched/file" reason no-rule
grep -qE "actor: changed by $user \(auid $uid, ses [0-9]+\) with /usr/bin/sed, pid [0-9]+, [0-9]{2}:[0-9]{2}:[0-9]{2}" "$T/check.txt" ||
  { cat "$T/check.txt"; fail "the text report does not say who changed sedfile"; }
grep -qF "actor: changed by automation (no login session, uid root) with /usr/bin/bash" "$T/check.txt" ||
  { cat "$T/check.txt"; fail "the text report does not say automation"; }
# Attribution adds, never changes: the same drift, severities and summary without it.
jq -S '[.drift[] | del(.actor)], .summary' "$T/check.json" > "$T/with.cmp"
jq -S '[.drift[]], .summary' "$T/off.json" > "$T/without.cmp"
diff "$T/with.cmp" "$T/without.cmp" > /dev/null || { diff "$T/with.cmp" "$T/without.cmp"; fail "attribution changed the report"; }
# The secret typed on a command line is in the audit log (PROCTITLE) and nowhere else.
hex=$(printf 'hunter2' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
grep -qF "$hex" "$T/log/audit.log" || fail "the log should hold the secret's proctitle (the test is not testing anything)"
for f in check.json check.txt check.err check-text.err rules; do
  ! grep -qiE "hunter2|$hex" "$T/$f" || fail "the argv secret leaked into $f"
done

# --- no audit log: unknown, said once --------------------------------------------------------
sed "s|log: $T/log/audit.log|log: $T/nolog/audit.log|" "$T/config.yaml" > "$T/config-nolog.yaml"
"$DRIFTCTL" check --config "$T/config-nolog.yaml" --json > "$T/nolog.json" 2>/dev/null
[[ $(jq '[.drift[] | select(.actor.reason == "no-audit-log")] | length' "$T/nolog.json") == 5 ]] ||
  { cat "$T/nolog.json"; fail "without a log every drift is unknown: no-audit-log"; }
[[ $(jq '[.warnings[] | select(test("no audit log"))] | length' "$T/nolog.json") == 1 ]] || fail "the missing log is said once"
echo "PASS: audit attribution (session $user/$uid with sed and bash, automation, no rule, no log, no argv)"
