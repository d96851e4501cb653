// The full-rescan worker: the scan runs on its own thread and raises the
// eventfd when done; a request while one runs is kept as one more; changes
// seen meanwhile come back with the result; cancellation reaches the scan;
// periodic scans run at idle priority.
#include <poll.h>
#include <sched.h>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "agent/rescan_worker.h"
#include "test_util.h"

using namespace drift;

namespace {

// Waits (polling, generous deadline) for the worker's eventfd.
bool wait_done(const RescanWorker& w) {
  struct pollfd p = {w.fd(), POLLIN, 0};
  return ::poll(&p, 1, 60000) == 1;
}

ScanResult one_entry(const std::string& path) {
  ScanResult r;
  r.entries.push_back(test::file_entry(path));
  return r;
}

}  // namespace

TEST_CASE("RescanWorker: the result comes back through the eventfd, with the changes seen meanwhile") {
  RescanWorker w;
  std::atomic<bool> go{false};
  REQUIRE(w.start([&](const std::atomic<bool>*) {
    while (!go) std::this_thread::yield();
    return one_entry("/etc/a");
  }, false));
  CHECK(w.running());
  struct pollfd p = {w.fd(), POLLIN, 0};
  CHECK(::poll(&p, 1, 0) == 0);  // not before it is done
  CHECK_FALSE(w.start([](const std::atomic<bool>*) { return ScanResult{}; }, false));  // one more, later
  w.note_dirty({{"/etc/b", true}});
  go = true;
  REQUIRE(wait_done(w));
  RescanWorker::Done d = w.finish();
  CHECK_FALSE(w.running());
  REQUIRE(d.result.entries.size() == 1);
  CHECK(d.result.entries[0].path == "/etc/a");
  REQUIRE(d.dirty.size() == 1);
  CHECK(d.dirty[0].path == "/etc/b");
  CHECK(d.seconds >= 0);
  CHECK(w.take_again());
  CHECK_FALSE(w.take_again());  // once
  w.note_dirty({{"/etc/c", true}});  // none running: nothing to keep
  REQUIRE(w.start([](const std::atomic<bool>*) { return ScanResult{}; }, false));
  REQUIRE(wait_done(w));
  CHECK(w.finish().dirty.empty());
}

TEST_CASE("RescanWorker: cancel reaches the running scan") {
  RescanWorker w;
  std::atomic<bool> started{false};
  REQUIRE(w.start([&](const std::atomic<bool>* cancel) {
    started = true;
    while (!*cancel) std::this_thread::yield();
    return one_entry("/cancelled");
  }, false));
  while (!started) std::this_thread::yield();
  w.cancel();
  REQUIRE(wait_done(w));
  CHECK(w.finish().result.entries.size() == 1);
}

TEST_CASE("RescanWorker: periodic scans run at idle priority, others at normal priority") {
  RescanWorker w;
  int policy = -1;
  REQUIRE(w.start([&](const std::atomic<bool>*) { policy = ::sched_getscheduler(0); return ScanResult{}; }, true));
  REQUIRE(wait_done(w));
  w.finish();
  CHECK(policy == SCHED_IDLE);
  REQUIRE(w.start([&](const std::atomic<bool>*) { policy = ::sched_getscheduler(0); return ScanResult{}; }, false));
  REQUIRE(wait_done(w));
  w.finish();
  CHECK(policy == SCHED_OTHER);
}
