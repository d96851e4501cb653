// Opening a path beneath a directory descriptor without following symlinks.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <string_view>
#include <utility>

namespace drift {

/// An owned file descriptor, closed at scope exit; -1 when empty.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// Opens `rel` (relative; "" or "." is dir_fd's directory itself) beneath
/// dir_fd with `flags`, never following a symlink in any component and never
/// leaving dir_fd's tree. O_NOFOLLOW and O_CLOEXEC are always added, so a
/// symlink as the last component opens only with O_PATH (the link itself).
/// Returns the descriptor, or -1 with errno: ELOOP when a component is a
/// symlink, ENOTDIR when an inner one is something else, EXDEV for "..".
/// Paths longer than PATH_MAX are opened too.
int open_beneath(int dir_fd, std::string_view rel, int flags);

/// Test hook: with true, open_beneath always takes the openat() component
/// walk it uses where openat2 is missing or denied.
void force_beneath_walk_for_tests(bool on);

/// Whether open_beneath uses openat2 (for the tests' reports).
bool beneath_uses_openat2();

}  // namespace drift
