# The image's root filesystem for tests/k8s/kubelet.sh (the CTest fixture k8s_image), made as
# Dockerfile.alpine makes it, but with this machine's glibc instead of Alpine's musl (no Docker
# engine here; tests/k8s/image.sh checks the musl side):
#  - driftd built with the cmake flags of the Dockerfile's `cmake -S` line, read from the file
#    (Release, DRIFTD_WITH_SYSTEMD=OFF, no tests), in its own build directory
#    K8S_IMAGE_DIR/build, incrementally (the first run is a full Release build; a run after an
#    edit rebuilds what changed). Run it under the build lock like any build: inside `ctest`
#    started under `flock /tmp/driftd-build.lock` it already is;
#  - K8S_IMAGE_DIR/rootfs as the final stage: the two stripped binaries in /usr/local/bin and the
#    shared libraries `ldd` lists for them (symlinks resolved), plus what alpine:3.22 itself
#    supplies and a glibc binary needs: the loader (`ldd` prints it without `=>`) and busybox as
#    /bin/sh and its applets (the image's shell for `kubectl exec ... sh`);
#  - asserted: no libsystemd in either binary, and both run from the rootfs alone (`chroot`), so
#    nothing the image would lack is loaded from the host.
source "$(dirname "$0")/lib.sh"
need cmake "the image build"
need ldd "the image's library list"
need strip "the Dockerfile strips the binaries"
need busybox "the image's shell (Debian: busybox-static)"
IMAGE_DIR=${K8S_IMAGE_DIR:?run through ctest: tests/CMakeLists.txt sets K8S_IMAGE_DIR}
BUILD=$IMAGE_DIR/build
ROOTFS=$IMAGE_DIR/rootfs

flags=$(cmake_flags "$REPO/Dockerfile.alpine")
grep -qx -- '-DDRIFTD_WITH_SYSTEMD=OFF' <<<"$flags" || fail "Dockerfile.alpine no longer builds with DRIFTD_WITH_SYSTEMD=OFF: $flags"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)   # same compile, cached
t0=$SECONDS
# shellcheck disable=SC2086
cmake -S "$REPO" -B "$BUILD" $flags "${launcher[@]}" >"$K8S_T/configure.log" 2>&1 ||
  { tail -n 30 "$K8S_T/configure.log" >&2; fail "configure with the image's flags"; }
nice -n 5 cmake --build "$BUILD" -j"$(nproc)" --target driftd driftctl >"$K8S_T/build.log" 2>&1 ||
  { tail -n 40 "$K8S_T/build.log" >&2; fail "build with the image's flags"; }
echo "image build ($(xargs <<<"$flags")): $((SECONDS - t0)) s" >&2

# The final stage into a fresh directory, swapped in whole (kubelet.sh never sees half of one).
new=$IMAGE_DIR/rootfs.new
rm -rf "$new" && mkdir -p "$new/usr/local/bin" "$new/bin"
cp "$BUILD/driftd" "$BUILD/driftctl" "$new/usr/local/bin/"
strip "$new/usr/local/bin/driftd" "$new/usr/local/bin/driftctl"
ldd "$BUILD/driftd" "$BUILD/driftctl" > "$K8S_T/ldd" || fail "ldd"
grep -q libsystemd "$K8S_T/ldd" && fail "the image's binaries load libsystemd: $(grep libsystemd "$K8S_T/ldd")"
{ awk '$2 == "=>" && $3 ~ /^\// { print $3 }' "$K8S_T/ldd"
  awk '$1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' "$K8S_T/ldd"; } | sort -u > "$K8S_T/libs"   # the loader: no =>
[[ -s $K8S_T/libs ]] || fail "ldd listed no libraries"
xargs tar -chf - < "$K8S_T/libs" 2>/dev/null | tar -xf - -C "$new" || fail "copy the libraries"
cp "$(command -v busybox)" "$new/bin/busybox"
for applet in $(busybox --list); do [[ -e $new/bin/$applet ]] || ln -s busybox "$new/bin/$applet"; done
rm -rf "$ROOTFS" && mv "$new" "$ROOTFS"

for b in driftd driftctl; do
  out=$(chroot "$ROOTFS" "/usr/local/bin/$b" --version 2>&1) || fail "$b does not run from the rootfs alone: $out"
done
chroot "$ROOTFS" /bin/sh -c 'true' || fail "no shell in the rootfs"
echo "rootfs: $(find "$ROOTFS" -type f | wc -l) files, $(du -sh "$ROOTFS" | cut -f1); $out" >&2
echo PASS
