// Reading driftd's lines back out of Loki for the soak report, and out of a
// file (logcli --output=jsonl). Loki bounds a query's time range
// (max_query_length, 721 h by default) and its entries per answer (limit),
// so the range is cut into pieces and each piece is paged forward from the
// last timestamp seen; entries at that timestamp already delivered are
// remembered and dropped from the next page, so none is lost or counted
// twice (a page that is all one timestamp asks again with a larger limit).
// The server projects each line to the few fields the report needs
// (soak_record.h's projection), so diffs never leave Loki. Failures without
// an answer, 429 and 5xx are retried with backoff; any other answer ends the
// query with Loki's message.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace drift {

using EntrySink = std::function<void(const std::map<std::string, std::string>& labels, int64_t ts_ns, std::string_view line)>;

struct LokiQueryOptions {
  std::string url;                       // Loki's base URL
  std::vector<std::string> nodes;        // raw node names; empty: every node
  int64_t from_ns = 0, to_ns = 0;        // [from, to)
  int64_t max_query_length_ns = 721LL * 3600 * 1000000000;
  size_t limit = 5000;                   // Loki's max_entries_limit_per_query default
  int attempts = 6;                      // per request
  std::chrono::milliseconds timeout{120000};
  std::chrono::milliseconds backoff_min{500}, backoff_max{8000};
  bool progress = false;                 // a status line on stderr (the caller checks isatty)
};

struct LokiQueryStats {
  uint64_t pieces = 0, requests = 0, entries = 0, retries = 0, duplicates_dropped = 0;
  double loki_seconds = 0;               // waiting for Loki's answers
  double parse_seconds = 0;              // parsing them
};

struct QueryEntry {
  std::map<std::string, std::string> labels;
  int64_t ts_ns = 0;
  std::string line;
};

/// The LogQL of the report: driftd's lines (of the given nodes, escaped as
/// driftd escapes them and quoted into a regular expression), projected.
std::string soak_logql(const std::vector<std::string>& nodes);

/// A node name as a RE2 literal inside a LogQL double-quoted string.
std::string logql_node_literal(const std::string& raw_node);

/// One query_range answer's entries, sorted by time (then stream, line).
bool parse_query_range(const std::string& body, std::vector<QueryEntry>* out, std::string* err);

/// Queries Loki over the whole range; entries reach sink in time order.
bool query_loki(const LokiQueryOptions& o, const EntrySink& sink, LokiQueryStats* stats, std::string* err);

/// Reads logcli's jsonl ({"labels": {...}, "line": "...", "timestamp": "..."}
/// per line); a line that is not that shape is reported to skip with a reason.
bool read_jsonl_entries(const std::string& path, const EntrySink& sink, const std::function<void(const std::string&)>& skip,
                        std::string* err);

}  // namespace drift
