// agent/watcher: on a temp tree, the directories a selection has watched (the
// walker's rules: recursion, excludes, a file rule through its parent), that
// read_events returns at once with nothing queued and runs on the caller's
// thread alone, and that a renamed directory's events come under its new name.
#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "agent/watcher.h"
#include "test_util.h"

using namespace drift;

namespace {

// The tree: /etc (recursive, "cache" excluded) with /etc/b/c below; /opt not
// recursive with /opt/sub below; /srv/app.conf a file rule.
struct Tree {
  test::TempDir root;
  Tree() {
    for (const char* d : {"etc", "etc/b", "etc/b/c", "etc/cache", "opt", "opt/sub", "srv"}) {
      REQUIRE(::mkdir((root / d).c_str(), 0755) == 0);
    }
    test::write_file(root / "srv/app.conf", "x=1\n");
  }
  Selection selection() const {
    PathRule etc, opt, conf;
    etc.path = "/etc";
    etc.exclude = {"cache"};
    opt.path = "/opt";
    opt.recursive = false;
    conf.path = "/srv/app.conf";
    return Selection({etc, opt, conf});
  }
};

// The paths of the scopes read now, and whether each is self_only.
std::set<std::string> scope_paths(Watcher* w, WatchEvents* ev = nullptr) {
  WatchEvents local;
  WatchEvents& e = ev ? *ev : local;
  w->read_events(&e);
  std::set<std::string> out;
  for (const RecheckScope& s : e.scopes) out.insert(s.path);
  return out;
}

size_t thread_count() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/task");
  REQUIRE(d);
  while (struct dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

}  // namespace

TEST_CASE("watcher: a selection's directories are watched as the walker descends, a file rule through its parent") {
  Tree t;
  Watcher w(t.selection(), t.root.path());
  REQUIRE(w.ok());
  w.watch_selection();
  // /etc, /etc/b, /etc/b/c, /opt (not /opt/sub, not /etc/cache), /srv.
  CHECK(w.watches() == 5);
  CHECK(w.failures() == 0);
  w.watch_selection();  // idempotent
  CHECK(w.watches() == 5);

  test::write_file(t.root / "etc/b/c/new", "1");
  test::write_file(t.root / "etc/cache/skipped", "1");
  test::write_file(t.root / "opt/sub/skipped", "1");
  test::write_file(t.root / "srv/app.conf", "x=2\n");
  const std::set<std::string> got = scope_paths(&w);
  CHECK(got.count("/etc/b/c/new"));
  CHECK(got.count("/srv/app.conf"));
  for (const std::string& p : got) {
    CHECK_MESSAGE(p.find("skipped") == std::string::npos, p);
  }
}

TEST_CASE("watcher: read_events returns at once with nothing queued and starts no thread") {
  Tree t;
  const size_t threads = thread_count();
  Watcher w(t.selection(), t.root.path());
  w.watch_selection();
  CHECK((::fcntl(w.fd(), F_GETFL) & O_NONBLOCK) != 0);
  WatchEvents ev;
  w.read_events(&ev);  // would block forever on a blocking fd
  CHECK(ev.events == 0);
  CHECK(ev.scopes.empty());
  CHECK_FALSE(ev.overflow);
  test::write_file(t.root / "etc/hosts", "1");
  WatchEvents more;
  w.read_events(&more);
  CHECK(more.events > 0);
  CHECK(thread_count() == threads);
}

TEST_CASE("watcher: a watched directory renamed keeps reporting, under its new name") {
  Tree t;
  Watcher w(t.selection(), t.root.path());
  w.watch_selection();
  REQUIRE(::rename((t.root / "etc/b").c_str(), (t.root / "etc/d").c_str()) == 0);
  WatchEvents ev;
  const std::set<std::string> moved = scope_paths(&w, &ev);
  CHECK(moved.count("/etc/b"));
  CHECK(moved.count("/etc/d"));
  CHECK(std::find(ev.new_dirs.begin(), ev.new_dirs.end(), "/etc/d") != ev.new_dirs.end());
  for (const std::string& d : ev.new_dirs) w.watch_tree(d);  // as the daemon does
  CHECK(w.watches() == 5);

  test::write_file(t.root / "etc/d/c/after", "1");
  const std::set<std::string> got = scope_paths(&w);
  CHECK(got.count("/etc/d/c/after"));
  for (const std::string& p : got) {
    CHECK_MESSAGE(p.find("/etc/b") != 0, p);  // never the old name
  }
}

TEST_CASE("watcher: a change is complete when closed, moved, chmodded, deleted or a link made; not while written") {
  Tree t;
  Watcher w(t.selection(), t.root.path());
  w.watch_selection();
  auto completes = [&w]() {
    WatchEvents ev;
    w.read_events(&ev);
    std::map<std::string, bool> out;  // path -> the last event's completeness
    for (const RecheckScope& s : ev.scopes) out[s.path] = s.complete;
    return out;
  };
  // Being written: created and modified, not yet closed.
  const int fd = ::open((t.root / "etc/big").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "half", 4) == 4);
  auto got = completes();
  REQUIRE(got.count("/etc/big"));
  CHECK_FALSE(got["/etc/big"]);
  ::close(fd);
  got = completes();
  CHECK(got["/etc/big"]);  // IN_CLOSE_WRITE
  REQUIRE(::chmod((t.root / "etc/big").c_str(), 0600) == 0);
  CHECK(completes()["/etc/big"]);  // IN_ATTRIB
  REQUIRE(::symlink("big", (t.root / "etc/link").c_str()) == 0);
  CHECK(completes()["/etc/link"]);  // IN_CREATE of a symlink: nothing follows
  REQUIRE(::rename((t.root / "etc/big").c_str(), (t.root / "etc/moved").c_str()) == 0);
  got = completes();
  CHECK(got["/etc/big"]);
  CHECK(got["/etc/moved"]);
  REQUIRE(::unlink((t.root / "etc/moved").c_str()) == 0);
  CHECK(completes()["/etc/moved"]);  // IN_DELETE
}
