#include "agent/pushgateway_sink.h"

#include "lib/backoff.h"
#include "lib/http_client.h"

namespace drift {
namespace {

constexpr std::chrono::milliseconds kTimeout(5000);

bool plain_label_value(const std::string& v) {
  if (v.empty()) return false;
  for (char c : v) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string base64url(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}

std::string label_segment(const std::string& name, const std::string& value) {
  if (plain_label_value(value)) return "/" + name + "/" + value;
  return "/" + name + "@base64/" + (value.empty() ? std::string("=") : base64url(value));
}

}  // namespace

std::string pushgateway_group_url(const std::string& base, const std::string& job, const std::string& instance) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  return b + "/metrics" + label_segment("job", job) + label_segment("instance", instance);
}

using Clock = std::chrono::steady_clock;

PushgatewaySink::PushgatewaySink(std::string group_url, std::chrono::milliseconds heartbeat, Metrics* metrics,
                                 std::function<void(const std::string&)> log, std::chrono::milliseconds min_interval)
    : url_(std::move(group_url)), heartbeat_(heartbeat), min_interval_(min_interval), metrics_(metrics),
      log_(std::move(log)) {
  metrics_->set_change_listener([this] { note_change(); });
  thread_ = std::thread([this] { run(); });
}

PushgatewaySink::~PushgatewaySink() { stop(); }

void PushgatewaySink::push_soon() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requested_ = enabled_ = true;
  }
  wake_.notify_one();
}

void PushgatewaySink::note_change() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (dirty_) return;  // already due: coalesced
    dirty_ = true;
  }
  wake_.notify_one();
}

void PushgatewaySink::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  metrics_->set_change_listener(nullptr);
}

Clock::time_point PushgatewaySink::next_push_due(Clock::time_point now) const {
  if (requested_ || stopping_) return now;
  Clock::time_point due = failing_ ? retry_at_ : Clock::time_point::max();
  if (!enabled_) return due;
  due = std::min(due, next_heartbeat_);
  if (dirty_) due = std::min(due, std::max(last_push_ + min_interval_, failing_ ? retry_at_ : Clock::time_point::min()));
  return due;
}

void PushgatewaySink::run() {
  Backoff backoff;
  next_heartbeat_ = Clock::now() + heartbeat_;
  last_push_ = Clock::time_point::min() + min_interval_;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto due = next_push_due(Clock::now());
    if (due == Clock::time_point::max()) {
      wake_.wait(lock);
      continue;
    }
    if (Clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;  // woken early or late: decide again
    }
    if (!enabled_ && !requested_ && !failing_) return;  // stopping, nothing was ever pushed
    requested_ = dirty_ = false;
    const bool last = stopping_;
    lock.unlock();
    const HttpResponse r = http_request("PUT", url_, metrics_->text(), "text/plain; version=0.0.4", kTimeout);
    const bool ok = r.status >= 200 && r.status < 300;
    if (!ok) metrics_->add_push_failure("pushgateway");  // unlocked: it tells note_change
    lock.lock();
    if (ok) {
      if (failing_) log_("pushgateway: delivered again");
      failing_ = false;
      backoff.succeeded();
    } else {
      if (!failing_) {
        log_("pushgateway: push to " + url_ + " failed: " +
             (r.status ? "HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 200) : r.error) +
             " (retrying with backoff)");
      }
      failing_ = true;
      retry_at_ = Clock::now() + backoff.failed();
    }
    last_push_ = Clock::now();
    next_heartbeat_ = last_push_ + heartbeat_;
    if (last) return;
  }
}

}  // namespace drift
