# The image and its pins, without a Docker engine (none runs on our machines):
#  - Dockerfile.alpine's cmake flags equal tests/run-all.sh's DRIFTD_WITH_SYSTEMD=OFF build
#    (which CI compiles), WERROR aside; CMake is configured with those flags on exactly the
#    files the Dockerfile copies, and must know every flag; every C library function the
#    binaries call exists in musl;
#  - the image runs driftd --config /etc/driftd/config.yaml --root /host, as the DaemonSet does;
#  - the workflow builds Dockerfile.alpine into ghcr.io/viktorbarzin/driftd and pins the digest
#    with manifests/set-image-digest.sh, which rewrites both installs (run here on a copy);
#  - manifests/terraform/main.tf has the kustomization's digest, the KYVERNO_LIFECYCLE_V1 ignore
#    rule for dns_config, and the DaemonSet's host mounts, capabilities and resources.
source "$(dirname "$0")/lib.sh"
need_pyyaml
need cmake "the configure step of the image build"
DOCKERFILE=$REPO/Dockerfile.alpine

docker_flags=$(cmake_flags "$DOCKERFILE")
ci_flags=$(cmake_flags "$REPO/tests/run-all.sh" build/nosystemd)
[[ -n $docker_flags && -n $ci_flags ]] || fail "cannot find the cmake lines (Dockerfile: '$docker_flags', run-all.sh: '$ci_flags')"
options() { grep -E '^-DDRIFTD_' | grep -v '^-DDRIFTD_WERROR='; }
[[ $(options <<<"$docker_flags") == "$(options <<<"$ci_flags")" ]] ||
  fail "Dockerfile.alpine builds with $(options <<<"$docker_flags" | xargs) but run-all.sh's image build with $(options <<<"$ci_flags" | xargs)"
grep -qx -- '-DDRIFTD_WITH_SYSTEMD=OFF' <<<"$docker_flags" || fail "the image must build without libsystemd"

# The Docker build context as the Dockerfile copies it, configured with its flags.
ctx=$K8S_T/context
mkdir -p "$ctx"
while read -r src dst; do
  mkdir -p "$ctx/$(dirname "$dst")"
  cp -r "$REPO/$src" "$ctx/${dst%/}/" 2>/dev/null || cp -r "$REPO/$src" "$ctx/$dst" || fail "COPY $src $dst"
done < <(grep -E '^COPY [^-]' "$DOCKERFILE" | awk '{print $2, $3}')
# shellcheck disable=SC2086
cmake -S "$ctx" -B "$K8S_T/context-build" $docker_flags >"$K8S_T/configure.log" 2>&1 ||
  { tail -n 30 "$K8S_T/configure.log" >&2; fail "the image's configure step fails on the files it copies"; }
grep -q 'Manually-specified variables were not used' "$K8S_T/configure.log" &&
  { cat "$K8S_T/configure.log" >&2; fail "Dockerfile.alpine passes a flag CMake does not know"; }

# musl: every C library function the binaries call must exist in musl (Debian's musl-dev has its
# libc.so). Not the pthread_*clock* calls: libstdc++'s headers use those only where the C
# library has them, and Alpine's libstdc++ is configured for musl.
MUSL_LIBC=/usr/lib/x86_64-linux-musl/libc.so
if [[ -f $MUSL_LIBC && -x ${DRIFTD:-} && -x ${DRIFTCTL:-} ]]; then
  nm -D --defined-only "$MUSL_LIBC" | awk '{print $NF}' | sort -u > "$K8S_T/musl.syms"
  nm -D --undefined-only "$DRIFTD" "$DRIFTCTL" | awk '{print $NF}' | grep '@GLIBC_' | sed 's/@.*//' |
    grep -vE '^(pthread_cond_clockwait|pthread_mutex_clocklock|pthread_rwlock_clock(rd|wr)lock|sem_clockwait)$' |
    sort -u > "$K8S_T/used.syms"
  comm -23 "$K8S_T/used.syms" "$K8S_T/musl.syms" > "$K8S_T/missing.syms"
  # A glibc-only call is fine where every call site sits under `#if ... __GLIBC__ ...`: the
  # Alpine build compiles it out (this glibc build cannot show that, the sources can).
  "$PY" - "$K8S_T/missing.syms" "$REPO" <<'PY' || fail "the Alpine image would not build or link"
