#include "agent/drift_tracker.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

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

json changed_tokens(AttrSet changed) {
  json out = json::array();
  for (const AttrInfo& a : kAttributes) {
    if (changed.has(a.attr)) out.push_back(a.token);
  }
  return out;
}

// Version 1 stored the bit mask, version 2 the tokens; an unknown token is a
// corrupt file, never a guess.
bool parse_changed(const json& j, int version, AttrSet* out) {
  if (version == 1) {
    *out = AttrSet::from_bits(j.get<uint32_t>());
    return true;
  }
  AttrSet s;
  for (const json& token : j) {
    Attr a;
    if (!parse_attr(token.get<std::string>(), &a)) return false;
    s.add(a);
  }
  *out = s;
  return true;
}

bool parse_kind(const std::string& kind, DriftKind* out) {
  if (kind == "added") *out = DriftKind::kAdded;
  else if (kind == "removed") *out = DriftKind::kRemoved;
  else if (kind == "changed") *out = DriftKind::kChanged;
  else return false;
  return true;
}

}  // namespace

const char* state_load_name(StateLoad load) {
  switch (load) {
    case StateLoad::kLoaded: return "loaded";
    case StateLoad::kUnknownVersion: return "of an unknown version";
    case StateLoad::kCorrupt: return "corrupt";
  }
  return "corrupt";
}

std::string state_header(std::string_view name, int version) {
  return "driftd " + std::string(name) + " " + std::to_string(version) + "\n";
}

bool split_state_header(std::string_view text, std::string_view name, int* version, std::string_view* body) {
  if (!text.starts_with("driftd ")) {
    *version = 1;
    *body = text;
    return true;
  }
  const size_t eol = text.find('\n');
  std::string_view line = text.substr(0, eol);
  line.remove_prefix(7);
  if (!line.starts_with(name) || line.size() <= name.size() + 1 || line[name.size()] != ' ') return false;
  const std::string_view number = line.substr(name.size() + 1);
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), *version);
  if (ec != std::errc() || end != number.data() + number.size()) return false;
  *body = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  return true;
}

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
    r.proof = d.cause.claim_proof();
    // The cause is not part of the fingerprint: dpkg's database catching up
    // with files already written is not a new drift.
    r.fingerprint = fingerprint_of(d);
    auto old = state_.find(r.path);
    if (old == state_.end() || old->second.fingerprint != r.fingerprint) {
      out.push_back(DriftTransition{false, r, &d});
    }
    next.emplace(r.path, std::move(r));
  }
  std::map<std::string, const Drift*> touched;
  for (const Drift& d : comparison.touched) touched.emplace(d.path(), &d);
  for (auto& [path, record] : state_) {
    if (next.count(path)) continue;
    auto t = touched.find(path);
    out.push_back(DriftTransition{true, record, nullptr, t == touched.end() ? nullptr : t->second});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const DriftTransition& a, const DriftTransition& b) { return a.record.path < b.record.path; });
  state_ = std::move(next);
  return out;
}

std::string DriftTracker::save() const {
  json j = json::array();
  for (const auto& [path, r] : state_) {
    json item = {{"path", escape_bytes(r.path)}, {"kind", drift_kind_name(r.kind)},
                 {"severity", severity_name(r.severity)}, {"changed", changed_tokens(r.changed)},
                 {"cause", r.cause}, {"fingerprint", escape_bytes(r.fingerprint)}};
    // Optional within version 2: absent means no package claim (files written
    // before it existed, and readers that predate it, agree on that).
    if (!r.proof.empty()) item["proof"] = r.proof;
    j.push_back(std::move(item));
  }
  return state_header(kDriftStateName, kDriftStateVersion) + j.dump(1) + "\n";
}

StateLoad DriftTracker::load(const std::string& text) {
  int version = 0;
  std::string_view body;
  if (!split_state_header(text, kDriftStateName, &version, &body)) return StateLoad::kCorrupt;
  if (version < 1 || version > kDriftStateVersion) return StateLoad::kUnknownVersion;
  std::map<std::string, DriftRecord> loaded;
  try {
    const json all = json::parse(body);
    if (!all.is_array()) return StateLoad::kCorrupt;
    for (const json& item : all) {
      DriftRecord r;
      if (!unescape_bytes(item.at("path").get<std::string>(), &r.path) ||
          !unescape_bytes(item.at("fingerprint").get<std::string>(), &r.fingerprint) ||
          !parse_severity(item.at("severity").get<std::string>(), &r.severity) ||
          !parse_kind(item.at("kind").get<std::string>(), &r.kind) ||
          !parse_changed(item.at("changed"), version, &r.changed)) {
        return StateLoad::kCorrupt;
      }
      r.cause = item.at("cause").get<std::string>();
      if (item.contains("proof")) {
        r.proof = item.at("proof").get<std::string>();
        if (r.proof != "signed-archive" && r.proof != "dpkg-database" && r.proof != "none") return StateLoad::kCorrupt;
      }
      loaded.emplace(r.path, std::move(r));
    }
  } catch (const std::exception&) {
    return StateLoad::kCorrupt;
  }
  state_ = std::move(loaded);
  return StateLoad::kLoaded;
}

}  // namespace drift
