// Config parsing. yaml-cpp is used here and only here; its exceptions stop in
// this file and become one-line errors that name the key and its line. The
// schema is strict on purpose: a typo'd key (`exlude:`) that was silently
// ignored would silently widen what is watched or snapshotted.
#include "agent/config.h"

#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "lib/atomic_file.h"
#include "exports/exports_client.h"
#include "exports/exports_options.h"
#include "baseline/bundle.h"
#include "baseline/entry.h"
#include "baseline/signer.h"

namespace drift {
namespace {

constexpr const char* kEmbeddedDefault = R"(# driftd embedded default config (shown by `driftctl config show`).
# Put your own at /etc/driftd/config.yaml, or pass --config FILE.
node: ""                       # "" = $NODE_NAME, then the hostname
root: /                        # host filesystem prefix (/host in the DaemonSet)
state_dir: /var/lib/driftd
baseline: /var/lib/driftd/baseline.drift
public_key: /etc/driftd/baseline.pub
paths:
  - path: /etc
    exclude: ["/etc/mtab", "*.swp", "*.swo", "*.swx", "*~", ".#*", "/etc/cni/net.d/calico-kubeconfig",
              "/etc/ld.so.cache", "/etc/adjtime"]
  - { path: /etc/ssh, severity: critical }
  - { path: /etc/sudoers, severity: critical }
  - { path: /etc/sudoers.d, severity: critical }
  - { path: /etc/containerd, severity: critical }
  - { path: /etc/containerd/config.toml, severity: critical }
  - { path: /etc/cni, severity: critical }
  - { path: /etc/cni/net.d, severity: critical }
  - { path: /etc/systemd/system }
  - { path: /usr/bin, severity: critical }
  - { path: /usr/sbin, severity: critical }
  - { path: /usr/local/bin, severity: critical }
  - { path: /usr/local/sbin, severity: critical }
  - { path: /opt/cni/bin, severity: critical }
  - { path: /var/lib/kubelet/config.yaml, severity: critical }
  - { path: /var/lib/kubelet/kubeadm-flags.env, severity: critical }
  - { path: /etc/apt/sources.list, severity: critical }    # which archives, and with which keys,
  - { path: /etc/apt/sources.list.d, severity: critical }  # prove package causes: a key added
  - { path: /etc/apt/trusted.gpg, severity: critical }     # to forge the chain is drift of its own
  - { path: /etc/apt/trusted.gpg.d, severity: critical }
  - { path: /usr/share/keyrings, severity: critical }
content:
  max_bytes: 64KiB
  paths: [/etc, /var/lib/kubelet, /usr/local/bin, /usr/local/sbin]
  never: ["/etc/shadow*", "/etc/gshadow*", "*.key", "*_key", "/etc/ssh/ssh_host_*",
          "/etc/kubernetes/pki/*", "/etc/kubernetes/*.conf", "/etc/ssl/private/*",
          "*kubeconfig*", "*token*"]
scan: { threads: 0 }           # 0 = all cores
pushgateway: { url: "http://127.0.0.1:9091", job: driftd, heartbeat: 60s }
loki: { url: "http://127.0.0.1:3100", max_diff_bytes: 16KiB }
listen: "127.0.0.1:9847"
rescan_interval: 1h
debounce: 200ms
spool: { max_bytes: 64MiB }
metrics: { max_paths: 50 }
exports:                       # /etc/exports checks (`driftctl exports check` always runs them)
  enabled: false               # driftd runs them and watches the files
  pseudo_root: []              # export paths allowed to carry fsid=0 (the NFSv4 pseudo-root)
  allowed_clients: []          # CIDRs; [] = any client
  rules: []                    # - { path: /srv/nfs, require: [async], forbid: [fsid=0], warn: [no_root_squash] }
  nfs_conf: {}                 # { "nfsd.vers3": "n" }: expected settings of /etc/nfs.conf
  etab: true                   # compare /var/lib/nfs/etab with the files when it exists
runtime:                       # the running kernel's state (README, Runtime kernel state)
  enabled: true
  proc_root: /                 # where proc/ and sys/ are read; --root does not move it
  interval: 5s                 # driftd's poll period
  sysctls: ["kernel.*", "vm.*", "fs.*"]
  # exclude: the counters and actions of runtime/runtime_config.h (`driftctl config show --config F` lists them)
  host_namespaces: auto        # auto | true | false: record net.*, kernel.hostname, IPC and user.* sysctls
expect: []                     # - { file: /etc/ssh/sshd_config, key: PasswordAuthentication, equals: "no" }
audit:                         # who changed it, from the host's audit log (`driftctl audit rules`)
  enabled: false               # driftctl check (and driftd) attribute each drift
  log: /var/log/audit/audit.log  # read under root, with its rotations .1, .2 ...
  window: 10m                  # how far back an event may lie
  max_bytes: 16MiB             # bound of the events held
  argv: false                  # true keeps command lines (PROCTITLE): they can hold passwords
packages:                      # package causes (README, Package-aware drift)
  trust_dpkg_database: false   # true: dpkg's database alone explains drift on critical paths (no signed-archive proof)
)";

// Thrown only inside this file, caught in parse_config.
struct ConfigError {
  int line;
  std::string message;
};

int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

[[noreturn]] void fail(const YAML::Node& n, const std::string& msg) { throw ConfigError{line_of(n), msg}; }

void expect_map(const YAML::Node& n, const std::string& key, const std::set<std::string>& allowed) {
  if (!n.IsMap()) fail(n, key + ": expected a mapping");
  for (const auto& kv : n) {
    const std::string k = kv.first.Scalar();
    if (!allowed.count(k)) fail(kv.first, "unknown key '" + (key.empty() ? k : key + "." + k) + "'");
  }
}

std::string as_string(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(n, key + ": expected a string");
  if (n.Scalar().find('\0') != std::string::npos) fail(n, key + ": contains a NUL byte");
  return n.Scalar();
}

// A pass over the YAML events before any node is built: aliases are refused
// (`a: &x [*x]` makes yaml-cpp build a cyclic node, and nested aliases grow
// exponentially: a config needs neither), nesting is bounded, and a second
// document is an error.
class ShapeCheck : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) throw ConfigError{mark.line + 1, "a second YAML document: a config is one document"};
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    throw ConfigError{mark.line + 1, "YAML aliases (*name) are not accepted in a config"};
  }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override { deeper(mark); }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override { deeper(mark); }
  void OnMapEnd() override { --depth_; }

 private:
  void deeper(const YAML::Mark& mark) {
    if (++depth_ > 32) throw ConfigError{mark.line + 1, "nested more than 32 levels deep"};
  }
  int documents_ = 0;
  int depth_ = 0;
};

