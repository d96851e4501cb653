// The hasher: streams one regular file through SHA-256.
#pragma once

#include <memory>
#include <string>

#include "baseline/entry.h"

namespace drift {

/// One per hashing thread: owns its digest context and read buffer, so the
/// per-file cost is open + fstat + flistxattr + reads + close, no allocation.
class Hasher {
 public:
  /// page_cache_neutral: what hashing brought into the page cache is dropped
  /// after (lib/page_cache.h).
  explicit Hasher(bool page_cache_neutral = true);
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  /// Hashes the file at host path e->path beneath root_fd into e->sha256 and
  /// reads its integrity xattrs. Opens with open_beneath (no symlink followed
  /// in any component; O_NOATIME where permitted) and compares
  /// fstat with the walk's lstat in *e: a file replaced or changed between the
  /// walk and the read, or while being read, or now below a symlink, gets
  /// kChangedWhileReading. A file gone gets kVanished; EACCES and read errors give kUnreadable. With
  /// content != null and the whole file at most max_content bytes, the bytes
  /// read are also stored there (no second read for snapshots).
  void hash_file(int root_fd, Entry* e, std::string* content, uint64_t max_content);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drift
