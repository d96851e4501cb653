// One-shot attribution for driftctl check. The log files are read in order,
// a chunk at a time, through the reader; only events that touch a drifted
// path (by name, or by inode and device) are kept, in a window bounded by
// audit.max_bytes, so a 100 MB log of unrelated records costs parsing time,
// not memory. A drift whose cause is package is class package whatever the
// records say; the class never changes severity or the exit bits (the report
// only prints it).
#include "agent/audit_attribution.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>

#include "audit/audit_reader.h"
#include "audit/event_window.h"
#include "audit/log_follower.h"
#include "audit/passwd_names.h"
#include "baseline/escape.h"
#include "exports/exports_sources.h"

namespace drift {
namespace {

constexpr size_t kChunk = 1 << 20;
constexpr uint64_t kMaxLogFileBytes = 4ull << 30;  // a file is read in chunks; this bounds one file's time

std::string time_of_day(const AuditFileEvent& e) {
  char buf[16];
  const time_t t = static_cast<time_t>(e.sec);
  struct tm tm;
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

std::string iso_time(const AuditFileEvent& e) {
  char buf[32], out[48];
  const time_t t = static_cast<time_t>(e.sec);
  struct tm tm;
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(out, sizeof out, "%s.%03uZ", buf, e.milli);
  return out;
}

void fill_names(AuditFileEvent* e, const PasswdNames& names) {
  if (e->auid_name.empty() && e->auid != kAuditUnset) e->auid_name = names.name_of(e->auid);
  if (e->uid_name.empty() && e->uid != kAuditUnset) e->uid_name = names.name_of(e->uid);
  if (e->euid_name.empty() && e->euid != kAuditUnset) e->euid_name = names.name_of(e->euid);
}

// Feeds one file to the reader, keeping the events `keep` wants.
template <typename Keep>
void read_log_file(int root_fd, const std::string& rel, AuditReader* reader, EventWindow* window, Keep keep,
                   std::vector<std::string>* warnings) {
  struct stat st;
  UniqueFd fd(open_beneath(root_fd, rel, O_RDONLY | O_NONBLOCK));
  if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool refused = fd || errno == ELOOP;
    warnings->push_back("audit log /" + escape_bytes(rel) + ": " +
                        (refused ? "not a regular file (a symlink, FIFO, device or directory): refused"
                                 : std::string(std::strerror(errno))));
    return;
  }
  std::string buf(kChunk, '\0');
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      warnings->push_back("audit log /" + escape_bytes(rel) + ": " + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    reader->feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    for (AuditFileEvent& e : reader->take()) {
      if (keep(e)) window->add(std::move(e));
    }
    if ((total += static_cast<uint64_t>(n)) > kMaxLogFileBytes) {
      warnings->push_back("audit log /" + escape_bytes(rel) + ": read only its first 4 GiB");
      break;
    }
  }
}

}  // namespace

std::vector<AuditWatchTarget> audit_watch_targets(const Config& c) {
  std::vector<AuditWatchTarget> out;
  for (const PathRule& r : c.paths) out.push_back({r.path, "paths[]", true});
  if (c.exports.enabled) {
    for (const char* p : {kExportsPath, kExportsDir, kNfsConfPath, "/etc/nfs.conf.d", kEtabPath}) {
      out.push_back({p, "exports", true});
    }
  }
  std::string state = c.state_dir;
  while (state.size() > 1 && state.back() == '/') state.pop_back();
  out.push_back({state + "/" + kAuditHeartbeatFile, "heartbeat", false});
  return out;
}

DriftAttributions attribute_drifts(const Config& c, const Comparison& cmp, int64_t since_s, int64_t now_ms) {
  DriftAttributions out;
  const int64_t window_ms = std::max<int64_t>(0, now_ms - since_s * 1000) + 1000;
  std::vector<AttributionQuery> queries;
  std::set<std::string> paths;
  std::set<std::pair<uint64_t, uint64_t>> inodes;
  for (const Drift& d : cmp.drifts) {
    AttributionQuery q;
    q.path = d.path();
    if (d.after && d.after->inode) {
      q.inode = d.after->inode;
      q.device = d.after->device;
      inodes.emplace(q.inode, q.device);
    }
    q.detected_ms = now_ms;
    q.window_ms = window_ms;
    q.package_cause = d.cause.package;
    paths.insert(q.path);
    queries.push_back(std::move(q));
  }
  auto keep = [&](const AuditFileEvent& e) {
    for (const AuditPath& p : e.paths) {
      if (p.nametype == "PARENT") continue;
      if (paths.count(p.name)) return true;
      if (p.has_inode && p.has_device && inodes.count({p.inode, p.device})) return true;
    }
    return false;
  };

  EventWindow window(std::chrono::milliseconds(window_ms), c.audit.max_bytes);
  bool have_log = false;
  UniqueFd root_fd(::open(c.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (root_fd) {
    AuditReaderOptions options;
    options.argv = c.audit.argv;
    AuditReader reader(options);
    const std::vector<std::string> files = audit_log_files(root_fd.get(), c.audit.log);
    for (const std::string& rel : files) {
      struct stat st;
      UniqueFd probe(open_beneath(root_fd.get(), rel, O_PATH));
      // A rotation last written before the baseline was made holds nothing to attribute.
      if (probe && ::fstat(probe.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime < since_s &&
          rel != files.back()) {
        have_log = true;
        continue;
      }
      const size_t warned = out.warnings.size();
      read_log_file(root_fd.get(), rel, &reader, &window, keep, &out.warnings);
      have_log = have_log || out.warnings.size() == warned;
    }
    reader.flush();
    for (AuditFileEvent& e : reader.take()) {
      if (keep(e)) window.add(std::move(e));
    }
    if (reader.stats().long_lines) {
      out.warnings.push_back("audit log: " + std::to_string(reader.stats().long_lines) +
                             " lines longer than 64 KiB skipped");
    }
    if (window.stats().evicted_bytes) {
      out.warnings.push_back("audit: " + std::to_string(window.stats().evicted_bytes) +
                             " older matching events dropped by audit.max_bytes");
    }
  }
  if (!have_log && out.warnings.empty()) {
    out.warnings.push_back("audit: no audit log at " + escape_bytes(c.audit.log) + " under " + escape_bytes(c.root) +
                           ": drift is not attributed (install auditd and `driftctl audit rules`)");
  }
  const RuleFiles rules = read_rule_files(c.root);
  PasswdNames names;
  std::string names_err;
  names.load(c.root, &names_err);  // optional: without it, names come from the ENRICHED suffix only
  for (AttributionQuery& q : queries) {
    q.have_log = have_log;
    out.actors.push_back(attribute_one(window.events(), std::move(q), rules, names, c.root));
  }
  return out;
}

Attribution attribute_one(const std::deque<AuditFileEvent>& events, AttributionQuery q, const RuleFiles& rules,
                          const PasswdNames& names, const std::string& root) {
  // A rule file that cannot be read may be the one that covers the path:
  // then the missing record, not a missing rule, is what can be said.
  q.rule_covers = rule_files_cover(rules, q.path) || !rules.problems.empty();
  Attribution a = correlate(events, q);
  if (a.cls == ActorClass::kUnknown && a.reason == UnattributedReason::kNoRule) {
    a.reason_text = "no audit rule file under " + escape_bytes(root) +
                    " covers the path (etc/audit/rules.d/*.rules, etc/audit/audit.rules; the rules loaded in the "
                    "kernel cannot be read without CAP_AUDIT_CONTROL)";
  }
  if (a.writers) fill_names(&a.last, names);
  return a;
}

std::string actor_text(const Attribution& a) {
  if (a.writers == 0) {
    if (a.cls == ActorClass::kPackage) return "package (dpkg vouches for the content; no audit record)";
    return "unknown (" + a.reason_text + ")";
  }
  const AuditFileEvent& e = a.last;
  std::string who;
  switch (a.cls) {
    case ActorClass::kSession:
      who = (e.auid_name.empty() ? "auid " + std::to_string(e.auid) : escape_bytes(e.auid_name)) + " (auid " +
            std::to_string(e.auid) + (e.ses != kAuditUnset ? ", ses " + std::to_string(e.ses) : "") +
            (a.interactive ? ", tty " + escape_bytes(e.tty) : "") + ")";
      break;
    case ActorClass::kPackage:
      who = "package (dpkg vouches for the content), last writer uid " +
            (e.uid_name.empty() ? std::to_string(e.uid) : escape_bytes(e.uid_name));
      break;
    default:
      who = "automation (no login session, uid " + (e.uid_name.empty() ? std::to_string(e.uid) : escape_bytes(e.uid_name)) +
            ")";
      break;
  }
  std::string out = "changed by " + who + " with " + escape_bytes(e.exe.empty() ? e.comm : e.exe) + ", pid " +
                    std::to_string(e.pid) + ", " + time_of_day(e);
  if (a.writers > 1) out += " (" + std::to_string(a.writers) + " writers, the last shown)";
  return out;
}

nlohmann::json actor_json(const Attribution& a, bool argv) {
  using nlohmann::json;
  json j = {{"class", actor_class_name(a.cls)}, {"writers", a.writers}};
  if (a.writers == 0) {
    if (a.cls == ActorClass::kUnknown) {
      j["reason"] = unattributed_reason_name(a.reason);
      j["reason_text"] = a.reason_text;
    }
    return j;
  }
  const AuditFileEvent& e = a.last;
  auto id = [](uint32_t v) { return v == kAuditUnset ? json() : json(v); };
  auto name = [](const std::string& s) { return s.empty() ? json() : json(escape_bytes(s)); };
  j["interactive"] = a.interactive;
  j["auid"] = id(e.auid);
  j["login"] = name(e.auid_name);
  j["uid"] = id(e.uid);
  j["uid_name"] = name(e.uid_name);
  j["euid"] = id(e.euid);
  j["euid_name"] = name(e.euid_name);
  j["ses"] = id(e.ses);
  j["pid"] = e.pid;
  j["ppid"] = e.ppid;
  j["comm"] = escape_bytes(e.comm);
  j["exe"] = escape_bytes(e.exe);
  j["tty"] = name(e.tty);
  j["syscall"] = escape_bytes(e.syscall);
  j["success"] = e.success;
  j["time"] = iso_time(e);
  j["serial"] = e.serial;
  j["key"] = name(e.key);
  if (argv) j["argv"] = escape_bytes(e.argv);
  return j;
}

}  // namespace drift
