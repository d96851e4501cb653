// agent/runtime_poller: transitions between polls of a proc-like tree (new
// drift, drift that changed again, cleared), notes said once, sysctls read
// from held descriptors and listed again when the module set changes.
#include <doctest/doctest.h>

#include "agent/runtime_poller.h"
#include "runtime_test_util.h"

using namespace drift;
using drift::test::ProcTree;

namespace {

KernelPackages none_known() {
  KernelPackages k;
  k.known = true;
  return k;
}

}  // namespace

TEST_CASE("poller: clean, then a module appears (one transition), stays (none), goes (cleared)") {
  ProcTree tree;
  RuntimePoller poller(tree.config(), none_known());
  poller.set_baseline(read_runtime_state(tree.config(), none_known()).entries);
  CHECK(poller.poll().empty());
  CHECK(poller.take_new_notes().empty());

  tree.append("proc/modules", "diamorphine 16384 0 - Live 0x0000000000000000 (OE)\n");
  tree.write("proc/sys/kernel/tainted", "12288\n");
  auto t = poller.poll();
  REQUIRE(t.size() == 3);
  CHECK(t[0].path == "module:diamorphine");
  CHECK(t[0].kind == RuntimeTransition::Kind::kDrift);
  CHECK(t[0].drift == DriftKind::kAdded);
  CHECK(t[0].severity == Severity::kCritical);
  CHECK(t[0].value_now == "state=Live taint=OE");
  CHECK(t[1].path == "taint:out_of_tree_module");
  CHECK(t[2].path == "taint:unsigned_module");
  CHECK(poller.poll().empty());  // the same drift is not news

  tree.write("proc/modules", drift::test::kDebian12Modules);  // unloaded; the taint stays until reboot
  t = poller.poll();
  REQUIRE(t.size() == 1);
  CHECK(t[0].path == "module:diamorphine");
  CHECK(t[0].kind == RuntimeTransition::Kind::kCleared);
}

TEST_CASE("poller: a sysctl changed, changed again, restored; the held descriptor sees each write") {
  ProcTree tree;
  RuntimePoller poller(tree.config(), none_known());
  poller.set_baseline(read_runtime_state(tree.config(), none_known()).entries);
  CHECK(poller.poll().empty());
  // Written in place (the descriptor stays the same file, as /proc/sys's do).
  std::ofstream(tree.dir + "/proc/sys/kernel/printk_ratelimit", std::ios::in | std::ios::out) << "7\n";
  auto t = poller.poll();
  REQUIRE(t.size() == 1);
  CHECK(t[0].path == "sysctl:kernel.printk_ratelimit");
  CHECK(t[0].baseline_value == "5");
  CHECK(t[0].value_now == "7");
  std::ofstream(tree.dir + "/proc/sys/kernel/printk_ratelimit", std::ios::in | std::ios::out) << "9\n";
  t = poller.poll();
  REQUIRE(t.size() == 1);  // drifted further: news again
  CHECK(t[0].value_now == "9");
  std::ofstream(tree.dir + "/proc/sys/kernel/printk_ratelimit", std::ios::in | std::ios::out) << "5\n";
  t = poller.poll();
  REQUIRE(t.size() == 1);
  CHECK(t[0].kind == RuntimeTransition::Kind::kCleared);
}

TEST_CASE("poller: a sysctl a newly loaded module registers is listed with the module") {
  ProcTree tree;
  RuntimePoller poller(tree.config(), none_known());
  poller.set_baseline(read_runtime_state(tree.config(), none_known()).entries);
  CHECK(poller.poll().empty());
  tree.write("proc/sys/fs/xfs/error_level", "3\n");
  CHECK(poller.poll().empty());  // not listed again while the module set stays
  tree.append("proc/modules", "xfs 1998848 0 - Live 0x0000000000000000\n");
  auto t = poller.poll();
  REQUIRE(t.size() == 2);
  CHECK(t[0].path == "module:xfs");
  CHECK(t[1].path == "sysctl:fs.xfs.error_level");
  CHECK(t[1].drift == DriftKind::kAdded);
}

TEST_CASE("poller: an old baseline and a missing source are each one note, once") {
  ProcTree tree;
  std::filesystem::remove(tree.dir + "/proc/modules");
  RuntimePoller poller(tree.config(), none_known());
  poller.set_baseline({});
  CHECK(poller.poll().empty());
  const auto notes = poller.take_new_notes();
  REQUIRE(notes.size() == 2);
  CHECK(notes[0].find("proc/modules not available") != std::string::npos);
  CHECK(notes[1].find("not in the baseline") != std::string::npos);
  CHECK(poller.poll().empty());
  CHECK(poller.take_new_notes().empty());
  CHECK(!poller.current().empty());
}