import glob, re, sys
missing = open(sys.argv[1]).read().split()
sources = [f for d in ("agent", "baseline", "exports", "lib", "runtime") for f in glob.glob(f"{sys.argv[2]}/{d}/*.[ch]*")]
bad = []
for sym in missing:
    sites, unguarded = 0, []
    for path in sources:
        stack = []
        for n, line in enumerate(open(path, errors="replace"), 1):
            d = re.match(r"\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)", line)
            if d:
                kind, cond = d.groups()
                if kind in ("if", "ifdef", "ifndef"): stack.append("__GLIBC__" in cond and kind != "ifndef")
                elif kind in ("elif", "else") and stack: stack[-1] = False
                elif kind == "endif" and stack: stack.pop()
                continue
            if re.search(rf"(?<![\w.>]){re.escape(sym)}\s*\(", line) and not line.lstrip().startswith("//"):
                sites += 1
                if not any(stack): unguarded.append(f"{path.split('/')[-2]}/{path.split('/')[-1]}:{n}")
    if sites == 0 or unguarded:
        bad.append(f"{sym} ({', '.join(unguarded) if unguarded else 'called from no source: a header or library'})")
    else:
        print(f"musl: {sym} is glibc-only and every call is under __GLIBC__", file=sys.stderr)
if bad:
    print("driftd/driftctl call C library functions musl (the Alpine image) does not have: " + "; ".join(bad), file=sys.stderr)
    sys.exit(1)
PY
else
  echo "SKIP musl check: no $MUSL_LIBC (Debian package musl-dev) or no built binaries" >&2
fi

# What the image runs, and that the DaemonSet runs the same.
"$PY" - "$DOCKERFILE" "$MANIFESTS/daemonset.yaml" <<'PY' || fail "image command"
import json, re, sys, yaml
text = open(sys.argv[1]).read()
froms = re.findall(r"^FROM (\S+)", text, re.M)
assert froms == ["alpine:3.22", "alpine:3.22"], f"stages: {froms}"
entry = json.loads(re.search(r"^ENTRYPOINT (.*)$", text, re.M).group(1))
cmd = json.loads(re.search(r"^CMD (.*)$", text, re.M).group(1))
want = ["/usr/local/bin/driftd", "--config", "/etc/driftd/config.yaml", "--root", "/host"]
assert entry + cmd == want, f"image runs {entry + cmd}"
c = yaml.safe_load(open(sys.argv[2]))["spec"]["template"]["spec"]["containers"][0]
assert c["command"] + c["args"] == want, f"DaemonSet runs {c['command'] + c['args']}"
PY

# The workflow builds this Dockerfile into the trusted registry and pins what it pushed.
"$PY" - "$REPO/.github/workflows/image.yml" <<'PY' || fail "workflow"
import sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
steps = wf["jobs"]["image"]["steps"]
build = next(s for s in steps if "docker/build-push-action" in s.get("uses", ""))
assert build["with"]["file"] == "Dockerfile.alpine" and build["with"]["push"] is True
assert build["with"]["provenance"] is False, "provenance makes an index, not a single manifest"
assert wf["env"]["IMAGE"] == "ghcr.io/viktorbarzin/driftd"
pin = " ".join(s.get("run", "") for s in steps)
assert 'manifests/set-image-digest.sh "$DIGEST"' in pin and "steps.build.outputs.digest" in str(steps)
PY

# set-image-digest.sh on a copy: both installs get the new digest, nothing else changes.
cp -r "$MANIFESTS" "$K8S_T/m"
new=sha256:$(printf 'driftd test image' | sha256sum | cut -d' ' -f1)
"$K8S_T/m/set-image-digest.sh" "$new" >/dev/null || fail "set-image-digest.sh"
[[ $(diff "$MANIFESTS/kustomization.yaml" "$K8S_T/m/kustomization.yaml" | grep -c '^>') == 1 ]] || fail "kustomization.yaml: not exactly one line changed"
[[ $(diff "$MANIFESTS/terraform/main.tf" "$K8S_T/m/terraform/main.tf" | grep -c '^>') == 1 ]] || fail "main.tf: not exactly one line changed"
"$K8S_T/m/set-image-digest.sh" "sha256:nothex" 2>/dev/null && fail "a malformed digest was accepted"

