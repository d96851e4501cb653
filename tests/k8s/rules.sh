# The alert rules and the dashboard's queries, with Debian's promtool: `promtool check rules` on
# the rules file and on the PrometheusRule's spec, `promtool test rules` on rules_test.yaml
# (revert within minutes, package drift not paging, drift for 1h with its paths, baseline invalid
# on a node that had one, a never-baselined node quiet within its 24h grace and warned after, a
# wiped state directory paging, exports violations, state_dir full and dropped Loki lines, silent
# agents and deleted nodes, scrape mode), and every PromQL expression
# of the Grafana dashboard parsed by promtool as a recording rule (Grafana's variables
# substituted first; the Loki logs panel's LogQL is checked for its node selector only).
source "$(dirname "$0")/lib.sh"
need promtool "Debian package prometheus"
need_pyyaml
promtool check rules "$MANIFESTS/monitoring/driftd.rules.yaml" >&2 || fail "promtool check rules (rules file)"
"$PY" - "$MANIFESTS/components/prometheus-rule/prometheusrule.yaml" "$K8S_T/from-prometheusrule.yaml" <<'PY' ||
import sys, yaml
yaml.safe_dump(yaml.safe_load(open(sys.argv[1]))["spec"], open(sys.argv[2], "w"))
PY
  fail "cannot read the PrometheusRule"
promtool check rules "$K8S_T/from-prometheusrule.yaml" >&2 || fail "promtool check rules (PrometheusRule spec)"
(cd "$K8S_TESTS" && promtool test rules rules_test.yaml) >&2 || fail "promtool test rules"

# The dashboard: every Prometheus target's expr becomes a recording rule.
"$PY" - "$MANIFESTS/grafana/driftd-dashboard.json" "$K8S_T/dashboard-rules.yaml" <<'PY' || fail "dashboard queries"
import json, sys, yaml
dash = json.load(open(sys.argv[1]))
variables = {v["name"]: v for v in dash["templating"]["list"]}
assert variables["datasource"]["query"] == "prometheus" and variables["loki"]["query"] == "loki", "datasource variables"
subst = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h", "${node}": ".*", "$node": ".*"}
def expand(expr):
    for k, v in subst.items():
        expr = expr.replace(k, v)
    assert "$" not in expr.replace("$1", ""), f"unsubstituted variable in {expr}"
    return expr
rules, logs = [], []
def walk(panels):
    for p in panels:
        walk(p.get("panels") or [])
        for t in p.get("targets") or []:
            ds = t.get("datasource") or p.get("datasource") or {}
            if ds.get("type") == "loki":
                logs.append((p["title"], t["expr"]))
            else:
                rules.append({"record": f"dashboard:panel_{p['id']}:{t['refId']}", "expr": expand(t["expr"])})
walk(dash["panels"])
node_query = variables["node"]["query"]["query"]
rules.append({"record": "dashboard:variable_node", "expr": node_query[len("label_values("):node_query.rindex(",")]})
assert all('node=~"$node"' in e and 'job="driftd"' in e for _, e in logs), f"Loki panels: {logs}"
# One logs panel (the lines and diffs); the Stage C row's LogQL metric queries
# are run against a real Loki by tests/daemon/report.sh.
assert sum(1 for _, e in logs if "count_over_time" not in e) == 1, f"Loki logs panels: {logs}"
assert sum(1 for _, e in logs if "count_over_time" in e) >= 4, f"Stage C panels: {logs}"
yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(sys.argv[2], "w"))
print(f"dashboard: {len(rules)} PromQL expressions, {len(logs)} LogQL", file=sys.stderr)
PY
promtool check rules "$K8S_T/dashboard-rules.yaml" >&2 || fail "a dashboard expression does not parse"
echo PASS
