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
if ((${#missing[@]})); then
  printf '  %s\n' "${missing[@]}" >&2
  fail "--help is not man-page-like yet (${#missing[@]} gaps above)"
fi
echo PASS
