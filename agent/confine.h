// The daemon's self-confinement after start-up, so that a bug in it cannot
// become a way into the host: no_new_privs, a seccomp filter, and Landlock
// where the kernel has it.
#pragma once

#include <string>
#include <vector>

#include "agent/config.h"

namespace drift {

/// What Landlock lets the daemon touch: files and directory trees (read
/// paths, i.e. with the root prefix) to read, and trees to read and write.
struct AccessPlan {
  std::vector<std::string> read;
  std::vector<std::string> read_write;
  std::vector<std::string> execute;  // files that may be run (read and execute): gpg for GPGME
};

/// The plan for a config: the configured paths (a file rule grants that file
/// only, so a mounted /var/lib/kubelet never exposes pods/), the config file,
/// public key and baseline, what name resolution and TLS read, and state_dir
/// read-write.
AccessPlan access_plan_for(const Config& config, const std::string& config_path);

struct ConfineReport {
  bool no_new_privs = false;
  bool seccomp = false;
  int landlock_abi = 0;  // 0: not enforced (kernel without Landlock)
  std::string summary;   // one line for the log
};

/// Applies all three to the calling thread (and every thread it creates
/// later): call it before starting threads.
ConfineReport confine_daemon(const Config& config, const std::string& config_path);

/// The syscalls the seccomp filter refuses with EPERM.
const std::vector<std::string>& denied_syscalls();

}  // namespace drift
