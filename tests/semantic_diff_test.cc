// Readers and key diffs on real files (tests/fixtures/semantic/README says
// where each comes from): per format one key changed, added and removed, a
// comment-only change and a reordering (no key diff), a parse error with its
// line; values moved between files (sshd: the first wins, sysctl: the last);
// containerd's imports; secrets redacted.
#include <doctest/doctest.h>

#include "semantic/formats.h"
#include "semantic/key_diff.h"
#include "semantic/readers.h"
#include "semantic/secret_keys.h"
#include "semantic_test_util.h"

using namespace drift;
using drift::test::fixture;
using drift::test::MemFiles;
using drift::test::replaced;

namespace {

const KeyChange* find_change(const KeyDiff& d, const std::string& key) {
  for (const KeyChange& c : d.changes) {
    if (c.key == key) return &c;
  }
  return nullptr;
}

std::string describe(const KeyDiff& d) {
  std::string s = d.error;
  for (const KeyChange& c : d.changes) s += std::string(key_op_name(c.op)) + " " + c.key + ": " + c.old_value + " -> " + c.new_value + "\n";
  return s;
}

// One change, with this op, key and values.
void check_one(const KeyDiff& d, KeyOp op, const std::string& key, const std::string& old_value,
               const std::string& new_value) {
  INFO(describe(d));
  REQUIRE(d.ok());
  REQUIRE(d.changes.size() == 1);
  CHECK(d.changes[0].op == op);
  CHECK(d.changes[0].key == key);
  CHECK(d.changes[0].old_value == old_value);
  CHECK(d.changes[0].new_value == new_value);
}

}  // namespace

TEST_CASE("formats: the default paths have their formats; others none") {
  CHECK(format_for_path("/var/lib/kubelet/config.yaml") == Format::kYaml);
  CHECK(format_for_path("/etc/kubernetes/manifests/kube-apiserver.yaml") == Format::kYaml);
  CHECK(format_for_path("/var/lib/kubelet/kubeadm-flags.env") == Format::kKubeletFlags);
  CHECK(format_for_path("/etc/default/kubelet") == Format::kKubeletFlags);
  CHECK(format_for_path("/etc/containerd/config.toml") == Format::kToml);
  CHECK(format_for_path("/etc/cni/net.d/10-calico.conflist") == Format::kJson);
  CHECK(format_for_path("/etc/cni/net.d/87-podman.conf") == Format::kJson);
  CHECK(format_for_path("/etc/ssh/sshd_config") == Format::kSshd);
  CHECK(format_for_path("/etc/ssh/sshd_config.d/50-cloud-init.conf") == Format::kSshd);
  CHECK(format_for_path("/etc/sysctl.d/99-sysctl.conf") == Format::kSysctl);
  CHECK(format_for_path("/usr/lib/sysctl.d/50-pid-max.conf") == Format::kSysctl);
  CHECK(format_for_path("/etc/ssh/ssh_config") == Format::kNone);
  CHECK(format_for_path("/etc/passwd") == Format::kNone);
}

