# Scrape mode without the Operator has no object the API server could check: its scrape job is
# Prometheus config (manifests/monitoring/driftd.scrape.yaml, for the chart's extraScrapeConfigs).
# So: promtool check config on it (Debian's Prometheus is built without Kubernetes discovery, so
# the kubernetes_sd_configs block is swapped for a static target there: promtool checks the job,
# its relabelings and their regexes), and its keep and instance relabelings applied (Prometheus'
# rules: source labels joined by ";", the regex anchored) to the pods that `kubectl kustomize`
# builds with components/scrape-plain: one target per pod, the metrics port, job="driftd" and
# instance=<node>; a pod with its port renamed is no target; and the build has the Service and
# no PodMonitor (a cluster without the Operator cannot apply one).
source "$(dirname "$0")/lib.sh"
need promtool "Debian package prometheus"
need_pyyaml
need_kustomize
SCRAPE=$MANIFESTS/monitoring/driftd.scrape.yaml
"$PY" - "$SCRAPE" "$K8S_T/prometheus.yml" <<'PY' || fail "cannot read $SCRAPE"
import sys, yaml
jobs = yaml.safe_load(open(sys.argv[1]))
assert isinstance(jobs, list), "driftd.scrape.yaml must be a list of scrape configs (extraScrapeConfigs)"
checked = []
for j in jobs:
    j = dict(j)
    sd = j.pop("kubernetes_sd_configs")
    assert sd and all(set(c) <= {"role", "namespaces", "selectors"} for c in sd), sd
    j["static_configs"] = [{"targets": ["10.0.0.5:9847"]}]
    checked.append(j)
yaml.safe_dump({"global": {"scrape_interval": "1m"}, "scrape_configs": checked}, open(sys.argv[2], "w"))
PY
promtool check config --syntax-only "$K8S_T/prometheus.yml" >&2 || fail "promtool check config on driftd.scrape.yaml"
build_json "$(overlay scrape-plain scrape-plain)" "$K8S_T/plain.json"
"$PY" - "$SCRAPE" "$K8S_T/plain.json" <<'PY' || fail "the scrape job does not find driftd's pods as the rules need them"
import copy, json, re, sys, yaml
(job,) = yaml.safe_load(open(sys.argv[1]))
objs = json.load(open(sys.argv[2]))
kinds = {o["kind"] for o in objs}
assert "Service" in kinds and "PodMonitor" not in kinds, f"scrape-plain builds {sorted(kinds)}"
assert job["job_name"] == "driftd", "job_name must be driftd: the rules and the dashboard select job=\"driftd\""
(sd,) = job["kubernetes_sd_configs"]
assert sd["role"] == "pod", sd

def targets(objs, node="node-1"):
    """The targets Prometheus' pod discovery makes of the build's DaemonSet pods, after relabeling."""
    out = []
    for o in objs:
        if o["kind"] != "DaemonSet":
            continue
        ns = o["metadata"]["namespace"]
        if ns not in sd.get("namespaces", {}).get("names", [ns]):
            continue
        pod = o["spec"]["template"]
        for c in pod["spec"]["containers"]:
            for p in c.get("ports") or []:
                labels = {"__address__": f"10.0.0.5:{p['containerPort']}", "job": job["job_name"],
                          "__meta_kubernetes_namespace": ns, "__meta_kubernetes_pod_node_name": node,
                          "__meta_kubernetes_pod_phase": "Running",
                          "__meta_kubernetes_pod_container_port_name": p.get("name", ""),
                          "__meta_kubernetes_pod_container_name": c["name"]}
                for k, v in pod["metadata"].get("labels", {}).items():
                    labels["__meta_kubernetes_pod_label_" + re.sub(r"[^a-zA-Z0-9_]", "_", k)] = v
                for r in job["relabel_configs"]:
                    value = r.get("separator", ";").join(labels.get(s, "") for s in r.get("source_labels", []))
                    m = re.fullmatch(r.get("regex", "(.*)"), value)
                    action = r.get("action", "replace")
                    if action == "keep" and not m:
                        break
                    if action == "drop" and m:
                        break
                    if action == "replace" and m:
                        labels[r["target_label"]] = m.expand(r.get("replacement", "$1").replace("$1", r"\1"))
                    assert action in ("keep", "drop", "replace"), f"relabel action {action} not modelled here"
                else:
                    out.append({k: v for k, v in labels.items() if not k.startswith("__")} | {"port": p["containerPort"]})
    return out

got = targets(objs)
assert got == [{"job": "driftd", "instance": "node-1", "port": 9847}], got
renamed = copy.deepcopy(objs)
for o in renamed:
    if o["kind"] == "DaemonSet":
        o["spec"]["template"]["spec"]["containers"][0]["ports"][0]["name"] = "http"
assert targets(renamed) == [], "a pod without the metrics port name is still a target: the keep rule keeps too much"
print(f"scrape job driftd: target {got[0]}", file=sys.stderr)
PY
echo PASS
