// The exports checks as a daemon source: a run on a real tree under a root
// gives transitions, Loki lines and the state to save only when something
// changed; the directories to watch; due only after a change to a file the
// last run read, `debounce` later.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include "agent/exports_source.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;
using drift::test::write_file;

TEST_CASE("ExportsSource: a new violation, then nothing, then its clearing") {
  TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  write_file(root / "etc/exports", "/srv/nfs 192.168.1.0/24(rw,fsid=0,no_subtree_check)\n");
  ExportsConfig config;
  config.enabled = true;
  ExportsSource s;
  ExportsSource::Run r = s.run(config, root.path(), "n1", false, 7);
  REQUIRE(r.transitions.size() == 1);
  CHECK(r.transitions[0].violation.rule == "fsid-root");
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0].labels.at("kind") == "exports");
  CHECK(r.lines[0].ts_ns == 7);
  REQUIRE(r.state);
  CHECK(r.watch_dirs.count(root / "etc"));
  r = s.run(config, root.path(), "n1", false, 8);
  CHECK(r.transitions.empty());
  CHECK(r.lines.empty());
  CHECK_FALSE(r.state);  // nothing new to save
  write_file(root / "etc/exports", "/srv/nfs 192.168.1.0/24(rw,no_subtree_check)\n");
  r = s.run(config, root.path(), "n1", false, 9);
  REQUIRE(r.transitions.size() == 1);
  CHECK(r.transitions[0].cleared);
  CHECK(r.state);
}

TEST_CASE("ExportsSource: due only after a change to a file the last run read") {
  TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  write_file(root / "etc/exports", "/srv 10.0.0.0/8(ro)\n");
  ExportsConfig config;
  config.enabled = true;
  ExportsSource s;
  const auto t0 = ExportsSource::Clock::time_point{} + std::chrono::hours(1);
  const auto debounce = std::chrono::milliseconds(200);
  s.note_changed(root / "etc/exports", root.path(), t0, debounce);
  CHECK_FALSE(s.due());  // no run yet: nothing is known to be read
  s.run(config, root.path(), "n1", false, 1);
  s.note_changed(root / "etc/hosts", root.path(), t0, debounce);
  CHECK_FALSE(s.due());
  s.note_changed(root / "etc/exports", root.path(), t0, debounce);
  REQUIRE(s.due());
  CHECK_FALSE(s.take_due(t0 + std::chrono::milliseconds(199)));
  CHECK(s.take_due(t0 + debounce));
  CHECK_FALSE(s.due());
}
