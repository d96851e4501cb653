// The debounce between inotify and a re-check. Leading edge: the first
// *complete* change after a quiet period (no event and no re-check for
// `debounce`) is re-checked at once, so a lone edit is seen in milliseconds,
// not a window later. Trailing edge for the rest: what arrives within the
// window, and any file only modified (never closed: it may be half written),
// gathers from its first event on and is taken `debounce` after that event as
// one batch, so a storm or an upgrade still settles in a few re-checks. Each path is taken
// once, a subtree scope swallowing the paths below it. A batch keeps the time
// of the change it answers, so detection latency is measured from when the
// change was seen, not when it was read again. Time is passed in.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/scan.h"

namespace drift {

class PendingRechecks {
 public:
  using Clock = std::chrono::steady_clock;

  /// Adds the scopes of one read of events; a subtree wins over self-only,
  /// a path's latest event says whether its change is complete. `leading`
  /// false: no leading edge (the audit log's record of a write lands after
  /// inotify's event; the trailing window gives it `debounce` to arrive).
  void add(const std::vector<RecheckScope>& scopes, Clock::time_point now, std::chrono::milliseconds debounce,
           bool leading = true);
  /// When the next batch is due, if there is one: at once for a complete
  /// change after a quiet period, else the first event + debounce.
  std::optional<Clock::time_point> due(std::chrono::milliseconds debounce) const;
  bool ready(Clock::time_point now, std::chrono::milliseconds debounce) const;

  struct Batch {
    std::vector<RecheckScope> scopes;  // sorted, outermost only
    Clock::time_point first_event;
    bool leading = false;              // taken at once: the complete changes only
  };
  /// Takes what is due at `now`: on the leading edge the complete changes
  /// (and what a complete subtree swallows), leaving the rest to the trailing
  /// edge; else everything. Only when something is pending.
  Batch take(Clock::time_point now);

 private:
  struct Pending {
    bool self_only = true;
    bool complete = false;
  };
  std::map<std::string, Pending> pending_;
  std::optional<Clock::time_point> first_event_;  // of what waits for the trailing edge
  std::optional<Clock::time_point> leading_at_;   // a complete change after a quiet period
  std::optional<Clock::time_point> last_activity_;  // the last event or re-check
};

}  // namespace drift
