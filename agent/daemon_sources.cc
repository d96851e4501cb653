// The daemon's policy around its sources (daemon_sources.h): the exports
// checks and expect: rules run and logged, the runtime poller's interval,
// the audit follower's heartbeat and its health. Each transition is logged
// here with journal fields as drift is (DRIFT_PATH, DRIFT_KIND, ...).
#include "agent/daemon_sources.h"

#include <algorithm>
#include <cstring>

#include "agent/audit_attribution.h"
#include "agent/daemon_log.h"
#include "agent/runtime_scan.h"
#include "baseline/escape.h"
#include "lib/paths.h"

namespace drift {
namespace {

void log_exports_transition(const ExportsTransition& t) {
  const ExportsViolation& v = t.violation;
  const std::string where = escape_bytes(v.file) + (v.line ? ":" + std::to_string(v.line) : "");
  daemon_log(std::string(t.cleared ? "exports: cleared " : "exports: ") + where + ": " + v.rule + ": " + v.message,
             {{"DRIFT_PATH", escape_bytes(v.file)}, {"DRIFT_KIND", "exports"},
              {"DRIFT_SEVERITY", v.critical ? "critical" : "warning"}, {"DRIFT_EVENT", t.cleared ? "cleared" : "exports"}});
}

void log_expectation_transition(const ExpectationTransition& t) {
  const ExpectationViolation& v = t.violation;
  const std::string where = escape_bytes(v.file) + (v.line ? ":" + std::to_string(v.line) : "");
  daemon_log(std::string(t.cleared ? "expect: cleared " : "expect: ") + v.rule + ": " + where + ": " +
                 escape_bytes(v.key) + ": expected " + v.expected + ", is " + escape_bytes(v.actual),
             {{"DRIFT_PATH", escape_bytes(v.file)}, {"DRIFT_KIND", "expectation"},
              {"DRIFT_SEVERITY", severity_name(v.severity)},
              {"DRIFT_EVENT", t.cleared ? "cleared" : "expectation"}});
}

}  // namespace

SourceOutput DaemonSources::run_exports(const Config& config, bool landlock, int64_t now_ns) {
  SourceOutput out;
  if (!config.exports.enabled) return out;
  ExportsSource::Run r = exports_.run(config.exports, config.root, config.node, landlock, now_ns);
  metrics_->set_exports(exports_.tracker().critical_counts());
  for (const ExportsTransition& t : r.transitions) log_exports_transition(t);
  for (const std::string& file : r.restart_for) {
    log_(escape_bytes(file) + " cannot be read now; it may have been replaced and Landlock follows inodes: "
         "restarting to confine afresh (exit 75)");
    out.restart = true;
  }
  if (r.state) out.saves.push_back({kExportsStateName, std::move(*r.state), "the exports state"});
  out.changed = !out.saves.empty();
  out.lines = std::move(r.lines);
  // These watches alone tell driftd when to run the checks again, whether
  // the selection covers the files or not.
  out.watch_dirs = std::move(r.watch_dirs);
  return out;
}

SourceOutput DaemonSources::run_expectations(const Config& config, int64_t now_ns) {
  SourceOutput out;
  if (config.expect.empty()) return out;
  ExpectationSource::Run r = expect_.run(config.expect, config.root, config.node, now_ns);
  metrics_->set_expectations(expect_.tracker().counts(), expect_.tracker().ok());
  for (const ExpectationTransition& t : r.transitions) log_expectation_transition(t);
  if (r.state) out.saves.push_back({kExpectationStateName, std::move(*r.state), "the expectation state"});
  out.changed = !out.saves.empty();
  out.lines = std::move(r.lines);
  return out;
}

void DaemonSources::note_changed(const Config& config, const std::string& read_path, Clock::time_point now) {
  if (config.exports.enabled) exports_.note_changed(read_path, config.root, now, config.debounce);
}

void DaemonSources::note_rechecked(const Config& config, const std::string& host_path, bool subtree,
                                   Clock::time_point now) {
  expect_.note_changed(config.expect, host_path, subtree, now, std::chrono::milliseconds(0));
}

void DaemonSources::load_states(
    const Config& config,
    const std::function<void(const std::string&, const std::function<StateLoad(const std::string&)>&)>& read) {
  if (config.exports.enabled) {
    read(kExportsStateName, [this](const std::string& text) { return exports_.tracker().load(text); });
  }
  if (!config.expect.empty()) {
    read(kExpectationStateName, [this](const std::string& text) { return expect_.tracker().load(text); });
  }
}

void DaemonSources::start_runtime(const Config& config, const std::vector<Entry>* baseline_entries) {
  runtime_.reset();
  runtime_due_.reset();
  if (!config.runtime.enabled) return;
  runtime_ = std::make_unique<RuntimePoller>(config.runtime, load_kernel_packages(config.root));
  if (baseline_entries) runtime_->set_baseline(*baseline_entries);
}

void DaemonSources::set_runtime_baseline(const std::vector<Entry>& entries) {
  if (runtime_) runtime_->set_baseline(entries);
}

bool DaemonSources::poll_runtime(const Config& config, Clock::time_point now) {
  if (!runtime_) return false;
  runtime_due_ = now + config.runtime.interval;
  const std::vector<RuntimeTransition> changed = runtime_->poll();
  for (const std::string& note : runtime_->take_new_notes()) log_("runtime: " + note);
  return !changed.empty();
}

std::optional<std::string> DaemonSources::start_audit(const Config& config,
                                                      std::optional<std::chrono::milliseconds> heartbeat_every,
                                                      Clock::time_point now, int64_t now_ms) {
  audit_.reset();
  audit_ok_ = false;
  audit_dir_.clear();
  if (!config.audit.enabled) return std::nullopt;
  audit_ = std::make_unique<AuditSource>(config);
  if (heartbeat_every) audit_->set_heartbeat_every(*heartbeat_every);
  audit_dir_ = read_path_for(config.root, audit_->log_dir());
  audit_heartbeat(now, now_ms);
  return audit_dir_;
}

void DaemonSources::poll_audit(int64_t now_ms) {
  if (!audit_) return;
  audit_->poll(now_ms);
  for (const std::string& n : audit_->take_notes()) log_(n);
  if (audit_->ok() != audit_ok_) {
    audit_ok_ = audit_->ok();
    metrics_->set_audit(audit_ok_, audit_->window_events());
    if (!audit_ok_) log_("audit: driftd's heartbeat did not come back through the audit log (auditd stopped, or "
                         "no rule watches " + escape_bytes(audit_->heartbeat_path()) + ": `driftctl audit rules`)");
  }
}

bool DaemonSources::audit_settled(Clock::time_point now, int64_t now_ms) {
  if (!audit_ || !audit_ok_) {
    barrier_deadline_.reset();
    return true;
  }
  if (!barrier_deadline_) {
    std::string err;
    if (!audit_->write_barrier(now_ms, &err)) {
      log_("audit barrier: " + err);
      return true;
    }
    barrier_deadline_ = now + kBarrierBound;
  }
  poll_audit(now_ms);
  if (audit_->barrier_seen() || now >= *barrier_deadline_ || !audit_ok_) {
    barrier_deadline_.reset();
    return true;
  }
  return false;
}

void DaemonSources::audit_heartbeat(Clock::time_point now, int64_t now_ms) {
  std::string err;
  if (!audit_->write_heartbeat(now, now_ms, &err)) log_("audit heartbeat: " + err);
  // A minute with no heartbeat back: the trail stopped.
  poll_audit(now_ms);
  metrics_->set_audit(audit_ok_, audit_->window_events());
}

std::optional<nlohmann::json> DaemonSources::attribute(const Drift& drift, int64_t now_ms, bool argv,
                                                       std::string* text) {
  if (!audit_) return std::nullopt;
  const Attribution a = audit_->attribute(drift, now_ms);
  metrics_->count_attribution(actor_class_name(a.cls),
                              a.cls == ActorClass::kUnknown ? unattributed_reason_name(a.reason) : "");
  *text = actor_text(a);
  return actor_json(a, argv);
}

std::optional<DaemonSources::Clock::time_point> DaemonSources::next_due(Clock::time_point now) const {
  std::optional<Clock::time_point> next;
  for (const auto& at : {exports_.due(), expect_.due(), runtime_due_,
                         audit_ ? std::optional<Clock::time_point>(audit_->heartbeat_due()) : std::nullopt,
                         audit_ && audit_->more() ? std::optional<Clock::time_point>(now) : std::nullopt}) {
    if (at && (!next || *at < *next)) next = at;
  }
  return next;
}

SourcesDue DaemonSources::take_due(Clock::time_point now, int64_t now_ms) {
  SourcesDue due;
  due.exports = exports_.take_due(now);
  due.expectations = expect_.take_due(now);
  due.runtime = runtime_due_ && now >= *runtime_due_;
  if (audit_ && now >= audit_->heartbeat_due()) audit_heartbeat(now, now_ms);
  else if (audit_ && audit_->more()) poll_audit(now_ms);
  return due;
}

}  // namespace drift
