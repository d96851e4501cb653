// /etc/exports checks: the parser as nfs-utils reads exports(5), the rules
// (the 2026-04-14 SEV1 was fsid=0 on /srv/nfs), etab runtime drift, nfs.conf
// expectations, and the `exports:` config keys.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "agent/config.h"
#include "exports/exports_check.h"
#include "exports/exports_client.h"
#include "exports/exports_file.h"
#include "exports/exports_options.h"
#include "exports/nfs_conf.h"
#include "test_util.h"

using namespace drift;

namespace {

ParsedExports parse(const std::string& text, const std::string& file = "/etc/exports") {
  ParsedExports p;
  parse_exports_text(text, file, &p);
  return p;
}

// The files of a host as the checks read them.
struct Host {
  ExportsSources sources;
  Host& exports(const std::string& text, const std::string& file = "/etc/exports") {
    sources.exports.push_back({file, text});
    sources.files.push_back(file);
    return *this;
  }
  Host& etab(const std::string& text) {
    sources.has_etab = true;
    sources.etab = {"/var/lib/nfs/etab", text};
    sources.files.push_back("/var/lib/nfs/etab");
    return *this;
  }
  Host& nfs_conf(const std::string& text, const std::string& file = "/etc/nfs.conf") {
    sources.has_nfs_conf = true;
    parse_nfs_conf_text(text, file, [](const std::string&, std::string*) { return false; }, &sources.nfs_conf);
    sources.files.push_back(file);
    return *this;
  }
  ExportsReport check(const ExportsConfig& config = {}) const { return check_exports_sources(config, sources); }
};

// "file:line: rule" of each violation, for compact expectations.
std::vector<std::string> where(const ExportsReport& r) {
  std::vector<std::string> out;
  for (const ExportsViolation& v : r.violations) out.push_back(v.file + ":" + std::to_string(v.line) + ": " + v.rule);
  return out;
}

ExportsConfig exports_config(const std::string& yaml) {
  Config c;
  std::string err;
  REQUIRE_MESSAGE(parse_config(yaml, "config.yaml", &c, &err), err);
  return c.exports;
}

std::string config_error(const std::string& yaml) {
  Config c;
  std::string err;
  CHECK_FALSE(parse_config(yaml, "config.yaml", &c, &err));
  return err;
}

// The `exports:` section of packaging/pve.yaml, the Proxmox profile.
const char* kProxmoxProfile = R"(exports:
  enabled: true
  pseudo_root: []
  allowed_clients: [10.0.20.0/22, 192.168.1.0/24]
  rules:
    - path: /srv/nfs
      require: [async, insecure]
      forbid: [fsid=0]
      warn: [no_root_squash]
    - path: /srv/nfs-ssd
      require: [async, insecure]
      warn: [no_root_squash]
  nfs_conf: { "nfsd.vers3": "n" }
  etab: true
)";

// The host's exports as they should be (seed 003: async,insecure; fsid=1 only on /srv/nfs-ssd;
// clients are the node network VLAN 20 and the LAN).
const char* kHostExports = R"(# /etc/exports on pve (192.168.1.127), git-managed: infra/scripts/pve-nfs-exports
# deploy: scp scripts/pve-nfs-exports root@192.168.1.127:/etc/exports && ssh root@192.168.1.127 exportfs -ra
#
# async: UPS-backed, databases are on block storage; insecure: pfSense NATs source ports > 1024.

# HDD, 3 TB thin LV pve/nfs-data
/srv/nfs      10.0.20.0/22(rw,async,insecure,no_subtree_check) 192.168.1.0/24(rw,async,insecure,no_subtree_check)

# SSD, 100 GB LV ssd/nfs-ssd-data
/srv/nfs-ssd  10.0.20.0/22(rw,async,insecure,no_subtree_check,fsid=1) \
              192.168.1.0/24(rw,async,insecure,no_subtree_check,fsid=1)
)";

// What `exportfs -ra` writes to etab for kHostExports: every default spelled out.
const char* kHostEtab =
    "/srv/nfs\t10.0.20.0/22(rw,async,wdelay,hide,nocrossmnt,insecure,root_squash,no_all_squash,no_subtree_check,"
    "secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,rw,insecure,root_squash,no_all_squash)\n"
    "/srv/nfs\t192.168.1.0/24(rw,async,wdelay,hide,nocrossmnt,insecure,root_squash,no_all_squash,no_subtree_check,"
    "secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,rw,insecure,root_squash,no_all_squash)\n"
    "/srv/nfs-ssd\t10.0.20.0/22(rw,async,wdelay,hide,nocrossmnt,insecure,root_squash,no_all_squash,"
    "no_subtree_check,secure_locks,acl,no_pnfs,fsid=1,anonuid=65534,anongid=65534,sec=sys,rw,insecure,root_squash,"
    "no_all_squash)\n"
    "/srv/nfs-ssd\t192.168.1.0/24(rw,async,wdelay,hide,nocrossmnt,insecure,root_squash,no_all_squash,"
    "no_subtree_check,secure_locks,acl,no_pnfs,fsid=1,anonuid=65534,anongid=65534,sec=sys,rw,insecure,root_squash,"
    "no_all_squash)\n";

const char* kHostNfsConf = R"(#
# This is a general configuration for the
# NFS daemons and tools
#
[general]
pipefs-directory=/run/rpc_pipefs

[nfsd]
# threads=8
vers3=n
vers4=y

[mountd]
manage-gids=y
)";

}  // namespace

// ---- the parser --------------------------------------------------------------------------

