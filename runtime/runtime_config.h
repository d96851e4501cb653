// What the runtime kernel state reader is told: where the proc-like tree is,
// which sysctls to record, and whether driftd shares the host's namespaces.
// The default exclusions live here and nowhere else (the config's default,
// `driftctl config show` and the README all take them from this list).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace drift {

/// Whether the namespaced sysctls (net.*, kernel.hostname, the IPC ones,
/// user.*) are the host's: `auto` decides from /proc/self/ns (runtime_state.h).
enum class HostNamespaces { kAuto, kYes, kNo };

struct RuntimeConfig {
  bool enabled = true;
  /// Prefix of proc/modules, proc/sys, proc/cmdline, sys/module: "/" reads the
  /// running system; a test points it at a proc-like tree. `root` never moves it.
  std::string proc_root = "/";
  std::chrono::milliseconds interval{5000};  // driftd's poll period
  std::vector<std::string> sysctls = {"kernel.*", "vm.*", "fs.*"};
  std::vector<std::string> exclude;  // filled with kDefaultSysctlExcludes by the config reader
  HostNamespaces host_namespaces = HostNamespaces::kAuto;
};

/// Sysctls the default leaves out, each for a reason:
///  - counters and random values the kernel changes by itself: fs.dentry-state,
///    fs.inode-nr, fs.inode-state, fs.file-nr, fs.aio-nr, fs.quota.*,
///    kernel.pty.nr, kernel.ns_last_pid, kernel.random.boot_id (each boot),
///    kernel.random.uuid (each read), kernel.random.entropy_avail, and
///    kernel.perf_event_max_sample_rate (lowered by the kernel when perf
///    interrupts run long);
///  - recorded elsewhere: kernel.tainted (taint:*), kernel.osrelease and
///    kernel.version (kernel:release, kernel:version);
///  - actions, not settings: vm.drop_caches and vm.compact_memory (write-only),
///    vm.stat_refresh (reading it makes every CPU refresh its counters);
///  - fs.binfmt_misc.*: a file system of its own, not a sysctl.
inline const std::vector<std::string>& default_sysctl_excludes() {
  static const std::vector<std::string> kExcludes = {
      "fs.dentry-state", "fs.inode-nr", "fs.inode-state", "fs.file-nr", "fs.aio-nr", "fs.quota.*",
      "fs.binfmt_misc.*", "kernel.pty.nr", "kernel.ns_last_pid", "kernel.random.boot_id",
      "kernel.random.uuid", "kernel.random.entropy_avail", "kernel.perf_event_max_sample_rate",
      "kernel.tainted", "kernel.osrelease", "kernel.version", "vm.drop_caches", "vm.compact_memory",
      "vm.stat_refresh"};
  return kExcludes;
}

/// Bounds of the poll period (runtime.interval).
inline constexpr std::chrono::milliseconds kMinRuntimeInterval{1000};
inline constexpr std::chrono::milliseconds kMaxRuntimeInterval{3600000};

}  // namespace drift
