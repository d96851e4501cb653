// driftd: the per-node daemon. In this first cut it is a skeleton on the core's
// contracts: load the config, verify the installed baseline, run a check at
// start and every rescan_interval, log a one-line summary. inotify, the sinks
// and confinement arrive with the daemon issue. It blocks in sigtimedwait
// between checks: no polling, SIGTERM/SIGINT exit 0, SIGHUP reloads.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "agent/atomic_file.h"
#include "agent/check.h"
#include "agent/config.h"
#include "baseline/bundle.h"
#include "baseline/escape.h"
#include "baseline/signer.h"

namespace {

void log_line(const std::string& msg) { std::fprintf(stderr, "driftd: %s\n", msg.c_str()); }

// One check; returns false when there is no valid baseline (logged with the reason).
bool check_once(const drift::Config& c) {
  std::string err, bytes;
  drift::Key key;
  if (!drift::load_public_key(c.public_key, &key, &err)) { log_line("baseline not valid: " + err); return false; }
  if (!drift::read_whole_file(c.baseline, &bytes, &err)) { log_line("baseline not valid: " + err); return false; }
  drift::Baseline b;
  drift::SignatureInfo info;
  drift::BaselineError error;
  drift::BaselineReadOptions options;
  options.public_key = &key;
  if (!drift::read_baseline_bytes(bytes, options, &b, &info, &error, &err)) {
    log_line("baseline not valid: " + err);
    return false;
  }
  if (b.meta.node != c.node) {
    log_line("baseline not valid: made for node '" + drift::escape_bytes(b.meta.node) + "'");
    return false;
  }
  drift::CheckResult r = drift::run_check(c, b, drift::ScanOptions{});
  log_line("check: " + std::to_string(r.scan.entries.size()) + " entries, " +
           std::to_string(r.comparison.added) + " added, " + std::to_string(r.comparison.removed) +
           " removed, " + std::to_string(r.comparison.changed) + " changed, " +
           std::to_string(r.incomplete.size()) + " incomplete");
  for (const drift::Drift& d : r.comparison.drifts) {
    log_line(std::string(drift::drift_kind_name(d.kind)) + " [" + drift::severity_name(d.severity) + "] " +
             drift::escape_bytes(d.path()));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, root;
  bool once = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) config_path = argv[++i];
    else if (a == "--root" && i + 1 < argc) root = argv[++i];
    else if (a == "--once") once = true;
    else if (a == "--version") { std::printf("driftd %s\n", drift::kToolVersion); return 0; }
    else { std::fprintf(stderr, "usage: driftd [--config F] [--root DIR] [--once]\n"); return 16; }
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  for (;;) {
    drift::Config c;
    std::string err;
    if (!drift::load_config(config_path, &c, &err)) { log_line(err); return 16; }
    if (!root.empty()) c.root = root;
    ::mkdir(c.state_dir.c_str(), 0700);
    check_once(c);
    if (once) return 0;
    const auto ms = c.rescan_interval.count();
    struct timespec timeout = {static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000};
    for (;;) {
      const int sig = sigtimedwait(&signals, nullptr, &timeout);
      if (sig == SIGTERM || sig == SIGINT) { log_line("exiting"); return 0; }
      break;  // SIGHUP or the rescan timer: reload and check again
    }
  }
}
