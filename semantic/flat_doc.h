// What every reader makes of a config file: an ordered map from key path to
// the value the owner of the file will use, each with the file and line it
// came from (where the library gives lines). One shape for YAML, TOML, JSON,
// kubelet flags, sshd_config and sysctl.d, so the differ and the expectations
// know no format.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace drift {

struct FlatValue {
  std::string value;
  std::string file;  // the file that set it ("" for a single text)
  int line = 0;      // 1-based; 0 where the library gives none (JSON)
};

struct FlatDoc {
  std::map<std::string, FlatValue> values;  // key path text -> value
  std::vector<std::string> order;           // key paths in file order
  std::string error;                        // non-empty: the file does not parse
  std::string error_file;
  int error_line = 0;

  bool ok() const { return error.empty(); }
  /// A document that does not parse: no values, the error and where it is.
  static FlatDoc failed(std::string message, int line = 0, std::string file = "") {
    FlatDoc d;
    d.error = std::move(message);
    d.error_line = line;
    d.error_file = std::move(file);
    return d;
  }
  const FlatValue* find(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? nullptr : &it->second;
  }
  /// Sets key (appending it to `order` the first time).
  void set(const std::string& key, FlatValue v) {
    auto [it, fresh] = values.insert_or_assign(key, std::move(v));
    if (fresh) order.push_back(key);
  }
  void erase(const std::string& key);
  /// "file:line: message" (or "line N: message" for a single text).
  std::string error_text() const;
};

/// How readers reach other files (Include, imports, sysctl.d): host paths,
/// answered beneath a root by root_file_source, from memory in tests.
struct FileSource {
  /// Reads a host path; false (with err) if missing or unreadable.
  std::function<bool(const std::string& path, std::string* text, std::string* err)> read;
  /// Host paths matching a glob(3) pattern, sorted as glob(3) sorts them.
  std::function<std::vector<std::string>(const std::string& pattern)> glob;
  /// A symlink's target; false if the path is not a symlink.
  std::function<bool(const std::string& path, std::string* target)> read_link;
};

/// The host's files beneath `root` (glob(3), bounded reads, lstat/readlink).
FileSource root_file_source(const std::string& root);

}  // namespace drift
