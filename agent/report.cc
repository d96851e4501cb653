// Reports. Both renderings walk the same comparison in the same order
// (critical first) so they cannot disagree; every path goes through
// escape_bytes, and JSON is produced by nlohmann::json (which escapes quotes),
// so an odd file name can never break either. Text shows times readable, JSON
// their raw values and numbers as numbers (schema 2).
#include "agent/report.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "agent/audit_attribution.h"
#include "lib/text_diff.h"
#include "baseline/escape.h"
#include "semantic/key_diff.h"

namespace drift {
namespace {

// The order both renderings list drift in: critical first, each group in the
// comparison's (path) order. Indexes, since actors are kept by drift index.
std::vector<size_t> report_order(const Comparison& c) {
  std::vector<size_t> order;
  for (size_t i = 0; i < c.drifts.size(); ++i) {
    if (c.drifts[i].severity == Severity::kCritical) order.push_back(i);
  }
  for (size_t i = 0; i < c.drifts.size(); ++i) {
    if (c.drifts[i].severity != Severity::kCritical) order.push_back(i);
  }
  return order;
}

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

// Key diffs of a changed file of a known format (semantic/formats.h) from its
// two snapshots. `why` says why there are none (no snapshot, a side that
// does not parse); nothing for other files.
struct KeysOfDrift {
  bool known = false;
  KeyDiff diff;
  std::string why;
};

KeysOfDrift key_diff_of(const ReportInput& in, const Drift& d) {
  KeysOfDrift k;
  if (d.kind != DriftKind::kChanged || !d.changed.has(Attr::kSha256)) return k;
  const Format format = format_for_path(d.path());
  if (format == Format::kNone) return k;
  k.known = true;
  const std::string* before = find_snapshot(in.before_snapshots, d.before);
  const std::string* after = find_snapshot(in.after_snapshots, d.after);
  if (!before || !after) {
    k.why = std::string("no key diff: no snapshot ") + (before ? "now" : "in the baseline");
    return k;
  }
  k.diff = diff_keys(*before, *after, format);
  if (!k.diff.ok()) k.why = "no key diff: " + k.diff.error;
  return k;
}

std::string key_change_text(const KeyChange& c) {
  std::string out = "  key ";
  out += key_op_name(c.op);
  out += " " + escape_bytes(c.key) + ": ";
  switch (c.op) {
    case KeyOp::kChanged: out += escape_bytes(c.old_value) + " -> " + escape_bytes(c.new_value); break;
    case KeyOp::kAdded: out += escape_bytes(c.new_value); break;
    case KeyOp::kRemoved: out += escape_bytes(c.old_value); break;
  }
  return out + "\n";
}

nlohmann::json key_changes_json(const KeyDiff& diff) {
  nlohmann::json keys = nlohmann::json::array();
  for (const KeyChange& c : diff.changes) {
    nlohmann::json j = {{"key", escape_bytes(c.key)}, {"op", key_op_name(c.op)}};
    j["old"] = c.op == KeyOp::kAdded ? nlohmann::json() : nlohmann::json(escape_bytes(c.old_value));
    j["new"] = c.op == KeyOp::kRemoved ? nlohmann::json() : nlohmann::json(escape_bytes(c.new_value));
    keys.push_back(std::move(j));
  }
  return keys;
}

}  // namespace

std::string expectations_text(const std::vector<ExpectationViolation>& violations) {
  if (violations.empty()) return "";
  size_t critical = 0;
  for (const ExpectationViolation& v : violations) critical += v.severity == Severity::kCritical;
  std::string out = "\nexpectations: " + std::to_string(violations.size()) + " violated (" + std::to_string(critical) +
                    " critical)\n";
  for (const ExpectationViolation& v : violations) {
    out += "  [";
    out += severity_name(v.severity);
    out += "] " + escape_bytes(v.file) + (v.line ? ":" + std::to_string(v.line) : "") + ": " + escape_bytes(v.rule) +
           ": " + escape_bytes(v.key) + ": expected " + escape_bytes(v.expected) + ", is " + escape_bytes(v.actual) + "\n";
  }
  return out;
}

nlohmann::json expectations_json(const std::vector<ExpectationViolation>& violations) {
  nlohmann::json out = nlohmann::json::array();
  for (const ExpectationViolation& v : violations) {
    out.push_back({{"rule", escape_bytes(v.rule)}, {"file", escape_bytes(v.file)}, {"line", v.line},
                   {"key", escape_bytes(v.key)}, {"expected", escape_bytes(v.expected)},
                   {"actual", escape_bytes(v.actual)}, {"severity", severity_name(v.severity)}});
  }
  return out;
}

std::string cause_text(const DriftCause& cause) {
  if (!cause.package && !cause.unproven_claim) return "unexplained";
  const std::string claim = "package " + escape_bytes(cause.package_name) + " " +
                            (cause.version_before.empty() ? "(not installed)" : escape_bytes(cause.version_before)) +
                            " -> " + (cause.version_now.empty() ? "(removed)" : escape_bytes(cause.version_now));
  if (cause.unproven_claim) return "unexplained (" + claim + " per dpkg's database only, on a critical path)";
  return claim;
}

std::string proof_text(const DriftCause& cause) {
  if (cause.proof.empty()) return "";
  std::string out = cause.proof;
  if (!cause.proof_chain.empty()) {
    out += ":";
    for (const std::string& link : cause.proof_chain) out += " " + escape_bytes(link);
  }
  if (!cause.proof_reason.empty()) out += " (" + escape_control_bytes(cause.proof_reason) + ")";
  return out;
}

void add_cause_json(const DriftCause& cause, nlohmann::json* item) {
  (*item)["cause"] = cause.name();
  if (!cause.package && !cause.unproven_claim) return;
  (*item)["package"] = escape_bytes(cause.package_name);
  auto version = [](const std::string& v) { return v.empty() ? nlohmann::json() : nlohmann::json(escape_bytes(v)); };
  (*item)["package_version_before"] = version(cause.version_before);
  (*item)["package_version_now"] = version(cause.version_now);
  if (cause.proof.empty()) return;
  (*item)["package_proof"] = cause.proof;
  if (!cause.proof_chain.empty()) {
    nlohmann::json chain = nlohmann::json::array();
    for (const std::string& link : cause.proof_chain) chain.push_back(escape_bytes(link));
    (*item)["package_proof_chain"] = std::move(chain);
  }
  if (!cause.proof_reason.empty()) (*item)["package_proof_reason"] = escape_control_bytes(cause.proof_reason);
  if (cause.unproven_claim) (*item)["package_claim_unproven"] = true;
}

std::string render_text_report(const ReportInput& in) {
  const Comparison& c = *in.comparison;
  std::string out = in.title + "\n";
  for (const ReportFact& f : in.facts) out += "  " + f.key + ": " + f.text + "\n";
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
  for (const size_t i : report_order(c)) {
    const Drift& d = c.drifts[i];
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
    if (in.causes && !d.cause.proof.empty()) out += "  package proof: " + proof_text(d.cause) + "\n";
    if (in.actors) out += "  actor: " + actor_text((*in.actors)[i]) + "\n";
    if (d.kind == DriftKind::kChanged) {
      for (const auto& info : kAttributes) {
        if (!d.changed.has(info.attr)) continue;
        out += "  " + std::string(info.label) + ": " + attr_value_display(*d.before, info.attr) + " -> " +
               attr_value_display(*d.after, info.attr) + "\n";
      }
    } else if (e->type == EntryType::kRuntime) {
      out += "  value: " + attr_value_text(*e, Attr::kValue) + "\n";
    }
    const KeysOfDrift keys = key_diff_of(in, d);
    for (const KeyChange& kc : keys.diff.changes) out += key_change_text(kc);
    if (!keys.why.empty()) out += "  " + escape_control_bytes(keys.why) + "\n";
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
  if (in.expectations) out += expectations_text(*in.expectations);
  out += "exit code " + std::to_string(in.exit_code) + "\n";
  return out;
}

std::string readable_time(int64_t seconds) {
  char buf[64];
  const time_t tt = static_cast<time_t>(seconds);
  struct tm tm;
  if (!gmtime_r(&tt, &tm)) return std::to_string(seconds);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string readable_time_ns(int64_t ns) {
  int64_t seconds = ns / 1000000000, rest = ns % 1000000000;
  if (rest < 0) {
    rest += 1000000000;
    --seconds;
  }
  std::string out = readable_time(seconds);
  if (rest == 0) return out;
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(rest));
  return out.insert(out.size() - 4, frac);  // before " UTC"
}

nlohmann::json attr_value_json(const Entry& e, Attr attr) {
  switch (attr) {
    case Attr::kUid: return e.uid;
    case Attr::kGid: return e.gid;
    case Attr::kSize: return e.size;
    case Attr::kMtime: return e.mtime_ns;
    case Attr::kCtime: return e.ctime_ns;
    case Attr::kInode: return e.inode;
    case Attr::kNlink: return e.nlink;
    case Attr::kSha256: return e.has_sha256 ? nlohmann::json(hex_encode(e.sha256)) : nlohmann::json();
    case Attr::kXattrs: {
      if (e.xattrs.empty()) return nullptr;
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [name, value] : e.xattrs) {
        out[escape_bytes(name)] = "0x" + hex_encode(reinterpret_cast<const uint8_t*>(value.data()), value.size());
      }
      return out;
    }
    default: return attr_value_text(e, attr);  // type, mode (octal text), target, value
  }
}

std::string attr_value_display(const Entry& e, Attr attr) {
  if (attr == Attr::kMtime) return readable_time_ns(e.mtime_ns);
  if (attr == Attr::kCtime) return readable_time_ns(e.ctime_ns);
  return attr_value_text(e, attr);
}

namespace {
// Each changed attribute's old and new value, as VALUE renders them.
template <class Value>
nlohmann::json changed_attributes(const Drift& d, Value value) {
  nlohmann::json changed = nlohmann::json::object();
  for (const auto& info : kAttributes) {
    if (d.changed.has(info.attr)) {
      changed[info.token] = {{"old", value(*d.before, info.attr)}, {"new", value(*d.after, info.attr)}};
    }
  }
  return changed;
}
}  // namespace

nlohmann::json changed_attributes_typed_json(const Drift& d) {
  return changed_attributes(d, [](const Entry& e, Attr a) { return attr_value_json(e, a); });
}

nlohmann::json changed_attributes_json(const Drift& d) {
  return changed_attributes(d, [](const Entry& e, Attr a) { return attr_value_text(e, a); });
}

std::string render_json_report(const ReportInput& in) {
  using nlohmann::json;
  const Comparison& c = *in.comparison;
  json summary = json::object();
  for (const ReportFact& f : in.facts) summary[f.key] = f.value;
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
  if (in.expectations) summary["expectations_violated"] = in.expectations->size();
  summary["exit_code"] = in.exit_code;
  json drift = json::array();
  for (const size_t i : report_order(c)) {
    const Drift& d = c.drifts[i];
    const Entry* e = d.after ? d.after : d.before;
    json item = {{"path", escape_bytes(d.path())},
                 {"kind", drift_kind_name(d.kind)},
                 {"severity", severity_name(d.severity)},
                 {"type", entry_type_name(e->type)}};
    if (in.causes) add_cause_json(d.cause, &item);
    if (in.actors) item["actor"] = actor_json((*in.actors)[i], in.actors_argv);
    if (d.kind == DriftKind::kChanged) {
      item["changed"] = changed_attributes_typed_json(d);
    } else if (e->has_sha256) {
      item["sha256"] = hex_encode(e->sha256);
    } else if (e->type == EntryType::kRuntime) {
      item["value"] = attr_value_text(*e, Attr::kValue);
    }
    const KeysOfDrift keys = key_diff_of(in, d);
    if (keys.known && keys.why.empty()) item["keys"] = key_changes_json(keys.diff);
    if (!keys.why.empty()) item["keys_error"] = escape_control_bytes(keys.why);
    const std::string diff = content_diff(in, d);
    if (!diff.empty()) item["diff"] = diff;
    drift.push_back(std::move(item));
  }
  // Reverted or touched: not drift, shown as information.
  json touched = json::array();
  for (const Drift& d : c.touched) {
    touched.push_back({{"path", escape_bytes(d.path())}, {"changed", changed_attributes_typed_json(d)}});
  }
  json incomplete = json::array();
  for (const Entry* e : in.incomplete) {
    incomplete.push_back({{"path", escape_bytes(e->path)}, {"status", entry_status_name(e->status)}});
  }
  json doc = {{"schema", kReportJsonSchema}, {"summary", summary}, {"drift", drift}, {"touched", touched}, {"incomplete", incomplete}, {"warnings", in.warnings}};
  if (in.expectations) doc["expectations"] = expectations_json(*in.expectations);
  // The diff text is escaped by the JSON encoder; replace invalid UTF-8 rather than throw.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace drift
