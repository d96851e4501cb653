#include "agent/drift_tracker.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "agent/report.h"
#include "baseline/escape.h"

namespace drift {

using nlohmann::json;

namespace {

std::string fingerprint_of(const Drift& d) {
  std::string f = drift_kind_name(d.kind);
  f += ':' + std::to_string(d.changed.bits());
  if (const Entry* e = d.after) {
    f += ':' + std::string(1, static_cast<char>(e->type)) + ':' + std::to_string(e->mode) + ':' +
         std::to_string(e->uid) + ':' + std::to_string(e->gid) + ':' + e->target + ':' +
         (e->has_sha256 ? hex_encode(e->sha256) : "-");
    for (const auto& [name, value] : e->xattrs) f += ':' + name + '=' + hex_encode(reinterpret_cast<const uint8_t*>(value.data()), value.size());
  }
  return f;
}

std::string rfc3339_ns(int64_t ns) {
  const time_t secs = static_cast<time_t>(ns / 1000000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%09lldZ", static_cast<long long>(ns % 1000000000));
  return std::string(buf, n) + frac;
}

// Host content reaches a log line line by line with control bytes escaped, so
// a planted terminal escape is inert wherever the line is shown.
std::string escape_diff(const std::string& diff) {
  std::string out;
  size_t start = 0;
  while (start < diff.size()) {
    size_t end = diff.find('\n', start);
    if (end == std::string::npos) end = diff.size();
    out += escape_control_bytes(std::string_view(diff).substr(start, end - start));
    if (end < diff.size()) out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace

std::vector<DriftTransition> DriftTracker::update(const Comparison& comparison) {
  std::vector<DriftTransition> out;
  std::map<std::string, DriftRecord> next;
  for (const Drift& d : comparison.drifts) {
    DriftRecord r;
    r.path = d.path();
    r.kind = d.kind;
    r.severity = d.severity;
    r.changed = d.changed;
    r.cause = d.cause.name();
    // The cause is not part of the fingerprint: dpkg's database catching up
    // with files already written is not a new drift.
    r.fingerprint = fingerprint_of(d);
    auto old = state_.find(r.path);
    if (old == state_.end() || old->second.fingerprint != r.fingerprint) {
      out.push_back(DriftTransition{false, r, &d});
    }
    next.emplace(r.path, std::move(r));
  }
  for (auto& [path, record] : state_) {
    if (!next.count(path)) out.push_back(DriftTransition{true, record, nullptr});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const DriftTransition& a, const DriftTransition& b) { return a.record.path < b.record.path; });
  state_ = std::move(next);
  return out;
}

std::string DriftTracker::save() const {
  json j = json::array();
  for (const auto& [path, r] : state_) {
    j.push_back({{"path", escape_bytes(r.path)}, {"kind", drift_kind_name(r.kind)},
                 {"severity", severity_name(r.severity)}, {"changed", r.changed.bits()},
                 {"cause", r.cause}, {"fingerprint", escape_bytes(r.fingerprint)}});
  }
  return j.dump(1) + "\n";
}

bool DriftTracker::load(const std::string& text) {
  std::map<std::string, DriftRecord> loaded;
  try {
    for (const json& item : json::parse(text)) {
      DriftRecord r;
      if (!unescape_bytes(item.at("path").get<std::string>(), &r.path) ||
          !unescape_bytes(item.at("fingerprint").get<std::string>(), &r.fingerprint) ||
          !parse_severity(item.at("severity").get<std::string>(), &r.severity)) {
        return false;
      }
      const std::string kind = item.at("kind").get<std::string>();
      if (kind == "added") r.kind = DriftKind::kAdded;
      else if (kind == "removed") r.kind = DriftKind::kRemoved;
      else if (kind == "changed") r.kind = DriftKind::kChanged;
      else return false;
      r.cause = item.at("cause").get<std::string>();
      r.changed = AttrSet::from_bits(item.at("changed").get<uint32_t>());
      loaded.emplace(r.path, std::move(r));
    }
  } catch (const std::exception&) {
    return false;
  }
  state_ = std::move(loaded);
  return true;
}

std::string drift_log_line(const DriftTransition& t, const std::string& node, int64_t detected_ns,
                           const std::string& diff, uint64_t max_diff_bytes) {
  const DriftRecord& r = t.record;
  json j = {{"event", t.cleared ? "cleared" : "drift"},
            {"node", escape_bytes(node)},
            {"path", escape_bytes(r.path)},
            {"kind", drift_kind_name(r.kind)},
            {"severity", severity_name(r.severity)},
            {"cause", r.cause},
            {"detected_at", rfc3339_ns(detected_ns)}};
  if (!t.cleared && t.drift) {
    const Drift& d = *t.drift;
    add_cause_json(d.cause, &j);
    if (d.kind == DriftKind::kChanged) j["changed"] = changed_attributes_json(d);
    if (d.before && d.before->has_sha256) j["old_sha256"] = hex_encode(d.before->sha256);
    if (d.after && d.after->has_sha256) j["new_sha256"] = hex_encode(d.after->sha256);
    if (!diff.empty()) {
      const bool cut = diff.size() > max_diff_bytes;
      j["diff"] = escape_diff(cut ? diff.substr(0, max_diff_bytes) : diff);
      if (cut) j["diff_truncated"] = true;
    }
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace drift
