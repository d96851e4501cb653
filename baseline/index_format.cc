// Index encoding. Like ninja's logs and AIDE's database, the file starts with a
// version line, declares its field order, and ends with an end marker carrying
// the entry count, so a truncated or reordered index is detected rather than
// silently read as "fewer files". One entry per line, tab-separated; paths,
// symlink targets and xattr names go through escape_bytes, so any bytes in a
// name round-trip exactly and no field can contain a tab or newline.
#include "baseline/index_format.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "baseline/escape.h"

namespace drift {
namespace {

// Version 1 had 16 fields; version 2 appends `package`, the 1-based row of the
// baseline's package table that owned the entry (0: no package). Version 3
// has version 2's fields and admits type 'r' (a runtime entry, its value in
// the `target` field).
constexpr std::string_view kFieldsLineV1 =
    "fields path type status severity mode uid gid size mtime_ns ctime_ns inode nlink sha256 "
    "target xattrs snapshot";
constexpr std::string_view kFieldsLine =
    "fields path type status severity mode uid gid size mtime_ns ctime_ns inode nlink sha256 "
    "target xattrs snapshot package";

template <typename T>
bool parse_number(std::string_view s, T* out, int base = 10) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> split(std::string_view line, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t pos = line.find(sep, start);
    if (pos == std::string_view::npos) { parts.push_back(line.substr(start)); break; }
    parts.push_back(line.substr(start, pos - start));
    start = pos + 1;
  }
  return parts;
}

std::string encode_xattrs(const Entry& e) {
  std::string out;
  for (const auto& [name, value] : e.xattrs) {
    if (!out.empty()) out += ';';
    // Names are escaped text; '=' and ';' never appear in xattr names we keep.
    out += escape_bytes(name);
    out += '=';
    out += hex_encode(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  }
  return out;
}

bool decode_xattrs(std::string_view field, Entry* e) {
  if (field.empty()) return true;
  for (auto item : split(field, ';')) {
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return false;
    std::string name, value;
    if (!unescape_bytes(item.substr(0, eq), &name) || !hex_decode(item.substr(eq + 1), &value)) {
      return false;
    }
    e->xattrs.emplace_back(std::move(name), std::move(value));
  }
  return true;
}

bool decode_entry(std::string_view line, int version, Entry* e, std::string* what) {
  const auto f = split(line, '\t');
  const size_t field_count = version >= 2 ? 17 : 16;
  if (f.size() != field_count) { *what = "expected " + std::to_string(field_count) + " fields"; return false; }
  if (!unescape_bytes(f[0], &e->path) || e->path.empty()) { *what = "bad path"; return false; }
  if (f[1].size() != 1) { *what = "bad type"; return false; }
  e->type = static_cast<EntryType>(f[1][0]);
  if (std::string_view("fdlpscb?").find(f[1][0]) == std::string_view::npos &&
      !(version >= 3 && e->type == EntryType::kRuntime)) {
    *what = "bad type"; return false;
  }
  if (!parse_entry_status(f[2], &e->status)) { *what = "bad status"; return false; }
  if (!parse_severity(f[3], &e->severity)) { *what = "bad severity"; return false; }
  if (!parse_number(f[4], &e->mode, 8) || e->mode > 07777) { *what = "bad mode"; return false; }
  if (!parse_number(f[5], &e->uid) || !parse_number(f[6], &e->gid)) { *what = "bad owner"; return false; }
  if (!parse_number(f[7], &e->size)) { *what = "bad size"; return false; }
  if (!parse_number(f[8], &e->mtime_ns) || !parse_number(f[9], &e->ctime_ns)) {
    *what = "bad time"; return false;
  }
  if (!parse_number(f[10], &e->inode) || !parse_number(f[11], &e->nlink)) {
    *what = "bad inode or nlink"; return false;
  }
  if (f[12] == "-") {
    e->has_sha256 = false;
  } else {
    std::string bytes;
    if (!hex_decode(f[12], &bytes) || bytes.size() != 32) { *what = "bad sha256"; return false; }
    std::copy(bytes.begin(), bytes.end(), e->sha256.begin());
    e->has_sha256 = true;
  }
  if (!unescape_bytes(f[13], &e->target)) { *what = "bad symlink target"; return false; }
  if (!decode_xattrs(f[14], e)) { *what = "bad xattrs"; return false; }
  if (f[15] != "0" && f[15] != "1") { *what = "bad snapshot flag"; return false; }
  e->snapshot = f[15] == "1";
  if (version >= 2 && !parse_number(f[16], &e->package)) { *what = "bad package"; return false; }
  return true;
}

}  // namespace

namespace {

void append_entry_line(const Entry& e, std::string* out) {
  char num[160];
  *out += escape_bytes(e.path);
  std::snprintf(num, sizeof num, "\t%c\t%s\t%s\t%o\t%u\t%u\t%llu\t%lld\t%lld\t%llu\t%llu\t",
                static_cast<char>(e.type), entry_status_name(e.status),
                severity_name(e.severity), e.mode, e.uid, e.gid,
                static_cast<unsigned long long>(e.size), static_cast<long long>(e.mtime_ns),
                static_cast<long long>(e.ctime_ns), static_cast<unsigned long long>(e.inode),
                static_cast<unsigned long long>(e.nlink));
  *out += num;
  *out += e.has_sha256 ? hex_encode(e.sha256) : "-";
  *out += '\t';
  *out += escape_bytes(e.target);
  *out += '\t';
  *out += encode_xattrs(e);
  *out += e.snapshot ? "\t1\t" : "\t0\t";
  *out += std::to_string(e.package);
  *out += '\n';
}

}  // namespace

void encode_index_to(const std::vector<Entry>& entries, const std::function<void(std::string_view)>& sink) {
  const bool runtime = std::any_of(entries.begin(), entries.end(),
                                   [](const Entry& e) { return e.type == EntryType::kRuntime; });
  std::string chunk = "driftd-index " + std::to_string(runtime ? kIndexVersion : kIndexVersionWithoutRuntime) + "\n";
  chunk += kFieldsLine;
  chunk += '\n';
  chunk.reserve((1 << 16) + 4096);
  for (const Entry& e : entries) {
    append_entry_line(e, &chunk);
    if (chunk.size() >= (1 << 16)) {
      sink(chunk);
      chunk.clear();
    }
  }
  chunk += "end " + std::to_string(entries.size()) + "\n";
  sink(chunk);
}

size_t encoded_index_size(const std::vector<Entry>& entries) {
  size_t size = 0;
  encode_index_to(entries, [&size](std::string_view piece) { size += piece.size(); });
  return size;
}

std::string encode_index(const std::vector<Entry>& entries) {
  std::string out;
  out.reserve(entries.size() * 160 + 128);
  encode_index_to(entries, [&out](std::string_view piece) { out += piece; });
  return out;
}

IndexDecoder::IndexDecoder(std::vector<Entry>* entries, size_t expected) : entries_(entries) {
  entries_->clear();
  // Reserve once: the entry list is the bulk of a check's memory, and growing
  // it by doubling would briefly hold it one and a half times.
  if (expected) entries_->reserve(expected);
}

bool IndexDecoder::feed(std::string_view data, std::string* err) {
  while (!data.empty()) {
    if (done_) {
      *err = "index line " + std::to_string(line_no_ + 1) + ": data after end marker";
      return false;
    }
    const size_t nl = data.find('\n');
    if (carry_.size() + (nl == std::string_view::npos ? data.size() : nl) > kIndexMaxLineBytes) {
      *err = "index line " + std::to_string(line_no_ + 1) + ": longer than " + std::to_string(kIndexMaxLineBytes) + " bytes";
      return false;
    }
    if (nl == std::string_view::npos) {
      carry_.append(data);
      return true;
    }
    bool ok;
    if (carry_.empty()) {
      ok = line(data.substr(0, nl), err);
    } else {
      carry_.append(data.substr(0, nl));
      ok = line(carry_, err);
      carry_.clear();
    }
    if (!ok) return false;
    data.remove_prefix(nl + 1);
  }
  return true;
}

bool IndexDecoder::finish(std::string* err) {
  if (!done_ || !carry_.empty()) {
    *err = line_no_ == 0 ? "index: not a driftd index" : "index: truncated (no end marker)";
    return false;
  }
  return true;
}

bool IndexDecoder::line(std::string_view line, std::string* err) {
  ++line_no_;
  if (line_no_ == 1) {
    if (line.substr(0, 13) != "driftd-index ") {
      *err = "index: not a driftd index";
      return false;
    }
    if (!parse_number(line.substr(13), &version_) || version_ < kIndexOldestVersion || version_ > kIndexVersion) {
      *err = "index: unsupported format version '" + escape_bytes(line.substr(13)) + "' (this build reads " +
             std::to_string(kIndexOldestVersion) + ".." + std::to_string(kIndexVersion) + ")";
      return false;
    }
    return true;
  }
  if (line_no_ == 2) {
    if (line != (version_ >= 2 ? kFieldsLine : kFieldsLineV1)) {
      *err = "index line 2: unexpected field list";
      return false;
    }
    return true;
  }
  if (line.substr(0, 4) == "end ") {
    size_t count = 0;
    if (!parse_number(line.substr(4), &count) || count != entries_->size()) {
      *err = "index line " + std::to_string(line_no_) + ": end marker count does not match";
      return false;
    }
    done_ = true;
    return true;
  }
  Entry e;
  std::string what;
  if (!decode_entry(line, version_, &e, &what)) {
    *err = "index line " + std::to_string(line_no_) + ": " + what;
    return false;
  }
  if (!entries_->empty() && !(entries_->back().path < e.path)) {
    *err = "index line " + std::to_string(line_no_) + ": entries not in canonical order";
    return false;
  }
  entries_->push_back(std::move(e));
  return true;
}

bool decode_index(std::string_view text, std::vector<Entry>* entries, std::string* err) {
  IndexDecoder decoder(entries, static_cast<size_t>(std::count(text.begin(), text.end(), '\n')));
  return decoder.feed(text, err) && decoder.finish(err);
}

}  // namespace drift
