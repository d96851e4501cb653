// The walker: lists the entries a selection covers, with lstat metadata.
#pragma once

#include <sys/stat.h>

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "baseline/entry.h"
#include "baseline/selection.h"

namespace drift {

/// Test seams: called with the path as read (root-prefixed) just before the
/// walker or hasher touches an entry, so a test can make it vanish or change
/// at exactly that moment instead of racing a timer.
struct ScanHooks {
  std::function<void(const std::string& read_path)> before_hash;
};

struct WalkResult {
  std::deque<Entry> entries;           // walk order; a deque so pointers stay valid while it grows
  std::vector<std::string> warnings;   // e.g. a configured path that does not exist
};

/// Reads the integrity xattrs of a path (lstat semantics) or, with fd >= 0, of
/// an open file. Names kept: security.capability, security.selinux,
/// system.posix_acl_access. Sorted by name.
void read_integrity_xattrs(const std::string& read_path, int fd,
                           std::vector<std::pair<std::string, std::string>>* out);

/// Fills an entry's metadata fields from a struct stat.
void fill_from_stat(const struct stat& st, Entry* e);

/// Walks every rule root under `root` (the host prefix). Records host paths.
/// Never follows symlinks; stays on the rule root's file system unless the rule
/// says cross_mounts. Directories that are other rules' roots are left to them.
/// on_file, if set, is called with each regular file as soon as it is recorded
/// (the pointer stays valid), so hashing can start while the walk goes on.
WalkResult walk_selection(const Selection& selection, const std::string& root,
                          const std::function<void(Entry*)>& on_file = nullptr);

/// The rule under which a full walk would record host_path, or null when it
/// would not (no rule, excluded on the way, beyond a non-recursive rule or a
/// mount boundary). *root_dev gets the rule root's device.
const PathRule* covering_rule(const Selection& selection, const std::string& root,
                              const std::string& host_path, dev_t* root_dev);

/// Records host_path as a full walk would and, unless self_only, everything
/// below it, including the roots of more specific rules. A path that is gone
/// or not covered yields no entry. For re-checking what inotify reported.
WalkResult walk_subtree(const Selection& selection, const std::string& root, const std::string& host_path,
                        bool self_only, const std::function<void(Entry*)>& on_file = nullptr);

/// The string to put before a host path to read it: "" for root "/", else root.
std::string read_prefix_for(const std::string& root);
/// Joins the host prefix and a host path ("/host" + "/etc" -> "/host/etc").
inline std::string read_path_for(const std::string& root, const std::string& host_path) {
  return read_prefix_for(root) + host_path;
}

}  // namespace drift