void check_shape(const std::string& yaml_text) {
  std::istringstream in(yaml_text);
  YAML::Parser parser(in);
  ShapeCheck check;
  while (parser.HandleNextDocument(check)) {
  }
}

// yaml-cpp keeps a repeated key in the map and answers operator[] with the
// first: a second `content:` block appended at the end would be ignored
// silently. Every mapping at every level is checked before it is read.
void refuse_duplicate_keys(const YAML::Node& n, const std::string& where) {
  if (n.IsSequence()) {
    for (const auto& item : n) refuse_duplicate_keys(item, where + "[]");
    return;
  }
  if (!n.IsMap()) return;
  std::map<std::string, int> seen;
  for (const auto& kv : n) {
    const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "(non-scalar key)";
    const std::string name = where.empty() ? k : where + "." + k;
    if (auto [it, fresh] = seen.emplace(k, line_of(kv.first)); !fresh) {
      fail(kv.first, "duplicate key '" + name + "' (lines " + std::to_string(it->second) + " and " +
                         std::to_string(line_of(kv.first)) + ")");
    }
    refuse_duplicate_keys(kv.second, name);
  }
}

int64_t as_int(const YAML::Node& n, const std::string& key, int64_t lo, int64_t hi) {
  if (!n.IsScalar()) fail(n, key + ": expected an integer");
  const std::string s = n.Scalar();
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end || errno) fail(n, key + ": expected an integer, got '" + s + "'");
  if (v < lo || v > hi) fail(n, key + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return v;
}

bool as_bool(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(n, key + ": expected true or false");
  const std::string s = n.Scalar();
  if (s == "true" || s == "yes") return true;
  if (s == "false" || s == "no") return false;
  fail(n, key + ": expected true or false, got '" + s + "'");
}

std::string show_ms(Millis d) {
  const long long ms = d.count();
  if (ms % 3600000 == 0 && ms) return std::to_string(ms / 3600000) + "h";
  if (ms % 60000 == 0 && ms) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0 && ms) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// Every duration and size key has a range: a 0ms rescan_interval is a busy
// loop, not a setting.
Millis as_duration(const YAML::Node& n, const std::string& key, Millis lo, Millis hi) {
  Millis d;
  if (!n.IsScalar() || !parse_duration(n.Scalar(), &d)) {
    fail(n, key + ": expected a duration like 200ms, 60s, 5m, 1h");
  }
  if (d < lo || d > hi) fail(n, key + ": must be between " + show_ms(lo) + " and " + show_ms(hi) + ", got '" + n.Scalar() + "'");
  return d;
}

