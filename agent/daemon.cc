// The daemon. One thread owns the state (baseline, current entries, drift
// set) and blocks in poll() on the inotify fd, a signalfd and an eventfd the
// rescan thread raises; deadlines (debounce, next rescan, watchdog, retries)
// are the poll timeout, so an idle daemon uses no CPU. The network is on the
// sinks' threads: the watcher never waits on it.
//
// This file is the wiring only. Each policy is a part with its own tests:
// InstalledBaseline (verify, rollback floor, snapshots by digest), DpkgGate
// (judge drift only when dpkg is done), RescanWorker (the full check's
// thread), PendingRechecks (the debounce), DriftTracker (transitions and
// saved state), the sources ExportsSource, ExpectationSource and
// RuntimePoller, loki_lines (every Loki line), StateWriter (state_dir writes
// that wait when the disk is full) and Sinks.
#include "agent/daemon.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "agent/audit_attribution.h"
#include "agent/audit_source.h"
#include "agent/check.h"
#include "agent/config.h"
#include "agent/confine.h"
#include "agent/daemon_log.h"
#include "agent/dpkg_gate.h"
#include "agent/drift_tracker.h"
#include "agent/exit_codes.h"
#include "agent/expectation_source.h"
#include "agent/exports_source.h"
#include "agent/health.h"
#include "agent/highest_serial.h"
#include "agent/installed_baseline.h"
#include "agent/loki_lines.h"
#include "agent/metrics.h"
#include "agent/node_state.h"
#include "agent/pending_rechecks.h"
#include "agent/rescan_worker.h"
#include "agent/runtime_poller.h"
#include "agent/runtime_scan.h"
#include "agent/scan.h"
#include "agent/sinks.h"
#include "agent/state_file.h"
#include "agent/state_writer.h"
#include "agent/walker.h"
#include "agent/watch_setup.h"
#include "agent/watcher.h"
#include "baseline/escape.h"
#include "lib/atomic_file.h"
#include "lib/http_client.h"
#include "lib/memory_policy.h"
#include "lib/page_cache.h"
#include "lib/paths.h"

namespace drift {
namespace {

using Clock = std::chrono::steady_clock;

int64_t wall_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void log_line(const std::string& m) { daemon_log(m); }

std::function<bool(const Entry&)> keep_changed_content(std::shared_ptr<const Baseline> base) {
  return [base](const Entry& now) { return base && content_changed_from(base->entries, now); };
}

void log_transition(const DriftRecord& r, bool cleared, const std::string& actor) {
  daemon_log(std::string(cleared ? "cleared " : "drift ") + drift_kind_name(r.kind) + " [" + severity_name(r.severity) +
                 "] " + escape_bytes(r.path) + (actor.empty() ? "" : ": " + actor),
             {{"DRIFT_PATH", escape_bytes(r.path)}, {"DRIFT_KIND", drift_kind_name(r.kind)},
              {"DRIFT_SEVERITY", severity_name(r.severity)}, {"DRIFT_EVENT", cleared ? "cleared" : "drift"}});
}

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

class Daemon {
 public:
  explicit Daemon(DaemonOptions options) : options_(std::move(options)) {}
  int run();

 private:
  // Phases of run().
  int start();
  Clock::time_point next_deadline(uint64_t watchdog_usec, Clock::time_point next_watchdog) const;
  void on_inotify();
  void run_due(Clock::time_point now);
  void shutdown();

  bool load_config_file(Config* out);
  void place_watches();
  void load_baseline(const std::string& why);
  void baseline_invalid(const std::string& reason);
  void start_full_rescan(bool periodic = false);
  void finish_full_rescan();
  void recheck_pending();
  bool evaluate(bool force_push);
  void send_lines(const std::vector<LokiEntry>& lines);
  void save_state(const std::string& name, const std::string& content, const std::string& what);
  void run_exports_checks();
  void run_expectations();
  void start_runtime();
  void start_audit();
  void poll_audit();
  void audit_heartbeat(Clock::time_point now);
  void send_heartbeat_line();
  void poll_runtime();
  void load_states();
  void handle_signal(int sig, bool* quit);
  void note_replaced_file_rules(const std::vector<Entry>& entries);
  void reload_config();

