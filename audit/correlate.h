// Attribution of one drift to the audit records that touched its path: which
// events match (the full path after the CWD join, or the inode and device for
// a write through a hard link and a rename into place), which one was last,
// and what class of actor that makes. The class adds information only: it
// never lowers an alert, and `package` comes from the caller (dpkg vouches for
// the content), never from a writer's comm or exe, which any process can set.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "audit/audit_event.h"

namespace drift {

enum class ActorClass { kSession, kPackage, kAutomation, kUnknown };
const char* actor_class_name(ActorClass c);

/// Why nothing was attributed: a bounded set (a metric label later).
enum class UnattributedReason { kNone, kNoAuditLog, kNoRule, kNoRecord };
const char* unattributed_reason_name(UnattributedReason r);

struct AttributionQuery {
  std::string path;               // the drifted host path
  uint64_t inode = 0, device = 0; // of the file now (0: unknown, path match only)
  int64_t detected_ms = 0;        // detection time
  int64_t window_ms = 0;          // how far back an event may lie
  bool package_cause = false;     // the package cause holds for this drift
  bool have_log = true;           // an audit log was read
  bool rule_covers = true;        // a rule file under --root covers the path
};

struct Attribution {
  ActorClass cls = ActorClass::kUnknown;
  UnattributedReason reason = UnattributedReason::kNone;
  std::string reason_text;        // for people
  bool interactive = false;       // session with a tty
  size_t writers = 0;             // distinct writers (pid, exe) of the matching events
  AuditFileEvent last;            // the last writer (valid when writers > 0)
};

/// The attribution of q from events (log order). Events later than the
/// detection time by more than a second (the audit record of a write can be
/// stamped before inotify's event is read, never long after) do not count.
Attribution correlate(const std::deque<AuditFileEvent>& events, const AttributionQuery& q);

/// True when a record of e names q's path, or its inode and device.
bool event_touches(const AuditFileEvent& e, const AttributionQuery& q);

}  // namespace drift
