# What has one source stays one: the PrometheusRule is what gen-prometheusrule.sh makes from
# driftd.rules.yaml (byte for byte, and the same rules when parsed); the scrape component's
# config is manifests/agent-config.yaml with only the push turned off; every alert has a for: and
# a runbook_url that is a README anchor with its three parts; job="driftd", which the rules and
# the dashboard hard-code, is what every shipped config pushes and every scrape names; every
# metric the rules and the dashboard use is one driftd exports (README's metrics table or agent/*.cc); the optional
# Localhost seccomp profile is an allowlist that refuses what driftd refuses itself.
source "$(dirname "$0")/lib.sh"
need_pyyaml
"$MANIFESTS/monitoring/gen-prometheusrule.sh" "$K8S_T/prometheusrule.yaml" || fail "gen-prometheusrule.sh"
cmp -s "$K8S_T/prometheusrule.yaml" "$MANIFESTS/components/prometheus-rule/prometheusrule.yaml" ||
  fail "components/prometheus-rule/prometheusrule.yaml is stale: run manifests/monitoring/gen-prometheusrule.sh"
"$PY" - "$MANIFESTS" "$REPO" <<'PY' || fail "one source"
import glob, json, os, re, sys, yaml
m, repo = sys.argv[1], sys.argv[2]
rules = yaml.safe_load(open(f"{m}/monitoring/driftd.rules.yaml"))
pr = yaml.safe_load(open(f"{m}/components/prometheus-rule/prometheusrule.yaml"))
assert pr["kind"] == "PrometheusRule" and pr["spec"] == rules, "PrometheusRule spec differs from driftd.rules.yaml"
for g in rules["groups"]:
    for r in g["rules"]:
        assert r["labels"].get("lane") == "security" and r["labels"].get("severity") in ("critical", "warning"), \
            f"{r['alert']}: needs labels lane: security and severity"
names = {r["alert"] for g in rules["groups"] for r in g["rules"]}
assert names == {"NodeDriftCritical", "NodeDriftDetected", "DriftBaselineInvalid", "DriftBaselineNotInstalled",
                 "NFSExportsViolation", "DriftLokiLinesDropped", "DriftStateDirUnwritable", "DriftAgentSilent",
                 "PackageCauseUnproven"}, names

# Every alert: an explicit for: and a runbook_url, all under one prefix (README "Alert runbooks"
# says a fork changes it), each an anchor of a README heading (GitHub's slug of it) whose
# section says what it means, what to check and how it clears.
readme = open(f"{repo}/README.md").read()
def slug(heading):
    return re.sub(r"[^a-z0-9 _-]", "", heading.strip().lower()).replace(" ", "-")
anchors = {slug(h) for h in re.findall(r"^#+ (.+)$", readme, re.M)}
urls = {}
for g in rules["groups"]:
    for r in g["rules"]:
        assert "for" in r, f"{r['alert']}: no for: (write 0m where it must fire at once)"
        urls[r["alert"]] = r["annotations"].get("runbook_url", "")
prefixes = {u.split("#")[0] for u in urls.values()}
assert len(prefixes) == 1 and prefixes.pop().startswith("https://"), f"runbook_url prefixes: {urls}"
runbooks = readme[readme.index("\n## Alert runbooks"):]
runbooks = runbooks[:runbooks.index("\n## ", 1)]
for alert, url in urls.items():
    anchor = url.split("#", 1)[1] if "#" in url else ""
    assert anchor == slug(alert) and anchor in anchors, f"{alert}: runbook_url {url} is no README heading"
    section = runbooks[runbooks.index(f"### {alert}\n"):]
    section = section[:section.find("\n### ", 1) if "\n### " in section[1:] else len(section)]
    for part in ("**Means:**", "**Check:**", "**Clears:**"):
        assert part in section, f"README runbook {alert} has no {part}"
# The README's alert table says each alert's for: and severity as the rules have them.
table = {}
for row in re.findall(r"^\| `(\w+)` \|.*\| ([^|]+) \| (critical|warning) \|$", readme, re.M):
    table[row[0]] = (row[1].split(":")[0].strip(), row[2])
for g in rules["groups"]:
    for r in g["rules"]:
        assert table.get(r["alert"]) == (r["for"], r["labels"]["severity"]), \
            f"README's alert table for {r['alert']}: {table.get(r['alert'])}, the rule: {r['for']}, {r['labels']['severity']}"
assert "change the prefix" in runbooks, "README runbooks: no word for forks about the runbook_url prefix"