TEST_CASE("kubelet config.yaml (kubeadm's default): changed, added, removed, comment, reorder, parse error") {
  const std::string base = fixture("kubeadm-kubelet-config.yaml");
  const FlatDoc doc = read_yaml(base);
  REQUIRE(doc.ok());
  REQUIRE(doc.find("cgroupDriver"));
  CHECK(doc.find("cgroupDriver")->value == "systemd");
  CHECK(doc.find("cgroupDriver")->line == 15);
  CHECK(doc.find("clusterDNS[0]")->value == "10.96.0.10");
  CHECK(doc.find("memorySwap")->value == "{}");
  CHECK(doc.find("logging.options.json.infoBufferSize")->value == "0");

  check_one(diff_keys(base, replaced(base, "cgroupDriver: systemd", "cgroupDriver: cgroupfs"), Format::kYaml),
            KeyOp::kChanged, "cgroupDriver", "systemd", "cgroupfs");
  check_one(diff_keys(base, base + "evictionHard:\n  memory.available: 500Mi\n", Format::kYaml), KeyOp::kAdded,
            "evictionHard.\"memory.available\"", "", "500Mi");
  check_one(diff_keys(base, replaced(base, "rotateCertificates: true\n", ""), Format::kYaml), KeyOp::kRemoved,
            "rotateCertificates", "true", "");
  const KeyDiff comment = diff_keys(base, "# managed by kubeadm\n" + replaced(base, "kind: KubeletConfiguration", "kind: KubeletConfiguration  # yes"), Format::kYaml);
  CHECK(comment.ok());
  CHECK(comment.changes.empty());
  // Reordering top-level keys (kubeadm sorts them; a hand edit may not).
  const std::string moved = replaced(base, "cgroupDriver: systemd\n", "") + "cgroupDriver: systemd\n";
  const KeyDiff reorder = diff_keys(base, moved, Format::kYaml);
  CHECK(reorder.ok());
  CHECK(reorder.changes.empty());

  const KeyDiff bad = diff_keys(base, replaced(base, "healthzPort: 10248", "healthzPort: [10248"), Format::kYaml);
  CHECK(!bad.ok());
  CHECK_MESSAGE(bad.error.find("now: line 25: invalid YAML") != std::string::npos, bad.error);  // where yaml-cpp notices
  // Bytes YAML does not allow are refused before yaml-cpp sees them (a NUL-laden
  // input made yaml-cpp 0.7 build nodes until memory ran out: the fuzzer's find).
  const FlatDoc nul = read_yaml(std::string("a: b\nc: \0\n", 10));
  CHECK(!nul.ok());
  CHECK(nul.error == "byte 0x00 is not allowed in YAML");
  CHECK(nul.error_line == 2);
  CHECK(!read_yaml(drift::test::fixture("../../fuzz/semantic_corpus/yaml-nul-oom").substr(1)).ok());
  const FlatDoc dup = read_yaml(base + "cgroupDriver: cgroupfs\n");
  CHECK(!dup.ok());
  CHECK(dup.error.find("duplicate key 'cgroupDriver'") != std::string::npos);
  CHECK(dup.error_line == 49);
}

TEST_CASE("static pod manifest: containers by name, volumes by name, command by index") {
  const std::string base = fixture("kube-apiserver.yaml");
  const FlatDoc doc = read_yaml(base);
  REQUIRE(doc.ok());
  CHECK(doc.find("spec.containers[name=kube-apiserver].image")->value == "registry.k8s.io/kube-apiserver:v1.30.2");
  CHECK(doc.find("spec.volumes[name=ca-certs].hostPath.path")->value == "/etc/ssl/certs");
  CHECK(doc.find("metadata.annotations.\"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint\""));
  check_one(diff_keys(base, replaced(base, "v1.30.2", "v1.30.3"), Format::kYaml), KeyOp::kChanged,
            "spec.containers[name=kube-apiserver].image", "registry.k8s.io/kube-apiserver:v1.30.2",
            "registry.k8s.io/kube-apiserver:v1.30.3");
  // Swapping the two volumes: keyed by name, no diff.
  const std::string a = "  - hostPath:\n      path: /etc/ssl/certs\n      type: DirectoryOrCreate\n    name: ca-certs\n";
  const std::string b = "  - hostPath:\n      path: /etc/kubernetes/pki\n      type: DirectoryOrCreate\n    name: k8s-certs\n";
  const std::string swapped = replaced(base, a + b, b + a);
  CHECK(diff_keys(base, swapped, Format::kYaml).changes.empty());
}