uint64_t as_size(const YAML::Node& n, const std::string& key, uint64_t lo, uint64_t hi) {
  uint64_t v;
  if (!n.IsScalar() || !parse_size(n.Scalar(), &v)) fail(n, key + ": expected a size like 65536, 64KiB, 64MiB");
  if (v < lo || v > hi) {
    fail(n, key + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " bytes, got '" + n.Scalar() + "'");
  }
  return v;
}

std::vector<std::string> as_string_list(const YAML::Node& n, const std::string& key) {
  if (!n.IsSequence()) fail(n, key + ": expected a list of strings");
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(as_string(item, key + "[]"));
  return out;
}

std::string as_abs_path(const YAML::Node& n, const std::string& key) {
  std::string p = as_string(n, key);
  if (p.empty() || p[0] != '/') fail(n, key + ": expected an absolute path, got '" + p + "'");
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (p.find("/../") != std::string::npos || p.find("/./") != std::string::npos ||
      p.ends_with("/..") || p.ends_with("/.") || p.find("//") != std::string::npos) {
    fail(n, key + ": path must be normalised (no '.', '..' or '//'), got '" + p + "'");
  }
  return p;
}

PathRule parse_rule(const YAML::Node& n) {
  if (n.IsScalar()) {  // shorthand: "- /etc"
    PathRule r;
    r.path = as_abs_path(n, "paths[].path");
    r.line = line_of(n);
    return r;
  }
  expect_map(n, "paths[]", {"path", "recursive", "exclude", "ignore", "severity", "cross_mounts"});
  if (!n["path"]) fail(n, "paths[]: missing key 'path'");
  PathRule r;
  r.line = line_of(n);
  r.path = as_abs_path(n["path"], "paths[].path");
  if (n["recursive"]) r.recursive = as_bool(n["recursive"], "paths[].recursive");
  if (n["cross_mounts"]) r.cross_mounts = as_bool(n["cross_mounts"], "paths[].cross_mounts");
  if (n["exclude"]) r.exclude = as_string_list(n["exclude"], "paths[].exclude");
  if (n["severity"]) {
    const std::string s = as_string(n["severity"], "paths[].severity");
    if (!parse_severity(s, &r.severity)) fail(n["severity"], "paths[].severity: expected critical or warning, got '" + s + "'");
  }
  if (n["ignore"]) {
    for (const auto& item : n["ignore"].IsSequence() ? n["ignore"] : (fail(n["ignore"], "paths[].ignore: expected a list of attributes"), n)) {
      Attr a;
      const std::string t = as_string(item, "paths[].ignore[]");
      if (!parse_attr(t, &a)) {
        std::string names;
        for (const auto& info : kAttributes) names += std::string(names.empty() ? "" : ", ") + info.token;
        fail(item, "paths[].ignore: unknown attribute '" + t + "' (one of: " + names + ")");
      }
      r.ignore.add(a);
    }
  }
  return r;
}

// A list of export options, each one nfs-utils knows.
std::vector<std::string> as_export_options(const YAML::Node& n, const std::string& key) {
  if (!n.IsSequence()) fail(n, key + ": expected a list of export options");
  std::vector<std::string> out;
  for (const auto& item : n) {
    std::string option = as_string(item, key + "[]");
    std::vector<std::string> tokens;
    std::string why;
    if (!normalise_rule_option(option, &tokens, &why)) fail(item, key + ": " + why);
    out.push_back(std::move(option));
  }
  return out;
}

