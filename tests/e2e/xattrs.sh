#!/usr/bin/env bash
# A security.capability xattr added with setcap is drift on the binary.
source "$(dirname "$0")/lib.sh"
command -v setcap >/dev/null || { echo "SKIP: setcap not installed (libcap2-bin)"; exit 77; }
make_baseline
setcap cap_net_raw+ep "$ROOT/usr/bin/kubelet" 2>"$T/setcap.err" || { echo "SKIP: file system refuses security xattrs: $(cat "$T/setcap.err")"; exit 77; }
check 4
has "changed [critical] /usr/bin/kubelet (file)"
has "xattrs: - -> security.capability=0x"
check 4 --json
has '"xattrs": {'
echo "xattrs: ok"
