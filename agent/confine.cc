// Why each piece:
//  - no_new_privs: nothing the daemon could exec gains privileges (and
//    unprivileged seccomp/Landlock need it).
//  - seccomp: with CAP_DAC_READ_SEARCH, open_by_handle_at reads any inode of
//    any file system the daemon can name a handle for, mounted or not (the
//    "shocker" container escape); name_to_handle_at makes the handles. Both
//    are refused, with the usual escape hatches (mount, ptrace, bpf, kexec,
//    module loading, namespace changes) that a drift agent never needs.
//  - Landlock: file access allow-list. Rules are on inodes: a directory rule
//    covers its tree, a file rule that very file.
#include "agent/confine.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "lib/atomic_file.h"
#include "agent/walker.h"

namespace drift {
namespace {

constexpr __u64 kReadAccess = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
constexpr __u64 kWriteAccess = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                               LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |
                               LANDLOCK_ACCESS_FS_MAKE_REG;
constexpr __u64 kFileAccess = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_EXECUTE;
constexpr __u64 kExecuteAccess = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE;

// Adds a rule for one existing path; false (ignored) when it is not there.
bool add_path_rule(int ruleset, const std::string& path, __u64 access) {
  const int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) access &= kFileAccess;  // file rules take file rights only
  struct landlock_path_beneath_attr attr{};
  attr.allowed_access = access;
  attr.parent_fd = fd;
  const long rc = ::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0);
  ::close(fd);
  return rc == 0;
}

int apply_landlock(const AccessPlan& plan, std::string* why) {
  const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1) {
    *why = std::string("Landlock unavailable (") + std::strerror(errno) + ")";
    return 0;
  }
  struct landlock_ruleset_attr ruleset_attr{};
  ruleset_attr.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                   LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
                                   LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                                   LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
                                   LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                                   LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                                   LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) ruleset_attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
  const int ruleset = static_cast<int>(::syscall(SYS_landlock_create_ruleset, &ruleset_attr, sizeof ruleset_attr, 0));
  if (ruleset < 0) {
    *why = std::string("landlock_create_ruleset: ") + std::strerror(errno);
    return 0;
  }
  for (const std::string& p : plan.read) add_path_rule(ruleset, p, kReadAccess);
  for (const std::string& p : plan.execute) add_path_rule(ruleset, p, kExecuteAccess);
  for (const std::string& p : plan.read_write) {
    // Renames within state_dir (temp file -> spool segment) need REFER.
    add_path_rule(ruleset, p, kReadAccess | kWriteAccess | (abi >= 2 ? LANDLOCK_ACCESS_FS_REFER : 0));
  }
  const long rc = ::syscall(SYS_landlock_restrict_self, ruleset, 0);
  ::close(ruleset);
  if (rc != 0) {
    *why = std::string("landlock_restrict_self: ") + std::strerror(errno);
    return 0;
  }
  return static_cast<int>(abi);
}

bool apply_seccomp(std::string* why) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) {
    *why = "seccomp_init failed";
    return false;
  }
  bool ok = true;
  for (const std::string& name : denied_syscalls()) {
    const int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) != 0) ok = false;
  }
  if (ok && seccomp_load(ctx) != 0) ok = false;
  seccomp_release(ctx);
  if (!ok) *why = "seccomp filter not loaded";
  return ok;
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
// LeakSanitizer stops the world with ptrace at exit; the sanitizer build
// (tests only) leaves ptrace allowed so its report can run.
#define DRIFTD_DENY_PTRACE
#else
#define DRIFTD_DENY_PTRACE "ptrace",
#endif

const std::vector<std::string>& denied_syscalls() {
  static const std::vector<std::string> names = {
      "open_by_handle_at", "name_to_handle_at", "mount", "umount2", "pivot_root", "move_mount",
      "open_tree", "fsopen", "fsmount", "unshare", "setns", DRIFTD_DENY_PTRACE "process_vm_readv",
      "process_vm_writev", "bpf", "kexec_load", "kexec_file_load", "init_module", "finit_module",
      "delete_module", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
      "reboot", "swapon", "swapoff", "acct", "quotactl"};
  return names;
}

