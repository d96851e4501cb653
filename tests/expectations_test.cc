// Expectations against effective values: each operator holding and failing;
// sshd's first-wins across drop-ins (a shadowed re-enable is no violation, a
// winning one is), AllowUsers accumulating across two files, a Match block
// re-enabling password login, `match:` naming one block; masked units;
// sysctl min/max; nodes: scoping; what the rules refuse before reading.
#include <doctest/doctest.h>

#include "semantic/expectations.h"
#include "semantic_test_util.h"

using namespace drift;
using drift::test::fixture;
using drift::test::MemFiles;

namespace {

Expectation rule(const std::string& file, const std::string& key, ExpectOp op, const std::string& value = "") {
  Expectation e;
  e.file = file;
  e.key = key;
  e.ops = {op};
  e.equals = value;
  e.pattern = value;
  if (op == ExpectOp::kOneOf) {
    for (size_t at = 0, next; at <= value.size(); at = next + 1) {
      next = value.find(',', at);
      if (next == std::string::npos) next = value.size();
      e.one_of.push_back(value.substr(at, next - at));
    }
  }
  std::string why;
  REQUIRE_MESSAGE(validate_expectation(&e, &why), why);
  return e;
}

std::vector<ExpectationViolation> eval(const MemFiles& m, const std::vector<Expectation>& rules,
                                       const std::string& node = "k8s-node2") {
  return evaluate_expectations(rules, node, m.source());
}

MemFiles node_files() {
  MemFiles m;
  m.files["/etc/ssh/sshd_config"] = fixture("debian-sshd_config");
  m.files["/etc/ssh/sshd_config.d/10-lockdown.conf"] = "PasswordAuthentication no\nAllowUsers wizard\n";
  m.files["/var/lib/kubelet/config.yaml"] = fixture("kubeadm-kubelet-config.yaml");
  m.files["/etc/containerd/config.toml"] = fixture("containerd-1.6-default.toml");
  m.files["/etc/cni/net.d/10-calico.conflist"] = fixture("calico.conflist");
  m.files["/usr/lib/sysctl.d/50-pid-max.conf"] = fixture("50-pid-max.conf");
  m.files["/etc/sysctl.d/10-k8s.conf"] = "net.ipv4.ip_forward = 1\n";
  m.links["/etc/systemd/system/ssh.socket"] = "/dev/null";
  return m;
}

const char* kSshd = "/etc/ssh/sshd_config";

}  // namespace

TEST_CASE("expectations: each operator holding and failing") {
  const MemFiles m = node_files();
  const std::string kubelet = "/var/lib/kubelet/config.yaml", containerd = "/etc/containerd/config.toml";
  const std::string cgroup = "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options.SystemdCgroup";
  const std::vector<Expectation> holding = {
      rule(kubelet, "cgroupDriver", ExpectOp::kEquals, "systemd"),
      rule(kubelet, "authorization.mode", ExpectOp::kOneOf, "AlwaysAllow,Webhook"),
      rule(kubelet, "staticPodPath", ExpectOp::kMatches, "/etc/kubernetes/.*"),
      rule(kubelet, "authentication.x509", ExpectOp::kPresent),
      rule(kubelet, "evictionHard", ExpectOp::kAbsent),
      rule("/etc/systemd/system/ssh.socket", "", ExpectOp::kMasked),
      rule("/etc/cni/net.d/10-calico.conflist", "plugins[type=calico].ipam.type", ExpectOp::kEquals, "calico-ipam"),
      rule(containerd, cgroup, ExpectOp::kEquals, "false"),
      rule(kSshd, "PasswordAuthentication", ExpectOp::kEquals, "no"),
  };
  std::vector<ExpectationViolation> v = eval(m, holding);
  for (const auto& violation : v) MESSAGE(violation.rule, ": ", violation.actual);
  CHECK(v.empty());

  const std::vector<Expectation> failing = {
      rule(kubelet, "cgroupDriver", ExpectOp::kEquals, "cgroupfs"),
      rule(kubelet, "authorization.mode", ExpectOp::kOneOf, "AlwaysAllow,Node"),
      rule(kubelet, "staticPodPath", ExpectOp::kMatches, "/etc/kubernetes"),  // the whole value must match
      rule(kubelet, "evictionHard", ExpectOp::kPresent),
      rule(kubelet, "authentication.x509", ExpectOp::kAbsent),
      rule("/etc/systemd/system/sshd.socket", "", ExpectOp::kMasked),
      rule(containerd, cgroup, ExpectOp::kEquals, "true"),
  };
  v = eval(m, failing);
  REQUIRE(v.size() == failing.size());
  CHECK(v[0].actual == "systemd");
  CHECK(v[0].expected == "equals cgroupfs");
  CHECK(v[0].line == 15);
  CHECK(v[0].file == kubelet);
  CHECK(v[1].expected == "one_of [AlwaysAllow, Node]");
  CHECK(v[3].actual == "(not set)");
  CHECK(v[4].actual == "(a table or list)");
  CHECK(v[5].actual == "(file missing)");
  CHECK(v[6].key == cgroup);
  CHECK(v[6].actual == "false");
  CHECK(v[6].line == 125);
  for (const auto& x : v) CHECK(x.severity == Severity::kCritical);
}

