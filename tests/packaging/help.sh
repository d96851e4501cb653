# `--help` reads like a man page for both installed binaries: it exits 0 on
# stdout and tells what the command does, its options (driftctl: every verb),
# the config file it reads, and its exit status (driftd: its signals too),
# so a host without the README can still be operated. Everything missing is
# listed at once.
source "$(dirname "$0")/lib.sh"
missing=()
# check_help NAME BINARY WORD...: NAME --help names every WORD.
check_help() {
  local name=$1 bin=$2; shift 2
  "$bin" --help > "$T/$name.help" 2> "$T/$name.err"
  local rc=$?
  [[ $rc == 0 ]] || missing+=("$name --help exits $rc")
  [[ -s $T/$name.help ]] || missing+=("$name --help prints nothing on stdout")
  local w
  for w in "$@"; do grep -qF -- "$w" "$T/$name.help" || missing+=("$name --help does not mention '$w'"); done
}
check_help driftd "$DRIFTD" --config --root --version /etc/driftd/config.yaml /var/lib/driftd \
  SIGHUP SIGTERM 75 16
check_help driftctl "$DRIFTCTL" keygen 'baseline create' 'baseline sign' 'baseline verify' 'baseline install' \
  'baseline show' check diff accept 'config show' --version /etc/driftd/config.yaml 16 17 18 19 20
# Every verb: `VERB --help` and `VERB -h` exit 0 on stdout with an example and
# exit codes, and give a line of help to every option its parser accepts (the
# list comes from the parser's own spec, `driftctl help --options`), so an
# option added without help is a gap here.
"$DRIFTCTL" help --options > "$T/options" || missing+=("driftctl help --options exits $?")
[[ -s $T/options ]] || missing+=("driftctl help --options lists nothing")
verbs=$(cut -f1 "$T/options" | sort -u)
while IFS= read -r verb; do
  [[ -n $verb ]] || continue
  read -ra words <<<"$verb"
  for h in --help -h; do
    "$DRIFTCTL" "${words[@]}" "$h" > "$T/verb.help" 2>/dev/null
    rc=$?
    [[ $rc == 0 ]] || missing+=("driftctl $verb $h exits $rc")
  done
  grep -q "^example:" "$T/verb.help" || missing+=("driftctl $verb --help has no example")
  grep -q "^exit status:" "$T/verb.help" || missing+=("driftctl $verb --help has no exit codes")
  while IFS=$'\t' read -r v flag; do
    [[ $v == "$verb" ]] || continue
    # "  --flag [VALUE [...]]   help text": the option's own line, with words after it.
    grep -qE -- "^  $flag( [^ ]+)*( \.\.\.)? +[^ ]" "$T/verb.help" ||
      missing+=("driftctl $verb --help has no line of help for $flag")
  done < "$T/options"
done <<<"$verbs"
"$DRIFTCTL" help baseline > "$T/group.help" || missing+=("driftctl help baseline exits $?")
for v in create sign verify install show; do
  grep -q "^  baseline $v " "$T/group.help" || missing+=("driftctl help baseline does not list 'baseline $v'")
done
if ((${#missing[@]})); then
  printf '  %s\n' "${missing[@]}" >&2
  fail "--help is not man-page-like yet (${#missing[@]} gaps above)"
fi
echo PASS
