// Check and diff reports: text for people, JSON for tools.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "audit/correlate.h"
#include "baseline/bundle.h"
#include "baseline/compare.h"
#include "semantic/expectations.h"

namespace drift {

/// The version of the JSON documents of check, diff, baseline show and expect
/// check, as their "schema" field says (README, Reports and --json). 1 had no
/// field and numbers as strings; 2 has JSON numbers, null for an absent hash,
/// raw times.
inline constexpr int kReportJsonSchema = 2;

/// One summary fact: its text for people, its JSON value for tools
/// (a number stays a number there; a time is its raw value).
struct ReportFact {
  ReportFact(std::string k, std::string t) : key(std::move(k)), text(t), value(std::move(t)) {}
  ReportFact(std::string k, std::string t, nlohmann::json v) : key(std::move(k)), text(std::move(t)), value(std::move(v)) {}
  std::string key, text;
  nlohmann::json value;
};

/// "2026-12-01 19:02:11 UTC": a time in the text reports (seconds since the epoch).
std::string readable_time(int64_t seconds);

/// The same with the nanoseconds when there are any: "2026-12-01 19:02:11.000000123 UTC".
std::string readable_time_ns(int64_t ns);

/// An attribute's value in a JSON report: numbers as JSON numbers, times as
/// integer nanoseconds since the epoch, mode as octal text ("0644"), an
/// absent hash or xattr set as null, xattrs as {name: "0xHEX"}.
nlohmann::json attr_value_json(const Entry& entry, Attr attr);

/// An attribute's value in a text report: attr_value_text, with times readable.
std::string attr_value_display(const Entry& entry, Attr attr);

struct ReportInput {
  const Comparison* comparison = nullptr;
  std::string title;                  // "check of k8s-node2 against baseline serial 3"
  std::vector<ReportFact> facts;      // summary key/values
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
/// changed, values as text (attr_value_text): driftd's Loki lines.
nlohmann::json changed_attributes_json(const Drift& drift);

/// The same with the values of attr_value_json: the JSON reports (schema 2).
nlohmann::json changed_attributes_typed_json(const Drift& drift);

/// Critical drift first, then the rest, each in path order.
std::string render_text_report(const ReportInput& input);
/// The same order; "schema": kReportJsonSchema at the top.
std::string render_json_report(const ReportInput& input);

}  // namespace drift
