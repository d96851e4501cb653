// The daemon. One thread owns the state (baseline, current entries, drift
// set) and blocks in poll() on the inotify fd, a signalfd and an eventfd the
// rescan thread raises; deadlines (debounce, next rescan, watchdog, retries)
// are the poll timeout, so an idle daemon uses no CPU. The network is on the
// sinks' threads: the watcher never waits on it.
//
// This file is the process shell only: signals, the loop, start, reload and
// shutdown, and the reading of files. Each policy is a part with its own
// tests: DriftJudge (the baseline and the judgement of each scan's result:
// InstalledBaseline, NodeState, DriftTracker, DpkgGate, DriftAnnouncer),
// RescanWorker (the full check's thread), PendingRechecks (the debounce),
// DaemonSources (the exports checks, expect: rules, runtime kernel state and
// audit log), StateWriter (state_dir writes that wait when the disk is full)
// and Sinks. The judge and the sources return what they ask of the daemon as
// data (SourceOutput), and `apply` does it the same way for each.
#include "agent/daemon.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>

#include "agent/check.h"
#include "agent/config.h"
#include "agent/confine.h"
#include "agent/daemon_log.h"
#include "agent/daemon_sources.h"
#include "agent/drift_judge.h"
#include "agent/exit_codes.h"
#include "agent/health.h"
#include "agent/highest_serial.h"
#include "agent/loki_lines.h"
#include "agent/metrics.h"
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
  void start_full_rescan(bool periodic = false);
  void finish_full_rescan();
  void recheck_pending();
  void save_state(const std::string& name, const std::string& content, const std::string& what);
  void apply(SourceOutput out);
  void apply(Verdict v);
  void run_exports_checks();
  void run_expectations();
  void start_runtime();
  void start_audit();
  void send_heartbeat_line();
  void poll_runtime();
  void load_states();
  void handle_signal(int sig, bool* quit);
  void reload_config();
  bool landlock() const { return confinement_.landlock_abi > 0; }

  DaemonOptions options_;
  Config config_;
  Metrics metrics_;
  StateWriter writer_{&metrics_, log_line};
  Health health_{Millis(3600000)};  // what /healthz and /readyz say; the interval set from the config
  Sinks sinks_{&metrics_, log_line, &health_};
  std::unique_ptr<Watcher> watcher_;
  ConfineReport confinement_;
  bool pushed_once_ = false;

  // The sources beside the file scan: the exports checks and expect: rules
  // (at start, on every full check, after a change to a file they read), the
  // runtime kernel state (/proc has no inotify: every runtime.interval; its
  // entries join the node's) and the audit log (who changed it: followed
  // through inotify on its directory, read before each judgement).
  DaemonSources sources_{&metrics_, log_line};
  // The baseline, the node as last read and its judgement: what each scan's
  // result means, announced through the sources' attribution.
  DriftJudge judge_{&metrics_, &health_, &sources_, log_line};

  // The `heartbeat` Loki line (driftd alive and what it holds: a week
  // without one is "no data" in driftctl report): at start, then daily.
  std::optional<Clock::time_point> heartbeat_line_due_;

  PendingRechecks pending_;
  RescanWorker rescan_;
  Clock::time_point next_rescan_;
  std::unique_ptr<SignalFd> signals_;
  bool paused_ = false;
  bool restart_to_reconfine_ = false;
};

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

void Daemon::load_baseline(const std::string& why) {
  Verdict v = judge_.load_baseline(config_, why, Clock::now(), wall_ns());
  const bool full_check = v.full_check_needed;
  apply(std::move(v));
  trim_heap();
  if (full_check && !rescan_.running()) start_full_rescan();
}

// Periodic rescans run at idle priority: the node's workloads come first.
// Start-up, overflow and reload rescans restore correctness (events were lost
// or the rules changed), so they run at normal priority: SCHED_IDLE can
// starve for minutes on a busy node.
void Daemon::start_full_rescan(bool periodic) {
  if (!rescan_.running() && !judge_.baseline()) return;  // nothing to compare with; a valid baseline starts one
  const Config config = config_;
  ScanOptions options = judge_.scan_options();
  rescan_.start([config, options](const std::atomic<bool>* cancel) {
    ScanOptions o = options;
    o.cancel = cancel;
    return run_scan(config, o);
  }, periodic);
}

void Daemon::finish_full_rescan() {
  RescanWorker::Done done = rescan_.finish();
  ScanResult dirty_read;  // changed while the scan ran: read again after it
  if (!done.dirty.empty()) dirty_read = scan_paths(config_, done.dirty, judge_.scan_options());
  apply(judge_.take_full_check(config_, landlock(), std::move(done.result), done.seconds, done.dirty,
                               std::move(dirty_read), Clock::now(), wall_ns()));
  if (restart_to_reconfine_) return;
  trim_heap();  // the scan's threads leave freed arenas behind
  if (watcher_ && watcher_->ok()) {
    watcher_->watch_selection();  // heal watches lost to replaced directories
    metrics_.set_watches(watcher_->watches(), watcher_->failures());
  }
  run_exports_checks();
  run_expectations();
  const auto interval = watcher_ && watcher_->unwatched()
                            ? std::min(config_.rescan_interval, Millis(300000))  // what inotify cannot see
                            : config_.rescan_interval;
  next_rescan_ = Clock::now() + interval;
  if (rescan_.take_again()) start_full_rescan();
}

