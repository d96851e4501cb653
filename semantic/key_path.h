// Key paths: the one syntax in which driftd names a key inside a config file,
// in reports, JSON, Loki lines and `expect:` alike. Segments are joined by
// `.`; a segment holding `.`, `"`, `[`, `]`, `=` or white space (or nothing)
// is double-quoted as TOML quotes keys (`evictionHard."memory.available"`);
// list items are `[N]`, or `[field=value]` where the list has a natural key
// (CNI plugins by `type`, static pod containers by `name`). One parser and one
// formatter, so what a report prints an expectation can name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace drift {

struct KeySegment {
  enum class Kind { kName, kIndex, kSelect };
  Kind kind = Kind::kName;
  std::string name;    // kName: the key; kSelect: the field
  size_t index = 0;    // kIndex
  std::string value;   // kSelect: the field's value
  bool operator==(const KeySegment&) const = default;
};

using KeyPath = std::vector<KeySegment>;

KeySegment key_name(std::string name);
KeySegment key_index(size_t index);
KeySegment key_select(std::string field, std::string value);

/// The text of a path: `a."b.c"[2].d[type=calico].mtu`.
std::string format_key_path(const KeyPath& path);

/// A key appended to a formatted path (`prefix.name`, quoted as needed).
std::string join_key(const std::string& prefix, std::string_view name);

/// Parses the text of a path. False with `err` naming the offset on junk
/// (an unterminated quote, `[x]`, an empty bare segment, a trailing `.`).
bool parse_key_path(std::string_view text, KeyPath* path, std::string* err);

}  // namespace drift
