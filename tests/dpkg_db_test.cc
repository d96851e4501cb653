// agent/dpkg_db: dpkg's database as dpkg writes it: status, file lists and
// md5sums (merged-/usr aliases), a missing or broken database, dpkg's lock.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "agent/dpkg_db.h"
#include "dpkg_test_util.h"

using namespace drift;
using drift::test::FakeRoot;
using drift::test::kStatus;
namespace fs = std::filesystem;

TEST_CASE("dpkg status: packages with files on disk, Multi-Arch keys, conffile checksums") {
  FakeRoot root;
  root.write("/var/lib/dpkg/status", kStatus);
  DpkgDatabase db;
  std::string err;
  REQUIRE_MESSAGE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk, err);
  REQUIRE(db.find("kubelet"));
  CHECK(db.find("kubelet")->version == "1.34.1-1.1");
  CHECK(db.find("libc6:amd64"));  // info/libc6:amd64.list
  CHECK_FALSE(db.find("libc6"));
  CHECK_FALSE(db.find("removed-pkg"));  // only its conffiles remain
  const DpkgPackage* ssh = db.find("openssh-client");
  REQUIRE(ssh);
  CHECK(ssh->conffiles.size() == 1);  // the obsolete one is not a promise about today's file
  CHECK(ssh->conffiles.at("/etc/ssh/ssh_config") == "0123456789abcdef0123456789abcdef");
}

TEST_CASE("no dpkg database is not an error; a broken one names the file and line") {
  FakeRoot root;
  DpkgDatabase db;
  std::string err;
  CHECK(db.load(root.dir, &err) == DpkgDatabase::Load::kNotFound);

  root.write("/var/lib/dpkg/status", std::string(kStatus).substr(0, 100));  // cut mid-line
  CHECK(db.load(root.dir, &err) == DpkgDatabase::Load::kMalformed);
  CHECK(err.find("truncated") != std::string::npos);
  CHECK(db.packages().empty());

  root.write("/var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nthis line is junk\n\n");
  CHECK(db.load(root.dir, &err) == DpkgDatabase::Load::kMalformed);
  CHECK(err.find("status:3:") != std::string::npos);

  root.write("/var/lib/dpkg/status", "Package: a\nStatus: install ok installed\n\n");
  CHECK(db.load(root.dir, &err) == DpkgDatabase::Load::kMalformed);
  CHECK(err.find("no Version") != std::string::npos);

  root.write("/var/lib/dpkg/status", "");
  CHECK(db.load(root.dir, &err) == DpkgDatabase::Load::kMalformed);
}

TEST_CASE("file lists and md5sums: merged-/usr aliases are reported under /usr") {
  FakeRoot root;
  root.write("/var/lib/dpkg/status", kStatus);
  fs::create_directories(root.dir + "/usr/bin");
  fs::create_directory_symlink("usr/bin", root.dir + "/bin");
  root.write("/var/lib/dpkg/info/kubelet.list", "/.\n/bin\n/bin/kubelet\n/usr/share/doc/kubelet\n");
  root.write("/var/lib/dpkg/info/kubelet.md5sums", "00112233445566778899aabbccddeeff  bin/kubelet\nnot a checksum line\n");
  DpkgDatabase db;
  std::string err;
  REQUIRE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk);
  std::map<std::string, std::string> found;
  db.for_each_listed([](std::string_view p) { return p.substr(0, 8) == "/usr/bin"; },
                     [&](const std::string& p, const std::string& key) { found[p] = key; });
  CHECK(found == std::map<std::string, std::string>{{"/usr/bin", "kubelet"}, {"/usr/bin/kubelet", "kubelet"}});
  CHECK(db.lists("kubelet", "/usr/bin/kubelet"));
  CHECK_FALSE(db.lists("kubelet", "/usr/bin/kubectl"));
  std::map<std::string, std::string> sums;
  REQUIRE(db.md5sums("kubelet", &sums));
  CHECK(sums == std::map<std::string, std::string>{{"/usr/bin/kubelet", "00112233445566778899aabbccddeeff"}});
}

TEST_CASE("merged /usr without /bin under the root (the DaemonSet mounts /usr/bin only): usr-is-merged decides") {
  FakeRoot root;
  root.write("/var/lib/dpkg/status", std::string(kStatus) +
                                         "Package: usr-is-merged\nStatus: install ok installed\nArchitecture: all\n"
                                         "Version: 37~deb12u1\n\n");
  root.write("/var/lib/dpkg/info/kubelet.list", "/.\n/bin/kubelet\n");
  DpkgDatabase db;
  std::string err;
  REQUIRE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk);
  CHECK(db.lists("kubelet", "/usr/bin/kubelet"));
  // Without usr-is-merged and without /bin, /bin stays /bin.
  root.write("/var/lib/dpkg/status", kStatus);
  REQUIRE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk);
  CHECK(db.lists("kubelet", "/bin/kubelet"));
  CHECK_FALSE(db.lists("kubelet", "/usr/bin/kubelet"));
}

TEST_CASE("dpkg is busy while another process holds its fcntl lock") {
  FakeRoot root;
  root.write("/var/lib/dpkg/status", kStatus);
  root.write("/var/lib/dpkg/lock", "");
  DpkgDatabase db;
  std::string err;
  REQUIRE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk);
  CHECK_FALSE(db.busy());
  int to_child[2], from_child[2];
  REQUIRE(::pipe(to_child) == 0);
  REQUIRE(::pipe(from_child) == 0);
  const pid_t pid = ::fork();
  if (pid == 0) {  // the "dpkg": takes the write lock, says so, waits to be told to go
    const int fd = ::open((root.dir + "/var/lib/dpkg/lock").c_str(), O_RDWR);
    struct flock fl{};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    char c = ::fcntl(fd, F_SETLK, &fl) == 0 ? 'L' : 'E';
    (void)!::write(from_child[1], &c, 1);
    (void)!::read(to_child[0], &c, 1);
    ::_exit(0);
  }
  char c = 0;
  REQUIRE(::read(from_child[0], &c, 1) == 1);
  REQUIRE(c == 'L');
  CHECK(db.busy());
  (void)!::write(to_child[1], "x", 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK_FALSE(db.busy());
  for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) ::close(fd);
}
