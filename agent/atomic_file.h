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

/// The directory part of a path: "/etc/driftd/c.yaml" -> "/etc/driftd",
/// "/x" -> "/", "c.yaml" -> ".".
std::string directory_of(const std::string& path);

/// Reads a whole file; "-" reads stdin.
bool read_whole_file(const std::string& path, std::string* data, std::string* err);

}  // namespace drift
