// Pushes the metrics to Pushgateway with PUT (the node's whole group is
// replaced, so a cleared series disappears), from its own thread: the watcher
// never waits on the network. Pushes at once on request (drift state changed,
// first full check done), at most once per min_interval when any value
// changed (events read, re-checks, a spool count: the metrics tell the sink,
// changes in between coalesce into one push), and on the heartbeat. A failed
// push is retried with backoff, always with the latest state (metrics are
// state, not a queue); changes do not shorten the backoff.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "agent/metrics.h"

namespace drift {

/// The group URL: {base}/metrics/job/{job}/instance/{node}; a label value
/// that is not plain [A-Za-z0-9._-] goes base64url-encoded (`instance@base64/`).
std::string pushgateway_group_url(const std::string& base, const std::string& job, const std::string& instance);

/// The least time between two pushes that only carry changed values.
inline constexpr std::chrono::milliseconds kMinPushInterval(1000);

class PushgatewaySink {
 public:
  /// Listens to metrics' changes until stop(); metrics must outlive the sink.
  PushgatewaySink(std::string group_url, std::chrono::milliseconds heartbeat, Metrics* metrics,
                  std::function<void(const std::string&)> log,
                  std::chrono::milliseconds min_interval = kMinPushInterval);
  ~PushgatewaySink();

  /// Asks for a push now. The first call also enables the heartbeat and the
  /// pushes of changed values (nothing is pushed before the first full check).
  void push_soon();
  /// Pushes the latest state once more (bounded by a timeout) and stops.
  void stop();

 private:
  void run();
  /// A metric changed: push within min_interval (from the metrics' listener).
  void note_change();
  /// When the next push is due, given the state under mutex_.
  std::chrono::steady_clock::time_point next_push_due(std::chrono::steady_clock::time_point now) const;

  const std::string url_;
  const std::chrono::milliseconds heartbeat_, min_interval_;
  Metrics* metrics_;
  std::function<void(const std::string&)> log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false, enabled_ = false, stopping_ = false, dirty_ = false, failing_ = false;
  std::chrono::steady_clock::time_point next_heartbeat_, last_push_, retry_at_;
  std::thread thread_;
};

}  // namespace drift
