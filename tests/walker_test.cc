// agent/walker: what a walk records: every level with recursion, the rule root
// and its children without, nothing an exclude matches, nothing beyond a mount
// boundary unless the rule crosses mounts, and an unreadable directory recorded
// as such while the walk goes on.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>

#include "agent/walker.h"
#include "test_util.h"

using namespace drift;

namespace {

// Path -> status of every entry a walk of these rules under root records.
std::map<std::string, EntryStatus> walk(const std::string& root, std::vector<PathRule> rules) {
  const int fd = open_scan_root(root);
  REQUIRE(fd >= 0);
  WalkResult r = walk_selection(Selection(std::move(rules)), fd);
  ::close(fd);
  std::map<std::string, EntryStatus> out;
  for (size_t i = 0; i < r.entries.size(); ++i) out[r.entries[i].path] = r.entries[i].status;
  return out;
}

PathRule rule(const std::string& path) {
  PathRule r;
  r.path = path;
  return r;
}

struct Tree {
  test::TempDir root;
  Tree() {
    for (const char* d : {"etc", "etc/a", "etc/a/b", "etc/cache"}) ::mkdir((root / d).c_str(), 0755);
    test::write_file(root / "etc/top", "1");
    test::write_file(root / "etc/a/mid", "1");
    test::write_file(root / "etc/a/b/deep", "1");
    test::write_file(root / "etc/cache/x", "1");
    test::write_file(root / "etc/a/old.swp", "1");
  }
};

}  // namespace

TEST_CASE("walker: recursion on records every level; off records the root and its children only") {
  Tree t;
  const auto all = walk(t.root.path(), {rule("/etc")});
  for (const char* p : {"/etc", "/etc/top", "/etc/a", "/etc/a/mid", "/etc/a/b", "/etc/a/b/deep", "/etc/cache/x"}) {
    CHECK_MESSAGE(all.count(p), p);
  }
  PathRule flat = rule("/etc");
  flat.recursive = false;
  const auto top = walk(t.root.path(), {flat});
  CHECK(top.count("/etc"));
  CHECK(top.count("/etc/top"));
  CHECK(top.count("/etc/a"));
  CHECK_FALSE(top.count("/etc/a/mid"));
  CHECK_FALSE(top.count("/etc/a/b/deep"));
}

TEST_CASE("walker: excludes drop a directory with its subtree and a name anywhere below") {
  Tree t;
  PathRule etc = rule("/etc");
  etc.exclude = {"cache", "*.swp"};
  const auto got = walk(t.root.path(), {etc});
  CHECK(got.count("/etc/a/mid"));
  CHECK_FALSE(got.count("/etc/cache"));
  CHECK_FALSE(got.count("/etc/cache/x"));
  CHECK_FALSE(got.count("/etc/a/old.swp"));
}

TEST_CASE("walker: a mount below the rule root is its boundary unless cross_mounts") {
  // /dev/shm is its own tmpfs below devtmpfs /dev on Linux; a file there shows the boundary.
  struct stat dev, shm;
  if (::stat("/dev", &dev) != 0 || ::stat("/dev/shm", &shm) != 0 || dev.st_dev == shm.st_dev) {
    MESSAGE("skipped: /dev/shm is not a mount of its own here");
    return;
  }
  char tmpl[] = "/dev/shm/driftd-walker.XXXXXX";
  const int fd = ::mkstemp(tmpl);
  REQUIRE(fd >= 0);
  ::close(fd);
  PathRule d = rule("/dev");
  const auto stays = walk("/", {d});
  CHECK(stays.count("/dev/shm"));  // the mount point itself is recorded
  CHECK_FALSE(stays.count(tmpl));
  d.cross_mounts = true;
  const auto crosses = walk("/", {d});
  CHECK(crosses.count(tmpl));
  ::unlink(tmpl);
}

TEST_CASE("walker: an unreadable directory is recorded as unreadable and the walk goes on") {
  Tree t;
  ::chmod(t.root.path().c_str(), 0755);  // mkdtemp's 0700 would lock nobody out of everything
  ::mkdir((t.root / "etc/locked").c_str(), 0700);
  test::write_file(t.root / "etc/locked/inside", "1");
  ::chmod((t.root / "etc/locked").c_str(), 0);
  test::write_file(t.root / "etc/zzz-after", "1");
  // Root reads everything: walk as nobody in a child, which reports what it saw.
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::getuid() == 0 && ::setgid(65534) != 0) ::_exit(2);
    if (::getuid() == 0 && ::setuid(65534) != 0) ::_exit(2);
    std::string report;
    for (const auto& [path, status] : walk(t.root.path(), {rule("/etc")})) {
      report += path + " " + entry_status_name(status) + "\n";
    }
    (void)!::write(out[1], report.data(), report.size());
    ::_exit(0);
  }
  ::close(out[1]);
  std::string report;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) report.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::chmod((t.root / "etc/locked").c_str(), 0700);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(report.find("/etc/locked unreadable\n") != std::string::npos);
  CHECK(report.find("/etc/locked/inside") == std::string::npos);
  CHECK(report.find("/etc/zzz-after ok\n") != std::string::npos);
  CHECK(report.find("/etc/a/b/deep ok\n") != std::string::npos);
}