TEST_CASE("exports: comments, blank lines and continuations; an entry's line is the line of its path") {
  const ParsedExports p = parse(R"(# exports for the build farm

/srv/build   buildhost[0-9].lan(rw,no_root_squash) \
             *.ci.lan(ro)   # the CI runners read the tree
   # an indented comment
/srv/www	-sync,rw server @trusted @external(ro)
/srv/notes#1  host#2(rw)
)");
  CHECK(p.errors.empty());
  REQUIRE(p.entries.size() == 6);
  CHECK(p.entries[0].client == "buildhost[0-9].lan");
  CHECK(p.entries[0].line == 3);
  CHECK(p.entries[1].client == "*.ci.lan");
  CHECK(p.entries[1].line == 3);  // the continuation belongs to the entry on line 3
  CHECK(p.entries[2].path == "/srv/www");
  CHECK(p.entries[2].line == 6);
  // '#' starts a comment only where a token could start.
  CHECK(p.entries[5].path == "/srv/notes#1");
  CHECK(p.entries[5].client == "host#2");
}

TEST_CASE("exports: quoted paths and \\040 octal escapes") {
  const ParsedExports p = parse(
      "\"/srv/media library\" 192.168.1.0/24(ro)\n"
      "/srv/old\\040photos 192.168.1.0/24(ro)\n"
      "/srv/\"half quoted\"/x *(ro)\n");
  CHECK(p.errors.empty());
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[0].path == "/srv/media library");
  CHECK(p.entries[1].path == "/srv/old photos");
  CHECK(p.entries[2].path == "/srv/half quoted/x");
}

TEST_CASE("exports: -options are defaults for the clients after them on that line only") {
  const ParsedExports p = parse(
      "/srv/www -sync,rw server @trusted @external(ro)\n"
      "/srv/www2 server\n");
  REQUIRE(p.entries.size() == 4);
  CHECK(render_export_options(p.entries[0].options).find("rw,sync,") == 0);
  CHECK(render_export_options(p.entries[1].options).find("rw,sync,") == 0);
  CHECK(render_export_options(p.entries[2].options).find("ro,sync,") == 0);  // its own ro wins
  CHECK(render_export_options(p.entries[3].options).find("ro,") == 0);       // the next line: defaults again
}

TEST_CASE("exports: several clients per line, each with its own options, and clients without options") {
  const ParsedExports p = parse("/ master(rw) trusty(rw,no_root_squash) plain\n");
  REQUIRE(p.entries.size() == 3);
  CHECK(!(p.entries[0].options.flags & kExpReadonly));
  CHECK((p.entries[0].options.flags & kExpRootSquash));
  CHECK(!(p.entries[1].options.flags & kExpRootSquash));
  CHECK(p.entries[2].client == "plain");
  CHECK(p.entries[2].options.flags == kDefaultExportFlags);
}

TEST_CASE("exports: every kind of client") {
  const ParsedExports p = parse(R"(/srv/a  nas nas.lan.example.org 192.168.1.10 2001:db8::10
/srv/b  10.0.20.0/22(rw) 10.0.20.0/255.255.252.0(rw) 2001:db8:9:e54::/64(rw)
/srv/c  *.cs.foo.edu(ro) build?.lan(ro) @trusted(rw) gss/krb5(rw) *(ro)
)");
  CHECK(p.errors.empty());
  std::vector<ClientKind> kinds;
  for (const ExportEntry& e : p.entries) kinds.push_back(client_kind(e.client));
  CHECK(kinds == std::vector<ClientKind>{ClientKind::kHost, ClientKind::kHost, ClientKind::kHost, ClientKind::kHost,
                                         ClientKind::kSubnet, ClientKind::kSubnet, ClientKind::kSubnet,
                                         ClientKind::kWildcard, ClientKind::kWildcard, ClientKind::kNetgroup,
                                         ClientKind::kGss, ClientKind::kAnonymous});
  IpNetwork a, b;
  std::string err;
  REQUIRE(client_network("10.0.20.0/22", &a, &err));
  REQUIRE(client_network("10.0.20.0/255.255.252.0", &b, &err));
  CHECK(a.mask == b.mask);
}

TEST_CASE("exports: the same path on several lines, and a path alone exports to the world") {
  const ParsedExports p = parse(
      "/srv/nfs 10.0.20.0/22(rw)\n"
      "/srv/nfs 192.168.1.0/24(ro)\n"
      "/srv/pub\n");
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[0].path == p.entries[1].path);
  CHECK(p.entries[2].client.empty());
  CHECK(client_key(p.entries[2].client) == "*");
}

TEST_CASE("exports: 'host (rw)' is two clients: host with the defaults, and the world with rw") {
  const ParsedExports p = parse("/srv/backup  nas (rw,no_root_squash)\n");
  CHECK(p.errors.empty());
  REQUIRE(p.entries.size() == 2);
  CHECK(p.entries[0].client == "nas");
  CHECK(p.entries[0].options.flags == kDefaultExportFlags);
  CHECK(p.entries[1].client == "*");
  CHECK(p.entries[1].world_space);
  CHECK(p.entries[1].bare_before == "nas");
  CHECK(!(p.entries[1].options.flags & kExpReadonly));
}

TEST_CASE("exports: a CRLF file reads like a Unix one") {
  const ParsedExports p = parse("# edited on Windows\r\n/srv/nfs 10.0.20.0/22(rw,async)\r\n/srv/x\r\n");
  CHECK(p.errors.empty());
  REQUIRE(p.entries.size() == 2);
  CHECK(p.entries[0].client == "10.0.20.0/22");
  CHECK(p.entries[1].path == "/srv/x");
}

