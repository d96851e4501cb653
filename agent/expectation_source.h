// The `expect:` rules as one of the daemon's sources, in ExportsSource's
// shape: it owns its tracker and when it is due; one run evaluates the rules
// against the host's files and returns transitions, Loki lines and the state
// to save. The daemon runs it at start, after every full check, and
// `debounce` after a re-check read a path a rule reads (its watches are the
// selection's: an expected file outside it is seen at the next full check).
// Time is passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/expectation_tracker.h"
#include "agent/spool.h"
#include "semantic/expectations.h"

namespace drift {

class ExpectationSource {
 public:
  using Clock = std::chrono::steady_clock;

  struct Run {
    std::vector<ExpectationTransition> transitions;  // to log
    std::vector<LokiEntry> lines;                    // one per transition
    std::optional<std::string> state;                // the expectation-state to save, when it changed
  };
  /// Evaluates the rules that apply on `node` beneath root.
  Run run(const std::vector<Expectation>& rules, const std::string& root, const std::string& node, int64_t now_ns);

  /// Paths a re-check read (host paths; `subtree` for a directory's whole
  /// tree): when a rule reads one of them, the rules are due `debounce` from now.
  void note_changed(const std::vector<Expectation>& rules, const std::string& host_path, bool subtree,
                    Clock::time_point now, std::chrono::milliseconds debounce);
  std::optional<Clock::time_point> due() const { return due_; }
  /// True (and no longer due) when the rules are due by now.
  bool take_due(Clock::time_point now);

  ExpectationTracker& tracker() { return tracker_; }

 private:
  ExpectationTracker tracker_;
  std::optional<Clock::time_point> due_;
};

}  // namespace drift
