// The scanner on temp trees: entries, attributes, vanishing files, mounts.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "lib/beneath.h"
#include "agent/check.h"
#include "agent/scan.h"
#include "test_util.h"

using namespace drift;

namespace {
Config config_for(const test::TempDir& root) {
  Config c;
  c.root = root.path();
  c.node = "test";
  PathRule etc;
  etc.path = "/etc";
  etc.exclude = {"*.swp"};
  c.paths = {etc};
  c.content.paths = {"/etc"};
  c.scan_threads = 2;
  return c;
}
const Entry* find(const ScanResult& r, const std::string& path) {
  for (const Entry& e : r.entries) if (e.path == path) return &e;
  return nullptr;
}
}  // namespace

TEST_CASE("a scan records host paths, types, modes, hashes and snapshots") {
  test::TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  test::write_file(root / "etc/hosts", "127.0.0.1 localhost\n");
  test::write_file(root / "etc/secret.conf", "password=x\n", 0600);
  test::write_file(root / "etc/x.swp", "swap");
  ::symlink("hosts", (root / "etc/link").c_str());
  ::mkfifo((root / "etc/fifo").c_str(), 0644);
  const ScanResult r = run_scan(config_for(root), ScanOptions{});
  REQUIRE(find(r, "/etc"));
  const Entry* hosts = find(r, "/etc/hosts");
  REQUIRE(hosts);
  CHECK(hosts->type == EntryType::kFile);
  CHECK(hosts->mode == 0644);
  CHECK(hosts->has_sha256);
  CHECK(hosts->snapshot);
  CHECK(r.snapshots.count(hex_encode(hosts->sha256)) == 1);
  const Entry* secret = find(r, "/etc/secret.conf");
  REQUIRE(secret);
  CHECK(secret->has_sha256);
  CHECK_FALSE(secret->snapshot);  // 0600: hashed, never snapshotted
  CHECK(find(r, "/etc/x.swp") == nullptr);  // excluded
  REQUIRE(find(r, "/etc/link"));
  CHECK(find(r, "/etc/link")->target == "hosts");
  REQUIRE(find(r, "/etc/fifo"));
  CHECK(find(r, "/etc/fifo")->status == EntryStatus::kSpecial);  // never opened
  CHECK(r.incomplete == 0);
}

