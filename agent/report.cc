// Reports. Both renderings walk the same comparison so they cannot disagree;
// every path goes through escape_bytes, and JSON is produced by nlohmann::json
// (which escapes quotes), so an odd file name can never break either.
#include "agent/report.h"

#include <nlohmann/json.hpp>

#include "agent/audit_attribution.h"
#include "lib/text_diff.h"
#include "baseline/escape.h"

namespace drift {
namespace {

const std::string* find_snapshot(const std::map<std::string, std::string>* snaps, const Entry* e) {
  if (!snaps || !e || !e->has_sha256) return nullptr;
  auto it = snaps->find(hex_encode(e->sha256));
  return it == snaps->end() ? nullptr : &it->second;
}

// A content diff when both sides (or the one side of an add/remove) have text.
std::string content_diff(const ReportInput& in, const Drift& d) {
  const std::string path = escape_bytes(d.path());
  const std::string* before = find_snapshot(in.before_snapshots, d.before);
  const std::string* after = find_snapshot(in.after_snapshots, d.after);
  switch (d.kind) {
    case DriftKind::kChanged:
      if (!d.changed.has(Attr::kSha256) || !before || !after) return "";
      return unified_diff(*before, *after, in.before_label + path, in.after_label + path);
    case DriftKind::kAdded:
      return after ? unified_diff("", *after, "/dev/null", in.after_label + path) : "";
    case DriftKind::kRemoved:
      return before ? unified_diff(*before, "", in.before_label + path, "/dev/null") : "";
  }
  return "";
}

}  // namespace

std::string cause_text(const DriftCause& cause) {
  if (!cause.package) return "unexplained";
  return "package " + escape_bytes(cause.package_name) + " " +
         (cause.version_before.empty() ? "(not installed)" : escape_bytes(cause.version_before)) + " -> " +
         (cause.version_now.empty() ? "(removed)" : escape_bytes(cause.version_now));
}

void add_cause_json(const DriftCause& cause, nlohmann::json* item) {
  (*item)["cause"] = cause.name();
  if (!cause.package) return;
  (*item)["package"] = escape_bytes(cause.package_name);
  auto version = [](const std::string& v) { return v.empty() ? nlohmann::json() : nlohmann::json(escape_bytes(v)); };
  (*item)["package_version_before"] = version(cause.version_before);
  (*item)["package_version_now"] = version(cause.version_now);
}

std::string render_text_report(const ReportInput& in) {
  const Comparison& c = *in.comparison;
  std::string out = in.title + "\n";
  for (const auto& [k, v] : in.facts) out += "  " + k + ": " + v + "\n";
  size_t critical = 0;
  for (const Drift& d : c.drifts) critical += d.severity == Severity::kCritical;
  out += "summary: " + std::to_string(in.entries) + " entries, " + std::to_string(c.added) + " added, " +
         std::to_string(c.removed) + " removed, " + std::to_string(c.changed) + " changed (" +
         std::to_string(critical) + " critical), " + std::to_string(in.incomplete.size()) +
         " incomplete\n";
  if (in.causes) {
    size_t package = 0;
    for (const Drift& d : c.drifts) package += d.cause.package;
    out += "causes: " + std::to_string(c.drifts.size() - package) + " unexplained, " + std::to_string(package) +
           " package\n";
  }
  for (const std::string& w : in.warnings) out += "warning: " + w + "\n";
  for (const Drift& d : c.drifts) {
    const Entry* e = d.after ? d.after : d.before;
    // Appended piece by piece (GCC 12 -O3 warns falsely on "\n" + std::string).
    out += '\n';
    out += drift_kind_name(d.kind);
    out += " [";
    out += severity_name(d.severity);
    out += "] ";
    out += escape_bytes(d.path());
    out += " (";
    out += entry_type_name(e->type);
    out += ")\n";
    if (in.causes) out += "  cause: " + cause_text(d.cause) + "\n";
    if (in.actors) out += "  actor: " + actor_text((*in.actors)[static_cast<size_t>(&d - c.drifts.data())]) + "\n";
    if (d.kind == DriftKind::kChanged) {
      for (const auto& info : kAttributes) {
        if (!d.changed.has(info.attr)) continue;
        out += "  " + std::string(info.label) + ": " + attr_value_text(*d.before, info.attr) + " -> " +
               attr_value_text(*d.after, info.attr) + "\n";
      }
    }
    const std::string diff = content_diff(in, d);
    if (!diff.empty()) {
      for (size_t pos = 0; pos < diff.size();) {
        const size_t nl = diff.find('\n', pos);
        // Diff lines are host file content: no raw control bytes on the operator's terminal.
        out += "    " + escape_control_bytes(std::string_view(diff).substr(pos, nl - pos)) + "\n";
        pos = nl == std::string::npos ? diff.size() : nl + 1;
      }
    }
  }
  if (!in.incomplete.empty()) {
    out += "\nincomplete (scan could not read these; drift bits above still stand):\n";
    for (const Entry* e : in.incomplete) {
      out += "  " + std::string(entry_status_name(e->status)) + " " + escape_bytes(e->path) + "\n";
    }
  }
  out += "exit code " + std::to_string(in.exit_code) + "\n";
  return out;
}

nlohmann::json changed_attributes_json(const Drift& d) {
  nlohmann::json changed = nlohmann::json::object();
  for (const auto& info : kAttributes) {
    if (d.changed.has(info.attr)) {
      changed[info.token] = {{"old", attr_value_text(*d.before, info.attr)},
                             {"new", attr_value_text(*d.after, info.attr)}};
    }
  }
  return changed;
}

std::string render_json_report(const ReportInput& in) {
  using nlohmann::json;
  const Comparison& c = *in.comparison;
  json summary = json::object();
  for (const auto& [k, v] : in.facts) summary[k] = v;
  size_t critical = 0;
  for (const Drift& d : c.drifts) critical += d.severity == Severity::kCritical;
  summary["entries"] = in.entries;
  summary["added"] = c.added;
  summary["removed"] = c.removed;
  summary["changed"] = c.changed;
  summary["critical"] = critical;
  summary["incomplete"] = in.incomplete.size();
  if (in.causes) {
    size_t package = 0;
    for (const Drift& d : c.drifts) package += d.cause.package;
    summary["causes"] = {{"unexplained", c.drifts.size() - package}, {"package", package}};
  }
  summary["exit_code"] = in.exit_code;
  json drift = json::array();
  for (const Drift& d : c.drifts) {
    const Entry* e = d.after ? d.after : d.before;
    json item = {{"path", escape_bytes(d.path())},
                 {"kind", drift_kind_name(d.kind)},
                 {"severity", severity_name(d.severity)},
                 {"type", entry_type_name(e->type)}};
    if (in.causes) add_cause_json(d.cause, &item);
    if (in.actors) item["actor"] = actor_json((*in.actors)[static_cast<size_t>(&d - c.drifts.data())], in.actors_argv);
    if (d.kind == DriftKind::kChanged) {
      item["changed"] = changed_attributes_json(d);
    } else if (e->has_sha256) {
      item["sha256"] = hex_encode(e->sha256);
    }
    const std::string diff = content_diff(in, d);
    if (!diff.empty()) item["diff"] = diff;
    drift.push_back(std::move(item));
  }
  json incomplete = json::array();
  for (const Entry* e : in.incomplete) {
    incomplete.push_back({{"path", escape_bytes(e->path)}, {"status", entry_status_name(e->status)}});
  }
  json doc = {{"summary", summary}, {"drift", drift}, {"incomplete", incomplete}, {"warnings", in.warnings}};
  // The diff text is escaped by the JSON encoder; replace invalid UTF-8 rather than throw.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace drift
