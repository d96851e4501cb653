# A copy tree that carries this machine's apt chain and dpkg's database for one
# package, for the tests and the benchmark that prove package causes through
# apt's signed archive (tests/e2e/apt_proof.sh, tests/bench/apt_proof.sh): one
# place for what "this machine's lists, keyrings and sources" and "dpkg's
# database as it is after installing a .deb" mean, so the test and the
# measurement cannot drift apart.
#
# apt_tree_copy ROOT                     lists (InRelease, Packages*), keyrings, sources, trusted.gpg.d
# apt_tree_install ROOT PKG DEB VERSION  unpacks DEB over ROOT; dpkg's status, info/PKG.list and
#                                        info/PKG.md5sums as dpkg leaves them after installing it

apt_tree_copy() {
  local root=$1
  mkdir -p "$root/var/lib/apt/lists" "$root/var/cache/apt/archives" "$root/usr/share" "$root/etc/apt" \
    "$root/var/lib/dpkg/info"
  cp /var/lib/apt/lists/*_InRelease /var/lib/apt/lists/*_Packages* "$root/var/lib/apt/lists/"
  cp -r /usr/share/keyrings "$root/usr/share/"
  cp -r /etc/apt/sources.list* /etc/apt/trusted.gpg.d "$root/etc/apt/" 2>/dev/null || true
}

apt_tree_install() {
  local root=$1 pkg=$2 deb=$3 version=$4 arch
  arch=$(dpkg-deb -f "$deb" Architecture)
  dpkg-deb -x "$deb" "$root"
  dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' -e 's|^$|/.|' \
    > "$root/var/lib/dpkg/info/$pkg.list"
  dpkg-deb -I "$deb" md5sums > "$root/var/lib/dpkg/info/$pkg.md5sums"
  printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nArchitecture: %s\nVersion: %s\nDescription: x\n y\n\n' \
    "$pkg" "$arch" "$version" > "$root/var/lib/dpkg/status"
}
