// The daemon. One thread owns the state (baseline, current entries, drift
// set) and blocks in poll() on the inotify fd, a signalfd and an eventfd the
// rescan thread raises; deadlines (debounce, next rescan, watchdog) are the
// poll timeout, so an idle daemon uses no CPU. The network is on the sinks'
// threads: the watcher never waits on it.
#include "agent/daemon.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "lib/atomic_file.h"
#include "agent/check.h"
#include "agent/config.h"
#include "agent/confine.h"
#include "agent/daemon_log.h"
#include "agent/exit_codes.h"
#include "agent/highest_serial.h"
#include "agent/drift_tracker.h"
#include "agent/dpkg_gate.h"
#include "agent/exports_tracker.h"
#include "agent/installed_baseline.h"
#include "agent/loki_lines.h"
#include "agent/rescan_worker.h"
#include "agent/state_file.h"
#include "exports/exports_check.h"
#include "lib/http_client.h"
#include "agent/loki_sink.h"
#include "lib/memory_policy.h"
#include "agent/metrics.h"
#include "agent/package_cause.h"
#include "agent/walker.h"
#include "agent/pushgateway_sink.h"
#include "agent/scan.h"
#include "agent/spool.h"
#include "lib/text_diff.h"
#include "agent/watcher.h"
#include "baseline/bundle.h"
#include "baseline/escape.h"
#include "baseline/signer.h"
#include "baseline/snapshot_policy.h"

namespace drift {
namespace {

using Clock = std::chrono::steady_clock;
// How often writes state_dir refused (full, failing) are tried again.
constexpr auto kRetryWrites = std::chrono::seconds(2);

int64_t wall_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool make_dirs(const std::string& dir, mode_t mode) {
  if (dir.empty() || dir == "/" || dir == ".") return true;
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
  if (!make_dirs(directory_of(dir), 0755)) return false;
  return ::mkdir(dir.c_str(), mode) == 0 || errno == EEXIST;
}

std::function<bool(const Entry&)> keep_changed_content(std::shared_ptr<const Baseline> base) {
  return [base](const Entry& now) { return base && content_changed_from(base->entries, now); };
}

class Daemon {
 public:
  explicit Daemon(DaemonOptions options) : options_(std::move(options)) {}
  int run();

 private:
  bool load_config_file(Config* out);
  void start_sinks();
  void place_watches();
  void load_baseline(const std::string& why);
  void baseline_invalid(const std::string& reason);
  void start_full_rescan(bool periodic = false);
  void finish_full_rescan();
  void recheck_pending();
  bool evaluate(bool force_push);
  void spool_lines(const std::vector<LokiEntry>& lines);
  void save_state(const std::string& path, const std::string& content, const std::string& what);
  void retry_writes();
  void update_write_metrics();
  void run_exports_checks();
  void load_states();
  std::string diff_for(const DriftTransition& t, const std::map<std::string, std::string>& before_snapshots);
  void handle_signal(int sig, bool* quit);
  void note_replaced_file_rules(const std::vector<Entry>& entries);
  void reload_config();
  void shutdown();

  DaemonOptions options_;
  Config config_;
  Metrics metrics_;
  Spool spool_;
  bool spool_ok_ = false;
  // What state_dir could not take yet (full or failing): state files by path,
  // newest content; Loki lines are held by the spool. Retried every
  // kRetryWrites until written.
  std::map<std::string, std::string> unsaved_;
  std::optional<Clock::time_point> retry_writes_at_;
  std::unique_ptr<PushgatewaySink> pusher_;
  std::unique_ptr<LokiSink> loki_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Registry> health_registry_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Watcher> watcher_;
  ConfineReport confinement_;

  InstalledBaseline baseline_;

  std::vector<Entry> current_;
  bool have_current_ = false;
  std::map<std::string, std::string> current_snapshots_;  // sha hex -> content, drifted files only
  DriftTracker tracker_;
  bool pushed_once_ = false;

  DpkgGate dpkg_;  // the package-aware check waits for dpkg
  std::optional<Clock::time_point> evaluate_again_at_;

  // The /etc/exports checks (exports.enabled): run at start, on every full
  // check, and `debounce` after a change to a file they read.
  std::vector<std::string> exports_files_;  // host paths the last run consulted
  ExportsTracker exports_;
  std::optional<Clock::time_point> exports_due_;

