// What the daemon says about each drift transition: the log line (journal
// fields DRIFT_PATH, DRIFT_KIND, DRIFT_SEVERITY, DRIFT_EVENT), the event
// counter, who made it (the audit source, when on), and the Loki line with
// its content diff. NodeState decides the transitions; this part only
// announces them, in one place, so every sink tells the same story.
// Attribution adds to the line and changes no severity and no count.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/daemon_sources.h"
#include "agent/drift_tracker.h"
#include "agent/loki_lines.h"
#include "agent/metrics.h"

namespace drift {

class DriftAnnouncer {
 public:
  DriftAnnouncer(Metrics* metrics, DaemonSources* sources) : metrics_(metrics), sources_(sources) {}

  /// Logs and counts each transition and returns its Loki line. `before`:
  /// the baseline's snapshots by digest (read again for these transitions),
  /// `after`: the node's current snapshots.
  std::vector<LokiEntry> announce(const std::vector<DriftTransition>& transitions, const Config& config,
                                  const std::map<std::string, std::string>& before,
                                  const std::map<std::string, std::string>& after, int64_t now_ns);

 private:
  Metrics* metrics_;
  DaemonSources* sources_;
};

}  // namespace drift
