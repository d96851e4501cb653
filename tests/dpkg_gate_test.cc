// The dpkg gate: drift waits while dpkg runs, at most ten minutes in a row;
// a push asked for while waiting is kept for the verdict; dpkg's database is
// read again only when its status file changed. Time is passed in.
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "agent/dpkg_gate.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("DpkgGate: not busy judges at once") {
  DpkgGate gate;
  const auto t0 = DpkgGate::Clock::time_point{} + minutes(100);
  const DpkgGate::Verdict v = gate.decide(false, t0, true);
  CHECK(v.judge);
  CHECK(v.force_push);
  CHECK(v.log.empty());
}

TEST_CASE("DpkgGate: busy waits, asks again in a second, keeps a forced push, gives up after 10 minutes") {
  DpkgGate gate;
  const auto t0 = DpkgGate::Clock::time_point{} + minutes(100);
  DpkgGate::Verdict v = gate.decide(true, t0, /*force_push=*/true);
  CHECK_FALSE(v.judge);
  REQUIRE(v.again_at);
  CHECK(*v.again_at == t0 + seconds(1));
  CHECK(v.log.find("dpkg is running") != std::string::npos);
  v = gate.decide(true, t0 + minutes(9), false);
  CHECK_FALSE(v.judge);
  CHECK(v.log.empty());  // said once
  v = gate.decide(true, t0 + minutes(10), false);
  CHECK(v.judge);
  CHECK(v.force_push);  // the push put off at t0
  CHECK(v.log.find("10 minutes") != std::string::npos);
  v = gate.decide(true, t0 + minutes(11), false);  // still busy: judged at once until dpkg lets go
  CHECK(v.judge);
  CHECK_FALSE(v.force_push);
  CHECK(v.log.empty());
  v = gate.decide(false, t0 + minutes(12), false);
  CHECK(v.judge);
  v = gate.decide(true, t0 + minutes(13), false);  // a new run of dpkg: a new wait
  CHECK_FALSE(v.judge);
}

TEST_CASE("DpkgGate: dpkg finishing ends the wait with the kept push") {
  DpkgGate gate;
  const auto t0 = DpkgGate::Clock::time_point{} + minutes(100);
  CHECK_FALSE(gate.decide(true, t0, true).judge);
  const DpkgGate::Verdict v = gate.decide(false, t0 + seconds(3), false);
  CHECK(v.judge);
  CHECK(v.force_push);
  CHECK(v.log.empty());
  CHECK_FALSE(gate.decide(false, t0 + seconds(4), false).force_push);  // used once
}

TEST_CASE("DpkgGate: the database is read again only when the status file changed") {
  TempDir root;
  REQUIRE(::mkdir((root / "var").c_str(), 0755) == 0);
  REQUIRE(::mkdir((root / "var/lib").c_str(), 0755) == 0);
  REQUIRE(::mkdir((root / "var/lib/dpkg").c_str(), 0755) == 0);
  const std::string status = root / "var/lib/dpkg/status";
  test::write_file(status, "Package: a\nStatus: install ok installed\nVersion: 1\n\n");
  DpkgGate gate;
  gate.refresh(root.path());
  CHECK(gate.loads() == 1);
  gate.refresh(root.path());
  CHECK(gate.loads() == 1);  // unchanged: cached
  test::write_file(status, "Package: a\nStatus: install ok installed\nVersion: 2\n\nPackage: b\n\n");
  gate.refresh(root.path());
  CHECK(gate.loads() == 2);  // an upgrade ran
  gate.forget();
  gate.refresh(root.path());
  CHECK(gate.loads() == 3);  // told to (SIGHUP: the root may have changed)
}
