// Signals as a file descriptor for a poll() loop: the signals are blocked in
// the calling thread before any other thread exists (so every thread
// inherits the mask and only the loop sees them) and read from a
// non-blocking signalfd. SIGPIPE is ignored: a peer that goes away is an
// error return, never a death.
#pragma once

#include <initializer_list>
#include <vector>

namespace drift {

class SignalFd {
 public:
  explicit SignalFd(std::initializer_list<int> signals);
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const { return fd_; }
  /// The signals that arrived since the last call, in order; never blocks.
  std::vector<int> take();

 private:
  int fd_ = -1;
};

}  // namespace drift
