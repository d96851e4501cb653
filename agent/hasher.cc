// Hasher. Mirrors the loop of ../shared/bench/floor.c (open, fstat, read in
// 128 KiB blocks into EVP_DigestUpdate, close) so the per-file cost stays at
// the measured floor, and adds what integrity needs: O_NOFOLLOW so a file
// swapped for a symlink is never followed, O_NONBLOCK so a file swapped for a
// FIFO never blocks, the lstat/fstat comparison AIDE makes, and a byte count
// check after reading; and leaves the page cache as it found it (what it
// read that was not cached before is dropped again, lib/page_cache.h).
#include "agent/hasher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "lib/beneath.h"
#include "lib/page_cache.h"
#include "agent/walker.h"

namespace drift {
namespace {

constexpr size_t kReadBlock = 128 * 1024;

const EVP_MD* sha256_md() {
  // Fetch once: EVP_sha256() would make OpenSSL 3 look the algorithm up on every init.
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

bool same_file_state(const Entry& walked, const struct stat& st) {
  Entry now;
  fill_from_stat(st, &now);
  return now.type == walked.type && now.inode == walked.inode && now.device == walked.device &&
         now.size == walked.size && now.mtime_ns == walked.mtime_ns && now.ctime_ns == walked.ctime_ns;
}

}  // namespace

struct Hasher::Impl {
  explicit Impl(bool neutral) : page_cache(neutral, residency_methods_allowed()) {}
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  PageCacheGuard page_cache;
  char* buffer = static_cast<char*>(std::aligned_alloc(4096, kReadBlock));
  const uid_t euid = ::geteuid();
  ~Impl() {
    EVP_MD_CTX_free(ctx);
    std::free(buffer);
  }
};

Hasher::Hasher(bool page_cache_neutral) : impl_(std::make_unique<Impl>(page_cache_neutral)) {}
Hasher::~Hasher() = default;

void Hasher::hash_file(int root_fd, Entry* e, std::string* content, uint64_t max_content) {
  const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
  // O_NOATIME is allowed to the file's owner and to CAP_FOWNER; try it where it can work.
  const bool try_noatime = impl_->euid == 0 || impl_->euid == e->uid;
  const std::string_view rel = beneath_rel(e->path);
  int fd = open_beneath(root_fd, rel, flags | (try_noatime ? O_NOATIME : 0));
  if (fd < 0 && errno == EPERM && try_noatime) fd = open_beneath(root_fd, rel, flags);
  if (fd < 0) {
    if (errno == ENOENT) e->status = EntryStatus::kVanished;
    // ELOOP: it, or a directory on the way, is a symlink now; ENOTDIR: a directory on the way is not one.
    else if (errno == ELOOP || errno == ENOTDIR) e->status = EntryStatus::kChangedWhileReading;
    else e->status = EntryStatus::kUnreadable;
    return;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    e->status = EntryStatus::kUnreadable;
    ::close(fd);
    return;
  }
  if (!same_file_state(*e, st)) {
    e->status = EntryStatus::kChangedWhileReading;
    fill_from_stat(st, e);
    if (!S_ISREG(st.st_mode)) {  // replaced by a FIFO or device: do not read it
      ::close(fd);
      return;
    }
  }
  read_integrity_xattrs(fd, false, &e->xattrs);

  const bool keep = content && static_cast<uint64_t>(st.st_size) <= max_content;
  const Residency resident = impl_->page_cache.before(fd, static_cast<uint64_t>(st.st_size));
  if (content) content->clear();
  EVP_DigestInit_ex(impl_->ctx, sha256_md(), nullptr);
  uint64_t total = 0;
  ssize_t n;
  while ((n = ::read(fd, impl_->buffer, kReadBlock)) > 0) {
    EVP_DigestUpdate(impl_->ctx, impl_->buffer, static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
    if (keep && total <= max_content) content->append(impl_->buffer, static_cast<size_t>(n));
  }
  const int read_errno = errno;
  impl_->page_cache.drop_brought_in(fd, static_cast<uint64_t>(st.st_size), resident);
  ::close(fd);
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, e->sha256.data(), &len);
  if (n < 0) {
    e->status = read_errno == EAGAIN ? EntryStatus::kChangedWhileReading : EntryStatus::kUnreadable;
    return;
  }
  e->has_sha256 = true;
  if (total != static_cast<uint64_t>(st.st_size)) e->status = EntryStatus::kChangedWhileReading;
  if (content && (!keep || total > max_content)) content->clear();
}

}  // namespace drift
