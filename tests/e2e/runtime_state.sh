#!/usr/bin/env bash
# Runtime kernel state: this machine's real sysctls and command line check
# clean against themselves; a sysctl written at run time (and restored by the
# trap) is drift, and `accept --path sysctl:...` takes it; an old baseline
# without the section says so once; two nodes' proc-like trees with different
# modules show as peer drift, and `accept --path 'module:*'` takes a module.
# Writes a real sysctl: RUN_SERIAL in tests/CMakeLists.txt.
E2E_PROC_ROOT=/  # the real kernel
source "$(dirname "$0")/lib.sh"
KEY=kernel.printk_ratelimit
FILE=/proc/sys/kernel/printk_ratelimit
[[ -w $FILE ]] || { echo "SKIP: $FILE not writable"; exit 77; }
ORIG=$(cat "$FILE")
restore() { echo "$ORIG" > "$FILE"; rm -rf "$T"; }
trap restore EXIT

# 1. The real /proc: clean against itself.
make_baseline
run 0 baseline show --json --config "$T/config.yaml" "$T/state/baseline.drift"
python3 - "$T/out" <<'PY' || fail "baseline holds no runtime entries"
import json, sys
e = {x["path"]: x for x in json.load(open(sys.argv[1]))["entries"] if x["type"] == "runtime"}
assert "sysctl:kernel.printk_ratelimit" in e and "cmdline:" in e and "kernel:release" in e, sorted(e)[:5]
assert "sysctl:kernel.random.uuid" not in e and "sysctl:fs.file-nr" not in e
PY
check 0
hasnt "sysctl:"

# 2. A sysctl changed at run time.
NEW=$((ORIG + 7))
echo "$NEW" > "$FILE"
check 4
has "changed [warning] sysctl:$KEY (runtime)"
has "  value: $ORIG -> $NEW"
check 4 --json
python3 - "$T/out" "$ORIG" "$NEW" <<'PY' || fail "check --json"
import json, sys
d = json.load(open(sys.argv[1]))
[x] = d["drift"]
assert x["path"] == "sysctl:kernel.printk_ratelimit" and x["type"] == "runtime", x
assert x["changed"] == {"value": {"old": sys.argv[2], "new": sys.argv[3]}}, x
assert x["cause"] == "unexplained"
PY
run 0 accept --config "$T/config.yaml" --path "sysctl:$KEY" --output "$T/accepted.drift" --signing-key "$T/key.pem"
has "accepted the current state of 1 entries" err
check 0 --baseline "$T/accepted.drift"
echo "$ORIG" > "$FILE"
check 4 --baseline "$T/accepted.drift"
check 0
run 16 accept --config "$T/config.yaml" --path "kernel.printk" --output -
has "runtime state like 'module:*'" err

# 3. A baseline made without the section: said once, never as additions.
sed 's/^runtime: .*/runtime: { enabled: false }/' "$T/config.yaml" > "$T/no-runtime.yaml"
run 0 baseline create --config "$T/no-runtime.yaml" --output "$T/old.drift" --signing-key "$T/key.pem"
check 0 --baseline "$T/old.drift"
[[ $(grep -c "runtime kernel state" "$T/out") == 1 ]] || { cat "$T/out"; fail "expected the not-in-baseline line once"; }
has "driftctl accept --path '*:*'"
hasnt "added ["
run 0 accept --config "$T/config.yaml" --baseline "$T/old.drift" --path '*:*' --output "$T/with.drift" --signing-key "$T/key.pem"
check 0 --baseline "$T/with.drift"
hasnt "runtime kernel state"

