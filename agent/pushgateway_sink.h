// Pushes the metrics to Pushgateway with PUT (the node's whole group is
// replaced, so a cleared series disappears), from its own thread: the watcher
// never waits on the network. Pushes on request (drift state changed, first
// full check done) and on the heartbeat; a failed push is retried with
// backoff, always with the latest state (metrics are state, not a queue).
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

class PushgatewaySink {
 public:
  PushgatewaySink(std::string group_url, std::chrono::milliseconds heartbeat, Metrics* metrics,
                  std::function<void(const std::string&)> log);
  ~PushgatewaySink();

  /// Asks for a push soon. The first call also enables the heartbeat.
  void push_soon();
  /// Pushes the latest state once more (bounded by a timeout) and stops.
  void stop();

 private:
  void run();

  const std::string url_;
  const std::chrono::milliseconds heartbeat_;
  Metrics* metrics_;
  std::function<void(const std::string&)> log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false, enabled_ = false, stopping_ = false;
  std::thread thread_;
};

}  // namespace drift
