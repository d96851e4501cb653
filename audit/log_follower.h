// Reading the audit log as auditd writes it: appended to, rotated by rename
// (audit.log -> audit.log.1 ..., a fresh audit.log), sometimes truncated.
// Every file is opened beneath --root without following a symlink and must be
// a regular file: a log that is a symlink, a FIFO or a device is refused, so
// a local user cannot point driftd at another file or block it on a pipe.
// The follower is poll-style (read what is new, bounded per call), so the
// caller decides when to read (inotify on the log's directory, a timer) and
// detection never waits on it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "lib/beneath.h"

namespace drift {

/// Reads a regular file beneath dir_fd (never through a symlink; a FIFO,
/// device or directory is refused), at most max_bytes (more is an error).
bool read_regular_beneath(int dir_fd, const std::string& rel, uint64_t max_bytes, std::string* data,
                          std::string* err);

/// The log's files that exist, oldest first: rel.N ... rel.2, rel.1, rel
/// (auditd's num_logs is at most 999; gaps end the search).
std::vector<std::string> audit_log_files(int root_fd, const std::string& rel, int max_rotations = 999);

enum class FollowStatus {
  kOk,        // read what there was (maybe nothing)
  kMissing,   // no log at the path (yet)
  kRefused,   // a symlink, FIFO, device or directory
  kError,     // the root or the file cannot be read
};

struct FollowerStats {
  uint64_t bytes = 0;
  uint64_t rotations = 0;    // the path got a new file (rename)
  uint64_t truncations = 0;  // the file got shorter than what was read
};

class AuditLogFollower {
 public:
  /// host_log: "/var/log/audit/audit.log", opened under root.
  AuditLogFollower(const std::string& root, const std::string& host_log, size_t max_read = 1 << 20);

  /// Appends to *out what was written since the last poll (the whole file on
  /// the first), at most max_read bytes; *more is set when more is waiting.
  /// After a rotation the rest of the old file comes first, then the new one.
  FollowStatus poll(std::string* out, bool* more, std::string* err);

  const FollowerStats& stats() const { return stats_; }

 private:
  bool open_current(FollowStatus* status, std::string* err);
  size_t read_some(std::string* out, size_t limit, bool* at_eof);

  std::string root_, rel_;
  size_t max_read_;
  UniqueFd root_fd_, fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t offset_ = 0;
  FollowerStats stats_;
};

}  // namespace drift
