// Config: strict schema, errors that name the key, the line and the type.
#include <doctest/doctest.h>

#include "agent/config.h"
#include "exports_test_util.h"

using namespace drift;

namespace {
std::string parse_error(const std::string& yaml) {
  Config c;
  std::string err;
  CHECK_FALSE(parse_config(yaml, "config.yaml", &c, &err));
  return err;
}
}  // namespace

TEST_CASE("the embedded default config parses and selects the operator's paths") {
  Config c;
  std::string err;
  REQUIRE_MESSAGE(parse_config(embedded_default_config(), "embedded default", &c, &err), err);
  Selection s(c.paths);
  for (const char* p : {"/etc", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/opt/cni/bin",
                        "/etc/cni/net.d", "/etc/containerd/config.toml", "/etc/systemd/system",
                        "/var/lib/kubelet/config.yaml", "/var/lib/kubelet/kubeadm-flags.env"}) {
    CHECK_MESSAGE(s.is_rule_root(p), p);
  }
  CHECK_FALSE(s.rule_for("/var/lib/kubelet/pods/x"));  // never the kubelet directory
  CHECK(s.rule_for("/usr/bin/kubelet")->severity == Severity::kCritical);
  CHECK(s.rule_for("/etc/ssh/sshd_config")->severity == Severity::kCritical);
  CHECK(s.rule_for("/etc/sudoers.d/90-cloud")->severity == Severity::kCritical);
  CHECK(s.rule_for("/etc/hosts")->severity == Severity::kWarning);
  CHECK(s.excluded("/etc/cni/net.d/calico-kubeconfig"));
  CHECK(s.excluded("/etc/mtab"));
  CHECK(s.excluded("/etc/ssh/.sshd_config.swp"));
  CHECK(c.debounce == Millis(200));
  CHECK(c.rescan_interval == Millis(3600000));
  CHECK(c.spool_max_bytes == 64ull << 20);
}

TEST_CASE("every documented key is accepted") {
  Config c;
  std::string err;
  const char* yaml = R"(node: k8s-node2
root: /host
state_dir: /var/lib/driftd
baseline: /var/lib/driftd/baseline.drift
public_key: /etc/driftd/baseline.pub
paths:
  - path: /etc
    exclude: ["/etc/mtab", "*.swp"]
  - path: /etc/ssh
    severity: critical
    ignore: [atime_is_not_an_attr]
)";
  // (ignore with a bad attribute is checked below; here use a valid one)
  std::string good = yaml;
  good.replace(good.find("atime_is_not_an_attr"), 20, "mtime");
  good += R"(content: { max_bytes: 65536, never: ["/etc/shadow*", "*.key"] }
scan: { threads: 0 }
pushgateway: { url: "http://127.0.0.1:9091", job: driftd, heartbeat: 60s }
loki: { url: "http://127.0.0.1:3100", max_diff_bytes: 16384 }
listen: "127.0.0.1:9847"
rescan_interval: 1h
debounce: 200ms
spool: { max_bytes: 64MiB }
metrics: { max_paths: 50 }
exports: {}
)";
  REQUIRE_MESSAGE(parse_config(good, "config.yaml", &c, &err), err);
  CHECK(c.node == "k8s-node2");
  CHECK(c.root == "/host");
  CHECK(c.pushgateway_heartbeat == Millis(60000));
  CHECK(c.paths.size() == 2);
  CHECK(c.paths[1].ignore.has(Attr::kMtime));
  CHECK(parse_error(yaml).find("config.yaml:11: paths[].ignore: unknown attribute 'atime_is_not_an_attr'") == 0);
}

TEST_CASE("an unknown key is an error naming the key and its line") {
  CHECK(parse_error("node: a\npathz: []\n") == "config.yaml:2: unknown key 'pathz'");
  CHECK(parse_error("scan:\n  threadz: 2\n") == "config.yaml:2: unknown key 'scan.threadz'");
  CHECK(parse_error("paths:\n  - path: /etc\n    exlude: [x]\n") == "config.yaml:3: unknown key 'paths[].exlude'");
}

