// Correlation is a scan of the window from the newest event back: the window
// is small (minutes, bounded in bytes) and a drift is rare, so no index is
// kept. PARENT records name the directory, not the file, and never match; the
// DELETE record of a rename (the old file at the name) matches by name, since
// the writer replaced that file, and the CREATE record carries the new inode.
#include "audit/correlate.h"

#include <set>

namespace drift {

const char* actor_class_name(ActorClass c) {
  switch (c) {
    case ActorClass::kSession: return "session";
    case ActorClass::kPackage: return "package";
    case ActorClass::kAutomation: return "automation";
    case ActorClass::kUnknown: return "unknown";
  }
  return "unknown";
}

const char* unattributed_reason_name(UnattributedReason r) {
  switch (r) {
    case UnattributedReason::kNone: return "";
    case UnattributedReason::kNoAuditLog: return "no-audit-log";
    case UnattributedReason::kNoRule: return "no-rule";
    case UnattributedReason::kNoRecord: return "no-record";
  }
  return "";
}

bool event_touches(const AuditFileEvent& e, const AttributionQuery& q) {
  for (const AuditPath& p : e.paths) {
    if (p.nametype == "PARENT") continue;
    if (!p.name.empty() && p.name == q.path) return true;
    if (q.inode && p.has_inode && p.inode == q.inode && p.has_device && p.device == q.device) return true;
  }
  return false;
}

Attribution correlate(const std::deque<AuditFileEvent>& events, const AttributionQuery& q) {
  constexpr int64_t kLateMs = 1000;
  Attribution a;
  std::set<std::pair<int64_t, std::string>> writers;  // (pid, exe): one writer's several syscalls count once
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    const int64_t t = event_time_ms(*it);
    if (t > q.detected_ms + kLateMs || t < q.detected_ms - q.window_ms) continue;
    if (!event_touches(*it, q)) continue;
    if (writers.empty()) a.last = *it;
    writers.emplace(it->pid, it->exe);
  }
  a.writers = writers.size();
  if (a.writers > 0) {
    if (q.package_cause) {
      a.cls = ActorClass::kPackage;
    } else if (a.last.auid != kAuditUnset) {
      a.cls = ActorClass::kSession;
      a.interactive = !a.last.tty.empty();
    } else {
      a.cls = ActorClass::kAutomation;
    }
    return a;
  }
  if (q.package_cause) {
    // dpkg vouches for the content even where no record was kept.
    a.cls = ActorClass::kPackage;
    return a;
  }
  if (!q.have_log) {
    a.reason = UnattributedReason::kNoAuditLog;
    a.reason_text = "no audit log";
  } else if (!q.rule_covers) {
    a.reason = UnattributedReason::kNoRule;
    a.reason_text = "no audit rule file covers the path";
  } else {
    a.reason = UnattributedReason::kNoRecord;
    a.reason_text = "no matching audit record within the window";
  }
  return a;
}

}  // namespace drift
