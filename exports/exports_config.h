// The `exports:` section of the config: which /etc/exports rules run and what
// they expect. Parsed (with line-numbered errors) by config.cc; used by the
// exports checker and by driftd.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace drift {

/// Option expectations for one export path (exact path, as written in /etc/exports).
struct ExportsPathRule {
  std::string path;
  std::vector<std::string> require;  // options every client of the path must have
  std::vector<std::string> forbid;   // options no client of the path may have
  std::vector<std::string> warn;     // options reported as warnings
  int line = 0;                      // config line of the rule
};

struct ExportsConfig {
  bool enabled = false;                     // driftd runs the checks and watches the files
  std::vector<std::string> pseudo_root;     // paths allowed to carry fsid=0 / fsid=root
  std::vector<std::string> allowed_clients; // CIDRs; empty = any client
  std::vector<ExportsPathRule> rules;
  std::vector<std::pair<std::string, std::string>> nfs_conf;  // "section.key" -> expected value
  bool etab = true;                         // compare /var/lib/nfs/etab when it exists
};

}  // namespace drift
