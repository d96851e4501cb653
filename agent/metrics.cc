// Every family is created at start with all of its fixed label sets at 0, so
// every node pushes the same families and types (Pushgateway answers 400 when
// a group's # TYPE disagrees with another's) and a cleared series reads 0.
#include "agent/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>

#include "agent/check.h"
#include "baseline/escape.h"

namespace drift {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

namespace {

std::string key_of(Severity s, DriftKind k, const std::string& cause) {
  return std::string(severity_name(s)) + "/" + drift_kind_name(k) + "/" + cause;
}

std::string key_of(Severity s, const std::string& proof) { return std::string(severity_name(s)) + "/" + proof; }

constexpr Severity kSeverities[] = {Severity::kCritical, Severity::kWarning};
constexpr DriftKind kKinds[] = {DriftKind::kAdded, DriftKind::kRemoved, DriftKind::kChanged};

// Raises a counter to a running total kept elsewhere (watch failures, spool
// drops); true if it rose.
bool raise_counter_to(prometheus::Counter* counter, double total) {
  const double delta = total - counter->Value();
  if (delta > 0) counter->Increment(delta);
  return delta > 0;
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  detected_ = &BuildGauge().Name("driftd_drift_detected").Help("1 while any path differs from the baseline").Register(r).Add({});
  files_family_ = &BuildGauge().Name("driftd_drift_files").Help("Paths in drift now, by severity, kind and cause").Register(r);
  events_family_ = &BuildCounter().Name("driftd_drift_events_total").Help("Drift transitions seen (a path entering drift or drifting differently), by severity, kind and cause").Register(r);
  for (Severity s : kSeverities) {
    for (DriftKind k : kKinds) {
      for (const char* cause : kCauses) {
        const prometheus::Labels labels{{"severity", severity_name(s)}, {"kind", drift_kind_name(k)}, {"cause", cause}};
        files_[key_of(s, k, cause)] = &files_family_->Add(labels);
        events_[key_of(s, k, cause)] = &events_family_->Add(labels);
      }
    }
  }
  // A package claim's proof, apart from the cause: an unproven claim on a
  // critical path counts as unexplained above and as dpkg-database here, so
  // "packages whose word only dpkg gives" is one selector for alerts.
  auto& package_files = BuildGauge().Name("driftd_package_cause_files").Help("Paths in drift now whose change a package claims, by severity and proof (signed-archive: apt's signed chain proves it; dpkg-database: only dpkg's writable database; none: no proof sought)").Register(r);
  auto& package_events = BuildCounter().Name("driftd_package_causes_total").Help("Drift transitions a package claims, by severity and proof (signed-archive, dpkg-database, none)").Register(r);
  for (Severity s : kSeverities) {
    for (const char* proof : kPackageProofs) {
      const prometheus::Labels labels{{"severity", severity_name(s)}, {"proof", proof}};
      package_files_[key_of(s, proof)] = &package_files.Add(labels);
      package_events_[key_of(s, proof)] = &package_events.Add(labels);
    }
  }
  path_family_ = &BuildGauge().Name("driftd_drift_path").Help("1 for each drifted path (at most metrics.max_paths, critical first)").Register(r);
  paths_truncated_ = &BuildGauge().Name("driftd_drift_paths_truncated").Help("Drifted paths left out of driftd_drift_path by metrics.max_paths").Register(r).Add({});
  baseline_valid_ = &BuildGauge().Name("driftd_baseline_valid").Help("1 when the installed baseline is signed by the configured key, for this node, and not a rollback").Register(r).Add({});
  baseline_installed_ = &BuildGauge().Name("driftd_baseline_installed").Help("1 once a baseline was ever installed on this node (a file at the baseline path, or a serial in state_dir), valid or not; 0 on a node still waiting for its first").Register(r).Add({});
  baseline_created_ = &BuildGauge().Name("driftd_baseline_created_timestamp_seconds").Help("Creation time of the baseline in use").Register(r).Add({});
  files_monitored_ = &BuildGauge().Name("driftd_files_monitored").Help("Entries in the last full scan").Register(r).Add({});
  watches_ = &BuildGauge().Name("driftd_watches").Help("inotify watches placed").Register(r).Add({});
  watch_failures_ = &BuildCounter().Name("driftd_watch_failures_total").Help("Watches that could not be placed (fs.inotify.max_user_watches)").Register(r).Add({});
  last_full_scan_ = &BuildGauge().Name("driftd_last_full_scan_timestamp_seconds").Help("When the last full scan finished").Register(r).Add({});
  full_scan_duration_ = &BuildGauge().Name("driftd_full_scan_duration_seconds").Help("Wall time of the last full scan").Register(r).Add({});
  scan_incomplete_ = &BuildGauge().Name("driftd_scan_incomplete_entries").Help("Entries that could not be read fully (unreadable, vanished, changed while read)").Register(r).Add({});
  inotify_events_ = &BuildCounter().Name("driftd_events_total").Help("inotify events read").Register(r).Add({});
  spool_entries_ = &BuildGauge().Name("driftd_spool_entries").Help("Loki lines waiting in the durable spool").Register(r).Add({});
  spool_memory_entries_ = &BuildGauge().Name("driftd_spool_memory_entries").Help("Loki lines held in memory because the spool could not be written (state_dir full or failing)").Register(r).Add({});
  spool_dropped_ = &BuildCounter().Name("driftd_spool_dropped_total").Help("Loki lines dropped: spool full (oldest first), beyond the in-memory bound while the spool cannot be written, or refused by Loki for good").Register(r).Add({});
  state_unsaved_ = &BuildGauge().Name("driftd_state_unsaved_files").Help("State files in state_dir (drift-state, exports-state, highest-serial) that could not be written yet").Register(r).Add({});
  push_failures_ = &BuildCounter().Name("driftd_push_failures_total").Help("Failed pushes, by sink").Register(r);
  push_failures_->Add({{"sink", "pushgateway"}});
  push_failures_->Add({{"sink", "loki"}});
  latency_ = &BuildHistogram().Name("driftd_detection_latency_seconds").Help("From the inotify event to the drift state updated").Register(r)
                  .Add({}, prometheus::Histogram::BucketBoundaries{0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10, 30});
  BuildGauge().Name("driftd_build_info").Help("driftd's version").Register(r).Add({{"version", kToolVersion}}).Set(1);
}

Metrics::~Metrics() = default;

void Metrics::set_drift(const std::vector<DriftFact>& drifts, int max_paths) {
  set_drift_locked(drifts, max_paths);
  changed();
}

void Metrics::set_drift_locked(const std::vector<DriftFact>& drifts, int max_paths) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [key, gauge] : files_) gauge->Set(0);
  for (auto& [key, gauge] : package_files_) gauge->Set(0);
  for (const DriftFact& d : drifts) {
    files_[key_of(d.severity, d.kind, d.cause)]->Increment();
    if (auto p = package_files_.find(key_of(d.severity, d.proof)); !d.proof.empty() && p != package_files_.end()) {
      p->second->Increment();
    }
  }
  detected_->Set(drifts.empty() ? 0 : 1);
  for (prometheus::Gauge* g : paths_) path_family_->Remove(g);
  paths_.clear();
  std::vector<const DriftFact*> order;
  for (const DriftFact& d : drifts) order.push_back(&d);
  std::stable_sort(order.begin(), order.end(), [](const DriftFact* a, const DriftFact* b) {
    if (a->severity != b->severity) return a->severity == Severity::kCritical;
    return a->path < b->path;
  });
  const size_t keep = std::min(order.size(), static_cast<size_t>(std::max(0, max_paths)));
  for (size_t i = 0; i < keep; ++i) {
    const DriftFact& d = *order[i];
    auto& g = path_family_->Add({{"path", escape_bytes(d.path)}, {"kind", drift_kind_name(d.kind)},
                                 {"severity", severity_name(d.severity)}});
    g.Set(1);
    paths_.push_back(&g);
  }
  paths_truncated_->Set(static_cast<double>(order.size() - keep));
}

