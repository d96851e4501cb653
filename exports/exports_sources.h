// Reading what the exports checks look at from a host tree under a root
// prefix: the exports files in exportfs' order, etab, and nfs.conf with its
// drop-ins in nfs-utils' order. The checks themselves only see text.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "exports/nfs_conf.h"

namespace drift {

/// A host file's path and content.
struct SourceFile {
  std::string path;  // host path ("/etc/exports")
  std::string text;
};

/// A file that exists but could not be read.
struct SourceProblem {
  std::string path;
  std::string message;
};

/// Everything the exports checks read, as text.
struct ExportsSources {
  std::vector<SourceFile> exports;   // /etc/exports, then /etc/exports.d/*.exports (versionsort)
  bool has_etab = false;             // /var/lib/nfs/etab exists and was read
  SourceFile etab;
  bool has_nfs_conf = false;         // at least one nfs.conf file was read
  NfsConf nfs_conf;                  // /usr/etc/nfs.conf{,.d/*.conf}, /etc/nfs.conf{,.d/*.conf}, includes
  std::vector<std::string> files;    // every host path consulted, existing or not (for watching)
  std::vector<SourceProblem> problems;
  /// An export path as nfs-utils stores it (symlinks resolved when the path exists); identity when empty.
  std::function<std::string(const std::string&)> realpath;
};

/// Host paths of the files nfs-utils reads.
inline constexpr const char* kExportsPath = "/etc/exports";
inline constexpr const char* kExportsDir = "/etc/exports.d";
inline constexpr const char* kEtabPath = "/var/lib/nfs/etab";
inline constexpr const char* kNfsConfPath = "/etc/nfs.conf";

/// Reads the sources under `root` ("/" for this host). Missing files are simply
/// absent; a file that exists but cannot be read is a problem, never a crash.
ExportsSources read_exports_sources(const std::string& root, bool want_etab, bool want_nfs_conf);

/// Resolves symlinks, ".", ".." and "//" in `path` the way realpath(3) would
/// inside `root` (absolute links stay under it). False when a component does
/// not exist or links loop.
bool resolve_in_root(const std::string& root, const std::string& path, std::string* resolved);

}  // namespace drift
