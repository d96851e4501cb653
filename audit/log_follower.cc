// The follower keeps the open descriptor of the file it reads and compares
// its identity (device, inode) with what the path names now. Another inode at
// the path is a rotation: the old descriptor is read to its end first (auditd
// may have written a last batch before renaming it), then the new file from
// its start. The same inode but shorter than the offset is a truncation: read
// again from the start. Reads are pread()s bounded per call.
#include "audit/log_follower.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace drift {
namespace {

std::string strip_slashes(const std::string& p) {
  size_t i = 0;
  while (i < p.size() && p[i] == '/') ++i;
  return p.substr(i);
}

// Opens rel beneath dir for reading and checks it is a regular file.
int open_regular(int dir_fd, const std::string& rel, struct stat* st, bool* refused) {
  *refused = false;
  int fd = open_beneath(dir_fd, rel, O_RDONLY | O_NONBLOCK);
  if (fd < 0) {
    *refused = errno == ELOOP || errno == ENOTDIR;
    return -1;
  }
  if (::fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    const int saved = errno;
    ::close(fd);
    *refused = true;
    errno = S_ISREG(st->st_mode) ? saved : EINVAL;
    return -1;
  }
  return fd;
}

}  // namespace

bool read_regular_beneath(int dir_fd, const std::string& rel, uint64_t max_bytes, std::string* data,
                          std::string* err) {
  struct stat st;
  bool refused = false;
  UniqueFd fd(open_regular(dir_fd, rel, &st, &refused));
  if (!fd) {
    *err = refused ? "not a regular file (a symlink, FIFO, device or directory): refused" : std::strerror(errno);
    return false;
  }
  data->clear();
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *err = std::strerror(errno);
      return false;
    }
    if (n == 0) return true;
    if (data->size() + static_cast<size_t>(n) > max_bytes) {
      *err = "larger than " + std::to_string(max_bytes) + " bytes";
      return false;
    }
    data->append(buf, static_cast<size_t>(n));
  }
}

std::vector<std::string> audit_log_files(int root_fd, const std::string& rel_in, int max_rotations) {
  const std::string rel = strip_slashes(rel_in);
  std::vector<std::string> rotated;
  for (int i = 1; i <= max_rotations; ++i) {
    const std::string name = rel + "." + std::to_string(i);
    UniqueFd fd(open_beneath(root_fd, name, O_PATH));
    if (!fd) break;
    rotated.push_back(name);
  }
  std::vector<std::string> out(rotated.rbegin(), rotated.rend());
  UniqueFd fd(open_beneath(root_fd, rel, O_PATH));
  if (fd) out.push_back(rel);
  return out;
}

AuditLogFollower::AuditLogFollower(const std::string& root, const std::string& host_log, size_t max_read)
    : root_(root), rel_(strip_slashes(host_log)), max_read_(max_read) {}

bool AuditLogFollower::open_current(FollowStatus* status, std::string* err) {
  if (!root_fd_) {
    root_fd_.reset(::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd_) {
      *status = FollowStatus::kError;
      *err = root_ + ": " + std::strerror(errno);
      return false;
    }
  }
  struct stat st;
  bool refused = false;
  fd_.reset(open_regular(root_fd_.get(), rel_, &st, &refused));
  if (!fd_) {
    const int e = errno;
    *status = refused ? FollowStatus::kRefused : e == ENOENT ? FollowStatus::kMissing : FollowStatus::kError;
    *err = "/" + rel_ + ": " + (refused ? std::string("not a regular file (a symlink, FIFO, device or directory): refused")
                                        : std::string(std::strerror(e)));
    return false;
  }
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  offset_ = 0;
  return true;
}

size_t AuditLogFollower::read_some(std::string* out, size_t limit, bool* at_eof) {
  *at_eof = false;
  size_t total = 0;
  char buf[65536];
  while (total < limit) {
    const size_t want = std::min(sizeof buf, limit - total);
    const ssize_t n = ::pread(fd_.get(), buf, want, offset_);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *at_eof = true;
      break;
    }
    out->append(buf, static_cast<size_t>(n));
    offset_ += n;
    total += static_cast<size_t>(n);
  }
  stats_.bytes += total;
  return total;
}

FollowStatus AuditLogFollower::poll(std::string* out, bool* more, std::string* err) {
  *more = false;
  FollowStatus status = FollowStatus::kOk;
  if (!fd_ && !open_current(&status, err)) return status;
  size_t budget = max_read_;
  // What the path names now: the same file, another one (rotated), or none.
  struct stat now;
  bool refused = false;
  UniqueFd at_path(open_regular(root_fd_.get(), rel_, &now, &refused));
  const bool rotated = !at_path || now.st_dev != dev_ || now.st_ino != ino_;
  if (!rotated) {
    struct stat st;
    if (::fstat(fd_.get(), &st) == 0 && st.st_size < offset_) {
      offset_ = 0;  // truncated in place
      stats_.truncations++;
    }
  }
  bool at_eof = false;
  budget -= read_some(out, budget, &at_eof);
  if (!at_eof) {
    *more = true;
    return FollowStatus::kOk;
  }
  if (!rotated) return FollowStatus::kOk;
  // The old file is read to its end: follow the path to its new file.
  stats_.rotations++;
  fd_.reset();
  if (!at_path) {
    if (refused) {
      *err = "/" + rel_ + ": not a regular file (a symlink, FIFO, device or directory): refused";
      return FollowStatus::kRefused;
    }
    return FollowStatus::kOk;  // renamed away, the new one not there yet: next poll opens it
  }
  fd_ = std::move(at_path);
  dev_ = now.st_dev;
  ino_ = now.st_ino;
  offset_ = 0;
  read_some(out, budget, &at_eof);
  *more = !at_eof;
  return FollowStatus::kOk;
}

}  // namespace drift
