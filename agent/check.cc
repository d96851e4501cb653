// Check. The comparison needs the baseline's index only; snapshots are fetched
// afterwards for the few drifted files, so a check's memory is the index plus
// the drifted text, not every snapshot the baseline holds.
#include "agent/check.h"

#include <algorithm>
#include <memory>

#include "agent/runtime_scan.h"

namespace drift {

int CheckResult::exit_bits() const {
  return comparison.exit_bits() | (scan.incomplete ? kExitIncomplete : 0);
}

ComparePolicy compare_policy_for(const Selection& selection) {
  auto shared = std::make_shared<Selection>(selection);
  ComparePolicy policy;
  policy.ignored = [shared](const std::string& path) {
    const PathRule* r = shared->rule_for(path);
    return r ? r->ignore : AttrSet{};
  };
  policy.severity = [shared](const std::string& path) {
    const PathRule* r = shared->rule_for(path);
    return r ? r->severity : Severity::kWarning;
  };
  return policy;
}

bool content_changed_from(const std::vector<Entry>& before, const Entry& now) {
  auto it = std::lower_bound(before.begin(), before.end(), now.path,
                             [](const Entry& e, const std::string& p) { return e.path < p; });
  return it == before.end() || it->path != now.path || !it->has_sha256 || it->sha256 != now.sha256;
}

CheckResult run_check(const Config& config, const Baseline& baseline, ScanOptions options) {
  const std::vector<Entry>& before = baseline.entries;
  options.keep_content = [&before](const Entry& now) { return content_changed_from(before, now); };
  CheckResult result;
  result.scan = run_scan(config, options);
  add_runtime_state(config, &baseline, &result.scan);
  result.comparison =
      compare_entries(before, result.scan.entries, compare_policy_for(selection_from(config)));
  if (const std::string note = runtime_not_compared_note(result.comparison.runtime_only_before,
                                                         result.comparison.runtime_only_after);
      !note.empty()) {
    result.scan.warnings.push_back(note);
  }
  for (const Entry& e : result.scan.entries) {
    if (status_is_incomplete(e.status)) result.incomplete.push_back(&e);
  }
  return result;
}

std::vector<ExpectationViolation> check_expectations(const Config& config) {
  if (config.expect.empty()) return {};
  return evaluate_expectations(config.expect, config.node, root_file_source(config.root));
}

std::vector<std::string> snapshots_needed(const Comparison& comparison) {
  std::vector<std::string> shas;
  for (const Drift& d : comparison.drifts) {
    if (d.before && d.before->snapshot && d.before->has_sha256) shas.push_back(hex_encode(d.before->sha256));
  }
  return shas;
}

}  // namespace drift
