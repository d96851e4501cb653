// libFuzzer target for the audit attribution input: whatever bytes the fuzzer
// makes of real audit.log text go through the reader (fed in chunks whose
// size the input picks, ENRICHED suffixes, hex fields and partial lines
// included), the bounded window and the correlation. Besides "no crash, no
// leak, no hang" it asserts what the attribution's honesty rests on: argv is
// never kept unless asked for, the window stays within its byte bound, a
// class `package` comes only from the caller, `session` only from a set
// auid, and a match really names the path or its inode.
// Built and run by tests/fuzz/run.sh (target `audit`), not by CTest.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/audit_reader.h"
#include "audit/correlate.h"
#include "audit/event_window.h"

using namespace drift;

namespace {

#define require(ok) require_at((ok), #ok, __LINE__)
void require_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "audit_fuzz.cc:%d: %s does not hold\n", line, what);
  std::abort();
}

void check_attribution(const EventWindow& window, const AttributionQuery& q) {
  const Attribution a = correlate(window.events(), q);
  require(a.writers <= window.events().size());
  if (a.cls == ActorClass::kPackage) require(q.package_cause);
  if (q.package_cause) require(a.cls == ActorClass::kPackage);
  if (a.cls == ActorClass::kSession) require(a.last.auid != kAuditUnset);
  if (a.writers > 0) {
    require(event_touches(a.last, q));
  } else if (!q.package_cause) {
    require(a.cls == ActorClass::kUnknown && a.reason != UnattributedReason::kNone);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const bool argv = data[0] & 1;
  const size_t chunk = 1 + data[1] % 97;
  const std::string_view text(reinterpret_cast<const char*>(data) + 2, size - 2);

  AuditReaderOptions options;
  options.argv = argv;
  options.max_line_bytes = 2048;  // small, so the fuzzer reaches the long-line path
  AuditReader reader(options);
  EventWindow window(std::chrono::minutes(10), 8192);
  for (size_t i = 0; i < text.size(); i += chunk) {
    reader.feed(text.substr(i, chunk));
    if (data[0] & 2) reader.age();
    for (AuditFileEvent& e : reader.take()) {
      if (!argv) require(e.argv.empty());
      for (const AuditPath& p : e.paths) require(p.name.empty() || p.name[0] == '/' || e.cwd.empty());
      window.add(std::move(e));
      require(window.bytes() <= 8192 || window.events().size() <= 1);
    }
  }
  reader.flush();
  for (AuditFileEvent& e : reader.take()) {
    if (!argv) require(e.argv.empty());
    window.add(std::move(e));
  }

  AttributionQuery q;
  q.window_ms = 600000;
  q.detected_ms = window.events().empty() ? 0 : event_time_ms(window.events().back());
  for (const char* path : {"/etc/hosts", "/tmp/aud/w/a", "/"}) {
    q.path = path;
    check_attribution(window, q);
  }
  if (!window.events().empty()) {
    for (const AuditPath& p : window.events().front().paths) {
      q.path = p.name;
      q.inode = p.inode;
      q.device = p.device;
      q.package_cause = data[0] & 4;
      q.rule_covers = data[0] & 8;
      check_attribution(window, q);
    }
  }
  return 0;
}
