// The daemon's sources beside the file scan: the /etc/exports checks, the
// `expect:` rules, the runtime kernel state and the audit log. Each source
// owns its own state (exports_source, expectation_source, runtime_poller,
// audit_source); this part holds the daemon's policy around them: when each
// one is due, what of its result is logged and counted, and what goes out.
// What goes out is data (SourceOutput: Loki lines, state files, directories
// to watch, a restart to re-confine), and the daemon spools, saves and
// watches it the same way for every source, so a new source adds a member
// here, not a method to the daemon. Time is passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/audit_source.h"
#include "agent/config.h"
#include "agent/expectation_source.h"
#include "agent/exports_source.h"
#include "agent/loki_lines.h"
#include "agent/metrics.h"
#include "agent/runtime_poller.h"
#include "agent/state_file.h"
#include "baseline/compare.h"

namespace drift {

/// A state file to write under state_dir.
struct StateSave {
  std::string name;     // file name under state_dir
  std::string content;  // the whole file
  std::string what;     // for the log ("the exports state")
};

/// What one run of a source asks of the daemon.
struct SourceOutput {
  std::vector<LokiEntry> lines;       // to the spool
  std::vector<StateSave> saves;       // to state_dir
  std::set<std::string> watch_dirs;   // read paths whose changes mean "run again"
  bool restart = false;               // a file became unreadable under Landlock: exit 75
  bool changed = false;               // its state changed: push soon
};

/// What became due by `now` (the daemon runs the first three; the audit
/// heartbeat and reading are done inside take_due).
struct SourcesDue {
  bool exports = false;
  bool expectations = false;
  bool runtime = false;
};

class DaemonSources {
 public:
  using Clock = std::chrono::steady_clock;
  using Log = std::function<void(const std::string&)>;

  DaemonSources(Metrics* metrics, Log log) : metrics_(metrics), log_(std::move(log)) {}

  // --- The exports checks and the expect: rules -----------------------------
  /// Nothing when exports are off.
  SourceOutput run_exports(const Config& config, bool landlock, int64_t now_ns);
  /// Nothing when no rule is configured.
  SourceOutput run_expectations(const Config& config, int64_t now_ns);
  /// An inotify path: the exports checks are due `debounce` after a change to
  /// a file they read.
  void note_changed(const Config& config, const std::string& read_path, Clock::time_point now);
  /// A re-check read host_path (subtree: its whole tree): rules reading it are due at once.
  void note_rechecked(const Config& config, const std::string& host_path, bool subtree, Clock::time_point now);
  /// Reads the saved exports and expectation states with `read` (the daemon's
  /// state_file reader, which sets a bad file aside).
  void load_states(const Config& config,
                   const std::function<void(const std::string& name, const std::function<StateLoad(const std::string&)>&)>& read);

  // --- The runtime kernel state ---------------------------------------------
  /// Made once confined (Landlock grants what it opens); the first look is
  /// `poll_runtime` at once.
  void start_runtime(const Config& config, const std::vector<Entry>* baseline_entries);
  void set_runtime_baseline(const std::vector<Entry>& entries);
  /// One look. True when an entry changed (into drift, further, or back).
  bool poll_runtime(const Config& config, Clock::time_point now);
  bool runtime_on() const { return runtime_ != nullptr; }
  const std::vector<Entry>& runtime_entries() const { return runtime_->current(); }

  // --- The audit log ---------------------------------------------------------
  /// Made once confined; returns the log's directory as driftd opens it
  /// (root prefixed) for the daemon to watch for appends, or nothing when off.
  /// heartbeat_every overrides the minute (a test hook).
  std::optional<std::string> start_audit(const Config& config, std::optional<std::chrono::milliseconds> heartbeat_every,
                                         Clock::time_point now, int64_t now_ms);
  bool audit_on() const { return audit_ != nullptr; }
  bool is_audit_dir(const std::string& dir) const { return audit_ && dir == audit_dir_; }
  /// Reads what the log gained (a bound at a time: a flood is read on).
  void poll_audit(int64_t now_ms);
  /// Whether a drift may be judged now as far as the audit log goes: true
  /// when audit is off or not working, or once a barrier written by the
  /// first call shows in the log (every earlier write's record is in it
  /// then), or kBarrierBound after that call. Until then the daemon waits
  /// (barrier_deadline) and reads the log as inotify says it grew.
  bool audit_settled(Clock::time_point now, int64_t now_ms);
  std::optional<Clock::time_point> barrier_deadline() const { return barrier_deadline_; }
  static constexpr std::chrono::milliseconds kBarrierBound{5000};
  /// Who made this drift: the `actor` object for its Loki line and the text for
  /// the log, counted in the attribution metrics. Nothing when audit is off.
  std::optional<nlohmann::json> attribute(const Drift& drift, int64_t now_ms, bool argv, std::string* text);

  // --- When ------------------------------------------------------------------
  /// The earliest moment one of the sources is due.
  std::optional<Clock::time_point> next_due(Clock::time_point now) const;
  /// What is due by now; writes the audit heartbeat and reads the log on
  /// when those are due.
  SourcesDue take_due(Clock::time_point now, int64_t now_ms);

 private:
  void audit_heartbeat(Clock::time_point now, int64_t now_ms);

  Metrics* metrics_;
  Log log_;

  ExportsSource exports_;
  ExpectationSource expect_;

  std::unique_ptr<RuntimePoller> runtime_;
  std::optional<Clock::time_point> runtime_due_;

  std::unique_ptr<AuditSource> audit_;
  std::string audit_dir_;
  bool audit_ok_ = false;
  std::optional<Clock::time_point> barrier_deadline_;  // a barrier is in flight
};

}  // namespace drift
