// The running kernel's state as baseline entries: loaded modules, taint bits,
// sysctls, the command line and the kernel release, each an Entry of type
// kRuntime with a path-like name in its own namespace ("module:nf_tables",
// "taint:unsigned_module", "sysctl:kernel.kptr_restrict", "cmdline:",
// "kernel:release"), so compare, check, accept --path, diff, JSON and
// severities treat them like files. Read from a proc-like tree (proc_root):
// the kernel answers the same files in a pod and on the host, except the
// namespaced sysctls, which only a process in the host's namespaces may
// record (host_namespaces_of). Knows nothing of dpkg or daemons: what the
// installed kernel packages ship comes in as KernelPackages.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "baseline/bundle.h"
#include "baseline/entry.h"
#include "runtime/runtime_config.h"

namespace drift {

/// What the installed kernel packages ship (agent/kernel_packages.h builds it
/// from dpkg's database).
struct KernelPackages {
  bool known = false;  // a usable package database was read
  std::set<std::string> modules;  // module names (dashes as underscores) shipped under /lib/modules
  std::map<std::string, PackageVersion> releases;  // kernel release -> the package that ships it
};

/// "nf_tables" for ".../kernel/net/netfilter/nf_tables.ko" (or .ko.xz, .ko.zst,
/// .ko.gz); dashes become underscores, as the kernel names modules. "" for
/// anything else.
std::string module_name_of_file(std::string_view path);

/// A module entry's value: "state=Live", then " taint=OE" and
/// " srcversion=..." when there are any.
std::string module_value(std::string_view state, std::string_view taints, std::string_view srcversion);
/// The same value without its srcversion (what a kernel upgrade may not change).
std::string module_value_without_srcversion(std::string_view value);
/// The command line without its BOOT_IMAGE= word (what a kernel upgrade changes).
std::string cmdline_without_boot_image(std::string_view cmdline);

/// The namespace a sysctl is answered from, for the kernel answers these
/// from the reader's: "uts" (kernel.hostname, kernel.domainname), "ipc"
/// (kernel.shm*, kernel.msg*, kernel.sem*, kernel.auto_msgmni, fs.mqueue.*),
/// "net" (net.*), "user" (user.*); "" for a global one.
std::string_view sysctl_namespace(std::string_view name);
inline bool sysctl_is_namespaced(std::string_view name) { return !sysctl_namespace(name).empty(); }

/// Which of uts, ipc, user and net the reader shares with the host: all or
/// none when runtime.host_namespaces says true or false; for auto, those of
/// proc_root/proc/self/ns/{uts,ipc,user} that are the kernel's initial ones
/// (fixed inode numbers, include/linux/proc_ns.h). The net namespace has no
/// fixed number on Debian 12's kernel: it counts as the host's when the PID
/// namespace is the initial one (the host unit has no PrivateNetwork=; a pod
/// has its own PID and net namespaces, hostPID and hostNetwork being
/// forbidden). `why` names what is not the host's.
std::set<std::string> host_namespaces_of(const RuntimeConfig& config, std::string* why);

/// Glob match of a runtime path ("module:nf_*") or sysctl name ("kernel.*"),
/// fnmatch without FNM_PATHNAME.
bool runtime_glob_match(const std::string& glob, const std::string& name);

/// One look at the sources.
struct RuntimeRead {
  std::vector<Entry> entries;             // sorted by path
  std::vector<std::string> notes;         // sources not available, one line each
  std::vector<std::string> unavailable;   // runtime path globs not read ("module:*", "sysctl:net.*")
};

/// Reads the sources; keeps what a boot cannot change (command line, release,
/// version) after the first read, the sysctl files open (one pread each per
/// look: 240 of them cost 0.4 ms of CPU, opening them anew 1.3 ms), and each
/// module's srcversion while the module stays loaded with the same size.
class RuntimeReader {
 public:
  RuntimeReader(RuntimeConfig config, KernelPackages packages);
  ~RuntimeReader();
  RuntimeReader(const RuntimeReader&) = delete;
  RuntimeReader& operator=(const RuntimeReader&) = delete;

  RuntimeRead read();
  const std::set<std::string>& host_namespaces() const { return host_namespaces_; }
  size_t open_sysctls() const { return sysctls_.size(); }

 private:
  struct Sysctl {
    std::string name;  // "kernel.kptr_restrict"
    int fd = -1;
  };
  std::string path(std::string_view rel) const;
  void list_sysctls(std::vector<std::string>* unreadable);
  void close_sysctls();
  void read_modules(RuntimeRead* out, std::set<std::string>* names);
  void read_taint(RuntimeRead* out);
  void read_sysctls(RuntimeRead* out, bool modules_changed);
  void read_boot_constants(RuntimeRead* out);

  RuntimeConfig config_;
  KernelPackages packages_;
  std::set<std::string> host_namespaces_;
  std::string namespaces_why_;
  bool listed_ = false;
  std::vector<Sysctl> sysctls_;
  std::vector<std::string> unopened_;  // "sysctl:NAME" listed but not openable
  std::set<std::string> module_names_;                         // as of the last sysctl listing
  std::map<std::string, std::pair<uint64_t, std::string>> srcversions_;  // module -> (size, srcversion)
  bool constants_read_ = false;
  std::vector<Entry> constants_;                                // cmdline:, kernel:release, kernel:version
  std::vector<std::string> constant_notes_;
  std::vector<std::string> constant_unavailable_;
};

/// One read with a fresh reader (driftctl's create, check and accept).
RuntimeRead read_runtime_state(const RuntimeConfig& config, const KernelPackages& packages);

/// Adds to `entries` (sorted; stays sorted) the baseline's runtime entries
/// that a glob of `unavailable` covers: a source missing now is a note, never
/// drift, so what the baseline knew of it stands.
void carry_unavailable(const std::vector<Entry>& baseline, const std::vector<std::string>& unavailable,
                       std::vector<Entry>* entries);

/// The one line a report gives runtime state that only one side has.
std::string runtime_not_compared_note(size_t only_before, size_t only_after);

}  // namespace drift
