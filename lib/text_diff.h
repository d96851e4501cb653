// Unified diffs of snapshotted text files.
#pragma once

#include <string>
#include <string_view>

namespace drift {

/// A unified diff (3 lines of context) between two texts, with `---`/`+++`
/// headers. Lines are printed as they are (snapshots are text by policy).
/// Very large inputs get a one-line summary instead of a quadratic diff.
std::string unified_diff(std::string_view before, std::string_view after,
                         const std::string& before_label, const std::string& after_label);

}  // namespace drift
