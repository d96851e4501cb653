// Comparison. A merge walk over two path-sorted lists, then one pass that drops
// directories whose change is only the echo of their children's: adding a file
// bumps the parent's mtime, ctime and maybe size and nlink, and AIDE reports
// the parent too; we report the one added file. The same holds when the
// directory contains excluded churn (an editor's swap file, Calico's token):
// the scan marks such directories (Entry::churn_below).
#include "baseline/compare.h"

#include <set>

namespace drift {

const char* drift_kind_name(DriftKind kind) {
  switch (kind) {
    case DriftKind::kAdded: return "added";
    case DriftKind::kRemoved: return "removed";
    case DriftKind::kChanged: return "changed";
  }
  return "?";
}

int Comparison::exit_bits() const {
  return (added ? kExitAdded : 0) | (removed ? kExitRemoved : 0) | (changed ? kExitChanged : 0);
}

namespace {

AttrSet unknown_attrs(const Entry& e) {
  AttrSet s;
  if (e.status != EntryStatus::kOk && e.status != EntryStatus::kSpecial) s.add(Attr::kSha256);
  if (e.status == EntryStatus::kVanished) {
    // Nothing reliable beyond the walk's lstat may be known.
    s.add(Attr::kXattrs);
    s.add(Attr::kTarget);
  }
  return s;
}

}  // namespace

AttrSet information_attrs(EntryType type) {
  AttrSet s;
  s.add(Attr::kMtime);
  s.add(Attr::kCtime);
  s.add(Attr::kInode);
  if (type == EntryType::kDirectory) s.add(Attr::kSize);
  return s;
}

namespace {

AttrSet directory_echo_attrs() {
  AttrSet s;
  s.add(Attr::kMtime);
  s.add(Attr::kCtime);
  s.add(Attr::kSize);
  s.add(Attr::kNlink);
  return s;
}

}  // namespace

Comparison compare_entries(const std::vector<Entry>& before, const std::vector<Entry>& after,
                           const ComparePolicy& policy) {
  Comparison c;
  auto severity_of = [&](const Entry& e) {
    return policy.severity ? policy.severity(e.path) : e.severity;
  };
  size_t i = 0, j = 0;
  while (i < before.size() || j < after.size()) {
    if (j == after.size() || (i < before.size() && before[i].path < after[j].path)) {
      c.drifts.push_back({DriftKind::kRemoved, &before[i], nullptr, {}, severity_of(before[i]), {}});
      ++i;
    } else if (i == before.size() || after[j].path < before[i].path) {
      c.drifts.push_back({DriftKind::kAdded, nullptr, &after[j], {}, severity_of(after[j]), {}});
      ++j;
    } else {
      AttrSet changed = differing_attrs(before[i], after[j])
                            .without(unknown_attrs(before[i]))
                            .without(unknown_attrs(after[j]));
      if (policy.ignored) changed = changed.without(policy.ignored(after[j].path));
      if (!changed.empty()) {
        const bool same_type = before[i].type == after[j].type;
        Drift d{DriftKind::kChanged, &before[i], &after[j], changed, severity_of(after[j]), {}};
        if (same_type && changed.subset_of(information_attrs(after[j].type))) c.touched.push_back(d);
        else c.drifts.push_back(d);
      }
      ++i;
      ++j;
    }
  }

  // Directories whose children were added, removed or replaced (new inode or type).
  std::set<std::string> explained_parents;
  for (const Drift& d : c.drifts) {
    if (d.kind != DriftKind::kChanged || d.changed.has(Attr::kInode) || d.changed.has(Attr::kType)) {
      explained_parents.insert(directory_of(d.path()));
    }
  }
  const AttrSet echo = directory_echo_attrs();
  std::vector<Drift> kept;
  kept.reserve(c.drifts.size());
  for (const Drift& d : c.drifts) {
    if (d.kind == DriftKind::kChanged && d.before->type == EntryType::kDirectory &&
        d.after->type == EntryType::kDirectory && d.changed.subset_of(echo) &&
        (d.after->churn_below || explained_parents.count(d.path()))) {
      continue;
    }
    kept.push_back(d);
  }
  c.drifts = std::move(kept);
  for (const Drift& d : c.drifts) {
    if (d.kind == DriftKind::kAdded) ++c.added;
    else if (d.kind == DriftKind::kRemoved) ++c.removed;
    else ++c.changed;
  }
  return c;
}

}  // namespace drift
