// runtime/: the kernel's state read from a proc-like tree (a Debian 12 node's
// capture), as entries that compare like files: an out-of-tree unsigned module,
// a module removed, a taint bit alone, a sysctl, the command line, a kernel
// upgrade dpkg explains; namespaces, missing sources, old baselines, the index.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "agent/dpkg_db.h"
#include "agent/package_cause.h"
#include "agent/runtime_scan.h"
#include "baseline/bundle.h"
#include "baseline/compare.h"
#include "baseline/index_format.h"
#include "dpkg_test_util.h"
#include "runtime/runtime_cause.h"
#include "runtime/runtime_state.h"
#include "runtime/taint.h"
#include "runtime_test_util.h"
#include "test_util.h"

using namespace drift;
using drift::test::FakeRoot;
using drift::test::ProcTree;

namespace {

const Entry* entry(const RuntimeRead& r, const std::string& path) {
  for (const Entry& e : r.entries) {
    if (e.path == path) return &e;
  }
  return nullptr;
}

const Drift* drift_of(const Comparison& c, const std::string& path) {
  for (const Drift& d : c.drifts) {
    if (d.path() == path) return &d;
  }
  return nullptr;
}

// Every module of the capture shipped by the running kernel's package.
KernelPackages debian_packages() {
  KernelPackages k;
  k.known = true;
  for (const char* m : {"nft_chain_nat", "xt_MASQUERADE", "nf_nat", "nf_conntrack_netlink", "xt_addrtype", "nft_compat",
                        "br_netfilter", "bridge", "stp", "llc", "overlay", "nf_tables", "nfnetlink", "nf_conntrack",
                        "nf_defrag_ipv6", "nf_defrag_ipv4", "libcrc32c", "ip_tables", "x_tables", "autofs4", "ext4",
                        "crc16", "mbcache", "jbd2", "virtio_net", "net_failover", "failover", "virtio_blk"}) {
    k.modules.insert(m);
  }
  k.releases["6.1.0-18-amd64"] = {"linux-image-6.1.0-18-amd64", "6.1.76-1"};
  return k;
}

Comparison compare(const RuntimeRead& before, const RuntimeRead& after) {
  return compare_entries(before.entries, after.entries, ComparePolicy{});
}

}  // namespace

TEST_CASE("a Debian 12 node's modules, sysctls, command line and release become runtime entries") {
  ProcTree tree;
  const RuntimeRead r = read_runtime_state(tree.config(), debian_packages());
  CHECK(r.notes.empty());
  CHECK(r.unavailable.empty());
  CHECK(std::is_sorted(r.entries.begin(), r.entries.end(), [](const Entry& a, const Entry& b) { return a.path < b.path; }));
  CHECK(std::count_if(r.entries.begin(), r.entries.end(), [](const Entry& e) { return e.path.starts_with("module:"); }) ==
        drift::test::kDebian12ModuleCount);
  const Entry* nf = entry(r, "module:nf_tables");
  REQUIRE(nf);
  CHECK(nf->type == EntryType::kRuntime);
  CHECK(nf->size == 290816);
  CHECK(nf->target == "state=Live srcversion=7E5AE7E8D3FCC0D8C3A1A3B");  // never refcount 173 or used-by
  CHECK(nf->severity == Severity::kWarning);
  CHECK(entry(r, "module:br_netfilter")->target == "state=Live");
  CHECK(entry(r, "sysctl:kernel.printk")->target == "4\t4\t1\t7");
  CHECK(entry(r, "sysctl:kernel.kptr_restrict")->target == "1");
  CHECK(entry(r, "sysctl:vm.swappiness"));
  CHECK(entry(r, "sysctl:fs.protected_symlinks"));
  CHECK(entry(r, "sysctl:kernel.random.poolsize"));
  // The host's namespaces: the namespaced ones of kernel.* and fs.* are recorded.
  CHECK(entry(r, "sysctl:kernel.hostname")->target == "node-a");
  CHECK(entry(r, "sysctl:fs.mqueue.msg_max"));
  // Default exclusions, write-only files, and what the globs do not select.
  for (const char* absent : {"sysctl:kernel.random.uuid", "sysctl:fs.file-nr", "sysctl:vm.drop_caches",
                             "sysctl:vm.stat_refresh", "sysctl:fs.binfmt_misc.status", "sysctl:kernel.tainted",
                             "sysctl:kernel.osrelease", "sysctl:net.ipv4.ip_forward", "sysctl:user.max_user_namespaces"}) {
    CHECK_MESSAGE(!entry(r, absent), absent);
  }
  CHECK(entry(r, "cmdline:")->target == std::string(drift::test::kDebian12Cmdline).substr(0, std::string(drift::test::kDebian12Cmdline).size() - 1));
  CHECK(entry(r, "kernel:release")->target == "6.1.0-18-amd64");
  CHECK(entry(r, "kernel:version")->target.starts_with("#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1"));
  CHECK(std::none_of(r.entries.begin(), r.entries.end(), [](const Entry& e) { return e.path.starts_with("taint:"); }));
}