# 4. Two nodes' proc-like trees: a Debian 12 node and a snowflake.
proc_tree() {  # DIR MODULES...
  local d=$1; shift
  mkdir -p "$d/proc/sys/kernel" "$d/proc/sys/vm" "$d/sys/module/nf_tables" "$d/proc/self/ns"
  printf '%s\n' "$@" > "$d/proc/modules"
  echo 0 > "$d/proc/sys/kernel/tainted"
  echo 6.1.0-18-amd64 > "$d/proc/sys/kernel/osrelease"
  echo '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)' > "$d/proc/sys/kernel/version"
  echo 1 > "$d/proc/sys/kernel/kptr_restrict"
  echo 60 > "$d/proc/sys/vm/swappiness"
  echo 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=/dev/vda1 ro quiet' > "$d/proc/cmdline"
  echo 7E5AE7E8D3FCC0D8C3A1A3B > "$d/sys/module/nf_tables/srcversion"
}
COMMON=("nf_tables 290816 173 nft_compat, Live 0x0000000000000000" "overlay 163840 14 - Live 0x0000000000000000"
        "ip_tables 32768 0 - Live 0x0000000000000000" "x_tables 57344 4 ip_tables, Live 0x0000000000000000")
proc_tree "$T/node-a" "${COMMON[@]}" "br_netfilter 36864 0 - Live 0x0000000000000000"
proc_tree "$T/node-b" "${COMMON[@]}" "diamorphine 16384 0 - Live 0x0000000000000000 (OE)"
echo 12288 > "$T/node-b/proc/sys/kernel/tainted"
# The nodes' dpkg: the running kernel's package ships every module but the rootkit.
mkdir -p "$ROOT/var/lib/dpkg/info"
printf 'Package: linux-image-6.1.0-18-amd64\nStatus: install ok installed\nArchitecture: amd64\nVersion: 6.1.76-1\n\n' \
  > "$ROOT/var/lib/dpkg/status"
{ echo /boot/vmlinuz-6.1.0-18-amd64
  for m in netfilter/nf_tables fs/overlay/overlay ipv4/netfilter/ip_tables netfilter/x_tables bridge/br_netfilter; do
    echo "/lib/modules/6.1.0-18-amd64/kernel/net/$m.ko"
  done; } > "$ROOT/var/lib/dpkg/info/linux-image-6.1.0-18-amd64.list"
for n in a b; do
  sed "s|^runtime: .*|runtime: { proc_root: $T/node-$n, host_namespaces: true }|" "$T/config.yaml" > "$T/node-$n.yaml"
  run 0 baseline create --config "$T/node-$n.yaml" --node "node-$n" --output "$T/node-$n.drift" --signing-key "$T/key.pem"
done
run 3 diff --config "$T/config.yaml" "$T/node-a.drift" "$T/node-b.drift"
has "removed [warning] module:br_netfilter (runtime)"
has "added [critical] module:diamorphine (runtime)"
has "  value: state=Live taint=OE"
has "added [critical] taint:unsigned_module (runtime)"
has "added [critical] taint:out_of_tree_module (runtime)"
hasnt "module:nf_tables"
run 3 diff --json --config "$T/config.yaml" "$T/node-a.drift" "$T/node-b.drift"
python3 - "$T/out" <<'PY' || fail "diff --json of runtime state"
import json, sys
d = {x["path"]: x for x in json.load(open(sys.argv[1]))["drift"]}
assert set(d) == {"module:br_netfilter", "module:diamorphine", "taint:out_of_tree_module", "taint:unsigned_module"}, d
m = d["module:diamorphine"]
assert m["type"] == "runtime" and m["kind"] == "added" and m["severity"] == "critical", m
assert m["value"] == "state=Live taint=OE" and "sha256" not in m, m
assert d["taint:unsigned_module"]["value"] == "E (bit 13)"
PY

# 5. accept --path 'module:*' takes the modules and leaves the taint reported.
sed -i "s|^node: .*|node: node-a|" "$T/node-a.yaml"
cp "$T/node-b/proc/modules" "$T/node-a/proc/modules"
echo 8192 > "$T/node-a/proc/sys/kernel/tainted"
check 3 --config "$T/node-a.yaml" --baseline "$T/node-a.drift"
has "added [critical] module:diamorphine (runtime)"
has "added [critical] taint:unsigned_module (runtime)"
run 0 accept --config "$T/node-a.yaml" --baseline "$T/node-a.drift" --path 'module:*' --output "$T/node-a2.drift" --signing-key "$T/key.pem"
check 1 --config "$T/node-a.yaml" --baseline "$T/node-a2.drift"
hasnt "module:"
has "added [critical] taint:unsigned_module (runtime)"
echo "runtime_state: ok"
