// The daemon's drift state: which paths differ from the baseline now, and
// the transitions between two evaluations (a path entering drift, drifting
// differently, or clearing). Transitions are what gets counted and logged;
// the state is what the gauges show. The state's codec is here too: the file
// starts with a format line (state_header), attributes are the attribute
// table's tokens, and today's headerless files (version 1) still load.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "baseline/compare.h"

namespace drift {

/// How a state file loaded. Anything but kLoaded leaves the state as it was
/// (fresh at start): an unknown version is never guessed at.
enum class StateLoad { kLoaded, kUnknownVersion, kCorrupt };
const char* state_load_name(StateLoad load);

/// The format line of a state file: "driftd NAME VERSION".
std::string state_header(std::string_view name, int version);
/// Splits the format line off TEXT. A text without one is version 1 (the
/// files before the line existed: they start with JSON). False when the first
/// line claims to be a format line but is not NAME's.
bool split_state_header(std::string_view text, std::string_view name, int* version, std::string_view* body);

inline constexpr const char* kDriftStateName = "drift-state";
inline constexpr int kDriftStateVersion = 2;  // 1: no format line, attributes as a bit mask

struct DriftRecord {
  std::string path;  // raw bytes
  DriftKind kind = DriftKind::kChanged;
  Severity severity = Severity::kWarning;
  AttrSet changed;
  std::string cause = "unexplained";
  std::string proof;        // a package claim's proof (DriftCause::claim_proof); "" without a claim
  std::string fingerprint;  // what the path looks like now; a new value is a new drift
};

struct DriftTransition {
  bool cleared = false;     // false: entered drift or drifted differently
  DriftRecord record;       // for a clear: the drift that ended
  const Drift* drift = nullptr;  // the comparison's drift (null for a clear)
  /// For a clear: the path is the baseline's again but its times or inode
  /// moved (a revert); those attributes, as information. Null otherwise.
  const Drift* touched = nullptr;
};

class DriftTracker {
 public:
  /// Takes the comparison as the new state; returns what changed since the
  /// previous one, in path order.
  std::vector<DriftTransition> update(const Comparison& comparison);
  const std::map<std::string, DriftRecord>& state() const { return state_; }

  /// The state as text (state_dir/drift-state), so a restart does not
  /// announce known drift again: the format line, then JSON. load() reads
  /// this and version 1; on anything else it keeps the state it had.
  std::string save() const;
  StateLoad load(const std::string& text);

 private:
  std::map<std::string, DriftRecord> state_;
};

}  // namespace drift