  DaemonOptions options_;
  Config config_;
  Metrics metrics_;
  StateWriter writer_{&metrics_, log_line};
  Health health_{Millis(3600000)};  // what /healthz and /readyz say; the interval set from the config
  Sinks sinks_{&metrics_, log_line, &health_};
  std::unique_ptr<Watcher> watcher_;
  ConfineReport confinement_;
  InstalledBaseline baseline_;

  NodeState node_;
  DriftTracker tracker_;
  bool pushed_once_ = false;
  DpkgGate dpkg_;  // the package-aware check waits for dpkg
  std::optional<Clock::time_point> evaluate_again_at_;

  // The /etc/exports checks (exports.enabled): run at start, on every full
  // check, and `debounce` after a change to a file they read.
  ExportsSource exports_;

  // The `expect:` rules: run at start, on every full check, and after a
  // re-check read a file a rule reads.
  ExpectationSource expect_;

  // Who changed it (audit.enabled): the host's audit log, followed through
  // inotify on its directory, read before each judgement.
  std::unique_ptr<AuditSource> audit_;
  std::string audit_dir_;  // the log's directory as driftd opens it (root prefixed)
  bool audit_ok_ = false;

  // The runtime kernel state (runtime.enabled): /proc has no inotify, so it
  // is looked at every runtime.interval; its entries join the node's.
  std::unique_ptr<RuntimePoller> runtime_;
  std::optional<Clock::time_point> runtime_due_;

  // The `heartbeat` Loki line (driftd alive and what it holds: a week
  // without one is "no data" in driftctl report): at start, then daily.
  std::optional<Clock::time_point> heartbeat_line_due_;
  int64_t last_full_check_ns_ = 0;

