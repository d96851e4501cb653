// Signals as a file descriptor (signal_fd.h).
#include "lib/signal_fd.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace drift {

SignalFd::SignalFd(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  fd_ = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

SignalFd::~SignalFd() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<int> SignalFd::take() {
  std::vector<int> out;
  struct signalfd_siginfo si;
  while (fd_ >= 0 && ::read(fd_, &si, sizeof si) == sizeof si) out.push_back(static_cast<int>(si.ssi_signo));
  return out;
}

}  // namespace drift
