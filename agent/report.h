// Check and diff reports: text for people, JSON for tools.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audit/correlate.h"
#include "baseline/bundle.h"
#include "baseline/compare.h"
#include "semantic/expectations.h"

namespace drift {

struct ReportInput {
  const Comparison* comparison = nullptr;
  std::string title;                  // "check of k8s-node2 against baseline serial 3"
  std::vector<std::pair<std::string, std::string>> facts;  // summary key/values (strings)
  size_t entries = 0;                 // entries compared (current side)
  std::vector<const Entry*> incomplete;  // entries the scan could not read fully
  std::vector<std::string> warnings;
  const std::map<std::string, std::string>* before_snapshots = nullptr;
  const std::map<std::string, std::string>* after_snapshots = nullptr;
  std::string before_label = "baseline", after_label = "now";
  int exit_code = 0;
  bool causes = false;                // drifts carry a classified cause (package-aware check)
  /// Expectation violations (check): listed after the drift, `expectations` in JSON.
  const std::vector<ExpectationViolation>* expectations = nullptr;
  const std::vector<Attribution>* actors = nullptr;  // one per drift (audit.enabled), else none
  bool actors_argv = false;           // audit.argv: the actor carries the command line
};

/// The expectation violations as the text report lists them ("" when none).
std::string expectations_text(const std::vector<ExpectationViolation>& violations);

/// One JSON object per violation: rule, file, line, key, expected, actual, severity.
nlohmann::json expectations_json(const std::vector<ExpectationViolation>& violations);

/// "package kubelet 1.34.1-1.1 -> 1.34.2-1.1" or "unexplained": the cause as a report says it.
std::string cause_text(const DriftCause& cause);

/// "signed-archive: INRELEASE INDEX DEB" or "dpkg-database (why)"; "" when
/// no proof was sought.
std::string proof_text(const DriftCause& cause);

/// The cause fields of a drift's JSON object: "cause", and for package the
/// package and both versions (null for a version that does not exist), and
/// when a proof was sought package_proof, package_proof_chain or
/// package_proof_reason, and package_claim_unproven for a claim that counts
/// as unexplained.
void add_cause_json(const DriftCause& cause, nlohmann::json* item);

/// {attr: {"old": ..., "new": ...}} for the attributes a changed drift
/// changed: the same object in JSON reports and driftd's Loki lines.
nlohmann::json changed_attributes_json(const Drift& drift);

std::string render_text_report(const ReportInput& input);
std::string render_json_report(const ReportInput& input);

}  // namespace drift
