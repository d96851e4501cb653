// Text, Markdown and JSON writers of the soak report (see soak_render.h).
// Text and Markdown are drawn from the same tables (one list of rows each),
// so they cannot carry different numbers; JSON is built beside them from the
// same summary.
#include "soak/soak_render.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "baseline/escape.h"

namespace drift {

using nlohmann::json;

namespace {

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // cells hold Loki text raw: the writer escapes
};

const char* kActorClasses[] = {"session", "automation", "package", "unknown", "not_recorded"};
const char* kPathClasses[] = {"binaries", "ssh", "kubelet", "containerd", "cni", "systemd", "other_etc", "other"};

uint64_t count(const CountMap& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? 0 : it->second;
}
std::string num(uint64_t n) { return std::to_string(n); }

std::vector<std::string> path_class_columns(const SoakSummary& s) {
  std::vector<std::string> cols(std::begin(kPathClasses), std::end(kPathClasses));
  std::set<std::string> runtime;
  for (const NodeSummary& n : s.nodes()) {
    for (const auto& [k, v] : n.by_path_class) {
      if (k.rfind("runtime:", 0) == 0) runtime.insert(k);
    }
  }
  cols.insert(cols.end(), runtime.begin(), runtime.end());
  return cols;
}

std::vector<std::pair<std::string, uint64_t>> top_paths(const NodeSummary& n, size_t max) {
  std::vector<std::pair<std::string, uint64_t>> v(n.path_events.begin(), n.path_events.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  if (v.size() > max) v.resize(max);
  return v;
}

std::string median_text(const NodeSummary& n) {
  const auto m = n.median_revert_seconds();
  return m ? std::to_string(*m) + " s" : "-";
}

std::string holds_text(const DecisionRow& r) { return !r.holds ? "not decidable" : *r.holds ? "HOLDS" : "does not hold"; }

std::vector<Table> tables(const SoakSummary& s) {
  std::vector<Table> out;
  Table t{"Events per node", {"node", "events", "added", "removed", "changed", "runtime", "exports", "expectation",
                              "critical", "warning", "package", "unexplained", "reverted <= 60 min", "median time to revert",
                              "alive weeks", "baselines"}, {}};
  for (const NodeSummary& n : s.nodes()) {
    std::string serials;
    for (const BaselineSeen& b : n.baselines) serials += (serials.empty() ? "" : " ") + b.serial;
    t.rows.push_back({n.node, num(n.events), num(count(n.by_kind, "added")), num(count(n.by_kind, "removed")),
                      num(count(n.by_kind, "changed")), num(count(n.by_kind, "runtime")), num(count(n.by_kind, "exports")),
                      num(count(n.by_kind, "expectation")), num(count(n.by_severity, "critical")),
                      num(count(n.by_severity, "warning")), num(count(n.by_cause, "package")),
                      num(count(n.by_cause, "unexplained")), num(n.reverted_within), median_text(n),
                      num(n.alive_weeks()) + "/" + num(n.weeks.size()), serials.empty() ? "-" : serials});
  }
  out.push_back(t);
  Table a{"Events by actor class (not_recorded: no attribution in the line)", {"node"}, {}};
  for (const char* c : kActorClasses) a.header.push_back(c);
  for (const NodeSummary& n : s.nodes()) {
    std::vector<std::string> row = {n.node};
    for (const char* c : kActorClasses) row.push_back(num(count(n.by_class, c)));
    a.rows.push_back(row);
  }
  out.push_back(a);
  const std::vector<std::string> cols = path_class_columns(s);
  Table p{"Events by path class", {"node"}, {}};
  p.header.insert(p.header.end(), cols.begin(), cols.end());
  for (const NodeSummary& n : s.nodes()) {
    std::vector<std::string> row = {n.node};
    for (const std::string& c : cols) row.push_back(num(count(n.by_path_class, c)));
    p.rows.push_back(row);
  }
  out.push_back(p);
  Table w{"Events per ISO week (no data: no heartbeat that week)", {"node"}, {}};
  for (const std::string& name : s.weeks()) w.header.push_back(name);
  for (const NodeSummary& n : s.nodes()) {
    std::vector<std::string> row = {n.node};
    for (const WeekSummary& wk : n.weeks) row.push_back(wk.alive() ? num(wk.events) : wk.events ? num(wk.events) + " (no heartbeat)" : "no data");
    w.rows.push_back(row);
  }
  out.push_back(w);
  Table tp{"Top paths", {"node", "path", "events"}, {}};
  for (const NodeSummary& n : s.nodes()) {
    for (const auto& [path, c] : top_paths(n, 10)) tp.rows.push_back({n.node, path, num(c)});
  }
  out.push_back(tp);
  Table b{"Baselines installed", {"node", "serial", "created", "signer key id", "first loaded"}, {}};
  for (const NodeSummary& n : s.nodes()) {
    for (const BaselineSeen& x : n.baselines) {
      b.rows.push_back({n.node, x.serial, x.created.empty() ? "-" : x.created, x.key_id.empty() ? "-" : x.key_id, format_utc(x.loaded_ns)});
    }
  }
  out.push_back(b);
  return out;
}

std::string header_lines(const SoakSummary& s, const SoakSource& src, const char* bullet) {
  std::string out;
  out += std::string(bullet) + "range: " + format_utc(s.from_ns()) + " to " + format_utc(s.to_ns()) + " (" +
         num(s.weeks().size()) + " ISO weeks)\n";
  out += std::string(bullet) + "source: " + src.what + ", " + num(s.lines()) + " lines read";
  if (src.pieces) out += " in " + num(src.pieces) + " pieces, " + num(src.requests) + " requests";
  out += "\n";
  out += std::string(bullet) + "skipped: " + num(s.skipped_total());
  std::string reasons;
  for (const auto& [r, c] : s.skipped()) reasons += (reasons.empty() ? "" : ", ") + r + " " + num(c);
  if (!reasons.empty()) out += " (" + reasons + ")";
  out += "\n";
  if (s.lines() == 0) {
    out += std::string(bullet) + "no driftd line in the range: no data, which is not no drift\n";
  } else if (s.first_line_ns() > s.from_ns() + 86400LL * 1000000000) {
    out += std::string(bullet) + "no line at all before " + format_utc(s.first_line_ns()) +
           " (Loki's retention, or driftd not yet deployed): the weeks before are no data, not zero\n";
  }
  return out;
}

size_t columns(const std::string& s) {
  size_t cols = 0;  // code points, so UTF-8 names line up
  for (unsigned char c : s) cols += (c & 0xC0) != 0x80;
  return cols;
}

std::string pad(const std::string& s, size_t w) {
  const size_t cols = columns(s);
  return s + std::string(w > cols ? w - cols : 0, ' ');
}

}  // namespace

std::string markdown_cell(const std::string& s) {
  std::string out;
  for (char c : escape_control_bytes(s)) {
    if (std::string_view("\\|*_`[]<>#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string html_text(const std::string& s) {
  std::string out;
  for (char c : escape_control_bytes(s)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_soak_text(const SoakSummary& s, const SoakSource& src) {
  std::string out = "driftd soak report\n" + header_lines(s, src, "  ");
  for (const Table& t : tables(s)) {
    out += "\n" + t.title + ":\n";
    if (t.rows.empty()) {
      out += "  (none)\n";
      continue;
    }
    std::vector<std::vector<std::string>> cells = {t.header};
    for (const auto& r : t.rows) {
      std::vector<std::string> e;
      for (const std::string& c : r) e.push_back(escape_control_bytes(c));
      cells.push_back(e);
    }
    std::vector<size_t> width(t.header.size(), 0);
    for (const auto& r : cells) {
      for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], columns(r[i]));
    }
    for (const auto& r : cells) {
      std::string line = " ";
      for (size_t i = 0; i < r.size(); ++i) line += " " + pad(r[i], width[i]);
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }
  out += "\nDecision table (seed 004, C.3), evaluated on drift telemetry; the choice is the operator's:\n";
  for (const DecisionRow& r : s.decision()) {
    out += "  [" + holds_text(r) + "] " + r.row + ": " + r.observation + "\n";
    out += "      plan recommends: " + r.recommends + "\n";
    out += "      why: " + escape_control_bytes(r.why) + "\n";
    if (!r.undecidable.empty()) out += "      not decidable here: " + r.undecidable + "\n";
    for (const std::string& e : r.evidence) out += "      - " + escape_control_bytes(e) + "\n";
    if (r.evidence_left_out) out += "      - ... and " + num(r.evidence_left_out) + " more\n";
  }
  return out;
}

std::string render_soak_markdown(const SoakSummary& s, const SoakSource& src) {
  std::string out = "## Drift telemetry summary\n\n" + header_lines(s, src, "- ");
  for (const Table& t : tables(s)) {
    out += "\n### " + t.title + "\n\n";
    if (t.rows.empty()) {
      out += "(none)\n";
      continue;
    }
    std::string line = "|";
    for (const std::string& h : t.header) line += " " + markdown_cell(h) + " |";
    out += line + "\n|";
    for (size_t i = 0; i < t.header.size(); ++i) out += i ? " ---: |" : " --- |";
    out += "\n";
    for (const auto& r : t.rows) {
      line = "|";
      for (const std::string& c : r) line += " " + markdown_cell(c) + " |";
      out += line + "\n";
    }
  }
  out += "\n### Decision table (seed 004, C.3)\n\nEvaluated on drift telemetry only; the choice of outcome is the "
         "operator's.\n\n| row | holds | observation | plan recommends | why | not decidable from telemetry |\n"
         "| --- | --- | --- | --- | --- | --- |\n";
  for (const DecisionRow& r : s.decision()) {
    out += "| " + r.row + " | " + holds_text(r) + " | " + markdown_cell(r.observation) + " | " + markdown_cell(r.recommends) +
           " | " + markdown_cell(r.why) + " | " + markdown_cell(r.undecidable) + " |\n";
  }
  for (const DecisionRow& r : s.decision()) {
    if (r.evidence.empty()) continue;
    out += "\nEvidence for `" + r.row + "`:\n\n";
    for (const std::string& e : r.evidence) out += "- " + markdown_cell(e) + "\n";
    if (r.evidence_left_out) out += "- ... and " + num(r.evidence_left_out) + " more\n";
  }
  return out;
}

std::string render_soak_json(const SoakSummary& s) {
  json nodes = json::array();
  for (const NodeSummary& n : s.nodes()) {
    json weeks = json::array();
    for (const WeekSummary& w : n.weeks) {
      weeks.push_back({{"week", w.week}, {"start", format_utc(w.start_ns)}, {"events", w.events}, {"alive", w.alive()},
                       {"heartbeats", w.heartbeats}, {"lines", w.lines}, {"by_cause", w.by_cause}});
    }
    json top = json::array();
    for (const auto& [p, c] : top_paths(n, 10)) top.push_back({{"path", p}, {"events", c}});
    json baselines = json::array();
    for (const BaselineSeen& b : n.baselines) {
      baselines.push_back({{"serial", b.serial}, {"created", b.created.empty() ? json() : json(b.created)},
                           {"key_id", b.key_id.empty() ? json() : json(b.key_id)}, {"loaded", format_utc(b.loaded_ns)}});
    }
    const auto median = n.median_revert_seconds();
    json by_class = json::object();
    for (const char* c : kActorClasses) by_class[c] = count(n.by_class, c);
    nodes.push_back({{"node", n.node}, {"events", n.events}, {"lines", n.lines}, {"by_kind", n.by_kind},
                     {"by_severity", n.by_severity}, {"by_cause", n.by_cause}, {"by_class", by_class},
                     {"by_path_class", n.by_path_class}, {"weeks", weeks}, {"alive_weeks", n.alive_weeks()},
                     {"top_paths", top},
                     {"reverted", {{"within_seconds", kRevertWithinSeconds}, {"within", n.reverted_within},
                                   {"reverted", n.cleared}, {"accepted", n.accepted},
                                   {"median_seconds", median ? json(*median) : json()}}},
                     {"baselines", baselines},
                     {"first_line", n.first_ns ? json(format_utc(n.first_ns)) : json()},
                     {"last_heartbeat", n.last_heartbeat_ns ? json(format_utc(n.last_heartbeat_ns)) : json()},
                     {"version", n.last_version.empty() ? json() : json(n.last_version)}});
  }
  json decision = json::array();
  for (const DecisionRow& r : s.decision()) {
    decision.push_back({{"row", r.row}, {"holds", r.holds ? json(*r.holds) : json()}, {"observation", r.observation},
                        {"recommends", r.recommends}, {"why", r.why}, {"undecidable", r.undecidable},
                        {"evidence", r.evidence}, {"evidence_left_out", r.evidence_left_out}});
  }
  const json doc = {{"format", "driftd-report 1"},
                    {"range", {{"from", format_utc(s.from_ns())}, {"to", format_utc(s.to_ns())}, {"weeks", s.weeks()},
                               {"first_line", s.first_line_ns() ? json(format_utc(s.first_line_ns())) : json()}}},
                    {"lines", s.lines()},
                    {"nodes", nodes},
                    {"decision", decision},
                    {"skipped", {{"total", s.skipped_total()}, {"reasons", s.skipped()}}}};
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace drift
