// The node's state and its judgement (see the header).
#include "agent/node_state.h"

#include "agent/package_cause.h"

#include <algorithm>

namespace drift {

void NodeState::replace_all(ScanResult&& result) {
  entries_ = std::move(result.entries);
  snapshots_ = std::move(result.snapshots);
  known_ = true;
}

void NodeState::replace_scoped(const std::vector<RecheckScope>& scopes, ScanResult&& result) {
  if (!known_) return;
  drift::replace_scoped(&entries_, scopes, std::move(result.entries));
  snapshots_.merge(result.snapshots);
}

void NodeState::set_package_proof(const std::string& state_dir, bool trust_dpkg_database) {
  proof_ = std::make_pair(state_dir, trust_dpkg_database);
  prover_.reset();
}

void NodeState::replace_runtime(const std::vector<Entry>& runtime) {
  std::erase_if(entries_, [](const Entry& e) { return e.type == EntryType::kRuntime; });
  const size_t files = entries_.size();
  for (const Entry& e : runtime) {
    if (e.type == EntryType::kRuntime) entries_.push_back(e);
  }
  // Both halves are sorted by path bytes; the index order is one sequence.
  std::inplace_merge(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(files), entries_.end(),
                     [](const Entry& a, const Entry& b) { return a.path < b.path; });
}

NodeState::Judgement NodeState::judge(const Baseline& baseline, const ComparePolicy& policy, const std::string& root,
                                      DpkgGate* dpkg, DriftTracker* tracker, Clock::time_point now, bool force_push) {
  Judgement j;
  j.comparison = compare_entries(baseline.entries, entries_, policy);
  bool busy = false;
  if (!j.comparison.drifts.empty()) {
    if (std::string warning = dpkg->refresh(root); !warning.empty()) j.log.push_back(std::move(warning));
    busy = dpkg->packages().db().busy();
  }
  DpkgGate::Verdict verdict = dpkg->decide(busy, now, force_push);
  if (!verdict.log.empty()) j.log.push_back(std::move(verdict.log));
  if (!verdict.judge) {
    j.again_at = verdict.again_at;
    return j;
  }
  j.judged = true;
  j.force_push = verdict.force_push;
  if (!j.comparison.drifts.empty()) {
    dpkg->packages().classify(baseline, &j.comparison);
    if (proof_) {
      if (!prover_ || prover_loads_ != dpkg->loads()) {
        prover_ = std::make_unique<AptProver>(apt_prover_options(root, proof_->first));
        prover_loads_ = dpkg->loads();
        proof_warned_.clear();
      }
      for (std::string& w : prove_package_causes(prover_.get(), dpkg->packages().db(), proof_->second, &j.comparison)) {
        if (proof_warned_.insert(w).second) j.log.push_back(std::move(w));  // once per prover, not per re-check
      }
    }
  }
  j.transitions = tracker->update(j.comparison);
  for (const DriftTransition& t : j.transitions) {
    if (!t.cleared && t.drift && t.drift->before && t.drift->before->snapshot) {
      j.wanted_before.insert(hex_encode(t.drift->before->sha256));
    }
  }
  // Keep only the content of files that are still drifted (every transition
  // into drift is one of them, so its diff can still be made).
  std::set<std::string> keep;
  for (const Drift& d : j.comparison.drifts) {
    if (d.after && d.after->snapshot) keep.insert(hex_encode(d.after->sha256));
  }
  std::erase_if(snapshots_, [&keep](const auto& kv) { return !keep.count(kv.first); });
  return j;
}

}  // namespace drift
