// The daemon's drift state: which paths differ from the baseline now, and
// the transitions between two evaluations (a path entering drift, drifting
// differently, or clearing). Transitions are what gets counted and logged;
// the state is what the gauges show.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "baseline/compare.h"

namespace drift {

struct DriftRecord {
  std::string path;  // raw bytes
  DriftKind kind = DriftKind::kChanged;
  Severity severity = Severity::kWarning;
  AttrSet changed;
  std::string cause = "unexplained";
  std::string fingerprint;  // what the path looks like now; a new value is a new drift
};

struct DriftTransition {
  bool cleared = false;     // false: entered drift or drifted differently
  DriftRecord record;       // for a clear: the drift that ended
  const Drift* drift = nullptr;  // the comparison's drift (null for a clear)
};

class DriftTracker {
 public:
  /// Takes the comparison as the new state; returns what changed since the
  /// previous one, in path order.
  std::vector<DriftTransition> update(const Comparison& comparison);
  const std::map<std::string, DriftRecord>& state() const { return state_; }

  /// The state as text (state_dir/drift-state), so a restart does not
  /// announce known drift again; load() ignores a file it cannot parse.
  std::string save() const;
  bool load(const std::string& text);

 private:
  std::map<std::string, DriftRecord> state_;
};

/// One Loki line (JSON) for a transition: path (escaped), event, kind,
/// severity, cause, changed attributes with old and new values, detection
/// time, and either a unified diff (capped at max_diff_bytes, marked when
/// cut) or the old and new hashes. `diff` is empty when the file is not
/// eligible for content (secrets never are).
std::string drift_log_line(const DriftTransition& t, const std::string& node, int64_t detected_ns,
                           const std::string& diff, uint64_t max_diff_bytes);

}  // namespace drift
