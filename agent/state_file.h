// Reading a state file of state_dir (drift-state, exports-state) at start.
// A state file is a convenience (known drift is not announced twice), never a
// reason not to run: one of an unknown version or corrupt is set aside
// (renamed beside itself, never deleted, so an operator or a newer driftd can
// still read it) and the daemon starts with a fresh state. What happened comes
// back as one line for the log.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "agent/drift_tracker.h"

namespace drift {

struct StateFileRead {
  bool loaded = false;   // the state came from the file
  std::string message;   // for the log; "" when there was nothing to say (no file, or loaded)
  std::string set_aside; // where the file went, when it was set aside
};

/// Reads PATH and hands its text to LOAD. A file LOAD refuses is renamed to
/// PATH.VERSION-or-corrupt.UNIX_SECONDS (now_unix passed in).
StateFileRead read_state_file(const std::string& path, const std::function<StateLoad(const std::string&)>& load,
                              int64_t now_unix);

}  // namespace drift
