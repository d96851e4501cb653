// The watcher: inotify watches on every directory a selection covers, and the
// translation of inotify events into re-check scopes. A watch follows its
// inode, not its name: the map from watch to path is kept right across
// renames (see watcher.cc).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/scan.h"
#include "baseline/selection.h"

namespace drift {

/// What one read of the inotify queue found.
struct WatchEvents {
  std::vector<RecheckScope> scopes;     // covered paths to re-check
  std::vector<std::string> new_dirs;    // covered directories created or moved in (watch them now)
  std::vector<std::string> aux_paths;   // read paths that changed in an auxiliary directory
  bool overflow = false;                // IN_Q_OVERFLOW: events were lost, rescan everything
  uint64_t events = 0;                  // raw inotify events read
};

class Watcher {
 public:
  /// Watches the selection's directories under `root`. Never follows symlinks;
  /// recursion, excludes and mount boundaries follow the walker's rules, so a
  /// watch exists exactly where a scan descends. A rule whose root is a file
  /// (or missing) is watched through its parent directory.
  Watcher(const Selection& selection, std::string root);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  /// Places (or confirms) every watch the selection needs; idempotent, so a
  /// full rescan calls it again to heal watches lost to replaced directories.
  void watch_selection();
  /// Watches a directory that appeared, and every covered directory below it.
  void watch_tree(const std::string& host_dir);
  /// Watches a directory for files the agent itself reads (read path: the
  /// baseline's directory, /var/lib/nfs for etab); changes there come back as
  /// aux_paths. The mask is added to a selection watch on the same directory,
  /// whose events are still reported as usual. `appends`: writes to a file
  /// kept open (the audit log) are changes too (IN_MODIFY).
  bool watch_aux(const std::string& read_dir, bool appends = false);

  /// Reads everything queued without blocking.
  void read_events(WatchEvents* out);

  size_t watches() const { return dirs_.size(); }
  /// Watches that could not be placed since start (ENOSPC: max_user_watches).
  uint64_t failures() const { return failures_; }
  /// Directories currently unwatched for lack of watches (0 when all are placed).
  size_t unwatched() const { return unwatched_; }

  /// Test seam: behave as if fs.inotify.max_user_watches allowed only `max`
  /// watches (ENOSPC beyond), without touching the machine-wide sysctl.
  void limit_watches_for_test(size_t max) { test_limit_ = max; }

 private:
  void add_dir_tree(const PathRule& rule, const std::string& host_dir, dev_t root_dev);
  bool add_watch(const std::string& host_dir);
  /// Records wd as the watch on host_dir, replacing an older name of wd and
  /// an older watch on host_dir (its inode went elsewhere).
  void map_watch(int wd, const std::string& host_dir);
  /// Removes the watches on host_dir and every directory below it (moved away:
  /// they would report events under the old names).
  void drop_tree(const std::string& host_dir);
  void forget(int wd);

  Selection selection_;
  std::string root_;
  int fd_ = -1;
  std::map<int, std::string> dirs_;  // wd -> host directory
  std::map<std::string, int> wd_of_;  // host directory -> wd (ordered: a subtree is a range)
  std::map<int, std::string> aux_dirs_;  // wd -> read path
  uint64_t failures_ = 0;
  size_t unwatched_ = 0;
  size_t test_limit_ = 0;  // 0: none
  std::vector<char> buffer_;
};

}  // namespace drift
