// The exports state and its transitions (see exports_tracker.h).
#include "agent/exports_tracker.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "agent/walker.h"
#include "baseline/escape.h"
#include "baseline/selection.h"
#include "lib/paths.h"

namespace drift {
namespace {

using nlohmann::json;

// A violation's identity: the same rule at the same place with the same text.
std::string identity(const ExportsViolation& v) {
  return v.rule + '\0' + v.path + '\0' + v.file + '\0' + std::to_string(v.line) + '\0' + v.text;
}

}  // namespace

ExportsUpdate ExportsTracker::update(const std::vector<ExportsViolation>& violations, bool landlock) {
  std::map<std::string, ExportsViolation> now;
  for (const ExportsViolation& v : violations) now.emplace(identity(v), v);
  ExportsUpdate out;
  for (const auto& [key, v] : now) {
    if (known_.count(key)) continue;
    out.transitions.push_back({false, v});
    if (landlock && v.rule == kRuleUnreadable) out.restart_for.push_back(v.file);
  }
  for (const auto& [key, v] : known_) {
    if (!now.count(key)) out.transitions.push_back({true, v});
  }
  out.changed = !out.transitions.empty() || known_.size() != now.size();
  known_ = std::move(now);
  return out;
}

std::map<std::pair<std::string, std::string>, int> ExportsTracker::critical_counts() const {
  std::map<std::pair<std::string, std::string>, int> out;
  for (const auto& [key, v] : known_) {
    if (v.critical) ++out[{v.rule, v.path}];
  }
  return out;
}

std::string ExportsTracker::save() const {
  json all = json::array();
  for (const auto& [key, v] : known_) {
    all.push_back({{"rule", v.rule}, {"path", escape_bytes(v.path)}, {"file", escape_bytes(v.file)}, {"line", v.line},
                   {"text", escape_bytes(v.text)}, {"message", v.message}, {"critical", v.critical}});
  }
  return state_header(kExportsStateName, kExportsStateVersion) +
         all.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

StateLoad ExportsTracker::load(const std::string& text) {
  int version = 0;
  std::string_view body;
  if (!split_state_header(text, kExportsStateName, &version, &body)) return StateLoad::kCorrupt;
  if (version < 1 || version > kExportsStateVersion) return StateLoad::kUnknownVersion;
  std::map<std::string, ExportsViolation> loaded;
  try {
    const json all = json::parse(body);
    if (!all.is_array()) return StateLoad::kCorrupt;
    for (const json& j : all) {
      ExportsViolation v;
      v.rule = j.at("rule").get<std::string>();
      v.line = j.at("line").get<int>();
      v.message = j.at("message").get<std::string>();
      v.critical = j.at("critical").get<bool>();
      if (!unescape_bytes(j.at("path").get<std::string>(), &v.path) ||
          !unescape_bytes(j.at("file").get<std::string>(), &v.file) ||
          !unescape_bytes(j.at("text").get<std::string>(), &v.text)) {
        return StateLoad::kCorrupt;
      }
      loaded.emplace(identity(v), std::move(v));
    }
  } catch (const std::exception&) {
    return StateLoad::kCorrupt;
  }
  known_ = std::move(loaded);
  return StateLoad::kLoaded;
}

std::set<std::string> exports_watch_dirs(const std::vector<std::string>& files_read, const std::string& root) {
  std::set<std::string> dirs;
  for (const std::string& f : files_read) {
    const std::string read = read_path_for(root, f);
    struct stat st;
    if (::stat(read.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dirs.insert(read);
    dirs.insert(read_path_for(root, directory_of(f)));
  }
  return dirs;
}

bool exports_input_changed(const std::string& read_path, const std::vector<std::string>& files_read,
                           const std::string& root) {
  for (const std::string& f : files_read) {
    const std::string read = read_path_for(root, f);
    if (read == read_path || path_is_under(read_path, read)) return true;
  }
  return false;
}

}  // namespace drift
