// dpkg's own database under a root, read directly (no dpkg process: the
// DaemonSet image is Alpine and has none): the status file, the file lists
// (info/*.list), the per-package checksums (info/*.md5sums) and the conffile
// checksums of the status file's Conffiles: field.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace drift {

/// One package of the status file whose files are on disk.
struct DpkgPackage {
  std::string key;      // "kubelet", or "libc6:amd64" for Multi-Arch: same (the info/ file stem)
  std::string version;
  std::string arch;     // its Architecture: ("amd64", "all"), as the archive's index names it
  std::map<std::string, std::string> conffiles;  // host path -> md5 hex, as shipped by this version
};

class DpkgDatabase {
 public:
  enum class Load { kOk, kNotFound, kMalformed };

  /// Reads ROOT/var/lib/dpkg/status. kNotFound: no dpkg on this node (not an
  /// error). kMalformed: unreadable, truncated or not in dpkg's format; *err says
  /// where, and nothing may be classified as explained by packages.
  Load load(const std::string& root, std::string* err);

  /// The package with files on disk under this key ("name" or "name:arch"), or null.
  const DpkgPackage* find(const std::string& key) const;
  const std::map<std::string, DpkgPackage>& packages() const { return packages_; }

  /// Streams every info/*.list once and calls back (host path, package key)
  /// for each listed path that `wanted` accepts. Paths listed under a merged-/usr
  /// alias (/bin, /sbin, /lib*) are reported under /usr, where the scan sees them.
  void for_each_listed(const std::function<bool(std::string_view)>& wanted,
                       const std::function<void(const std::string&, const std::string&)>& found) const;

  /// True when `key`'s current file list names `path`.
  bool lists(const std::string& key, const std::string& path) const;

  /// info/KEY.md5sums as host path -> md5 hex (conffiles are not in it).
  bool md5sums(const std::string& key, std::map<std::string, std::string>* out) const;

  /// True while a dpkg run holds its lock (ROOT/var/lib/dpkg/lock, an fcntl
  /// lock): files and database disagree until it ends.
  bool busy() const;

 private:
  std::string canonical(std::string path) const;
  /// The alias a listed path starts with ("/bin"), or empty when it needs no translation.
  std::string_view alias_of(std::string_view path) const;

  std::string root_;  // "" or "/host"
  std::vector<std::string> usr_aliases_;  // "/bin", "/sbin", ... that are symlinks into /usr
  std::map<std::string, DpkgPackage> packages_;
};

}  // namespace drift