TEST_CASE("a wrong type names the key, the line and the type expected") {
  CHECK(parse_error("scan: { threads: many }\n").find("config.yaml:1: scan.threads: expected an integer") == 0);
  CHECK(parse_error("debounce: soon\n").find("config.yaml:1: debounce: expected a duration") == 0);
  CHECK(parse_error("paths: /etc\n").find("config.yaml:1: paths: expected a list") == 0);
  CHECK(parse_error("paths:\n  - path: etc\n").find("config.yaml:2: paths[].path: expected an absolute path") == 0);
  CHECK(parse_error("paths:\n  - {path: /etc, severity: loud}\n").find("expected critical or warning") != std::string::npos);
  CHECK(parse_error("spool: { max_bytes: lots }\n").find("config.yaml:1: spool.max_bytes: expected a size") == 0);
}

TEST_CASE("bad YAML is an error with its line") {
  CHECK(parse_error("paths:\n  - path: [unclosed\n").find("config.yaml:") == 0);
  CHECK(parse_error("paths:\n  - path: [unclosed\n").find("invalid YAML") != std::string::npos);
}

TEST_CASE("the same path listed twice is an error") {
  CHECK(parse_error("paths:\n  - /etc\n  - /etc/\n").find("'/etc' is listed twice") != std::string::npos);
}

TEST_CASE("durations and sizes") {
  Millis d;
  CHECK(parse_duration("1h30m", &d));
  CHECK(d == Millis(5400000));
  CHECK_FALSE(parse_duration("10x", &d));
  uint64_t s;
  CHECK(parse_size("64KiB", &s));
  CHECK(s == 65536);
  CHECK_FALSE(parse_size("12 pages", &s));
}

TEST_CASE("a repeated key at any level is an error naming the key and both lines") {
  const std::string err = parse_error("content:\n  never: [\"*.key\"]\nnode: a\ncontent:\n  never: []\n");
  CHECK_MESSAGE(err.find("config.yaml:4: duplicate key 'content' (lines 1 and 4)") != std::string::npos, err);
  const std::string nested = parse_error("content:\n  max_bytes: 1KiB\n  max_bytes: 2KiB\n");
  CHECK_MESSAGE(nested.find("duplicate key 'content.max_bytes' (lines 2 and 3)") != std::string::npos, nested);
  const std::string in_list = parse_error("paths:\n  - { path: /etc, severity: warning, severity: critical }\n");
  CHECK_MESSAGE(in_list.find("duplicate key 'paths[].severity'") != std::string::npos, in_list);
}

TEST_CASE("a config that selects nothing is an error; one without paths means the default paths") {
  CHECK(parse_error("paths: []\n").find("config.yaml:1: paths: selects nothing") != std::string::npos);
  Config c, d;
  std::string err;
  REQUIRE_MESSAGE(parse_config("node: x\n", "config.yaml", &c, &err), err);
  REQUIRE(parse_config(embedded_default_config(), "embedded default", &d, &err));
  REQUIRE(c.paths.size() == d.paths.size());
  CHECK(c.paths.front().path == "/etc");
  REQUIRE(parse_config("", "config.yaml", &c, &err));
  CHECK(c.paths.size() == d.paths.size());
}

TEST_CASE("durations and sizes are range-checked and never overflow") {
  CHECK(parse_error("rescan_interval: 0ms\n").find("config.yaml:1: rescan_interval: must be between 1s and 720h") != std::string::npos);
  CHECK(parse_error("rescan_interval: 999999999999h999999999999h\n").find("rescan_interval") != std::string::npos);
  CHECK(parse_error("debounce: 2m\n").find("debounce: must be between") != std::string::npos);
  CHECK(parse_error("pushgateway: { heartbeat: 10ms }\n").find("pushgateway.heartbeat: must be between") != std::string::npos);
  CHECK(parse_error("content: { max_bytes: 999999999999999GiB }\n").find("content.max_bytes: expected a size") != std::string::npos);
  CHECK(parse_error("content: { max_bytes: 17MiB }\n").find("content.max_bytes: must be between") != std::string::npos);
  CHECK(parse_error("spool: { max_bytes: 1 }\n").find("spool.max_bytes: must be between") != std::string::npos);
  Millis d;
  CHECK_FALSE(parse_duration("999999999999h999999999999h999999999999h", &d));
  uint64_t v;
  CHECK_FALSE(parse_size("999999999999999GiB", &v));
  CHECK(parse_size("16MiB", &v));
  CHECK(v == 16ull << 20);
}

