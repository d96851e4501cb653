// Path text helpers, one of each: the directory part and the last component
// of a path string. Host paths are absolute and normalised by the config, so
// these work on text alone, never on the file system.
#pragma once

#include <string>

namespace drift {

/// "/etc/driftd/c.yaml" -> "/etc/driftd", "/x" -> "/", "/" -> "/", "c.yaml" -> ".".
std::string directory_of(const std::string& path);

/// "/etc/driftd/c.yaml" -> "c.yaml", "c.yaml" -> "c.yaml".
std::string base_name(const std::string& path);

}  // namespace drift
