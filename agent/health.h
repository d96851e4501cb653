// What driftd's probes mean. /healthz (liveness): the event loop turned
// within a bound (it wakes at least every kLoopWake, so a loop that did not
// turn for kLoopStuck is stuck, not idle), and once a full check has been
// done, the last one is not older than a bound of rescan_interval (a
// periodic check that never ends). A first full check that runs long on a
// loaded node is not a failure: there is no last check to be old yet. The
// baseline is reported, never a failure: a node without one is healthy and
// says so. /readyz (readiness): the first full check against a baseline is
// done, or there is no baseline to check against yet (a fresh node must be
// Ready for `kubectl exec` and rollouts; it says it waits for one). The daemon
// publishes its state from its loop; the listener's thread asks. Time is
// passed in.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

namespace drift {

class Health {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kLoopWake{10};
  static constexpr std::chrono::seconds kLoopStuck{120};

  explicit Health(std::chrono::milliseconds rescan_interval) : interval_ms_(rescan_interval.count()) {}

  // The daemon's side (its loop's thread).
  void loop_turned(Clock::time_point now) { loop_ns_.store(ns(now), std::memory_order_relaxed); }
  void full_check_done(Clock::time_point now) { full_ns_.store(ns(now), std::memory_order_relaxed); }
  void set_rescan_interval(std::chrono::milliseconds interval) { interval_ms_.store(interval.count()); }
  /// "serial 17 valid", "none valid (...)"; `comparing`: a baseline (the
  /// installed one or the last valid) is being compared with.
  void set_baseline(const std::string& state, bool comparing);

  struct Answer {
    int status = 200;
    std::string text;  // one line
  };
  // The listener's side (any thread).
  Answer live(Clock::time_point now) const;
  Answer ready(Clock::time_point now) const;

  /// How old the last full check may be: 3 x rescan_interval + 1 h (a
  /// periodic check runs at idle priority and may wait on a busy node).
  std::chrono::milliseconds full_check_bound() const;

 private:
  static int64_t ns(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  }
  std::atomic<int64_t> interval_ms_;
  std::atomic<int64_t> loop_ns_{0};
  std::atomic<int64_t> full_ns_{0};  // 0: no full check yet
  mutable std::mutex mutex_;
  std::string baseline_ = "none loaded yet";
  std::atomic<bool> comparing_{false};
  std::atomic<bool> baseline_decided_{false};  // the first baseline load was tried
};

}  // namespace drift