TEST_CASE("a NUL byte in a path and a second YAML document are errors with their line") {
  CHECK(parse_error("paths: [\"/etc\\0/x\"]\n").find("config.yaml:1: paths[].path: contains a NUL byte") != std::string::npos);
  const std::string two = parse_error("node: a\n---\nnode: b\n");
  CHECK_MESSAGE(two.find("config.yaml:2: a second YAML document") != std::string::npos, two);
}

TEST_CASE("load_config refuses a directory and an endless file with a bounded error") {
  Config c;
  std::string err;
  CHECK_FALSE(load_config("/tmp", &c, &err));
  CHECK(err.find("is a directory") != std::string::npos);
  CHECK_FALSE(load_config("/dev/zero", &c, &err));
  CHECK(err.find("more than") != std::string::npos);
}

TEST_CASE("YAML aliases and deep nesting are refused before a node is built (a cycle, a billion laughs)") {
  CHECK(parse_error("lol: &a [ *a ]\n").find("config.yaml:1: YAML aliases") != std::string::npos);
  std::string laughs = "l0: &a0 [x,x,x,x,x,x,x,x,x,x]\n";
  for (int i = 1; i < 10; ++i) {
    laughs += "l" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) laughs += std::string(k ? "," : "") + "*a" + std::to_string(i - 1);
    laughs += "]\n";
  }
  CHECK(parse_error(laughs).find("YAML aliases") != std::string::npos);
  CHECK(parse_error(std::string(100, '[') + std::string(100, ']') + "\n").find("nested more than 32") != std::string::npos);
}

// ---- the exports: keys ---------------------------------------------------------------

TEST_CASE("exports config: every exports key, and the defaults") {
  const ExportsConfig d = test::exports_config("node: x\n");
  CHECK_FALSE(d.enabled);
  CHECK(d.etab);
  CHECK(d.rules.empty());
  const ExportsConfig p = test::exports_config(test::kProxmoxProfile);
  CHECK(p.enabled);
  CHECK(p.allowed_clients == std::vector<std::string>{"10.0.20.0/22", "192.168.1.0/24"});
  REQUIRE(p.rules.size() == 2);
  CHECK(p.rules[0].path == "/srv/nfs");
  CHECK(p.rules[0].line == 6);
  CHECK(p.rules[0].forbid == std::vector<std::string>{"fsid=0"});
  CHECK(p.nfs_conf == std::vector<std::pair<std::string, std::string>>{{"nfsd.vers3", "n"}});
  // The canonical dump parses back to the same thing.
  Config c;
  std::string err;
  REQUIRE(parse_config(test::kProxmoxProfile, "pve.yaml", &c, &err));
  Config again;
  REQUIRE_MESSAGE(parse_config(dump_config(c), "dump", &again, &err), err);
  CHECK(dump_config(again) == dump_config(c));
}

TEST_CASE("exports config: exports errors name the key and the line") {
  CHECK(test::config_error("exports:\n  enabled: true\n  etabs: false\n") == "config.yaml:3: unknown key 'exports.etabs'");
  CHECK(test::config_error("exports:\n  enabled: maybe\n") == "config.yaml:2: exports.enabled: expected true or false, got 'maybe'");
  CHECK(test::config_error("exports: []\n") == "config.yaml:1: exports: expected a mapping");
  CHECK(test::config_error("exports:\n  allowed_clients: [10.0.20.0/22, 10.0.20.5/22]\n") ==
        "config.yaml:2: exports.allowed_clients: '10.0.20.5/22' has host bits set (did you mean the network address?)");
  CHECK(test::config_error("exports:\n  allowed_clients: [nas.lan]\n").find("config.yaml:2: exports.allowed_clients: expected a CIDR") == 0);
  CHECK(test::config_error("exports:\n  rules:\n    - path: /srv/nfs\n      require: [async, asynch]\n") ==
        "config.yaml:4: exports.rules[].require: unknown option 'asynch'");
  CHECK(test::config_error("exports:\n  rules:\n    - { path: /srv/nfs, forbid: fsid=0 }\n") ==
        "config.yaml:3: exports.rules[].forbid: expected a list of export options");
  CHECK(test::config_error("exports:\n  rules:\n    - { require: [async] }\n") == "config.yaml:3: exports.rules[]: missing key 'path'");
  CHECK(test::config_error("exports:\n  rules:\n    - { path: srv/nfs }\n").find("config.yaml:3: exports.rules[].path: expected an absolute path") == 0);
  CHECK(test::config_error("exports:\n  rules:\n    - { path: /srv/nfs }\n    - { path: /srv/nfs/ }\n") ==
        "config.yaml:4: exports.rules: '/srv/nfs' is listed twice");
  CHECK(test::config_error("exports:\n  rules:\n    - { path: /srv/nfs, requires: [async] }\n") ==
        "config.yaml:3: unknown key 'exports.rules[].requires'");
  CHECK(test::config_error("exports:\n  nfs_conf: { vers3: n }\n") ==
        "config.yaml:2: exports.nfs_conf: key 'vers3' must be section.key, like nfsd.vers3");
  CHECK(test::config_error("exports:\n  nfs_conf:\n    nfsd.vers3: [n]\n") == "config.yaml:3: exports.nfs_conf.nfsd.vers3: expected a string");
  CHECK(test::config_error("exports:\n  pseudo_root: /srv\n") == "config.yaml:2: exports.pseudo_root: expected a list of paths");
}

