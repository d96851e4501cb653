// The scanner on temp trees: entries, attributes, vanishing files, mounts.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/xattr.h>
#include <unistd.h>

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
