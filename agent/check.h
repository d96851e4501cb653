// A check: scan the node and compare it with a baseline. Shared by
// `driftctl check` and driftd.
#pragma once

#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/scan.h"
#include "baseline/bundle.h"
#include "baseline/compare.h"
#include "agent/version.h"

namespace drift {

struct CheckResult {
  ScanResult scan;
  Comparison comparison;  // points into baseline.entries and scan.entries
  std::vector<const Entry*> incomplete;
  int exit_bits() const;
};

/// The compare policy of a config: ignored attributes and severity from the
/// most specific path rule.
ComparePolicy compare_policy_for(const Selection& selection);

/// True when `now`'s content differs from its record in `before` (sorted), or
/// it has none: the files whose current content a report or Loki line may diff.
bool content_changed_from(const std::vector<Entry>& before, const Entry& now);

/// Scans per config and compares with baseline. Keeps the current content of
/// snapshot-eligible files whose hash differs from the baseline (for diffs).
CheckResult run_check(const Config& config, const Baseline& baseline, ScanOptions options);

/// The config's `expect:` rules that apply on config.node, evaluated against
/// the files under config.root (the same for driftctl check, expect check and
/// driftd).
std::vector<ExpectationViolation> check_expectations(const Config& config);

/// Sha256 hex of the snapshots a report of this comparison needs from the baseline.
std::vector<std::string> snapshots_needed(const Comparison& comparison);

}  // namespace drift