TEST_CASE("runtime config: every key, the defaults with their exclusions, and the dump") {
  Config d;
  std::string err;
  REQUIRE(parse_config("node: x\n", "config.yaml", &d, &err));
  CHECK(d.runtime.enabled);
  CHECK(d.runtime.proc_root == "/");
  CHECK(d.runtime.interval == Millis(5000));
  CHECK(d.runtime.sysctls == std::vector<std::string>{"kernel.*", "vm.*", "fs.*"});
  CHECK(d.runtime.exclude == default_sysctl_excludes());
  CHECK(d.runtime.host_namespaces == HostNamespaces::kAuto);
  Config e;
  REQUIRE(parse_config(embedded_default_config(), "embedded default", &e, &err));
  CHECK(dump_config(e).find("sysctls: [kernel.*, vm.*, fs.*]") != std::string::npos);
  Config c;
  REQUIRE_MESSAGE(parse_config("runtime:\n  enabled: false\n  proc_root: /srv/proc-tree\n  interval: 30s\n"
                               "  sysctls: [kernel.kptr_restrict, \"net.ipv4.*\"]\n  exclude: [net.ipv4.conf.*]\n"
                               "  host_namespaces: true\n",
                               "config.yaml", &c, &err),
                  err);
  CHECK(!c.runtime.enabled);
  CHECK(c.runtime.proc_root == "/srv/proc-tree");
  CHECK(c.runtime.interval == Millis(30000));
  CHECK(c.runtime.sysctls == std::vector<std::string>{"kernel.kptr_restrict", "net.ipv4.*"});
  CHECK(c.runtime.exclude == std::vector<std::string>{"net.ipv4.conf.*"});
  CHECK(c.runtime.host_namespaces == HostNamespaces::kYes);
  Config again;
  REQUIRE_MESSAGE(parse_config(dump_config(c), "dump", &again, &err), err);
  CHECK(dump_config(again) == dump_config(c));
}

TEST_CASE("runtime config: errors name the key and the line") {
  CHECK(parse_error("runtime:\n  enable: true\n") == "config.yaml:2: unknown key 'runtime.enable'");
  CHECK(parse_error("runtime:\n  enabled: maybe\n") == "config.yaml:2: runtime.enabled: expected true or false, got 'maybe'");
  CHECK(parse_error("runtime:\n  interval: 100ms\n") == "config.yaml:2: runtime.interval: must be between 1s and 1h, got '100ms'");
  CHECK(parse_error("runtime:\n  proc_root: proc\n").find("config.yaml:2: runtime.proc_root: expected an absolute path") == 0);
  CHECK(parse_error("runtime:\n  sysctls: kernel.*\n") == "config.yaml:2: runtime.sysctls: expected a list of strings");
  CHECK(parse_error("runtime:\n  sysctls:\n    - kernel.*\n    - kernel/kptr_restrict\n") ==
        "config.yaml:4: runtime.sysctls: expected a sysctl name or glob like kernel.* (dots, not slashes), got 'kernel/kptr_restrict'");
  CHECK(parse_error("runtime:\n  host_namespaces: sometimes\n") ==
        "config.yaml:2: runtime.host_namespaces: expected auto, true or false, got 'sometimes'");
  CHECK(parse_error("runtime: []\n") == "config.yaml:1: runtime: expected a mapping");
}

