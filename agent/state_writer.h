// Everything driftd writes into state_dir: Loki lines into the durable spool,
// and the small state files (drift-state, exports-state, highest-serial).
// When state_dir refuses a write (full, failing) nothing is lost at once: a
// state file's newest content and the spool's lines wait in memory (the
// spool bounds its own), the metrics say how much waits, and every write is
// tried again every kRetryWrites until it lands. Time is passed in, so the
// retry policy is tested without a clock.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/metrics.h"
#include "agent/spool.h"

namespace drift {

class StateWriter {
 public:
  using Clock = std::chrono::steady_clock;
  using Log = std::function<void(const std::string&)>;
  /// How often writes state_dir refused are tried again.
  static constexpr std::chrono::seconds kRetryWrites{2};

  StateWriter(Metrics* metrics, Log log) : metrics_(metrics), log_(std::move(log)) {}

  /// Opens the spool under dir; false (and *err) leaves driftd without one.
  bool open_spool(const std::string& dir, uint64_t max_bytes, std::string* err);
  bool spool_ok() const { return spool_ok_; }
  Spool* spool() { return spool_ok_ ? &spool_ : nullptr; }

  /// Appends lines to the spool (or holds them); true when there is something
  /// new for the Loki sink to ship. Without a spool they are counted dropped.
  bool spool_lines(const std::vector<LokiEntry>& lines, Clock::time_point now);

  /// Writes a state file atomically (mode 0600) or keeps its content to retry.
  void save(const std::string& path, const std::string& content, const std::string& what, Clock::time_point now);

  /// When retry() is due, if anything waits.
  std::optional<Clock::time_point> retry_at() const { return retry_at_; }

  struct Retried {
    bool spooled = false;  // held lines reached the spool: wake the Loki sink
    bool changed = false;  // something that waited was written: push metrics
  };
  /// Tries every waiting write again.
  Retried retry(Clock::time_point now);

  /// At exit: one last try, then what is still unwritten is counted and told.
  void shutdown(Clock::time_point now);

  size_t unsaved() const { return unsaved_.size(); }
  uint64_t held() const { return spool_.held(); }

 private:
  void log_drops(const SpoolDrops& dropped);
  void update_metrics();

  Metrics* metrics_;
  Log log_;
  Spool spool_;
  bool spool_ok_ = false;
  std::map<std::string, std::string> unsaved_;  // path -> newest content
  std::optional<Clock::time_point> retry_at_;
};

}  // namespace drift
