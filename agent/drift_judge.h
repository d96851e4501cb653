// The baseline and the judgement of the node against it: the daemon's
// pipeline between the scans and the sinks. It holds the installed baseline
// (verified, for this node, never rolled back), the node as last read
// (NodeState), the drift tracker, the dpkg gate and the announcer, and turns
// each step of the pipeline (the baseline file read, a full check's end, a
// re-check's result, a runtime look, the dpkg wait's end) into what the
// daemon must do. That is data, the SourceOutput every source returns (Loki
// lines, state files, a push, a restart to re-confine), plus whether a full
// check must start and the systemd status line. Scanning, watching, the
// spool and the process are the daemon's; here time is passed in, so the
// policy is tested directly (tests/drift_judge_test.cc).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/daemon_sources.h"
#include "agent/dpkg_gate.h"
#include "agent/drift_announcer.h"
#include "agent/drift_tracker.h"
#include "agent/health.h"
#include "agent/installed_baseline.h"
#include "agent/loki_lines.h"
#include "agent/metrics.h"
#include "agent/node_state.h"
#include "agent/scan.h"
#include "agent/state_file.h"

namespace drift {

/// What one step of the pipeline asks of the daemon.
struct Verdict {
  SourceOutput out;                   // lines, state files, push (changed), restart
  bool judged = false;                // the node was judged (not: no baseline, no full check yet, dpkg running)
  bool full_check_needed = false;     // a valid baseline and no full check yet: start one
  std::optional<std::string> status;  // systemd STATUS= after a judgement
};

class DriftJudge {
 public:
  using Clock = std::chrono::steady_clock;
  using Log = std::function<void(const std::string&)>;

  DriftJudge(Metrics* metrics, Health* health, DaemonSources* sources, Log log)
      : metrics_(metrics), health_(health), sources_(sources), log_(std::move(log)), announcer_(metrics, sources) {}

  // --- Set-up (start, SIGHUP) ------------------------------------------------
  /// The rollback floor from state_dir; a problem refuses every baseline (fail closed).
  void set_floor(uint64_t floor, const std::string& problem) { baseline_.set_floor(floor, problem); }
  void set_package_proof(const std::string& state_dir, bool trust_dpkg_database) {
    node_.set_package_proof(state_dir, trust_dpkg_database);
  }
  /// dpkg's database is read again at the next judgement (the root may have changed).
  void forget_dpkg() { dpkg_.forget(); }
  /// The saved drift state, so a restart does not announce known drift again.
  StateLoad load_drift_state(const std::string& text) { return tracker_.load(text); }

  // --- The pipeline ------------------------------------------------------------
  /// Reads the baseline file (start, SIGHUP, an install inotify saw). Refused,
  /// the last valid baseline stays and is compared with.
  Verdict load_baseline(const Config& config, const std::string& why, Clock::time_point now, int64_t now_ns);
  /// How to scan: keep the content of files changed from the baseline (for their diffs).
  ScanOptions scan_options() const;
  /// A full check's end. DIRTY were changed while it ran and DIRTY_READ is
  /// their read after it: laid on top.
  Verdict take_full_check(const Config& config, bool landlock, ScanResult&& result, double seconds,
                          const std::vector<RecheckScope>& dirty, ScanResult&& dirty_read, Clock::time_point now,
                          int64_t now_ns);
  /// A debounced re-check's read of SCOPES (nothing before the first full check).
  Verdict take_recheck(const Config& config, bool landlock, const std::vector<RecheckScope>& scopes,
                       ScanResult&& fresh, Clock::time_point now, int64_t now_ns);
  /// The runtime poller's entries; judged when CHANGED.
  Verdict take_runtime(const Config& config, const std::vector<Entry>& runtime, bool changed, Clock::time_point now,
                       int64_t now_ns);
  /// Judges the node (compare, dpkg gate, package causes, tracker) and
  /// announces each transition.
  Verdict judge(const Config& config, bool force_push, Clock::time_point now, int64_t now_ns);
  /// Judging was put off (dpkg runs): judge again then.
  std::optional<Clock::time_point> judge_again_at() const { return again_at_; }
  /// Judges again when that moment has come.
  Verdict judge_if_due(const Config& config, Clock::time_point now, int64_t now_ns);

  // --- What it holds ---------------------------------------------------------
  const std::shared_ptr<const Baseline>& baseline() const { return baseline_.current(); }
  bool node_known() const { return node_.known(); }
  size_t tracked() const { return tracker_.state().size(); }
  /// The heartbeat line's facts.
  HeartbeatFacts heartbeat() const;

 private:
  Verdict invalid(const std::string& reason);
  // A Landlock file rule replaced by rename is a new inode driftd may not open.
  bool rule_file_replaced(const Config& config, bool landlock, const std::vector<Entry>& entries) const;

  Metrics* metrics_;
  Health* health_;
  DaemonSources* sources_;
  Log log_;

  InstalledBaseline baseline_;
  NodeState node_;
  DriftTracker tracker_;
  DpkgGate dpkg_;  // the package-aware check waits for dpkg
  DriftAnnouncer announcer_;
  std::optional<Clock::time_point> again_at_;
  int64_t last_full_check_ns_ = 0;
};

}  // namespace drift
