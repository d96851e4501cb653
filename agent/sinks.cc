// Starting and stopping the sinks (see the header). A listen address that
// cannot be bound becomes a log line: the daemon runs on without /metrics.
#include "agent/sinks.h"


#include "agent/loki_sink.h"
#include "agent/pushgateway_sink.h"

namespace drift {

Sinks::Sinks(Metrics* metrics, Log log, const Health* health)
    : metrics_(metrics), log_(std::move(log)), health_(health) {}

Sinks::~Sinks() { stop_now(); }

void Sinks::start(const Config& config, Spool* spool) {
  if (!config.pushgateway_url.empty()) {
    pusher_ = std::make_unique<PushgatewaySink>(
        pushgateway_group_url(config.pushgateway_url, config.pushgateway_job, config.node),
        config.pushgateway_heartbeat, metrics_, log_);
  }
  if (!config.loki_url.empty() && spool) {
    std::string url = config.loki_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    loki_ = std::make_unique<LokiSink>(url + "/loki/api/v1/push", spool, config.state_dir + "/loki-dead-letter.jsonl",
                                       metrics_, log_, [this] { push_soon(); });
  }
  if (!config.listen.empty()) {
    listener_ = std::make_unique<HttpListener>([this] { return metrics_->text(); }, health_);
    std::string why;
    if (!listener_->start(config.listen, &why)) {
      log_(why + " (serving no /metrics)");
      listener_.reset();
    }
  }
}

bool Sinks::differ(const Config& a, const Config& b) {
  return a.pushgateway_url != b.pushgateway_url || a.loki_url != b.loki_url || a.node != b.node ||
         a.pushgateway_job != b.pushgateway_job;
}

void Sinks::stop_now() {
  if (pusher_) pusher_->stop();
  if (loki_) loki_->stop(std::chrono::milliseconds(0));
  pusher_.reset();
  loki_.reset();
  listener_.reset();
}

void Sinks::restart(const Config& config, Spool* spool) {
  stop_now();
  start(config, spool);
}

void Sinks::push_soon() {
  if (pusher_) pusher_->push_soon();
}

void Sinks::wake_loki() {
  if (loki_) loki_->wake();
}

void Sinks::shutdown() {
  listener_.reset();
  if (pusher_) pusher_->stop();  // one last push of the latest state
  if (loki_) loki_->stop(std::chrono::milliseconds(3000));
  pusher_.reset();
  loki_.reset();
}

}  // namespace drift
