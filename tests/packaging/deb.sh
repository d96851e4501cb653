# The .deb: cpack builds it from this build dir; dpkg -i installs it on this
# machine (enabled, and started only where systemd runs); the installed
# driftctl and driftd run; the unit, the default config (a conffile) and the
# Proxmox profile are where they belong; an upgrade in place works; dpkg -r
# then dpkg -P leave nothing behind: no unit, no enablement, no
# /etc/driftd/config.yaml (which would silently change every later run here),
# no /var/lib/driftd. A machine where driftd is installed is never touched.
source "$(dirname "$0")/lib.sh"
need_root
need dpkg dpkg-deb dpkg-shlibdeps flock
CPACK=${CPACK:-cpack}
need "$CPACK"
BUILD=${DRIFTD_BUILD_DIR:?DRIFTD_BUILD_DIR must be the build dir (run through ctest)}
[[ -f $BUILD/CPackConfig.cmake ]] || fail "no CPackConfig.cmake in $BUILD"

# One packaging test at a time on this machine (other build dirs run it too).
exec 9>/tmp/driftd-packaging-deb.lock
flock -w 170 9 || fail "another run of this test holds /tmp/driftd-packaging-deb.lock"
if dpkg-query -W -f='${Status}' driftd 2>/dev/null | grep -qv '^unknown\|not-installed'; then
  skip "a driftd package is installed here ($(dpkg-query -W -f='${Version} ${Status}' driftd)); not touching it"
fi
installed_paths=(/usr/bin/driftd /usr/bin/driftctl /lib/systemd/system/driftd.service /usr/lib/systemd/system/driftd.service
  /etc/driftd /var/lib/driftd /usr/share/driftd /usr/share/doc/driftd
  /etc/systemd/system/driftd.service /etc/systemd/system/multi-user.target.wants/driftd.service
  /var/lib/systemd/deb-systemd-helper-enabled/driftd.service.dsh-also
  /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/driftd.service
  /var/lib/systemd/deb-systemd-helper-masked/driftd.service)
for p in "${installed_paths[@]}"; do
  [[ ! -e $p && ! -L $p ]] || skip "$p exists: driftd is installed here by hand; not touching it"
done

# The embedded default's effective config, while /etc/driftd/config.yaml does not exist.
"$DRIFTCTL" config show > "$T/embedded.yaml" && "$DRIFTCTL" config show --config "$T/embedded.yaml" | sed 1d > "$T/embedded.eff" ||
  fail "driftctl config show"

"$CPACK" -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/cpack" > "$T/cpack.log" 2>&1 ||
  { cat "$T/cpack.log" >&2; fail "cpack -G DEB"; }
debs=("$T"/cpack/*.deb)
[[ ${#debs[@]} == 1 && -f ${debs[0]} ]] || fail "cpack made ${#debs[@]} packages: ${debs[*]}"
deb=${debs[0]}
echo "built $(basename "$deb")" >&2
dpkg-deb -c "$deb" | awk '{print $NF}' > "$T/contents"
for f in ./usr/bin/driftd ./usr/bin/driftctl ./lib/systemd/system/driftd.service ./etc/driftd/config.yaml \
         ./usr/share/driftd/pve.yaml ./usr/share/doc/driftd/README.md; do
  grep -qx -- "$f" "$T/contents" || { cat "$T/contents" >&2; fail "$f is not in the package"; }
done
dpkg-deb -I "$deb" conffiles | grep -qx /etc/driftd/config.yaml || fail "/etc/driftd/config.yaml is not a conffile"
dpkg-deb -f "$deb" Depends | grep -q 'libc6' || fail "no library dependencies (dpkg-shlibdeps)"

# dpkg_run ARGS...: dpkg, output in $T/dpkg.out and .err, waiting (with a
# deadline) while apt or dpkg elsewhere on this machine holds dpkg's lock.
dpkg_run() {
  local deadline=$((SECONDS + 120))
  while :; do
    dpkg "$@" > "$T/dpkg.out" 2> "$T/dpkg.err" && return 0
    grep -q 'lock' "$T/dpkg.err" && ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Past this point the machine holds the package: purge it whatever happens.
cleanup_hooks+=('dpkg_run -P driftd')
dpkg_run -i "$deb" || { cat "$T/dpkg.out" "$T/dpkg.err" >&2; fail "dpkg -i"; }
# Quiet: nothing on stderr but deb-systemd-helper's "Created symlink", as from Debian's own packages.
quiet() { ! grep -v '^Created symlink ' "$T/dpkg.err" >&2; }
quiet || fail "dpkg -i wrote the above to stderr"
dpkg-query -W -f='${Status}' driftd | grep -q 'install ok installed' || fail "not installed after dpkg -i"

version=$(dpkg-deb -f "$deb" Version); version=${version%-*}
/usr/bin/driftctl --version | grep -qx "driftctl $version" || fail "installed driftctl --version: $(/usr/bin/driftctl --version)"
/usr/bin/driftd --version | grep -qx "driftd $version" || fail "installed driftd --version: $(/usr/bin/driftd --version)"
cmp -s /lib/systemd/system/driftd.service "$UNIT_SRC" || fail "the installed unit differs from packaging/driftd.service"
cmp -s /usr/share/driftd/pve.yaml "$SRC/packaging/pve.yaml" || fail "the installed profile differs from packaging/pve.yaml"
/usr/bin/driftctl config show --config /usr/share/driftd/pve.yaml > /dev/null || fail "the installed profile is refused"
# The default config is the embedded default: the same effective config.
/usr/bin/driftctl config show --config /etc/driftd/config.yaml | sed 1d > "$T/installed.eff" ||
  fail "the installed config is refused"
diff "$T/embedded.eff" "$T/installed.eff" >&2 || fail "the installed config is not the embedded default"
# Enabled (deb-systemd-helper works without a running systemd); started only where systemd runs.
[[ -L /etc/systemd/system/multi-user.target.wants/driftd.service ]] || fail "the unit is not enabled"
if [[ ! -d /run/systemd/system ]]; then
  [[ ! -e /var/lib/driftd ]] || fail "/var/lib/driftd exists though nothing could start driftd here"
fi

# An upgrade in place (the same version again) runs the scripts' upgrade branch.
dpkg_run -i "$deb" || { cat "$T/dpkg.out" "$T/dpkg.err" >&2; fail "dpkg -i over the installed package"; }
quiet || fail "the upgrade wrote the above to stderr"

# What a running host accumulates: driftd's state and the operator's public key.
mkdir -p /var/lib/driftd/spool && printf 'x' > /var/lib/driftd/baseline.drift
printf 'key\n' > /etc/driftd/baseline.pub
dpkg_run -r driftd || { cat "$T/dpkg.out" "$T/dpkg.err" >&2; fail "dpkg -r"; }
[[ ! -e /usr/bin/driftd && ! -e /lib/systemd/system/driftd.service ]] || fail "dpkg -r left the binary or the unit"
[[ -f /etc/driftd/config.yaml ]] || fail "dpkg -r removed the conffile (only purge may)"
dpkg_run -P driftd || { cat "$T/dpkg.out" "$T/dpkg.err" >&2; fail "dpkg -P"; }
left=()
for p in "${installed_paths[@]}"; do [[ -e $p || -L $p ]] && left+=("$p"); done
((${#left[@]} == 0)) || fail "dpkg -P left: ${left[*]}"
dpkg-query -W -f='${Status}' driftd 2>/dev/null | grep -q 'ok installed\|config-files' && fail "dpkg still knows driftd"
echo PASS
