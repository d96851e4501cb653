// The node's state and its judgement: transitions only on change, the
// content kept only for drifted files, a re-check before the first full
// check ignored, and the old contents the diffs need asked for by digest.
#include <doctest/doctest.h>

#include "agent/node_state.h"
#include "test_util.h"

using namespace drift;
using drift::test::file_entry;
using drift::test::TempDir;

namespace {

ScanResult result_of(std::vector<Entry> entries, std::map<std::string, std::string> snapshots = {}) {
  ScanResult r;
  r.entries = std::move(entries);
  r.snapshots = std::move(snapshots);
  return r;
}

}  // namespace

TEST_CASE("NodeState: judged against the baseline, transitions once, content kept for drifted files only") {
  TempDir root;  // no dpkg database: nothing is busy
  Baseline b;
  Entry a1 = file_entry("/etc/a", 1), c1 = file_entry("/etc/c", 3);
  a1.snapshot = c1.snapshot = true;
  b.entries = {a1, c1};
  NodeState node;
  DpkgGate dpkg;
  DriftTracker tracker;
  const auto now = NodeState::Clock::time_point{} + std::chrono::hours(1);
  CHECK_FALSE(node.known());
  node.replace_scoped({{"/etc/a", true}}, result_of({file_entry("/etc/a", 9)}));
  CHECK_FALSE(node.known());  // no full check yet: a re-check alone is not the node

  Entry a2 = file_entry("/etc/a", 2);
  a2.snapshot = true;
  node.replace_all(result_of({a2, c1}, {{hex_encode(a2.sha256), "new a"}, {hex_encode(c1.sha256), "c"}}));
  REQUIRE(node.known());
  NodeState::Judgement j = node.judge(b, ComparePolicy{}, root.path(), &dpkg, &tracker, now, false);
  REQUIRE(j.judged);
  REQUIRE(j.transitions.size() == 1);
  CHECK(j.transitions[0].record.path == "/etc/a");
  CHECK(j.transitions[0].drift->after->path == "/etc/a");  // points into the judgement, still valid
  CHECK(j.wanted_before == std::set<std::string>{hex_encode(a1.sha256)});
  CHECK(node.snapshots().size() == 1);  // /etc/c is not drifted: its content is dropped
  CHECK(node.snapshots().count(hex_encode(a2.sha256)));

  j = node.judge(b, ComparePolicy{}, root.path(), &dpkg, &tracker, now, false);
  CHECK(j.transitions.empty());  // the same drift again is no news

  node.replace_scoped({{"/etc/a", true}}, result_of({a1}));
  j = node.judge(b, ComparePolicy{}, root.path(), &dpkg, &tracker, now, false);
  REQUIRE(j.transitions.size() == 1);
  CHECK(j.transitions[0].cleared);
  CHECK(j.wanted_before.empty());
  CHECK(node.snapshots().empty());
}

TEST_CASE("NodeState: the runtime entries are replaced beside the files, the list stays sorted") {
  NodeState node;
  node.replace_all(result_of({file_entry("/etc/a", 1), file_entry("/usr/bin/x", 2)}));
  Entry m;
  m.path = "module:nf_tables";
  m.type = EntryType::kRuntime;
  Entry s = m;
  s.path = "sysctl:vm.swappiness";
  node.replace_runtime({m, s});
  REQUIRE(node.size() == 4);
  CHECK(node.entries()[0].path == "/etc/a");
  CHECK(node.entries()[2].path == "module:nf_tables");
  CHECK(node.entries()[3].path == "sysctl:vm.swappiness");
  node.replace_runtime({s});  // the module went away; the files stay
  REQUIRE(node.size() == 3);
  CHECK(node.entries()[1].path == "/usr/bin/x");
  CHECK(node.entries()[2].path == "sysctl:vm.swappiness");
  node.replace_all(result_of({file_entry("/etc/a", 1)}));  // a full check holds no runtime entries of its own
  CHECK(node.size() == 1);
}
