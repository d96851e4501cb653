// The daemon's pipeline between the scans and the sinks (agent/drift_judge.h),
// with real signed baseline files and scan results built by hand: without a
// baseline nothing is judged and a push says so; a valid baseline asks for its
// serial to be saved, its Loki line and a first full check; the full check's
// end judges with a push; a re-check that finds drift asks for the drift
// state and a line, and the same read again asks for nothing; a rule's file
// replaced under Landlock asks for a restart and changes nothing; a refused
// baseline keeps the last valid one. Time is passed in.
#include <doctest/doctest.h>

#include "agent/drift_judge.h"
#include "agent/highest_serial.h"
#include "baseline/signer.h"
#include "baseline_test_util.h"
#include "test_util.h"

using namespace drift;
using drift::test::file_entry;
using drift::test::TempDir;

namespace {

using Clock = DriftJudge::Clock;
const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(3);
const int64_t ns0 = 1790000000LL * 1000000000LL;
const std::string kHosts = "127.0.0.1 localhost\n";

struct Fixture {
  TempDir dir, root;
  Key signing;
  Config config;
  Metrics metrics;
  Health health{std::chrono::milliseconds(3600000)};
  DaemonSources sources{&metrics, [](const std::string&) {}};
  std::vector<std::string> log;
  DriftJudge judge{&metrics, &health, &sources, [this](const std::string& m) { log.push_back(m); }};
  Entry hosts = test::snapshot_entry("/etc/hosts", kHosts);

  Fixture() {
    std::string err;
    REQUIRE(generate_key_pair(dir / "key.pem", dir / "key.pub", &err));
    REQUIRE(load_signing_key(dir / "key.pem", &signing, &err));
    config.root = root.path();  // no dpkg database there: dpkg is never busy
    config.node = "n1";
    config.baseline = dir / "baseline";
    config.public_key = dir / "key.pub";
    config.exports.enabled = false;
    config.runtime.enabled = false;
    config.audit.enabled = false;
    PathRule rule;
    rule.path = "/etc/hosts";
    rule.recursive = false;
    rule.severity = Severity::kCritical;
    config.paths = {rule};
  }
  void install(const std::string& node, uint64_t serial) {
    test::write_file(config.baseline, test::signed_one_file_baseline(signing, node, serial, hosts, kHosts));
  }
  static ScanResult result_of(std::vector<Entry> entries) {
    ScanResult r;
    r.entries = std::move(entries);
    return r;
  }
  bool metric(const std::string& line) const { return metrics.text().find(line) != std::string::npos; }
};

}  // namespace

TEST_CASE("DriftJudge: without a baseline nothing is judged, and the refusal is pushed once per reason in the log") {
  Fixture f;
  Verdict v = f.judge.load_baseline(f.config, "start", t0, ns0);
  CHECK_FALSE(v.judged);
  CHECK_FALSE(v.full_check_needed);  // nothing to compare a full check with
  CHECK(v.out.changed);              // baseline_valid 0 is news
  CHECK(v.out.lines.empty());
  CHECK(v.out.saves.empty());
  CHECK(f.metric("driftd_baseline_valid 0"));
  CHECK(f.metric("driftd_baseline_installed 0"));
  CHECK(f.log.size() == 1);
  f.judge.load_baseline(f.config, "SIGHUP", t0, ns0);
  CHECK(f.log.size() == 1);  // the same reason is not logged again
  v = f.judge.take_full_check(f.config, false, Fixture::result_of({f.hosts}), 1.0, {}, {}, t0, ns0);
  CHECK_FALSE(v.judged);
  CHECK_FALSE(v.status);
  CHECK(f.judge.node_known());  // the node is held for when a baseline comes
}

