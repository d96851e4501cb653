// The audit part of driftctl: the watch targets a config implies (for
// `driftctl audit rules`), and the one-shot attribution of a check's drift
// over the audit log files present. driftd's follower uses the same pieces
// (audit/) with its own window.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/config.h"
#include "audit/audit_rules.h"
#include "audit/correlate.h"
#include "audit/passwd_names.h"
#include "baseline/compare.h"

namespace drift {

/// The file in state_dir that driftd touches every minute and the rules watch.
inline constexpr const char* kAuditHeartbeatFile = "audit-heartbeat";

/// Every paths[] rule (the kubelet files included), the exports files when
/// exports.enabled, and state_dir/audit-heartbeat.
std::vector<AuditWatchTarget> audit_watch_targets(const Config& config);

struct DriftAttributions {
  std::vector<Attribution> actors;    // one per drift, in the comparison's order
  std::vector<std::string> warnings;  // each said once (no log, a refused file ...)
};

/// Reads config.audit.log and its rotations under root, oldest first, skipping
/// rotations last written before since_s (the baseline's creation), and
/// attributes each drift; the package class where the drift's cause is package.
/// Names come from the ENRICHED suffix, else from root/etc/passwd.
DriftAttributions attribute_drifts(const Config& config, const Comparison& comparison, int64_t since_s,
                                   int64_t now_ms);

/// One drift's attribution from the events held (driftd's window, or the
/// one-shot read above): the rule files decide `no rule`, the names come from
/// the ENRICHED suffix, else from `names`.
Attribution attribute_one(const std::deque<AuditFileEvent>& events, AttributionQuery q, const RuleFiles& rules,
                          const PasswdNames& names, const std::string& root);

/// "changed by wizard (auid 1000, ses 7) with /usr/bin/vim.basic, pid 4242, 12:03:04";
/// every audit byte escaped.
std::string actor_text(const Attribution& a);

/// The `actor` object of a drift in --json (README schema); every string escaped.
nlohmann::json actor_json(const Attribution& a, bool argv);

}  // namespace drift