TEST_CASE("exports: what nfs-utils refuses is a parse error with file, line and text, and exportfs stops there") {
  const ParsedExports p = parse(
      "/srv/a 10.0.20.0/22(rw)\n"
      "/srv/b 10.0.20.0/22(rw,asynch) 192.168.1.0/24(rw)\n"
      "/srv/c 10.0.20.0/22(rw\n"
      "/srv/d 10.0.20.0/22(rw)\n",
      "/etc/exports.d/k8s.exports");
  REQUIRE(p.errors.size() == 2);
  CHECK(p.errors[0].file == "/etc/exports.d/k8s.exports");
  CHECK(p.errors[0].line == 2);
  CHECK(p.errors[0].text == "10.0.20.0/22(rw,asynch)");
  CHECK(p.errors[0].message.find("unknown option 'asynch'") == 0);
  CHECK(p.errors[0].message.find("exportfs stops reading /etc/exports.d/k8s.exports here") != std::string::npos);
  CHECK(p.errors[0].stops);
  CHECK(p.errors[1].line == 3);
  CHECK(p.errors[1].message.find("bad option list") == 0);
  CHECK_FALSE(p.errors[1].stops);
  // Parsing goes on so every error is reported, but exportfs would not apply what follows.
  REQUIRE(p.entries.size() == 2);
  CHECK(p.entries[0].applied);
  CHECK(p.entries[1].path == "/srv/d");
  CHECK_FALSE(p.entries[1].applied);
}

TEST_CASE("exports: a bad subnet is skipped by exportfs, the rest of the file is not") {
  const ParsedExports p = parse("/srv/a 10.0.20.0/33(rw) 300.1.1.0/24(rw) 10.0.20.0/22(rw)\n");
  REQUIRE(p.errors.size() == 2);
  CHECK(p.errors[0].message.find("invalid prefix '33'") != std::string::npos);
  CHECK(p.errors[1].message.find("invalid IP address '300.1.1.0'") != std::string::npos);
  REQUIRE(p.entries.size() == 3);
  CHECK_FALSE(p.entries[0].applied);
  CHECK(p.entries[2].applied);
}

TEST_CASE("exports: overlong tokens and binary junk are errors, never crashes") {
  const std::string long_path = "/" + std::string(2000, 'a') + " *(ro)\n/srv/ok *(ro)\n";
  ParsedExports p = parse(long_path);
  REQUIRE_FALSE(p.errors.empty());
  CHECK(p.errors[0].message.find("export path longer than 1024 bytes") == 0);
  p = parse(std::string("/srv/x \"unterminated(rw)\n\0\xff\xfe(\\\n", 28));
  CHECK(p.entries.size() + p.errors.size() >= 1);
}

// ---- options ---------------------------------------------------------------------------

TEST_CASE("exports options: the defaults as etab spells them") {
  CHECK(render_export_options(ExportOptions()) ==
        "ro,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs,"
        "anonuid=65534,anongid=65534,sec=sys,ro,secure,root_squash,no_all_squash");
  ExportOptions o;
  std::string err;
  REQUIRE(apply_export_options("rw,async,insecure,no_root_squash,fsid=1,crossmnt,no_wdelay", &o, &err));
  CHECK(render_export_options(o) ==
        "rw,async,no_wdelay,hide,crossmnt,insecure,no_root_squash,no_all_squash,no_subtree_check,secure_locks,acl,"
        "no_pnfs,fsid=1,anonuid=65534,anongid=65534,sec=sys,rw,insecure,no_root_squash,no_all_squash");
}

TEST_CASE("exports options: fsid=0, fsid=root, fsid=0x0 and fsid=4294967296 all make the pseudo-root") {
  for (const char* opt : {"fsid=0", "fsid=root", "fsid=0x0", "fsid=00", "fsid=4294967296"}) {
    ExportOptions o;
    std::string err;
    REQUIRE_MESSAGE(apply_export_options(opt, &o, &err), err);
    CHECK_MESSAGE(is_pseudo_root_fsid(o), opt);
  }
  ExportOptions o;
  std::string err;
  REQUIRE(apply_export_options("fsid=1", &o, &err));
  CHECK_FALSE(is_pseudo_root_fsid(o));
  CHECK_FALSE(apply_export_options("fsid=", &o, &err));
  CHECK_FALSE(apply_export_options("fsid=12ab", &o, &err));
  CHECK(err.find("bad fsid '12ab'") == 0);
}

TEST_CASE("exports options: UUID fsids compare as UUIDs") {
  CHECK(normalise_uuid("3F2504E0-4F89-11D3-9A0C-0305E82C3301") == "3f2504e04f8911d39a0c0305e82c3301");
  CHECK(normalise_uuid("3f2504e0:4f8911d3:9a0c0305:e82c3301") == "3f2504e04f8911d39a0c0305e82c3301");
  CHECK(normalise_uuid("3f2504e0") == "");
}

TEST_CASE("exports options: flags after sec= apply to those flavors, as the kernel sees them") {
  ExportOptions o;
  std::string err;
  REQUIRE(apply_export_options("sec=krb5p:krb5,rw,sec=sys,ro", &o, &err));
  CHECK(render_export_options(o).find("sec=krb5p:krb5,rw,secure,root_squash,no_all_squash,sec=sys,ro,") !=
        std::string::npos);
  CHECK_FALSE(apply_export_options("sec=krb6", &o, &err));
}