TEST_CASE("kubeadm-flags.env: flags split as pflag does, the booleans listed once") {
  const std::string base = fixture("kubeadm-flags.env");
  const FlatDoc doc = read_kubelet_flags(base);
  REQUIRE(doc.ok());
  CHECK(doc.find("KUBELET_KUBEADM_ARGS.container-runtime-endpoint")->value == "unix:///var/run/containerd/containerd.sock");
  CHECK(doc.find("KUBELET_KUBEADM_ARGS.pod-infra-container-image")->value == "registry.k8s.io/pause:3.9");
  check_one(diff_keys(base, replaced(base, "pause:3.9", "pause:3.10"), Format::kKubeletFlags), KeyOp::kChanged,
            "KUBELET_KUBEADM_ARGS.pod-infra-container-image", "registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.10");
  check_one(diff_keys(base, replaced(base, "\"--container", "\"--node-ip 10.0.0.12 --container"), Format::kKubeletFlags),
            KeyOp::kAdded, "KUBELET_KUBEADM_ARGS.node-ip", "", "10.0.0.12");
  check_one(diff_keys(base, replaced(base, " --pod-infra-container-image=registry.k8s.io/pause:3.9", ""), Format::kKubeletFlags),
            KeyOp::kRemoved, "KUBELET_KUBEADM_ARGS.pod-infra-container-image", "registry.k8s.io/pause:3.9", "");
  CHECK(diff_keys(base, "# written by kubeadm\n" + base, Format::kKubeletFlags).changes.empty());
  const std::string reordered =
      "KUBELET_KUBEADM_ARGS=\"--pod-infra-container-image=registry.k8s.io/pause:3.9 "
      "--container-runtime-endpoint unix:///var/run/containerd/containerd.sock\"\n";
  CHECK(diff_keys(base, reordered, Format::kKubeletFlags).changes.empty());

  // Booleans take no next word; others take it whatever it is; the last one wins.
  const FlatDoc flags = read_kubelet_flags(
      "KUBELET_EXTRA_ARGS='--fail-swap-on --v 2 --node-labels=a=b --rotate-certificates=false --v=4'\n");
  REQUIRE(flags.ok());
  CHECK(flags.find("KUBELET_EXTRA_ARGS.fail-swap-on")->value == "true");
  CHECK(flags.find("KUBELET_EXTRA_ARGS.v")->value == "4");
  CHECK(flags.find("KUBELET_EXTRA_ARGS.node-labels")->value == "a=b");
  CHECK(flags.find("KUBELET_EXTRA_ARGS.rotate-certificates")->value == "false");
  CHECK(kubelet_flag_is_boolean("fail-swap-on"));
  CHECK(!kubelet_flag_is_boolean("node-ip"));
  CHECK(read_kubelet_flags("KUBELET_EXTRA_ARGS=\n").find("KUBELET_EXTRA_ARGS")->value.empty());

  const FlatDoc unterminated = read_kubelet_flags("# x\nKUBELET_KUBEADM_ARGS=\"--v=2\n");
  CHECK(!unterminated.ok());
  CHECK(unterminated.error_line == 2);
  CHECK(!read_kubelet_flags("KUBELET_KUBEADM_ARGS=\"--v=2 stray\"\n").ok());
  CHECK(!read_kubelet_flags("KUBELET_KUBEADM_ARGS=\"--node-ip\"\n").ok());
  CHECK(!read_kubelet_flags("just words\n").ok());
}

TEST_CASE("containerd config default (Debian's containerd 1.6): changed, added, removed, comment, reorder, parse error") {
  const std::string base = fixture("containerd-1.6-default.toml");
  const FlatDoc doc = read_toml(base);
  REQUIRE_MESSAGE(doc.ok(), doc.error_text());
  const std::string cgroup = "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options.SystemdCgroup";
  REQUIRE(doc.find(cgroup));
  CHECK(doc.find(cgroup)->value == "false");
  CHECK(doc.find(cgroup)->line == 125);
  CHECK(doc.find("version")->value == "2");
  CHECK(doc.find("grpc.address")->value == "/run/containerd/containerd.sock");

  check_one(diff_keys(base, replaced(base, "SystemdCgroup = false", "SystemdCgroup = true"), Format::kToml),
            KeyOp::kChanged, cgroup, "false", "true");
  check_one(diff_keys(base, replaced(base, "[cgroup]\n  path = \"\"\n", "[cgroup]\n  path = \"\"\n  extra = 1\n"), Format::kToml),
            KeyOp::kAdded, "cgroup.extra", "", "1");
  check_one(diff_keys(base, replaced(base, "oom_score = 0\n", ""), Format::kToml), KeyOp::kRemoved, "oom_score", "0", "");
  CHECK(diff_keys(base, "# edited by hand\n" + replaced(base, "oom_score = 0", "oom_score = 0 # default"), Format::kToml).changes.empty());
  CHECK(diff_keys(base, replaced(base, "disabled_plugins = []\nimports = []\n", "imports = []\ndisabled_plugins = []\n"), Format::kToml).changes.empty());

  const KeyDiff bad = diff_keys(base, replaced(base, "SystemdCgroup = false", "SystemdCgroup = "), Format::kToml);
  CHECK(!bad.ok());
  CHECK_MESSAGE(bad.error.find("now: line 125: invalid TOML") != std::string::npos, bad.error);
}

