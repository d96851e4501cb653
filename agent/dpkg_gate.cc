// The dpkg gate: the status-file cache and the bounded wait (see dpkg_gate.h).
#include "agent/dpkg_gate.h"

#include "agent/walker.h"

namespace drift {
namespace {

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_size == b.st_size && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
         a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

}  // namespace

std::string DpkgGate::refresh(const std::string& root) {
  struct stat st {};
  const bool exists = ::stat(read_path_for(root, "/var/lib/dpkg/status").c_str(), &st) == 0;
  if (loaded_ && exists && same_file(st, status_)) return "";
  status_ = st;
  loaded_ = true;
  ++loads_;
  const std::string warning = packages_.load(root);
  const bool fresh = !warning.empty() && warning != warning_;
  warning_ = warning;
  return fresh ? warning : "";
}

DpkgGate::Verdict DpkgGate::decide(bool busy, Clock::time_point now, bool force_push) {
  Verdict v;
  if (!busy) waiting_since_.reset();
  if (busy) {
    if (!waiting_since_) {
      waiting_since_ = now;
      v.log = "dpkg is running: judging drift when it has finished";
    }
    if (now - *waiting_since_ < kMaxDpkgWait) {
      v.judge = false;
      v.again_at = now + kDpkgRecheck;
      deferred_force_push_ = deferred_force_push_ || force_push;
      waited_ = true;
      return v;
    }
    if (waited_) v.log = "dpkg has been running for 10 minutes: judging drift now";
  }
  v.force_push = force_push || deferred_force_push_;
  deferred_force_push_ = false;
  waited_ = false;
  return v;
}

}  // namespace drift