void parse_exports(const YAML::Node& n, ExportsConfig* x) {
  if (n.IsNull()) return;
  expect_map(n, "exports", {"enabled", "pseudo_root", "allowed_clients", "rules", "nfs_conf", "etab"});
  if (n["enabled"]) x->enabled = as_bool(n["enabled"], "exports.enabled");
  if (n["etab"]) x->etab = as_bool(n["etab"], "exports.etab");
  if (const YAML::Node& p = n["pseudo_root"]) {
    if (!p.IsSequence()) fail(p, "exports.pseudo_root: expected a list of paths");
    for (const auto& item : p) x->pseudo_root.push_back(as_abs_path(item, "exports.pseudo_root[]"));
  }
  if (const YAML::Node& a = n["allowed_clients"]) {
    if (!a.IsSequence()) fail(a, "exports.allowed_clients: expected a list of CIDRs");
    for (const auto& item : a) {
      const std::string cidr = as_string(item, "exports.allowed_clients[]");
      IpNetwork net;
      std::string why;
      if (!parse_cidr(cidr, &net, &why)) fail(item, "exports.allowed_clients: " + why);
      x->allowed_clients.push_back(cidr);
    }
  }
  if (const YAML::Node& rules = n["rules"]) {
    if (!rules.IsSequence()) fail(rules, "exports.rules: expected a list of rules");
    std::set<std::string> seen;
    for (const auto& item : rules) {
      expect_map(item, "exports.rules[]", {"path", "require", "forbid", "warn"});
      if (!item["path"]) fail(item, "exports.rules[]: missing key 'path'");
      ExportsPathRule r;
      r.line = line_of(item);
      r.path = as_abs_path(item["path"], "exports.rules[].path");
      if (!seen.insert(r.path).second) fail(item, "exports.rules: '" + r.path + "' is listed twice");
      if (item["require"]) r.require = as_export_options(item["require"], "exports.rules[].require");
      if (item["forbid"]) r.forbid = as_export_options(item["forbid"], "exports.rules[].forbid");
      if (item["warn"]) r.warn = as_export_options(item["warn"], "exports.rules[].warn");
      x->rules.push_back(std::move(r));
    }
  }
  if (const YAML::Node& conf = n["nfs_conf"]) {
    if (!conf.IsMap()) fail(conf, "exports.nfs_conf: expected a mapping of \"section.key\": value");
    for (const auto& kv : conf) {
      const std::string key = as_string(kv.first, "exports.nfs_conf");
      const size_t dot = key.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == key.size()) {
        fail(kv.first, "exports.nfs_conf: key '" + key + "' must be section.key, like nfsd.vers3");
      }
      const std::string value = as_string(kv.second, "exports.nfs_conf." + key);
      if (value.empty()) fail(kv.second, "exports.nfs_conf." + key + ": expected a value (nfs-utils ignores empty ones)");
      x->nfs_conf.emplace_back(key, value);
    }
  }
}

// A sysctl glob: dotted names, no '/' (that is a path, not a sysctl name).
std::vector<std::string> as_sysctl_globs(const YAML::Node& n, const std::string& key) {
  std::vector<std::string> out = as_string_list(n, key);
  size_t i = 0;
  for (const auto& item : n) {
    const std::string& g = out[i++];
    if (g.empty() || g.find('/') != std::string::npos || g.front() == '.') {
      fail(item, key + ": expected a sysctl name or glob like kernel.* (dots, not slashes), got '" + g + "'");
    }
  }
  return out;
}

void parse_runtime(const YAML::Node& n, RuntimeConfig* r) {
  expect_map(n, "runtime", {"enabled", "proc_root", "interval", "sysctls", "exclude", "host_namespaces"});
  if (n["enabled"]) r->enabled = as_bool(n["enabled"], "runtime.enabled");
  if (n["proc_root"]) r->proc_root = as_abs_path(n["proc_root"], "runtime.proc_root");
  if (n["interval"]) r->interval = as_duration(n["interval"], "runtime.interval", kMinRuntimeInterval, kMaxRuntimeInterval);
  if (n["sysctls"]) r->sysctls = as_sysctl_globs(n["sysctls"], "runtime.sysctls");
  if (n["exclude"]) r->exclude = as_sysctl_globs(n["exclude"], "runtime.exclude");
  if (const YAML::Node& h = n["host_namespaces"]) {
    const std::string v = h.IsScalar() ? h.Scalar() : "";
    if (v == "auto") r->host_namespaces = HostNamespaces::kAuto;
    else if (v == "true" || v == "yes") r->host_namespaces = HostNamespaces::kYes;
    else if (v == "false" || v == "no") r->host_namespaces = HostNamespaces::kNo;
    else fail(h, "runtime.host_namespaces: expected auto, true or false, got '" + v + "'");
  }
}

// `expect:` rules. Operators are keys of the rule; an unknown key is named as
// a possible operator, and what semantic/ checks before reading any file (a
// known format, a key that can exist in it, a valid regex) fails on the
// rule's line.
double as_number(const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar()) fail(n, key + ": expected a number");
  const std::string s = n.Scalar();
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end || errno) fail(n, key + ": expected a number, got '" + s + "'");
  return v;
}