TEST_CASE("containerd imports: read in containerd's order, an imported file replaces whole plugin tables") {
  MemFiles m;
  m.files["/etc/containerd/config.toml"] =
      "version = 2\nimports = [\"conf.d/*.toml\", \"/etc/containerd/extra.toml\"]\n"
      "oom_score = 1\n"
      "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = true\n  BinaryName = \"runc\"\n"
      "[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n"
      "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"/opt/containerd\"\n";
  m.files["/etc/containerd/conf.d/20-b.toml"] = "oom_score = 3\n";
  m.files["/etc/containerd/conf.d/10-a.toml"] =
      "oom_score = 2\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  SystemdCgroup = false\n";
  m.files["/etc/containerd/extra.toml"] = "disabled_plugins = [\"io.containerd.internal.v1.tracing\"]\n";
  const FileSource files = m.source();
  const FlatDoc doc = read_effective(Format::kToml, "/etc/containerd/config.toml", files);
  REQUIRE_MESSAGE(doc.ok(), doc.error_text());
  const std::string cri = "plugins.\"io.containerd.grpc.v1.cri\"";
  const FlatValue* cgroup = doc.find(cri + ".containerd.runtimes.runc.options.SystemdCgroup");
  REQUIRE(cgroup);
  CHECK(cgroup->value == "false");
  CHECK(cgroup->file == "/etc/containerd/conf.d/10-a.toml");
  CHECK(cgroup->line == 3);
  // The whole cri table was replaced: the main file's registry and BinaryName are gone.
  CHECK(!doc.find(cri + ".registry.config_path"));
  CHECK(!doc.find(cri + ".containerd.runtimes.runc.options.BinaryName"));
  CHECK(doc.find("plugins.\"io.containerd.internal.v1.opt\".path")->value == "/opt/containerd");
  CHECK(doc.find("oom_score")->value == "3");  // 20-b after 10-a (sorted glob)
  CHECK(doc.find("disabled_plugins[0]")->value == "io.containerd.internal.v1.tracing");

  m.files["/etc/containerd/extra.toml"] = "[broken\n";
  const FlatDoc bad = read_effective(Format::kToml, "/etc/containerd/config.toml", m.source());
  CHECK(!bad.ok());
  CHECK(bad.error_file == "/etc/containerd/extra.toml");
  CHECK(bad.error_line == 1);
  m.files.erase("/etc/containerd/extra.toml");
  CHECK(!read_effective(Format::kToml, "/etc/containerd/config.toml", m.source()).ok());  // a named import is missing
}

TEST_CASE("Calico conflist: plugins by type; changed, added, removed, whitespace, reorder, parse error") {
  const std::string base = fixture("calico.conflist");
  const FlatDoc doc = read_json(base);
  REQUIRE_MESSAGE(doc.ok(), doc.error_text());
  CHECK(doc.find("plugins[type=calico].mtu")->value == "0");
  CHECK(doc.find("plugins[type=calico].ipam.type")->value == "calico-ipam");
  CHECK(doc.find("plugins[type=portmap].snat")->value == "true");
  check_one(diff_keys(base, replaced(base, "\"mtu\": 0", "\"mtu\": 1440"), Format::kJson), KeyOp::kChanged,
            "plugins[type=calico].mtu", "0", "1440");
  check_one(diff_keys(base, replaced(base, "\"snat\": true,", "\"snat\": true, \"conditionsV4\": [\"x\"],"), Format::kJson),
            KeyOp::kAdded, "plugins[type=portmap].conditionsV4[0]", "", "x");
  const std::string bandwidth = ",\n    {\n      \"type\": \"bandwidth\",\n      \"capabilities\": {\"bandwidth\": true}\n    }";
  const KeyDiff removed = diff_keys(base, replaced(base, bandwidth, ""), Format::kJson);
  INFO(describe(removed));
  REQUIRE(removed.changes.size() == 2);  // the item's keys, its type included
  CHECK(removed.changes[0].op == KeyOp::kRemoved);
  CHECK(removed.changes[0].key == "plugins[type=bandwidth].capabilities.bandwidth");
  CHECK(removed.changes[1].key == "plugins[type=bandwidth].type");
  CHECK(diff_keys(base, replaced(base, "\"cniVersion\": \"0.3.1\",", "\"cniVersion\":\"0.3.1\",\n\n"), Format::kJson).changes.empty());
  // Plugins reordered: keyed by type, no diff (the chain order is the list order;
  // CNI runs them in order, so this is a limitation, noted in the README).
  const std::string portmap = ",\n    {\n      \"type\": \"portmap\",\n      \"snat\": true,\n      \"capabilities\": {\"portMappings\": true}\n    }";
  const std::string swapped = replaced(replaced(base, portmap, ""), bandwidth, bandwidth + portmap);
  CHECK(diff_keys(base, swapped, Format::kJson).changes.empty());
  const KeyDiff bad = diff_keys(base, replaced(base, "\"mtu\": 0,", "\"mtu\": 0,,"), Format::kJson);
  CHECK(!bad.ok());
  CHECK_MESSAGE(bad.error.find("now: line 11: invalid JSON") != std::string::npos, bad.error);
}

