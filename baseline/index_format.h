// The canonical index: the text encoding of a baseline's entry list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "baseline/entry.h"

namespace drift {

/// Current index format version, and the oldest this build reads.
/// Version 2 added the owning package of each entry (the package-aware check).
inline constexpr int kIndexVersion = 2;
inline constexpr int kIndexOldestVersion = 1;

/// Encodes entries (which must be sorted by path bytes) deterministically:
/// the same entries always give the same bytes.
std::string encode_index(const std::vector<Entry>& entries);

/// Decodes an index. On failure returns false and sets *err to a one-line reason
/// naming the line ("index line 12: bad mode field").
bool decode_index(std::string_view text, std::vector<Entry>* entries, std::string* err);

}  // namespace drift
