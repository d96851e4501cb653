// The soak summary: driftd's Loki lines over a range summed up per node, per
// ISO week and per day, and the seed's Stage C decision table (C.3) evaluated
// on them. Lines arrive one at a time in any order within a stream's time
// order (add()); the summary keeps counters, per path only what a revert and
// the top paths need, so memory grows with distinct paths, never with lines.
// It knows nothing of Loki or files: loki_query.h and the --input reader feed
// it, soak_render.h prints it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "soak/soak_record.h"

namespace drift {

using CountMap = std::map<std::string, uint64_t>;

/// A drift episode's revert is "within minutes" up to this long.
inline constexpr int64_t kRevertWithinSeconds = 60 * 60;
/// Evidence kept per node and decision row; the rest is counted.
inline constexpr size_t kMaxEvidence = 50;

struct WeekSummary {
  std::string week;           // ISO week, "2026-W25"
  int64_t start_ns = 0;       // its Monday 00:00 UTC
  uint64_t events = 0, heartbeats = 0, lines = 0;
  CountMap by_cause;
  bool alive() const { return heartbeats > 0; }
};

/// One drift event the decision may quote, and how it ended.
struct NotableEvent {
  int64_t ts_ns = 0;
  std::string node, path, kind, severity, cause, actor_class, path_class;
  enum class End { kOpen, kReverted, kAccepted } end = End::kOpen;
  int64_t ended_ns = 0;
  uint64_t accepted_serial = 0;
};

struct BaselineSeen {
  std::string serial, created, key_id;
  int64_t loaded_ns = 0;
};

struct NodeSummary {
  std::string node;
  uint64_t events = 0;        // drift transitions (driftd_drift_events_total)
  uint64_t lines = 0;         // every line read of the node
  CountMap by_kind, by_severity, by_cause, by_class, by_path_class;
  std::vector<WeekSummary> weeks;          // every week of the range, in order
  std::map<int64_t, CountMap> per_day;     // day (ns of 00:00 UTC) -> cause -> events
  CountMap path_events;                    // path -> events (top paths)
  uint64_t reverted_within = 0, cleared = 0, accepted = 0;
  std::map<int64_t, uint64_t> revert_seconds;  // time to revert -> count (median, exact)
  std::vector<BaselineSeen> baselines;     // distinct serials, first load
  int64_t first_ns = 0, last_ns = 0, last_heartbeat_ns = 0;
  std::string last_version;
  std::vector<NotableEvent> notable;       // unexplained drift, at most kMaxEvidence
  uint64_t notable_left_out = 0;
  std::optional<int64_t> median_revert_seconds() const;
  size_t alive_weeks() const;
};

struct DecisionRow {
  std::string row;            // no-drift, contained, uncaught, silent-nodes, sandbox-*
  std::string observation;    // the plan's words (seed 004, C.3)
  std::string recommends;     // the plan's words
  std::optional<bool> holds;  // null: drift telemetry cannot decide it
  std::string why;
  std::string undecidable;    // the parts of the row telemetry cannot decide
  std::vector<std::string> evidence;
  uint64_t evidence_left_out = 0;
};

class SoakSummary {
 public:
  /// The range [from, to) and the nodes asked for (empty: every node seen).
  SoakSummary(int64_t from_ns, int64_t to_ns, std::vector<std::string> nodes);

  /// One entry as Loki holds it; skipped entries are counted by reason.
  void add_entry(const std::map<std::string, std::string>& labels, int64_t ts_ns, std::string_view line);
  void add(const SoakRecord& r);
  void skip(const std::string& reason) { ++skipped_[reason]; }

  /// Ends the sums (open episodes, weeks of silent nodes) and evaluates C.3.
  void finish();

  int64_t from_ns() const { return from_ns_; }
  int64_t to_ns() const { return to_ns_; }
  uint64_t lines() const { return lines_; }
  int64_t first_line_ns() const { return first_line_ns_; }
  const std::vector<NodeSummary>& nodes() const { return result_; }
  const std::vector<DecisionRow>& decision() const { return decision_; }
  const CountMap& skipped() const { return skipped_; }
  uint64_t skipped_total() const;
  const std::vector<std::string>& weeks() const { return week_names_; }

 private:
  struct Open { int64_t start_ns; int notable = -1; };
  struct NodeState { NodeSummary s; std::map<std::string, Open> open; };
  NodeState& node(const std::string& name);
  void evaluate();

  int64_t from_ns_, to_ns_;
  std::vector<std::string> asked_;
  std::vector<std::string> week_names_;
  std::vector<int64_t> week_starts_;
  std::map<std::string, NodeState> nodes_;
  CountMap skipped_;
  uint64_t lines_ = 0;
  int64_t first_line_ns_ = 0;
  std::vector<NodeSummary> result_;
  std::vector<DecisionRow> decision_;
};

/// The class of a path: binaries, ssh, kubelet, containerd, cni, systemd,
/// other_etc, other; runtime entries by their namespace (runtime:module, ...).
std::string path_class(const std::string& path);

/// ISO week of a time ("2026-W25").
std::string iso_week(int64_t ns);

/// One line of evidence in people's words: "unexplained change of a critical
/// binary /usr/bin/x on k8s-node3 in a login session, 2026-06-20 14:02 (not reverted)".
std::string describe(const NotableEvent& e);

}  // namespace drift
