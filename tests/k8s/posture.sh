# Posture: the objects `kubectl kustomize manifests/` builds (the base, and with each optional
# component) meet the cluster's four enforced Kyverno policies and the pod README "Kubernetes"
# describes (posture.py lists the conditions). Then each bad edit in posture.py's list of
# mutants (privileged, a host namespace, SYS_ADMIN, an untrusted registry, a writable host
# mount, a single-file hostPath, a CPU limit, ...) must be refused.
source "$(dirname "$0")/lib.sh"
need_pyyaml
need_kustomize
build_json "$MANIFESTS" "$K8S_T/base.json"
"$PY" "$K8S_TESTS/posture.py" "$K8S_T/base.json" || fail "the base manifests break the posture"
build_json "$(overlay scrape scrape)" "$K8S_T/scrape.json"
"$PY" "$K8S_TESTS/posture.py" "$K8S_T/scrape.json" --scrape || fail "the scrape component breaks the posture"
build_json "$(overlay scrape-plain scrape-plain)" "$K8S_T/scrape-plain.json"
"$PY" "$K8S_TESTS/posture.py" "$K8S_T/scrape-plain.json" --scrape-plain || fail "the scrape-plain component breaks the posture"
"$PY" "$K8S_TESTS/posture.py" "$K8S_T/scrape.json" --scrape-plain 2>/dev/null && fail "posture.py took a PodMonitor for scrape-plain"
build_json "$(overlay rules prometheus-rule)" "$K8S_T/rules.json"
"$PY" "$K8S_TESTS/posture.py" "$K8S_T/rules.json" || fail "the prometheus-rule component breaks the posture"
build_json "$(overlay exec exec-policy)" "$K8S_T/exec.json"
"$PY" "$K8S_TESTS/posture.py" "$K8S_T/exec.json" || fail "the exec-policy component breaks the posture"
"$PY" "$K8S_TESTS/posture.py" "$K8S_T/base.json" --mutants || fail "a bad edit passed the posture check"
echo PASS
