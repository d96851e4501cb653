// One Loki entry of driftd's, read back for the soak report: which of the
// kinds driftd writes it is (drift, its clearing, exports, expectations,
// heartbeat, baseline), and the few fields the report sums up. Every line
// format driftd has written is read (version 1 had no `v`, version 2 has
// `"v": 2`); anything else is skipped with a reason from a small fixed set,
// never guessed at and never silently included. Two shapes arrive: the whole
// JSON line (--input, logcli's jsonl) and the projected line the Loki query
// asks the server for (loki_query.h), which leaves the diff on the server.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace drift {

enum class SoakType { kDrift, kCleared, kExports, kExportsCleared, kExpectation, kExpectationCleared, kHeartbeat, kBaseline };

struct SoakRecord {
  SoakType type = SoakType::kDrift;
  int version = 1;            // the line's `v`; 1 when absent
  int64_t ts_ns = 0;          // when it happened (detected_at, else the Loki timestamp)
  std::string node;           // as Loki holds them: already escaped by driftd, never trusted
  std::string kind;           // added, removed, changed (drift); exports, expectation, heartbeat, baseline
  std::string severity;       // critical, warning, info
  std::string path;           // drift: the path or runtime name; exports: the export; expectation: the rule
  std::string cause;          // package, unexplained; empty when not recorded
  std::string actor_class;    // session, automation, package, unknown; empty when not recorded
  std::string serial;         // baseline: its serial; heartbeat: the loaded baseline's
  std::string created, key_id, tool_version, last_full_check;
  uint64_t entries = 0;       // heartbeat
};

/// The projected line's marker and field order: what loki_query.h asks
/// Loki's line_format for, tab-separated (driftd's strings are escaped and
/// hold no raw tab).
inline constexpr std::string_view kProjectedMarker = "driftd-p1";
inline constexpr const char* kProjectedFields[] = {
    "v", "event", "path", "cause", "actor_class", "detected_at", "detected_at_ns", "serial",
    "baseline_serial", "entries", "created", "key_id", "version", "last_full_check", "rule", "line_kind"};

/// Reads one entry: its stream labels, Loki timestamp and line (a whole
/// JSON line or a projected one). False, with a reason from a fixed set
/// ("not JSON", "unknown kind", ...), when it is skipped.
bool read_soak_record(const std::map<std::string, std::string>& labels, int64_t ts_ns, std::string_view line,
                      SoakRecord* out, std::string* skip_reason);

/// RFC 3339 (with or without fraction, Z or an offset) to ns since the epoch.
bool parse_rfc3339(std::string_view text, int64_t* ns);

/// ns since the epoch as RFC 3339 in UTC, seconds only ("2026-06-20T14:02:00Z").
std::string format_utc(int64_t ns);

}  // namespace drift