void Metrics::set_exports(const std::map<std::pair<std::string, std::string>, int>& critical) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    set_violations_locked(&exports_,
                          {"driftd_exports_ok", "1 when /etc/exports passes every critical rule", "driftd_exports_violations",
                           "Critical /etc/exports violations, by rule and export path", "path"},
                          critical, critical.empty());
  }
  changed();
}

void Metrics::set_expectations(const std::map<std::pair<std::string, std::string>, int>& violations, bool ok) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    set_violations_locked(&expectations_,
                          {"driftd_expectation_ok", "1 when every critical expect: rule holds",
                           "driftd_expectation_violations", "expect: violations, by rule and file", "file"},
                          violations, ok);
  }
  changed();
}

void Metrics::set_violations_locked(ViolationGauges* g, const ViolationNames& names,
                                    const std::map<std::pair<std::string, std::string>, int>& counts, bool ok) {
  if (!g->ok) {
    g->ok = &BuildGauge().Name(names.ok).Help(names.ok_help).Register(*registry_).Add({});
    g->family = &BuildGauge().Name(names.family).Help(names.family_help).Register(*registry_);
  }
  for (prometheus::Gauge* s : g->series) g->family->Remove(s);
  g->series.clear();
  for (const auto& [key, count] : counts) {
    auto& s = g->family->Add({{"rule", key.first}, {names.label, escape_bytes(key.second)}});
    s.Set(count);
    g->series.push_back(&s);
  }
  g->ok->Set(ok ? 1 : 0);
}