TEST_CASE("a write-only sysctl is an action: never opened, never recorded") {
  ProcTree tree;
  tree.write("proc/sys/kernel/an_action", "", 0200);
  const RuntimeRead r = read_runtime_state(tree.config(), debian_packages());
  CHECK(!entry(r, "sysctl:kernel.an_action"));
  CHECK(r.notes.empty());
}

TEST_CASE("without the host's namespaces the namespaced sysctls are reported once as not available, never read") {
  ProcTree tree;
  tree.namespaces(false);  // a pod: its own UTS, IPC and PID namespaces
  RuntimeConfig config = tree.config();
  config.sysctls.push_back("net.*");
  std::string why;
  CHECK(host_namespaces_of(config, &why) == std::set<std::string>{"user"});
  CHECK(why.find("not the host's: uts is uts:[4026532301]") == 0);
  const RuntimeRead r = read_runtime_state(config, debian_packages());
  for (const char* absent : {"sysctl:kernel.hostname", "sysctl:kernel.shmmax", "sysctl:fs.mqueue.msg_max",
                             "sysctl:net.ipv4.ip_forward"}) {
    CHECK_MESSAGE(!entry(r, absent), absent);
  }
  CHECK(entry(r, "sysctl:kernel.kptr_restrict"));  // global ones are the host's in a pod too
  REQUIRE(r.notes.size() == 1);
  CHECK(r.notes[0].find("sysctl: kernel.hostname, kernel.domainname, kernel.shm*") == 0);
  CHECK(r.notes[0].find("net.* not available without host namespaces") != std::string::npos);
  CHECK(r.notes[0].find("user.*") == std::string::npos);  // not selected, and the user namespace is the host's
  CHECK(std::count(r.unavailable.begin(), r.unavailable.end(), "sysctl:kernel.hostname") == 1);
  // The config switch decides instead of /proc/self/ns.
  config.host_namespaces = HostNamespaces::kYes;
  CHECK(entry(read_runtime_state(config, debian_packages()), "sysctl:kernel.hostname"));
  // The host unit: PrivateIPC= and ProtectHostname= give it its own IPC and
  // UTS namespaces; the net namespace (and so net.*) is the host's.
  config.host_namespaces = HostNamespaces::kAuto;
  std::filesystem::remove(tree.dir + "/proc/self/ns/pid");
  std::filesystem::create_symlink("pid:[4026531836]", tree.dir + "/proc/self/ns/pid");
  const RuntimeRead unit = read_runtime_state(config, debian_packages());
  CHECK(entry(unit, "sysctl:net.ipv4.ip_forward"));
  CHECK(!entry(unit, "sysctl:kernel.hostname"));
  CHECK(!entry(unit, "sysctl:kernel.shmmax"));
}

