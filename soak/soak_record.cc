// Reading driftd's Loki lines back (see soak_record.h). nlohmann's exceptions
// stop here: a line that does not parse is a skip reason, never a throw.
#include "soak/soak_record.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

namespace drift {

using nlohmann::json;

namespace {

constexpr size_t kProjectedCount = sizeof(kProjectedFields) / sizeof(kProjectedFields[0]);

// A field as text, whatever JSON type it has (numbers become their digits).
std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return it->dump(-1, ' ', false, json::error_handler_t::replace);
}

// The flat fields of a whole JSON line (the projected fields, by the same names).
bool fields_of_json(std::string_view line, std::map<std::string, std::string>* f) {
  json j = json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  for (const char* k : kProjectedFields) {
    if (std::strcmp(k, "actor_class") == 0 || std::strcmp(k, "line_kind") == 0) continue;
    const std::string v = text_of(j, k);
    if (!v.empty()) (*f)[k] = v;
  }
  if (auto a = j.find("actor"); a != j.end() && a->is_object()) {
    const std::string c = text_of(*a, "class");
    if (!c.empty()) (*f)["actor_class"] = c;
  }
  if (const std::string k = text_of(j, "kind"); !k.empty()) (*f)["line_kind"] = k;
  if (const std::string n = text_of(j, "node"); !n.empty()) (*f)["node"] = n;
  if (const std::string s = text_of(j, "severity"); !s.empty()) (*f)["severity"] = s;
  return true;
}

bool fields_of_projection(std::string_view line, std::map<std::string, std::string>* f) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    parts.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  if (parts.size() != kProjectedCount + 1 || parts[0] != kProjectedMarker) return false;
  for (size_t i = 0; i < kProjectedCount; ++i) {
    // Loki's template prints a missing field as "<no value>".
    if (!parts[i + 1].empty() && parts[i + 1] != "<no value>") (*f)[kProjectedFields[i]] = std::string(parts[i + 1]);
  }
  return true;
}

std::string get(const std::map<std::string, std::string>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? "" : it->second;
}

bool is_drift_kind(const std::string& k) { return k == "added" || k == "removed" || k == "changed"; }

}  // namespace

bool parse_rfc3339(std::string_view text, int64_t* ns) {
  struct tm tm = {};
  const std::string s(text);
  const char* rest = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!rest) return false;
  int64_t frac = 0;
  if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (*rest >= '0' && *rest <= '9') {
      if (digits < 9) frac = frac * 10 + (*rest - '0');
      ++digits;
      ++rest;
    }
    if (digits == 0) return false;
    for (; digits < 9; ++digits) frac *= 10;
  }
  int64_t offset = 0;
  if (*rest == 'Z' || *rest == 'z') {
    ++rest;
  } else if (*rest == '+' || *rest == '-') {
    int hh = 0, mm = 0;
    if (std::sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2) return false;
    offset = (hh * 3600 + mm * 60) * (*rest == '+' ? 1 : -1);
    rest += 6;
  } else {
    return false;
  }
  if (*rest != '\0') return false;
  *ns = (static_cast<int64_t>(timegm(&tm)) - offset) * 1000000000 + frac;
  return true;
}

std::string format_utc(int64_t ns) {
  const time_t secs = static_cast<time_t>(ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool read_soak_record(const std::map<std::string, std::string>& labels, int64_t ts_ns, std::string_view line,
                      SoakRecord* out, std::string* skip_reason) {
  auto skip = [&](const char* why) {
    *skip_reason = why;
    return false;
  };
  if (auto job = labels.find("job"); job != labels.end() && job->second != "driftd") return skip("not driftd's (job label)");
  if (labels.count("__error__")) return skip("not JSON (truncated, or another program's line)");
  std::map<std::string, std::string> f;
  const bool projected = line.substr(0, kProjectedMarker.size()) == kProjectedMarker;
  if (!(projected ? fields_of_projection(line, &f) : fields_of_json(line, &f))) {
    return skip(projected ? "projected line malformed (a raw tab in a field)" : "not JSON (truncated, or another program's line)");
  }
  SoakRecord r;
  const std::string v = get(f, "v");
  if (v.empty() || v == "1") {
    r.version = 1;
  } else if (v == "2") {
    r.version = 2;
  } else {
    return skip("unknown format version");
  }
  r.node = labels.count("node") ? labels.at("node") : get(f, "node");
  if (r.node.empty()) return skip("no node");
  r.kind = labels.count("kind") ? labels.at("kind") : get(f, "line_kind");
  r.severity = labels.count("severity") ? labels.at("severity") : get(f, "severity");
  r.path = get(f, "path");
  r.cause = get(f, "cause");
  r.actor_class = get(f, "actor_class");
  const std::string event = get(f, "event");
  if (is_drift_kind(r.kind) || r.kind == "runtime") {
    if (r.kind == "runtime") r.kind = is_drift_kind(get(f, "line_kind")) ? get(f, "line_kind") : "changed";
    if (event == "drift") r.type = SoakType::kDrift;
    else if (event == "cleared") r.type = SoakType::kCleared;
    else return skip("unknown event");
    if (r.path.empty()) return skip("missing field (path)");
  } else if (r.kind == "exports") {
    if (event == "exports-violation") r.type = SoakType::kExports;
    else if (event == "exports-cleared") r.type = SoakType::kExportsCleared;
    else return skip("unknown event");
  } else if (r.kind == "expectation") {
    if (r.path.empty()) r.path = get(f, "rule");
    if (event == "expectation-violation" || event == "violation") r.type = SoakType::kExpectation;
    else if (event == "expectation-cleared" || event == "cleared") r.type = SoakType::kExpectationCleared;
    else return skip("unknown event");
  } else if (r.kind == "heartbeat") {
    if (event != "heartbeat") return skip("unknown event");
    r.type = SoakType::kHeartbeat;
    r.serial = get(f, "baseline_serial");
    r.entries = std::strtoull(get(f, "entries").c_str(), nullptr, 10);
    r.tool_version = get(f, "version");
    r.last_full_check = get(f, "last_full_check");
  } else if (r.kind == "baseline") {
    if (event != "baseline") return skip("unknown event");
    r.type = SoakType::kBaseline;
    r.serial = get(f, "serial");
    r.created = get(f, "created");
    r.key_id = get(f, "key_id");
  } else {
    return skip("unknown kind");
  }
  // When it happened: a line re-sent after a long outage has a new Loki
  // timestamp and its detection time unchanged.
  r.ts_ns = ts_ns;
  int64_t detected = 0;
  if (const std::string d = get(f, "detected_at"); !d.empty() && parse_rfc3339(d, &detected)) {
    r.ts_ns = detected;
  } else if (const std::string d = get(f, "detected_at_ns"); !d.empty()) {
    char* end = nullptr;
    const long long n = std::strtoll(d.c_str(), &end, 10);
    if (end && *end == '\0' && n > 0) r.ts_ns = n;
  }
  *out = std::move(r);
  return true;
}

}  // namespace drift