void parse_expect(const YAML::Node& list, std::vector<Expectation>* out) {
  if (!list.IsSequence()) fail(list, "expect: expected a list of rules");
  static const std::set<std::string> kRuleKeys = {"name", "file", "key", "severity", "nodes", "match"};
  std::map<std::string, int> names;
  for (const auto& item : list) {
    if (!item.IsMap()) fail(item, "expect[]: expected a mapping");
    Expectation e;
    e.line = line_of(item);
    for (const auto& kv : item) {
      const std::string k = kv.first.Scalar();
      const YAML::Node& v = kv.second;
      ExpectOp op;
      if (kRuleKeys.count(k)) {
        if (k == "name") e.rule = as_string(v, "expect[].name");
        if (k == "file") e.file = as_abs_path(v, "expect[].file");
        if (k == "key") e.key = as_string(v, "expect[].key");
        if (k == "match") e.match = as_string(v, "expect[].match");
        if (k == "nodes") e.nodes = as_string_list(v, "expect[].nodes");
        if (k == "severity") {
          const std::string sv = as_string(v, "expect[].severity");
          if (!parse_severity(sv, &e.severity)) fail(v, "expect[].severity: expected critical or warning, got '" + sv + "'");
        }
        continue;
      }
      if (!parse_expect_op(k, &op)) {
        fail(kv.first, "expect[]: unknown key or operator '" + k +
                           "' (operators: equals, one_of, matches, present, absent, masked, min, max)");
      }
      e.ops.push_back(op);
      switch (op) {
        case ExpectOp::kEquals: e.equals = as_string(v, "expect[].equals"); break;
        case ExpectOp::kOneOf: e.one_of = as_string_list(v, "expect[].one_of"); break;
        case ExpectOp::kMatches: e.pattern = as_string(v, "expect[].matches"); break;
        case ExpectOp::kPresent: e.present = as_bool(v, "expect[].present"); break;
        case ExpectOp::kAbsent: e.absent = as_bool(v, "expect[].absent"); break;
        case ExpectOp::kMasked: e.masked = as_bool(v, "expect[].masked"); break;
        case ExpectOp::kMin: e.min = as_number(v, "expect[].min"); break;
        case ExpectOp::kMax: e.max = as_number(v, "expect[].max"); break;
      }
    }
    if (e.file.empty()) fail(item, "expect[]: missing key 'file'");
    std::string why;
    if (!validate_expectation(&e, &why)) fail(item, "expect[]: " + why);
    if (auto [it, fresh] = names.emplace(e.rule, e.line); !fresh) {
      fail(item, "expect[]: rule '" + e.rule + "' is given twice (lines " + std::to_string(it->second) + " and " +
                     std::to_string(e.line) + "); give one a name:");
    }
    out->push_back(std::move(e));
  }
}

void parse_audit(const YAML::Node& n, AuditConfig* a) {
  if (n.IsNull()) return;
  expect_map(n, "audit", {"enabled", "log", "window", "max_bytes", "argv"});
  if (n["enabled"]) a->enabled = as_bool(n["enabled"], "audit.enabled");
  if (n["log"]) a->log = as_abs_path(n["log"], "audit.log");
  if (n["window"]) a->window = as_duration(n["window"], "audit.window", kMinAuditWindow, kMaxAuditWindow);
  if (n["max_bytes"]) a->max_bytes = as_size(n["max_bytes"], "audit.max_bytes", kMinAuditBytes, kMaxAuditBytes);
  if (n["argv"]) a->argv = as_bool(n["argv"], "audit.argv");
}

void parse_packages(const YAML::Node& n, PackagesConfig* p) {
  if (n.IsNull()) return;
  expect_map(n, "packages", {"trust_dpkg_database"});
  if (n["trust_dpkg_database"]) p->trust_dpkg_database = as_bool(n["trust_dpkg_database"], "packages.trust_dpkg_database");
}

