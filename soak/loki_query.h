// Reading driftd's lines back out of Loki for the soak report, and out of a
// file (logcli --output=jsonl). Loki bounds a query's time range
// (max_query_length, 721 h by default) and its entries per answer (limit),
// so the range is cut into pieces [start, end) that touch and do not
// overlap (Loki's end is exclusive, measured on 3.4.6; an entry at or after
// a piece's end that a Loki returns anyway is dropped here, so a Loki with an
// inclusive end counts nothing twice). Each piece is paged forward from the
// last timestamp seen. Every request starts 1 ns before its piece or the
// last timestamp (a Loki whose start was not inclusive loses nothing; a
// piece is max_query_length less 1 ns), and entries before that point, or at
// it and already delivered, are dropped: none is lost or counted twice. A
// full page that gets no further asks again with twice the limit. The
// server projects each line to the few fields the report needs
// (soak_record.h's projection), so diffs never leave Loki. Failures without
// an answer, 429 and 5xx are retried with backoff; any other answer ends the
// query with Loki's message. The page loop takes the fetching and the
// waiting as functions, so tests drive it without a server or a clock.
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

/// One query_range request: entries in [start, end), at most limit, forward.
struct PageRequest {
  int64_t start_ns = 0, end_ns = 0;
  size_t limit = 0;
};

/// Its answer: HTTP status (0: no answer, error says why) and body.
struct PageAnswer {
  long status = 0;
  std::string body, error;
};

using PageFetcher = std::function<PageAnswer(const PageRequest&)>;
using RetryWait = std::function<void(std::chrono::milliseconds)>;

/// The piece and page loop over o's range (o.url only names Loki in
/// messages): fetch answers each request, wait sleeps between retries.
bool query_pages(const LokiQueryOptions& o, const PageFetcher& fetch, const RetryWait& wait, const EntrySink& sink,
                 LokiQueryStats* stats, std::string* err);

/// Queries Loki over the whole range; entries reach sink in time order.
bool query_loki(const LokiQueryOptions& o, const EntrySink& sink, LokiQueryStats* stats, std::string* err);

/// Reads logcli's jsonl ({"labels": {...}, "line": "...", "timestamp": "..."}
/// per line); a line that is not that shape is reported to skip with a reason.
bool read_jsonl_entries(const std::string& path, const EntrySink& sink, const std::function<void(const std::string&)>& skip,
                        std::string* err);

}  // namespace drift
