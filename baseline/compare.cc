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


// Runtime paths sort after every file path ('/' is below every letter):
// where they start in a sorted list.
size_t runtime_start(const std::vector<Entry>& sorted) {
  size_t n = sorted.size();
  while (n > 0 && is_runtime_path(sorted[n - 1].path)) --n;
  return n;
}

}  // namespace

Comparison compare_entries(const std::vector<Entry>& before, const std::vector<Entry>& after,
                           const ComparePolicy& policy) {
  Comparison c;
  auto severity_of = [&](const Entry& e) {
    if (e.type == EntryType::kRuntime) return e.severity;
    return policy.severity ? policy.severity(e.path) : e.severity;
  };
  // A side without any runtime entry does not know the kernel's state: the
  // other side's runtime entries are counted, not compared.
  size_t before_end = before.size(), after_end = after.size();
  const size_t before_runtime = before.size() - runtime_start(before);
  const size_t after_runtime = after.size() - runtime_start(after);
  if (before_runtime == 0 || after_runtime == 0) {
    c.runtime_only_before = before_runtime;
    c.runtime_only_after = after_runtime;
    before_end -= before_runtime;
    after_end -= after_runtime;
  }
  size_t i = 0, j = 0;
  while (i < before_end || j < after_end) {
    if (j == after_end || (i < before_end && before[i].path < after[j].path)) {
      c.drifts.push_back({DriftKind::kRemoved, &before[i], nullptr, {}, severity_of(before[i]), {}});
      ++i;
    } else if (i == before_end || after[j].path < before[i].path) {
      c.drifts.push_back({DriftKind::kAdded, nullptr, &after[j], {}, severity_of(after[j]), {}});
      ++j;
    } else {
      AttrSet changed = differing_attrs(before[i], after[j])
                            .without(unknown_attrs(before[i]))
                            .without(unknown_attrs(after[j]));
      if (policy.ignored) changed = changed.without(policy.ignored(after[j].path));
      if (!changed.empty()) {
        // A runtime entry's severity is the worse of its two records: a
        // module's critical (no package ships it) holds either way.
        Severity severity = severity_of(after[j]);
        if (after[j].type == EntryType::kRuntime && before[i].severity == Severity::kCritical) severity = Severity::kCritical;
        const bool same_type = before[i].type == after[j].type;
        Drift d{DriftKind::kChanged, &before[i], &after[j], changed, severity, {}};
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