TEST_CASE("expect: rules parse with their operators; errors name the line") {
  Config c;
  std::string err;
  const std::string yaml =
      "expect:\n"
      "  - file: /etc/ssh/sshd_config\n"
      "    key: PasswordAuthentication\n"
      "    equals: \"no\"\n"
      "    nodes: [\"k8s-node[2-6]\"]\n"
      "  - { file: /etc/systemd/system/ssh.socket, masked: true, severity: warning }\n"
      "  - { name: pid-max, file: /etc/sysctl.conf, key: kernel.pid_max, min: 32768, max: 4194304 }\n"
      "  - { file: /etc/ssh/sshd_config, key: AllowUsers, one_of: [wizard, ops], match: \"User backup\" }\n";
  REQUIRE_MESSAGE(parse_config(yaml, "config.yaml", &c, &err), err);
  REQUIRE(c.expect.size() == 4);
  CHECK(c.expect[0].rule == "/etc/ssh/sshd_config PasswordAuthentication");
  CHECK(c.expect[0].equals == "no");
  CHECK(c.expect[0].line == 2);
  CHECK(c.expect[0].format == Format::kSshd);
  CHECK(c.expect[0].nodes == std::vector<std::string>{"k8s-node[2-6]"});
  CHECK(c.expect[1].severity == Severity::kWarning);
  CHECK(c.expect[1].ops == std::vector<ExpectOp>{ExpectOp::kMasked});
  CHECK(*c.expect[2].min == 32768);
  CHECK(*c.expect[2].max == 4194304);
  CHECK(c.expect[3].match == "User backup");
  // The dump carries the rules (and only when there are some: older digests stay).
  const std::string dumped = dump_config(c);
  CHECK(dumped.find("expect:") != std::string::npos);
  Config again;
  REQUIRE_MESSAGE(parse_config(dumped, "dump", &again, &err), err);
  CHECK(again.expect.size() == 4);
  Config plain;
  REQUIRE(parse_config("node: n1\n", "config.yaml", &plain, &err));
  CHECK(dump_config(plain).find("expect") == std::string::npos);

  CHECK(parse_error("expect:\n  - file: /etc/ssh/sshd_config\n    key: PasswordAuthentication\n    contains: \"no\"\n") ==
        "config.yaml:4: expect[]: unknown key or operator 'contains' (operators: equals, one_of, matches, present, "
        "absent, masked, min, max)");
  CHECK(parse_error("expect:\n  - { file: /etc/ssh/sshd_config, key: PasswordAuthentcation, equals: \"no\" }\n") ==
        "config.yaml:2: expect[]: key 'PasswordAuthentcation' is not an sshd_config keyword");
  CHECK(parse_error("expect:\n  - { file: /etc/motd, key: x, equals: y }\n").find(
            "config.yaml:2: expect[]: file /etc/motd is not of a format driftd reads") == 0);
  CHECK(parse_error("expect:\n\n  - { file: /var/lib/kubelet/config.yaml, key: \"a..b\", equals: y }\n").find(
            "config.yaml:3: expect[]: key 'a..b' is not a key path") == 0);
  CHECK(parse_error("expect:\n  - { file: /var/lib/kubelet/config.yaml, key: a, matches: \"([\" }\n").find("config.yaml:2: expect[]: matches: invalid regular expression") == 0);
  CHECK(parse_error("expect:\n  - { file: /var/lib/kubelet/config.yaml, key: a, equals: b, present: true }\n") ==
        "config.yaml:2: expect[]: more than one operator (only min and max go together)");
  CHECK(parse_error("expect:\n  - { file: /var/lib/kubelet/config.yaml, key: a }\n").find("config.yaml:2: expect[]: no operator") == 0);
  CHECK(parse_error("expect:\n  - { key: a, equals: b }\n") == "config.yaml:2: expect[]: missing key 'file'");
  CHECK(parse_error("expect:\n  - { file: /etc/sysctl.conf, key: a, min: ten }\n") ==
        "config.yaml:2: expect[].min: expected a number, got 'ten'");
  CHECK(parse_error("expect:\n  - { file: /etc/sysctl.conf, key: a, min: 1 }\n  - { file: /etc/sysctl.conf, key: a, max: 2 }\n") ==
        "config.yaml:3: expect[]: rule '/etc/sysctl.conf a' is given twice (lines 2 and 3); give one a name:");
  CHECK(parse_error("expect:\n  - { file: /etc/sysctl.conf, key: a, equals: 1, severity: high }\n") ==
        "config.yaml:2: expect[].severity: expected critical or warning, got 'high'");
}