TEST_CASE("exports options: a rule's option is compared in its etab spelling") {
  std::vector<std::string> t;
  std::string err;
  REQUIRE(normalise_rule_option("fsid=root", &t, &err));
  CHECK(t == std::vector<std::string>{"fsid=0"});
  REQUIRE(normalise_rule_option("auth_nlm", &t, &err));
  CHECK(t == std::vector<std::string>{"secure_locks"});
  REQUIRE(normalise_rule_option("sec=krb5:unix", &t, &err));
  CHECK(t == std::vector<std::string>{"sec=krb5", "sec=sys"});
  REQUIRE(normalise_rule_option("nordirplus", &t, &err));
  CHECK(t == std::vector<std::string>{"nordirplus"});
  CHECK_FALSE(normalise_rule_option("asynch", &t, &err));
  CHECK_FALSE(normalise_rule_option("rw,async", &t, &err));
}

// ---- the rules -------------------------------------------------------------------------

TEST_CASE("exports rules: the SEV1 file: fsid=0 on /srv/nfs is caught on its line") {
  const std::string sev1 = R"(# /etc/exports on pve (192.168.1.127), git-managed: infra/scripts/pve-nfs-exports
# deploy: scp scripts/pve-nfs-exports root@192.168.1.127:/etc/exports && ssh root@192.168.1.127 exportfs -ra
#
# async: UPS-backed, databases are on block storage; insecure: pfSense NATs source ports > 1024.

# HDD, 3 TB thin LV pve/nfs-data
/srv/nfs      10.0.20.0/22(rw,async,insecure,no_subtree_check,fsid=0) 192.168.1.0/24(rw,async,insecure,no_subtree_check,fsid=0)

# SSD, 100 GB LV ssd/nfs-ssd-data
/srv/nfs-ssd  10.0.20.0/22(rw,async,insecure,no_subtree_check,fsid=1) \
              192.168.1.0/24(rw,async,insecure,no_subtree_check,fsid=1)
)";
  // With nothing configured (the defaults of `driftctl exports check`).
  const ExportsReport r = Host().exports(sev1).check();
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:7: fsid-root"});
  CHECK(r.violations[0].path == "/srv/nfs");
  CHECK(r.violations[0].text == "10.0.20.0/22(rw,async,insecure,no_subtree_check,fsid=0)");
  CHECK(r.violations[0].message.find("fsid=0 makes '/srv/nfs' the NFSv4 pseudo-root") == 0);
  CHECK(r.has_critical());
  // With the Proxmox profile the rule on /srv/nfs says it too, for each client.
  const ExportsReport p = Host().exports(sev1).etab(kHostEtab).nfs_conf(kHostNfsConf).check(exports_config(kProxmoxProfile));
  CHECK(where(p) == std::vector<std::string>{"/etc/exports:7: fsid-root", "/etc/exports:7: option-forbidden",
                                             "/etc/exports:7: option-forbidden", "/etc/exports:7: etab-drift",
                                             "/etc/exports:7: etab-drift"});
}

TEST_CASE("exports rules: the host's correct file passes the Proxmox profile, etab and nfs.conf included") {
  const ExportsReport r = Host().exports(kHostExports).etab(kHostEtab).nfs_conf(kHostNfsConf).check(exports_config(kProxmoxProfile));
  CHECK(where(r).empty());
  CHECK(r.notes.empty());
  CHECK_FALSE(r.has_critical());
}

TEST_CASE("exports rules: a path declared as the pseudo-root may carry fsid=0") {
  ExportsConfig c;
  c.pseudo_root = {"/srv/export"};
  const ExportsReport r = Host().exports("/srv/export 10.0.20.0/22(ro,fsid=root,crossmnt)\n/srv/export/a 10.0.20.0/22(rw)\n").check(c);
  CHECK(where(r).empty());
  CHECK(where(Host().exports("/srv/export/ 10.0.20.0/22(fsid=0)\n").check(c)).empty());  // compared as paths
}

TEST_CASE("exports rules: fsids are unique across export paths; UUIDs compare as UUIDs") {
  const ExportsReport r = Host()
                              .exports(R"(/srv/nfs-ssd  10.0.20.0/22(rw,fsid=1) 192.168.1.0/24(rw,fsid=1)
/srv/scratch  10.0.20.0/22(rw,fsid=1)
/srv/a        *(ro,fsid=3F2504E0-4F89-11D3-9A0C-0305E82C3301)
/srv/b        *(ro,fsid=3f2504e04f8911d39a0c0305e82c3301)
/srv/c        *(ro,fsid=2)
)")
                              .check();
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:2: fsid-duplicate", "/etc/exports:4: fsid-duplicate"});
  CHECK(r.violations[0].message == "fsid=1 on '/srv/scratch' is also the fsid of '/srv/nfs-ssd' (/etc/exports:1): "
                                   "the kernel cannot tell the two exports apart");
}

TEST_CASE("exports rules: the world-export space is reported with both tokens") {
  const ExportsReport r = Host().exports("# backups\n/srv/backup  nas.lan (rw,no_root_squash)\n/srv/pub (ro)\n").check();
  REQUIRE(where(r) == std::vector<std::string>{"/etc/exports:2: world-export-space", "/etc/exports:3: world-export-space"});
  CHECK(r.violations[0].text == "nas.lan (rw,no_root_squash)");
  CHECK(r.violations[0].message.find("write 'nas.lan(rw,no_root_squash)'") != std::string::npos);
  CHECK(r.violations[1].message.find("'(ro)' has no client name") == 0);
  CHECK(where(Host().exports("/srv/pub *(ro)\n").check()).empty());  // the world on purpose
}