TEST_CASE("the hash is the SHA-256 of the content") {
  test::TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  test::write_file(root / "etc/abc", "abc");
  const ScanResult r = run_scan(config_for(root), ScanOptions{});
  CHECK(hex_encode(find(r, "/etc/abc")->sha256) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("a file that vanishes between the walk and the read is recorded, and the scan goes on") {
  test::TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  test::write_file(root / "etc/a", "a");
  test::write_file(root / "etc/gone", "soon gone");
  test::write_file(root / "etc/z", "z");
  ScanOptions options;
  options.threads = 1;
  options.hooks.before_hash = [&](const std::string& read_path) {
    if (read_path == root / "etc/gone") ::unlink(read_path.c_str());
  };
  const ScanResult r = run_scan(config_for(root), options);
  REQUIRE(find(r, "/etc/gone"));
  CHECK(find(r, "/etc/gone")->status == EntryStatus::kVanished);
  CHECK(find(r, "/etc/a")->has_sha256);
  CHECK(find(r, "/etc/z")->has_sha256);
  CHECK(r.incomplete == 1);
}

TEST_CASE("a file replaced between the walk and the read is noticed (fstat vs lstat)") {
  test::TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  test::write_file(root / "etc/conf", "old");
  ScanOptions options;
  options.hooks.before_hash = [&](const std::string& read_path) {
    test::write_file(read_path + ".new", "new content, longer");
    ::rename((read_path + ".new").c_str(), read_path.c_str());
  };
  const ScanResult r = run_scan(config_for(root), options);
  CHECK(find(r, "/etc/conf")->status == EntryStatus::kChangedWhileReading);
  CHECK(r.incomplete == 1);
}

TEST_CASE("a missing configured path is a warning, not drift and not incomplete") {
  test::TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  Config c = config_for(root);
  PathRule missing;
  missing.path = "/opt/cni/bin";
  c.paths.push_back(missing);
  const ScanResult r = run_scan(c, ScanOptions{});
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("/opt/cni/bin") != std::string::npos);
  CHECK(r.incomplete == 0);
}

TEST_CASE("overlapping rules: each entry recorded once, with the most specific severity") {
  test::TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  ::mkdir((root / "etc/ssh").c_str(), 0755);
  test::write_file(root / "etc/ssh/sshd_config", "PermitRootLogin no\n");
  Config c = config_for(root);
  PathRule ssh;
  ssh.path = "/etc/ssh";
  ssh.severity = Severity::kCritical;
  c.paths.push_back(ssh);
  const ScanResult r = run_scan(c, ScanOptions{});
  size_t count = 0;
  for (const Entry& e : r.entries) count += e.path == "/etc/ssh/sshd_config";
  CHECK(count == 1);
  CHECK(find(r, "/etc/ssh/sshd_config")->severity == Severity::kCritical);
  CHECK(find(r, "/etc/ssh")->severity == Severity::kCritical);
}

TEST_CASE("a non-recursive entry records the directory's children but does not enter them") {
  test::TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  ::mkdir((root / "etc/sub").c_str(), 0755);
  test::write_file(root / "etc/sub/deep", "x");
  test::write_file(root / "etc/top", "x");
  Config c = config_for(root);
  c.paths[0].recursive = false;
  const ScanResult r = run_scan(c, ScanOptions{});
  CHECK(find(r, "/etc/sub"));
  CHECK(find(r, "/etc/top"));
  CHECK_FALSE(find(r, "/etc/sub/deep"));
}

TEST_CASE("a check after a content change that keeps size and mtime reports the hash") {
  test::TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  test::write_file(root / "etc/app.conf", "value=1\n");
  const Config c = config_for(root);
  Baseline b;
  ScanResult first = run_scan(c, ScanOptions{});
  b.entries = first.entries;
  struct stat st;
  ::stat((root / "etc/app.conf").c_str(), &st);
  test::write_file(root / "etc/app.conf", "value=2\n");
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ::utimensat(AT_FDCWD, (root / "etc/app.conf").c_str(), times, 0);
  const CheckResult r = run_check(c, b, ScanOptions{});
  REQUIRE(r.comparison.drifts.size() == 1);
  const Drift& d = r.comparison.drifts[0];
  CHECK(d.path() == "/etc/app.conf");
  CHECK(d.changed.has(Attr::kSha256));
  CHECK_FALSE(d.changed.has(Attr::kSize));
  CHECK_FALSE(d.changed.has(Attr::kMtime));
  CHECK(r.exit_bits() == kExitChanged);
  // The new content was kept for the diff; unchanged files' content was not.
  CHECK(r.scan.snapshots.size() == 1);
}

// --- Everything is opened beneath the root: open_beneath, in both of its ways. ---
namespace {
// Runs body once with openat2 (where the kernel has it) and once with the
// component walk, and leaves the walk unforced.
template <typename Body>
void in_both_ways(Body body) {
  for (const bool walk : {false, true}) {
    CAPTURE(walk);
    force_beneath_walk_for_tests(walk);
    body();
  }
  force_beneath_walk_for_tests(false);
}
// Entries or snapshots of a scan that came from `outside`.
bool has_outside(const ScanResult& r, const std::string& marker) {
  for (const auto& [sha, text] : r.snapshots) {
    if (text.find(marker) != std::string::npos) return true;
  }
  for (const Entry& e : r.entries) {
    if (e.path.find("outside") != std::string::npos) return true;
  }
  return false;
}
// A tree deeper than PATH_MAX: 48 levels of 100-byte names, a file at the bottom.
std::string make_deep_tree(const std::string& top) {
  std::string rel;
  const int top_fd = ::open(top.c_str(), O_PATH | O_DIRECTORY);
  int fd = ::dup(top_fd);
  for (int level = 0; level < 48; ++level) {
    const std::string name = std::string(97, 'd') + std::to_string(100 + level);
    ::mkdirat(fd, name.c_str(), 0755);
    const int next = ::openat(fd, name.c_str(), O_PATH | O_DIRECTORY);
    ::close(fd);
    fd = next;
    rel += "/" + name;
  }
  const int file = ::openat(fd, "deep.conf", O_WRONLY | O_CREAT, 0644);
  REQUIRE(::write(file, "deep\n", 5) == 5);
  ::close(file);
  ::close(fd);
  ::close(top_fd);
  return rel + "/deep.conf";
}
}  // namespace

TEST_CASE("open_beneath opens inside the tree and refuses a symlink in any component") {
  test::TempDir root, outside;
  ::mkdir((root / "etc").c_str(), 0755);
  test::write_file(root / "etc/hosts", "inside\n");
  test::write_file(outside / "hosts", "outside\n");
  ::symlink(outside.path().c_str(), (root / "link").c_str());
  ::symlink("hosts", (root / "etc/hosts-link").c_str());
  const std::string deep = make_deep_tree(root.path());
  REQUIRE(deep.size() > PATH_MAX);
  const UniqueFd dir(::open(root.path().c_str(), O_PATH | O_DIRECTORY));
  in_both_ways([&] {
    UniqueFd fd(open_beneath(dir.get(), "etc/hosts", O_RDONLY));
    CHECK(fd);
    fd.reset(open_beneath(dir.get(), "link/hosts", O_RDONLY));  // symlinked parent
    CHECK_FALSE(fd);
    CHECK(errno == ELOOP);
    fd.reset(open_beneath(dir.get(), "etc/hosts-link", O_RDONLY));  // symlink last
    CHECK_FALSE(fd);
    CHECK(errno == ELOOP);
    fd.reset(open_beneath(dir.get(), "etc/hosts-link", O_PATH));  // O_PATH: the link itself
    REQUIRE(fd);
    struct stat st;
    REQUIRE(::fstat(fd.get(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
    fd.reset(open_beneath(dir.get(), "../" + std::string(outside.path()).substr(5) + "/hosts", O_RDONLY));
    CHECK_FALSE(fd);
    CHECK(errno == EXDEV);
    fd.reset(open_beneath(dir.get(), "etc/hosts/x", O_RDONLY));  // a file on the way
    CHECK_FALSE(fd);
    CHECK(errno == ENOTDIR);
    fd.reset(open_beneath(dir.get(), std::string_view(deep).substr(1), O_RDONLY));  // longer than PATH_MAX
    CHECK(fd);
  });
}

TEST_CASE("a rule path below a symlinked parent records the symlink, with a warning, and nothing through it") {
  test::TempDir root, outside;
  ::mkdir((outside / "ssh").c_str(), 0755);
  test::write_file(outside / "ssh/outside.conf", "outside-marker\n");
  ::symlink(outside.path().c_str(), (root / "etc").c_str());
  Config c = config_for(root);
  c.paths[0].path = "/etc/ssh";
  c.content.paths = {"/etc/ssh"};
  in_both_ways([&] {
    const ScanResult r = run_scan(c, ScanOptions{});
    CHECK_FALSE(has_outside(r, "outside-marker"));
    CHECK(find(r, "/etc/ssh") == nullptr);
    const Entry* etc = find(r, "/etc");
    REQUIRE(etc);
    CHECK(etc->type == EntryType::kSymlink);
    CHECK(etc->target == outside.path());
    REQUIRE(r.warnings.size() == 1);
    CHECK(r.warnings[0].find("/etc is a symlink") != std::string::npos);
    // A re-check of the rule root, as the daemon makes, records the same.
    const ScanResult again = scan_paths(c, {RecheckScope{"/etc/ssh"}}, ScanOptions{});
    CHECK_FALSE(has_outside(again, "outside-marker"));
    REQUIRE(find(again, "/etc"));
    CHECK(find(again, "/etc")->type == EntryType::kSymlink);
  });
}

TEST_CASE("a parent directory swapped for a symlink between the walk and the read is never followed") {
  test::TempDir root, outside;
  ::mkdir((outside / "ssh").c_str(), 0755);
  test::write_file(outside / "ssh/sshd_config", "outside-marker\n");
  in_both_ways([&] {
    std::system(("rm -rf '" + root.path() + "'/etc; mkdir -p '" + root.path() + "'/etc/ssh").c_str());
    test::write_file(root / "etc/ssh/sshd_config", "inside\n");
    ScanOptions options;
    options.threads = 1;
    options.hooks.before_hash = [&](const std::string& read_path) {
      if (read_path != root / "etc/ssh/sshd_config") return;
      ::rename((root / "etc/ssh").c_str(), (root / "etc/ssh.old").c_str());
      ::symlink((outside / "ssh").c_str(), (root / "etc/ssh").c_str());
    };
    const ScanResult r = run_scan(config_for(root), options);
    CHECK_FALSE(has_outside(r, "outside-marker"));
    const Entry* e = find(r, "/etc/ssh/sshd_config");
    REQUIRE(e);
    CHECK(e->status == EntryStatus::kChangedWhileReading);
    CHECK_FALSE(e->has_sha256);  // the outside file was not read, not even hashed
    CHECK_FALSE(e->snapshot);
  });
}

TEST_CASE("a subtree deeper than PATH_MAX is recorded and hashed, not unreadable") {
  test::TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  const std::string deep = "/etc" + make_deep_tree(root / "etc");
  REQUIRE(deep.size() > PATH_MAX);
  in_both_ways([&] {
    const ScanResult r = run_scan(config_for(root), ScanOptions{});
    CHECK(r.incomplete == 0);
    const Entry* e = find(r, deep);
    REQUIRE(e);
    CHECK(e->status == EntryStatus::kOk);
    CHECK(e->has_sha256);
    const ScanResult again = scan_paths(config_for(root), {RecheckScope{deep, true}}, ScanOptions{});
    REQUIRE(find(again, deep));
    CHECK(find(again, deep)->status == EntryStatus::kOk);
  });
}
