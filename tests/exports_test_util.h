// What the /etc/exports tests share: a host's files as the checks read them
// (Host), compact expectations (where), the exports: config of a YAML text, and
// the Proxmox host's real exports, etab and nfs.conf (the 2026-04-14 SEV1 was
// fsid=0 on /srv/nfs).
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "agent/config.h"
#include "exports/exports_check.h"
#include "exports/exports_file.h"
#include "exports/nfs_conf.h"

namespace drift::test {

inline ParsedExports parse(const std::string& text, const std::string& file = "/etc/exports") {
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
inline std::vector<std::string> where(const ExportsReport& r) {
  std::vector<std::string> out;
  for (const ExportsViolation& v : r.violations) out.push_back(v.file + ":" + std::to_string(v.line) + ": " + v.rule);
  return out;
}

inline ExportsConfig exports_config(const std::string& yaml) {
  Config c;
  std::string err;
  REQUIRE_MESSAGE(parse_config(yaml, "config.yaml", &c, &err), err);
  return c.exports;
}

inline std::string config_error(const std::string& yaml) {
  Config c;
  std::string err;
  CHECK_FALSE(parse_config(yaml, "config.yaml", &c, &err));
  return err;
}

// The `exports:` section of packaging/pve.yaml, the Proxmox profile.
inline constexpr const char* kProxmoxProfile = R"(exports:
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
inline constexpr const char* kHostExports = R"(# /etc/exports on pve (192.168.1.127), git-managed: infra/scripts/pve-nfs-exports
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
inline constexpr const char* kHostEtab =
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

inline constexpr const char* kHostNfsConf = R"(#
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

}  // namespace drift::test
