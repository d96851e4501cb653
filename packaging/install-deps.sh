#!/usr/bin/env bash
# Installs what driftd needs to build and test, from Debian's archive only.
# Idempotent: packages already present are not touched; apt-get runs only for
# what is missing. Usage: packaging/install-deps.sh [--tests]
set -euo pipefail
pkgs=(cmake g++ make pkg-config libssl-dev libarchive-dev libsystemd-dev prometheus-cpp-dev
      libyaml-cpp-dev doctest-dev nlohmann-json3-dev libcurl4-openssl-dev libseccomp-dev
      libtomlplusplus-dev libauparse-dev libmicrohttpd-dev libgpgme-dev)
if [[ "${1:-}" == --tests ]]; then
  # setcap/capsh (libcap2-bin), setfattr (attr), setpriv (util-linux), AIDE for the benchmark,
  # the real Pushgateway the daemon tests talk to, promtool (prometheus) for the alert rules,
  # curl for the tests' queries; for the packaging tests systemd-analyze (systemd), strace,
  # /bin/kill (procps) that the unit's ExecReload= names, dpkg-shlibdeps (dpkg-dev) and file
  # for cpack's .deb, deb-systemd-helper (init-system-helpers) for its maintainer scripts.
  pkgs+=(libcap2-bin attr util-linux python3 aide time curl prometheus-pushgateway prometheus
         systemd strace procps dpkg-dev file init-system-helpers)
  # Kubernetes tests: etcd-server for ../shared/kube-apiserver, PyYAML, musl's libc.so (musl-dev)
  # to check the Alpine image's C library calls, jq for README's peer-drift filter.
  pkgs+=(etcd-server python3-yaml musl-dev jq)
  # The kubelet test: socat relays the node's address to the test servers, busybox-static is the
  # image's shell (Alpine's base has busybox).
  pkgs+=(socat busybox-static)
  # Audit attribution tests: Debian's auditd (started on its own log by the test) and auditctl.
  pkgs+=(auditd)
  # driftctl report's HTML rendered and screenshotted (tests/daemon/report_html.sh), pixels read by PIL.
  pkgs+=(chromium python3-pil fonts-dejavu-core)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  # Server packages (pushgateway, prometheus) would start their init scripts on install; the
  # tests start their own on free ports, so keep the package scripts from starting anything.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod 755 "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}" ||
    { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; }
fi
