// The entry record: what driftd knows about one file-system entry, and the
// attribute table that names each comparable attribute once.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace drift {

enum class EntryType : char {
  kFile = 'f', kDirectory = 'd', kSymlink = 'l', kFifo = 'p',
  kSocket = 's', kCharDevice = 'c', kBlockDevice = 'b', kUnknown = '?',
  // Not a file: a piece of the running kernel's state (runtime/), named
  // "module:nf_tables", "sysctl:kernel.kptr_restrict", ...; its value text is
  // kept in Entry::target and compared as the attribute `value`.
  kRuntime = 'r',
};

/// True for a runtime entry's path ("module:x"): every file path starts with '/'.
inline bool is_runtime_path(std::string_view path) { return !path.empty() && path[0] != '/'; }

/// Name of an entry type for reports ("file", "directory", ...).
const char* entry_type_name(EntryType type);

/// How far driftd got reading an entry. Anything but kOk makes a scan incomplete,
/// except kSpecial, which is a fact about the entry, not a failure.
enum class EntryStatus : uint8_t {
  kOk,
  kUnreadable,           // open/read/readlink failed (EACCES, EIO, ...)
  kVanished,             // listed by readdir, gone before it could be read
  kChangedWhileReading,  // fstat after open differs from the walk's lstat
  kSpecial,              // FIFO, socket or device: metadata only, never opened
};

const char* entry_status_name(EntryStatus status);
bool parse_entry_status(std::string_view text, EntryStatus* status);
/// True for statuses that make a scan incomplete (exit bit 8).
bool status_is_incomplete(EntryStatus status);

enum class Severity : uint8_t { kWarning, kCritical };
const char* severity_name(Severity severity);
bool parse_severity(std::string_view text, Severity* severity);

/// The comparable attributes. One table (kAttributes) maps each to its config
/// token and report label, as AIDE's attribute table does.
enum class Attr : uint8_t {
  kType, kMode, kUid, kGid, kSize, kMtime, kCtime, kInode, kNlink, kTarget, kSha256, kXattrs,
  kValue,  // a runtime entry's value (held in Entry::target)
  kCount
};

struct AttrInfo {
  Attr attr;
  const char* token;  // config `ignore:` token and JSON key
  const char* label;  // report label
};
extern const std::array<AttrInfo, static_cast<size_t>(Attr::kCount)> kAttributes;

const char* attr_token(Attr attr);
bool parse_attr(std::string_view token, Attr* attr);

/// A set of attributes as a bit mask.
class AttrSet {
 public:
  void add(Attr a) { bits_ |= 1u << static_cast<unsigned>(a); }
  bool has(Attr a) const { return bits_ & (1u << static_cast<unsigned>(a)); }
  bool empty() const { return bits_ == 0; }
  AttrSet without(AttrSet other) const { AttrSet s; s.bits_ = bits_ & ~other.bits_; return s; }
  bool subset_of(AttrSet other) const { return (bits_ & ~other.bits_) == 0; }
  bool operator==(const AttrSet&) const = default;
  uint32_t bits() const { return bits_; }
  static AttrSet from_bits(uint32_t bits) { AttrSet s; s.bits_ = bits; return s; }

 private:
  uint32_t bits_ = 0;
};

using Sha256 = std::array<uint8_t, 32>;
std::string hex_encode(const uint8_t* data, size_t size);
inline std::string hex_encode(const Sha256& d) { return hex_encode(d.data(), d.size()); }
bool hex_decode(std::string_view hex, std::string* bytes);

/// One file-system entry as recorded in a baseline index.
struct Entry {
  // Laid out without padding holes (192 bytes): two entry lists are most of
  // a check's memory.
  std::string path;  // host path, raw bytes (not escaped)
  EntryType type = EntryType::kUnknown;
  EntryStatus status = EntryStatus::kOk;
  Severity severity = Severity::kWarning;
  bool has_sha256 = false;
  uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky (st_mode & 07777)
  uint32_t uid = 0, gid = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;
  uint64_t inode = 0, nlink = 0;
  std::string target;  // symlink target, raw bytes; a runtime entry's value
  Sha256 sha256{};
  std::vector<std::pair<std::string, std::string>> xattrs;  // sorted by name; integrity xattrs only
  uint32_t package = 0;   // 1-based row of the baseline's package table that owned it; 0: none
  bool snapshot = false;  // the baseline holds a content snapshot (keyed by sha256)

  // Scan-time facts, never stored in an index:
  bool churn_below = false;  // an excluded child was skipped in this directory
  uint64_t device = 0;
};

/// Sorts entries by path bytes (the canonical index order).
void sort_entries(std::vector<Entry>* entries);

/// Which attributes differ between two records of the same path.
AttrSet differing_attrs(const Entry& before, const Entry& after);

/// Human-readable value of one attribute of an entry ("0644", "root"...), escaped.
std::string attr_value_text(const Entry& e, Attr attr);

}  // namespace drift