TEST_CASE("expectations: sysctl min/max over the whole sysctl.d set") {
  MemFiles m = node_files();
  Expectation pid = rule("/etc/sysctl.conf", "kernel.pid_max", ExpectOp::kMin);
  pid.min = 32768;
  Expectation fwd = rule("/etc/sysctl.d/99-sysctl.conf", "net.ipv4.ip_forward", ExpectOp::kMax);
  fwd.max = 1;
  CHECK(eval(m, {pid, fwd}).empty());
  pid.min = 5000000;
  fwd.max = 0;
  const auto v = eval(m, {pid, fwd});
  REQUIRE(v.size() == 2);
  CHECK(v[0].actual == "4194304");
  CHECK(v[0].file == "/usr/lib/sysctl.d/50-pid-max.conf");
  CHECK(v[1].file == "/etc/sysctl.d/10-k8s.conf");
  CHECK(v[1].line == 1);
  m.files["/etc/sysctl.d/10-k8s.conf"] = "net.ipv4.ip_forward = yes\n";
  REQUIRE(eval(m, {fwd}).size() == 1);  // not a number: a violation, never a pass
}

TEST_CASE("expectations: a drop-in re-enabling password login, shadowed by an earlier one or winning") {
  MemFiles m = node_files();
  const Expectation no_password = rule(kSshd, "PasswordAuthentication", ExpectOp::kEquals, "no");
  m.files["/etc/ssh/sshd_config.d/50-cloud-init.conf"] = "PasswordAuthentication yes\n";
  CHECK(eval(m, {no_password}).empty());  // 10-lockdown comes first and wins

  m.files["/etc/ssh/sshd_config.d/05-cloud-init.conf"] = "PasswordAuthentication yes\n";
  const auto v = eval(m, {no_password});
  REQUIRE(v.size() == 1);
  CHECK(v[0].actual == "yes");
  CHECK(v[0].file == "/etc/ssh/sshd_config.d/05-cloud-init.conf");
  CHECK(v[0].line == 1);
  CHECK(v[0].key == "passwordauthentication");
}

TEST_CASE("expectations: AllowUsers accumulates across two files and equals compares the whole list") {
  MemFiles m = node_files();
  const Expectation only_wizard = rule(kSshd, "AllowUsers", ExpectOp::kEquals, "wizard");
  CHECK(eval(m, {only_wizard}).empty());
  m.files["/etc/ssh/sshd_config.d/90-vendor.conf"] = "AllowUsers mallory\n";
  const auto v = eval(m, {only_wizard});
  REQUIRE(v.size() == 1);
  CHECK(v[0].actual == "wizard mallory");
}

TEST_CASE("expectations: a Match block re-enabling password login is a violation; match: names one block") {
  MemFiles m = node_files();
  m.files["/etc/ssh/sshd_config"] += "Match User backup\n  PasswordAuthentication yes\nMatch LocalPort 2222\n  X11Forwarding no\n";
  const Expectation no_password = rule(kSshd, "PasswordAuthentication", ExpectOp::kEquals, "no");
  auto v = eval(m, {no_password});
  REQUIRE(v.size() == 1);
  CHECK(v[0].key == "match.\"User backup\".passwordauthentication");
  CHECK(v[0].file == kSshd);
  CHECK(v[0].line == 124);

  // Named: only that block, inheriting the global value where it sets none.
  Expectation in_2222 = no_password;
  in_2222.match = "LocalPort  2222";
  CHECK(eval(m, {in_2222}).empty());
  Expectation in_backup = no_password;
  in_backup.match = "User backup";
  CHECK(eval(m, {in_backup}).size() == 1);
  Expectation nowhere = no_password;
  nowhere.match = "User nobody";
  v = eval(m, {nowhere});
  REQUIRE(v.size() == 1);
  CHECK(v[0].actual == "(no such Match block)");
}

