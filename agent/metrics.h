// driftd's metric families (names are a contract: alert rules and dashboards
// use them). Kept in prometheus-cpp's core registry, serialised with its text
// serializer for Pushgateway and served by its exposer for scrapes. Every
// change of a value is told to one listener (the push sink), so a counter that
// moves without a drift transition still reaches Pushgateway soon.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "baseline/compare.h"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
class Histogram;
template <typename T> class Family;
}  // namespace prometheus

namespace drift {

/// The causes a drift can have (the package-aware check adds "package").
inline constexpr const char* kCauses[] = {"unexplained", "package"};

/// The proofs a package claim can have (DriftCause::claim_proof): apt's
/// signed chain, dpkg's writable database alone, or none sought.
inline constexpr const char* kPackageProofs[] = {"signed-archive", "dpkg-database", "none"};

/// One drifted path as the metrics see it.
struct DriftFact {
  std::string path;  // raw bytes; escaped on the way out
  DriftKind kind;
  Severity severity;
  std::string cause = "unexplained";
  std::string proof;  // a package claim's proof (kPackageProofs); "" when no package claims it
};

class Metrics {
 public:
  Metrics();
  ~Metrics();

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  /// Replaces the drift state: driftd_drift_detected, driftd_drift_files,
  /// driftd_package_cause_files{severity,proof} (paths a package claims, an
  /// unproven claim counted as unexplained in driftd_drift_files included) and
  /// at most max_paths driftd_drift_path series (critical first, then by path).
  void set_drift(const std::vector<DriftFact>& drifts, int max_paths);
  /// One drift transition (a path entered drift or drifted differently):
  /// driftd_drift_events_total, and driftd_package_causes_total{severity,proof}
  /// when a package claims it.
  void count_drift_event(const DriftFact& fact);
  /// valid: the baseline compared with is the installed one and verifies;
  /// installed: a baseline was ever installed here (a node waiting for its first shows 0).
  void set_baseline(bool valid, bool installed, int64_t created_unix);
  void set_full_scan(uint64_t files, double finished_unix, double duration_s, uint64_t incomplete);
  void set_watches(uint64_t watches, uint64_t failures_total);
  void add_inotify_events(uint64_t n);
  /// The spool: lines on disk, lines held in memory because the spool could
  /// not be written, lines dropped ever.
  void set_spool(uint64_t entries, uint64_t held, uint64_t dropped_total);
  /// State files (drift-state, exports-state, highest-serial) not yet written.
  void set_state_unsaved(uint64_t files);
  void add_push_failure(const std::string& sink);
  void observe_detection_latency(double seconds);
  /// The /etc/exports checks: driftd_exports_ok (0 with any critical
  /// violation) and driftd_exports_violations{rule,path}, the number of
  /// critical violations per rule and export path (escaped). Created on first
  /// use: nodes without exports checks send neither family.
  void set_exports(const std::map<std::pair<std::string, std::string>, int>& critical);
  /// The `expect:` rules: driftd_expectation_ok (0 with any critical
  /// violation) and driftd_expectation_violations{rule,file}, violations of
  /// every severity per rule and file (escaped). Created on first use, like
  /// the exports families.
  void set_expectations(const std::map<std::pair<std::string, std::string>, int>& violations, bool ok);

  /// Audit attribution (audit.enabled), created on first use:
  /// driftd_drift_attributions_total{class} for a drift attributed,
  /// driftd_drift_unattributed_total{reason} for one that was not (class
  /// unknown); driftd_audit_ok (the heartbeat came back through the log) and
  /// driftd_audit_window_events.
  void count_attribution(const std::string& cls, const std::string& unattributed_reason);
  void set_audit(bool ok, uint64_t window_events);

  /// The registry in Prometheus text format (what a push sends).
  std::string text() const;

  /// Called after every change of a value (a counter raised, a gauge set to
  /// another value, an observation), on the changing thread and outside the
  /// metrics' lock: the push sink uses it to push counters that changed
  /// without a drift transition. Empty to stop; set before the changes start.
  void set_change_listener(std::function<void()> listener);

 private:
  /// Sets a gauge and tells the listener if the value differed.
  void set_gauge(prometheus::Gauge* gauge, double value);
  void changed();
  void set_drift_locked(const std::vector<DriftFact>& drifts, int max_paths);
  // An "ok" gauge and a family of violation counts by (rule, second label),
  // made when first set.
  struct ViolationGauges {
    prometheus::Gauge* ok = nullptr;
    prometheus::Family<prometheus::Gauge>* family = nullptr;
    std::vector<prometheus::Gauge*> series;
  };
  struct ViolationNames {
    const char* ok;
    const char* ok_help;
    const char* family;
    const char* family_help;
    const char* label;  // the second label: "path", "file"
  };
  void set_violations_locked(ViolationGauges* g, const ViolationNames& names,
                             const std::map<std::pair<std::string, std::string>, int>& counts, bool ok);

  std::shared_ptr<prometheus::Registry> registry_;
  mutable std::mutex mutex_;  // guards the path series list and counters' deltas
  prometheus::Gauge* detected_;
  ViolationGauges exports_, expectations_;
  prometheus::Family<prometheus::Counter>* attributions_ = nullptr;
  prometheus::Family<prometheus::Counter>* unattributed_ = nullptr;
  prometheus::Gauge* audit_ok_ = nullptr;
  prometheus::Gauge* audit_window_ = nullptr;
  void make_audit_locked();
  prometheus::Family<prometheus::Gauge>* files_family_;
  std::map<std::string, prometheus::Gauge*> files_;  // "severity/kind/cause"
  prometheus::Family<prometheus::Counter>* events_family_;
  std::map<std::string, prometheus::Counter*> events_;
  std::map<std::string, prometheus::Gauge*> package_files_;      // "severity/proof"
  std::map<std::string, prometheus::Counter*> package_events_;  // "severity/proof"
  prometheus::Family<prometheus::Gauge>* path_family_;
  std::vector<prometheus::Gauge*> paths_;
  prometheus::Gauge* paths_truncated_;
  prometheus::Gauge* baseline_valid_;
  prometheus::Gauge* baseline_installed_;
  prometheus::Gauge* baseline_created_;
  prometheus::Gauge* files_monitored_;
  prometheus::Gauge* watches_;
  prometheus::Counter* watch_failures_;
  prometheus::Gauge* last_full_scan_;
  prometheus::Gauge* full_scan_duration_;
  prometheus::Gauge* scan_incomplete_;
  prometheus::Counter* inotify_events_;
  prometheus::Gauge* spool_entries_;
  prometheus::Gauge* spool_memory_entries_;
  prometheus::Gauge* state_unsaved_;
  prometheus::Counter* spool_dropped_;
  prometheus::Family<prometheus::Counter>* push_failures_;
  prometheus::Histogram* latency_;
  std::mutex listener_mutex_;  // guards listener_ only (never held with mutex_)
  std::function<void()> listener_;
};

}  // namespace drift
