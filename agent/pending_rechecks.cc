// The re-check batch (see the header).
#include "agent/pending_rechecks.h"

#include <set>
#include <string>

#include "lib/paths.h"

namespace drift {

void PendingRechecks::add(const std::vector<RecheckScope>& scopes, Clock::time_point now) {
  for (const RecheckScope& s : scopes) {
    auto [it, inserted] = pending_.emplace(s.path, s.self_only);
    if (!inserted) it->second = it->second && s.self_only;
  }
  if (!scopes.empty() && !first_event_) first_event_ = now;
}

std::optional<PendingRechecks::Clock::time_point> PendingRechecks::due(std::chrono::milliseconds debounce) const {
  if (!first_event_) return std::nullopt;
  return *first_event_ + debounce;
}

bool PendingRechecks::ready(Clock::time_point now, std::chrono::milliseconds debounce) const {
  return first_event_ && now >= *first_event_ + debounce;
}

PendingRechecks::Batch PendingRechecks::take() {
  Batch b;
  // Sorted by path, so a subtree comes before the paths under it (though not
  // always right before: "/a-b" sorts between "/a" and "/a/b").
  std::set<std::string> subtrees;
  for (const auto& [path, self_only] : pending_) {
    bool covered = false;
    for (std::string up = path; !covered && up != "/" && up != "."; up = directory_of(up)) {
      covered = up != path && subtrees.count(up);
    }
    if (covered || (path != "/" && subtrees.count("/"))) continue;
    b.scopes.push_back({path, self_only});
    if (!self_only) subtrees.insert(path);
  }
  b.first_event = first_event_.value_or(Clock::now());
  pending_.clear();
  first_event_.reset();
  return b;
}

}  // namespace drift
