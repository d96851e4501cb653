// Every Loki line driftd sends is built here: drift and its clearing, an
// exports violation and its clearing, an expectation violation and its
// clearing, the daemon's heartbeat and each baseline it loads. Every line
// carries the format version `"v": 2` (lines without it are version 1), so
// driftctl report can read every version driftd wrote. One place means one label set
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

/// The format version of every line built here (`"v"`); lines without it are version 1.
inline constexpr int kLokiLineVersion = 2;

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

/// What a heartbeat line says: driftd is alive and what it holds.
struct HeartbeatFacts {
  uint64_t baseline_serial = 0;   // 0: no valid baseline loaded
  uint64_t entries = 0;           // entries of the loaded baseline
  int64_t last_full_check_ns = 0; // 0: none finished yet
  std::string version;            // driftd's version (kToolVersion)
};

/// What a baseline line says: the baseline driftd just loaded.
struct BaselineFacts {
  uint64_t serial = 0;
  int64_t created = 0;            // unix seconds, as BaselineMeta::created
  std::string key_id;             // signer key id; empty when unsigned
};

/// Kind `heartbeat` (severity `info`): at start, then daily. Line fields:
/// v, event "heartbeat", node, baseline_serial, entries, last_full_check
/// (RFC 3339, or null), version, detected_at.
LokiEntry heartbeat_loki_entry(const HeartbeatFacts& h, const std::string& node, int64_t now_ns);

/// Kind `baseline` (severity `info`): on each baseline load. Line fields: v,
/// event "baseline", node, serial, created (RFC 3339), key_id (or null), detected_at.
LokiEntry baseline_loki_entry(const BaselineFacts& b, const std::string& node, int64_t now_ns);

}  // namespace drift
