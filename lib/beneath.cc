// open_beneath: a path string handed to open() is resolved by the kernel
// component by component, and O_NOFOLLOW guards only the last one; a
// directory on the way swapped for a symlink (by anyone who can write its
// parent) takes the open anywhere. openat2(RESOLVE_BENEATH |
// RESOLVE_NO_SYMLINKS) makes the kernel refuse that in one call (Linux 5.6+).
// Where it is missing (ENOSYS), refused by a container's seccomp profile
// (EPERM) or does not know our struct (E2BIG), the same contract is kept by
// hand: one openat(O_PATH | O_DIRECTORY | O_NOFOLLOW) per inner component from
// the previous component's descriptor, so a symlink anywhere fails the open.
// That walk also serves paths longer than PATH_MAX, which no single call takes.
// Nothing here knows what is being opened or why.
#include "lib/beneath.h"

#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <string>

namespace drift {
namespace {

std::atomic<bool> g_force_walk{false};

long call_openat2(int dir_fd, const char* path, int flags) {
  struct open_how how{};
  how.flags = static_cast<__u64>(flags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd;
  int tries = 0;
  // EAGAIN: a rename raced the kernel's ".." check; it asks for a retry.
  do fd = ::syscall(SYS_openat2, dir_fd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN && ++tries < 8);
  return fd;
}

// Decided once: an O_PATH open of "." fails only when openat2 itself does.
bool openat2_available() {
  static const bool available = [] {
    const long fd = call_openat2(AT_FDCWD, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::close(static_cast<int>(fd));
      return true;
    }
    return errno != ENOSYS && errno != EPERM && errno != E2BIG;
  }();
  return available;
}

// After ENOTDIR on `name` in dir_fd: ELOOP when it is a symlink, as openat2 says.
void symlink_is_eloop(int dir_fd, const std::string& name) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) errno = ELOOP;
  else errno = ENOTDIR;
}

int walk_open(int dir_fd, std::string_view rel, int flags) {
  UniqueFd held;  // the current inner directory, once past dir_fd
  int at = dir_fd;
  size_t pos = 0;
  for (;;) {
    const size_t slash = rel.find('/', pos);
    const std::string name(rel.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    if (name == "..") {
      errno = EXDEV;
      return -1;
    }
    if (slash == std::string_view::npos) {
      const int fd = ::openat(at, name.empty() ? "." : name.c_str(), flags);
      if (fd < 0 && errno == ENOTDIR) symlink_is_eloop(at, name);
      return fd;
    }
    pos = slash + 1;
    if (name.empty() || name == ".") continue;
    const int next = ::openat(at, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      if (errno == ENOTDIR) symlink_is_eloop(at, name);
      return -1;
    }
    held.reset(next);
    at = next;
  }
}

}  // namespace

int open_beneath(int dir_fd, std::string_view rel, int flags) {
  flags |= O_NOFOLLOW | O_CLOEXEC;
  if (rel.empty()) rel = ".";
  if (!g_force_walk.load(std::memory_order_relaxed) && openat2_available() && rel.size() < PATH_MAX) {
    const long fd = call_openat2(dir_fd, std::string(rel).c_str(), flags);
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != E2BIG && errno != ENAMETOOLONG)) {
      return static_cast<int>(fd);
    }
    // EPERM here may be O_NOATIME on a file not ours, or a filter; the walk answers either.
  }
  return walk_open(dir_fd, rel, flags);
}

void force_beneath_walk_for_tests(bool on) { g_force_walk.store(on, std::memory_order_relaxed); }

bool beneath_uses_openat2() { return !g_force_walk.load(std::memory_order_relaxed) && openat2_available(); }

}  // namespace drift