void parse_document(const YAML::Node& doc, Config* c) {
  if (doc.IsNull()) return;  // empty file: all defaults
  refuse_duplicate_keys(doc, "");
  expect_map(doc, "", {"node", "root", "state_dir", "baseline", "public_key", "paths", "content", "scan",
                       "pushgateway", "loki", "listen", "rescan_interval", "debounce", "spool",
                       "metrics", "exports", "runtime", "expect", "audit", "packages"});
  if (doc["node"]) c->node = as_string(doc["node"], "node");
  if (doc["root"]) c->root = as_abs_path(doc["root"], "root");
  if (doc["state_dir"]) c->state_dir = as_abs_path(doc["state_dir"], "state_dir");
  if (doc["baseline"]) c->baseline = as_abs_path(doc["baseline"], "baseline");
  if (doc["public_key"]) c->public_key = as_abs_path(doc["public_key"], "public_key");
  if (doc["paths"]) {
    const YAML::Node& paths = doc["paths"];
    if (!paths.IsSequence()) fail(paths, "paths: expected a list of path entries");
    if (paths.size() == 0) fail(paths, "paths: selects nothing (leave the key out for the default paths)");
    std::set<std::string> seen;
    for (const auto& item : paths) {
      PathRule r = parse_rule(item);
      if (!seen.insert(r.path).second) fail(item, "paths: '" + r.path + "' is listed twice");
      c->paths.push_back(std::move(r));
    }
  }
  if (const YAML::Node& n = doc["content"]) {
    expect_map(n, "content", {"max_bytes", "paths", "never"});
    if (n["max_bytes"]) c->content.max_bytes = as_size(n["max_bytes"], "content.max_bytes", 0, kBaselineMaxSnapshotBytes);
    if (n["paths"]) {
      c->content.paths.clear();
      for (const auto& item : n["paths"].IsSequence() ? n["paths"] : (fail(n["paths"], "content.paths: expected a list of paths"), n)) {
        c->content.paths.push_back(as_abs_path(item, "content.paths[]"));
      }
    }
    if (n["never"]) c->content.never = as_string_list(n["never"], "content.never");
  }
  if (const YAML::Node& n = doc["scan"]) {
    expect_map(n, "scan", {"threads", "page_cache_neutral"});
    if (n["threads"]) c->scan_threads = static_cast<int>(as_int(n["threads"], "scan.threads", 0, 1024));
    if (n["page_cache_neutral"]) c->scan_page_cache_neutral = as_bool(n["page_cache_neutral"], "scan.page_cache_neutral");
  }
  if (const YAML::Node& n = doc["pushgateway"]) {
    expect_map(n, "pushgateway", {"url", "job", "heartbeat"});
    if (n["url"]) c->pushgateway_url = as_string(n["url"], "pushgateway.url");
    if (n["job"]) c->pushgateway_job = as_string(n["job"], "pushgateway.job");
    if (n["heartbeat"]) c->pushgateway_heartbeat = as_duration(n["heartbeat"], "pushgateway.heartbeat", kMinHeartbeat, kMaxHeartbeat);
  }
  if (const YAML::Node& n = doc["loki"]) {
    expect_map(n, "loki", {"url", "max_diff_bytes"});
    if (n["url"]) c->loki_url = as_string(n["url"], "loki.url");
    if (n["max_diff_bytes"]) c->loki_max_diff_bytes = as_size(n["max_diff_bytes"], "loki.max_diff_bytes", 0, kMaxLokiDiffBytes);
  }
  if (doc["listen"]) c->listen = as_string(doc["listen"], "listen");
  if (doc["rescan_interval"]) c->rescan_interval = as_duration(doc["rescan_interval"], "rescan_interval", kMinRescanInterval, kMaxRescanInterval);
  if (doc["debounce"]) c->debounce = as_duration(doc["debounce"], "debounce", Millis(0), kMaxDebounce);
  if (const YAML::Node& n = doc["spool"]) {
    expect_map(n, "spool", {"max_bytes"});
    if (n["max_bytes"]) c->spool_max_bytes = as_size(n["max_bytes"], "spool.max_bytes", kMinSpoolBytes, kMaxSpoolBytes);
  }
  if (const YAML::Node& n = doc["metrics"]) {
    expect_map(n, "metrics", {"max_paths"});
    if (n["max_paths"]) c->metrics_max_paths = static_cast<int>(as_int(n["max_paths"], "metrics.max_paths", 0, 100000));
  }
  if (const YAML::Node& n = doc["exports"]) parse_exports(n, &c->exports);
  if (const YAML::Node& n = doc["runtime"]) parse_runtime(n, &c->runtime);
  if (const YAML::Node& n = doc["expect"]) parse_expect(n, &c->expect);
  if (const YAML::Node& n = doc["audit"]) parse_audit(n, &c->audit);
  if (const YAML::Node& n = doc["packages"]) parse_packages(n, &c->packages);
}

std::string default_node_name() {
  if (const char* env = std::getenv("NODE_NAME"); env && *env) return env;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0 && host[0]) return host;
  return "unknown";
}

}  // namespace

const char* embedded_default_config() { return kEmbeddedDefault; }

bool parse_config(const std::string& yaml_text, const std::string& source, Config* config,
                  std::string* err) {
  Config c;
  c.source = source;
  c.content.paths = default_snapshot_paths();
  c.content.never = default_never_snapshot_globs();
  c.runtime.exclude = default_sysctl_excludes();
  try {
    check_shape(yaml_text);
    parse_document(YAML::Load(yaml_text), &c);
    // A missing key means its default, `paths` included.
    if (c.paths.empty()) {
      Config defaults;
      parse_document(YAML::Load(kEmbeddedDefault), &defaults);
      c.paths = std::move(defaults.paths);
    }
  } catch (const ConfigError& e) {
    *err = source + ":" + std::to_string(e.line) + ": " + e.message;
    return false;
  } catch (const YAML::Exception& e) {
    *err = source + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg;
    return false;
  }
  if (c.node.empty()) c.node = default_node_name();
  *config = std::move(c);
  return true;
}

