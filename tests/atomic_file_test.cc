// lib/atomic_file: the target's type decides. A regular file (or none) is
// replaced atomically and no temp file is left; a character device and a FIFO
// are written in place; a symlink and a directory are refused. Reads are
// bounded and a directory is an error naming the path.
#include <dirent.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "lib/atomic_file.h"
#include "test_util.h"

using namespace drift;

namespace {

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  REQUIRE(d);
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.' || (e->d_name[1] && e->d_name[1] != '.')) out.push_back(e->d_name);
  }
  ::closedir(d);
  return out;
}

std::string read_back(const std::string& path) {
  std::string data, err;
  REQUIRE_MESSAGE(read_whole_file(path, &data, &err), err);
  return data;
}

}  // namespace

TEST_CASE("atomic_file: a regular file is replaced whole, with its mode, and no temp file stays") {
  test::TempDir dir;
  std::string err;
  REQUIRE_MESSAGE(write_file_atomically(dir / "state", "one\n", 0600, &err), err);
  struct stat before;
  REQUIRE(::stat((dir / "state").c_str(), &before) == 0);
  REQUIRE_MESSAGE(write_file_atomically(dir / "state", "two\n", 0640, &err), err);
  CHECK(read_back(dir / "state") == "two\n");
  struct stat after;
  REQUIRE(::stat((dir / "state").c_str(), &after) == 0);
  CHECK((after.st_mode & 07777) == 0640);
  CHECK(after.st_ino != before.st_ino);  // renamed over, not rewritten in place
  CHECK(names_in(dir.path()) == std::vector<std::string>{"state"});

  // A writer destroyed without commit leaves the old file and no temp file.
  {
    AtomicFileWriter w;
    REQUIRE(w.open(dir / "state", 0600, &err));
    REQUIRE(w.write("half", 4, &err));
  }
  CHECK(read_back(dir / "state") == "two\n");
  CHECK(names_in(dir.path()) == std::vector<std::string>{"state"});
}

TEST_CASE("atomic_file: a FIFO is written in place, never replaced by a regular file") {
  test::TempDir dir;
  const std::string fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string err;
  // Without a reader: an error at once, never a hang.
  CHECK_FALSE(write_file_atomically(fifo, "nobody reads\n", 0600, &err));
  CHECK(err.find("a FIFO with no reader") != std::string::npos);
  // With a reader holding it open (the small text fits the pipe's buffer).
  const int rfd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  REQUIRE(rfd >= 0);
  CHECK_MESSAGE(write_file_atomically(fifo, "through the pipe\n", 0600, &err), err);
  char buf[64];
  const ssize_t n = ::read(rfd, buf, sizeof buf);
  ::close(rfd);
  CHECK(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0) == "through the pipe\n");
  struct stat st;
  REQUIRE(::lstat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"fifo"});
}

TEST_CASE("atomic_file: a character device is written in place (mknod /dev/null's numbers in a temp dir)") {
  test::TempDir dir;
  const std::string dev = dir / "null";
  if (::mknod(dev.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) {
    MESSAGE("skipped: mknod needs CAP_MKNOD (not root)");
    return;
  }
  std::string err;
  CHECK_MESSAGE(write_file_atomically(dev, "discarded\n", 0600, &err), err);
  struct stat st;
  REQUIRE(::lstat(dev.c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(st.st_rdev == ::makedev(1, 3));
  CHECK(names_in(dir.path()) == std::vector<std::string>{"null"});
}

TEST_CASE("atomic_file: a symlink and a directory are refused, and nothing changes") {
  test::TempDir dir;
  test::write_file(dir / "target", "keep\n");
  REQUIRE(::symlink("target", (dir / "link").c_str()) == 0);
  REQUIRE(::mkdir((dir / "sub").c_str(), 0755) == 0);
  std::string err;
  CHECK_FALSE(write_file_atomically(dir / "link", "new\n", 0600, &err));
  CHECK(err == dir / "link" + ": is a symlink (never written through; name its target), not written");
  CHECK(read_back(dir / "target") == "keep\n");
  struct stat st;
  REQUIRE(::lstat((dir / "link").c_str(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  err.clear();
  CHECK_FALSE(write_file_atomically(dir / "sub", "new\n", 0600, &err));
  CHECK(err == dir / "sub" + ": is a directory, not written");
  REQUIRE(::lstat((dir / "sub").c_str(), &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK(names_in(dir.path()).size() == 3);
}

TEST_CASE("atomic_file: read_whole_file stops at its bound and names a directory") {
  test::TempDir dir;
  test::write_file(dir / "ten", "0123456789");
  std::string data, err;
  CHECK(read_whole_file(dir / "ten", &data, &err, 10));
  CHECK(data == "0123456789");
  CHECK_FALSE(read_whole_file(dir / "ten", &data, &err, 9));
  CHECK(err == dir / "ten" + ": larger than 9 bytes");
  // An endless file ends in an error at the bound, not in memory without bound.
  CHECK_FALSE(read_whole_file("/dev/zero", &data, &err, 1 << 20));
  CHECK(err.find("/dev/zero: more than 1048576 bytes") == 0);
  CHECK_FALSE(read_whole_file(dir.path(), &data, &err));
  CHECK(err == dir.path() + ": is a directory");
}
