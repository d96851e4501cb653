// Page-cache neutral reads (see the header).
#include "lib/page_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace drift {
namespace {

#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

struct CachestatRange {
  uint64_t off, len;
};
struct Cachestat {
  uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

long page_size() {
  static const long size = ::sysconf(_SC_PAGESIZE);
  return size;
}

bool not_available(int err) { return err == EPERM || err == ENOSYS || err == EACCES; }

}  // namespace

const char* residency_method_name(ResidencyMethod m) {
  switch (m) {
    case ResidencyMethod::kNone: return "none";
    case ResidencyMethod::kMincore: return "mincore";
    case ResidencyMethod::kCachestat: return "cachestat";
  }
  return "none";
}

ResidencyMethod residency_methods_allowed() {
  // Decided once, before driftd installs its own filter (the daemon asks first).
  static const ResidencyMethod allowed = [] {
    std::FILE* f = std::fopen("/proc/self/status", "re");
    if (!f) return ResidencyMethod::kMincore;
    char line[256];
    int mode = -1;
    while (std::fgets(line, sizeof line, f)) {
      if (std::sscanf(line, "Seccomp: %d", &mode) == 1) break;
    }
    std::fclose(f);
    ResidencyMethod m = mode == 0 ? ResidencyMethod::kCachestat : ResidencyMethod::kMincore;
    // The benchmark's knob, which can only narrow the choice: mincore (the
    // path a host under systemd 252 takes) or none.
    if (const char* force = std::getenv("DRIFTD_RESIDENCY")) {
      if (std::strcmp(force, "mincore") == 0 && m == ResidencyMethod::kCachestat) m = ResidencyMethod::kMincore;
      if (std::strcmp(force, "none") == 0) m = ResidencyMethod::kNone;
    }
    return m;
  }();
  return allowed;
}

PageCacheGuard::PageCacheGuard(bool enabled, ResidencyMethod allowed)
    : enabled_(enabled), method_(enabled ? allowed : ResidencyMethod::kNone) {}

Residency PageCacheGuard::before(int fd, uint64_t size) {
  Residency r;
  if (method_ == ResidencyMethod::kNone || size == 0) return r;
  const uint64_t pages = (size + static_cast<uint64_t>(page_size()) - 1) / static_cast<uint64_t>(page_size());
  if (method_ == ResidencyMethod::kCachestat) {
    CachestatRange range{0, size};
    Cachestat cs{};
    if (::syscall(__NR_cachestat, fd, &range, &cs, 0) == 0) {
      r.known = true;
      r.none = cs.nr_cache == 0;
      r.all = cs.nr_cache >= pages;
      if (r.none || r.all) return r;
      r.known = false;  // partly cached: per page below
    } else if (not_available(errno)) {
      method_ = ResidencyMethod::kMincore;
    } else {
      return r;
    }
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return r;
  r.pages.assign(pages, 0);
  const int rc = ::mincore(map, size, r.pages.data());
  const int err = errno;
  ::munmap(map, size);
  if (rc != 0) {
    r.pages.clear();
    if (not_available(err)) method_ = ResidencyMethod::kNone;
    return r;
  }
  r.known = true;
  return r;
}

uint64_t PageCacheGuard::drop_brought_in(int fd, uint64_t size, const Residency& before) {
  if (!enabled_ || !before.known || before.all || size == 0) return 0;
  if (before.none) {
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    return size;
  }
  // Runs of pages that were not resident, each advised once.
  const uint64_t ps = static_cast<uint64_t>(page_size());
  uint64_t dropped = 0;
  size_t i = 0;
  while (i < before.pages.size()) {
    if (before.pages[i] & 1) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < before.pages.size() && !(before.pages[j] & 1)) ++j;
    const uint64_t off = i * ps, len = (j - i) * ps;
    ::posix_fadvise(fd, static_cast<off_t>(off), static_cast<off_t>(len), POSIX_FADV_DONTNEED);
    dropped += std::min(len, size - off);
    i = j;
  }
  return dropped;
}

}  // namespace drift
