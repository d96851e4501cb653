#include "agent/loki_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "lib/backoff.h"
#include "lib/http_client.h"

namespace drift {

using nlohmann::json;

namespace {

constexpr std::chrono::milliseconds kTimeout(10000);
constexpr size_t kMaxBatch = 500;

int64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool transient(long status) { return status == 0 || status == 429 || status >= 500; }

}  // namespace

std::string loki_push_body(const std::vector<LokiEntry>& entries) {
  json streams = json::array();
  std::map<std::map<std::string, std::string>, size_t> index;
  for (const LokiEntry& e : entries) {
    auto [it, inserted] = index.emplace(e.labels, streams.size());
    if (inserted) streams.push_back({{"stream", e.labels}, {"values", json::array()}});
    streams[it->second]["values"].push_back({std::to_string(e.ts_ns), e.line});
  }
  return json{{"streams", streams}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

LokiSink::LokiSink(std::string push_url, Spool* spool, std::string dead_letter_path, Metrics* metrics,
                   std::function<void(const std::string&)> log, std::function<void()> on_progress)
    : url_(std::move(push_url)), spool_(spool), dead_letter_path_(std::move(dead_letter_path)),
      metrics_(metrics), log_(std::move(log)), on_progress_(std::move(on_progress)) {
  thread_ = std::thread([this] { run(); });
}

LokiSink::~LokiSink() { stop(std::chrono::milliseconds(0)); }

void LokiSink::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ = true;
  }
  wake_.notify_one();
}

void LokiSink::stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + grace;
  }
  wake_.notify_one();
  thread_.join();
}

void LokiSink::update_metrics() { metrics_->set_spool(spool_->entries(), spool_->held(), spool_->dropped_total()); }

void LokiSink::dead_letter(const LokiEntry& entry, const std::string& reason) {
  json j = {{"labels", entry.labels}, {"ts", std::to_string(entry.ts_ns)}, {"line", entry.line}, {"loki_error", reason}};
  const std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  const int fd = ::open(dead_letter_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0) {
    (void)!::write(fd, text.data(), text.size());
    ::fsync(fd);
    ::close(fd);
  }
  log_("loki: entry refused for good, moved to " + dead_letter_path_ + ": " + reason.substr(0, 300));
}

// Delivers entries (bisecting on 400); what could not be delivered for a
// transient reason goes to *undelivered, in order.
LokiSink::Outcome LokiSink::deliver(std::vector<LokiEntry>* entries, std::vector<LokiEntry>* undelivered) {
  const HttpResponse r = http_request("POST", url_, loki_push_body(*entries), "application/json", kTimeout);
  if (r.status >= 200 && r.status < 300) return Outcome::kDelivered;
  if (transient(r.status) || r.status != 400) {
    if (!transient(r.status)) {
      // 401/403/404/413...: a setup problem, not this entry's fault; keep it.
      log_("loki: HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 300));
    }
    metrics_->add_push_failure("loki");
    undelivered->insert(undelivered->end(), entries->begin(), entries->end());
    if (r.status == 0) log_("loki: push to " + url_ + " failed: " + r.error);
    return Outcome::kRetryLater;
  }
  if (entries->size() > 1) {
    std::vector<LokiEntry> second(entries->begin() + static_cast<std::ptrdiff_t>(entries->size() / 2), entries->end());
    entries->resize(entries->size() / 2);
    if (deliver(entries, undelivered) == Outcome::kRetryLater) {
      undelivered->insert(undelivered->end(), second.begin(), second.end());
      return Outcome::kRetryLater;
    }
    return deliver(&second, undelivered);
  }
  LokiEntry& e = entries->front();
  if (r.body.find("too old") != std::string::npos || r.body.find("too far behind") != std::string::npos) {
    // A long outage (Loki refuses entries older than 7 days), or an entry more
    // than an hour behind its stream's newest: the line keeps detected_at.
    log_("loki: entry older than Loki accepts, re-sent with the current time");
    e.ts_ns = now_ns();
    return deliver(entries, undelivered);
  }
  metrics_->add_push_failure("loki");
  dead_letter(e, r.body);
  spool_->count_dropped(1);
  return Outcome::kDelivered;  // handled: it leaves the queue
}

void LokiSink::run() {
  Backoff backoff;
  auto retry_at = std::chrono::steady_clock::now();
  bool failing = false;
  update_metrics();
  metrics_spooled_ = spool_->entries();
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (stopping_ && now >= stop_deadline_) return;
    if (now < retry_at) {
      const auto until = stopping_ ? std::min(retry_at, stop_deadline_) : retry_at;
      wake_.wait_until(lock, until);
      continue;
    }
    if (!pending_ && !stopping_) {
      wake_.wait(lock, [this] { return pending_ || stopping_; });
      continue;
    }
    pending_ = false;
    lock.unlock();
    bool more = false;
    SpoolSegment segment;
    if (spool_->oldest(&segment)) {
      std::vector<LokiEntry> undelivered;
      bool retry = false;
      std::vector<LokiEntry> all = std::move(segment.entries);
      for (size_t i = 0; i < all.size() && !retry; i += kMaxBatch) {
        std::vector<LokiEntry> batch(all.begin() + static_cast<std::ptrdiff_t>(i),
                                     all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), i + kMaxBatch)));
        if (deliver(&batch, &undelivered) == Outcome::kRetryLater) {
          retry = true;
          undelivered.insert(undelivered.end(), all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), i + kMaxBatch)), all.end());
        }
      }
      std::string err;
      if (!spool_->replace(segment.seq, undelivered, &err)) log_("loki: spool: " + err);
      if (retry) {
        failing = true;
        retry_at = std::chrono::steady_clock::now() + backoff.failed();
      } else {
        if (failing) log_("loki: delivering again");
        failing = false;
        backoff.succeeded();
      }
      more = true;
    }
    const uint64_t before = metrics_spooled_;
    update_metrics();
    metrics_spooled_ = spool_->entries();
    if (metrics_spooled_ != before && on_progress_) on_progress_();
    lock.lock();
    if (more) pending_ = true;  // look at the next segment (or retry this one after the backoff)
    if (!more && stopping_) return;
  }
}

}  // namespace drift
