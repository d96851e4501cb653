// Progress. Drawn from its own thread on a timer (a condition variable with a
// timeout, not a sleep loop), so the hashing threads only bump two relaxed
// atomics and never touch the terminal.
#include "lib/progress.h"

#include <cstdio>

namespace drift {

Progress::Progress(bool enabled) {
  if (!enabled) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) draw();
  });
}

Progress::~Progress() { finish(); }

void Progress::finish() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

std::string progress_line(uint64_t entries, uint64_t total_entries, uint64_t bytes, uint64_t total_bytes,
                          double elapsed_seconds) {
  const double mb = static_cast<double>(bytes) / 1e6;
  char buf[160];
  std::string line = std::to_string(entries);
  if (total_entries > 0) line += "/" + std::to_string(total_entries);
  std::snprintf(buf, sizeof buf, " entries, %.0f", mb);
  line += buf;
  if (total_bytes > 0) {
    std::snprintf(buf, sizeof buf, "/%.0f", static_cast<double>(total_bytes) / 1e6);
    line += buf;
  }
  std::snprintf(buf, sizeof buf, " MB, %.0f MB/s, %.1fs", elapsed_seconds > 0 ? mb / elapsed_seconds : 0.0,
                elapsed_seconds);
  return line + buf;
}

void Progress::draw() {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string line =
      progress_line(entries_.load(), total_entries_.load(), bytes_.load(), total_bytes_.load(), elapsed);
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

}  // namespace drift
