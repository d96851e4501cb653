// The audit log as one of the daemon's sources (who changed it). It follows
// the host's audit log (AuditLogFollower: appends, rotation, truncation),
// parses it with auparse (AuditReader) into the bounded window of recent file
// events (EventWindow), and attributes a drift from that window when the
// daemon judges it. It also keeps the heartbeat: driftd writes
// state_dir/audit-heartbeat every minute, the rules `driftctl audit rules`
// prints watch it, and seeing that write come back through the log is what
// "the audit trail works" means (driftd_audit_ok), for a quiet node is not an
// audit failure. Attribution only adds information: it never waits longer
// than the judgement already did, and never changes a severity or a count.
// Time is passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "audit/audit_reader.h"
#include "audit/audit_rules.h"
#include "audit/correlate.h"
#include "audit/event_window.h"
#include "audit/log_follower.h"
#include "audit/passwd_names.h"
#include "baseline/compare.h"

namespace drift {

class AuditSource {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kHeartbeatEvery{60000};

  explicit AuditSource(const Config& config);

  /// Reads what the log gained since the last poll (at most max_bytes per
  /// call, so a flood cannot stall the loop) into the window.
  void poll(int64_t now_ms);
  /// True when the poll stopped at its bound with more to read.
  bool more() const { return more_; }

  /// The drift's actor from the window (poll first).
  Attribution attribute(const Drift& d, int64_t detected_ms) const;

  /// The heartbeat's period (kHeartbeatEvery; shorter in tests).
  void set_heartbeat_every(std::chrono::milliseconds every) { heartbeat_every_ = every; }
  /// The heartbeat file (host path) and when it is next due.
  const std::string& heartbeat_path() const { return heartbeat_path_; }
  Clock::time_point heartbeat_due() const { return heartbeat_due_; }
  /// Writes the heartbeat in place (its inode stays, so the rule's watch
  /// stays); false with the reason when the write failed.
  bool write_heartbeat(Clock::time_point now, int64_t now_ms, std::string* err);
  /// The log shows the heartbeat write before the latest one (or the only
  /// one), so auditd and the rule work.
  bool ok() const;

  /// A barrier: the heartbeat file written once more, not counted as a
  /// heartbeat. The kernel queues audit records in order, so once the log
  /// shows this write it also shows every write made before it, and a
  /// drift judged then finds its writer's record (a loaded node can take
  /// longer than the debounce to get a record into the log).
  bool write_barrier(int64_t now_ms, std::string* err);
  /// The log shows the last barrier's write (true when none was written):
  /// a heartbeat record newer than any seen when it was written, stamped no
  /// earlier than its write less the kernel's coarse-clock slack.
  bool barrier_seen() const {
    return barrier_ms_ == INT64_MIN ||
           (heartbeat_seen_ms_ > seen_at_barrier_ms_ && heartbeat_seen_ms_ >= barrier_ms_ - kStampSlackMs);
  }

  /// The log's directory (host path beneath root) to watch for appends and rotations.
  std::string log_dir() const;
  /// The log's host path.
  const std::string& log() const { return config_.log; }

  size_t window_events() const { return window_.events().size(); }
  /// Problems said once each (no log, a refused file, lost lines).
  std::vector<std::string> take_notes();

 private:
  void note(const std::string& text);

  AuditConfig config_;
  std::string root_;
  AuditLogFollower follower_;
  AuditReader reader_;
  EventWindow window_;
  RuleFiles rules_;
  PasswdNames names_;
  FollowStatus status_ = FollowStatus::kMissing;
  bool polled_ = false;
  bool more_ = false;

  std::string heartbeat_path_;
  uint64_t heartbeat_inode_ = 0, heartbeat_device_ = 0;
  Clock::time_point heartbeat_due_{};
  std::chrono::milliseconds heartbeat_every_ = kHeartbeatEvery;
  bool write_file(int64_t now_ms, std::string* err);

  std::deque<int64_t> heartbeat_writes_ms_;  // the last two writes
  static constexpr int64_t kStampSlackMs = 50;  // audit stamps come from a coarse clock
  int64_t barrier_ms_ = INT64_MIN;              // when the last barrier was written
  int64_t seen_at_barrier_ms_ = INT64_MIN;      // heartbeat_seen_ms_ then
  int64_t heartbeat_seen_ms_ = INT64_MIN;     // newest event that touched it

  std::vector<std::string> notes_said_, notes_new_;
};

}  // namespace drift
