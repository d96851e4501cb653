# Shared helpers of the Kubernetes tests (tests/k8s/*.sh): the repository's paths, a temp dir
# removed on exit (with hooks that run before, last added first), skipping with a message and
# exit 77 where a tool is missing, and the objects `kubectl kustomize` builds, as JSON.
set -uo pipefail
K8S_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$K8S_TESTS/../.." && pwd)
MANIFESTS=$REPO/manifests
SHARED=${DRIFTD_SHARED:-$REPO/../shared}
K8S_T=$(mktemp -d /tmp/driftd-k8s.XXXXXX)
K8S_EXIT_HOOKS=()
on_exit() { K8S_EXIT_HOOKS+=("$1"); }
k8s_cleanup() {
  local i
  for ((i = ${#K8S_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do eval "${K8S_EXIT_HOOKS[i]}"; done
  rm -rf "$K8S_T"
}
trap k8s_cleanup EXIT
skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || skip "$1 not found (${2:-needed by this test})"; }

# PY: a python3 with PyYAML (Debian: python3-yaml, in packaging/install-deps.sh --tests).
PY=""
need_pyyaml() {
  local p
  for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import yaml' 2>/dev/null; then PY=$p; return; fi
  done
  skip "no python3 with PyYAML (apt-get install python3-yaml)"
}

# kubectl's built-in kustomize, which must know components (kubectl >= 1.21).
need_kustomize() {
  need kubectl "the manifests are built with kubectl kustomize"
  kubectl kustomize "$MANIFESTS/components/prometheus-rule" >/dev/null 2>&1 ||
    skip "this kubectl cannot build kustomize components ($(kubectl version --client 2>&1 | head -n1))"
}

# overlay NAME [COMPONENT...]: $K8S_T/NAME, a kustomization of manifests/ plus the components
# (as an operator's overlay enables them); prints its directory.
overlay() {
  local dir=$K8S_T/overlay-$1 rel c; shift
  mkdir -p "$dir"
  rel=$(realpath --relative-to="$dir" "$MANIFESTS")
  {
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources: [$rel]"
    if (($#)); then
      echo "components:"
      for c in "$@"; do echo "  - $rel/components/$c"; done
    fi
  } > "$dir/kustomization.yaml"
  echo "$dir"
}

# build_json DIR OUT: `kubectl kustomize DIR` as one JSON list of objects in OUT.
build_json() {
  kubectl kustomize "$1" > "$2.yaml" || fail "kubectl kustomize $1"
  "$PY" -c 'import json, sys, yaml; json.dump([d for d in yaml.safe_load_all(open(sys.argv[1])) if d], open(sys.argv[2], "w"))' \
    "$2.yaml" "$2" || fail "cannot parse the output of kubectl kustomize $1"
}

# cmake_flags FILE [BUILD_DIR_PATTERN]: the -D flags of FILE's `cmake -S` line (continuations
# joined), one per line, sorted (Dockerfile.alpine's and run-all.sh's builds).
cmake_flags() {
  sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$1" | grep -E "cmake -S [^ ]+ -B ${2:-[^ ]+}" | head -n1 |
    grep -oE -- '-D[A-Za-z_]+=[^ ]+' | sort
}
