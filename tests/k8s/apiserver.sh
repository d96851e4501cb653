# The real kube-apiserver (../shared/kube-apiserver) validates what `kubectl apply -k manifests/`
# sends: the Namespace is created for real, then `kubectl apply --dry-run=server` runs on the
# rest of the build and on the build with each optional component (prometheus-operator CRDs
# applied first). Any error, unknown field or wrong type fails; so does any warning. Then the
# DaemonSet is dry-run into a namespace that warns at Pod Security "baseline": the only
# departures the API server may report are the hostPath volumes and DAC_READ_SEARCH.
source "$(dirname "$0")/lib.sh"
need_pyyaml
need_kustomize
[[ -x $SHARED/kube-apiserver/start-kube-apiserver ]] ||
  skip "no $SHARED/kube-apiserver/start-kube-apiserver (the real API server ships in ../shared)"
RUN=$K8S_T/kube-apiserver
export KUBECONFIG
KUBECONFIG=$("$SHARED/kube-apiserver/start-kube-apiserver" "$RUN") || fail "kube-apiserver did not start"
on_exit '"$SHARED/kube-apiserver/stop-kube-apiserver" "$RUN" >/dev/null 2>&1'
kubectl version 2>/dev/null | grep -i server >&2

# kubectl_clean DESCRIPTION ARGS...: runs kubectl; fails on a non-zero exit or any warning.
kubectl_clean() {
  local what=$1; shift
  kubectl "$@" >"$K8S_T/out" 2>"$K8S_T/err" || { cat "$K8S_T/out" "$K8S_T/err" >&2; fail "$what"; }
  cat "$K8S_T/out" >&2
  if [[ -s $K8S_T/err ]]; then cat "$K8S_T/err" >&2; fail "$what: warnings"; fi
}
# split BUILD.yaml: BUILD.yaml.ns (the Namespace) and BUILD.yaml.rest (everything else).
split() {
  "$PY" - "$1" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
yaml.safe_dump_all([d for d in docs if d["kind"] == "Namespace"], open(sys.argv[1] + ".ns", "w"))
yaml.safe_dump_all([d for d in docs if d["kind"] != "Namespace"], open(sys.argv[1] + ".rest", "w"))
PY
}

kubectl_clean "prometheus-operator CRDs" apply --server-side -f "$SHARED/kube-apiserver/crds/"
kubectl wait --for condition=established --timeout=60s \
  crd/prometheusrules.monitoring.coreos.com crd/podmonitors.monitoring.coreos.com >&2 || fail "CRDs not established"

kubectl kustomize "$MANIFESTS" > "$K8S_T/base.yaml" || fail "kubectl kustomize manifests/"
split "$K8S_T/base.yaml"
kubectl_clean "create the Namespace" create -f "$K8S_T/base.yaml.ns"
kubectl_clean "dry run of manifests/" apply --dry-run=server -f "$K8S_T/base.yaml.rest"
for component in scrape scrape-plain prometheus-rule exec-policy; do
  kubectl kustomize "$(overlay "$component" "$component")" > "$K8S_T/$component.yaml" || fail "kustomize with $component"
  split "$K8S_T/$component.yaml"
  kubectl_clean "dry run with the $component component" apply --dry-run=server -f "$K8S_T/$component.yaml.rest"
done
# The server really refuses a bad object here (so a clean run above means something).
sed 's/readOnlyRootFilesystem: true/readOnlyRootFilesytem: true/' "$K8S_T/base.yaml.rest" > "$K8S_T/typo.yaml"
kubectl apply --dry-run=server -f "$K8S_T/typo.yaml" >/dev/null 2>"$K8S_T/err" && fail "a misspelt field was accepted"
grep -q 'unknown field' "$K8S_T/err" || fail "no strict-decoding error for a misspelt field: $(cat "$K8S_T/err")"

# Pod Security: the manifests' namespace enforces "privileged" (hostPath and DAC_READ_SEARCH are
# beyond "baseline"); the warnings at "baseline" name exactly those two departures.
kubectl_clean "the PSA probe namespace" create namespace driftd-psa
kubectl_clean "label it" label namespace driftd-psa pod-security.kubernetes.io/enforce=privileged \
  pod-security.kubernetes.io/warn=baseline
"$PY" - "$K8S_T/base.yaml.rest" > "$K8S_T/psa.yaml" <<'PY'
import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "DaemonSet":
        d["metadata"]["namespace"] = "driftd-psa"
        print(yaml.safe_dump(d))
PY
kubectl apply --dry-run=server -f "$K8S_T/psa.yaml" >/dev/null 2>"$K8S_T/err" || fail "PSA dry run: $(cat "$K8S_T/err")"
cat "$K8S_T/err" >&2
departures=$("$PY" - "$K8S_T/err" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r'would violate PodSecurity "baseline:[^"]*": (.*)', text)
print(",".join(sorted(c.strip() for c in re.sub(r"\([^()]*\)", "", m.group(1)).split(","))) if m else "")
PY
)
[[ $departures == "hostPath volumes,non-default capabilities" ]] ||
  fail "Pod Security baseline departures are '$departures', expected hostPath volumes and non-default capabilities"
echo PASS
