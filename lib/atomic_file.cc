// Atomic replacement: temp file, fsync, rename, fsync the directory.
#include "lib/atomic_file.h"
#include "lib/paths.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace drift {
namespace {

bool write_all(int fd, std::string_view data) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) {
    ::close(fd_);
    if (!in_place_) ::unlink(tmp_.c_str());
  }
}

bool AtomicFileWriter::open(const std::string& path, mode_t mode, std::string* err) {
  path_ = path;
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    return true;
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      // Non-blocking open (a FIFO without a reader is an error, not a hang),
      // then the same inode must be what was opened: a regular file swapped
      // in between is never overwritten in place.
      fd_ = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
      if (fd_ < 0) {
        *err = path + ": " + (errno == ENXIO ? std::string("a FIFO with no reader") : std::strerror(errno));
        return false;
      }
      in_place_ = true;  // from here on, never unlink anything
      struct stat opened;
      if (::fstat(fd_, &opened) != 0 || opened.st_dev != st.st_dev || opened.st_ino != st.st_ino ||
          (opened.st_mode & S_IFMT) != (st.st_mode & S_IFMT)) {
        *err = path + ": replaced while being opened, not written";
        return false;
      }
      const int flags = ::fcntl(fd_, F_GETFL);
      if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
      return true;
    }
    *err = path + ": is " +
           (S_ISLNK(st.st_mode) ? std::string("a symlink (never written through; name its target)")
            : S_ISDIR(st.st_mode) ? std::string("a directory")
                                  : std::string("a special file (only a regular file, a character device or a FIFO)")) +
           ", not written";
    return false;
  }
  tmp_ = path + ".tmp.XXXXXX";
  fd_ = ::mkostemp(tmp_.data(), O_CLOEXEC);
  if (fd_ < 0) { *err = path + ": cannot create temp file: " + std::strerror(errno); return false; }
  if (::fchmod(fd_, mode) != 0) { *err = path + ": " + std::strerror(errno); return false; }
  return true;
}

bool AtomicFileWriter::write(const void* data, size_t size, std::string* err) {
  if (!write_all(fd_, std::string_view(static_cast<const char*>(data), size))) {
    *err = (fd_ == STDOUT_FILENO ? std::string("stdout") : path_) + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool AtomicFileWriter::commit(std::string* err) {
  if (fd_ == STDOUT_FILENO) {
    fd_ = -1;
    return true;
  }
  if (in_place_) {
    const bool closed = ::close(fd_) == 0;
    fd_ = -1;
    if (!closed) { *err = path_ + ": " + std::strerror(errno); return false; }
    return true;
  }
  const bool synced = ::fsync(fd_) == 0;
  const int saved = errno;
  ::close(fd_);
  fd_ = -1;
  if (!synced || ::rename(tmp_.c_str(), path_.c_str()) != 0) {
    *err = path_ + ": " + std::strerror(synced ? errno : saved);
    ::unlink(tmp_.c_str());
    return false;
  }
  const int dfd = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

bool write_file_atomically(const std::string& path, const std::string& data, mode_t mode,
                           std::string* err) {
  AtomicFileWriter file;
  return file.open(path, mode, err) && file.write(data.data(), data.size(), err) && file.commit(err);
}

bool read_whole_file(const std::string& path, std::string* data, std::string* err, uint64_t max_bytes) {
  const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) { *err = path + ": " + std::strerror(errno); return false; }
  const std::string shown = path == "-" ? std::string("stdin") : path;
  const auto done = [fd](bool ok) {
    if (fd != STDIN_FILENO) ::close(fd);
    return ok;
  };
  data->clear();
  // Exactly the file's size, not a doubling string's: a baseline is read whole.
  struct stat st;
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) { *err = shown + ": is a directory"; return done(false); }
    if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes) {
      *err = shown + ": larger than " + std::to_string(max_bytes) + " bytes";
      return done(false);
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) data->reserve(static_cast<size_t>(st.st_size));
  }
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = shown + ": " + std::strerror(errno);
      return done(false);
    }
    if (data->size() + static_cast<size_t>(n) > max_bytes) {
      *err = shown + ": more than " + std::to_string(max_bytes) + " bytes (an endless or oversized file)";
      data->clear();
      return done(false);
    }
    data->append(buf, static_cast<size_t>(n));
  }
  return done(true);
}

bool make_directories(const std::string& dir, mode_t mode) {
  if (dir.empty() || dir == "/" || dir == ".") return true;
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return true;
    errno = ENOTDIR;
    return false;
  }
  if (!make_directories(directory_of(dir), 0755)) return false;
  return ::mkdir(dir.c_str(), mode) == 0 || errno == EEXIST;
}

}  // namespace drift
