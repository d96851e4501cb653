// The daemon's exports state, the twin of DriftTracker: which violations of
// the /etc/exports checks are known, the ones a run found new or found gone
// (what gets logged and sent to Loki), and the saved state that keeps a
// restart from announcing them again. It also decides when a violation means
// "restart": Landlock grants the files by inode at start, so a file replaced
// by rename (sed -i, an editor) reads as unreadable; the first time that is
// seen under Landlock, driftd restarts to confine afresh. Known unreadability
// (in the saved state) does not restart again, so a lasting one is no loop.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/drift_tracker.h"
#include "exports/exports_report.h"

namespace drift {

inline constexpr const char* kExportsStateName = "exports-state";
inline constexpr int kExportsStateVersion = 2;  // 1: no format line

struct ExportsTransition {
  bool cleared = false;  // false: a new violation
  ExportsViolation violation;
};

struct ExportsUpdate {
  std::vector<ExportsTransition> transitions;  // new ones, then cleared ones, each by identity
  bool changed = false;                        // the saved state must be written again
  std::vector<std::string> restart_for;        // files newly unreadable under Landlock
};

/// What to watch so the checks run again when an input changes: each file's
/// directory, and the directories they read themselves (exports.d,
/// nfs.conf.d), as read paths under root.
std::set<std::string> exports_watch_dirs(const std::vector<std::string>& files_read, const std::string& root);
/// True when a changed read path is one of the files the checks read, or below one.
bool exports_input_changed(const std::string& read_path, const std::vector<std::string>& files_read,
                           const std::string& root);

class ExportsTracker {
 public:
  /// Takes one run's violations as the new state. `landlock`: the daemon is
  /// confined by Landlock (unreadable files then mean restart).
  ExportsUpdate update(const std::vector<ExportsViolation>& violations, bool landlock);

  /// Critical violations counted by (rule, export path), for the gauges.
  std::map<std::pair<std::string, std::string>, int> critical_counts() const;
  size_t size() const { return known_.size(); }

  /// state_dir/exports-state: the format line, then JSON. load() reads this
  /// and version 1 (JSON alone); on anything else it keeps the state it had.
  std::string save() const;
  StateLoad load(const std::string& text);

 private:
  std::map<std::string, ExportsViolation> known_;  // by identity
};

}  // namespace drift
