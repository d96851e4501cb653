// The recent file events driftd keeps to attribute drift: bounded in time
// (audit.window, events older than the newest by more are evicted) and in
// bytes (audit.max_bytes, oldest first), with the evictions counted for the
// metrics. Events arrive in log order; the window keeps that order.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>

#include "audit/audit_event.h"

namespace drift {

struct EventWindowStats {
  uint64_t evicted_age = 0;    // older than the window
  uint64_t evicted_bytes = 0;  // pushed out by the byte bound
};

class EventWindow {
 public:
  EventWindow(std::chrono::milliseconds window, uint64_t max_bytes) : window_(window), max_bytes_(max_bytes) {}

  /// Adds an event, then evicts by age (against the newest event's time) and by bytes.
  void add(AuditFileEvent event);
  /// Evicts what is older than now - window (a quiet log ages out too).
  void expire(int64_t now_ms);

  const std::deque<AuditFileEvent>& events() const { return events_; }
  uint64_t bytes() const { return bytes_; }
  const EventWindowStats& stats() const { return stats_; }

 private:
  std::chrono::milliseconds window_;
  uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  int64_t newest_ms_ = INT64_MIN;
  std::deque<AuditFileEvent> events_;
  EventWindowStats stats_;
};

}  // namespace drift