TEST_CASE("expectations: nodes: scopes a rule; severity warning is not critical") {
  MemFiles m = node_files();
  m.files["/etc/ssh/sshd_config.d/10-lockdown.conf"] = "PasswordAuthentication yes\n";
  Expectation e = rule(kSshd, "PasswordAuthentication", ExpectOp::kEquals, "no");
  e.nodes = {"k8s-node[2-6]"};
  CHECK(eval(m, {e}, "k8s-node2").size() == 1);
  CHECK(eval(m, {e}, "k8s-node6").size() == 1);
  CHECK(eval(m, {e}, "k8s-node1").empty());
  CHECK(eval(m, {e}, "pve1").empty());
  e.severity = Severity::kWarning;
  const auto v = eval(m, {e}, "k8s-node3");
  REQUIRE(v.size() == 1);
  CHECK(!has_critical(v));
}

TEST_CASE("expectations: a file that does not parse, or is missing, is a violation saying so; absent holds on a missing file") {
  MemFiles m = node_files();
  m.files["/var/lib/kubelet/config.yaml"] = "cgroupDriver: [systemd\n";
  auto v = eval(m, {rule("/var/lib/kubelet/config.yaml", "cgroupDriver", ExpectOp::kEquals, "systemd")});
  REQUIRE(v.size() == 1);
  CHECK(v[0].actual.rfind("parse error: ", 0) == 0);
  m.files.erase("/var/lib/kubelet/config.yaml");
  v = eval(m, {rule("/var/lib/kubelet/config.yaml", "cgroupDriver", ExpectOp::kEquals, "systemd"),
               rule("/var/lib/kubelet/config.yaml", "cgroupDriver", ExpectOp::kAbsent)});
  REQUIRE(v.size() == 1);
  CHECK(v[0].actual == "(file missing)");
}

TEST_CASE("expectations: secret values never appear as actual") {
  MemFiles m;
  m.files["/etc/kubernetes/manifests/x.yaml"] = "spec:\n  token: s3cr3t-v4lue\n";
  const auto v = eval(m, {rule("/etc/kubernetes/manifests/x.yaml", "spec.token", ExpectOp::kEquals, "other")});
  REQUIRE(v.size() == 1);
  CHECK(v[0].actual == "<redacted>");
}

TEST_CASE("expectations: refused before reading: no or two operators, unknown format, impossible key, bad regex") {
  auto refused = [](Expectation e) {
    std::string why;
    const bool ok = validate_expectation(&e, &why);
    CHECK(!why.empty());
    return !ok;
  };
  Expectation e;
  e.file = kSshd;
  e.key = "PasswordAuthentication";
  CHECK(refused(e));  // no operator
  e.ops = {ExpectOp::kEquals, ExpectOp::kPresent};
  CHECK(refused(e));
  e.ops = {ExpectOp::kEquals};
  e.key = "PasswordAuthentcation";
  CHECK(refused(e));  // not an sshd keyword
  e.key = "passwordauthentication[0]";
  CHECK(refused(e));
  Expectation f = e;
  f.file = "/etc/motd";
  f.key = "x";
  CHECK(refused(f));  // not a format driftd reads
  Expectation r;
  r.file = "/var/lib/kubelet/config.yaml";
  r.key = "cgroupDriver";
  r.ops = {ExpectOp::kMatches};
  r.pattern = "([";
  CHECK(refused(r));
  r.ops = {ExpectOp::kEquals};
  r.match = "User x";
  CHECK(refused(r));  // match: is sshd's
  Expectation s;
  s.file = "/etc/sysctl.conf";
  s.key = "a[0]";
  s.ops = {ExpectOp::kEquals};
  CHECK(refused(s));
  Expectation k;
  k.file = "/var/lib/kubelet/kubeadm-flags.env";
  k.key = "node-ip";
  k.ops = {ExpectOp::kEquals};
  CHECK(refused(k));  // VARIABLE.flag
  k.key = "KUBELET_KUBEADM_ARGS.node-ip";
  std::string why;
  CHECK(validate_expectation(&k, &why));
  CHECK(k.rule == "/var/lib/kubelet/kubeadm-flags.env KUBELET_KUBEADM_ARGS.node-ip");
  ExpectOp op;
  CHECK(parse_expect_op("one_of", &op));
  CHECK(op == ExpectOp::kOneOf);
  CHECK(!parse_expect_op("contains", &op));
}
