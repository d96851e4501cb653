// exports/exports_check: the rules over a host's files (the 2026-04-14 SEV1 was
// fsid=0 on /srv/nfs): pseudo-root, unique fsids, world exports, allowed
// clients, require/forbid/warn.
#include <doctest/doctest.h>

#include "exports/exports_check.h"
#include "exports_test_util.h"

using namespace drift;
using namespace drift::test;

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
