// Announcing drift transitions (drift_announcer.h).
#include "agent/drift_announcer.h"

#include <optional>

#include "agent/daemon_log.h"
#include "baseline/escape.h"

namespace drift {
namespace {

void log_transition(const DriftRecord& r, bool cleared, const std::string& actor) {
  daemon_log(std::string(cleared ? "cleared " : "drift ") + drift_kind_name(r.kind) + " [" + severity_name(r.severity) +
                 "] " + escape_bytes(r.path) + (actor.empty() ? "" : ": " + actor),
             {{"DRIFT_PATH", escape_bytes(r.path)}, {"DRIFT_KIND", drift_kind_name(r.kind)},
              {"DRIFT_SEVERITY", severity_name(r.severity)}, {"DRIFT_EVENT", cleared ? "cleared" : "drift"}});
}

}  // namespace

std::vector<LokiEntry> DriftAnnouncer::announce(const std::vector<DriftTransition>& transitions, const Config& config,
                                                const std::map<std::string, std::string>& before,
                                                const std::map<std::string, std::string>& after, int64_t now_ns) {
  std::vector<LokiEntry> lines;
  if (transitions.empty()) return lines;
  sources_->poll_audit(now_ns / 1000000);  // the records of these writes, if they came meanwhile
  for (const DriftTransition& t : transitions) {
    const DriftRecord& r = t.record;
    if (!t.cleared) metrics_->count_drift_event({r.path, r.kind, r.severity, r.cause, r.proof});
    std::string by;
    const std::optional<nlohmann::json> actor =
        !t.cleared && t.drift ? sources_->attribute(*t.drift, now_ns / 1000000, config.audit.argv, &by) : std::nullopt;
    log_transition(r, t.cleared, by);
    lines.push_back(drift_loki_entry(t, config.node, now_ns, drift_content_diff(t, before, after),
                                     config.loki_max_diff_bytes, actor ? &*actor : nullptr));
  }
  return lines;
}

}  // namespace drift
