"""Posture of the objects `kubectl kustomize manifests/` builds (tests/k8s/posture.sh).

    posture.py BUILD.json [--scrape | --scrape-plain]
    posture.py BUILD.json --mutants

Asserts the conditions of the cluster's four enforced Kyverno policies (deny-privileged-containers,
deny-host-namespaces, restrict-sys-admin, require-trusted-registries), and the pod the README
promises: read-only host directories under /host with HostToContainer, the state directory the
only writable host path, kubelet's private directories masked, no single-file hostPath, DAC_READ_SEARCH as the only capability, no CPU
limit, the image by digest, no API access, egress only to DNS, Pushgateway and Loki. Prints every
violation and exits 1 if there is any. --mutants is the checker's self-test: each bad edit in
MUTANTS, applied to the build, must be refused.
"""
import copy
import json
import re
import sys

import yaml

TRUSTED_REGISTRY = "ghcr.io/viktorbarzin/"
# host directory -> mount path; all read-only with HostToContainer (issue 6, README "Kubernetes").
HOST_DIRS = {p: "/host" + p for p in [
    "/etc", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/opt/cni/bin",
    "/var/lib/dpkg", "/var/lib/kubelet",
    # apt's signed chain for package proofs (issue 21)
    "/var/lib/apt/lists", "/var/cache/apt/archives", "/usr/share/keyrings"]}
STATE_DIR = "/var/lib/driftd"
# kubelet's directories with other pods' volumes, its keys and sockets: covered in the pod by an
# empty read-only volume (readOnly is not recursive; README "What kubectl exec reaches").
MASKED = ["/host/var/lib/kubelet/" + d for d in
          ["pods", "pki", "plugins", "plugins_registry", "pod-resources", "device-plugins", "checkpoints"]]
