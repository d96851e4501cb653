// Ships the spool to Loki's push API from its own thread, in order, at least
// once, with the original timestamps (Loki drops an exact duplicate, so a
// retry after a lost answer shows up once). Handles Loki's answers as
// measured (../shared/loki/README.md):
//  - 204: delivered, the segment is removed;
//  - no answer, 429, 5xx: kept, retried with backoff (0.5 s .. 5 min, jitter);
//  - 400 for a batch: Loki may have stored its good entries, so the batch is
//    split and retried until the bad entry is alone;
//  - 400 "too old" (older than 7 days) or "too far behind" (an hour behind
//    the stream's newest entry) for one entry: re-sent with the current time
//    (the line keeps its detection time), never dropped;
//  - 400 for another reason: logged with Loki's message, counted and moved to
//    state_dir/loki-dead-letter.jsonl, so one bad line cannot block the queue.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "agent/metrics.h"
#include "agent/spool.h"

namespace drift {

/// The JSON body of one push (streams grouped by label set, in entry order).
std::string loki_push_body(const std::vector<LokiEntry>& entries);

class LokiSink {
 public:
  /// on_progress runs (on the sink's thread) after lines left the spool, so
  /// the metrics that show the spool can be pushed.
  LokiSink(std::string push_url, Spool* spool, std::string dead_letter_path, Metrics* metrics,
           std::function<void(const std::string&)> log, std::function<void()> on_progress);
  ~LokiSink();

  /// Something was spooled: try to deliver it now (unless backing off).
  void wake();
  /// Tries to deliver what is spooled for at most `grace`, then stops; the
  /// rest stays in the spool for the next start.
  void stop(std::chrono::milliseconds grace);

 private:
  enum class Outcome { kDelivered, kRetryLater };
  void run();
  Outcome deliver(std::vector<LokiEntry>* entries, std::vector<LokiEntry>* undelivered);
  void dead_letter(const LokiEntry& entry, const std::string& reason);
  void update_metrics();

  const std::string url_;
  Spool* spool_;
  const std::string dead_letter_path_;
  Metrics* metrics_;
  std::function<void(const std::string&)> log_;
  std::function<void()> on_progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = true, stopping_ = false;
  uint64_t metrics_spooled_ = 0;  // spool size last reported (sink thread only)
  std::chrono::steady_clock::time_point stop_deadline_{};
  std::thread thread_;
};

}  // namespace drift
