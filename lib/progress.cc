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

void Progress::draw() {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double mb = static_cast<double>(bytes_.load()) / 1e6;
  std::fprintf(stderr, "\r\033[K%llu/%llu entries, %.0f/%.0f MB, %.0f MB/s, %.1fs",
               static_cast<unsigned long long>(entries_.load()),
               static_cast<unsigned long long>(total_entries_.load()), mb,
               static_cast<double>(total_bytes_.load()) / 1e6, elapsed > 0 ? mb / elapsed : 0.0,
               elapsed);
  std::fflush(stderr);
}

}  // namespace drift