  std::map<std::string, bool> pending_;  // path -> self_only
  std::optional<Clock::time_point> first_event_;

  RescanWorker rescan_;
  Clock::time_point next_rescan_;
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

void Daemon::start_sinks() {
  auto log = [](const std::string& m) { daemon_log(m); };
  if (!config_.pushgateway_url.empty()) {
    pusher_ = std::make_unique<PushgatewaySink>(
        pushgateway_group_url(config_.pushgateway_url, config_.pushgateway_job, config_.node),
        config_.pushgateway_heartbeat, &metrics_, log);
  }
  if (!config_.loki_url.empty() && spool_ok_) {
    std::string url = config_.loki_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    loki_ = std::make_unique<LokiSink>(url + "/loki/api/v1/push", &spool_, config_.state_dir + "/loki-dead-letter.jsonl",
                                       &metrics_, log, [this] {
                                         if (pusher_) pusher_->push_soon();
                                       });
  }
  if (!config_.listen.empty()) {
    std::string bind = config_.listen;
    if (bind[0] == ':') bind = "0.0.0.0" + bind;
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(bind, 1);
      exposer_->RegisterCollectable(metrics_.registry());
      exposer_->RegisterCollectable(health_registry_, "/healthz");
    } catch (const std::exception& e) {
      daemon_log("cannot listen on " + config_.listen + ": " + e.what() + " (serving no /metrics)");
    }
  }
}

void Daemon::place_watches() {
  watcher_ = std::make_unique<Watcher>(selection_from(config_), config_.root);
  if (!watcher_->ok()) {
    daemon_log(std::string("inotify unavailable: ") + std::strerror(errno) + " (periodic rescans only)");
    return;
  }
  if (options_.test_hooks) {
    if (const char* max = std::getenv("DRIFTD_TEST_MAX_WATCHES")) watcher_->limit_watches_for_test(std::strtoull(max, nullptr, 10));
  }
  watcher_->watch_selection();
  if (!watcher_->watch_aux(directory_of(config_.baseline))) {
    daemon_log("cannot watch " + directory_of(config_.baseline) + " for baseline installs (SIGHUP reloads it)");
  }
  metrics_.set_watches(watcher_->watches(), watcher_->failures());
  if (watcher_->unwatched()) {
    daemon_log("out of inotify watches: " + std::to_string(watcher_->watches()) + " placed, at least " +
               std::to_string(watcher_->unwatched()) +
               " more needed (raise fs.inotify.max_user_watches); those directories are covered by rescans only");
  }
}

void Daemon::baseline_invalid(const std::string& reason) {
  const auto& last = baseline_.current();
  metrics_.set_baseline(false, last ? last->meta.created : 0);
  if (baseline_.mark_invalid(reason)) {
    daemon_log("baseline not valid: " + reason +
               (last ? "; still comparing with the last valid one (serial " + std::to_string(last->meta.serial) + ")"
                     : "; nothing to compare with until a valid baseline is installed"));
  }
  if (pusher_) pusher_->push_soon();
}

void Daemon::load_baseline(const std::string& why) {
  const InstalledBaseline::Outcome o = baseline_.load(config_.baseline, config_.public_key, config_.node);
  if (!o.accepted) return baseline_invalid(o.reason);
  const Baseline& b = *baseline_.current();
  if (o.serial_raised) {
    save_state(config_.state_dir + "/" + kHighestSerialFile, std::to_string(baseline_.highest_serial()) + "\n",
               "the baseline serial");
  }
  metrics_.set_baseline(true, b.meta.created);
  if (o.replaced) {
    daemon_log("baseline serial " + std::to_string(b.meta.serial) + " (" + std::to_string(b.entries.size()) +
               " entries, key " + baseline_.key_id() + ") loaded: " + why);
  }
  trim_heap();
  if (have_current_) evaluate(true);
  else if (!rescan_.running()) start_full_rescan();
  if (pusher_) pusher_->push_soon();
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
  current_ = std::move(r.entries);
  current_snapshots_ = std::move(r.snapshots);
  have_current_ = true;
  metrics_.set_full_scan(current_.size(), static_cast<double>(wall_ns()) / 1e9, done.seconds, r.incomplete);
  daemon_log("full check: " + std::to_string(current_.size()) + " entries, " + std::to_string(r.bytes_hashed) +
             " bytes hashed in " + std::to_string(done.seconds).substr(0, 5) + " s, " +
             std::to_string(r.incomplete) + " incomplete");
  // Changes seen while the scan ran may be older or newer than what it read:
  // read them again on top of it.
  if (!done.dirty.empty()) {
    const std::vector<RecheckScope>& scopes = done.dirty;
    ScanOptions o;
    o.keep_content = keep_changed_content(baseline_.current());
    ScanResult fresh = scan_paths(config_, scopes, o);
    replace_scoped(&current_, scopes, std::move(fresh.entries));
    current_snapshots_.merge(fresh.snapshots);
  }
  trim_heap();  // the scan's threads leave freed arenas behind
  if (watcher_ && watcher_->ok()) {
    watcher_->watch_selection();  // heal watches lost to replaced directories
    metrics_.set_watches(watcher_->watches(), watcher_->failures());
  }
  evaluate(true);
  run_exports_checks();
  const auto interval = watcher_ && watcher_->unwatched()
                            ? std::min(config_.rescan_interval, Millis(300000))  // what inotify cannot see
                            : config_.rescan_interval;
  next_rescan_ = Clock::now() + interval;
  if (rescan_.take_again()) start_full_rescan();
}

void Daemon::recheck_pending() {
  std::vector<RecheckScope> scopes;
  // A subtree scope covers the paths below it; keep the outermost.
  for (const auto& [path, self_only] : pending_) {
    if (!scopes.empty() && !scopes.back().self_only && path_is_under(path, scopes.back().path)) continue;
    scopes.push_back({path, self_only});
  }
  pending_.clear();
  const auto first = *first_event_;
  first_event_.reset();
  rescan_.note_dirty(scopes);
  if (!have_current_ || !baseline_.current()) return;
  ScanOptions o;
  o.keep_content = keep_changed_content(baseline_.current());
  ScanResult fresh = scan_paths(config_, scopes, o);
  note_replaced_file_rules(fresh.entries);
  if (restart_to_reconfine_) return;
  replace_scoped(&current_, scopes, std::move(fresh.entries));
  current_snapshots_.merge(fresh.snapshots);
  const bool evaluated = evaluate(false);
  if (evaluated) metrics_.observe_detection_latency(std::chrono::duration<double>(Clock::now() - first).count());
}

std::string Daemon::diff_for(const DriftTransition& t, const std::map<std::string, std::string>& before_snapshots) {
  if (t.cleared || !t.drift || !t.drift->after || t.drift->after->type != EntryType::kFile) return "";
  const Drift& d = *t.drift;
  if (d.kind == DriftKind::kChanged && !d.changed.has(Attr::kSha256)) return "";
  // The current content is only held when the snapshot policy allowed it now,
  // and the old one only when it allowed it when the baseline was made.
  auto after = current_snapshots_.find(hex_encode(d.after->sha256));
  if (!d.after->snapshot || after == current_snapshots_.end()) return "";
  std::string before_text;
  if (d.before) {
    if (!d.before->snapshot) return "";
    auto b = before_snapshots.find(hex_encode(d.before->sha256));
    if (b == before_snapshots.end()) return "";
    before_text = b->second;
  }
  const std::string label = escape_bytes(d.path());
  return unified_diff(before_text, after->second, d.before ? "baseline" + label : "/dev/null", "now" + label);
}

// Returns false when judging drift was put off (dpkg is running).
bool Daemon::evaluate(bool force_push) {
  const auto& baseline = baseline_.current();
  if (!baseline || !have_current_) return false;
  Comparison c = compare_entries(baseline->entries, current_, compare_policy_for(selection_from(config_)));
  bool busy = false;
  if (!c.drifts.empty()) {
    if (const std::string warning = dpkg_.refresh(config_.root); !warning.empty()) daemon_log(warning);
    busy = dpkg_.packages().db().busy();
  }
  const DpkgGate::Verdict verdict = dpkg_.decide(busy, Clock::now(), force_push);
  if (!verdict.log.empty()) daemon_log(verdict.log);
  if (!verdict.judge) {
    evaluate_again_at_ = verdict.again_at;
    return false;
  }
  force_push = verdict.force_push;
  evaluate_again_at_.reset();
  if (!c.drifts.empty()) dpkg_.packages().classify(*baseline, &c);
  std::vector<DriftTransition> transitions = tracker_.update(c);
  std::vector<DriftFact> facts;
  for (const auto& [path, r] : tracker_.state()) facts.push_back({r.path, r.kind, r.severity, r.cause});
  metrics_.set_drift(facts, config_.metrics_max_paths);

  std::set<std::string> wanted;
  for (const DriftTransition& t : transitions) {
    if (!t.cleared && t.drift && t.drift->before && t.drift->before->snapshot) wanted.insert(hex_encode(t.drift->before->sha256));
  }
  // The old contents come from the baseline file, read again only now
  // (holding every snapshot would cost tens of MB on a node's /etc).
  const std::map<std::string, std::string> before_snapshots =
      reread_snapshots(config_.baseline, baseline_.payload_sha256(), wanted);
  const int64_t now = wall_ns();
  std::vector<LokiEntry> lines;
  for (const DriftTransition& t : transitions) {
    const DriftRecord& r = t.record;
    if (!t.cleared) metrics_.count_drift_event({r.path, r.kind, r.severity, r.cause});
    daemon_log(std::string(t.cleared ? "cleared " : "drift ") + drift_kind_name(r.kind) + " [" +
                   severity_name(r.severity) + "] " + escape_bytes(r.path),
               {{"DRIFT_PATH", escape_bytes(r.path)}, {"DRIFT_KIND", drift_kind_name(r.kind)},
                {"DRIFT_SEVERITY", severity_name(r.severity)}, {"DRIFT_EVENT", t.cleared ? "cleared" : "drift"}});
    lines.push_back(
        drift_loki_entry(t, config_.node, now, diff_for(t, before_snapshots), config_.loki_max_diff_bytes));
  }
  spool_lines(lines);
  if (!transitions.empty()) save_state(config_.state_dir + "/drift-state", tracker_.save(), "the drift state");
  // Keep only the content of files that are still drifted.
  std::set<std::string> keep;
  for (const Drift& d : c.drifts) {
    if (d.after && d.after->snapshot) keep.insert(hex_encode(d.after->sha256));
  }
  std::erase_if(current_snapshots_, [&keep](const auto& kv) { return !keep.count(kv.first); });

  if (pusher_ && (force_push || !transitions.empty() || !pushed_once_)) {
    pusher_->push_soon();
    pushed_once_ = true;
  }
  notify_systemd("STATUS=" + std::to_string(tracker_.state().size()) + " paths in drift" +
                 (baseline_.valid() ? "" : "; baseline not valid: " + baseline_.problem()));
  return true;
}

// Loki lines go to the durable spool first; the Loki sink ships them from there.
// Lines the spool cannot write wait in its memory (bounded) and are retried.
void Daemon::spool_lines(const std::vector<LokiEntry>& lines) {
  if (lines.empty()) return;
  if (!spool_ok_) {
    spool_.count_dropped(lines.size());  // no spool since start: nowhere to keep them
    daemon_log("spool unavailable: " + std::to_string(lines.size()) + " Loki lines dropped");
    update_write_metrics();
    return;
  }
  const bool was_holding = spool_.held() > 0;
  SpoolDrops dropped;
  std::string err;
  if (!spool_.append(lines, &dropped, &err)) {
    if (!was_holding) {
      daemon_log("spool: " + err + ": holding Loki lines in memory until state_dir can be written (at most " +
                 std::to_string(Spool::kMaxHeldLines) + " lines, " + std::to_string(Spool::kMaxHeldBytes >> 20) + " MiB)");
    }
    if (!retry_writes_at_) retry_writes_at_ = Clock::now() + kRetryWrites;
  } else if (was_holding) {
    daemon_log("spool: written again, the Loki lines held in memory are spooled");
  }
  if (dropped.spool_full) daemon_log("spool full (spool.max_bytes): dropped the " + std::to_string(dropped.spool_full) + " oldest lines");
  if (dropped.memory_full) {
    daemon_log("spool: more than the in-memory bound waits for state_dir: dropped the " +
               std::to_string(dropped.memory_full) + " oldest held lines");
  }
  update_write_metrics();
  if (loki_) loki_->wake();
}

// A state file write that fails (state_dir full) is kept and retried, so the
// state on disk catches up once space returns.
void Daemon::save_state(const std::string& path, const std::string& content, const std::string& what) {
  std::string err;
  if (write_file_atomically(path, content, 0600, &err)) {
    if (unsaved_.erase(path)) daemon_log("saved " + what + " again");
  } else {
    if (!unsaved_.count(path)) daemon_log("cannot save " + what + ": " + err + " (retrying every few seconds)");
    unsaved_[path] = content;
    if (!retry_writes_at_) retry_writes_at_ = Clock::now() + kRetryWrites;
  }
  update_write_metrics();
}

void Daemon::retry_writes() {
  retry_writes_at_.reset();
  const uint64_t held = spool_.held();
  const size_t unsaved = unsaved_.size();
  if (held) {
    SpoolDrops dropped;
    std::string err;
    if (spool_.flush_held(&dropped, &err)) {
      daemon_log("spool: written again, " + std::to_string(held) + " Loki lines held in memory are spooled");
      if (loki_) loki_->wake();
    }
    if (dropped.spool_full) daemon_log("spool full (spool.max_bytes): dropped the " + std::to_string(dropped.spool_full) + " oldest lines");
  }
  for (auto it = unsaved_.begin(); it != unsaved_.end();) {
    std::string err;
    if (write_file_atomically(it->first, it->second, 0600, &err)) {
      daemon_log("saved " + it->first + " again");
      it = unsaved_.erase(it);
    } else {
      ++it;
    }
  }
  if (spool_.held() || !unsaved_.empty()) retry_writes_at_ = Clock::now() + kRetryWrites;
  update_write_metrics();
  if ((held != spool_.held() || unsaved != unsaved_.size()) && pusher_) pusher_->push_soon();
}

void Daemon::update_write_metrics() {
  metrics_.set_spool(spool_.entries(), spool_.held(), spool_.dropped_total());
  metrics_.set_state_unsaved(unsaved_.size());
}

// Runs the checks, sets the metrics, and sends each new violation (and each
// that went away) to Loki, as drift is sent: through the spool.
void Daemon::run_exports_checks() {
  if (!config_.exports.enabled) return;
  const ExportsReport report = check_exports(config_.exports, config_.root);
  exports_files_ = report.files_read;
  if (watcher_ && watcher_->ok()) {
    // Every file's directory, and the directories read themselves
    // (exports.d, nfs.conf.d), so a file appearing there is seen too: these
    // watches alone tell driftd when to run the checks again, whether the
    // selection covers the files or not. Every run, so a directory removed and
    // made again (/var/lib/nfs on a reinstall) is watched again; on a live
    // watch this changes nothing.
    std::set<std::string> dirs;
    for (const std::string& f : report.files_read) {
      const std::string read = read_path_for(config_.root, f);
      struct stat st;
      if (::stat(read.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dirs.insert(read);
      dirs.insert(read_path_for(config_.root, directory_of(f)));
    }
    for (const std::string& dir : dirs) watcher_->watch_aux(dir);
  }
  const ExportsUpdate u = exports_.update(report.violations, confinement_.landlock_abi > 0);
  metrics_.set_exports(exports_.critical_counts());
  const int64_t ts = wall_ns();
  std::vector<LokiEntry> lines;
  for (const ExportsTransition& t : u.transitions) {
    const ExportsViolation& v = t.violation;
    const std::string where = escape_bytes(v.file) + (v.line ? ":" + std::to_string(v.line) : "");
    daemon_log(std::string(t.cleared ? "exports: cleared " : "exports: ") + where + ": " + v.rule + ": " + v.message,
               {{"DRIFT_PATH", escape_bytes(v.file)}, {"DRIFT_KIND", "exports"},
                {"DRIFT_SEVERITY", v.critical ? "critical" : "warning"}, {"DRIFT_EVENT", t.cleared ? "cleared" : "exports"}});
    lines.push_back(exports_loki_entry(v, t.cleared, config_.node, ts));
  }
  for (const std::string& file : u.restart_for) {
    daemon_log(escape_bytes(file) + " cannot be read now; it may have been replaced and Landlock follows inodes: "
               "restarting to confine afresh (exit 75)");
    restart_to_reconfine_ = true;
  }
  if (u.changed) save_state(config_.state_dir + "/" + kExportsStateName, exports_.save(), "the exports state");
  spool_lines(lines);
  if (pusher_ && (u.changed || !pushed_once_)) pusher_->push_soon();
}

// The drift and exports states of the last run, so a restart does not
// announce known drift again; a bad file is set aside, never a reason to stop.
void Daemon::load_states() {
  const int64_t now = wall_ns() / 1000000000;
  auto load = [&](const std::string& name, const std::function<StateLoad(const std::string&)>& loader) {
    const StateFileRead r = read_state_file(config_.state_dir + "/" + name, loader, now);
    if (!r.message.empty()) daemon_log(r.message);
  };
  load(kDriftStateName, [this](const std::string& text) { return tracker_.load(text); });
  if (config_.exports.enabled) load(kExportsStateName, [this](const std::string& text) { return exports_.load(text); });
}

void Daemon::reload_config() {
  Config next;
  if (!load_config_file(&next)) {
    daemon_log("SIGHUP: config not reloaded, keeping the running one");
    return;
  }
  const bool sinks_changed = next.pushgateway_url != config_.pushgateway_url || next.loki_url != config_.loki_url ||
                             next.node != config_.node || next.pushgateway_job != config_.pushgateway_job;
  config_ = std::move(next);
  daemon_log("SIGHUP: config reloaded from " + config_.source);
  if (sinks_changed) {
    if (pusher_) pusher_->stop();
    if (loki_) loki_->stop(std::chrono::milliseconds(0));
    pusher_.reset();
    loki_.reset();
    exposer_.reset();
    start_sinks();
  }
  dpkg_.forget();  // root may have changed; dpkg's database is read again
  place_watches();
  load_baseline("SIGHUP");
  start_full_rescan();
}

void Daemon::handle_signal(int sig, bool* quit) {
  if (sig == SIGTERM || sig == SIGINT) *quit = true;
  else if (sig == SIGHUP) reload_config();
  else if (sig == SIGUSR1 && options_.test_hooks) { paused_ = true; daemon_log("test hook: inotify reader paused"); }
  else if (sig == SIGUSR2 && options_.test_hooks) { paused_ = false; daemon_log("test hook: inotify reader resumed"); }
}

void Daemon::shutdown() {
  // The last push and Loki's last chance first: a cancelled rescan may still
  // take a while to finish the walk at idle priority, and systemd's stop
  // timeout must not cost the final state. Its result is dropped anyway.
  rescan_.cancel();
  if (retry_writes_at_) retry_writes();
  if (const uint64_t held = spool_.held()) {
    spool_.count_dropped(held);
    daemon_log("exiting with state_dir still unwritable: " + std::to_string(held) + " Loki lines held in memory are lost");
  }
  for (const auto& [path, content] : unsaved_) daemon_log("exiting with " + path + " still unsaved");
  update_write_metrics();
  exposer_.reset();
  if (pusher_) pusher_->stop();  // one last push of the latest state
  if (loki_) loki_->stop(std::chrono::milliseconds(3000));  // the rest stays spooled
  rescan_.join();
  daemon_log("exiting");
}

int Daemon::run() {
  // Signals arrive on a signalfd; block them before any thread exists so
  // every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  const int sfd = ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);

  if (!load_config_file(&config_)) return kExitUsage;
  if (!make_dirs(config_.state_dir, 0700)) {
    daemon_log("cannot create state_dir " + config_.state_dir + ": " + std::strerror(errno));
    return kExitIo;
  }
  http_global_init();
  {
    // The rollback floor install keeps too; one that does not parse refuses
    // every baseline (fail closed) until the operator looks.
    std::string err;
    uint64_t floor = 0;
    if (!read_highest_serial(config_.state_dir, &floor, &err)) daemon_log(err);
    baseline_.set_floor(floor, err);
  }
  // Confine before any thread starts: Landlock and seccomp apply to the
  // calling thread and what it creates afterwards.
  confinement_ = confine_daemon(config_, options_.config_path);
  daemon_log("confinement: " + confinement_.summary);

  load_states();
  std::string err;
  spool_ok_ = spool_.open(config_.state_dir + "/spool", config_.spool_max_bytes, &err);
  if (!spool_ok_) daemon_log("spool unavailable, Loki lines cannot be kept: " + err);
  start_sinks();
  daemon_log("driftd " + std::string(kToolVersion) + " on node " + escape_bytes(config_.node) + ", config " +
             config_.source + ", root " + config_.root);
  place_watches();
  load_baseline("start");
  run_exports_checks();
  if (!baseline_.current()) metrics_.set_drift({}, config_.metrics_max_paths);
  // Ready once the watches are placed, baseline or not: the first full check
  // may run long at idle priority.
  notify_systemd("READY=1\nSTATUS=watching " + std::to_string(watcher_ ? watcher_->watches() : 0) + " directories");
  if (pusher_ && !baseline_.current()) pusher_->push_soon();  // baseline_valid 0 is news too
  next_rescan_ = Clock::now() + config_.rescan_interval;
  if (!rescan_.running()) start_full_rescan();

  const uint64_t watchdog_usec = systemd_watchdog_usec();
  auto next_watchdog = Clock::now();
  bool quit = false;
  while (!quit && !restart_to_reconfine_) {
    const auto now = Clock::now();
    auto deadline = next_rescan_;
    if (first_event_) deadline = std::min(deadline, *first_event_ + config_.debounce);
    if (watchdog_usec) deadline = std::min(deadline, next_watchdog);
    if (evaluate_again_at_) deadline = std::min(deadline, *evaluate_again_at_);
    if (exports_due_) deadline = std::min(deadline, *exports_due_);
    if (retry_writes_at_) deadline = std::min(deadline, *retry_writes_at_);
    const long long wait_ms =
        std::max<long long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1);
    struct pollfd fds[3] = {{sfd, POLLIN, 0}, {rescan_.fd(), POLLIN, 0}, {-1, POLLIN, 0}};
    if (watcher_ && watcher_->ok() && !paused_) fds[2].fd = watcher_->fd();
    const int n = ::poll(fds, 3, static_cast<int>(std::min<long long>(wait_ms, 3600000)));
    if (n < 0 && errno != EINTR) {
      daemon_log(std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (fds[0].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (::read(sfd, &si, sizeof si) == sizeof si) handle_signal(static_cast<int>(si.ssi_signo), &quit);
    }
    if (fds[1].revents & POLLIN) finish_full_rescan();
    if (fds[2].fd >= 0 && (fds[2].revents & POLLIN)) {
      WatchEvents ev;
      const size_t watches_before = watcher_->watches();
      watcher_->read_events(&ev);  // drops the watches of directories moved away
      metrics_.add_inotify_events(ev.events);
      for (const std::string& dir : ev.new_dirs) watcher_->watch_tree(dir);  // at once, before files land in it
      if (!ev.new_dirs.empty() || watcher_->watches() != watches_before) {
        metrics_.set_watches(watcher_->watches(), watcher_->failures());
      }
      for (const RecheckScope& s : ev.scopes) {
        auto [it, inserted] = pending_.emplace(s.path, s.self_only);
        if (!inserted) it->second = it->second && s.self_only;  // a subtree wins
      }
      if (!ev.scopes.empty() && !first_event_) first_event_ = Clock::now();
      for (const std::string& p : ev.aux_paths) {
        if (base_name(p) == base_name(config_.baseline) && directory_of(p) == directory_of(config_.baseline)) {
          load_baseline("installed");
        }
        if (config_.exports.enabled) {
          for (const std::string& f : exports_files_) {
            if (read_path_for(config_.root, f) == p || path_is_under(p, read_path_for(config_.root, f))) {
              exports_due_ = Clock::now() + config_.debounce;
            }
          }
        }
      }
      if (ev.overflow) {
        daemon_log("inotify queue overflowed: events were lost, running a full check");
        start_full_rescan();
      }
    }
    const auto after = Clock::now();
    if (first_event_ && after >= *first_event_ + config_.debounce) recheck_pending();
    if (exports_due_ && after >= *exports_due_) {
      exports_due_.reset();
      run_exports_checks();
    }
    if (retry_writes_at_ && after >= *retry_writes_at_) retry_writes();
    if (evaluate_again_at_ && after >= *evaluate_again_at_) {
      evaluate_again_at_.reset();
      evaluate(false);
    }
    if (after >= next_rescan_) {
      next_rescan_ = after + config_.rescan_interval;
      start_full_rescan(/*periodic=*/true);
    }
    if (watchdog_usec && after >= next_watchdog) {
      notify_systemd("WATCHDOG=1");
      next_watchdog = after + std::chrono::microseconds(watchdog_usec / 2);
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
