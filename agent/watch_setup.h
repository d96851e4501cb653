// Placing the daemon's inotify watches: the selection's directories, the
// baseline's directory (installs arrive there by rename), and what a full
// watch set would need beyond fs.inotify.max_user_watches, said once, with
// the metric, so the operator knows rescans cover the rest.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/config.h"
#include "agent/metrics.h"
#include "agent/watcher.h"

namespace drift {

/// A new watcher over config's selection. `max_watches_for_test` (0: none)
/// behaves as if max_user_watches allowed that many. Never null; ok() is
/// false when inotify is unavailable (said in the log: rescans only).
std::unique_ptr<Watcher> place_watches(const Config& config, uint64_t max_watches_for_test, Metrics* metrics,
                                       const std::function<void(const std::string&)>& log);

}  // namespace drift