# Terraform: the same image, the ignore rule, the same pod.
"$PY" - "$MANIFESTS" "$K8S_T/m" "$new" <<'PY' || fail "terraform example"
import os, re, sys, yaml
def pins(root):
    k = yaml.safe_load(open(os.path.join(root, "kustomization.yaml")))
    image = next(i for i in k["images"] if i["name"] == "ghcr.io/viktorbarzin/driftd")
    tf = open(os.path.join(root, "terraform/main.tf")).read()
    return image["digest"], re.search(r'image\s+=\s+"ghcr\.io/viktorbarzin/driftd@(sha256:[0-9a-f]{64})"', tf).group(1), tf
kd, td, tf = pins(sys.argv[1])
assert kd == td, f"kustomization pins {kd}, terraform {td}"
kd2, td2, _ = pins(sys.argv[2])
assert kd2 == td2 == sys.argv[3], "set-image-digest.sh did not pin both"
assert re.search(r"ignore_changes\s*=\s*\[spec\[0\]\.template\[0\]\.spec\[0\]\.dns_config\]\s*# KYVERNO_LIFECYCLE_V1", tf), \
    "no lifecycle ignore_changes for dns_config with the KYVERNO_LIFECYCLE_V1 marker"
assert 'resource "kubernetes_daemon_set_v1"' in tf
ds = yaml.safe_load(open(os.path.join(sys.argv[1], "daemonset.yaml")))["spec"]["template"]["spec"]
c = ds["containers"][0]
vols = {v["name"]: v for v in ds["volumes"]}
host_dirs = {vols[m["name"]]["hostPath"]["path"]: m["name"] for m in c["volumeMounts"]
             if "hostPath" in vols[m["name"]] and m.get("readOnly")}
block = re.search(r"host_dirs = \{(.*?)\n  \}", tf, re.S).group(1)
tf_dirs = dict(re.findall(r'"([^"]+)"\s*=\s*"([^"]+)"', block))
assert tf_dirs == host_dirs, f"terraform host_dirs {tf_dirs} != daemonset.yaml {host_dirs}"
masked = sorted(m["mountPath"].rsplit("/", 1)[1] for m in c["volumeMounts"] if "emptyDir" in vols[m["name"]])
tf_masked = re.search(r"masked = \[([^]]*)\]", tf)
assert tf_masked and sorted(re.findall(r'"([^"]+)"', tf_masked.group(1))) == masked, \
    f"terraform masks {tf_masked and tf_masked.group(1)} != daemonset.yaml {masked}"
for needle in ('mount_propagation = "HostToContainer"', 'read_only         = true', 'add  = ["DAC_READ_SEARCH"]',
               'drop = ["ALL"]', 'path = "/var/lib/driftd"', 'type = "DirectoryOrCreate"', 'operator = "Exists"',
               'priority_class_name              = "system-node-critical"', 'field_path = "spec.nodeName"',
               'read_only_root_filesystem  = true', 'allow_privilege_escalation = false', 'run_as_user                = 0',
               'name = "ghcr-credentials"',
               'args    = ["--config", "/etc/driftd/config.yaml", "--root", "/host"]'):
    assert needle in tf, f"terraform/main.tf lacks {needle}"
res = c["resources"]
want = 'requests = { cpu = "%s", memory = "%s" }' % (res["requests"]["cpu"], res["requests"]["memory"])
assert want in tf and 'limits   = { memory = "%s" }' % res["limits"]["memory"] in tf, "resources differ from daemonset.yaml"
for f in re.findall(r'file\("\$\{path\.module\}/([^"]+)"\)', tf):
    assert os.path.exists(os.path.join(sys.argv[1], "terraform", f)), f"terraform reads a missing file {f}"
PY
echo PASS
