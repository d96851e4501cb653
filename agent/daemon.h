// driftd's event loop: a full check at start and every rescan_interval (at
// idle priority, on its own thread), inotify re-checks of the paths that
// changed (debounced, at normal priority), drift transitions to the sinks.
#pragma once

#include <string>

namespace drift {

struct DaemonOptions {
  std::string config_path;  // empty: /etc/driftd/config.yaml, else the embedded default
  std::string root;         // overrides the config's root when set
  /// DRIFTD_TEST_HOOKS=1: SIGUSR1 pauses reading inotify, SIGUSR2 resumes (to
  /// force a queue overflow in tests without touching the machine's sysctls),
  /// and DRIFTD_TEST_MAX_WATCHES=N behaves as if max_user_watches allowed N.
  bool test_hooks = false;
};

/// Runs until SIGTERM/SIGINT (exit 0). Returns 16 for a config it cannot use.
int run_daemon(const DaemonOptions& options);

}  // namespace drift
