// The full-rescan worker. A full check walks and hashes the whole selection,
// which takes seconds to minutes, so it runs on its own thread while the
// daemon's thread keeps reading inotify. The worker raises an eventfd the
// daemon polls when it is done; the daemon then takes the result on its own
// thread (one thread owns the state). A request while one runs is kept as
// "again" (one more after it), and the paths that changed meanwhile are kept
// to be read again on top of its result. Cancellation is a flag the scan
// polls (SIGTERM must not wait for an idle-priority walk). Periodic rescans
// yield to the node's workloads (idle CPU and I/O priority).
#pragma once

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "agent/scan.h"
#include "agent/watcher.h"

namespace drift {

/// Lowers the calling thread to SCHED_IDLE and the idle I/O class (see rescan_worker.cc).
void lower_priority_of_this_thread();

class RescanWorker {
 public:
  using ScanFn = std::function<ScanResult(const std::atomic<bool>* cancel)>;
  struct Done {
    ScanResult result;
    double seconds = 0;
    std::vector<RecheckScope> dirty;  // changed while it ran: read them again on top
  };

  RescanWorker();
  ~RescanWorker();
  RescanWorker(const RescanWorker&) = delete;
  RescanWorker& operator=(const RescanWorker&) = delete;

  /// Readable when a scan has finished: poll it, then call finish().
  int fd() const { return efd_; }
  bool running() const { return running_; }

  /// Starts SCAN on the worker thread (at idle priority when IDLE). While one
  /// runs, remembers to run again and returns false.
  bool start(ScanFn scan, bool idle);
  /// Remembers paths changed while a scan runs (nothing when none runs).
  void note_dirty(const std::vector<RecheckScope>& scopes);
  /// Joins the finished scan and hands over its result.
  Done finish();
  /// True once after a request came while a scan ran.
  bool take_again();
  /// Asks the running scan to stop (it stops at its next check of the flag).
  void cancel() { cancel_ = true; }
  /// Waits for a running scan to end, dropping its result.
  void join();

 private:
  int efd_ = -1;
  std::thread thread_;
  std::atomic<bool> cancel_{false};
  bool running_ = false, again_ = false;
  ScanResult result_;
  double seconds_ = 0;
  std::vector<RecheckScope> dirty_;
};

}  // namespace drift
