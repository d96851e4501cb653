// Page-cache neutral reads: what a scan brought into the page cache, it
// drops again, and only that. A full rescan reads every selected byte (on a
// worker hundreds of MB), and whatever was not cached before would push the
// workloads' own pages out (OpenShift's file-integrity operator had that
// complaint about AIDE). So before a file is read, note which of its pages
// are resident; after, POSIX_FADV_DONTNEED the ranges that were not.
//
// Residency comes from cachestat(2) (Linux 6.5, counts only: a file fully
// cold or fully cached is decided without a mapping) or mincore(2) on a
// PROT_READ mapping (per page; maps nothing in). A filter may refuse either:
// EPERM and ENOSYS mean "not available" and the next method is tried, and
// with none, nothing is dropped (dropping nothing is better than dropping a
// workload's pages). cachestat is only tried where no seccomp filter was
// installed before driftd's own: systemd 252 cannot name it, so its unit
// filter would kill driftd rather than refuse the call.
#pragma once

#include <cstdint>
#include <vector>

namespace drift {

enum class ResidencyMethod { kNone, kMincore, kCachestat };
const char* residency_method_name(ResidencyMethod m);

/// Which methods this process may try: cachestat and mincore with no
/// seccomp filter on the process (/proc/self/status "Seccomp: 0"), mincore
/// alone under someone else's filter. Call before confining. The environment
/// variable DRIFTD_RESIDENCY=mincore|none (the benchmark's) can only narrow it.
ResidencyMethod residency_methods_allowed();

/// Which pages of a file were resident before it was read.
struct Residency {
  bool known = false;            // a method answered
  bool all = false, none = false;  // the whole file was (not) resident
  std::vector<unsigned char> pages;  // else: per page, bit 0 set = resident (mincore's vector)
};

class PageCacheGuard {
 public:
  /// `enabled` false: observes and drops nothing.
  PageCacheGuard(bool enabled, ResidencyMethod allowed);

  /// Residency of fd's first `size` bytes, before reading them.
  Residency before(int fd, uint64_t size);
  /// After reading: drops the pages that were not resident before. Returns
  /// the bytes advised away.
  uint64_t drop_brought_in(int fd, uint64_t size, const Residency& before);

  /// The method in use now (falls back when one is refused).
  ResidencyMethod method() const { return method_; }

 private:
  bool enabled_;
  ResidencyMethod method_;
};

}  // namespace drift
