// A test helper, not a test: prints the heartbeat and baseline Loki entries
// agent/loki_lines builds, as one JSON object ({"labels", "ts", "line"}), so
// the report's real-Loki test (tests/daemon/report.sh) pushes the lines driftd
// will write beside those a real driftd wrote.
//   soak_lines heartbeat NODE TS_NS SERIAL ENTRIES LAST_CHECK_NS VERSION
//   soak_lines baseline NODE TS_NS SERIAL CREATED_S KEY_ID
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/loki_lines.h"

int main(int argc, char** argv) {
  using namespace drift;
  const std::string what = argc > 1 ? argv[1] : "";
  auto num = [&](int i) { return std::strtoll(argv[i], nullptr, 10); };
  LokiEntry e;
  if (what == "heartbeat" && argc == 8) {
    e = heartbeat_loki_entry(HeartbeatFacts{static_cast<uint64_t>(num(4)), static_cast<uint64_t>(num(5)), num(6), argv[7]},
                             argv[2], num(3));
  } else if (what == "baseline" && argc == 7) {
    e = baseline_loki_entry(BaselineFacts{static_cast<uint64_t>(num(4)), num(5), argv[6]}, argv[2], num(3));
  } else {
    std::fprintf(stderr, "usage: soak_lines heartbeat NODE TS SERIAL ENTRIES LAST_CHECK VERSION | baseline NODE TS SERIAL CREATED KEY_ID\n");
    return 2;
  }
  const nlohmann::json j = {{"labels", e.labels}, {"ts", std::to_string(e.ts_ns)}, {"line", e.line}};
  std::printf("%s\n", j.dump().c_str());
  return 0;
}
