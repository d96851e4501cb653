// Comparison: added/removed/changed, AIDE's exit bits, no echo of parent directories.
#include <doctest/doctest.h>

#include "baseline/compare.h"
#include "test_util.h"

using namespace drift;
using drift::test::file_entry;

namespace {
Entry dir(const std::string& path, int64_t mtime = 1) {
  Entry e;
  e.path = path;
  e.type = EntryType::kDirectory;
  e.mode = 0755;
  e.mtime_ns = e.ctime_ns = mtime;
  e.nlink = 2;
  return e;
}
}  // namespace

TEST_CASE("an added file is one added entry, and its parent's mtime is not reported") {
  std::vector<Entry> before = {dir("/etc", 1), file_entry("/etc/a")};
  std::vector<Entry> after = {dir("/etc", 2), file_entry("/etc/a"), file_entry("/etc/b")};
  const Comparison c = compare_entries(before, after, {});
  REQUIRE(c.drifts.size() == 1);
  CHECK(c.drifts[0].kind == DriftKind::kAdded);
  CHECK(c.drifts[0].path() == "/etc/b");
  CHECK(c.exit_bits() == kExitAdded);
}

TEST_CASE("a directory's own mode change is still reported") {
  std::vector<Entry> before = {dir("/etc", 1), file_entry("/etc/a")};
  std::vector<Entry> after = before;
  after[0].mode = 0777;
  after[0].mtime_ns = 5;
  after.push_back(file_entry("/etc/b"));
  const Comparison c = compare_entries(before, after, {});
  REQUIRE(c.drifts.size() == 2);
  CHECK(c.drifts[0].path() == "/etc");
  CHECK(c.drifts[0].changed.has(Attr::kMode));
}

TEST_CASE("a directory whose times and size alone moved is touched, not drift; its mode is drift") {
  std::vector<Entry> before = {dir("/etc", 1)};
  std::vector<Entry> after = {dir("/etc", 2)};
  after[0].size = 8192;  // a directory never shrinks back
  Comparison c = compare_entries(before, after, {});
  CHECK(c.drifts.empty());
  REQUIRE(c.touched.size() == 1);
  CHECK(c.touched[0].changed.has(Attr::kMtime));
  after[0].mode = 0700;
  c = compare_entries(before, after, {});
  REQUIRE(c.drifts.size() == 1);
  CHECK(c.drifts[0].changed.has(Attr::kMode));
  CHECK(c.drifts[0].changed.has(Attr::kMtime));  // the times stay in a real drift's changes
  CHECK(c.exit_bits() == kExitChanged);
}

TEST_CASE("a file restored to its baseline content (new inode, new times) is reverted: no drift, no exit bit") {
  std::vector<Entry> before = {file_entry("/etc/ssh/sshd_config", 1)};
  std::vector<Entry> after = before;
  after[0].inode = 999;
  after[0].mtime_ns = 77;
  after[0].ctime_ns = 78;
  Comparison c = compare_entries(before, after, {});
  CHECK(c.drifts.empty());
  CHECK(c.exit_bits() == 0);
  REQUIRE(c.touched.size() == 1);
  CHECK(c.touched[0].changed.has(Attr::kInode));
  // A new hard link (to a setuid binary, to shadow) is drift, always.
  after[0].nlink = 2;
  c = compare_entries(before, after, {});
  REQUIRE(c.drifts.size() == 1);
  CHECK(c.drifts[0].changed.has(Attr::kNlink));
  CHECK(c.touched.empty());
  // So is other content, and other ownership.
  after = before;
  after[0].mtime_ns = 77;
  after[0].uid = 1000;
  CHECK(compare_entries(before, after, {}).drifts.size() == 1);
}

TEST_CASE("a symlink re-made with the same target is touched; another target is drift") {
  Entry link;
  link.path = "/etc/localtime";
  link.type = EntryType::kSymlink;
  link.target = "/usr/share/zoneinfo/UTC";
  link.inode = 5;
  std::vector<Entry> before = {link};
  std::vector<Entry> after = before;
  after[0].inode = 6;
  after[0].ctime_ns = 9;
  Comparison c = compare_entries(before, after, {});
  CHECK(c.drifts.empty());
  CHECK(c.touched.size() == 1);
  after[0].target = "/usr/share/zoneinfo/Europe/Berlin";
  c = compare_entries(before, after, {});
  REQUIRE(c.drifts.size() == 1);
  CHECK(c.drifts[0].changed.has(Attr::kTarget));
}

TEST_CASE("a directory with an excluded child's churn is not reported") {
  std::vector<Entry> before = {dir("/etc", 1)};
  std::vector<Entry> after = {dir("/etc", 2)};
  after[0].nlink = 3;
  CHECK(compare_entries(before, after, {}).drifts.size() == 1);
  after[0].churn_below = true;  // an excluded child explains it
  CHECK(compare_entries(before, after, {}).drifts.empty());
}

TEST_CASE("exit bits are the OR of added, removed and changed") {
  std::vector<Entry> before = {file_entry("/a"), file_entry("/b")};
  std::vector<Entry> after = {file_entry("/b", 2), file_entry("/c")};
  const Comparison c = compare_entries(before, after, {});
  CHECK(c.added == 1);
  CHECK(c.removed == 1);
  CHECK(c.changed == 1);
  CHECK(c.exit_bits() == (kExitAdded | kExitRemoved | kExitChanged));
}

TEST_CASE("ignored attributes are not drift") {
  std::vector<Entry> before = {file_entry("/a")};
  std::vector<Entry> after = before;
  after[0].mode = 0600;
  ComparePolicy policy;
  policy.ignored = [](const std::string&) { AttrSet s; s.add(Attr::kMode); return s; };
  CHECK(compare_entries(before, after, policy).drifts.empty());
  CHECK(compare_entries(before, after, {}).drifts.size() == 1);
}

TEST_CASE("content that could not be read is not reported as a hash change") {
  std::vector<Entry> before = {file_entry("/a")};
  std::vector<Entry> after = before;
  after[0].status = EntryStatus::kUnreadable;
  after[0].has_sha256 = false;
  CHECK(compare_entries(before, after, {}).drifts.empty());
}

TEST_CASE("severity comes from the policy when given") {
  std::vector<Entry> before = {file_entry("/usr/bin/x")};
  std::vector<Entry> after = {file_entry("/usr/bin/x", 3)};
  ComparePolicy policy;
  policy.severity = [](const std::string&) { return Severity::kCritical; };
  CHECK(compare_entries(before, after, policy).drifts[0].severity == Severity::kCritical);
}