TEST_CASE("taint: the kernel's bits by name, P O E F critical, unknown bits by number") {
  const auto set = decode_taint((1u << 12) | (1u << 13) | (1u << 9) | (1ull << 40));
  REQUIRE(set.size() == 4);
  CHECK(set[0].name == "warn");
  CHECK(!set[0].critical);
  CHECK(set[1].name == "out_of_tree_module");
  CHECK(set[1].letter == 'O');
  CHECK(set[1].critical);
  CHECK(set[2].name == "unsigned_module");
  CHECK(set[2].critical);
  CHECK(set[3].name == "bit_40");
  CHECK(!set[3].critical);
  CHECK(decode_taint(1)[0].name == "proprietary_module");
  CHECK(decode_taint(2)[0].name == "forced_module");
  CHECK(decode_taint(2)[0].critical);
  CHECK(taint_flag_for_letter('E')->bit == 13);
}

TEST_CASE("an out-of-tree unsigned module loaded: critical, with its taint letters and both taint bits") {
  ProcTree tree;
  const RuntimeRead before = read_runtime_state(tree.config(), debian_packages());
  tree.append("proc/modules", "diamorphine 16384 0 - Live 0x0000000000000000 (OE)\n");
  tree.write("proc/sys/kernel/tainted", "12288\n");
  const RuntimeRead after = read_runtime_state(tree.config(), debian_packages());
  const Comparison c = compare(before, after);
  CHECK(c.drifts.size() == 3);
  const Drift* m = drift_of(c, "module:diamorphine");
  REQUIRE(m);
  CHECK(m->kind == DriftKind::kAdded);
  CHECK(m->severity == Severity::kCritical);
  CHECK(m->after->target == "state=Live taint=OE");
  for (const char* bit : {"taint:out_of_tree_module", "taint:unsigned_module"}) {
    const Drift* t = drift_of(c, bit);
    REQUIRE_MESSAGE(t, bit);
    CHECK(t->kind == DriftKind::kAdded);
    CHECK(t->severity == Severity::kCritical);
  }
  CHECK(c.exit_bits() == kExitAdded);
}

TEST_CASE("a module no installed kernel package ships is critical even without taint; a shipped one is a warning") {
  ProcTree tree;
  const RuntimeRead before = read_runtime_state(tree.config(), debian_packages());
  tree.append("proc/modules", "wireguard 114688 0 - Live 0x0000000000000000\n");
  const RuntimeRead after = read_runtime_state(tree.config(), debian_packages());
  const Comparison c = compare(before, after);
  REQUIRE(drift_of(c, "module:wireguard"));
  CHECK(drift_of(c, "module:wireguard")->severity == Severity::kCritical);
  KernelPackages shipped = debian_packages();
  shipped.modules.insert("wireguard");
  const RuntimeRead after2 = read_runtime_state(tree.config(), shipped);
  const Comparison c2 = compare(before, after2);
  CHECK(drift_of(c2, "module:wireguard")->severity == Severity::kWarning);
  // Without a package database nobody vouches for any module.
  CHECK(entry(read_runtime_state(tree.config(), KernelPackages{}), "module:nf_tables")->severity == Severity::kCritical);
}

TEST_CASE("a module removed is removed drift; a taint bit set without any module change is critical") {
  ProcTree tree;
  const RuntimeRead before = read_runtime_state(tree.config(), debian_packages());
  std::string modules = drift::test::kDebian12Modules;
  const size_t at = modules.find("br_netfilter ");
  modules.erase(at, modules.find('\n', at) + 1 - at);
  tree.write("proc/modules", modules);
  const RuntimeRead without = read_runtime_state(tree.config(), debian_packages());
  const Comparison removed = compare(before, without);
  REQUIRE(removed.drifts.size() == 1);
  CHECK(removed.drifts[0].path() == "module:br_netfilter");
  CHECK(removed.drifts[0].kind == DriftKind::kRemoved);
  CHECK(removed.exit_bits() == kExitRemoved);

  tree.write("proc/modules", drift::test::kDebian12Modules);
  tree.write("proc/sys/kernel/tainted", "8192\n");  // E: loaded and unloaded between two looks
  const RuntimeRead tainted_now = read_runtime_state(tree.config(), debian_packages());
  const Comparison tainted = compare(before, tainted_now);
  REQUIRE(tainted.drifts.size() == 1);
  CHECK(tainted.drifts[0].path() == "taint:unsigned_module");
  CHECK(tainted.drifts[0].severity == Severity::kCritical);
  CHECK(tainted.drifts[0].after->target == "E (bit 13)");
  tree.write("proc/sys/kernel/tainted", "512\n");  // W: a kernel warning
  const RuntimeRead warned_now = read_runtime_state(tree.config(), debian_packages());
  const Comparison warned = compare(before, warned_now);
  REQUIRE(warned.drifts.size() == 1);
  CHECK(warned.drifts[0].path() == "taint:warn");
  CHECK(warned.drifts[0].severity == Severity::kWarning);
}

