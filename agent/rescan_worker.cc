// The full-rescan worker's thread, eventfd and priority (see rescan_worker.h).
#include "agent/rescan_worker.h"

#include <sched.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>

namespace drift {

// SCHED_IDLE for CPU and the idle I/O class (honoured by BFQ; others ignore
// it). Both are per thread and inherited by the hashing threads the scan
// starts. Both by raw syscall: musl's sched_setscheduler() always fails with
// ENOSYS (the Alpine image).
void lower_priority_of_this_thread() {
  struct sched_param p{};
  ::syscall(SYS_sched_setscheduler, 0, SCHED_IDLE, &p);
  constexpr int kIoprioWhoProcess = 1, kIoprioClassIdle = 3, kIoprioClassShift = 13;
  ::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, kIoprioClassIdle << kIoprioClassShift);
}

RescanWorker::RescanWorker() : efd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

RescanWorker::~RescanWorker() {
  cancel_ = true;
  join();
  if (efd_ >= 0) ::close(efd_);
}

bool RescanWorker::start(ScanFn scan, bool idle) {
  if (running_) {
    again_ = true;
    return false;
  }
  running_ = true;
  dirty_.clear();
  thread_ = std::thread([this, scan = std::move(scan), idle] {
    if (idle) lower_priority_of_this_thread();
    const auto t0 = std::chrono::steady_clock::now();
    ScanResult r = scan(&cancel_);
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result_ = std::move(r);
    const uint64_t one = 1;
    (void)!::write(efd_, &one, sizeof one);
  });
  return true;
}

void RescanWorker::note_dirty(const std::vector<RecheckScope>& scopes) {
  if (running_) dirty_.insert(dirty_.end(), scopes.begin(), scopes.end());
}

RescanWorker::Done RescanWorker::finish() {
  uint64_t n;
  (void)!::read(efd_, &n, sizeof n);
  Done done;
  if (!running_) return done;
  thread_.join();
  running_ = false;
  done.result = std::move(result_);
  result_ = ScanResult{};
  done.seconds = seconds_;
  done.dirty = std::move(dirty_);
  dirty_.clear();
  return done;
}

bool RescanWorker::take_again() {
  const bool again = again_;
  again_ = false;
  return again;
}

void RescanWorker::join() {
  if (!running_) return;
  thread_.join();
  running_ = false;
}

}  // namespace drift
