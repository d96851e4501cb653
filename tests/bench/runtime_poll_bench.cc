// CPU of one runtime poll against this machine's /proc (or PROC_ROOT): what
// driftd spends every runtime.interval. Prints the mean over N polls; never a
// test (nothing fails on time).
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>

#include "agent/runtime_poller.h"

namespace {
double cpu_seconds() {
  rusage r;
  getrusage(RUSAGE_SELF, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace drift;
  const int polls = argc > 1 ? std::atoi(argv[1]) : 2000;
  RuntimeConfig config;
  config.exclude = default_sysctl_excludes();
  if (const char* root = std::getenv("PROC_ROOT")) config.proc_root = root;
  RuntimePoller poller(config, KernelPackages{});
  poller.set_baseline(read_runtime_state(config, KernelPackages{}).entries);
  poller.poll();
  const double t0 = cpu_seconds();
  size_t transitions = 0;
  for (int i = 0; i < polls; ++i) transitions += poller.poll().size();
  const double per_poll_ms = (cpu_seconds() - t0) * 1000 / polls;
  const double interval_s = static_cast<double>(config.interval.count()) / 1000;
  std::printf("%zu runtime entries, %d polls: %.3f ms CPU per poll, %.3f ms CPU per second at %.0f s interval (%zu transitions)\n",
              poller.current().size(), polls, per_poll_ms, per_poll_ms / interval_s, interval_s, transitions);
  return 0;
}