TEST_CASE("DriftJudge: a valid baseline, then the full check and re-checks: each asks for what it changed") {
  Fixture f;
  f.install("n1", 7);
  Verdict v = f.judge.load_baseline(f.config, "start", t0, ns0);
  CHECK(v.full_check_needed);
  CHECK_FALSE(v.judged);
  REQUIRE(v.out.saves.size() == 1);
  CHECK(v.out.saves[0].name == kHighestSerialFile);
  CHECK(v.out.saves[0].content == "7\n");
  REQUIRE(v.out.lines.size() == 1);  // the `baseline` line
  CHECK(v.out.lines[0].line.find("\"serial\":7") != std::string::npos);
  CHECK(f.metric("driftd_baseline_valid 1"));

  // The first full check finds the node as the baseline: judged, pushed, no line.
  v = f.judge.take_full_check(f.config, false, Fixture::result_of({f.hosts}), 2.5, {}, {}, t0, ns0);
  CHECK(v.judged);
  CHECK(v.out.changed);  // the end of a full check is always pushed
  CHECK(v.out.lines.empty());
  CHECK(v.out.saves.empty());
  REQUIRE(v.status);
  CHECK(*v.status == "0 paths in drift");
  CHECK(f.judge.heartbeat().last_full_check_ns == ns0);
  CHECK(f.judge.heartbeat().baseline_serial == 7);

  // A re-check that finds the file changed: a transition, its line, the drift state, a push.
  const std::vector<RecheckScope> scope = {{"/etc/hosts", true}};
  v = f.judge.take_recheck(f.config, false, scope, Fixture::result_of({file_entry("/etc/hosts", 2)}), t0, ns0 + 1);
  REQUIRE(v.judged);
  CHECK(v.out.changed);
  REQUIRE(v.out.lines.size() == 1);
  CHECK(v.out.lines[0].line.find("/etc/hosts") != std::string::npos);
  REQUIRE(v.out.saves.size() == 1);
  CHECK(v.out.saves[0].name == kDriftStateName);
  CHECK(*v.status == "1 paths in drift");
  CHECK(f.judge.tracked() == 1);

  // The same read again is judged but is no news.
  v = f.judge.take_recheck(f.config, false, scope, Fixture::result_of({file_entry("/etc/hosts", 2)}), t0, ns0 + 2);
  CHECK(v.judged);
  CHECK_FALSE(v.out.changed);
  CHECK(v.out.lines.empty());
  CHECK(v.out.saves.empty());

  // Back to the baseline: cleared, announced and saved.
  v = f.judge.take_recheck(f.config, false, scope, Fixture::result_of({f.hosts}), t0, ns0 + 3);
  CHECK(v.out.changed);
  CHECK(v.out.lines.size() == 1);
  CHECK(v.out.saves.size() == 1);
  CHECK(f.judge.tracked() == 0);
}

TEST_CASE("DriftJudge: a rule's file replaced under Landlock asks for a restart and changes nothing") {
  Fixture f;
  f.install("n1", 1);
  f.judge.load_baseline(f.config, "start", t0, ns0);
  Entry gone = file_entry("/etc/hosts", 0);
  gone.status = EntryStatus::kUnreadable;
  Verdict v = f.judge.take_full_check(f.config, /*landlock=*/true, Fixture::result_of({gone}), 1.0, {}, {}, t0, ns0);
  CHECK(v.out.restart);
  CHECK_FALSE(v.judged);
  CHECK_FALSE(f.judge.node_known());  // the restart reads the node afresh
  // Without Landlock the same read is plain drift (unreadable), no restart.
  v = f.judge.take_full_check(f.config, /*landlock=*/false, Fixture::result_of({gone}), 1.0, {}, {}, t0, ns0);
  CHECK_FALSE(v.out.restart);
  CHECK(v.judged);
}

TEST_CASE("DriftJudge: a refused baseline keeps the last valid one; a re-check before the full check is not judged") {
  Fixture f;
  f.install("n1", 5);
  f.judge.load_baseline(f.config, "start", t0, ns0);
  const std::vector<RecheckScope> scope = {{"/etc/hosts", true}};
  Verdict v = f.judge.take_recheck(f.config, false, scope, Fixture::result_of({file_entry("/etc/hosts", 2)}), t0, ns0);
  CHECK_FALSE(v.judged);  // no full check yet
  CHECK_FALSE(v.out.changed);
  f.judge.take_full_check(f.config, false, Fixture::result_of({f.hosts}), 1.0, {}, {}, t0, ns0);

  f.install("n1", 4);  // a rollback
  v = f.judge.load_baseline(f.config, "installed", t0, ns0);
  CHECK_FALSE(v.judged);
  CHECK(v.out.changed);
  CHECK(f.metric("driftd_baseline_valid 0"));
  CHECK(f.metric("driftd_baseline_installed 1"));
  REQUIRE(f.judge.baseline());
  CHECK(f.judge.baseline()->meta.serial == 5);
  CHECK(f.judge.heartbeat().baseline_serial == 0);  // held, but not valid now
  v = f.judge.take_recheck(f.config, false, scope, Fixture::result_of({file_entry("/etc/hosts", 2)}), t0, ns0);
  CHECK(v.judged);  // still compared with serial 5
  REQUIRE(v.status);
  CHECK(v.status->find("baseline not valid: ") != std::string::npos);

  f.install("n1", 6);  // a newer one on a known node is judged at once, without a full check
  v = f.judge.load_baseline(f.config, "installed", t0, ns0);
  CHECK(v.judged);
  CHECK_FALSE(v.full_check_needed);
  CHECK(v.out.saves.size() == 1);  // the raised serial (the drift is the same: no drift state)
  CHECK(f.metric("driftd_baseline_valid 1"));
}