TEST_CASE("exports rules: clients outside allowed_clients, and clients that cannot be checked without DNS") {
  ExportsConfig c;
  c.allowed_clients = {"10.0.20.0/22", "192.168.1.0/24", "fd00:20::/48"};
  const ExportsReport r = Host()
                              .exports(R"(/srv/nfs 10.0.20.0/24(rw) 10.0.22.7(rw) 192.168.1.0/24(rw) fd00:20:0:1::/64(rw)
/srv/nfs 10.0.16.0/20(rw) 192.168.2.0/24(rw) 0.0.0.0/0(rw) fd00::/8(rw)
/srv/nfs nas.lan(rw) *.lan(rw) @trusted(rw) gss/krb5(rw) *(ro)
)")
                              .check(c);
  CHECK(where(r) == std::vector<std::string>{
                        "/etc/exports:2: client-not-allowed", "/etc/exports:2: client-not-allowed",
                        "/etc/exports:2: client-not-allowed", "/etc/exports:2: client-not-allowed",
                        "/etc/exports:3: client-not-allowed", "/etc/exports:3: client-not-allowed",
                        "/etc/exports:3: client-not-allowed", "/etc/exports:3: client-not-allowed",
                        "/etc/exports:3: client-not-allowed"});
  CHECK(r.violations[0].message == "client '10.0.16.0/20' of '/srv/nfs' is outside allowed_clients: 10.0.20.0/22, "
                                   "192.168.1.0/24, fd00:20::/48");
  CHECK(r.violations[4].message.find("is a host name, which cannot be checked") != std::string::npos);
  CHECK(r.violations[8].message.find("is exported to every host ('*')") != std::string::npos);
  // Nothing configured: any client.
  CHECK(where(Host().exports("/srv/nfs *(rw) nas.lan(rw)\n").check()).empty());
}

TEST_CASE("exports rules: require, forbid and warn look at the options in effect, defaults and -options included") {
  const ExportsConfig c = exports_config(R"(exports:
  rules:
    - { path: /srv/nfs, require: [async, insecure, root_squash], forbid: [fsid=root, all_squash], warn: [no_root_squash] }
    - { path: /srv/ro, require: [ro, sync, sec=sys] }
)");
  const ExportsReport r = Host()
                              .exports(R"(/srv/nfs -async,insecure 10.0.20.0/22(rw) 192.168.1.0/24(rw,sync,no_root_squash)
/srv/ro 10.0.20.0/22
/srv/nfs/ 10.0.21.0/24(rw,async,insecure,all_squash)
)")
                              .check(c);
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:1: option-required", "/etc/exports:1: option-required",
                                             "/etc/exports:1: option-warn", "/etc/exports:3: option-forbidden"});
  CHECK(r.violations[0].message.find("'/srv/nfs' to '192.168.1.0/24' lacks the required option 'async' (in effect: rw,sync,") == 0);
  CHECK(r.violations[1].message.find("lacks the required option 'root_squash'") != std::string::npos);
  CHECK_FALSE(r.violations[2].critical);
  CHECK(r.violations[3].message == "'/srv/nfs/' to '10.0.21.0/24' has the forbidden option 'all_squash'");
}

TEST_CASE("exports rules: warnings alone are not critical") {
  const ExportsReport r = Host().exports("/srv/nfs 10.0.20.0/22(rw,async,insecure,no_root_squash)\n").check(exports_config(kProxmoxProfile));
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:0: export-missing", "/etc/exports:1: option-warn",
                                             "/etc/nfs.conf:0: nfs-conf"});
  const ExportsReport w = Host().exports(std::string(kHostExports) + "/srv/nfs 10.0.30.0/24(rw,async,insecure,no_root_squash)\n")
                              .check(exports_config("exports: { rules: [ { path: /srv/nfs, warn: [no_root_squash] } ] }\n"));
  CHECK(where(w) == std::vector<std::string>{"/etc/exports:12: option-warn"});
  CHECK_FALSE(w.has_critical());
}

TEST_CASE("exports rules: a path with required options that is not exported at all") {
  const ExportsReport r = Host().exports("/srv/nfs-ssd 10.0.20.0/22(rw,async,insecure,fsid=1)\n").check(exports_config(
      "exports: { rules: [ { path: /srv/nfs, require: [async] }, { path: /srv/gone, forbid: [fsid=0] } ] }\n"));
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:0: export-missing"});
  CHECK(r.violations[0].message == "'/srv/nfs' is not exported, but exports.rules requires async on it");
}

TEST_CASE("exports rules: the same path and client twice: exportfs keeps the first") {
  const ExportsReport r = Host()
                              .exports("/srv/nfs 10.0.20.0/22(rw)\n")
                              .exports("/srv/nfs 10.0.20.0/22(ro)\n", "/etc/exports.d/legacy.exports")
                              .check();
  CHECK(where(r) == std::vector<std::string>{"/etc/exports.d/legacy.exports:1: export-duplicate"});
  CHECK_FALSE(r.violations[0].critical);
}

TEST_CASE("exports rules: parse errors are violations; entries before them are still checked") {
  const ExportsReport r = Host().exports("/srv/nfs 10.0.20.0/22(rw,fsid=0)\n/srv/x 10.0.20.0/22(rw,no_such_option)\n").check();
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:1: fsid-root", "/etc/exports:2: parse-error"});
  CHECK(r.violations[1].text == "10.0.20.0/22(rw,no_such_option)");
  CHECK(r.violations[1].path == "/srv/x");
}

// ---- etab --------------------------------------------------------------------------------

