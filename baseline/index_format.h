// The canonical index: the text encoding of a baseline's entry list.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "baseline/entry.h"

namespace drift {

/// Current index format version, and the oldest this build reads.
/// Version 2 added the owning package of each entry (the package-aware check);
/// version 3 the runtime entries (type 'r': modules, taint, sysctls, command
/// line, kernel). An index without a runtime entry is still written as version
/// 2, byte for byte what builds before 3 wrote and read; one with them says 3,
/// so such a build refuses it by its version, not by a puzzling "bad type".
inline constexpr int kIndexVersion = 3;
inline constexpr int kIndexVersionWithoutRuntime = 2;
inline constexpr int kIndexOldestVersion = 1;
/// No index line is longer (a path of PATH_MAX bytes escaped four-fold, a
/// symlink target as long, and the xattrs a file system holds): a longer
/// one is refused before it is buffered.
inline constexpr size_t kIndexMaxLineBytes = 1 << 20;

/// Encodes entries (which must be sorted by path bytes) deterministically:
/// the same entries always give the same bytes.
std::string encode_index(const std::vector<Entry>& entries);

/// The same bytes, handed to `sink` in pieces of about 64 KiB, so a baseline
/// writer never holds the whole index; and their total size, for a tar header.
void encode_index_to(const std::vector<Entry>& entries, const std::function<void(std::string_view)>& sink);
size_t encoded_index_size(const std::vector<Entry>& entries);

/// Decodes an index. On failure returns false and sets *err to a one-line reason
/// naming the line ("index line 12: bad mode field").
bool decode_index(std::string_view text, std::vector<Entry>* entries, std::string* err);

/// The same, fed in pieces split anywhere (straight from the decompressor, so
/// a baseline's index is never held as text). `expected` reserves the list.
class IndexDecoder {
 public:
  IndexDecoder(std::vector<Entry>* entries, size_t expected);
  bool feed(std::string_view data, std::string* err);
  /// False unless the end marker was seen and nothing follows it.
  bool finish(std::string* err);

 private:
  bool line(std::string_view line, std::string* err);
  std::vector<Entry>* entries_;
  std::string carry_;  // a line split across pieces
  size_t line_no_ = 0;
  int version_ = 0;
  bool done_ = false;
};

}  // namespace drift
