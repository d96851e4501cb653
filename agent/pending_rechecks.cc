// The re-check batch (see the header).
#include "agent/pending_rechecks.h"

#include <set>
#include <string>

#include "lib/paths.h"

namespace drift {
namespace {

// Sorted by path, so a subtree comes before the paths under it (though not
// always right before: "/a-b" sorts between "/a" and "/a/b").
bool covered_by(const std::string& path, const std::set<std::string>& subtrees) {
  if (path != "/" && subtrees.count("/")) return true;
  for (std::string up = directory_of(path); up != "/" && up != "." && !up.empty(); up = directory_of(up)) {
    if (subtrees.count(up)) return true;
  }
  return false;
}

}  // namespace

void PendingRechecks::add(const std::vector<RecheckScope>& scopes, Clock::time_point now,
                          std::chrono::milliseconds debounce, bool leading) {
  bool complete = false;
  for (const RecheckScope& s : scopes) {
    auto [it, inserted] = pending_.emplace(s.path, Pending{s.self_only, s.complete});
    if (!inserted) {
      it->second.self_only = it->second.self_only && s.self_only;
      it->second.complete = s.complete;  // a write after the close: not complete again
    }
    complete = complete || s.complete;
  }
  if (scopes.empty()) return;
  if (!first_event_) first_event_ = now;
  // Quiet: no event and no re-check for a whole window.
  const bool quiet = !last_activity_ || now - *last_activity_ >= debounce;
  if (leading && complete && quiet && !leading_at_) leading_at_ = now;
  last_activity_ = now;
}

std::optional<PendingRechecks::Clock::time_point> PendingRechecks::due(std::chrono::milliseconds debounce) const {
  if (leading_at_) return leading_at_;
  if (!first_event_) return std::nullopt;
  return *first_event_ + debounce;
}

bool PendingRechecks::ready(Clock::time_point now, std::chrono::milliseconds debounce) const {
  const auto at = due(debounce);
  return at && now >= *at;
}

PendingRechecks::Batch PendingRechecks::take(Clock::time_point now) {
  Batch b;
  b.leading = leading_at_.has_value();
  std::set<std::string> subtrees;
  // On the leading edge, the complete paths first, to know their subtrees.
  if (b.leading) {
    for (const auto& [path, p] : pending_) {
      if (p.complete && !p.self_only) subtrees.insert(path);
    }
  }
  std::set<std::string> taken_subtrees;
  for (auto it = pending_.begin(); it != pending_.end();) {
    const std::string& path = it->first;
    const Pending p = it->second;
    const bool take = !b.leading || p.complete || covered_by(path, subtrees);
    if (!take) {
      ++it;
      continue;
    }
    if (!covered_by(path, taken_subtrees)) {
      b.scopes.push_back({path, p.self_only, p.complete});
      if (!p.self_only) taken_subtrees.insert(path);
    }
    it = pending_.erase(it);
  }
  b.first_event = b.leading ? *leading_at_ : first_event_.value_or(now);
  leading_at_.reset();
  // What stays (only modified) keeps its first event's time for the trailing edge.
  if (pending_.empty()) first_event_.reset();
  last_activity_ = now;
  return b;
}

}  // namespace drift
