#include "agent/daemon_log.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#ifdef DRIFTD_WITH_SYSTEMD
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif

namespace drift {
namespace {

#ifdef DRIFTD_WITH_SYSTEMD
// JOURNAL_STREAM names the journal's stream as "dev:inode"; stderr is the
// journal only when its fstat matches (systemd's documented test).
bool stderr_is_journal() {
  const char* js = std::getenv("JOURNAL_STREAM");
  if (!js) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st;
  return fstat(2, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}
#endif

std::mutex log_mutex;

}  // namespace

void daemon_log(const std::string& message, const LogFields& fields) {
#ifdef DRIFTD_WITH_SYSTEMD
  static const bool journal = stderr_is_journal();
  if (journal) {
    std::vector<std::string> items{"MESSAGE=" + message, "PRIORITY=6", "SYSLOG_IDENTIFIER=driftd"};
    for (const auto& [name, value] : fields) items.push_back(name + "=" + value);
    std::vector<struct iovec> iov;
    for (std::string& item : items) iov.push_back({item.data(), item.size()});
    sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
    return;
  }
#endif
  (void)fields;
  std::lock_guard<std::mutex> lock(log_mutex);
  std::fprintf(stderr, "driftd: %s\n", message.c_str());
}

void notify_systemd(const std::string& state) {
#ifdef DRIFTD_WITH_SYSTEMD
  sd_notify(0, state.c_str());
#else
  (void)state;
#endif
}

uint64_t systemd_watchdog_usec() {
#ifdef DRIFTD_WITH_SYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) return usec;
#endif
  return 0;
}

}  // namespace drift