void Metrics::make_audit_locked() {
  if (audit_ok_) return;
  attributions_ = &BuildCounter().Name("driftd_drift_attributions_total").Help("Drift transitions attributed from the audit log, by actor class (session, automation, package)").Register(*registry_);
  unattributed_ = &BuildCounter().Name("driftd_drift_unattributed_total").Help("Drift transitions the audit log did not attribute, by reason").Register(*registry_);
  audit_ok_ = &BuildGauge().Name("driftd_audit_ok").Help("1 when driftd's audit heartbeat came back through the audit log").Register(*registry_).Add({});
  audit_window_ = &BuildGauge().Name("driftd_audit_window_events").Help("File events held to attribute drift (audit.window, audit.max_bytes)").Register(*registry_).Add({});
}

void Metrics::count_attribution(const std::string& cls, const std::string& unattributed_reason) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    make_audit_locked();
    if (unattributed_reason.empty()) attributions_->Add({{"class", cls}}).Increment();
    else unattributed_->Add({{"reason", unattributed_reason}}).Increment();
  }
  changed();
}

void Metrics::set_audit(bool ok, uint64_t window_events) {
  prometheus::Gauge *g_ok, *g_window;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    make_audit_locked();
    g_ok = audit_ok_;
    g_window = audit_window_;
  }
  set_gauge(g_ok, ok ? 1 : 0);
  set_gauge(g_window, static_cast<double>(window_events));
}

void Metrics::count_drift_event(const DriftFact& fact) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    events_[key_of(fact.severity, fact.kind, fact.cause)]->Increment();
    if (auto p = package_events_.find(key_of(fact.severity, fact.proof)); !fact.proof.empty() && p != package_events_.end()) {
      p->second->Increment();
    }
  }
  changed();
}

void Metrics::set_baseline(bool valid, bool installed, int64_t created_unix) {
  set_gauge(baseline_valid_, valid ? 1 : 0);
  set_gauge(baseline_installed_, installed ? 1 : 0);
  set_gauge(baseline_created_, static_cast<double>(created_unix));
}

void Metrics::set_full_scan(uint64_t files, double finished_unix, double duration_s, uint64_t incomplete) {
  set_gauge(files_monitored_, static_cast<double>(files));
  set_gauge(last_full_scan_, finished_unix);
  set_gauge(full_scan_duration_, duration_s);
  set_gauge(scan_incomplete_, static_cast<double>(incomplete));
}

void Metrics::set_watches(uint64_t watches, uint64_t failures_total) {
  bool rose;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    rose = raise_counter_to(watch_failures_, static_cast<double>(failures_total));
  }
  if (rose) changed();
  set_gauge(watches_, static_cast<double>(watches));
}

void Metrics::add_inotify_events(uint64_t n) {
  if (n == 0) return;
  inotify_events_->Increment(static_cast<double>(n));
  changed();
}

void Metrics::set_spool(uint64_t entries, uint64_t held, uint64_t dropped_total) {
  bool rose;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    rose = raise_counter_to(spool_dropped_, static_cast<double>(dropped_total));
  }
  if (rose) changed();
  set_gauge(spool_entries_, static_cast<double>(entries));
  set_gauge(spool_memory_entries_, static_cast<double>(held));
}

void Metrics::set_state_unsaved(uint64_t files) { set_gauge(state_unsaved_, static_cast<double>(files)); }

void Metrics::add_push_failure(const std::string& sink) {
  push_failures_->Add({{"sink", sink}}).Increment();
  changed();
}

void Metrics::observe_detection_latency(double seconds) {
  latency_->Observe(seconds);
  changed();
}

void Metrics::set_change_listener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(listener_mutex_);
  listener_ = std::move(listener);
}

void Metrics::set_gauge(prometheus::Gauge* gauge, double value) {
  if (gauge->Value() == value) return;
  gauge->Set(value);
  changed();
}

void Metrics::changed() {
  std::lock_guard<std::mutex> lock(listener_mutex_);
  if (listener_) listener_();
}

std::string Metrics::text() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace drift
