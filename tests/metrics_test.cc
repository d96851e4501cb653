// The metrics' cause accounting: driftd_drift_files and driftd_drift_events_total
// by cause, and the package claims by proof (driftd_package_cause_files,
// driftd_package_causes_total), read back from the registry's text exposition
// as Pushgateway and a scrape see it. An unproven claim on a critical path is
// unexplained by cause and dpkg-database by proof; every proof series exists
// at 0 from the start, so a fresh node pushes the same families.
#include <doctest/doctest.h>

#include <optional>
#include <sstream>
#include <string>

#include "agent/metrics.h"

using namespace drift;

namespace {

// The value of the series NAME{LABELS} (labels as the serializer writes them,
// in its order), or nullopt when there is no such line.
std::optional<double> value_of(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

std::string proof_series(const char* name, const char* severity, const char* proof) {
  return std::string(name) + "{proof=\"" + proof + "\",severity=\"" + severity + "\"}";
}

}  // namespace

TEST_CASE("metrics: package claims are counted by proof beside the cause; every proof series starts at 0") {
  Metrics m;
  for (const char* name : {"driftd_package_cause_files", "driftd_package_causes_total"}) {
    for (const char* sev : {"critical", "warning"}) {
      for (const char* proof : kPackageProofs) {
        CAPTURE(proof_series(name, sev, proof));
        CHECK(value_of(m.text(), proof_series(name, sev, proof)) == 0.0);
      }
    }
  }
  const DriftFact proven{"/usr/bin/a", DriftKind::kChanged, Severity::kCritical, "package", "signed-archive"};
  const DriftFact unproven{"/usr/bin/b", DriftKind::kChanged, Severity::kCritical, "unexplained", "dpkg-database"};
  const DriftFact trusted{"/etc/c", DriftKind::kChanged, Severity::kWarning, "package", "dpkg-database"};
  const DriftFact hand{"/usr/bin/d", DriftKind::kChanged, Severity::kCritical, "unexplained", ""};
  m.set_drift({proven, unproven, trusted, hand}, 10);
  for (const DriftFact& f : {proven, unproven, trusted, hand}) m.count_drift_event(f);
  const std::string text = m.text();
  CHECK(value_of(text, proof_series("driftd_package_cause_files", "critical", "signed-archive")) == 1.0);
  CHECK(value_of(text, proof_series("driftd_package_cause_files", "critical", "dpkg-database")) == 1.0);
  CHECK(value_of(text, proof_series("driftd_package_cause_files", "warning", "dpkg-database")) == 1.0);
  CHECK(value_of(text, proof_series("driftd_package_cause_files", "critical", "none")) == 0.0);
  CHECK(value_of(text, proof_series("driftd_package_causes_total", "critical", "signed-archive")) == 1.0);
  CHECK(value_of(text, proof_series("driftd_package_causes_total", "critical", "dpkg-database")) == 1.0);
  CHECK(value_of(text, proof_series("driftd_package_causes_total", "warning", "dpkg-database")) == 1.0);
  CHECK(value_of(text, proof_series("driftd_package_causes_total", "warning", "signed-archive")) == 0.0);
  // The cause accounting is unchanged: the unproven claim and the hand edit are unexplained.
  CHECK(value_of(text, "driftd_drift_events_total{cause=\"unexplained\",kind=\"changed\",severity=\"critical\"}") == 2.0);
  CHECK(value_of(text, "driftd_drift_events_total{cause=\"package\",kind=\"changed\",severity=\"critical\"}") == 1.0);
  // The gauge is the state now: the claims cleared, the counter stays.
  m.set_drift({hand}, 10);
  const std::string after = m.text();
  CHECK(value_of(after, proof_series("driftd_package_cause_files", "critical", "signed-archive")) == 0.0);
  CHECK(value_of(after, proof_series("driftd_package_cause_files", "critical", "dpkg-database")) == 0.0);
  CHECK(value_of(after, proof_series("driftd_package_causes_total", "critical", "dpkg-database")) == 1.0);
}
