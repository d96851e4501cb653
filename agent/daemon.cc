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
// saved state), DaemonSources (the exports checks, expect: rules, runtime
// kernel state and audit log, each returning what it asks of the daemon as
// data), loki_lines (every Loki line), StateWriter (state_dir writes that
// wait when the disk is full) and Sinks.
#include "agent/daemon.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "agent/check.h"
#include "agent/config.h"
#include "agent/confine.h"
#include "agent/daemon_log.h"
#include "agent/daemon_sources.h"
#include "agent/dpkg_gate.h"
#include "agent/drift_announcer.h"
#include "agent/drift_tracker.h"
#include "agent/exit_codes.h"
#include "agent/health.h"
#include "agent/highest_serial.h"
#include "agent/installed_baseline.h"
#include "agent/loki_lines.h"
#include "agent/metrics.h"
#include "agent/node_state.h"
#include "agent/pending_rechecks.h"
#include "agent/rescan_worker.h"
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
#include "lib/signal_fd.h"
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
  void apply(SourceOutput out);
  void run_exports_checks();
  void run_expectations();
  void start_runtime();
  void start_audit();
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

  // The sources beside the file scan: the exports checks and expect: rules
  // (at start, on every full check, after a change to a file they read), the
  // runtime kernel state (/proc has no inotify: every runtime.interval; its
  // entries join the node's) and the audit log (who changed it: followed
  // through inotify on its directory, read before each judgement).
  DaemonSources sources_{&metrics_, log_line};
  DriftAnnouncer announcer_{&metrics_, &sources_};  // each transition to the log, the counters and Loki

  // The `heartbeat` Loki line (driftd alive and what it holds: a week
  // without one is "no data" in driftctl report): at start, then daily.
  std::optional<Clock::time_point> heartbeat_line_due_;
  int64_t last_full_check_ns_ = 0;

  PendingRechecks pending_;
  RescanWorker rescan_;
  Clock::time_point next_rescan_;
  std::unique_ptr<SignalFd> signals_;
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
  metrics_.set_baseline(false, baseline_.installed(), last ? last->meta.created : 0);
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
  metrics_.set_baseline(true, true, b.meta.created);
  health_.set_baseline("serial " + std::to_string(b.meta.serial) + " valid", true);
  if (o.replaced) {
    send_lines({baseline_loki_entry({b.meta.serial, b.meta.created, baseline_.key_id()}, config_.node, wall_ns())});
    daemon_log("baseline serial " + std::to_string(b.meta.serial) + " (" + std::to_string(b.entries.size()) +
               " entries, key " + baseline_.key_id() + ") loaded: " + why);
  }
  sources_.set_runtime_baseline(b.entries);
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
  if (sources_.runtime_on()) node_.replace_runtime(sources_.runtime_entries());
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
    sources_.note_rechecked(config_, s.path, !s.self_only, Clock::now());
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
  send_lines(announcer_.announce(j.transitions, config_, before, node_.snapshots(), wall_ns()));
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

// What a source asks for, done the same way for each: its watches, its
// state files, its Loki lines (through the spool, as drift), a push.
void Daemon::apply(SourceOutput out) {
  if (watcher_ && watcher_->ok()) {
    for (const std::string& dir : out.watch_dirs) watcher_->watch_aux(dir);
  }
  if (out.restart) restart_to_reconfine_ = true;
  for (const StateSave& save : out.saves) save_state(save.name, save.content, save.what);
  send_lines(out.lines);
  if (out.changed || !pushed_once_) sinks_.push_soon();
}

void Daemon::run_exports_checks() {
  apply(sources_.run_exports(config_, confinement_.landlock_abi > 0, wall_ns()));
}

void Daemon::run_expectations() { apply(sources_.run_expectations(config_, wall_ns())); }

// The poller is made once confined: what it opens, Landlock has granted
// (runtime/ under proc_root). The first look is at once, so the first full
// check already holds the runtime state.
void Daemon::start_runtime() {
  const auto& b = baseline_.current();
  sources_.start_runtime(config_, b ? &b->entries : nullptr);
  poll_runtime();
}

