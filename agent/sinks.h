// The daemon's outputs, started and stopped together: the Pushgateway sink
// (metrics), the Loki sink (ships the spool) and the optional /metrics and
// /healthz listener. Each sink runs on its own thread; the daemon's thread
// only asks them to push or wake, so it never waits on the network.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/config.h"
#include "agent/health.h"
#include "agent/http_listener.h"
#include "agent/metrics.h"
#include "agent/spool.h"

namespace drift {

class LokiSink;
class PushgatewaySink;

class Sinks {
 public:
  using Log = std::function<void(const std::string&)>;
  /// health: what /healthz and /readyz answer (null: 200 while the process lives).
  Sinks(Metrics* metrics, Log log, const Health* health = nullptr);
  ~Sinks();

  /// Starts what the config names: Pushgateway when pushgateway_url is set,
  /// Loki when loki_url is set and spool is not null, the listener when
  /// listen is set (a port it cannot bind is logged; no /metrics then).
  void start(const Config& config, Spool* spool);
  /// True when a config change needs the sinks started again.
  static bool differ(const Config& a, const Config& b);
  /// Stops all at once (a reload): lines not yet shipped stay spooled.
  void restart(const Config& config, Spool* spool);

  /// Metrics changed: push (at most about once a second, see PushgatewaySink).
  void push_soon();
  bool pushing() const { return pusher_ != nullptr; }
  /// New lines are spooled.
  void wake_loki();

  /// At exit: a last push, and three seconds for Loki; the rest stays spooled.
  void shutdown();

 private:
  void stop_now();

  Metrics* metrics_;
  Log log_;
  std::unique_ptr<PushgatewaySink> pusher_;
  std::unique_ptr<LokiSink> loki_;
  const Health* health_;
  std::unique_ptr<HttpListener> listener_;
};

}  // namespace drift
