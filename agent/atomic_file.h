// Whole-file I/O for the agent's own files (baselines, keys, spools).
#pragma once

#include <string>
#include <sys/types.h>

namespace drift {

/// Writes data to path via a temp file in the same directory, fsync, rename,
/// and an fsync of the directory, so a crash leaves the old file or the new
/// one, never half of either. "-" writes to stdout.
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
};

/// The directory part of a path: "/etc/driftd/c.yaml" -> "/etc/driftd",
/// "/x" -> "/", "c.yaml" -> ".".
std::string directory_of(const std::string& path);

/// Reads a whole file; "-" reads stdin.
bool read_whole_file(const std::string& path, std::string* data, std::string* err);

}  // namespace drift