TEST_CASE("Debian's sshd_config: changed, added, removed, comment, reorder, parse error; keywords case-insensitive") {
  const std::string base = fixture("debian-sshd_config");
  const FlatDoc doc = read_sshd(base);
  REQUIRE_MESSAGE(doc.ok(), doc.error_text());
  CHECK(doc.find("kbdinteractiveauthentication")->value == "no");
  CHECK(doc.find("usepam")->value == "yes");
  CHECK(doc.find("acceptenv")->value == "LANG LC_*");
  CHECK(doc.find("subsystem.sftp")->value == "/usr/lib/openssh/sftp-server");
  CHECK(doc.find("include")->value == "/etc/ssh/sshd_config.d/*.conf");

  check_one(diff_keys(base, replaced(base, "X11Forwarding yes", "X11Forwarding no"), Format::kSshd), KeyOp::kChanged,
            "x11forwarding", "yes", "no");
  check_one(diff_keys(base, replaced(base, "#PasswordAuthentication yes", "passwordauthentication=No"), Format::kSshd),
            KeyOp::kAdded, "passwordauthentication", "", "no");
  check_one(diff_keys(base, replaced(base, "PrintMotd no\n", ""), Format::kSshd), KeyOp::kRemoved, "printmotd", "no", "");
  CHECK(diff_keys(base, replaced(base, "UsePAM yes", "UsePAM yes   # needed\n# more comments"), Format::kSshd).changes.empty());
  CHECK(diff_keys(base, replaced(base, "PrintMotd no\n", "") + "PrintMotd no\n", Format::kSshd).changes.empty());
  // A second PrintMotd below the first changes nothing: the first one wins.
  CHECK(diff_keys(base, base + "PrintMotd yes\n", Format::kSshd).changes.empty());
  // AcceptEnv accumulates: a second line adds to the list.
  check_one(diff_keys(base, base + "AcceptEnv COLORTERM\n", Format::kSshd), KeyOp::kChanged, "acceptenv",
            "LANG LC_*", "LANG LC_* COLORTERM");

  const KeyDiff unknown = diff_keys(base, base + "PasswordAuthentcation no\n", Format::kSshd);
  CHECK(!unknown.ok());
  CHECK_MESSAGE(unknown.error.find("now: line 123: Bad configuration option: PasswordAuthentcation") != std::string::npos, unknown.error);
  const FlatDoc missing = read_sshd("Port 22\nPermitRootLogin\n");
  CHECK(!missing.ok());
  CHECK(missing.error_line == 2);
  CHECK(!read_sshd("Banner \"/etc/issue\n").ok());
}