TEST_CASE("exports etab: the files edited but `exportfs -ra` not run") {
  const std::string edited = std::string(kHostExports) + "/srv/nfs-new 10.0.20.0/22(rw,async,insecure)\n";
  std::string etab = kHostEtab;
  // /srv/nfs-ssd on the LAN was changed to sync in the file, not applied.
  std::string file = edited;
  const std::string lan = "192.168.1.0/24(rw,async";
  file.replace(file.rfind(lan), lan.size(), "192.168.1.0/24(rw,sync");
  const ExportsReport r = Host().exports(file).etab(etab).check();
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:10: etab-drift", "/etc/exports:12: etab-drift"});
  CHECK(r.violations[0].message ==
        "'/srv/nfs-ssd' to '192.168.1.0/24': the applied options (/var/lib/nfs/etab:4) differ from /etc/exports: "
        "the file gives sync, applied is async; run `exportfs -ra`");
  CHECK(r.violations[1].message ==
        "'/srv/nfs-new' to '10.0.20.0/22' is in /etc/exports but not exported (not in /var/lib/nfs/etab): run "
        "`exportfs -ra`");
}

TEST_CASE("exports etab: applied but no longer in the files") {
  const std::string etab = std::string(kHostEtab) +
                           "/srv/old\t10.0.20.0/22(rw,async,wdelay,hide,nocrossmnt,insecure,root_squash,"
                           "no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,"
                           "sec=sys,rw,insecure,root_squash,no_all_squash)\n";
  const ExportsReport r = Host().exports(kHostExports).etab(etab).check();
  CHECK(where(r) == std::vector<std::string>{"/var/lib/nfs/etab:5: etab-drift"});
  CHECK(r.violations[0].message ==
        "'/srv/old' to '10.0.20.0/22' is exported but in no exports file: run `exportfs -ra` to withdraw it");
}

TEST_CASE("exports etab: the SEV1 fixed in the file but not applied is still runtime drift") {
  // etab as exportfs wrote it from the SEV1 file: /srv/nfs (its first two lines) with fsid=0.
  std::string etab = kHostEtab;
  const size_t ssd = etab.find("/srv/nfs-ssd");
  std::string nfs = etab.substr(0, ssd);
  for (size_t at; (at = nfs.find("no_pnfs,anonuid")) != std::string::npos;) nfs.replace(at, 7, "no_pnfs,fsid=0");
  etab = nfs + etab.substr(ssd);
  const ExportsReport r = Host().exports(kHostExports).etab(etab).check();
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:7: etab-drift", "/etc/exports:7: etab-drift"});
  CHECK(r.violations[0].message.find("the file gives -, applied is fsid=0") != std::string::npos);
}

TEST_CASE("exports etab: every kind of client and option round-trips, with etab's canonical host names") {
  const std::string file = R"(/srv/www -sync,rw server @trusted @external(ro)
/srv/media\040library 2001:db8:9:e54::/64(rw,no_root_squash,fsid=3F2504E0-4F89-11D3-9A0C-0305E82C3301) gss/krb5p(rw,sec=krb5p)
/srv/pub
)";
  const std::string etab =
      "/srv/www\tserver.lan.example.org(rw,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,"
      "no_subtree_check,secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,rw,secure,root_squash,no_all_squash)\n"
      "/srv/www\t@trusted(rw,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,"
      "secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,rw,secure,root_squash,no_all_squash)\n"
      "/srv/www\t@external(ro,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,"
      "secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,ro,secure,root_squash,no_all_squash)\n"
      "/srv/media\\040library\t2001:db8:9:e54::/64(rw,sync,wdelay,hide,nocrossmnt,secure,no_root_squash,"
      "no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs,fsid=3f2504e0-4f89-11d3-9a0c-0305e82c3301,"
      "anonuid=65534,anongid=65534,sec=sys,rw,secure,no_root_squash,no_all_squash)\n"
      "/srv/media\\040library\tgss/krb5p(rw,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,"
      "no_subtree_check,secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=krb5p,rw,secure,root_squash,"
      "no_all_squash)\n"
      "/srv/pub\t(ro,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,secure_locks,"
      "acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,ro,secure,root_squash,no_all_squash)\n";
  CHECK(where(Host().exports(file).etab(etab).check()).empty());
  // nfs-utils' quirk: flags after -sec= defaults do not reach that flavor, and etab read back makes
  // the export follow the flavor. What mountd reads back is what counts.
  const std::string krb5 =
      "/srv/k\t10.0.20.0/22(rw,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,"
      "secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=krb5,ro,secure,root_squash,no_all_squash)\n";
  CHECK(where(Host().exports("/srv/k -sec=krb5 10.0.20.0/22(rw)\n").etab(krb5).check()).empty());
  // etab off: not compared.
  ExportsConfig off;
  off.etab = false;
  CHECK(where(Host().exports("/srv/x *(rw)\n").etab(etab).check(off)).empty());
}

TEST_CASE("exports etab: entries exportfs would not read are not expected in etab") {
  const ExportsReport r = Host().exports("/srv/a 10.0.20.0/22(rw,bogus)\n/srv/b 10.0.20.0/22(rw)\n").etab("").check();
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:1: parse-error"});
}

// ---- nfs.conf ------------------------------------------------------------------------------

TEST_CASE("exports nfs.conf: expectations hold over the file and its drop-ins, later files win") {
  ExportsConfig c = exports_config("exports: { nfs_conf: { \"nfsd.vers3\": \"n\", \"nfsd.vers4.2\": \"y\", \"mountd.manage-gids\": \"yes\" } }\n");
  CHECK(where(Host().nfs_conf(kHostNfsConf + std::string("[NFSD]\nVers4.2 = on\n")).check(c)).empty());
  const ExportsReport r = Host()
                              .nfs_conf(kHostNfsConf)
                              .nfs_conf("# re-enable v3 for the old NAS\n[nfsd]\n  vers3 = yes   # temporary\n",
                                        "/etc/nfs.conf.d/50-legacy.conf")
                              .check(c);
  CHECK(where(r) == std::vector<std::string>{"/etc/nfs.conf:0: nfs-conf", "/etc/nfs.conf.d/50-legacy.conf:3: nfs-conf"});
  CHECK(r.violations[0].message == "[nfsd] vers4.2 is not set, so nfs-utils' built-in default applies; expected 'y'");
  CHECK(r.violations[1].message == "[nfsd] vers3 is 'yes', expected 'n'");
  CHECK(r.violations[1].text == "  vers3 = yes   # temporary");
}

