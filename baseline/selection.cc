// Path selection. Entries may overlap (/etc, and /etc/ssh with other rules):
// the most specific entry decides recursion, severity and ignored attributes,
// while excludes accumulate from every enclosing entry, so an `*.swp` exclude
// on /etc also holds in /etc/ssh.
#include "baseline/selection.h"

#include <fnmatch.h>

#include <algorithm>

namespace drift {

bool glob_matches(const std::string& glob, const std::string& path) {
  if (glob.find('/') != std::string::npos) return fnmatch(glob.c_str(), path.c_str(), 0) == 0;
  const size_t slash = path.rfind('/');
  const char* base = path.c_str() + (slash == std::string::npos ? 0 : slash + 1);
  return fnmatch(glob.c_str(), base, 0) == 0;
}

bool path_is_under(const std::string& path, const std::string& root) {
  if (root == "/") return !path.empty() && path[0] == '/';
  return path.size() >= root.size() && path.compare(0, root.size(), root) == 0 &&
         (path.size() == root.size() || path[root.size()] == '/');
}

Selection::Selection(std::vector<PathRule> rules) : rules_(std::move(rules)) {
  std::sort(rules_.begin(), rules_.end(),
            [](const PathRule& a, const PathRule& b) { return a.path < b.path; });
  for (const PathRule& r : rules_) roots_.insert(r.path);
}

std::vector<std::string> Selection::excludes_enclosing(const std::string& path) const {
  std::vector<std::string> globs;
  for (const PathRule& r : rules_) {
    if (path_is_under(path, r.path)) globs.insert(globs.end(), r.exclude.begin(), r.exclude.end());
  }
  return globs;
}

const PathRule* Selection::rule_for(const std::string& path) const {
  const PathRule* best = nullptr;
  for (const PathRule& r : rules_) {
    if (path_is_under(path, r.path) && (!best || r.path.size() > best->path.size())) best = &r;
  }
  return best;
}

bool Selection::excluded(const std::string& path) const {
  if (is_rule_root(path)) return false;
  for (const std::string& g : excludes_enclosing(path)) {
    if (glob_matches(g, path)) return true;
  }
  return false;
}


}  // namespace drift
