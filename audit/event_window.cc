// The window: a deque in log order, so both evictions take from the front.
// The age bound is measured from the newest event seen (or the clock, with
// expire), never from an event's own claim about the future: a record with a
// time far ahead cannot pin the rest in memory, since the byte bound still holds.
#include "audit/event_window.h"

#include <algorithm>

namespace drift {

void EventWindow::add(AuditFileEvent event) {
  newest_ms_ = std::max(newest_ms_, event_time_ms(event));
  bytes_ += event.bytes();
  events_.push_back(std::move(event));
  expire(newest_ms_);
  while (bytes_ > max_bytes_ && !events_.empty()) {
    bytes_ -= events_.front().bytes();
    events_.pop_front();
    stats_.evicted_bytes++;
  }
}

void EventWindow::expire(int64_t now_ms) {
  const int64_t oldest = now_ms - window_.count();
  while (!events_.empty() && event_time_ms(events_.front()) < oldest) {
    bytes_ -= events_.front().bytes();
    events_.pop_front();
    stats_.evicted_age++;
  }
}

}  // namespace drift