void Daemon::recheck_pending() {
  // With audit attribution, judged once the log holds the writes' records
  // (an audit barrier; bounded, and never when the trail is down).
  if (!sources_.audit_settled(Clock::now(), wall_ns() / 1000000)) return;
  const PendingRechecks::Batch batch = pending_.take(Clock::now());
  if (batch.scopes.empty()) return;  // the leading edge found its change being written again
  rescan_.note_dirty(batch.scopes);
  if (!judge_.node_known() || !judge_.baseline()) return;
  ScanResult fresh = scan_paths(config_, batch.scopes, judge_.scan_options());
  Verdict v = judge_.take_recheck(config_, landlock(), batch.scopes, std::move(fresh), Clock::now(), wall_ns());
  const bool judged = v.judged;
  apply(std::move(v));
  if (restart_to_reconfine_) return;
  for (const RecheckScope& s : batch.scopes) {
    sources_.note_rechecked(config_, s.path, !s.self_only, Clock::now());
  }
  if (judged) {
    metrics_.observe_detection_latency(std::chrono::duration<double>(Clock::now() - batch.first_event).count());
  }
}

void Daemon::save_state(const std::string& name, const std::string& content, const std::string& what) {
  writer_.save(config_.state_dir + "/" + name, content, what, Clock::now());
}

// What a source or the judge asks for, done the same way for each: its
// watches, its state files, its Loki lines (to the durable spool first; the
// Loki sink ships them from there), a push.
void Daemon::apply(SourceOutput out) {
  if (watcher_ && watcher_->ok()) {
    for (const std::string& dir : out.watch_dirs) watcher_->watch_aux(dir);
  }
  if (out.restart) restart_to_reconfine_ = true;
  for (const StateSave& save : out.saves) save_state(save.name, save.content, save.what);
  if (writer_.spool_lines(out.lines, Clock::now())) sinks_.wake_loki();
  if (out.changed || !pushed_once_) {
    sinks_.push_soon();
    pushed_once_ = sinks_.pushing();
  }
}

void Daemon::apply(Verdict v) {
  if (v.status) notify_systemd("STATUS=" + *v.status);
  apply(std::move(v.out));
}

void Daemon::run_exports_checks() {
  apply(sources_.run_exports(config_, confinement_.landlock_abi > 0, wall_ns()));
}

void Daemon::run_expectations() { apply(sources_.run_expectations(config_, wall_ns())); }

// The poller is made once confined: what it opens, Landlock has granted
// (runtime/ under proc_root). The first look is at once, so the first full
// check already holds the runtime state.
void Daemon::start_runtime() {
  const auto& b = judge_.baseline();
  sources_.start_runtime(config_, b ? &b->entries : nullptr);
  poll_runtime();
}

// One look: the entries replace the node's runtime entries, and a change
// (into drift, further, or back) is judged like any re-check.
void Daemon::poll_runtime() {
  if (!sources_.runtime_on()) return;
  const bool changed = sources_.poll_runtime(config_, Clock::now());
  apply(judge_.take_runtime(config_, sources_.runtime_entries(), changed, Clock::now(), wall_ns()));
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
  SourceOutput out;
  out.lines.push_back(heartbeat_loki_entry(judge_.heartbeat(), config_.node, wall_ns()));
  apply(std::move(out));
}

// The drift, exports and expectation states of the last run, so a restart does not
// announce known drift again; a bad file is set aside, never a reason to stop.
void Daemon::load_states() {
  const int64_t now = wall_ns() / 1000000000;
  auto load = [&](const std::string& name, const std::function<StateLoad(const std::string&)>& loader) {
    const StateFileRead r = read_state_file(config_.state_dir + "/" + name, loader, now);
    if (!r.message.empty()) daemon_log(r.message);
  };
  load(kDriftStateName, [this](const std::string& text) { return judge_.load_drift_state(text); });
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
  judge_.set_package_proof(config_.state_dir, config_.packages.trust_dpkg_database);
  if (sinks_changed) sinks_.restart(config_, writer_.spool());
  judge_.forget_dpkg();  // root may have changed; dpkg's database is read again
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
  // While an audit barrier is in flight the due re-check waits for the log
  // (inotify wakes the loop) or the barrier's bound, not for pending_.due.
  const auto recheck_at = sources_.barrier_deadline() ? sources_.barrier_deadline() : pending_.due(config_.debounce);
  for (const auto& at : {recheck_at, judge_.judge_again_at(), writer_.retry_at(), heartbeat_line_due_,
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
  apply(judge_.judge_if_due(config_, now, wall_ns()));  // the dpkg wait's end
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
  judge_.set_package_proof(config_.state_dir, config_.packages.trust_dpkg_database);
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
    judge_.set_floor(floor, err);
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
  if (!judge_.baseline()) metrics_.set_drift({}, config_.metrics_max_paths);
  // Ready once the watches are placed, baseline or not: the first full check
  // may run long at idle priority.
  notify_systemd("READY=1\nSTATUS=watching " + std::to_string(watcher_ ? watcher_->watches() : 0) + " directories");
  if (!judge_.baseline()) sinks_.push_soon();  // baseline_valid 0 is news too
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
