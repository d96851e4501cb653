// The audit source's barrier (agent/audit_source.h) and the daemon's wait on
// it (DaemonSources::audit_settled): a trail that is down never holds a
// judgement; with the heartbeat seen, a re-check waits until the log shows the
// barrier's own write (a record older than the barrier does not count, nor an
// older heartbeat arriving late), and never longer than kBarrierBound. The
// log is a file of auditd text records written by the test; time is passed in.
#include <doctest/doctest.h>

#include <fstream>
#include <sys/stat.h>

#include "agent/daemon_sources.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;

namespace {
using Clock = DaemonSources::Clock;
const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(5);
constexpr int64_t kMs0 = 1796168711000;  // the wall clock's ms at t0

// One file watch record (openat for write of `path`), stamped at ms.
void append_write(const std::string& log, const std::string& path, int64_t ms, int serial) {
  const std::string stamp = "msg=audit(" + std::to_string(ms / 1000) + "." + std::to_string(1000 + ms % 1000).substr(1) +
                            ":" + std::to_string(serial) + "): ";
  std::ofstream out(log, std::ios::app);
  out << "type=SYSCALL " << stamp
      << "arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=0 a2=241 a3=1b6 items=2 ppid=1 pid=4242 "
         "auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 "
         "comm=\"driftd\" exe=\"/usr/sbin/driftd\" key=\"driftd\"\n"
      << "type=CWD " << stamp << "cwd=\"/\"\n"
      << "type=PATH " << stamp << "item=0 name=\"" << path
      << "\" inode=77 dev=fe:00 mode=0100600 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 "
         "cap_fver=0 cap_frootid=0\n"
      << "type=PROCTITLE " << stamp << "proctitle=647269667464\n"
      << "type=EOE " << stamp << "\n";
}
}  // namespace

TEST_CASE("DaemonSources: the audit barrier holds a re-check until the log shows it, bounded") {
  TempDir root;
  ::mkdir((root.path() + "/log").c_str(), 0700);
  ::mkdir((root.path() + "/state").c_str(), 0700);
  const std::string log = root.path() + "/log/audit.log";
  std::ofstream(log).close();
  Config c;
  c.root = root.path();
  c.node = "n1";
  c.state_dir = root.path() + "/state";
  c.audit.enabled = true;
  c.audit.log = "/log/audit.log";
  c.audit.window = Millis(600000);
  const std::string beat = c.state_dir + "/audit-heartbeat";
  Metrics metrics;
  std::vector<std::string> said;
  DaemonSources s(&metrics, [&](const std::string& m) { said.push_back(m); });
  REQUIRE(s.start_audit(c, std::nullopt, t0, kMs0));

  // The heartbeat has not come back: the trail is down, nothing waits.
  CHECK(s.audit_settled(t0, kMs0));
  CHECK_FALSE(s.barrier_deadline());

  append_write(log, beat, kMs0 + 3, 10);
  s.poll_audit(kMs0 + 100);
  REQUIRE(metrics.text().find("driftd_audit_ok 1") != std::string::npos);

  // A barrier goes out; until its record is read the re-check waits.
  const auto t1 = t0 + std::chrono::seconds(1);
  CHECK_FALSE(s.audit_settled(t1, kMs0 + 1000));
  REQUIRE(s.barrier_deadline());
  CHECK(*s.barrier_deadline() == t1 + DaemonSources::kBarrierBound);
  // An older heartbeat's record arriving late is not the barrier's.
  append_write(log, beat, kMs0 + 500, 11);
  CHECK_FALSE(s.audit_settled(t1 + std::chrono::milliseconds(10), kMs0 + 1010));
  // Another file's record is not either.
  append_write(log, root.path() + "/other", kMs0 + 1001, 12);
  CHECK_FALSE(s.audit_settled(t1 + std::chrono::milliseconds(20), kMs0 + 1020));
  // The barrier's record (the kernel's coarse stamp may read a few ms early).
  append_write(log, beat, kMs0 + 998, 13);
  CHECK(s.audit_settled(t1 + std::chrono::milliseconds(30), kMs0 + 1030));
  CHECK_FALSE(s.barrier_deadline());

  // The next barrier never comes back: released at the bound, not before.
  const auto t2 = t0 + std::chrono::seconds(3);
  CHECK_FALSE(s.audit_settled(t2, kMs0 + 3000));
  CHECK_FALSE(s.audit_settled(t2 + DaemonSources::kBarrierBound - std::chrono::milliseconds(1), kMs0 + 7999));
  CHECK(s.audit_settled(t2 + DaemonSources::kBarrierBound, kMs0 + 8000));
  CHECK_FALSE(s.barrier_deadline());
}