bool load_config(const std::string& path, Config* config, std::string* err) {
  std::string file = path;
  if (file.empty() && ::access(kDefaultConfigPath, F_OK) == 0) file = kDefaultConfigPath;
  if (file.empty()) return parse_config(kEmbeddedDefault, "embedded default", config, err);
  std::string text;
  if (!read_whole_file(file, &text, err, kMaxConfigBytes)) return false;
  return parse_config(text, file, config, err);
}

std::string dump_config(const Config& c) {
  YAML::Emitter out;
  auto ms = [](Millis d) { return std::to_string(d.count()) + "ms"; };
  out << YAML::BeginMap;
  out << YAML::Key << "node" << YAML::Value << c.node;
  out << YAML::Key << "root" << YAML::Value << c.root;
  out << YAML::Key << "state_dir" << YAML::Value << c.state_dir;
  out << YAML::Key << "baseline" << YAML::Value << c.baseline;
  out << YAML::Key << "public_key" << YAML::Value << c.public_key;
  out << YAML::Key << "paths" << YAML::Value << YAML::BeginSeq;
  for (const PathRule& r : c.paths) {
    out << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "path" << YAML::Value << r.path;
    out << YAML::Key << "recursive" << YAML::Value << r.recursive;
    out << YAML::Key << "severity" << YAML::Value << severity_name(r.severity);
    out << YAML::Key << "cross_mounts" << YAML::Value << r.cross_mounts;
    out << YAML::Key << "exclude" << YAML::Value << YAML::Flow << r.exclude;
    std::vector<std::string> ignore;
    for (const auto& info : kAttributes) if (r.ignore.has(info.attr)) ignore.push_back(info.token);
    out << YAML::Key << "ignore" << YAML::Value << YAML::Flow << ignore;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "content" << YAML::Value << YAML::BeginMap
      << YAML::Key << "max_bytes" << YAML::Value << c.content.max_bytes
      << YAML::Key << "paths" << YAML::Value << YAML::Flow << c.content.paths
      << YAML::Key << "never" << YAML::Value << YAML::Flow << c.content.never << YAML::EndMap;
  out << YAML::Key << "scan" << YAML::Value << YAML::BeginMap << YAML::Key << "threads" << YAML::Value
      << c.scan_threads << YAML::Key << "page_cache_neutral" << YAML::Value << c.scan_page_cache_neutral
      << YAML::EndMap;
  out << YAML::Key << "pushgateway" << YAML::Value << YAML::BeginMap
      << YAML::Key << "url" << YAML::Value << c.pushgateway_url
      << YAML::Key << "job" << YAML::Value << c.pushgateway_job
      << YAML::Key << "heartbeat" << YAML::Value << ms(c.pushgateway_heartbeat) << YAML::EndMap;
  out << YAML::Key << "loki" << YAML::Value << YAML::BeginMap
      << YAML::Key << "url" << YAML::Value << c.loki_url
      << YAML::Key << "max_diff_bytes" << YAML::Value << c.loki_max_diff_bytes << YAML::EndMap;
  out << YAML::Key << "listen" << YAML::Value << c.listen;
  out << YAML::Key << "rescan_interval" << YAML::Value << ms(c.rescan_interval);
  out << YAML::Key << "debounce" << YAML::Value << ms(c.debounce);
  out << YAML::Key << "spool" << YAML::Value << YAML::BeginMap << YAML::Key << "max_bytes"
      << YAML::Value << c.spool_max_bytes << YAML::EndMap;
  out << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap << YAML::Key << "max_paths"
      << YAML::Value << c.metrics_max_paths << YAML::EndMap;
  const ExportsConfig& x = c.exports;
  out << YAML::Key << "exports" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << x.enabled;
  out << YAML::Key << "pseudo_root" << YAML::Value << YAML::Flow << x.pseudo_root;
  out << YAML::Key << "allowed_clients" << YAML::Value << YAML::Flow << x.allowed_clients;
  out << YAML::Key << "rules" << YAML::Value;
  if (x.rules.empty()) out << YAML::Flow;  // "rules: []", not "[]" on a line of its own
  out << YAML::BeginSeq;
  for (const ExportsPathRule& r : x.rules) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "path" << YAML::Value << r.path
        << YAML::Key << "require" << YAML::Value << YAML::Flow << r.require
        << YAML::Key << "forbid" << YAML::Value << YAML::Flow << r.forbid
        << YAML::Key << "warn" << YAML::Value << YAML::Flow << r.warn << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "nfs_conf" << YAML::Value << YAML::Flow << YAML::BeginMap;
  for (const auto& [key, value] : x.nfs_conf) out << YAML::Key << key << YAML::Value << value;
  out << YAML::EndMap;
  out << YAML::Key << "etab" << YAML::Value << x.etab << YAML::EndMap;
  const RuntimeConfig& rt = c.runtime;
  const char* host_ns = rt.host_namespaces == HostNamespaces::kAuto ? "auto"
                        : rt.host_namespaces == HostNamespaces::kYes ? "true" : "false";
  out << YAML::Key << "runtime" << YAML::Value << YAML::BeginMap
      << YAML::Key << "enabled" << YAML::Value << rt.enabled
      << YAML::Key << "proc_root" << YAML::Value << rt.proc_root
      << YAML::Key << "interval" << YAML::Value << ms(rt.interval)
      << YAML::Key << "sysctls" << YAML::Value << YAML::Flow << rt.sysctls
      << YAML::Key << "exclude" << YAML::Value << YAML::Flow << rt.exclude
      << YAML::Key << "host_namespaces" << YAML::Value << host_ns << YAML::EndMap;
  if (!c.expect.empty()) {  // only when given, so the digest of every older config stays
    out << YAML::Key << "expect" << YAML::Value << YAML::BeginSeq;
    for (const Expectation& e : c.expect) {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << e.rule
          << YAML::Key << "file" << YAML::Value << e.file;
      if (!e.key.empty()) out << YAML::Key << "key" << YAML::Value << e.key;
      for (ExpectOp op : e.ops) {
        out << YAML::Key << expect_op_name(op) << YAML::Value;
        switch (op) {
          case ExpectOp::kEquals: out << YAML::DoubleQuoted << e.equals; break;
          case ExpectOp::kOneOf: out << YAML::Flow << e.one_of; break;
          case ExpectOp::kMatches: out << YAML::DoubleQuoted << e.pattern; break;
          case ExpectOp::kPresent: out << e.present; break;
          case ExpectOp::kAbsent: out << e.absent; break;
          case ExpectOp::kMasked: out << e.masked; break;
          case ExpectOp::kMin: out << *e.min; break;
          case ExpectOp::kMax: out << *e.max; break;
        }
      }
      out << YAML::Key << "severity" << YAML::Value << severity_name(e.severity);
      if (!e.nodes.empty()) out << YAML::Key << "nodes" << YAML::Value << YAML::Flow << e.nodes;
      if (!e.match.empty()) out << YAML::Key << "match" << YAML::Value << e.match;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::Key << "audit" << YAML::Value << YAML::BeginMap
      << YAML::Key << "enabled" << YAML::Value << c.audit.enabled
      << YAML::Key << "log" << YAML::Value << c.audit.log
      << YAML::Key << "window" << YAML::Value << ms(c.audit.window)
      << YAML::Key << "max_bytes" << YAML::Value << c.audit.max_bytes
      << YAML::Key << "argv" << YAML::Value << c.audit.argv << YAML::EndMap;
  out << YAML::Key << "packages" << YAML::Value << YAML::BeginMap
      << YAML::Key << "trust_dpkg_database" << YAML::Value << c.packages.trust_dpkg_database << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string config_digest(const Config& c) {
  const std::string d = sha256_bytes(dump_config(c));
  return hex_encode(reinterpret_cast<const uint8_t*>(d.data()), d.size());
}

bool parse_duration(const std::string& text, Millis* out) {
  if (text.empty()) return false;
  long long total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
    if (j == i || j - i > 12) return false;
    const long long v = std::stoll(text.substr(i, j - i));  // at most 12 digits: fits
    size_t k = j;
    while (k < text.size() && (text[k] < '0' || text[k] > '9')) ++k;
    const std::string unit = text.substr(j, k - j);
    long long mult;
    if (unit == "ms") mult = 1;
    else if (unit == "s") mult = 1000;
    else if (unit == "m") mult = 60000;
    else if (unit == "h") mult = 3600000;
    else return false;
    long long part;
    if (__builtin_mul_overflow(v, mult, &part) || __builtin_add_overflow(total, part, &total)) return false;
    i = k;
  }
  *out = Millis(total);
  return true;
}

bool parse_size(const std::string& text, uint64_t* out) {
  size_t j = 0;
  while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
  if (j == 0 || j > 15) return false;
  const uint64_t v = std::stoull(text.substr(0, j));
  const std::string unit = text.substr(j);
  uint64_t mult;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "KiB") mult = 1ull << 10;
  else if (unit == "MiB") mult = 1ull << 20;
  else if (unit == "GiB") mult = 1ull << 30;
  else if (unit == "kB" || unit == "KB") mult = 1000;
  else if (unit == "MB") mult = 1000000;
  else if (unit == "GB") mult = 1000000000;
  else return false;
  return !__builtin_mul_overflow(v, mult, out);
}

}  // namespace drift
