// Check and diff reports: text for people, JSON for tools.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "baseline/bundle.h"
#include "baseline/compare.h"

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
};

/// {attr: {"old": ..., "new": ...}} for the attributes a changed drift
/// changed: the same object in JSON reports and driftd's Loki lines.
nlohmann::json changed_attributes_json(const Drift& drift);

std::string render_text_report(const ReportInput& input);
std::string render_json_report(const ReportInput& input);

}  // namespace drift