base = yaml.safe_load(open(f"{m}/agent-config.yaml"))
scrape = yaml.safe_load(open(f"{m}/components/scrape-plain/agent-config.yaml"))
assert scrape["pushgateway"]["url"] == "", "scrape mode must not push"
scrape["pushgateway"]["url"] = base["pushgateway"]["url"]
assert scrape == base, "components/scrape-plain/agent-config.yaml differs from agent-config.yaml beyond the push URL"

# job="driftd" is a constraint (README "Alerts and dashboard"): every shipped config pushes as
# job driftd, every scrape names its job driftd, and every job selector in the rules and the
# dashboard is job="driftd" (kube-state-metrics' series are selected by name only).
assert base["pushgateway"]["job"] == "driftd", "manifests/agent-config.yaml: pushgateway.job must be driftd"
assert re.search(r'pushgateway_job = "driftd"', open(f"{repo}/agent/config.h").read()), "the default job is not driftd"
pm = yaml.safe_load(open(f"{m}/components/scrape/podmonitor.yaml"))
assert {"targetLabel": "job", "replacement": "driftd"} in pm["spec"]["podMetricsEndpoints"][0]["relabelings"], "PodMonitor job"
assert [j["job_name"] for j in yaml.safe_load(open(f"{m}/monitoring/driftd.scrape.yaml"))] == ["driftd"], "scrape job_name"
selectors = re.findall(r'job\s*(=~|!=|!~|=)\s*\\?"([^"\\]*)', open(f"{m}/monitoring/driftd.rules.yaml").read() +
                       open(f"{m}/grafana/driftd-dashboard.json").read().replace('\\"', '"'))
assert selectors and set(selectors) == {("=", "driftd")}, f"job selectors other than job=\"driftd\": {set(selectors)}"

# Metric names: the README's contract and the agent's sources.
known = open(f"{repo}/README.md").read() + "".join(open(f).read() for f in glob.glob(f"{repo}/agent/*.cc"))
used = set()
for g in rules["groups"]:
    for r in g["rules"]:
        used |= set(re.findall(r"\bdriftd_[a-z_]+", r["expr"] + json.dumps(r.get("annotations", {}))))
used |= set(re.findall(r"\bdriftd_[a-z_]+", open(f"{m}/grafana/driftd-dashboard.json").read()))
used.discard("driftd_")
pending = set()  # names an issue in progress will add (none now)
unknown = sorted(n for n in used if re.sub(r"_(bucket|count|sum)$", "", n) not in known)
assert not set(unknown) - pending, f"metrics driftd does not export: {sorted(set(unknown) - pending)}"
for n in sorted(pending - set(unknown)):
    print(f"note: {n} is exported now: drop it from the pending list in tests/k8s/static.sh", file=sys.stderr)
# manifests/seccomp/driftd.json: an allowlist, no namespace-creating clone, and none of the calls
# driftd's own filter denies (agent/confine.cc), open_by_handle_at first.
prof = json.load(open(f"{m}/seccomp/driftd.json"))
assert prof["defaultAction"] == "SCMP_ACT_ERRNO", "the Localhost profile must be an allowlist"
allowed = {n for r in prof["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" and not r.get("args") for n in r["names"]}
confine = open(f"{repo}/agent/confine.cc").read()
denied = set(re.findall(r'"([a-z_0-9]+)"', confine[confine.index("open_by_handle_at") - 2:confine.index("quotactl") + 10]))
assert {"open_by_handle_at", "name_to_handle_at", "unshare", "setns", "ptrace"} <= denied, denied
assert not allowed & denied, f"the profile allows what driftd denies itself: {sorted(allowed & denied)}"
assert {"seccomp", "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "prctl",
        "inotify_init1", "inotify_add_watch", "signalfd4",
        # the scan opens beneath the root (lib/beneath.cc): openat2, else an openat walk
        "openat2", "openat", "newfstatat", "readlinkat", "listxattr", "getxattr"} <= allowed, "driftd's own needs"
clone = [r for r in prof["syscalls"] if r["names"] == ["clone"]]
assert clone and clone[0]["args"] == [{"index": 0, "value": 0x7E020000, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}], \
    "clone must be allowed only without CLONE_NEW* flags"
assert "clone3" not in allowed
print(f"one source: {len(names)} alerts with runbooks, {len(selectors)} job selectors, {len(used)} metric names known",
      file=sys.stderr)
PY
echo PASS
