// Whitespace-separated words (space, tab, newline), as sources.list lines and
// kubelet's flag variables are split: one helper for both readers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace drift {

inline std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace drift
