// Page-cache neutral reads on real files: a file pushed out of the cache
// and then hashed is not resident after; a file a "workload" cached stays
// cached; a partly cached file keeps exactly its cached pages; with the
// guard off nothing is dropped. Residency is read back with mincore(2).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "lib/page_cache.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kPages = 256;  // 1 MiB

// Resident pages of the file at path, by mincore.
std::vector<bool> resident(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  void* map = ::mmap(nullptr, kPages * kPage, PROT_READ, MAP_SHARED, fd, 0);
  REQUIRE(map != MAP_FAILED);
  std::vector<unsigned char> vec(kPages);
  REQUIRE(::mincore(map, kPages * kPage, vec.data()) == 0);
  ::munmap(map, kPages * kPage);
  ::close(fd);
  std::vector<bool> out;
  for (unsigned char v : vec) out.push_back(v & 1);
  return out;
}
size_t count(const std::vector<bool>& v) {
  size_t n = 0;
  for (bool b : v) n += b;
  return n;
}

// Written, synced and dropped: nothing of it resident.
std::string cold_file(const TempDir& dir, const std::string& name) {
  const std::string path = dir / name;
  std::string data(kPages * kPage, 'x');
  for (size_t i = 0; i < data.size(); i += 97) data[i] = static_cast<char>(i);
  test::write_file(path, data);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
  return path;
}
void drop(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}
void read_pages(const std::string& path, size_t first, size_t n) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  std::vector<char> buf(n * kPage);
  REQUIRE(::pread(fd, buf.data(), buf.size(), static_cast<off_t>(first * kPage)) == static_cast<ssize_t>(buf.size()));
  ::close(fd);
}

void read_with_guard(PageCacheGuard* g, const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  const Residency r = g->before(fd, kPages * kPage);
  std::vector<char> buf(128 * 1024);
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  g->drop_brought_in(fd, kPages * kPage, r);
  ::close(fd);
}

}  // namespace

TEST_CASE("page cache: what a read brought in is dropped, what was cached stays, by each method") {
  TempDir dir;
  const std::string cold = cold_file(dir, "cold");
  if (count(resident(cold)) != 0) {
    MESSAGE("this file system keeps pages after POSIX_FADV_DONTNEED (tmpfs?): not testable here");
    return;
  }
  for (ResidencyMethod m : {ResidencyMethod::kCachestat, ResidencyMethod::kMincore}) {
    CAPTURE(residency_method_name(m));
    PageCacheGuard g(true, m);
    // Cold: not resident after.
    read_with_guard(&g, cold);
    CHECK(count(resident(cold)) == 0);
    // Cached by a "workload": stays.
    read_pages(cold, 0, kPages);
    REQUIRE(count(resident(cold)) == kPages);
    read_with_guard(&g, cold);
    CHECK(count(resident(cold)) == kPages);
    // Partly cached: exactly those pages stay.
    drop(cold);
    read_pages(cold, 10, 20);
    const std::vector<bool> before = resident(cold);
    read_with_guard(&g, cold);
    CHECK(count(before) == 20);
    CHECK(resident(cold) == before);
    drop(cold);
  }
}

TEST_CASE("page cache: the guard off drops nothing") {
  TempDir dir;
  const std::string path = cold_file(dir, "f");
  if (count(resident(path)) != 0) return;  // see above
  PageCacheGuard off(false, ResidencyMethod::kMincore);
  read_with_guard(&off, path);
  CHECK(count(resident(path)) == kPages);
  CHECK(off.method() == ResidencyMethod::kNone);
}

TEST_CASE("page cache: under someone else's seccomp filter only mincore is tried") {
  // In a child: the answer is decided once per process, on first use.
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);  // a filter that refuses nothing
    if (!ctx || ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || seccomp_load(ctx) != 0) ::_exit(2);
    ::_exit(residency_methods_allowed() == ResidencyMethod::kMincore ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