  PendingRechecks pending_;
  RescanWorker rescan_;
  Clock::time_point next_rescan_;
  int signal_fd_ = -1;
  bool paused_ = false;
  bool restart_to_reconfine_ = false;
};

// Landlock grants a file rule (a kubelet config file) to the inode it had at
// start; a file replaced by rename is a new inode the daemon may not open.
// It exits with 75 (EX_TEMPFAIL) for its supervisor to restart it, and the
// fresh start reads the new file; the drift state on disk keeps known drift
// from being announced twice.
void Daemon::note_replaced_file_rules(const std::vector<Entry>& entries) {
  if (confinement_.landlock_abi == 0) return;
  const Selection selection = selection_from(config_);
  for (const Entry& e : entries) {
    if (e.status == EntryStatus::kUnreadable && e.type == EntryType::kFile && selection.is_rule_root(e.path)) {
      daemon_log(escape_bytes(e.path) + " was replaced and Landlock follows inodes: restarting to confine afresh (exit 75)");
      restart_to_reconfine_ = true;
    }
  }
}

bool Daemon::load_config_file(Config* out) {
  std::string err;
  if (!load_config(options_.config_path, out, &err)) {
    daemon_log(err);
    return false;
  }
  if (!options_.root.empty()) out->root = options_.root;
  return true;
}

void Daemon::place_watches() {
  uint64_t max_watches = 0;
  if (options_.test_hooks) {
    if (const char* max = std::getenv("DRIFTD_TEST_MAX_WATCHES")) max_watches = std::strtoull(max, nullptr, 10);
  }
  watcher_ = drift::place_watches(config_, max_watches, &metrics_, log_line);
}

void Daemon::baseline_invalid(const std::string& reason) {
  const auto& last = baseline_.current();
  metrics_.set_baseline(false, last ? last->meta.created : 0);
  health_.set_baseline(last ? "not valid (" + reason + "), comparing with serial " + std::to_string(last->meta.serial)
                            : "none valid (" + reason + ")",
                       last != nullptr);
  if (baseline_.mark_invalid(reason)) {
    daemon_log("baseline not valid: " + reason +
               (last ? "; still comparing with the last valid one (serial " + std::to_string(last->meta.serial) + ")"
                     : "; nothing to compare with until a valid baseline is installed"));
  }
  sinks_.push_soon();
}

void Daemon::load_baseline(const std::string& why) {
  const InstalledBaseline::Outcome o = baseline_.load(config_.baseline, config_.public_key, config_.node);
  if (!o.accepted) return baseline_invalid(o.reason);
  const Baseline& b = *baseline_.current();
  if (o.serial_raised) {
    save_state(kHighestSerialFile, std::to_string(baseline_.highest_serial()) + "\n", "the baseline serial");
  }
  metrics_.set_baseline(true, b.meta.created);
  health_.set_baseline("serial " + std::to_string(b.meta.serial) + " valid", true);
  if (o.replaced) {
    send_lines({baseline_loki_entry({b.meta.serial, b.meta.created, baseline_.key_id()}, config_.node, wall_ns())});
    daemon_log("baseline serial " + std::to_string(b.meta.serial) + " (" + std::to_string(b.entries.size()) +
               " entries, key " + baseline_.key_id() + ") loaded: " + why);
  }
  if (runtime_) runtime_->set_baseline(b.entries);
  trim_heap();
  if (node_.known()) evaluate(true);
  else if (!rescan_.running()) start_full_rescan();
  sinks_.push_soon();
}

// Periodic rescans run at idle priority: the node's workloads come first.
// Start-up, overflow and reload rescans restore correctness (events were lost
// or the rules changed), so they run at normal priority: SCHED_IDLE can
// starve for minutes on a busy node.
void Daemon::start_full_rescan(bool periodic) {
  if (!rescan_.running() && !baseline_.current()) return;  // nothing to compare with; a valid baseline starts one
  const Config config = config_;
  const auto keep = keep_changed_content(baseline_.current());
  rescan_.start([config, keep](const std::atomic<bool>* cancel) {
    ScanOptions options;
    options.keep_content = keep;
    options.cancel = cancel;
    return run_scan(config, options);
  }, periodic);
}

void Daemon::finish_full_rescan() {
  RescanWorker::Done done = rescan_.finish();
  ScanResult& r = done.result;
  for (const std::string& w : r.warnings) daemon_log("warning: " + w);
  note_replaced_file_rules(r.entries);
  if (restart_to_reconfine_) return;
  const uint64_t incomplete = r.incomplete, bytes_hashed = r.bytes_hashed;
  node_.replace_all(std::move(r));
  health_.full_check_done(Clock::now());
  last_full_check_ns_ = wall_ns();
  if (runtime_) node_.replace_runtime(runtime_->current());
  metrics_.set_full_scan(node_.size(), static_cast<double>(wall_ns()) / 1e9, done.seconds, incomplete);
  daemon_log("full check: " + std::to_string(node_.size()) + " entries, " + std::to_string(bytes_hashed) +
             " bytes hashed in " + std::to_string(done.seconds).substr(0, 5) + " s, " +
             std::to_string(incomplete) + " incomplete");
  // Changes seen while the scan ran may be older or newer than what it read:
  // read them again on top of it.
  if (!done.dirty.empty()) {
    ScanOptions o;
    o.keep_content = keep_changed_content(baseline_.current());
    node_.replace_scoped(done.dirty, scan_paths(config_, done.dirty, o));
  }
  trim_heap();  // the scan's threads leave freed arenas behind
  if (watcher_ && watcher_->ok()) {
    watcher_->watch_selection();  // heal watches lost to replaced directories
    metrics_.set_watches(watcher_->watches(), watcher_->failures());
  }
  evaluate(true);
  run_exports_checks();
  run_expectations();
  const auto interval = watcher_ && watcher_->unwatched()
                            ? std::min(config_.rescan_interval, Millis(300000))  // what inotify cannot see
                            : config_.rescan_interval;
  next_rescan_ = Clock::now() + interval;
  if (rescan_.take_again()) start_full_rescan();
}

void Daemon::recheck_pending() {
  const PendingRechecks::Batch batch = pending_.take(Clock::now());
  if (batch.scopes.empty()) return;  // the leading edge found its change being written again
  rescan_.note_dirty(batch.scopes);
  if (!node_.known() || !baseline_.current()) return;
  ScanOptions o;
  o.keep_content = keep_changed_content(baseline_.current());
  ScanResult fresh = scan_paths(config_, batch.scopes, o);
  note_replaced_file_rules(fresh.entries);
  if (restart_to_reconfine_) return;
  node_.replace_scoped(batch.scopes, std::move(fresh));
  for (const RecheckScope& s : batch.scopes) {
    expect_.note_changed(config_.expect, s.path, !s.self_only, Clock::now(), Millis(0));
  }
  if (evaluate(false)) {
    metrics_.observe_detection_latency(std::chrono::duration<double>(Clock::now() - batch.first_event).count());
  }
}

// Judges the node (NodeState: compare, dpkg gate, package causes, tracker)
// and sends each transition to the log, the metrics and Loki. Returns false
// when judging drift was put off (dpkg is running).
bool Daemon::evaluate(bool force_push) {
  const auto& baseline = baseline_.current();
  if (!baseline || !node_.known()) return false;
  const NodeState::Judgement j = node_.judge(*baseline, compare_policy_for(selection_from(config_)), config_.root,
                                             &dpkg_, &tracker_, Clock::now(), force_push);
  for (const std::string& line : j.log) daemon_log(line);
  evaluate_again_at_ = j.again_at;
  if (!j.judged) return false;
  std::vector<DriftFact> facts;
  for (const auto& [path, r] : tracker_.state()) facts.push_back({r.path, r.kind, r.severity, r.cause, r.proof});
  metrics_.set_drift(facts, config_.metrics_max_paths);
  // The old contents come from the baseline file, read again only now
  // (holding every snapshot would cost tens of MB on a node's /etc).
  const std::map<std::string, std::string> before =
      reread_snapshots(config_.baseline, baseline_.payload_sha256(), j.wanted_before);
  const int64_t now = wall_ns();
  if (audit_ && !j.transitions.empty()) poll_audit();
  std::vector<LokiEntry> lines;
  for (const DriftTransition& t : j.transitions) {
    const DriftRecord& r = t.record;
    if (!t.cleared) metrics_.count_drift_event({r.path, r.kind, r.severity, r.cause, r.proof});
    // Attribution adds to the line; it changes no severity and no count above.
    std::optional<nlohmann::json> actor;
    std::string by;
    if (audit_ && !t.cleared && t.drift) {
      const Attribution a = audit_->attribute(*t.drift, now / 1000000);
      metrics_.count_attribution(actor_class_name(a.cls),
                                 a.cls == ActorClass::kUnknown ? unattributed_reason_name(a.reason) : "");
      actor = actor_json(a, config_.audit.argv);
      by = actor_text(a);
    }
    log_transition(r, t.cleared, by);
    lines.push_back(drift_loki_entry(t, config_.node, now, drift_content_diff(t, before, node_.snapshots()),
                                     config_.loki_max_diff_bytes, actor ? &*actor : nullptr));
  }
  send_lines(lines);
  if (!j.transitions.empty()) save_state(kDriftStateName, tracker_.save(), "the drift state");
  if (sinks_.pushing() && (j.force_push || !j.transitions.empty() || !pushed_once_)) {
    sinks_.push_soon();
    pushed_once_ = true;
  }
  notify_systemd("STATUS=" + std::to_string(tracker_.state().size()) + " paths in drift" +
                 (baseline_.valid() ? "" : "; baseline not valid: " + baseline_.problem()));
  return true;
}

// Loki lines go to the durable spool first; the Loki sink ships them from there.
void Daemon::send_lines(const std::vector<LokiEntry>& lines) {
  if (writer_.spool_lines(lines, Clock::now())) sinks_.wake_loki();
}

void Daemon::save_state(const std::string& name, const std::string& content, const std::string& what) {
  writer_.save(config_.state_dir + "/" + name, content, what, Clock::now());
}

// Runs the checks, sets the metrics, and sends each new violation (and each
// that went away) to Loki, as drift is sent: through the spool.
void Daemon::run_exports_checks() {
  if (!config_.exports.enabled) return;
  const ExportsSource::Run r =
      exports_.run(config_.exports, config_.root, config_.node, confinement_.landlock_abi > 0, wall_ns());
  // These watches alone tell driftd when to run the checks again, whether
  // the selection covers the files or not.
  if (watcher_ && watcher_->ok()) {
    for (const std::string& dir : r.watch_dirs) watcher_->watch_aux(dir);
  }
  metrics_.set_exports(exports_.tracker().critical_counts());
  for (const ExportsTransition& t : r.transitions) log_exports_transition(t);
  for (const std::string& file : r.restart_for) {
    daemon_log(escape_bytes(file) + " cannot be read now; it may have been replaced and Landlock follows inodes: "
               "restarting to confine afresh (exit 75)");
    restart_to_reconfine_ = true;
  }
  if (r.state) save_state(kExportsStateName, *r.state, "the exports state");
  send_lines(r.lines);
  if (r.state || !pushed_once_) sinks_.push_soon();
}

// The same for the `expect:` rules.
void Daemon::run_expectations() {
  if (config_.expect.empty()) return;
  const ExpectationSource::Run r = expect_.run(config_.expect, config_.root, config_.node, wall_ns());
  metrics_.set_expectations(expect_.tracker().counts(), expect_.tracker().ok());
  for (const ExpectationTransition& t : r.transitions) log_expectation_transition(t);
  if (r.state) save_state(kExpectationStateName, *r.state, "the expectation state");
  send_lines(r.lines);
  if (r.state || !pushed_once_) sinks_.push_soon();
}

// The poller is made once confined: what it opens, Landlock has granted
// (runtime/ under proc_root). The first look is at once, so the first full
// check already holds the runtime state.
void Daemon::start_runtime() {
  runtime_.reset();
  runtime_due_.reset();
  if (!config_.runtime.enabled) return;
  runtime_ = std::make_unique<RuntimePoller>(config_.runtime, load_kernel_packages(config_.root));
  if (const auto& b = baseline_.current()) runtime_->set_baseline(b->entries);
  poll_runtime();
}

// One look: the entries replace the node's runtime entries, and a change
// (into drift, further, or back) is judged like any re-check.
void Daemon::poll_runtime() {
  runtime_due_ = Clock::now() + config_.runtime.interval;
  const std::vector<RuntimeTransition> changed = runtime_->poll();
  for (const std::string& note : runtime_->take_new_notes()) daemon_log("runtime: " + note);
  if (!node_.known()) return;  // the full check's end takes current()
  node_.replace_runtime(runtime_->current());
  if (!changed.empty()) evaluate(false);
}

// The audit source is made once confined (Landlock grants the log's
// directory); its directory is watched, the heartbeat written at once.
void Daemon::start_audit() {
  audit_.reset();
  audit_ok_ = false;
  if (!config_.audit.enabled) return;
  audit_ = std::make_unique<AuditSource>(config_);
  if (options_.test_hooks) {
    if (const char* ms = std::getenv("DRIFTD_TEST_AUDIT_HEARTBEAT_MS")) {
      audit_->set_heartbeat_every(Millis(std::strtoll(ms, nullptr, 10)));
    }
  }
  audit_dir_ = read_path_for(config_.root, audit_->log_dir());
  if (watcher_ && watcher_->ok()) watcher_->watch_aux(audit_dir_, /*appends=*/true);
  audit_heartbeat(Clock::now());
  poll_audit();
}

// Reads what the log gained; a flood is read a bound at a time, the rest at
// the next turn of the loop.
void Daemon::poll_audit() {
  audit_->poll(wall_ns() / 1000000);
  for (const std::string& n : audit_->take_notes()) daemon_log(n);
  if (audit_->ok() != audit_ok_) {
    audit_ok_ = audit_->ok();
    metrics_.set_audit(audit_ok_, audit_->window_events());
    if (!audit_ok_) daemon_log("audit: driftd's heartbeat did not come back through the audit log (auditd stopped, or "
                               "no rule watches " + escape_bytes(audit_->heartbeat_path()) + ": `driftctl audit rules`)");
  }
}

void Daemon::send_heartbeat_line() {
  heartbeat_line_due_ = Clock::now() + std::chrono::hours(24);
  const auto& b = baseline_.current();
  HeartbeatFacts h;
  h.baseline_serial = b && baseline_.valid() ? b->meta.serial : 0;
  h.entries = b ? b->entries.size() : 0;
  h.last_full_check_ns = last_full_check_ns_;
  h.version = kToolVersion;
  send_lines({heartbeat_loki_entry(h, config_.node, wall_ns())});
}

void Daemon::audit_heartbeat(Clock::time_point now) {
  std::string err;
  if (!audit_->write_heartbeat(now, wall_ns() / 1000000, &err)) daemon_log("audit heartbeat: " + err);
  // A minute with no heartbeat back: the trail stopped.
  poll_audit();
  metrics_.set_audit(audit_ok_, audit_->window_events());
}

// The drift, exports and expectation states of the last run, so a restart does not
// announce known drift again; a bad file is set aside, never a reason to stop.
void Daemon::load_states() {
  const int64_t now = wall_ns() / 1000000000;
  auto load = [&](const std::string& name, const std::function<StateLoad(const std::string&)>& loader) {
    const StateFileRead r = read_state_file(config_.state_dir + "/" + name, loader, now);
    if (!r.message.empty()) daemon_log(r.message);
  };
  load(kDriftStateName, [this](const std::string& text) { return tracker_.load(text); });
  if (config_.exports.enabled) load(kExportsStateName, [this](const std::string& text) { return exports_.tracker().load(text); });
  if (!config_.expect.empty()) {
    load(kExpectationStateName, [this](const std::string& text) { return expect_.tracker().load(text); });
  }
}

void Daemon::reload_config() {
  Config next;
  if (!load_config_file(&next)) {
    daemon_log("SIGHUP: config not reloaded, keeping the running one");
    return;
  }
  const bool sinks_changed = Sinks::differ(next, config_);
  config_ = std::move(next);
  daemon_log("SIGHUP: config reloaded from " + config_.source);
  health_.set_rescan_interval(config_.rescan_interval);
  node_.set_package_proof(config_.state_dir, config_.packages.trust_dpkg_database);
  if (sinks_changed) sinks_.restart(config_, writer_.spool());
  dpkg_.forget();  // root may have changed; dpkg's database is read again
  place_watches();
  start_audit();
  load_baseline("SIGHUP");
  start_runtime();  // compares with the baseline from its first look
  start_full_rescan();
}

void Daemon::handle_signal(int sig, bool* quit) {
  if (sig == SIGTERM || sig == SIGINT) *quit = true;
  else if (sig == SIGHUP) reload_config();
  else if (sig == SIGUSR1 && options_.test_hooks) { paused_ = true; daemon_log("test hook: inotify reader paused"); }
  else if (sig == SIGUSR2 && options_.test_hooks) { paused_ = false; daemon_log("test hook: inotify reader resumed"); }
}

// What one read of inotify asks for: new directories watched at once (before
// files land in them), changed paths into the debounce, a baseline install
// loaded, the exports checks scheduled, a lost-events rescan.
void Daemon::on_inotify() {
  WatchEvents ev;
  const size_t watches_before = watcher_->watches();
  watcher_->read_events(&ev);  // drops the watches of directories moved away
  metrics_.add_inotify_events(ev.events);
  for (const std::string& dir : ev.new_dirs) watcher_->watch_tree(dir);
  if (!ev.new_dirs.empty() || watcher_->watches() != watches_before) {
    metrics_.set_watches(watcher_->watches(), watcher_->failures());
  }
  // With audit attribution the trailing window lets the write's audit record
  // reach the log before the drift is judged (never longer than debounce).
  pending_.add(ev.scopes, Clock::now(), config_.debounce, /*leading=*/!audit_);
  bool audit_changed = false;
  for (const std::string& p : ev.aux_paths) {
    if (p == config_.baseline) load_baseline("installed");
    if (audit_ && directory_of(p) == audit_dir_) audit_changed = true;
    if (config_.exports.enabled) exports_.note_changed(p, config_.root, Clock::now(), config_.debounce);
  }
  if (audit_changed) poll_audit();
  if (ev.overflow) {
    daemon_log("inotify queue overflowed: events were lost, running a full check");
    start_full_rescan();
  }
}

Clock::time_point Daemon::next_deadline(uint64_t watchdog_usec, Clock::time_point next_watchdog) const {
  auto deadline = next_rescan_;
  for (const auto& at : {pending_.due(config_.debounce), evaluate_again_at_, exports_.due(), writer_.retry_at(),
                         expect_.due(), runtime_due_, heartbeat_line_due_,
                         audit_ ? std::optional<Clock::time_point>(audit_->heartbeat_due()) : std::nullopt,
                         audit_ && audit_->more() ? std::optional<Clock::time_point>(Clock::now()) : std::nullopt}) {
    if (at) deadline = std::min(deadline, *at);
  }
  if (watchdog_usec) deadline = std::min(deadline, next_watchdog);
  return deadline;
}

// Whatever is due by now: the debounced re-check, the exports checks, the
// expectations, the runtime look, the audit heartbeat, the state_dir retries, the dpkg wait's end, the periodic full check.
void Daemon::run_due(Clock::time_point now) {
  if (pending_.ready(now, config_.debounce)) recheck_pending();
  if (exports_.take_due(now)) run_exports_checks();
  if (expect_.take_due(now)) run_expectations();
  if (runtime_due_ && now >= *runtime_due_) poll_runtime();
  if (heartbeat_line_due_ && now >= *heartbeat_line_due_) send_heartbeat_line();
  if (audit_ && now >= audit_->heartbeat_due()) audit_heartbeat(now);
  else if (audit_ && audit_->more()) poll_audit();
  if (writer_.retry_at() && now >= *writer_.retry_at()) {
    const StateWriter::Retried r = writer_.retry(now);
    if (r.spooled) sinks_.wake_loki();
    if (r.changed) sinks_.push_soon();
  }
  if (evaluate_again_at_ && now >= *evaluate_again_at_) {
    evaluate_again_at_.reset();
    evaluate(false);
  }
  if (now >= next_rescan_) {
    next_rescan_ = now + config_.rescan_interval;
    start_full_rescan(/*periodic=*/true);
  }
}

// Everything before the loop; returns an exit code when driftd cannot run.
int Daemon::start() {
  // Signals arrive on a signalfd; block them before any thread exists so
  // every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  signal_fd_ = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);

  // 1. Config and state_dir.
  if (!load_config_file(&config_)) return kExitUsage;
  health_.set_rescan_interval(config_.rescan_interval);
  health_.loop_turned(Clock::now());
  node_.set_package_proof(config_.state_dir, config_.packages.trust_dpkg_database);
  if (!make_directories(config_.state_dir, 0700)) {
    daemon_log("cannot create state_dir " + config_.state_dir + ": " + std::strerror(errno));
    return kExitIo;
  }
  http_global_init();
  // 2. The rollback floor install keeps too; one that does not parse refuses
  // every baseline (fail closed) until the operator looks.
  {
    std::string err;
    uint64_t floor = 0;
    if (!read_highest_serial(config_.state_dir, &floor, &err)) daemon_log(err);
    baseline_.set_floor(floor, err);
  }
  // 3. Confine before any thread starts: Landlock and seccomp apply to the
  // calling thread and what it creates afterwards.
  // Which page-cache residency calls the filter already on this process
  // allows, asked before driftd's own joins it (lib/page_cache.h).
  const ResidencyMethod residency = config_.scan_page_cache_neutral ? residency_methods_allowed() : ResidencyMethod::kNone;
  confinement_ = confine_daemon(config_, options_.config_path);
  daemon_log("confinement: " + confinement_.summary + "; page cache residency by " + residency_method_name(residency));
  // 4. Saved state, the spool, the sinks.
  load_states();
  std::string err;
  if (!writer_.open_spool(config_.state_dir + "/spool", config_.spool_max_bytes, &err)) {
    daemon_log("spool unavailable, Loki lines cannot be kept: " + err);
  }
  sinks_.start(config_, writer_.spool());
  daemon_log("driftd " + std::string(kToolVersion) + " on node " + escape_bytes(config_.node) + ", config " +
             config_.source + ", root " + config_.root);
  // 5. Watches, the baseline, the first checks.
  place_watches();
  start_audit();
  load_baseline("start");
  start_runtime();  // compares with the baseline from its first look
  run_exports_checks();
  run_expectations();
  send_heartbeat_line();  // alive, and what it holds (driftctl report: silent is not clean)
  if (!baseline_.current()) metrics_.set_drift({}, config_.metrics_max_paths);
  // Ready once the watches are placed, baseline or not: the first full check
  // may run long at idle priority.
  notify_systemd("READY=1\nSTATUS=watching " + std::to_string(watcher_ ? watcher_->watches() : 0) + " directories");
  if (!baseline_.current()) sinks_.push_soon();  // baseline_valid 0 is news too
  next_rescan_ = Clock::now() + config_.rescan_interval;
  if (!rescan_.running()) start_full_rescan();
  return -1;
}

void Daemon::shutdown() {
  // The last push and Loki's last chance first: a cancelled rescan may still
  // take a while to finish the walk at idle priority, and systemd's stop
  // timeout must not cost the final state. Its result is dropped anyway.
  rescan_.cancel();
  writer_.shutdown(Clock::now());
  sinks_.shutdown();
  rescan_.join();
  daemon_log("exiting");
}

int Daemon::run() {
  if (const int code = start(); code >= 0) return code;
  const uint64_t watchdog_usec = systemd_watchdog_usec();
  auto next_watchdog = Clock::now();
  bool quit = false;
  while (!quit && !restart_to_reconfine_) {
    // Wait for a signal, the rescan's end, inotify, or the next deadline.
    const long long wait_ms = std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(next_deadline(watchdog_usec, next_watchdog) -
                                                                 Clock::now()).count() + 1);
    struct pollfd fds[3] = {{signal_fd_, POLLIN, 0}, {rescan_.fd(), POLLIN, 0}, {-1, POLLIN, 0}};
    if (watcher_ && watcher_->ok() && !paused_) fds[2].fd = watcher_->fd();
    // At least every Health::kLoopWake: a loop that stops turning is stuck, not idle (/healthz).
    const long long wake_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Health::kLoopWake).count();
    if (::poll(fds, 3, static_cast<int>(std::min(wait_ms, wake_ms))) < 0 && errno != EINTR) {
      daemon_log(std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (::read(signal_fd_, &si, sizeof si) == sizeof si) handle_signal(static_cast<int>(si.ssi_signo), &quit);
    }
    if (fds[1].revents & POLLIN) finish_full_rescan();
    if (fds[2].fd >= 0 && (fds[2].revents & POLLIN)) on_inotify();
    // Then what is due, and the watchdog.
    const auto now = Clock::now();
    health_.loop_turned(now);
    run_due(now);
    if (watchdog_usec && now >= next_watchdog) {
      notify_systemd("WATCHDOG=1");
      next_watchdog = now + std::chrono::microseconds(watchdog_usec / 2);
    }
  }
  notify_systemd("STOPPING=1");
  shutdown();
  return restart_to_reconfine_ ? kExitRestart : kExitOk;
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
  Daemon daemon(options);
  return daemon.run();
}

}  // namespace drift
