// Every Loki line driftd sends is built here: drift and its clearing, an
// exports violation and its clearing, an expectation violation and its clearing. One place means one label set
// ({job, node, kind, severity}, built by loki_labels alone) and one way of
// escaping host bytes, so a new kind of line cannot drift from the others and
// a dashboard's stream selector matches them all.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/drift_tracker.h"
#include "agent/spool.h"
#include "exports/exports_report.h"
#include "semantic/expectations.h"

namespace drift {

/// The stream labels of every line: job "driftd", the node (escaped), kind, severity.
std::map<std::string, std::string> loki_labels(const std::string& node, const std::string& kind,
                                               const std::string& severity);

/// One Loki line (JSON) for a transition: path (escaped), event, kind,
/// severity, cause, changed attributes with old and new values, detection
/// time, and either a unified diff (capped at max_diff_bytes, marked when
/// cut) or the old and new hashes. `diff` is empty when the file is not
/// eligible for content (secrets never are).
std::string drift_log_line(const DriftTransition& t, const std::string& node, int64_t detected_ns,
                           const std::string& diff, uint64_t max_diff_bytes, const nlohmann::json* actor = nullptr);

/// The unified diff of a drifted file, baseline ("before", by sha hex) to
/// now ("after", by sha hex); empty when either content is not held (the
/// snapshot policy did not allow it then or now), for a clearing, a non-file
/// or a change that kept the content.
std::string drift_content_diff(const DriftTransition& t, const std::map<std::string, std::string>& before,
                               const std::map<std::string, std::string>& after);

/// One Loki line (JSON) for an exports violation found or gone.
std::string exports_log_line(const ExportsViolation& v, bool cleared, const std::string& node, int64_t detected_ns);

/// One Loki line (JSON) for an `expect:` violation found or gone: rule,
/// file and line, key, what was expected and what is there (values the
/// evaluation already masked where they are secrets).
std::string expectation_log_line(const ExpectationViolation& v, bool cleared, const std::string& node,
                                 int64_t detected_ns);

/// The entries for the spool: labels, time and line.
/// `actor`: the audit attribution's object (agent/audit_attribution.h), when audit is on.
LokiEntry drift_loki_entry(const DriftTransition& t, const std::string& node, int64_t detected_ns,
                           const std::string& diff, uint64_t max_diff_bytes, const nlohmann::json* actor = nullptr);
LokiEntry exports_loki_entry(const ExportsViolation& v, bool cleared, const std::string& node, int64_t detected_ns);
LokiEntry expectation_loki_entry(const ExpectationViolation& v, bool cleared, const std::string& node,
                                 int64_t detected_ns);

}  // namespace drift
