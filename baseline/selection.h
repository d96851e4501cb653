// Path selection: which host paths a scan covers and with which rule.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "baseline/entry.h"

namespace drift {

/// One `paths:` entry of the config.
struct PathRule {
  std::string path;                  // absolute host path, no trailing slash
  bool recursive = true;
  std::vector<std::string> exclude;  // globs (see glob_matches)
  AttrSet ignore;
  Severity severity = Severity::kWarning;
  bool cross_mounts = false;
  int line = 0;                      // config line, for messages
};

/// Glob semantics for exclude and content lists: a glob containing '/' is
/// matched against the whole host path and '*' may cross '/'; a glob without
/// '/' is matched against the last path component only.
bool glob_matches(const std::string& glob, const std::string& path);

/// True if `path` is `root` or below it (component-wise).
bool path_is_under(const std::string& path, const std::string& root);

class Selection {
 public:
  explicit Selection(std::vector<PathRule> rules);

  const std::vector<PathRule>& rules() const { return rules_; }
  /// The most specific rule for a path (longest rule path enclosing it), or null.
  const PathRule* rule_for(const std::string& path) const;
  /// True if a path is excluded: a glob of the most specific rule or of any
  /// enclosing rule matches it. A rule's own path is never excluded.
  bool excluded(const std::string& path) const;
  /// True if `path` is some rule's own path (walked as its own root).
  bool is_rule_root(const std::string& path) const { return roots_.count(path) > 0; }
  /// The exclude globs of every rule enclosing `path` (itself included).
  std::vector<std::string> excludes_enclosing(const std::string& path) const;

 private:
  std::vector<PathRule> rules_;  // sorted by path bytes
  std::set<std::string> roots_;
};

}  // namespace drift
