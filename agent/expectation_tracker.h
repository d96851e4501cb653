// The daemon's expectation state, the twin of ExportsTracker: which `expect:`
// violations are known, the ones a run found new or found gone (what goes to
// the log and Loki as kind="expectation"), the gauges' counts, and the saved
// state that keeps a restart from announcing them again. It also says which
// rules a changed path can affect, so driftd re-evaluates at once when a file
// they read changes (the watches exist already: every expected file lies
// under the configured paths, or is reported as missing).
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/drift_tracker.h"
#include "semantic/expectations.h"

namespace drift {

inline constexpr const char* kExpectationStateName = "expectation-state";
inline constexpr int kExpectationStateVersion = 1;

struct ExpectationTransition {
  bool cleared = false;  // false: a new violation
  ExpectationViolation violation;
};

struct ExpectationUpdate {
  std::vector<ExpectationTransition> transitions;  // new ones, then cleared ones, each by identity
  bool changed = false;                            // the saved state must be written again
};

class ExpectationTracker {
 public:
  /// Takes one evaluation's violations as the new state.
  ExpectationUpdate update(const std::vector<ExpectationViolation>& violations);

  /// Violations counted by (rule, rule's file), for
  /// driftd_expectation_violations{rule,file} (bounded: rules come from the config).
  std::map<std::pair<std::string, std::string>, int> counts() const;
  /// No critical violation known: driftd_expectation_ok.
  bool ok() const;
  size_t size() const { return known_.size(); }

  /// state_dir/expectation-state: the format line, then JSON.
  std::string save() const;
  StateLoad load(const std::string& text);

 private:
  std::map<std::string, ExpectationViolation> known_;  // by identity
};

/// True when a change of `host_path` can change what `rule` sees: the file
/// itself; for sshd anything under /etc/ssh (Include); for sysctl any sysctl
/// file; for containerd anything under the config's directory (imports).
bool expectation_reads(const Expectation& rule, const std::string& host_path);

}  // namespace drift