TEST_CASE("a sysctl changed and the command line changed are changed values") {
  ProcTree tree;
  const RuntimeRead before = read_runtime_state(tree.config(), debian_packages());
  tree.write("proc/sys/kernel/kptr_restrict", "0\n");
  tree.write("proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=6b1f0c4e-2a77-4f7e-9d0e-5c1a2b3c4d5e ro quiet init=/bin/sh\n");
  const RuntimeRead after = read_runtime_state(tree.config(), debian_packages());
  const Comparison c = compare(before, after);
  REQUIRE(c.drifts.size() == 2);
  const Drift* s = drift_of(c, "sysctl:kernel.kptr_restrict");
  REQUIRE(s);
  CHECK(s->changed.has(Attr::kValue));
  CHECK(!s->changed.has(Attr::kTarget));
  CHECK(attr_value_text(*s->before, Attr::kValue) == "1");
  CHECK(attr_value_text(*s->after, Attr::kValue) == "0");
  REQUIRE(drift_of(c, "cmdline:"));
  CHECK(drift_of(c, "cmdline:")->after->target.ends_with("init=/bin/sh"));
  CHECK(c.exit_bits() == kExitChanged);
}

TEST_CASE("a kernel upgrade dpkg installed explains release, version, BOOT_IMAGE and module sizes; a new module stays critical") {
  ProcTree tree;
  Baseline baseline;
  baseline.entries = read_runtime_state(tree.config(), debian_packages()).entries;
  baseline.packages = {{"kubelet", "1.34.1-1.1"}, {"linux-image-6.1.0-18-amd64", "6.1.76-1"}};

  // Rebooted into 6.1.0-20: another release, version, BOOT_IMAGE, module builds.
  tree.write("proc/sys/kernel/osrelease", "6.1.0-20-amd64\n");
  tree.write("proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.85-1 (2024-04-11)\n");
  tree.write("proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.1.0-20-amd64 root=UUID=6b1f0c4e-2a77-4f7e-9d0e-5c1a2b3c4d5e ro quiet\n");
  std::string modules = drift::test::kDebian12Modules;
  modules.replace(modules.find("nf_tables 290816"), 16, "nf_tables 294912");
  tree.write("proc/modules", modules + "rootkit 16384 0 - Live 0x0000000000000000\n");
  tree.write("sys/module/nf_tables/srcversion", "AAAA7E8D3FCC0D8C3A1A3B\n");

  FakeRoot root;
  root.write("/var/lib/dpkg/status", std::string(drift::test::kStatus) +
                                         "Package: linux-image-6.1.0-18-amd64\nStatus: install ok installed\n"
                                         "Architecture: amd64\nVersion: 6.1.76-1\n\n"
                                         "Package: linux-image-6.1.0-20-amd64\nStatus: install ok installed\n"
                                         "Architecture: amd64\nVersion: 6.1.85-1\n\n");
  root.write("/var/lib/dpkg/info/linux-image-6.1.0-18-amd64.list",
             "/.\n/boot\n/boot/vmlinuz-6.1.0-18-amd64\n/lib/modules/6.1.0-18-amd64/kernel/net/netfilter/nf_tables.ko\n");
  root.write("/var/lib/dpkg/info/linux-image-6.1.0-20-amd64.list",
             "/.\n/boot\n/boot/vmlinuz-6.1.0-20-amd64\n/lib/modules/6.1.0-20-amd64/kernel/net/netfilter/nf_tables.ko\n"
             "/lib/modules/6.1.0-20-amd64/kernel/net/bridge/br_netfilter.ko.xz\n");
  const KernelPackages installed = load_kernel_packages(root.dir);
  REQUIRE(installed.known);
  CHECK(installed.modules.count("nf_tables"));
  CHECK(installed.releases.at("6.1.0-20-amd64").name == "linux-image-6.1.0-20-amd64");

  const RuntimeRead now = read_runtime_state(tree.config(), installed);
  Comparison c = compare_entries(baseline.entries, now.entries, ComparePolicy{});
  // Through the package-aware check, as driftctl check and driftd call it.
  PackageClassifier classifier;
  CHECK(classifier.load(root.dir).empty());
  classifier.classify(baseline, &c);
  for (const char* path : {"kernel:release", "kernel:version", "cmdline:", "module:nf_tables"}) {
    const Drift* d = drift_of(c, path);
    REQUIRE_MESSAGE(d, path);
    CHECK_MESSAGE(d->cause.package, path);
    CHECK(d->cause.package_name == "linux-image-6.1.0-20-amd64");
    CHECK(d->cause.version_now == "6.1.85-1");
    CHECK(d->severity == Severity::kWarning);
  }
  CHECK(drift_of(c, "module:nf_tables")->changed.has(Attr::kSize));
  // Loading a module is never explained, whoever ships its file.
  const Drift* rootkit = drift_of(c, "module:rootkit");
  REQUIRE(rootkit);
  CHECK(!rootkit->cause.package);
  CHECK(rootkit->severity == Severity::kCritical);

  // The same node booted into a kernel no package installed: nothing explained.
  tree.write("proc/sys/kernel/osrelease", "6.1.0-99-custom\n");
  const RuntimeRead custom = read_runtime_state(tree.config(), installed);
  Comparison c2 = compare_entries(baseline.entries, custom.entries, ComparePolicy{});
  classifier.classify(baseline, &c2);
  CHECK(std::none_of(c2.drifts.begin(), c2.drifts.end(), [](const Drift& d) { return d.cause.package; }));
  // Nor does a command line changed beyond BOOT_IMAGE.
  tree.write("proc/sys/kernel/osrelease", "6.1.0-20-amd64\n");
  tree.write("proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.1.0-20-amd64 root=UUID=6b1f0c4e-2a77-4f7e-9d0e-5c1a2b3c4d5e ro quiet module.sig_enforce=0\n");
  const RuntimeRead edited = read_runtime_state(tree.config(), installed);
  Comparison c3 = compare_entries(baseline.entries, edited.entries, ComparePolicy{});
  classifier.classify(baseline, &c3);
  CHECK(!drift_of(c3, "cmdline:")->cause.package);
  CHECK(drift_of(c3, "kernel:release")->cause.package);
}