# The only cluster-scoped objects: the Namespace, and the exec-policy component's admission policy.
CLUSTER_SCOPED = {"Namespace", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
ALLOWED_EGRESS_PORTS = {53, 9091, 3100}

errors = []


def check(cond, msg):
    if not cond:
        errors.append(msg)


def containers_of(pod):
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in pod.get(key) or []:
            yield key, c


def kyverno_policies(name, pod):
    """The four cluster policies, as their conditions read (Kyverno is not available offline)."""
    # deny-privileged-containers
    for key, c in containers_of(pod):
        check(not (c.get("securityContext") or {}).get("privileged", False),
              f"{name}: {key} {c['name']} is privileged (deny-privileged-containers)")
    # deny-host-namespaces
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        check(not pod.get(field, False), f"{name}: {field} is set (deny-host-namespaces)")
    # restrict-sys-admin
    for key, c in containers_of(pod):
        added = ((c.get("securityContext") or {}).get("capabilities") or {}).get("add") or []
        check(not any(a.upper() in ("SYS_ADMIN", "CAP_SYS_ADMIN") for a in added),
              f"{name}: {key} {c['name']} adds SYS_ADMIN (restrict-sys-admin)")
    # require-trusted-registries
    for key, c in containers_of(pod):
        check(c.get("image", "").startswith(TRUSTED_REGISTRY),
              f"{name}: {key} {c['name']} image {c.get('image')!r} is not from {TRUSTED_REGISTRY} "
              "(require-trusted-registries)")


def driftd_container(name, pod, config):
    cs = pod.get("containers") or []
    check(len(cs) == 1 and not pod.get("initContainers"), f"{name}: expected exactly one container")
    if not cs:
        return
    c = cs[0]
    check(re.fullmatch(r"ghcr\.io/viktorbarzin/driftd@sha256:[0-9a-f]{64}", c.get("image", "")) is not None,
          f"{name}: image {c.get('image')!r} is not ghcr.io/viktorbarzin/driftd by digest")
    cmd = (c.get("command") or []) + (c.get("args") or [])
    check(cmd == ["/usr/local/bin/driftd", "--config", "/etc/driftd/config.yaml", "--root", "/host"],
          f"{name}: runs {cmd}, not driftd --config /etc/driftd/config.yaml --root /host")
    sc = c.get("securityContext") or {}
    check(sc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation is not false")
    check(sc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem is not true")
    check(sc.get("runAsUser", (pod.get("securityContext") or {}).get("runAsUser")) == 0,
          f"{name}: runAsUser is not 0 (DAC_READ_SEARCH needs uid 0: no ambient capabilities)")
    caps = sc.get("capabilities") or {}
    check(caps.get("drop") == ["ALL"], f"{name}: capabilities.drop is {caps.get('drop')}, not [ALL]")
    check(caps.get("add") == ["DAC_READ_SEARCH"],
          f"{name}: capabilities.add is {caps.get('add')}, not [DAC_READ_SEARCH] alone")
    seccomp = (sc.get("seccompProfile") or (pod.get("securityContext") or {}).get("seccompProfile") or {})
    check(seccomp.get("type") == "RuntimeDefault", f"{name}: seccompProfile is {seccomp}, not RuntimeDefault")
    res = c.get("resources") or {}
    check("cpu" not in (res.get("limits") or {}), f"{name}: has a CPU limit (the cluster sets CPU requests only)")
    check("cpu" in (res.get("requests") or {}), f"{name}: no CPU request")
    check("memory" in (res.get("requests") or {}) and "memory" in (res.get("limits") or {}),
          f"{name}: memory request and limit must both be set")
    env = {e["name"]: e for e in c.get("env") or []}
    check(((env.get("NODE_NAME") or {}).get("valueFrom") or {}).get("fieldRef", {}).get("fieldPath") == "spec.nodeName",
          f"{name}: NODE_NAME does not come from spec.nodeName")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = (c.get(probe) or {}).get("httpGet") or {}
        port = get.get("port")
        ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
        check(get.get("path") == path and (port == 9847 or ports.get(port) == 9847),
              f"{name}: {probe} is not httpGet {path} on 9847")
    mounts(name, pod, c, config)


def mounts(name, pod, c, config):
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    host_mounts = {}
    for m in c.get("volumeMounts") or []:
        v = volumes.get(m["name"], {})
        check(m.get("mountPropagation") != "Bidirectional", f"{name}: {m['mountPath']} propagates Bidirectional")
        if "hostPath" not in v:
            check(m.get("readOnly") is True, f"{name}: {m['mountPath']} ({m['name']}) is writable")
            continue
        hp = v["hostPath"]
        host_mounts[hp["path"]] = (m, hp)
        check(hp.get("type") in ("Directory", "DirectoryOrCreate"),
              f"{name}: hostPath {hp['path']} has type {hp.get('type')!r}: only directories are mounted "
              "(a single-file mount keeps the old inode after a rename)")
        if hp["path"] == STATE_DIR:
            check(m["mountPath"] == STATE_DIR and not m.get("readOnly", False) and hp.get("type") == "DirectoryOrCreate",
                  f"{name}: the state directory must be {STATE_DIR}, writable, DirectoryOrCreate")
            continue
        check(m.get("readOnly") is True, f"{name}: hostPath {hp['path']} is mounted writable "
              f"(only {STATE_DIR} may be)")
        check(m.get("mountPropagation") == "HostToContainer",
              f"{name}: hostPath {hp['path']} is not mounted with mountPropagation HostToContainer")
        check(HOST_DIRS.get(hp["path"]) == m["mountPath"],
              f"{name}: unexpected host mount {hp['path']} -> {m['mountPath']}")
    masks = {m["mountPath"] for m in c.get("volumeMounts") or []
             if "emptyDir" in volumes.get(m["name"], {}) and m.get("readOnly") is True}
    for path in MASKED:
        check(path in masks, f"{name}: {path} is not covered by an empty read-only volume")
    for path, mount_path in HOST_DIRS.items():
        check(path in host_mounts, f"{name}: host directory {path} is not mounted at {mount_path}")
    check(STATE_DIR in host_mounts, f"{name}: no hostPath for the state directory {STATE_DIR}")
    unmounted = [v["name"] for v in volumes.values() if "hostPath" in v and
                 v["hostPath"]["path"] not in host_mounts]
    check(not unmounted, f"{name}: hostPath volumes not mounted (or mounted twice): {unmounted}")
    # Every path driftd is configured to read is under one of the read-only host directories,
    # and none of the file rules is itself a hostPath.
    if config:
        rules = [p if isinstance(p, str) else p["path"] for p in config.get("paths") or []]
        for r in rules:
            check(any(r == d or r.startswith(d + "/") for d in HOST_DIRS),
                  f"{name}: configured path {r} is not under a mounted host directory")
            check(r not in host_mounts or r in HOST_DIRS, f"{name}: configured path {r} is a hostPath of its own")
    # /etc/driftd: config.yaml and baseline.pub from the two ConfigMaps.
    etc = [m for m in c.get("volumeMounts") or [] if m["mountPath"] == "/etc/driftd"]
    check(len(etc) == 1, f"{name}: /etc/driftd is not mounted once")
    if etc:
        sources = (volumes.get(etc[0]["name"], {}).get("projected") or {}).get("sources") or []
        items = sorted(i["path"] for s in sources for i in (s.get("configMap") or {}).get("items") or [])
        check(items == ["baseline.pub", "config.yaml"], f"{name}: /etc/driftd holds {items}")


def agent_config(objs):
    daemonset = one(objs, "DaemonSet")
    pod = daemonset["spec"]["template"]["spec"]
    names = [s["configMap"]["name"] for v in pod.get("volumes") or [] if "projected" in v
             for s in v["projected"]["sources"] if "configMap" in s]
    for o in objs:
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] in names and "config.yaml" in o.get("data", {}):
            return yaml.safe_load(o["data"]["config.yaml"])
    errors.append("no ConfigMap with config.yaml mounted into /etc/driftd")
    return None


def one(objs, kind):
    found = [o for o in objs if o["kind"] == kind]
    if len(found) != 1:
        errors.append(f"expected one {kind}, found {len(found)}")
        return {"metadata": {"name": "?"}, "spec": {"template": {"spec": {}}}}
    return found[0]


def check_all(objs, scrape, operator=True):
    for o in objs:
        check(o["kind"] in CLUSTER_SCOPED or o["metadata"].get("namespace") == "driftd",
              f"{o['kind']}/{o['metadata']['name']} is not in the namespace driftd")
        check(o["kind"] not in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"),
              f"{o['kind']}/{o['metadata']['name']}: driftd needs no API permissions")
    for o in objs:  # every pod template in the build, whatever its kind
        pod = (((o.get("spec") or {}).get("template") or {}).get("spec"))
        if pod:
            kyverno_policies(f"{o['kind']}/{o['metadata']['name']}", pod)
    config = agent_config(objs)
    ds = one(objs, "DaemonSet")
    name = f"DaemonSet/{ds['metadata']['name']}"
    pod = ds["spec"]["template"]["spec"]
    driftd_container(name, pod, config)
    check(pod.get("automountServiceAccountToken") is False, f"{name}: automountServiceAccountToken is not false")
    sa = one(objs, "ServiceAccount")
    check(sa.get("automountServiceAccountToken") is False, "ServiceAccount: automountServiceAccountToken is not false")
    check(pod.get("serviceAccountName") == sa["metadata"]["name"], f"{name}: does not use the driftd ServiceAccount")
    check({"operator": "Exists"} in (pod.get("tolerations") or []), f"{name}: does not tolerate every taint")
    check(pod.get("priorityClassName") == "system-node-critical", f"{name}: priorityClassName is not system-node-critical")
    upd = ds["spec"].get("updateStrategy") or {}
    check(upd.get("type") == "RollingUpdate" and "maxUnavailable" in (upd.get("rollingUpdate") or {}),
          f"{name}: not RollingUpdate with maxUnavailable")
    if config:
        check(config.get("root") == "/host", "config: root is not /host")
        check(config.get("listen") == ":9847", "config: listen is not :9847")
        check("node" not in config, "config: node is set (it must come from NODE_NAME)")
        check(config.get("state_dir") == STATE_DIR and str(config.get("baseline", "")).startswith(STATE_DIR + "/"),
              f"config: state_dir/baseline are not under {STATE_DIR} (the writable mount)")
        check(config.get("public_key") == "/etc/driftd/baseline.pub", "config: public_key is not /etc/driftd/baseline.pub")
        push = (config.get("pushgateway") or {}).get("url", None)
        if scrape:
            check(push == "", f"config: scrape mode still pushes to {push!r} (every series would be doubled)")
        else:
            check(bool(push), "config: no pushgateway.url in push mode")
    # Network: egress to DNS, Pushgateway and Loki only; ingress only from the scrape component.
    policies = [o for o in objs if o["kind"] == "NetworkPolicy"]
    check(policies, "no NetworkPolicy")
    for np in policies:
        spec = np["spec"]
        for rule in spec.get("egress") or []:
            ports = {p.get("port") for p in rule.get("ports") or []}
            peers_ok = bool(rule.get("to")) and all("podSelector" in t and "ipBlock" not in t for t in rule["to"])
            check(peers_ok and ports and ports <= ALLOWED_EGRESS_PORTS,
                  f"NetworkPolicy/{np['metadata']['name']}: egress beyond DNS, Pushgateway, Loki: {rule}")
        for rule in spec.get("ingress") or []:
            ports = {p.get("port") for p in rule.get("ports") or []}
            check(scrape and rule.get("from") and ports == {9847},
                  f"NetworkPolicy/{np['metadata']['name']}: ingress {rule}")
    base = [np for np in policies if "Egress" in np["spec"].get("policyTypes", [])]
    check(len(base) == 1 and base[0]["spec"].get("ingress") == [] and "Ingress" in base[0]["spec"]["policyTypes"],
          "the base NetworkPolicy must deny ingress and limit egress")
    kinds = {o["kind"] for o in objs}
    check(("PodMonitor" in kinds) == (scrape and operator) and ("Service" in kinds) == scrape,
          f"Service/PodMonitor present: {kinds & {'Service', 'PodMonitor'}} (Service only in scrape mode, "
          "PodMonitor only with components/scrape, not scrape-plain)")


def pod_of(objs):
    return one(objs, "DaemonSet")["spec"]["template"]["spec"]


def container_of(objs):
    return pod_of(objs)["containers"][0]


def set_mount(objs, path, **kw):
    for m in container_of(objs)["volumeMounts"]:
        if m["mountPath"] == path:
            m.update(kw)


# Each is an edit the suite must refuse (issue 6: "a later edit that adds ...").
MUTANTS = {
    "privileged": lambda o: container_of(o)["securityContext"].update(privileged=True),
    "host-pid": lambda o: pod_of(o).update(hostPID=True),
    "host-network": lambda o: pod_of(o).update(hostNetwork=True),
    "sys-admin": lambda o: container_of(o)["securityContext"]["capabilities"]["add"].append("SYS_ADMIN"),
    "untrusted-registry": lambda o: container_of(o).update(image="docker.io/library/alpine@sha256:" + "1" * 64),
    "image-by-tag": lambda o: container_of(o).update(image="ghcr.io/viktorbarzin/driftd:latest"),
    "writable-etc": lambda o: set_mount(o, "/host/etc", readOnly=False),
    "no-propagation": lambda o: [m.pop("mountPropagation", None) for m in container_of(o)["volumeMounts"]
                                 if m["mountPath"] == "/host/usr/bin"],
    "single-file-kubelet-config": lambda o: (
        pod_of(o)["volumes"].append({"name": "kcfg", "hostPath": {"path": "/var/lib/kubelet/config.yaml", "type": "File"}}),
        container_of(o)["volumeMounts"].append({"name": "kcfg", "mountPath": "/host/var/lib/kubelet/config.yaml",
                                                "readOnly": True, "mountPropagation": "HostToContainer"})),
    "unmasked-pods": lambda o: container_of(o)["volumeMounts"].__setitem__(
        slice(None), [m for m in container_of(o)["volumeMounts"] if m["mountPath"] != "/host/var/lib/kubelet/pods"]),
    "cpu-limit": lambda o: container_of(o)["resources"].setdefault("limits", {}).update(cpu="500m"),
    "no-dpkg-mount": lambda o: pod_of(o)["volumes"].__setitem__(
        slice(None), [v for v in pod_of(o)["volumes"] if v["name"] != "host-var-lib-dpkg"]),
    "no-apt-lists-mount": lambda o: pod_of(o)["volumes"].__setitem__(
        slice(None), [v for v in pod_of(o)["volumes"] if v["name"] != "host-var-lib-apt-lists"]),
    "writable-apt-archives": lambda o: set_mount(o, "/host/var/cache/apt/archives", readOnly=False),
    "extra-capability": lambda o: container_of(o)["securityContext"]["capabilities"]["add"].append("SYS_PTRACE"),
    "service-account-token": lambda o: pod_of(o).update(automountServiceAccountToken=True),
    "egress-anywhere": lambda o: [np["spec"]["egress"].append({"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                                                               "ports": [{"port": 53}]})
                                  for np in o if np["kind"] == "NetworkPolicy"],
}


def main():
    args = sys.argv[1:]
    objs = json.load(open(args[0]))
    if "--mutants" in args:
        missed = []
        for name, mutate in MUTANTS.items():
            errors.clear()
            mutated = copy.deepcopy(objs)
            mutate(mutated)
            check_all(mutated, False)
            print(f"refused {name}: {errors[0]}" if errors else f"NOT refused: {name}", file=sys.stderr)
            if not errors:
                missed.append(name)
        return 1 if missed else 0
    check_all(objs, "--scrape" in args or "--scrape-plain" in args, "--scrape-plain" not in args)
    for e in errors:
        print("posture:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
