// What driftd keeps of one audit event: the file event of a syscall that a
// watch rule reported (SYSCALL with its CWD and PATH records). Everything here
// is host bytes a local user controls (comm, exe, names, paths); it is kept raw
// and escaped with escape_bytes wherever it leaves as text. Argv (PROCTITLE,
// EXECVE) is kept only when the config opts in (`audit.argv`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace drift {

/// The audit id of "no login session" (auid and ses unset).
inline constexpr uint32_t kAuditUnset = 4294967295u;

/// One PATH record: the name as the syscall gave it, joined with the event's
/// CWD when relative, and the inode it resolved to.
struct AuditPath {
  std::string name;       // absolute after the CWD join (relative only without a CWD record); "" for name=(null)
  std::string nametype;   // NORMAL, CREATE, DELETE, PARENT, UNKNOWN ...
  uint64_t inode = 0;
  bool has_inode = false;
  uint64_t device = 0;    // dev=MAJ:MIN (hex) as a dev_t
  bool has_device = false;
};

struct AuditFileEvent {
  int64_t sec = 0;        // event time, seconds since the epoch
  uint32_t milli = 0;
  uint64_t serial = 0;
  std::string syscall;    // the name (openat, rename) or the number when unknown
  bool success = false;
  uint32_t auid = kAuditUnset, uid = kAuditUnset, euid = kAuditUnset;
  std::string auid_name, uid_name, euid_name;  // from the ENRICHED suffix only ("" when absent)
  int64_t pid = -1, ppid = -1;
  std::string comm, exe, tty, key;
  uint32_t ses = kAuditUnset;
  std::string cwd;
  std::vector<AuditPath> paths;
  std::string argv;       // PROCTITLE, NUL-separated args as spaces; only with argv: true

  /// Approximate bytes held (the window's byte bound counts this).
  size_t bytes() const;
};

/// An event's time in milliseconds since the epoch.
inline int64_t event_time_ms(const AuditFileEvent& e) { return e.sec * 1000 + e.milli; }

}  // namespace drift
