// The node as the daemon last read it, and its judgement against the
// baseline. A full check replaces the entries, a debounced re-check replaces
// the scopes it read; only the content of drifted files is kept (for their
// diffs), the rest is dropped after each judgement. Judging compares, asks the
// dpkg gate whether dpkg is done (drift is not judged half-way through an
// upgrade), classifies package causes and updates the drift tracker: what
// comes out is the transitions to send. Time is passed in.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/dpkg_gate.h"
#include "aptproof/apt_prover.h"
#include "agent/drift_tracker.h"
#include "agent/scan.h"
#include "baseline/bundle.h"
#include "baseline/compare.h"

namespace drift {

class NodeState {
 public:
  using Clock = std::chrono::steady_clock;

  /// A full check's result becomes the node's state.
  void replace_all(ScanResult&& result);
  /// A re-check of scopes replaces what lies in them (no-op before a full check).
  void replace_scoped(const std::vector<RecheckScope>& scopes, ScanResult&& result);
  /// The runtime kernel state's entries (type kRuntime, from the poller)
  /// replace the ones held; a full check's list has none of its own.
  void replace_runtime(const std::vector<Entry>& runtime);
  /// Package causes are proven through apt's signed chain (aptproof/): its
  /// temporary GnuPG home under state_dir; `trust_dpkg_database` as the
  /// config says. The prover and its caches live until dpkg's database is
  /// read again (an upgrade brings new lists and .debs). Without this call
  /// causes are dpkg's word alone.
  void set_package_proof(const std::string& state_dir, bool trust_dpkg_database);
  /// True once a full check was taken.
  bool known() const { return known_; }
  size_t size() const { return entries_.size(); }
  const std::vector<Entry>& entries() const { return entries_; }
  /// sha256 hex -> content, of drifted files (and files read since the last judgement).
  const std::map<std::string, std::string>& snapshots() const { return snapshots_; }

  struct Judgement {
    bool judged = false;                        // false: put off, dpkg is running
    std::optional<Clock::time_point> again_at;  // when put off: judge again then
    bool force_push = false;                    // push now, for this and the waits before
    std::vector<std::string> log;               // lines for the daemon's log
    Comparison comparison;                      // the transitions point into it (and into the entries)
    std::vector<DriftTransition> transitions;
    std::set<std::string> wanted_before;        // old contents to read from the baseline file, by sha hex
  };
  /// Judges the node against baseline (see the top of the file).
  Judgement judge(const Baseline& baseline, const ComparePolicy& policy, const std::string& root, DpkgGate* dpkg,
                  DriftTracker* tracker, Clock::time_point now, bool force_push);

 private:
  std::vector<Entry> entries_;
  std::map<std::string, std::string> snapshots_;
  bool known_ = false;
  std::optional<std::pair<std::string, bool>> proof_;  // state_dir, trust_dpkg_database
  std::unique_ptr<AptProver> prover_;
  uint64_t prover_loads_ = 0;  // the dpkg gate's load count the prover belongs to
  std::set<std::string> proof_warned_;
};

}  // namespace drift