TEST_CASE("sshd: Include globs sorted, the first value wins across files, lists accumulate, Match blocks their own context") {
  MemFiles m;
  m.files["/etc/ssh/sshd_config"] = fixture("debian-sshd_config") + "PasswordAuthentication yes\nAllowUsers wizard\n"
                                    "Match User backup\n  PasswordAuthentication yes\n  AllowTcpForwarding no\n";
  m.files["/etc/ssh/sshd_config.d/50-lockdown.conf"] = "PasswordAuthentication no\nPermitRootLogin no\nAllowUsers ops\n";
  m.files["/etc/ssh/sshd_config.d/10-cloud.conf"] = "permitrootlogin prohibit-password\n";
  m.files["/etc/ssh/sshd_config.d/ignored.txt"] = "PermitRootLogin yes\n";
  const FlatDoc doc = read_effective(Format::kSshd, "/etc/ssh/sshd_config", m.source());
  REQUIRE_MESSAGE(doc.ok(), doc.error_text());
  CHECK(doc.find("permitrootlogin")->value == "prohibit-password");
  CHECK(doc.find("permitrootlogin")->file == "/etc/ssh/sshd_config.d/10-cloud.conf");
  CHECK(doc.find("passwordauthentication")->value == "no");  // the drop-in comes first (Include at the top)
  CHECK(doc.find("passwordauthentication")->file == "/etc/ssh/sshd_config.d/50-lockdown.conf");
  CHECK(doc.find("allowusers")->value == "ops wizard");
  CHECK(doc.find("match.\"User backup\".passwordauthentication")->value == "yes");
  CHECK(doc.find("match.\"User backup\".allowtcpforwarding")->value == "no");
  CHECK(!doc.find("allowtcpforwarding"));

  // Moving PermitRootLogin from one drop-in to the other: the first file still wins.
  MemFiles moved = m;
  moved.files["/etc/ssh/sshd_config.d/10-cloud.conf"] = "";
  moved.files["/etc/ssh/sshd_config.d/50-lockdown.conf"] += "PermitRootLogin prohibit-password\n";
  const KeyDiff d = diff_flat(doc, read_effective(Format::kSshd, "/etc/ssh/sshd_config", moved.source()));
  INFO(describe(d));
  REQUIRE(d.changes.size() == 1);
  CHECK(d.changes[0].key == "permitrootlogin");
  CHECK(d.changes[0].new_value == "no");  // 50-lockdown's own earlier line wins now

  // A Match opened in an included file ends with that file.
  MemFiles inc;
  inc.files["/etc/ssh/sshd_config"] = "Include sshd_config.d/*.conf\nX11Forwarding no\n";
  inc.files["/etc/ssh/sshd_config.d/a.conf"] = "Match Address 10.0.0.0/8\n  X11Forwarding yes\n";
  const FlatDoc scoped = read_effective(Format::kSshd, "/etc/ssh/sshd_config", inc.source());
  REQUIRE(scoped.ok());
  CHECK(scoped.find("x11forwarding")->value == "no");
  CHECK(scoped.find("match.\"Address 10.0.0.0/8\".x11forwarding")->value == "yes");
  // Include loops stop at depth 16.
  MemFiles loop;
  loop.files["/etc/ssh/sshd_config"] = "Include /etc/ssh/sshd_config\n";
  CHECK(!read_effective(Format::kSshd, "/etc/ssh/sshd_config", loop.source()).ok());
}