AccessPlan access_plan_for(const Config& config, const std::string& config_path) {
  AccessPlan plan;
  for (const PathRule& rule : config.paths) plan.read.push_back(read_path_for(config.root, rule.path));
  // dpkg's database, for the cause of drift (package or unexplained).
  plan.read.push_back(read_path_for(config.root, "/var/lib/dpkg"));
  // apt's signed chain, which proves package causes (aptproof/): lists, the
  // .deb cache, keyrings and sources; and GnuPG, which GPGME runs (with the
  // ELF interpreter the kernel opens for it) with its home under state_dir.
  for (const char* p : {"/var/lib/apt/lists", "/var/cache/apt/archives", "/usr/share/keyrings", "/etc/apt"}) {
    plan.read.push_back(read_path_for(config.root, p));
  }
  for (const char* p : {"/usr/bin/gpg", "/usr/bin/gpgconf", "/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1",
                        "/lib/ld-musl-x86_64.so.1", "/lib/ld-musl-aarch64.so.1"}) {
    plan.execute.push_back(p);
  }
  // What the /etc/exports checks read. exportfs replaces etab by rename, so its
  // directory; the others are edited in place or are directories.
  if (config.exports.enabled) {
    for (const char* p : {"/etc/exports", "/etc/exports.d", "/etc/nfs.conf", "/etc/nfs.conf.d", "/var/lib/nfs"}) {
      plan.read.push_back(read_path_for(config.root, p));
    }
  }
  // The runtime kernel state (runtime/runtime_state.h): exactly its sources
  // under runtime.proc_root, never all of /proc (other processes' command
  // lines and environments). proc/self/ns is in /proc/self below.
  if (config.runtime.enabled) {
    const std::string proc = config.runtime.proc_root == "/" ? "" : config.runtime.proc_root;
    for (const char* p : {"/proc/modules", "/proc/cmdline", "/proc/sys/kernel/tainted", "/proc/sys/kernel/osrelease",
                          "/proc/sys/kernel/version", "/sys/module"}) {
      plan.read.push_back(proc + p);
    }
    // All of proc/sys: the sysctl list is walked from its top (a grant of
    // proc/sys/kernel alone leaves proc/sys unlistable, and every sysctl read
    // as removed), and every user may read these values anyway.
    if (!config.runtime.sysctls.empty()) plan.read.push_back(proc + "/proc/sys");
  }
  // The audit log's directory (auditd rotates by rename), only when audit
  // attribution is on.
  if (config.audit.enabled) plan.read.push_back(read_path_for(config.root, directory_of(config.audit.log)));
  // Landlock rules follow inodes, and these files are replaced by rename (an
  // editor, `baseline install`, a ConfigMap's ..data swap): grant their
  // directories, not the inodes they have now.
  plan.read.push_back(directory_of(config_path.empty() ? kDefaultConfigPath : config_path));
  plan.read.push_back(directory_of(config.public_key));
  plan.read.push_back(directory_of(config.baseline));
  // Name resolution, TLS, and the shared objects glibc loads for them.
  for (const char* p : {"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/gai.conf", "/etc/host.conf",
                        "/etc/services", "/etc/ssl", "/etc/ca-certificates", "/etc/pki", "/usr/share/ca-certificates",
                        "/usr/lib/ssl", "/etc/localtime", "/usr/share/zoneinfo", "/lib", "/lib64", "/usr/lib",
                        "/usr/lib64", "/dev/urandom", "/proc/self"}) {
    plan.read.push_back(p);
  }
  plan.read_write.push_back(config.state_dir);
  plan.read_write.push_back("/dev/null");  // GPGME gives gpg /dev/null (O_RDWR) as its unused stdio
  return plan;
}

ConfineReport confine_daemon(const Config& config, const std::string& config_path) {
  ConfineReport r;
  r.no_new_privs = ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
  std::string seccomp_why, landlock_why;
  r.seccomp = r.no_new_privs && apply_seccomp(&seccomp_why);
  r.landlock_abi = r.no_new_privs ? apply_landlock(access_plan_for(config, config_path), &landlock_why) : 0;
  r.summary = std::string("no_new_privs ") + (r.no_new_privs ? "on" : "FAILED") + ", seccomp " +
              (r.seccomp ? "on (" + std::to_string(denied_syscalls().size()) + " syscalls denied)" : "OFF: " + seccomp_why) +
              ", Landlock " + (r.landlock_abi ? "on (ABI " + std::to_string(r.landlock_abi) + ")" : "off: " + landlock_why);
  return r;
}

}  // namespace drift
