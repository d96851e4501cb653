// Entry record helpers and the attribute table.
#include "baseline/entry.h"

#include <algorithm>
#include <cstdio>

#include "baseline/escape.h"

namespace drift {

const std::array<AttrInfo, static_cast<size_t>(Attr::kCount)> kAttributes = {{
    {Attr::kType, "type", "type"},
    {Attr::kMode, "mode", "mode"},
    {Attr::kUid, "uid", "uid"},
    {Attr::kGid, "gid", "gid"},
    {Attr::kSize, "size", "size"},
    {Attr::kMtime, "mtime", "mtime"},
    {Attr::kCtime, "ctime", "ctime"},
    {Attr::kInode, "inode", "inode"},
    {Attr::kNlink, "nlink", "links"},
    {Attr::kTarget, "target", "symlink target"},
    {Attr::kSha256, "sha256", "sha256"},
    {Attr::kXattrs, "xattrs", "xattrs"},
    {Attr::kValue, "value", "value"},
}};

const char* attr_token(Attr attr) { return kAttributes[static_cast<size_t>(attr)].token; }

bool parse_attr(std::string_view token, Attr* attr) {
  for (const auto& info : kAttributes) {
    if (token == info.token) { *attr = info.attr; return true; }
  }
  return false;
}

const char* entry_type_name(EntryType type) {
  switch (type) {
    case EntryType::kFile: return "file";
    case EntryType::kDirectory: return "directory";
    case EntryType::kSymlink: return "symlink";
    case EntryType::kFifo: return "fifo";
    case EntryType::kSocket: return "socket";
    case EntryType::kCharDevice: return "char-device";
    case EntryType::kBlockDevice: return "block-device";
    case EntryType::kRuntime: return "runtime";
    case EntryType::kUnknown: break;
  }
  return "unknown";
}

const char* entry_status_name(EntryStatus status) {
  switch (status) {
    case EntryStatus::kOk: return "ok";
    case EntryStatus::kUnreadable: return "unreadable";
    case EntryStatus::kVanished: return "vanished";
    case EntryStatus::kChangedWhileReading: return "changed-while-reading";
    case EntryStatus::kSpecial: return "special";
  }
  return "unknown";
}

bool parse_entry_status(std::string_view text, EntryStatus* status) {
  for (auto s : {EntryStatus::kOk, EntryStatus::kUnreadable, EntryStatus::kVanished,
                 EntryStatus::kChangedWhileReading, EntryStatus::kSpecial}) {
    if (text == entry_status_name(s)) { *status = s; return true; }
  }
  return false;
}

bool status_is_incomplete(EntryStatus status) {
  return status == EntryStatus::kUnreadable || status == EntryStatus::kVanished ||
         status == EntryStatus::kChangedWhileReading;
}

const char* severity_name(Severity severity) {
  return severity == Severity::kCritical ? "critical" : "warning";
}

bool parse_severity(std::string_view text, Severity* severity) {
  if (text == "critical") { *severity = Severity::kCritical; return true; }
  if (text == "warning") { *severity = Severity::kWarning; return true; }
  return false;
}

std::string hex_encode(const uint8_t* data, size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

bool hex_decode(std::string_view hex, std::string* bytes) {
  if (hex.size() % 2) return false;
  bytes->clear();
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    bytes->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

void sort_entries(std::vector<Entry>* entries) {
  // std::string compares as unsigned char via char_traits<char>::compare (memcmp),
  // which is exactly "sorted by path bytes".
  std::sort(entries->begin(), entries->end(),
            [](const Entry& a, const Entry& b) { return a.path < b.path; });
}

AttrSet differing_attrs(const Entry& a, const Entry& b) {
  AttrSet d;
  if (a.type != b.type) d.add(Attr::kType);
  if (a.mode != b.mode) d.add(Attr::kMode);
  if (a.uid != b.uid) d.add(Attr::kUid);
  if (a.gid != b.gid) d.add(Attr::kGid);
  // Size is meaningful for files and symlinks; a directory's size is a
  // file-system detail that the children's changes explain (see compare.cc).
  if (a.size != b.size) d.add(Attr::kSize);
  if (a.mtime_ns != b.mtime_ns) d.add(Attr::kMtime);
  if (a.ctime_ns != b.ctime_ns) d.add(Attr::kCtime);
  if (a.inode != b.inode) d.add(Attr::kInode);
  if (a.nlink != b.nlink) d.add(Attr::kNlink);
  // One field, two meanings: a symlink's target, a runtime entry's value.
  if (a.target != b.target) d.add(a.type == EntryType::kRuntime && b.type == EntryType::kRuntime ? Attr::kValue : Attr::kTarget);
  if (a.has_sha256 != b.has_sha256 || (a.has_sha256 && a.sha256 != b.sha256)) d.add(Attr::kSha256);
  if (a.xattrs != b.xattrs) d.add(Attr::kXattrs);
  return d;
}

namespace {
std::string format_time_ns(int64_t ns) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1000000000),
                static_cast<long long>(ns % 1000000000 < 0 ? -(ns % 1000000000) : ns % 1000000000));
  return buf;
}
}  // namespace

std::string attr_value_text(const Entry& e, Attr attr) {
  char buf[32];
  switch (attr) {
    case Attr::kType: return entry_type_name(e.type);
    case Attr::kMode: std::snprintf(buf, sizeof buf, "%04o", e.mode); return buf;
    case Attr::kUid: return std::to_string(e.uid);
    case Attr::kGid: return std::to_string(e.gid);
    case Attr::kSize: return std::to_string(e.size);
    case Attr::kMtime: return format_time_ns(e.mtime_ns);
    case Attr::kCtime: return format_time_ns(e.ctime_ns);
    case Attr::kInode: return std::to_string(e.inode);
    case Attr::kNlink: return std::to_string(e.nlink);
    case Attr::kTarget: return escape_bytes(e.target);
    case Attr::kValue: return escape_bytes(e.target);
    case Attr::kSha256: return e.has_sha256 ? hex_encode(e.sha256) : "-";
    case Attr::kXattrs: {
      if (e.xattrs.empty()) return "-";
      std::string out;
      for (const auto& [name, value] : e.xattrs) {
        if (!out.empty()) out += ',';
        out += escape_bytes(name) + "=0x" +
               hex_encode(reinterpret_cast<const uint8_t*>(value.data()), value.size());
      }
      return out;
    }
    case Attr::kCount: break;
  }
  return "";
}

}  // namespace drift