TEST_CASE("sysctl (Debian's files): later files win, '-' prefix, '/' separators, systemd-sysctl's order") {
  MemFiles m;
  m.files["/usr/lib/sysctl.d/50-pid-max.conf"] = fixture("50-pid-max.conf");
  m.files["/usr/lib/sysctl.d/99-protect-links.conf"] = fixture("99-protect-links.conf");
  m.files["/etc/sysctl.conf"] = fixture("debian-sysctl.conf") + "net.ipv4.ip_forward = 1\n";
  m.links["/etc/sysctl.d/99-sysctl.conf"] = "../sysctl.conf";
  m.files["/etc/sysctl.d/99-sysctl.conf"] = m.files["/etc/sysctl.conf"];
  m.files["/etc/sysctl.d/10-k8s.conf"] = "-net/ipv4/conf/all/rp_filter = 0\nnet.ipv4.ip_forward=0\nfs.protected_regular = 1\n";
  FlatDoc doc = read_sysctl_tree(m.source());
  REQUIRE_MESSAGE(doc.ok(), doc.error_text());
  CHECK(doc.find("kernel.pid_max")->value == "4194304");
  CHECK(doc.find("net.ipv4.conf.all.rp_filter")->value == "0");
  CHECK(doc.find("net.ipv4.ip_forward")->value == "1");  // 99-sysctl.conf after 10-k8s.conf
  CHECK(doc.find("net.ipv4.ip_forward")->file == "/etc/sysctl.d/99-sysctl.conf");
  CHECK(doc.find("fs.protected_regular")->value == "2");  // 99-protect-links after 10-k8s
  // An /etc file of the same name overrides /usr/lib's; a link to /dev/null masks it.
  m.files["/etc/sysctl.d/99-protect-links.conf"] = "fs.protected_regular = 0\n";
  CHECK(read_sysctl_tree(m.source()).find("fs.protected_regular")->value == "0");
  m.files.erase("/etc/sysctl.d/99-protect-links.conf");
  m.links["/etc/sysctl.d/99-protect-links.conf"] = "/dev/null";
  CHECK(read_sysctl_tree(m.source()).find("fs.protected_regular")->value == "1");

  // Moving a key between files: the last file wins, so moving it later changes the value.
  const std::string base = fixture("debian-sysctl.conf");
  check_one(diff_keys(base, replaced(base, "#net.ipv4.ip_forward=1", "net.ipv4.ip_forward=1"), Format::kSysctl),
            KeyOp::kAdded, "net.ipv4.ip_forward", "", "1");
  const std::string set = base + "vm.swappiness = 10\n";
  check_one(diff_keys(set, replaced(set, "vm.swappiness = 10", "vm.swappiness=60"), Format::kSysctl), KeyOp::kChanged,
            "vm.swappiness", "10", "60");
  check_one(diff_keys(set, base, Format::kSysctl), KeyOp::kRemoved, "vm.swappiness", "10", "");
  CHECK(diff_keys(set, "; comment\n" + set + "# more\n", Format::kSysctl).changes.empty());
  CHECK(diff_keys("a.b = 1\nc.d = 2\n", "c/d = 2\n-a.b=1\n", Format::kSysctl).changes.empty());
  CHECK(diff_keys("a.b = 1\n", "a.b = 1\na.b = 2\n", Format::kSysctl).changes.size() == 1);  // later wins
  CHECK(read_sysctl("net/ipv4/conf/eth0.1/rp_filter = 1\nodd name.x = 2\n").order ==
        std::vector<std::string>{"net.ipv4.conf.eth0/1.rp_filter", "\"odd name\".x"});  // key paths, quoted as needed
  const KeyDiff bad = diff_keys(set, set + "vm.overcommit_memory\n", Format::kSysctl);
  CHECK(!bad.ok());
  CHECK_MESSAGE(bad.error.find("now: line 70: not an assignment") != std::string::npos, bad.error);
}

TEST_CASE("secrets: secret key names redacted in key diffs; settings that merely mention one stay visible") {
  for (const char* k : {"users[name=admin].user.client-key-data", "users[0].user.token", "password", "db.secret",
                        "plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"r.io\".auth.identitytoken",
                        "auth", "private-key", "privateKey", "aws.secret_access_key.secretKey", "KUBELET_EXTRA_ARGS.bearer-token"}) {
    CHECK_MESSAGE(secret_key_name(k), k);
  }
  for (const char* k : {"passwordauthentication", "PubkeyAuthentication", "hostkey", "AuthorizedKeysFile",
                        "permitemptypasswords", "tokenFile", "client-certificate-data", "secretName",
                        "authentication.x509.clientCAFile", "kbdinteractiveauthentication"}) {
    CHECK_MESSAGE(!secret_key_name(k), k);
  }
  const std::string kubeconfig = "users:\n- name: admin\n  user:\n    client-key-data: AAAAsecretBBBB\n    token: abc.def.ghi\n";
  const KeyDiff d = diff_keys(kubeconfig, replaced(replaced(kubeconfig, "AAAAsecretBBBB", "CCCCsecretDDDD"), "abc.def.ghi", "xyz"), Format::kYaml);
  REQUIRE(d.changes.size() == 2);
  for (const KeyChange& c : d.changes) {
    CHECK(c.redacted);
    CHECK(c.old_value == kRedactedChanged);
    CHECK(c.new_value == kRedactedChanged);
  }
  CHECK(find_change(d, "users[name=admin].user.client-key-data"));
  // A value the content detector flags is redacted whatever its key is called.
  const KeyDiff pem = diff_keys("a: x\n", "a: \"-----BEGIN PRIVATE KEY-----\"\n", Format::kYaml);
  REQUIRE(pem.changes.size() == 1);
  CHECK(pem.changes[0].new_value == kRedactedChanged);
  // Added: the side that exists says <redacted>.
  const KeyDiff added = diff_keys("a: x\n", "a: x\npassword: hunter22\n", Format::kYaml);
  REQUIRE(added.changes.size() == 1);
  CHECK(added.changes[0].new_value == kRedacted);
  CHECK(added.changes[0].old_value.empty());
}
