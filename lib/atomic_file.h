// Whole-file I/O for the agent's own files (baselines, keys, spools, state).
// Atomic replacement (temp file, fsync, rename, fsync of the directory) is
// only right for a regular file: renamed over a device node it would replace
// /dev/null with a regular file. So the target decides: a regular file or a
// path that does not exist is replaced atomically; a character device or a
// FIFO is written in place; a symlink or any other file type is refused with
// a clear error. Reads are bounded, so an endless file (/dev/zero, a FIFO fed
// forever) ends in an error, never in an allocation without bound.
#pragma once

#include <cstdint>
#include <string>
#include <sys/types.h>

#include "lib/paths.h"  // directory_of, for the callers that write beside a file

namespace drift {

/// What read_whole_file reads at most unless told otherwise.
inline constexpr uint64_t kReadWholeFileMaxBytes = 256ull << 20;

/// Writes data to path via a temp file in the same directory, fsync, rename,
/// and an fsync of the directory, so a crash leaves the old file or the new
/// one, never half of either. "-" writes to stdout; see above for other types.
bool write_file_atomically(const std::string& path, const std::string& data, mode_t mode,
                           std::string* err);

/// The same guarantee for data written piece by piece (a baseline streamed out
/// of the archive writer, never whole in memory). "-" streams to stdout.
/// Destroyed without commit(), the temp file is removed.
class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();
  bool open(const std::string& path, mode_t mode, std::string* err);
  bool write(const void* data, size_t size, std::string* err);
  /// fsync, rename over path, fsync the directory.
  bool commit(std::string* err);

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool in_place_ = false;  // a character device or FIFO: written directly
};

/// Creates dir and its missing parents (parents 0755, dir itself `mode`);
/// true when it exists as a directory afterwards (errno says why not).
bool make_directories(const std::string& dir, mode_t mode);

/// Reads a whole file; "-" reads stdin. More than max_bytes, or a directory,
/// is an error naming the path.
bool read_whole_file(const std::string& path, std::string* data, std::string* err,
                     uint64_t max_bytes = kReadWholeFileMaxBytes);

}  // namespace drift
