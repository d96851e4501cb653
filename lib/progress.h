// Progress line on stderr for long scans (only on a terminal).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace drift {

/// The status line (without the carriage return): "1200/8812 entries, 40/310
/// MB, 12 MB/s, 3.4s" with a total, "1200 entries, 40 MB, 12 MB/s, 3.4s"
/// while the total is not known (0): never "1200/0".
std::string progress_line(uint64_t entries, uint64_t total_entries, uint64_t bytes, uint64_t total_bytes,
                          double elapsed_seconds);

/// Counters the scan bumps; when enabled a thread redraws one status line on
/// stderr four times a second: entries, bytes, rate, elapsed.
class Progress {
 public:
  /// enabled: draw at all (caller checks isatty(2) and --quiet).
  explicit Progress(bool enabled);
  ~Progress();

  void set_total(uint64_t entries, uint64_t bytes) { total_entries_ = entries; total_bytes_ = bytes; }
  void add(uint64_t entries, uint64_t bytes) {
    entries_.fetch_add(entries, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  /// Stops the redraw thread and clears the line.
  void finish();

 private:
  void draw();
  std::atomic<uint64_t> entries_{0}, bytes_{0};
  std::atomic<uint64_t> total_entries_{0}, total_bytes_{0};
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace drift
