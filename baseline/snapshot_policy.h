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

/// Decision after reading, as a report can show it: why the content may not be
/// snapshotted ("binary content", "content looks like a secret: WireGuard
/// PrivateKey, line 3"), empty when it may (text holding no secret).
std::string snapshot_content_refusal(std::string_view content);

/// snapshot_content_refusal(content) is empty.
bool snapshot_content_ok(std::string_view content);

}  // namespace drift