TEST_CASE("a source that is missing is one note, and the baseline's entries for it stand: no drift") {
  ProcTree tree;
  const RuntimeRead before = read_runtime_state(tree.config(), debian_packages());
  std::filesystem::remove(tree.dir + "/proc/modules");  // a kernel without module support
  RuntimeRead after = read_runtime_state(tree.config(), debian_packages());
  REQUIRE(after.notes.size() == 1);
  CHECK(after.notes[0].find("proc/modules not available") != std::string::npos);
  CHECK(after.unavailable == std::vector<std::string>{"module:*"});
  CHECK(compare(before, after).removed == drift::test::kDebian12ModuleCount);  // what carrying prevents
  carry_unavailable(before.entries, after.unavailable, &after.entries);
  CHECK(compare(before, after).drifts.empty());
}

TEST_CASE("an old baseline without runtime entries: the state is not compared, and said once with how to accept it") {
  ProcTree tree;
  const RuntimeRead now = read_runtime_state(tree.config(), debian_packages());
  std::vector<Entry> old_baseline = {drift::test::file_entry("/etc/hosts")};
  std::vector<Entry> scan = old_baseline;
  scan.insert(scan.end(), now.entries.begin(), now.entries.end());
  const Comparison c = compare_entries(old_baseline, scan, ComparePolicy{});
  CHECK(c.drifts.empty());
  CHECK(c.exit_bits() == 0);
  CHECK(c.runtime_only_after == now.entries.size());
  const std::string note = runtime_not_compared_note(c.runtime_only_before, c.runtime_only_after);
  CHECK(note.find("not in the baseline") != std::string::npos);
  CHECK(note.find("driftctl accept --path '*:*'") != std::string::npos);
  // And the other way: a scan without runtime state against a baseline with it.
  const Comparison back = compare_entries(scan, old_baseline, ComparePolicy{});
  CHECK(back.drifts.empty());
  CHECK(back.runtime_only_before == now.entries.size());
}

