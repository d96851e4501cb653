// Loki lines, built in one place (see loki_lines.h): the label set, the
// drift line with its cut diff, the exports and expectation lines.
#include "agent/loki_lines.h"

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "agent/report.h"
#include "baseline/escape.h"
#include "lib/text_diff.h"

namespace drift {

using nlohmann::json;

namespace {

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

const char* severity_of(const ExportsViolation& v) { return v.critical ? "critical" : "warning"; }

}  // namespace

std::map<std::string, std::string> loki_labels(const std::string& node, const std::string& kind,
                                               const std::string& severity) {
  return {{"job", "driftd"}, {"node", escape_bytes(node)}, {"kind", kind}, {"severity", severity}};
}

std::string drift_content_diff(const DriftTransition& t, const std::map<std::string, std::string>& before,
                               const std::map<std::string, std::string>& after) {
  if (t.cleared || !t.drift || !t.drift->after || t.drift->after->type != EntryType::kFile) return "";
  const Drift& d = *t.drift;
  if (d.kind == DriftKind::kChanged && !d.changed.has(Attr::kSha256)) return "";
  auto now = after.find(hex_encode(d.after->sha256));
  if (!d.after->snapshot || now == after.end()) return "";
  std::string before_text;
  if (d.before) {
    if (!d.before->snapshot) return "";
    auto b = before.find(hex_encode(d.before->sha256));
    if (b == before.end()) return "";
    before_text = b->second;
  }
  const std::string label = escape_bytes(d.path());
  return unified_diff(before_text, now->second, d.before ? "baseline" + label : "/dev/null", "now" + label);
}

std::string drift_log_line(const DriftTransition& t, const std::string& node, int64_t detected_ns,
                           const std::string& diff, uint64_t max_diff_bytes, const nlohmann::json* actor) {
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
  if (!t.cleared && actor) j["actor"] = *actor;
  if (t.cleared && t.touched) j["touched"] = changed_attributes_json(*t.touched);  // reverted: what moved
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string exports_log_line(const ExportsViolation& v, bool cleared, const std::string& node, int64_t detected_ns) {
  const json j = {{"event", cleared ? "exports-cleared" : "exports-violation"},
                  {"node", escape_bytes(node)}, {"rule", v.rule}, {"path", escape_bytes(v.path)},
                  {"file", escape_bytes(v.file)}, {"line", v.line}, {"text", escape_bytes(v.text)},
                  {"message", v.message}, {"severity", severity_of(v)},
                  {"detected_at_ns", std::to_string(detected_ns)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string expectation_log_line(const ExpectationViolation& v, bool cleared, const std::string& node,
                                 int64_t detected_ns) {
  // rule and expected come from the config; file, key and actual from the
  // host (the evaluation has already redacted secret values).
  const json j = {{"event", cleared ? "expectation-cleared" : "expectation-violation"},
                  {"node", escape_bytes(node)}, {"rule", v.rule}, {"file", escape_bytes(v.file)}, {"line", v.line},
                  {"key", escape_bytes(v.key)}, {"expected", v.expected}, {"actual", escape_bytes(v.actual)},
                  {"severity", severity_name(v.severity)}, {"detected_at_ns", std::to_string(detected_ns)}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

LokiEntry drift_loki_entry(const DriftTransition& t, const std::string& node, int64_t detected_ns,
                           const std::string& diff, uint64_t max_diff_bytes, const nlohmann::json* actor) {
  LokiEntry e;
  e.labels = loki_labels(node, drift_kind_name(t.record.kind), severity_name(t.record.severity));
  e.ts_ns = detected_ns;
  e.line = drift_log_line(t, node, detected_ns, diff, max_diff_bytes, actor);
  return e;
}

LokiEntry exports_loki_entry(const ExportsViolation& v, bool cleared, const std::string& node, int64_t detected_ns) {
  LokiEntry e;
  e.labels = loki_labels(node, "exports", severity_of(v));
  e.ts_ns = detected_ns;
  e.line = exports_log_line(v, cleared, node, detected_ns);
  return e;
}

LokiEntry expectation_loki_entry(const ExpectationViolation& v, bool cleared, const std::string& node,
                                 int64_t detected_ns) {
  LokiEntry e;
  e.labels = loki_labels(node, "expectation", severity_name(v.severity));
  e.ts_ns = detected_ns;
  e.line = expectation_log_line(v, cleared, node, detected_ns);
  return e;
}

}  // namespace drift
