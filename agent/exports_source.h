// The /etc/exports checks as one of the daemon's sources, the shape the
// next sources (expectations, runtime kernel state, audit) take too: it owns
// its state (the tracker, the files the last run read, when it is due), and
// one run turns the host's files into transitions, Loki lines, directories to
// watch and the state to save. The daemon only logs, spools, saves and
// watches what a run returns. Time is passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/exports_tracker.h"
#include "agent/spool.h"
#include "exports/exports_config.h"

namespace drift {

class ExportsSource {
 public:
  using Clock = std::chrono::steady_clock;

  struct Run {
    std::vector<ExportsTransition> transitions;  // to log
    std::vector<LokiEntry> lines;                // one per transition
    std::vector<std::string> restart_for;        // files newly unreadable under Landlock
    std::set<std::string> watch_dirs;            // read paths whose changes mean "run again"
    std::optional<std::string> state;            // the exports-state to save, when it changed
  };
  /// Checks the files under root and compares with what was known.
  Run run(const ExportsConfig& config, const std::string& root, const std::string& node, bool landlock,
          int64_t now_ns);

  /// A changed read path: when the last run read it, the checks are due
  /// `debounce` from now.
  void note_changed(const std::string& read_path, const std::string& root, Clock::time_point now,
                    std::chrono::milliseconds debounce);
  std::optional<Clock::time_point> due() const { return due_; }
  /// True (and no longer due) when the checks are due by now.
  bool take_due(Clock::time_point now);

  ExportsTracker& tracker() { return tracker_; }

 private:
  ExportsTracker tracker_;
  std::vector<std::string> files_read_;  // host paths the last run consulted
  std::optional<Clock::time_point> due_;
};

}  // namespace drift