TEST_CASE("exports nfs.conf: a setting nfs-utils ignores does not count, and the check says why") {
  ExportsConfig c = exports_config("exports: { nfs_conf: { \"nfsd.vers3\": \"n\" } }\n");
  const ExportsReport r = Host().nfs_conf("[nfsd]\nthreads = 16\nvers3 = n").check(c);  // no newline at the end
  CHECK(where(r) == std::vector<std::string>{"/etc/nfs.conf:3: nfs-conf"});
  CHECK(r.violations[0].message.find("the last line has no newline") != std::string::npos);
  const ExportsReport s = Host().nfs_conf("vers3 = n\n[nfsd\nvers3=n\n").check(c);
  CHECK(where(s) == std::vector<std::string>{"/etc/nfs.conf:1: nfs-conf"});
  CHECK(s.violations[0].message.find("not in a section") != std::string::npos);
  CHECK(where(Host().check(c)) == std::vector<std::string>{"/etc/nfs.conf:0: nfs-conf"});
}

TEST_CASE("exports nfs.conf: include files are followed relative to the including file") {
  NfsConf conf;
  const NfsConfReader read = [](const std::string& path, std::string* text) {
    if (path != "/etc/nfs.conf.local") return false;
    *text = "vers3 = n\n";  // inherits the including file's section
    return true;
  };
  parse_nfs_conf_text("[nfsd]\nvers3 = y\ninclude = nfs.conf.local\ninclude = -/etc/missing.conf\n", "/etc/nfs.conf", read, &conf);
  const NfsConfBinding* b = nfs_conf_lookup(conf, "nfsd", "VERS3");
  REQUIRE(b);
  CHECK(b->file == "/etc/nfs.conf.local");
  CHECK(nfs_conf_value_matches("n", b->value));
  CHECK(nfs_conf_value_matches("n", "No"));
  CHECK(nfs_conf_value_matches("false", "off"));
  CHECK_FALSE(nfs_conf_value_matches("8", "16"));
}

// ---- reading a host tree ---------------------------------------------------------------

TEST_CASE("exports sources: exports.d in exportfs' order, symlinks resolved inside the root, unreadable files reported") {
  test::TempDir root;
  for (const char* d : {"etc", "etc/exports.d", "srv", "srv/data", "var", "var/lib", "var/lib/nfs"}) ::mkdir((root / d).c_str(), 0755);
  test::write_file(root / "etc/exports", "/srv/nfs 10.0.20.0/22(rw,async,insecure)\n");
  test::write_file(root / "etc/exports.d/10-b.exports", "/srv/b *(ro)\n");
  test::write_file(root / "etc/exports.d/9-a.exports", "/srv/a *(ro)\n");
  test::write_file(root / "etc/exports.d/.hidden.exports", "/srv/hidden *(ro)\n");
  test::write_file(root / "etc/exports.d/c.exports.dpkg-old", "/srv/c *(ro)\n");
  test::write_file(root / "etc/exports.d/.exports", "/srv/d *(ro)\n");
  ::mkdir((root / "etc/exports.d/dir.exports").c_str(), 0755);
  ::symlink("/srv/data", (root / "srv/nfs").c_str());  // absolute: must stay inside the root
  ::mkdir((root / "var/lib/nfs/etab").c_str(), 0755);  // not a regular file

  const ExportsSources s = read_exports_sources(root.path(), true, false);
  std::vector<std::string> files;
  for (const SourceFile& f : s.exports) files.push_back(f.path);
  CHECK(files == std::vector<std::string>{"/etc/exports", "/etc/exports.d/9-a.exports", "/etc/exports.d/10-b.exports"});
  CHECK(s.realpath("/srv/nfs") == "/srv/data");
  CHECK(s.realpath("/srv/nfs/../nfs/./") == "/srv/data");
  CHECK(s.realpath("/srv/missing") == "/srv/missing");  // as nfs-utils: unresolvable stays as written

  const ExportsReport r = check_exports(ExportsConfig(), root.path());
  CHECK(where(r) == std::vector<std::string>{"/var/lib/nfs/etab:0: unreadable"});
  CHECK(r.violations[0].message == "cannot be read: not a regular file");
  for (const char* f : {"/etc/exports", "/etc/exports.d", "/etc/exports.d/9-a.exports", "/var/lib/nfs/etab"}) {
    CHECK_MESSAGE(std::find(r.files_read.begin(), r.files_read.end(), f) != r.files_read.end(), f);
  }
}

TEST_CASE("exports sources: an empty root has nothing to check and says what it could not check") {
  test::TempDir root;
  const ExportsReport r = check_exports(ExportsConfig(), root.path());
  CHECK(r.violations.empty());
  CHECK(r.notes.size() == 2);
}

// ---- the config keys ---------------------------------------------------------------------