TEST_CASE("the index: version 3 only with runtime entries, values round-trip; version 2 refuses type r") {
  ProcTree tree;
  std::vector<Entry> entries = {drift::test::file_entry("/etc/hosts")};
  CHECK(encode_index(entries).rfind("driftd-index 2\n", 0) == 0);  // as builds before runtime wrote it
  const RuntimeRead r = read_runtime_state(tree.config(), debian_packages());
  entries.insert(entries.end(), r.entries.begin(), r.entries.end());
  const std::string text = encode_index(entries);
  CHECK(text.rfind("driftd-index 3\n", 0) == 0);
  std::vector<Entry> back;
  std::string err;
  REQUIRE_MESSAGE(decode_index(text, &back, &err), err);
  REQUIRE(back.size() == entries.size());
  for (size_t i = 0; i < back.size(); ++i) {
    CHECK(back[i].path == entries[i].path);
    CHECK(back[i].target == entries[i].target);
    CHECK(back[i].type == entries[i].type);
    CHECK(back[i].severity == entries[i].severity);
    CHECK(back[i].size == entries[i].size);
  }
  std::string v2 = text;
  v2.replace(0, 14, "driftd-index 2");
  CHECK(!decode_index(v2, &back, &err));
  CHECK(err.find("bad type") != std::string::npos);
  // A whole baseline with them, signed and read back by the one reader.
  Baseline b;
  b.meta.node = "node-a";
  b.entries = entries;
  std::string bytes;
  REQUIRE(write_baseline_bytes(b, nullptr, &bytes, &err));
  Baseline read;
  SignatureInfo sig;
  BaselineError error;
  REQUIRE_MESSAGE(read_baseline_bytes(bytes, BaselineReadOptions{}, &read, &sig, &error, &err), err);
  CHECK(read.entries.size() == entries.size());
  CHECK(compare_entries(b.entries, read.entries, ComparePolicy{}).drifts.empty());
}

TEST_CASE("module file names, BOOT_IMAGE and module values: the pieces a kernel upgrade changes") {
  CHECK(module_name_of_file("/lib/modules/6.1.0-18-amd64/kernel/net/netfilter/nf_tables.ko") == "nf_tables");
  CHECK(module_name_of_file("/usr/lib/modules/6.1.0-18-amd64/kernel/drivers/net/virtio-net.ko.xz") == "virtio_net");
  CHECK(module_name_of_file("/usr/lib/modules/6.8.12-4-pve/zfs/zfs.ko.zst") == "zfs");
  CHECK(module_name_of_file("/lib/modules/6.1.0-18-amd64/modules.dep") == "");
  CHECK(cmdline_without_boot_image("BOOT_IMAGE=/boot/vmlinuz-6.1 root=/dev/sda1 ro") == "root=/dev/sda1 ro");
  CHECK(module_value("Live", "OE", "ABC") == "state=Live taint=OE srcversion=ABC");
  CHECK(module_value_without_srcversion("state=Live taint=OE srcversion=ABC") == "state=Live taint=OE");
  CHECK(runtime_glob_match("module:*", "module:nf_tables"));
  CHECK(runtime_glob_match("*:*", "sysctl:kernel.printk"));
  CHECK(!runtime_glob_match("module:*", "sysctl:kernel.printk"));
  CHECK(sysctl_namespace("kernel.sem") == "ipc");
  CHECK(sysctl_namespace("fs.mqueue.msg_max") == "ipc");
  CHECK(sysctl_namespace("kernel.hostname") == "uts");
  CHECK(sysctl_is_namespaced("net.ipv4.ip_forward"));
  CHECK(!sysctl_is_namespaced("kernel.kptr_restrict"));
}
