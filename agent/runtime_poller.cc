// Runtime poller. Each poll is a full comparison of a few hundred entries
// (the baseline's runtime section against one read), then a diff of the
// drift set against the previous poll's: a drift is identified by its path
// and what it looks like now (kind, value, size), so a module that drifts
// again differently is reported again, and one back to its baseline state
// is cleared.
#include "agent/runtime_poller.h"

#include <algorithm>
#include <map>

namespace drift {

RuntimePoller::RuntimePoller(const RuntimeConfig& config, KernelPackages packages)
    : reader_(config, std::move(packages)) {}

void RuntimePoller::set_baseline(const std::vector<Entry>& entries) {
  baseline_.clear();
  for (const Entry& e : entries) {
    if (e.type == EntryType::kRuntime) baseline_.push_back(e);
  }
}

std::vector<RuntimeTransition> RuntimePoller::poll() {
  RuntimeRead read = reader_.read();
  carry_unavailable(baseline_, read.unavailable, &read.entries);
  current_ = std::move(read.entries);
  const Comparison c = compare_entries(baseline_, current_, ComparePolicy{});
  if (const std::string n = runtime_not_compared_note(c.runtime_only_before, c.runtime_only_after); !n.empty()) {
    read.notes.push_back(n);
  }
  for (std::string& n : read.notes) {
    if (notes_given_.insert(n).second) notes_new_.push_back(std::move(n));
  }

  std::vector<RuntimeTransition> out;
  std::map<std::string, std::string> now;
  for (const Drift& d : c.drifts) {
    const Entry* e = d.after ? d.after : d.before;
    const std::string shape = std::string(drift_kind_name(d.kind)) + '\t' + (d.after ? d.after->target : "") + '\t' +
                              std::to_string(e->size);
    now[d.path()] = shape;
    auto it = drifted_.find(d.path());
    if (it != drifted_.end() && it->second == shape) continue;
    RuntimeTransition t;
    t.kind = RuntimeTransition::Kind::kDrift;
    t.path = d.path();
    t.drift = d.kind;
    t.severity = d.severity;
    t.baseline_value = d.before ? d.before->target : "";
    t.value_now = d.after ? d.after->target : "";
    out.push_back(std::move(t));
  }
  for (const auto& [path, shape] : drifted_) {
    if (now.count(path)) continue;
    RuntimeTransition t;
    t.kind = RuntimeTransition::Kind::kCleared;
    t.path = path;
    out.push_back(std::move(t));
  }
  drifted_ = std::move(now);
  std::sort(out.begin(), out.end(), [](const RuntimeTransition& a, const RuntimeTransition& b) { return a.path < b.path; });
  return out;
}

std::vector<std::string> RuntimePoller::take_new_notes() {
  std::vector<std::string> out;
  out.swap(notes_new_);
  return out;
}

}  // namespace drift
