// Atomic replacement: temp file, fsync, rename, fsync the directory.
#include "agent/atomic_file.h"

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

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

bool AtomicFileWriter::open(const std::string& path, mode_t mode, std::string* err) {
  path_ = path;
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    return true;
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
  if (path == "-") {
    if (!write_all(STDOUT_FILENO, data)) { *err = std::string("stdout: ") + std::strerror(errno); return false; }
    return true;
  }
  const std::string dir = directory_of(path);
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) { *err = path + ": cannot create temp file: " + std::strerror(errno); return false; }
  const bool ok = ::fchmod(fd, mode) == 0 && write_all(fd, data) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    *err = path + ": " + std::strerror(ok ? errno : saved);
    ::unlink(tmp.c_str());
    return false;
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

bool read_whole_file(const std::string& path, std::string* data, std::string* err) {
  const int fd = path == "-" ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) { *err = path + ": " + std::strerror(errno); return false; }
  data->clear();
  // Exactly the file's size, not a doubling string's: a baseline is read whole.
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) data->reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = (path == "-" ? std::string("stdin") : path) + ": " + std::strerror(errno);
      if (fd != STDIN_FILENO) ::close(fd);
      return false;
    }
    data->append(buf, static_cast<size_t>(n));
  }
  if (fd != STDIN_FILENO) ::close(fd);
  return true;
}

}  // namespace drift
