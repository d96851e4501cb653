// The debounce between inotify and a re-check: changed paths gather here from
// the first event on, and `debounce` after that first event they are taken
// as one batch of scopes, each path once, a subtree scope swallowing the
// paths below it. The first event's time stays with the batch, so detection
// latency is measured from when the change was seen, not when it was read
// again. Time is passed in.
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

  /// Adds the scopes of one read of events; a subtree wins over self-only.
  void add(const std::vector<RecheckScope>& scopes, Clock::time_point now);
  /// When the batch is due (first event + debounce), if there is one.
  std::optional<Clock::time_point> due(std::chrono::milliseconds debounce) const;
  bool ready(Clock::time_point now, std::chrono::milliseconds debounce) const;

  struct Batch {
    std::vector<RecheckScope> scopes;  // sorted, outermost only
    Clock::time_point first_event;
  };
  /// Takes the batch and empties the set. Only when something is pending.
  Batch take();

 private:
  std::map<std::string, bool> pending_;  // path -> self_only
  std::optional<Clock::time_point> first_event_;
};

}  // namespace drift
