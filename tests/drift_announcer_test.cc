// Announcing drift transitions (agent/drift_announcer.h): one Loki line per
// transition with the node and kind labels, an event counted only for a
// path entering drift (never for a clear), nothing at all for no transition,
// and no actor when audit is off.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "agent/drift_announcer.h"

using namespace drift;

namespace {
DriftTransition transition(const std::string& path, bool cleared) {
  DriftTransition t;
  t.cleared = cleared;
  t.record.path = path;
  t.record.kind = DriftKind::kChanged;
  t.record.severity = Severity::kCritical;
  return t;
}

// The value of driftd_drift_events_total for critical changed unexplained drift.
std::string critical_changed_events(const Metrics& m) {
  const std::string text = m.text();
  for (size_t at = text.find("driftd_drift_events_total{"); at != std::string::npos;
       at = text.find("driftd_drift_events_total{", at + 1)) {
    const std::string line = text.substr(at, text.find('\n', at) - at);
    if (line.find("severity=\"critical\"") != std::string::npos && line.find("kind=\"changed\"") != std::string::npos &&
        line.find("cause=\"unexplained\"") != std::string::npos) {
      return line.substr(line.rfind(' ') + 1);
    }
  }
  return "absent";
}
}  // namespace

TEST_CASE("DriftAnnouncer: a line per transition, an event only for entering drift") {
  Metrics metrics;
  DaemonSources sources(&metrics, [](const std::string&) {});
  DriftAnnouncer a(&metrics, &sources);
  Config c;
  c.node = "n1";
  CHECK(a.announce({}, c, {}, {}, 5).empty());
  CHECK(critical_changed_events(metrics) == "0");

  const std::vector<LokiEntry> lines =
      a.announce({transition("/etc/a", false), transition("/etc/b", true)}, c, {}, {}, 1000000000);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].labels.at("node") == "n1");
  CHECK(lines[0].ts_ns == 1000000000);
  const nlohmann::json first = nlohmann::json::parse(lines[0].line);
  const nlohmann::json second = nlohmann::json::parse(lines[1].line);
  CHECK(first.at("path") == "/etc/a");
  CHECK_FALSE(first.contains("actor"));  // audit off
  CHECK(second.at("path") == "/etc/b");
  CHECK(critical_changed_events(metrics) == "1");  // the clear is not an event
}
