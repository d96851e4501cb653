// The daemon's policy around its sources (agent/daemon_sources.h): a source
// that is off asks for nothing; an exports run that finds a violation asks
// for its line, its state file and a push, and the same run again asks for
// nothing; its directories are handed out to watch; a change to a file the
// checks read makes them due `debounce` later and take_due reports it once;
// the earliest of the sources' deadlines is next_due. Time is passed in.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include "agent/daemon_sources.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;
using drift::test::write_file;

namespace {
using Clock = DaemonSources::Clock;
const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(5);

Config config_for(const TempDir& root) {
  Config c;
  c.root = root.path();
  c.node = "n1";
  c.debounce = std::chrono::milliseconds(200);
  return c;
}
}  // namespace

TEST_CASE("DaemonSources: off sources ask for nothing and are never due") {
  TempDir root;
  Metrics metrics;
  std::vector<std::string> log;
  DaemonSources s(&metrics, [&](const std::string& m) { log.push_back(m); });
  Config c = config_for(root);
  c.exports.enabled = false;
  c.runtime.enabled = false;
  c.audit.enabled = false;
  const SourceOutput e = s.run_exports(c, false, 1);
  CHECK(e.lines.empty());
  CHECK(e.saves.empty());
  CHECK_FALSE(e.changed);
  CHECK(s.run_expectations(c, 1).lines.empty());
  s.start_runtime(c, nullptr);
  CHECK_FALSE(s.runtime_on());
  CHECK_FALSE(s.poll_runtime(c, t0));
  CHECK_FALSE(s.start_audit(c, std::nullopt, t0, 1));
  CHECK_FALSE(s.audit_on());
  std::string text;
  CHECK_FALSE(s.attribute(Drift{}, 1, false, &text));
  CHECK_FALSE(s.next_due(t0));
  const SourcesDue due = s.take_due(t0 + std::chrono::hours(1), 1);
  CHECK_FALSE(due.exports);
  CHECK_FALSE(due.expectations);
  CHECK_FALSE(due.runtime);
  CHECK(log.empty());
}

TEST_CASE("DaemonSources: an exports violation asks for its line, state and push once; a change makes it due") {
  TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  write_file(root / "etc/exports", "/srv/nfs 192.168.1.0/24(rw,fsid=0,no_subtree_check)\n");
  Metrics metrics;
  DaemonSources s(&metrics, [](const std::string&) {});
  Config c = config_for(root);
  c.exports.enabled = true;
  SourceOutput out = s.run_exports(c, false, 7);
  REQUIRE(out.lines.size() == 1);
  CHECK(out.lines[0].labels.at("kind") == "exports");
  REQUIRE(out.saves.size() == 1);
  CHECK(out.saves[0].name == kExportsStateName);
  CHECK(out.changed);
  CHECK_FALSE(out.restart);
  CHECK(out.watch_dirs.count(root / "etc"));
  CHECK(metrics.text().find("driftd_exports_violations") != std::string::npos);

  out = s.run_exports(c, false, 8);
  CHECK(out.lines.empty());
  CHECK(out.saves.empty());
  CHECK_FALSE(out.changed);

  s.note_changed(c, root / "etc/hosts", t0);  // not read by the checks
  CHECK_FALSE(s.next_due(t0));
  s.note_changed(c, root / "etc/exports", t0);
  REQUIRE(s.next_due(t0));
  CHECK(*s.next_due(t0) == t0 + c.debounce);
  CHECK_FALSE(s.take_due(t0 + std::chrono::milliseconds(199), 1).exports);
  CHECK(s.take_due(t0 + c.debounce, 1).exports);
  CHECK_FALSE(s.take_due(t0 + c.debounce, 1).exports);  // reported once
}

TEST_CASE("DaemonSources: with exports off a changed exports file is not due") {
  TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  write_file(root / "etc/exports", "/srv 10.0.0.0/8(ro)\n");
  Metrics metrics;
  DaemonSources s(&metrics, [](const std::string&) {});
  Config c = config_for(root);
  c.exports.enabled = true;
  s.run_exports(c, false, 1);
  c.exports.enabled = false;
  s.note_changed(c, root / "etc/exports", t0);
  CHECK_FALSE(s.next_due(t0));
}
