// The probes' answers (see the header).
#include "agent/health.h"

namespace drift {
namespace {

std::string seconds(int64_t ns) { return std::to_string(ns / 1000000000) + " s"; }

}  // namespace

void Health::set_baseline(const std::string& state, bool comparing) {
  std::lock_guard<std::mutex> lock(mutex_);
  baseline_ = state;
  comparing_ = comparing;
  baseline_decided_ = true;
}

std::chrono::milliseconds Health::full_check_bound() const {
  return 3 * std::chrono::milliseconds(interval_ms_.load()) + std::chrono::hours(1);
}

Health::Answer Health::live(Clock::time_point now) const {
  const int64_t t = ns(now), loop = loop_ns_.load(std::memory_order_relaxed),
                full = full_ns_.load(std::memory_order_relaxed);
  std::string baseline;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    baseline = baseline_;
  }
  if (loop == 0) return {503, "starting: the event loop has not turned yet"};
  if (t - loop > std::chrono::nanoseconds(kLoopStuck).count()) {
    return {503, "event loop stuck: last turn " + seconds(t - loop) + " ago"};
  }
  const int64_t bound = std::chrono::nanoseconds(full_check_bound()).count();
  if (full != 0 && t - full > bound) {
    return {503, "last full check " + seconds(t - full) + " ago (bound " + seconds(bound) + ")"};
  }
  return {200, std::string("ok: ") + (full ? "last full check " + seconds(t - full) + " ago"
                                           : "first full check running") +
                   "; baseline " + baseline};
}

Health::Answer Health::ready(Clock::time_point now) const {
  const int64_t full = full_ns_.load(std::memory_order_relaxed);
  if (!baseline_decided_) return {503, "starting: the baseline is not loaded yet"};
  if (full == 0 && !comparing_) return {200, "ready: no valid baseline to check against; watching for one"};
  if (full == 0) return {503, "first full check running"};
  return {200, "ready: last full check " + seconds(ns(now) - full) + " ago"};
}

}  // namespace drift