TEST_CASE("exports config: every exports key, and the defaults") {
  const ExportsConfig d = exports_config("node: x\n");
  CHECK_FALSE(d.enabled);
  CHECK(d.etab);
  CHECK(d.rules.empty());
  const ExportsConfig p = exports_config(kProxmoxProfile);
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
  REQUIRE(parse_config(kProxmoxProfile, "pve.yaml", &c, &err));
  Config again;
  REQUIRE_MESSAGE(parse_config(dump_config(c), "dump", &again, &err), err);
  CHECK(dump_config(again) == dump_config(c));
}

TEST_CASE("exports config: exports errors name the key and the line") {
  CHECK(config_error("exports:\n  enabled: true\n  etabs: false\n") == "config.yaml:3: unknown key 'exports.etabs'");
  CHECK(config_error("exports:\n  enabled: maybe\n") == "config.yaml:2: exports.enabled: expected true or false, got 'maybe'");
  CHECK(config_error("exports: []\n") == "config.yaml:1: exports: expected a mapping");
  CHECK(config_error("exports:\n  allowed_clients: [10.0.20.0/22, 10.0.20.5/22]\n") ==
        "config.yaml:2: exports.allowed_clients: '10.0.20.5/22' has host bits set (did you mean the network address?)");
  CHECK(config_error("exports:\n  allowed_clients: [nas.lan]\n").find("config.yaml:2: exports.allowed_clients: expected a CIDR") == 0);
  CHECK(config_error("exports:\n  rules:\n    - path: /srv/nfs\n      require: [async, asynch]\n") ==
        "config.yaml:4: exports.rules[].require: unknown option 'asynch'");
  CHECK(config_error("exports:\n  rules:\n    - { path: /srv/nfs, forbid: fsid=0 }\n") ==
        "config.yaml:3: exports.rules[].forbid: expected a list of export options");
  CHECK(config_error("exports:\n  rules:\n    - { require: [async] }\n") == "config.yaml:3: exports.rules[]: missing key 'path'");
  CHECK(config_error("exports:\n  rules:\n    - { path: srv/nfs }\n").find("config.yaml:3: exports.rules[].path: expected an absolute path") == 0);
  CHECK(config_error("exports:\n  rules:\n    - { path: /srv/nfs }\n    - { path: /srv/nfs/ }\n") ==
        "config.yaml:4: exports.rules: '/srv/nfs' is listed twice");
  CHECK(config_error("exports:\n  rules:\n    - { path: /srv/nfs, requires: [async] }\n") ==
        "config.yaml:3: unknown key 'exports.rules[].requires'");
  CHECK(config_error("exports:\n  nfs_conf: { vers3: n }\n") ==
        "config.yaml:2: exports.nfs_conf: key 'vers3' must be section.key, like nfsd.vers3");
  CHECK(config_error("exports:\n  nfs_conf:\n    nfsd.vers3: [n]\n") == "config.yaml:3: exports.nfs_conf.nfsd.vers3: expected a string");
  CHECK(config_error("exports:\n  pseudo_root: /srv\n") == "config.yaml:2: exports.pseudo_root: expected a list of paths");
}

TEST_CASE("nfs.conf include loops end at once and are violations with their line") {
  // Ten `include = /etc/nfs.conf` lines: exponential under a depth cap alone.
  std::string text = "[nfsd]\nvers3 = n\n";
  for (int i = 0; i < 10; ++i) text += "include = /etc/nfs.conf\n";
  NfsConf conf;
  int reads = 0;
  parse_nfs_conf_text(text, "/etc/nfs.conf",
                      [&](const std::string& path, std::string* out) {
                        ++reads;
                        *out = path == "/etc/nfs.conf" ? text : "[nfsd]\ninclude = /etc/nfs.conf\ninclude = /etc/b.conf\n";
                        return true;
                      },
                      &conf);
  CHECK(reads == 0);  // every include is of a file already being read
  REQUIRE(conf.include_errors.size() == 10);
  CHECK(conf.include_errors[0].line == 3);
  CHECK(conf.include_errors[0].reason.find("include loop") != std::string::npos);
  // A fan-out of distinct files is capped in all.
  NfsConf wide;
  reads = 0;
  std::string fan;
  for (int i = 0; i < 10; ++i) fan += "include = /etc/n" + std::to_string(i) + ".conf\n";
  parse_nfs_conf_text("[nfsd]\n" + fan, "/etc/nfs.conf",
                      [&](const std::string& path, std::string* out) {
                        ++reads;
                        *out = "[nfsd]\n" + fan + "# " + path + "\n";
                        return true;
                      },
                      &wide);
  CHECK(reads < kNfsConfMaxFiles);
  CHECK_FALSE(wide.include_errors.empty());
  // The checker reports them.
  Host h;
  h.sources.has_nfs_conf = true;
  h.sources.nfs_conf = conf;
  const ExportsReport r = h.check(exports_config("exports: { nfs_conf: { \"nfsd.vers3\": \"n\" } }\n"));
  CHECK(std::any_of(r.violations.begin(), r.violations.end(), [](const ExportsViolation& v) {
    return v.line == 3 && v.message.find("include loop") != std::string::npos && v.critical;
  }));
}

TEST_CASE("an exports line holding NUL bytes is a parse error, never clean") {
  const std::string text = std::string("/srv/nfs \0\0\0(rw)\n/srv/ok 10.0.0.0/8(ro)\n", 40);
  const ParsedExports p = parse(text);
  REQUIRE_FALSE(p.errors.empty());
  CHECK(p.errors[0].line == 1);
  CHECK(p.errors[0].message.find("NUL byte") != std::string::npos);
  CHECK(p.errors[0].text == "/srv/nfs \\x00\\x00\\x00(rw)");
  const ExportsReport r = Host().exports(text).check();
  CHECK_FALSE(r.violations.empty());
}
