// Watch placement and what it logs (see the header).
#include "agent/watch_setup.h"

#include <cerrno>
#include <cstring>

#include "lib/paths.h"

namespace drift {

std::unique_ptr<Watcher> place_watches(const Config& config, uint64_t max_watches_for_test, Metrics* metrics,
                                       const std::function<void(const std::string&)>& log) {
  auto watcher = std::make_unique<Watcher>(selection_from(config), config.root);
  if (!watcher->ok()) {
    log(std::string("inotify unavailable: ") + std::strerror(errno) + " (periodic rescans only)");
    return watcher;
  }
  if (max_watches_for_test) watcher->limit_watches_for_test(max_watches_for_test);
  watcher->watch_selection();
  if (!watcher->watch_aux(directory_of(config.baseline))) {
    log("cannot watch " + directory_of(config.baseline) + " for baseline installs (SIGHUP reloads it)");
  }
  metrics->set_watches(watcher->watches(), watcher->failures());
  if (watcher->unwatched()) {
    log("out of inotify watches: " + std::to_string(watcher->watches()) + " placed, at least " +
        std::to_string(watcher->unwatched()) +
        " more needed (raise fs.inotify.max_user_watches); those directories are covered by rescans only");
  }
  return watcher;
}

}  // namespace drift
