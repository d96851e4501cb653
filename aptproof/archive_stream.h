// Reading what apt keeps, with libarchive, streaming and bounded: a Packages
// index in whatever compression apt stores it (lz4 on this Debian, gz, xz,
// zstd, bz2 or plain; libarchive's raw format behind its filters) and a .deb
// (an ar archive holding control.tar.* and data.tar.*, each read as a nested
// archive straight from the outer one, never extracted). Every byte that
// comes out of a decompressor counts against a bound in bytes and in ratio
// to the input, so an index or package of absurd size or ratio is refused,
// never allocated. A .deb's own SHA-256 is computed over the very bytes
// libarchive reads, so the file that is proven is the file that was hashed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "aptproof/deb822.h"

namespace drift {

struct StreamLimits {
  uint64_t max_bytes = 1ull << 30;  // decompressed bytes, at most
  uint64_t max_ratio = 64;          // decompressed bytes per input byte, at most (plus 1 MiB)
};

/// Decompresses FD (any of the filters above, or none) and calls `chunk` with
/// the plain bytes in order; `chunk` returns false to stop (not an error).
/// False with *err on a read or format error or a bound passed.
bool read_compressed_stream(int fd, const StreamLimits& limits,
                            const std::function<bool(std::string_view)>& chunk, std::string* err);

struct DebMember {
  char type = 'f';          // 'f' regular file, 'd' directory, 'l' symlink, 'h' hard link, 'o' other
  std::string sha256_hex;   // regular files
  std::string target;       // symlink target, or the path a hard link names
};

/// What a .deb was found to hold.
struct DebContents {
  std::string sha256_hex;   // of the whole file, over the bytes read
  uint64_t size = 0;
  Deb822Stanza control;     // the control member's one stanza
  std::map<std::string, DebMember> members;  // "/usr/bin/zstd" -> what it is
  bool complete = false;    // data.tar read to its end (not stopped at the wanted members)
  /// Bytes out of control.tar's and data.tar's decompressors, what was
  /// skipped included (what the bound is charged; set on failure too).
  uint64_t decompressed = 0;
};

/// Reads the .deb open at FD: the ar members debian-binary ("2.0"),
/// control.tar.* (up to its ./control) and data.tar.* (until every path of
/// `wanted` is seen, or to the end when `wanted` is empty). The rest of the
/// file is still read through the hash. False with *err when it is no
/// well-formed .deb, or passes a bound.
bool read_deb(int fd, const StreamLimits& limits, const std::set<std::string>& wanted, DebContents* out,
              std::string* err);

}  // namespace drift