// One look: the entries replace the node's runtime entries, and a change
// (into drift, further, or back) is judged like any re-check.
void Daemon::poll_runtime() {
  if (!sources_.runtime_on()) return;
  const bool changed = sources_.poll_runtime(config_, Clock::now());
  if (!node_.known()) return;  // the full check's end takes the runtime entries
  node_.replace_runtime(sources_.runtime_entries());
  if (changed) evaluate(false);
}

// The audit source is made once confined (Landlock grants the log's
// directory); its directory is watched for appends, the heartbeat written at once.
void Daemon::start_audit() {
  std::optional<Millis> every;
  if (options_.test_hooks) {
    if (const char* ms = std::getenv("DRIFTD_TEST_AUDIT_HEARTBEAT_MS")) every = Millis(std::strtoll(ms, nullptr, 10));
  }
  const std::optional<std::string> dir = sources_.start_audit(config_, every, Clock::now(), wall_ns() / 1000000);
  if (dir && watcher_ && watcher_->ok()) watcher_->watch_aux(*dir, /*appends=*/true);
  // The heartbeat's record may have reached the log before the watch: read it now.
  if (dir) sources_.poll_audit(wall_ns() / 1000000);
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

// The drift, exports and expectation states of the last run, so a restart does not
// announce known drift again; a bad file is set aside, never a reason to stop.
void Daemon::load_states() {
  const int64_t now = wall_ns() / 1000000000;
  auto load = [&](const std::string& name, const std::function<StateLoad(const std::string&)>& loader) {
    const StateFileRead r = read_state_file(config_.state_dir + "/" + name, loader, now);
    if (!r.message.empty()) daemon_log(r.message);
  };
  load(kDriftStateName, [this](const std::string& text) { return tracker_.load(text); });
  sources_.load_states(config_, load);
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
  pending_.add(ev.scopes, Clock::now(), config_.debounce, /*leading=*/!sources_.audit_on());
  bool audit_changed = false;
  for (const std::string& p : ev.aux_paths) {
    if (p == config_.baseline) load_baseline("installed");
    if (sources_.is_audit_dir(directory_of(p))) audit_changed = true;
    sources_.note_changed(config_, p, Clock::now());
  }
  if (audit_changed) sources_.poll_audit(wall_ns() / 1000000);
  if (ev.overflow) {
    daemon_log("inotify queue overflowed: events were lost, running a full check");
    start_full_rescan();
  }
}

Clock::time_point Daemon::next_deadline(uint64_t watchdog_usec, Clock::time_point next_watchdog) const {
  auto deadline = next_rescan_;
  for (const auto& at : {pending_.due(config_.debounce), evaluate_again_at_, writer_.retry_at(), heartbeat_line_due_,
                         sources_.next_due(Clock::now())}) {
    if (at) deadline = std::min(deadline, *at);
  }
  if (watchdog_usec) deadline = std::min(deadline, next_watchdog);
  return deadline;
}

// Whatever is due by now: the debounced re-check, the exports checks, the
// expectations, the runtime look, the audit heartbeat, the state_dir retries, the dpkg wait's end, the periodic full check.
void Daemon::run_due(Clock::time_point now) {
  if (pending_.ready(now, config_.debounce)) recheck_pending();
  const SourcesDue due = sources_.take_due(now, wall_ns() / 1000000);  // the audit heartbeat and reading on, inside
  if (due.exports) run_exports_checks();
  if (due.expectations) run_expectations();
  if (due.runtime) poll_runtime();
  if (heartbeat_line_due_ && now >= *heartbeat_line_due_) send_heartbeat_line();
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
  // Signals arrive on a signalfd, blocked before any thread exists.
  signals_ = std::make_unique<SignalFd>(std::initializer_list<int>{SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2});
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
    struct pollfd fds[3] = {{signals_->fd(), POLLIN, 0}, {rescan_.fd(), POLLIN, 0}, {-1, POLLIN, 0}};
    if (watcher_ && watcher_->ok() && !paused_) fds[2].fd = watcher_->fd();
    // At least every Health::kLoopWake: a loop that stops turning is stuck, not idle (/healthz).
    const long long wake_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Health::kLoopWake).count();
    if (::poll(fds, 3, static_cast<int>(std::min(wait_ms, wake_ms))) < 0 && errno != EINTR) {
      daemon_log(std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (fds[0].revents & POLLIN) {
      for (int sig : signals_->take()) handle_signal(sig, &quit);
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
