// The daemon's audit source (see the header).
#include "agent/audit_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/audit_attribution.h"
#include "baseline/escape.h"
#include "lib/paths.h"

namespace drift {
namespace {

constexpr size_t kMaxReadPerPoll = 1 << 20;
constexpr int kHeartbeatVersion = 1;

AuditReaderOptions reader_options(const AuditConfig& c) {
  AuditReaderOptions o;
  o.argv = c.argv;
  return o;
}

std::string trimmed(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

AuditSource::AuditSource(const Config& config)
    : config_(config.audit),
      root_(config.root),
      follower_(config.root, config.audit.log, kMaxReadPerPoll),
      reader_(reader_options(config.audit)),
      window_(config.audit.window, config.audit.max_bytes),
      rules_(read_rule_files(config.root)),
      heartbeat_path_(trimmed(config.state_dir) + "/" + kAuditHeartbeatFile) {
  std::string err;
  if (!names_.load(config.root, &err)) note("audit: " + err + " (names come from the log's ENRICHED fields only)");
  for (const std::string& p : rules_.problems) note("audit rules: " + p);
}

void AuditSource::note(const std::string& text) {
  if (std::find(notes_said_.begin(), notes_said_.end(), text) != notes_said_.end()) return;
  notes_said_.push_back(text);
  notes_new_.push_back(text);
}

std::vector<std::string> AuditSource::take_notes() {
  std::vector<std::string> out;
  out.swap(notes_new_);
  return out;
}

void AuditSource::poll(int64_t now_ms) {
  std::string bytes, err;
  more_ = false;
  const FollowStatus st = follower_.poll(&bytes, &more_, &err);
  status_ = st;
  polled_ = true;
  switch (st) {
    case FollowStatus::kOk: break;
    case FollowStatus::kMissing:
      note("audit: no audit log at " + escape_bytes(config_.log) + " under " + escape_bytes(root_) +
           " (yet): drift is not attributed until auditd writes it");
      break;
    case FollowStatus::kRefused:
    case FollowStatus::kError: note("audit log " + escape_bytes(config_.log) + ": " + err); break;
  }
  reader_.feed(bytes);
  reader_.age();
  const AttributionQuery beat{heartbeat_path_, heartbeat_inode_, heartbeat_device_, 0, 0, false, true, true};
  for (AuditFileEvent& e : reader_.take()) {
    // driftd's own heartbeat says the trail works; it is nobody's drift.
    if (event_touches(e, beat)) {
      heartbeat_seen_ms_ = std::max(heartbeat_seen_ms_, event_time_ms(e));
      continue;
    }
    window_.add(std::move(e));
  }
  window_.expire(now_ms);
  if (reader_.stats().long_lines) note("audit log: lines longer than 64 KiB are skipped");
}

Attribution AuditSource::attribute(const Drift& d, int64_t detected_ms) const {
  AttributionQuery q;
  q.path = d.path();
  if (d.after && d.after->inode) {
    q.inode = d.after->inode;
    q.device = d.after->device;
  }
  q.detected_ms = detected_ms;
  q.window_ms = config_.window.count();
  q.package_cause = d.cause.package;
  q.have_log = polled_ && status_ == FollowStatus::kOk;
  Attribution a = attribute_one(window_.events(), std::move(q), rules_, names_, root_);
  if (a.cls == ActorClass::kUnknown && a.reason == UnattributedReason::kNoAuditLog) {
    a.reason_text = "no audit log at " + escape_bytes(config_.log) + " under " + escape_bytes(root_);
  }
  return a;
}

bool AuditSource::write_heartbeat(Clock::time_point now, int64_t now_ms, std::string* err) {
  heartbeat_due_ = now + heartbeat_every_;
  if (!write_file(now_ms, err)) return false;
  heartbeat_writes_ms_.push_back(now_ms);
  while (heartbeat_writes_ms_.size() > 2) heartbeat_writes_ms_.pop_front();
  return true;
}

bool AuditSource::write_barrier(int64_t now_ms, std::string* err) {
  // The record is stamped by the kernel after now_ms was read (same clock).
  if (!write_file(now_ms, err)) return false;
  barrier_ms_ = now_ms;
  seen_at_barrier_ms_ = heartbeat_seen_ms_;
  return true;
}

bool AuditSource::write_file(int64_t now_ms, std::string* err) {
  // In place, not by rename: the rule watches this inode's name, and a
  // quiet log must still show one write a minute.
  const int fd = ::open(heartbeat_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    *err = heartbeat_path_ + ": " + std::strerror(errno);
    return false;
  }
  const std::string text = "driftd-audit-heartbeat " + std::to_string(kHeartbeatVersion) + "\n" +
                           std::to_string(now_ms) + "\n";
  struct stat st;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fstat(fd, &st) == 0;
  if (!ok) *err = heartbeat_path_ + ": " + std::strerror(errno);
  ::close(fd);
  if (!ok) return false;
  heartbeat_inode_ = st.st_ino;
  heartbeat_device_ = st.st_dev;
  return true;
}

bool AuditSource::ok() const {
  // An audit record can be stamped a little before driftd's own clock read.
  return !heartbeat_writes_ms_.empty() && heartbeat_seen_ms_ >= heartbeat_writes_ms_.front() - 1000;
}

std::string AuditSource::log_dir() const { return directory_of(config_.log); }

}  // namespace drift
