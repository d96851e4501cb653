// The expectation state and its transitions (see expectation_tracker.h). A
// violation's identity is rule, file and key: the same rule failing with
// another value is the same violation (its newest value is kept), so a value
// flapping between two wrong settings is not a stream of new violations.
#include "agent/expectation_tracker.h"

#include <nlohmann/json.hpp>

#include "baseline/escape.h"
#include "baseline/selection.h"
#include "lib/paths.h"

namespace drift {
namespace {

using nlohmann::json;

}  // namespace

ExpectationUpdate ExpectationTracker::update(const std::vector<ExpectationViolation>& violations) {
  std::map<std::string, ExpectationViolation> now;
  for (const ExpectationViolation& v : violations) now.emplace(v.identity(), v);
  ExpectationUpdate out;
  for (const auto& [key, v] : now) {
    auto it = known_.find(key);
    if (it == known_.end()) {
      out.transitions.push_back({false, v});
    } else if (it->second.actual != v.actual || it->second.line != v.line) {
      out.changed = true;
    }
  }
  for (const auto& [key, v] : known_) {
    if (!now.count(key)) out.transitions.push_back({true, v});
  }
  out.changed = out.changed || !out.transitions.empty();
  known_ = std::move(now);
  return out;
}

std::map<std::pair<std::string, std::string>, int> ExpectationTracker::counts() const {
  std::map<std::pair<std::string, std::string>, int> out;
  for (const auto& [key, v] : known_) ++out[{v.rule, v.file}];
  return out;
}

bool ExpectationTracker::ok() const {
  for (const auto& [key, v] : known_) {
    if (v.severity == Severity::kCritical) return false;
  }
  return true;
}

std::string ExpectationTracker::save() const {
  json all = json::array();
  for (const auto& [key, v] : known_) {
    // Stored as the report shows them (escaped once), read back as such.
    all.push_back({{"rule", v.rule}, {"file", v.file}, {"line", v.line}, {"key", v.key},
                   {"expected", v.expected}, {"actual", v.actual}, {"severity", severity_name(v.severity)}});
  }
  return state_header(kExpectationStateName, kExpectationStateVersion) +
         all.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

StateLoad ExpectationTracker::load(const std::string& text) {
  int version = 0;
  std::string_view body;
  if (!split_state_header(text, kExpectationStateName, &version, &body)) return StateLoad::kCorrupt;
  if (version != kExpectationStateVersion) return StateLoad::kUnknownVersion;
  std::map<std::string, ExpectationViolation> loaded;
  try {
    const json all = json::parse(body);
    if (!all.is_array()) return StateLoad::kCorrupt;
    for (const json& j : all) {
      ExpectationViolation v;
      v.rule = j.at("rule").get<std::string>();
      v.file = j.at("file").get<std::string>();
      v.line = j.at("line").get<int>();
      v.key = j.at("key").get<std::string>();
      v.expected = j.at("expected").get<std::string>();
      v.actual = j.at("actual").get<std::string>();
      if (!parse_severity(j.at("severity").get<std::string>(), &v.severity)) return StateLoad::kCorrupt;
      loaded.emplace(v.identity(), std::move(v));
    }
  } catch (const json::exception&) {
    return StateLoad::kCorrupt;
  }
  known_ = std::move(loaded);
  return StateLoad::kLoaded;
}

bool expectation_reads(const Expectation& rule, const std::string& host_path) {
  if (host_path == rule.file) return true;
  switch (rule.format) {
    case Format::kSshd: return path_is_under(host_path, "/etc/ssh");
    case Format::kSysctl: return format_for_path(host_path) == Format::kSysctl;
    case Format::kToml: return path_is_under(host_path, directory_of(rule.file));
    default: return false;
  }
}

}  // namespace drift
