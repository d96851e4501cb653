// Helpers for the semantic tests: an in-memory FileSource (host path ->
// text, symlinks) and the real files under tests/fixtures/semantic.
#pragma once

#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

#include "lib/atomic_file.h"
#include "semantic/flat_doc.h"

namespace drift::test {

struct MemFiles {
  std::map<std::string, std::string> files;  // host path -> text
  std::map<std::string, std::string> links;  // host path -> target

  FileSource source() const {
    FileSource s;
    s.read = [this](const std::string& path, std::string* text, std::string* err) {
      auto l = links.find(path);
      if (l != links.end() && l->second == "/dev/null") {
        text->clear();
        return true;
      }
      auto it = files.find(path);
      if (it == files.end()) {
        *err = path + ": no such file";
        return false;
      }
      *text = it->second;
      return true;
    };
    s.glob = [this](const std::string& pattern) {
      std::vector<std::string> out;
      for (const auto& [p, t] : files) {
        if (::fnmatch(pattern.c_str(), p.c_str(), FNM_PATHNAME) == 0) out.push_back(p);
      }
      for (const auto& [p, t] : links) {
        if (!files.count(p) && ::fnmatch(pattern.c_str(), p.c_str(), FNM_PATHNAME) == 0) out.push_back(p);
      }
      std::sort(out.begin(), out.end());
      return out;
    };
    s.read_link = [this](const std::string& path, std::string* target) {
      auto it = links.find(path);
      if (it == links.end()) return false;
      *target = it->second;
      return true;
    };
    return s;
  }
};

/// A file of tests/fixtures/semantic.
inline std::string fixture(const std::string& name) {
  std::string text, err;
  const std::string path = std::string(DRIFTD_SEMANTIC_FIXTURES) + "/" + name;
  if (!read_whole_file(path, &text, &err)) throw std::runtime_error("fixture " + path + ": " + err);
  return text;
}

/// `text` with the first occurrence of `from` replaced by `to` (which must exist).
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("fixture lacks '" + from + "'");
  return text.replace(at, from.size(), to);
}

}  // namespace drift::test
