// The natural key of a list, shared by the tree readers (YAML, JSON): a list
// of mappings is keyed by the first candidate field that every item holds as
// a scalar, each value unique (`containers[name=kube-apiserver]`,
// `plugins[type=calico]`); otherwise items are `[N]`. Keyed items keep their
// path when the list is reordered, which is what makes a reordering no diff.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace drift {

/// `fields[i][c]`: item i's scalar value of candidates[c], or nullopt.
inline std::string natural_list_key(const std::vector<std::vector<std::optional<std::string>>>& fields,
                                    const std::vector<std::string>& candidates) {
  if (fields.empty()) return "";
  for (size_t c = 0; c < candidates.size(); ++c) {
    std::set<std::string> seen;
    bool all = true;
    for (const auto& item : fields) {
      if (!item[c] || !seen.insert(*item[c]).second) {
        all = false;
        break;
      }
    }
    if (all) return candidates[c];
  }
  return "";
}

}  // namespace drift
