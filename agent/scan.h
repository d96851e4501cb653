// The scan pipeline: walk the selection, hash regular files on all cores.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/walker.h"
#include "baseline/entry.h"

namespace drift {

struct ScanOptions {
  int threads = 0;        // 0 = config's scan.threads, then all cores
  bool progress = false;  // draw a progress line on stderr
  /// Which snapshot-eligible contents to keep (after hashing). Null keeps all
  /// (baseline creation); a check keeps only files whose hash changed.
  std::function<bool(const Entry&)> keep_content;
  ScanHooks hooks;
  /// Set from another thread to stop hashing (driftd's SIGTERM during a long
  /// idle-priority rescan); the result is then incomplete and must be dropped.
  const std::atomic<bool>* cancel = nullptr;
};

struct ScanResult {
  std::vector<Entry> entries;                   // sorted by path bytes
  std::map<std::string, std::string> snapshots;  // sha256 hex -> content
  std::vector<std::string> warnings;
  size_t incomplete = 0;  // entries with an incomplete status
  uint64_t files_hashed = 0, bytes_hashed = 0;
};

ScanResult run_scan(const Config& config, const ScanOptions& options);

/// What to re-read after an inotify event: a path alone (its attributes
/// changed) or the path and everything below it (created, deleted, moved).
struct RecheckScope {
  std::string path;
  bool self_only = false;
  /// The event says the change is complete (closed after writing, moved in
  /// or away, attributes set, deleted, a directory or link made): it may be
  /// re-checked at once. A bare modification is not (the file may be half
  /// written).
  bool complete = false;
  bool operator<(const RecheckScope& o) const { return path < o.path; }
};

/// Re-reads the scopes as a full scan would record them, on the calling
/// thread (event re-checks run at normal priority, a few paths at a time).
/// Entries are sorted; a scope whose path is gone yields nothing.
ScanResult scan_paths(const Config& config, const std::vector<RecheckScope>& scopes, const ScanOptions& options);

/// Replaces every entry of `current` (sorted) that the scopes cover with the
/// entries of `fresh` (sorted, from scan_paths of the same scopes).
void replace_scoped(std::vector<Entry>* current, const std::vector<RecheckScope>& scopes,
                    std::vector<Entry> fresh);

/// The path selection a config describes.
Selection selection_from(const Config& config);

}  // namespace drift