TEST_CASE("audit: every key, the defaults, and errors that name the key and its line") {
  Config c;
  std::string err;
  REQUIRE_MESSAGE(parse_config("node: a\n", "config.yaml", &c, &err), err);
  CHECK_FALSE(c.audit.enabled);
  CHECK(c.audit.log == "/var/log/audit/audit.log");
  CHECK(c.audit.window == Millis(600000));
  CHECK(c.audit.max_bytes == (16ull << 20));
  CHECK_FALSE(c.audit.argv);
  REQUIRE_MESSAGE(parse_config("audit:\n  enabled: true\n  log: /host/audit/audit.log\n  window: 5m\n"
                               "  max_bytes: 1MiB\n  argv: true\n",
                               "config.yaml", &c, &err),
                  err);
  CHECK(c.audit.enabled);
  CHECK(c.audit.log == "/host/audit/audit.log");
  CHECK(c.audit.window == Millis(300000));
  CHECK(c.audit.max_bytes == (1ull << 20));
  CHECK(c.audit.argv);
  // the dump reads back as the same config
  Config again;
  REQUIRE_MESSAGE(parse_config(dump_config(c), "dump", &again, &err), err);
  CHECK(again.audit.window == c.audit.window);
  CHECK(again.audit.log == c.audit.log);
  CHECK(parse_error("audit:\n  enabled: true\n  windw: 5m\n") == "config.yaml:3: unknown key 'audit.windw'");
  CHECK(parse_error("audit:\n  argv: maybe\n").find("config.yaml:2: audit.argv: expected true or false") == 0);
  CHECK(parse_error("audit:\n  log: audit.log\n").find("config.yaml:2: audit.log: expected an absolute path") == 0);
  CHECK(parse_error("audit:\n  window: 0s\n").find("config.yaml:2: audit.window: must be between 1s and 24h") == 0);
  CHECK(parse_error("audit:\n  max_bytes: 10\n").find("config.yaml:2: audit.max_bytes: must be between") == 0);
  CHECK(parse_error("audit: [1]\n").find("config.yaml:1: audit: expected a mapping") == 0);
}

TEST_CASE("packages: trust_dpkg_database defaults off; apt's keyrings and sources are critical by default") {
  Config c;
  std::string err;
  REQUIRE_MESSAGE(parse_config(embedded_default_config(), "embedded default", &c, &err), err);
  CHECK_FALSE(c.packages.trust_dpkg_database);
  Selection s(c.paths);
  for (const char* p : {"/etc/apt/trusted.gpg.d/evil.asc", "/etc/apt/trusted.gpg", "/etc/apt/sources.list",
                        "/etc/apt/sources.list.d/debian.sources", "/usr/share/keyrings/debian-archive-keyring.gpg"}) {
    REQUIRE_MESSAGE(s.rule_for(p), p);
    CHECK_MESSAGE(s.rule_for(p)->severity == Severity::kCritical, p);
  }
  REQUIRE_MESSAGE(parse_config("packages:\n  trust_dpkg_database: true\n", "config.yaml", &c, &err), err);
  CHECK(c.packages.trust_dpkg_database);
  Config again;
  REQUIRE_MESSAGE(parse_config(dump_config(c), "dump", &again, &err), err);
  CHECK(again.packages.trust_dpkg_database);
  CHECK(parse_error("packages:\n  trust_dpkg: true\n") == "config.yaml:2: unknown key 'packages.trust_dpkg'");
  CHECK(parse_error("packages:\n  trust_dpkg_database: sometimes\n")
            .find("config.yaml:2: packages.trust_dpkg_database: expected true or false") == 0);
}
