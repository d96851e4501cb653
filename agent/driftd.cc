// driftd: the per-node daemon. Thin: options in, run_daemon out.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "agent/check.h"
#include "agent/confine.h"
#include "agent/config.h"
#include "agent/daemon.h"
#include "agent/exit_codes.h"
#include "lib/memory_policy.h"

namespace {

const char* kUsage =
    "usage: driftd [--config FILE] [--root DIR]\n"
    "       driftd --version | --help\n"
    "\n"
    "driftd watches a node's files against its signed baseline: a full check at start and\n"
    "every rescan_interval, inotify in between (drift seen in well under a second), drift\n"
    "metrics PUT to Pushgateway and served on `listen`, content diffs pushed to Loki through\n"
    "a durable spool. It runs in the foreground (systemd unit, DaemonSet) and confines itself\n"
    "(no_new_privs, seccomp, Landlock) after start-up.\n"
    "\n"
    "options:\n"
    "  --config FILE   the config (default /etc/driftd/config.yaml when it exists, else the\n"
    "                  embedded default that `driftctl config show` prints)\n"
    "  --root DIR      read the host's files under DIR, record host paths (the DaemonSet: /host)\n"
    "  --version       print the version\n"
    "\n"
    "files:\n"
    "  /etc/driftd/config.yaml           the config; public_key (/etc/driftd/baseline.pub) verifies\n"
    "  /var/lib/driftd                   state_dir: baseline.drift (installed by `driftctl baseline\n"
    "                                    install`, picked up without a restart), spool/, drift-state,\n"
    "                                    highest-serial, loki-dead-letter.jsonl; the only place written\n"
    "\n"
    "signals:\n"
    "  SIGHUP          reload the config and the baseline\n"
    "  SIGTERM, SIGINT push the latest metrics, give Loki 3 s to take the spool, exit 0\n"
    "\n"
    "exit status:\n"
    "  0   stopped by SIGTERM or SIGINT\n"
    "  16  bad usage or config (the message names the key and line)\n"
    "  20  cannot create or write state_dir\n"
    "  75  a watched file rule was replaced and Landlock follows inodes: restart me (the unit\n"
    "      and the DaemonSet do)\n"
    "A missing or invalid baseline is not an exit: driftd runs, reports driftd_baseline_valid 0\n"
    "and loads a good baseline as soon as one is installed.\n";

const char* errno_name(int e) {
  switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case ENOTSUP: return "ENOTSUP";
    default: return std::strerror(e);
  }
}

// Test hook: applies the daemon's confinement exactly as the daemon does and
// reports what each denied operation answers, one "name: ERRNO" per line.
int probe_confinement(const std::string& config_path, const std::string& root, const char* read_denied,
                      const char* write_denied, const char* read_allowed) {
  drift::Config c;
  std::string err;
  if (!drift::load_config(config_path, &c, &err)) { std::fprintf(stderr, "%s\n", err.c_str()); return drift::kExitUsage; }
  if (!root.empty()) c.root = root;
  const drift::ConfineReport report = drift::confine_daemon(c, config_path);
  std::printf("summary: %s\nlandlock_abi: %d\n", report.summary.c_str(), report.landlock_abi);
  struct { struct file_handle h; unsigned char bytes[128]; } handle{};
  handle.h.handle_bytes = 128;
  int mount_id = 0;
  errno = 0;
  std::printf("name_to_handle_at: %s\n",
              errno_name(::syscall(SYS_name_to_handle_at, AT_FDCWD, c.state_dir.c_str(), &handle.h, &mount_id, 0) == 0 ? 0 : errno));
  const int mount_fd = ::open(c.state_dir.c_str(), O_RDONLY | O_DIRECTORY);
  errno = 0;
  const long fd = ::syscall(SYS_open_by_handle_at, mount_fd, &handle.h, O_RDONLY);
  std::printf("open_by_handle_at: %s\n", errno_name(fd >= 0 ? 0 : errno));
  auto try_open = [](const char* path, int flags) {
    const int f = ::open(path, flags | O_CLOEXEC, 0600);
    const int e = f >= 0 ? 0 : errno;
    if (f >= 0) ::close(f);
    return errno_name(e);
  };
  std::printf("read_unconfigured: %s\n", try_open(read_denied, O_RDONLY));
  std::printf("write_outside_state_dir: %s\n", try_open(write_denied, O_WRONLY | O_CREAT));
  std::printf("read_configured: %s\n", try_open(read_allowed, O_RDONLY));
  std::printf("write_state_dir: %s\n", try_open((c.state_dir + "/probe").c_str(), O_WRONLY | O_CREAT));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  drift::return_large_blocks_to_the_os();
  drift::DaemonOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) options.config_path = argv[++i];
    else if (a == "--root" && i + 1 < argc) options.root = argv[++i];
    else if (a == "--version") { std::printf("driftd %s\n", drift::kToolVersion); return 0; }
    else if (a == "--help" || a == "-h") { std::fputs(kUsage, stdout); return 0; }
    else if (a == "--probe-confinement" && i + 3 < argc) {
      return probe_confinement(options.config_path, options.root, argv[i + 1], argv[i + 2], argv[i + 3]);
    } else { std::fputs(kUsage, stderr); return drift::kExitUsage; }
  }
  const char* hooks = std::getenv("DRIFTD_TEST_HOOKS");
  options.test_hooks = hooks && std::string(hooks) == "1";
  return drift::run_daemon(options);
}
