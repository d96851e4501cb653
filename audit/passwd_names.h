// Login names for uids when the audit log is not ENRICHED: read by driftd
// itself from --root/etc/passwd (fgetpwent on that file, never NSS:
// getpwuid would read the container's passwd, and Landlock denies it). The
// file is opened beneath the root, must be a regular file, and is bounded in
// bytes and entries.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

namespace drift {

inline constexpr uint64_t kMaxPasswdBytes = 16ull << 20;
inline constexpr size_t kMaxPasswdEntries = 200000;

class PasswdNames {
 public:
  /// Reads root/etc/passwd. A missing or unreadable file gives no names and a
  /// reason in *err (not an error for the caller: names are optional).
  bool load(const std::string& root, std::string* err);
  /// The name of uid, or "" when unknown.
  std::string name_of(uint32_t uid) const;
  size_t size() const { return names_.size(); }

 private:
  std::unordered_map<uint32_t, std::string> names_;
};

}  // namespace drift
