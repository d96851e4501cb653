// The one place that decides whether a file's content may be kept in a baseline.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace drift {

struct ContentPolicy {
  uint64_t max_bytes = 65536;
  /// Where snapshots are taken (path prefixes); files elsewhere are hashed only.
  std::vector<std::string> paths;
  /// Globs (see glob_matches) whose files are never snapshotted.
  std::vector<std::string> never;
};

/// The `content.never` default: secrets by name.
std::vector<std::string> default_never_snapshot_globs();
/// The `content.paths` default.
std::vector<std::string> default_snapshot_paths();

/// Decision before reading: world-readable, small enough, under content.paths,
/// matching no `never` glob and no built-in secret name.
bool snapshot_candidate(const ContentPolicy& policy, const std::string& path, uint32_t mode,
                        uint64_t size);

/// Decision after reading: looks like text (no NUL, valid UTF-8 for the most
/// part) and holds no private key material.
bool snapshot_content_ok(std::string_view content);

}  // namespace drift
