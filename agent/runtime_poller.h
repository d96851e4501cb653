// The daemon's part for the runtime kernel state: /proc has no inotify, so
// driftd looks every runtime.interval. poll() reads the sources (a held
// descriptor per sysctl, /proc/modules and the taint mask: about 0.4 ms of CPU
// per look on this machine, under 0.1 ms per second at the default 5 s),
// compares them with the baseline's runtime entries, and returns what changed
// since the previous poll: a drift that is new (or drifted further), or one
// that cleared. Knows nothing of sinks: the daemon turns transitions into
// its drift state, metrics and Loki lines.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "baseline/compare.h"
#include "baseline/entry.h"
#include "runtime/runtime_state.h"

namespace drift {

struct RuntimeTransition {
  enum class Kind { kDrift, kCleared };
  Kind kind = Kind::kDrift;
  std::string path;                       // "module:rootkit"
  DriftKind drift = DriftKind::kChanged;  // for kDrift: against the baseline
  Severity severity = Severity::kWarning;
  std::string baseline_value, value_now;  // "" where the side has no entry
};

class RuntimePoller {
 public:
  RuntimePoller(const RuntimeConfig& config, KernelPackages packages);

  /// The baseline to compare with: its runtime entries are kept (a copy of a
  /// few hundred entries), the rest ignored. Drift already reported stays
  /// known, so a new baseline yields only what it changes.
  void set_baseline(const std::vector<Entry>& baseline_entries);

  /// One look at the sources; transitions since the previous poll, by path.
  std::vector<RuntimeTransition> poll();

  /// Notes (a source not available, the state not in the baseline) not given
  /// before: each is said once per poller, not once per poll.
  std::vector<std::string> take_new_notes();

  /// The last look's entries (sorted), for the daemon's full-check list.
  const std::vector<Entry>& current() const { return current_; }

 private:
  RuntimeReader reader_;
  std::vector<Entry> baseline_;
  std::vector<Entry> current_;
  std::map<std::string, std::string> drifted_;  // path -> what its drift looked like
  std::set<std::string> notes_given_;
  std::vector<std::string> notes_new_;
};

}  // namespace drift
