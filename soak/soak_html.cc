// The HTML soak report: one self-contained file that needs no network and no
// script (its Content-Security-Policy is default-src 'none' with inline
// styles allowed), the tables of the text report and two inline SVG charts
// drawn here: events per day per node stacked by cause (one series, a
// <g class="series">, per node) and a node x ISO week heat map where a week
// without a heartbeat is hatched "no data", never drawn as zero. Every string
// from Loki goes through html_text(), in text and in attributes alike.
#include <algorithm>
#include <cstdio>

#include "soak/soak_render.h"

namespace drift {
namespace {

constexpr int64_t kDay = 86400LL * 1000000000;

const std::vector<std::pair<std::string, std::string>>& cause_colours() {
  static const std::vector<std::pair<std::string, std::string>> k = {
      {"package", "#4e79a7"}, {"unexplained", "#e15759"}, {"not_recorded", "#9c755f"}};
  return k;
}

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string day_chart(const SoakSummary& s) {
  const int64_t first = (s.from_ns() / kDay) * kDay;
  const size_t days = static_cast<size_t>(std::max<int64_t>(1, (s.to_ns() - first + kDay - 1) / kDay));
  const double left = 160, width = 900, panel = 70, gap = 16;
  const double bar = (width - left - 10) / static_cast<double>(days);
  uint64_t peak = 1;
  for (const NodeSummary& n : s.nodes()) {
    for (const auto& [day, causes] : n.per_day) {
      uint64_t t = 0;
      for (const auto& [c, v] : causes) t += v;
      peak = std::max(peak, t);
    }
  }
  const double height = static_cast<double>(s.nodes().size()) * (panel + gap) + 40;
  std::string out = "<svg class=\"chart\" id=\"per-day\" width=\"" + fmt(width) +
                    "\" height=\"" + fmt(height) + "\" role=\"img\"><title>Drift events per day per node, stacked by cause</title>";
  double y0 = 10;
  for (const NodeSummary& n : s.nodes()) {
    out += "<g class=\"series\" data-node=\"" + html_text(n.node) + "\">";
    out += "<text x=\"4\" y=\"" + fmt(y0 + panel / 2) + "\" font-size=\"12\">" + html_text(n.node) + "</text>";
    out += "<line x1=\"" + fmt(left) + "\" y1=\"" + fmt(y0 + panel) + "\" x2=\"" + fmt(width - 10) + "\" y2=\"" +
           fmt(y0 + panel) + "\" stroke=\"#888\"/>";
    for (const auto& [day, causes] : n.per_day) {
      const double x = left + static_cast<double>((day - first) / kDay) * bar;
      double y = y0 + panel;
      for (const auto& [cause, colour] : cause_colours()) {
        auto it = causes.find(cause);
        if (it == causes.end() || it->second == 0) continue;
        const double h = panel * static_cast<double>(it->second) / static_cast<double>(peak);
        y -= h;
        out += "<rect x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" width=\"" + fmt(std::max(1.0, bar - 1)) + "\" height=\"" +
               fmt(h) + "\" fill=\"" + colour + "\"><title>" + html_text(n.node) + " " + format_utc(day).substr(0, 10) +
               ": " + std::to_string(it->second) + " " + cause + "</title></rect>";
      }
    }
    out += "</g>";
    y0 += panel + gap;
  }
  double lx = left;
  for (const auto& [cause, colour] : cause_colours()) {
    out += "<rect x=\"" + fmt(lx) + "\" y=\"" + fmt(y0 + 4) + "\" width=\"12\" height=\"12\" fill=\"" + colour +
           "\"/><text x=\"" + fmt(lx + 16) + "\" y=\"" + fmt(y0 + 14) + "\" font-size=\"12\">" + cause + "</text>";
    lx += 130;
  }
  out += "<text x=\"" + fmt(width - 200) + "\" y=\"" + fmt(y0 + 14) + "\" font-size=\"12\">peak " + std::to_string(peak) +
         " events/day</text></svg>";
  return out;
}

std::string heat_map(const SoakSummary& s) {
  const double left = 160, cell = 70, row = 28;
  const double width = left + cell * static_cast<double>(s.weeks().size()) + 10;
  const double height = row * static_cast<double>(s.nodes().size() + 1) + 10;
  uint64_t peak = 1;
  for (const NodeSummary& n : s.nodes()) {
    for (const WeekSummary& w : n.weeks) peak = std::max(peak, w.events);
  }
  std::string out = "<svg class=\"chart\" id=\"heat-map\" width=\"" + fmt(width) +
                    "\" height=\"" + fmt(height) + "\" role=\"img\"><title>Drift events per node and ISO week</title>"
                    "<defs><pattern id=\"nodata\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
                    "<rect width=\"6\" height=\"6\" fill=\"#ddd\"/><path d=\"M0,6 L6,0\" stroke=\"#999\"/></pattern></defs>";
  for (size_t i = 0; i < s.weeks().size(); ++i) {
    out += "<text x=\"" + fmt(left + cell * static_cast<double>(i) + 6) + "\" y=\"18\" font-size=\"11\">" + s.weeks()[i] + "</text>";
  }
  double y = row;
  for (const NodeSummary& n : s.nodes()) {
    out += "<g class=\"heat-row\" data-node=\"" + html_text(n.node) + "\"><text x=\"4\" y=\"" + fmt(y + 18) +
           "\" font-size=\"12\">" + html_text(n.node) + "</text>";
    for (size_t i = 0; i < n.weeks.size(); ++i) {
      const WeekSummary& w = n.weeks[i];
      const double x = left + cell * static_cast<double>(i);
      std::string fill = "url(#nodata)", label = "no data";
      if (w.alive()) {
        const double t = static_cast<double>(w.events) / static_cast<double>(peak);
        char c[16];
        std::snprintf(c, sizeof c, "#%02x%02x%02x", 255, static_cast<int>(245 - 180 * t), static_cast<int>(235 - 200 * t));
        fill = c;
        label = std::to_string(w.events);
      }
      out += "<rect x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" width=\"" + fmt(cell - 2) + "\" height=\"" + fmt(row - 2) +
             "\" fill=\"" + fill + "\"><title>" + html_text(n.node) + " " + w.week + ": " + label + "</title></rect>";
      out += "<text x=\"" + fmt(x + 6) + "\" y=\"" + fmt(y + 18) + "\" font-size=\"11\">" + label + "</text>";
    }
    out += "</g>";
    y += row;
  }
  return out + "</svg>";
}

// The per-node numbers and the top paths as HTML tables (the full breakdown
// is in the text, Markdown and JSON reports).
std::string tables_html(const SoakSummary& s) {
  std::string out = "<h2>Per node</h2><table><tr><th>node</th><th>events</th><th>package</th><th>unexplained</th>"
                    "<th>critical</th><th>warning</th><th>reverted &le; 60 min</th><th>median time to revert</th>"
                    "<th>alive weeks</th><th>baselines</th></tr>";
  auto count = [](const CountMap& m, const char* k) {
    auto it = m.find(k);
    return std::to_string(it == m.end() ? 0 : it->second);
  };
  for (const NodeSummary& n : s.nodes()) {
    std::string serials;
    for (const BaselineSeen& b : n.baselines) serials += (serials.empty() ? "" : " ") + b.serial;
    const auto m = n.median_revert_seconds();
    out += "<tr><td>" + html_text(n.node) + "</td><td>" + std::to_string(n.events) + "</td><td>" +
           count(n.by_cause, "package") + "</td><td>" + count(n.by_cause, "unexplained") + "</td><td>" +
           count(n.by_severity, "critical") + "</td><td>" + count(n.by_severity, "warning") + "</td><td>" +
           std::to_string(n.reverted_within) + "</td><td>" + (m ? std::to_string(*m) + " s" : "-") + "</td><td>" +
           std::to_string(n.alive_weeks()) + "/" + std::to_string(n.weeks.size()) + "</td><td>" + html_text(serials) + "</td></tr>";
  }
  out += "</table><h2>Top paths</h2><table><tr><th>node</th><th>path</th><th>events</th></tr>";
  for (const NodeSummary& n : s.nodes()) {
    std::vector<std::pair<std::string, uint64_t>> v(n.path_events.begin(), n.path_events.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    if (v.size() > 10) v.resize(10);
    for (const auto& [p, c] : v) out += "<tr><td>" + html_text(n.node) + "</td><td><code>" + html_text(p) + "</code></td><td>" + std::to_string(c) + "</td></tr>";
  }
  return out + "</table>";
}

}  // namespace

std::string render_soak_html(const SoakSummary& s, const SoakSource& src) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
      "<title>driftd soak report</title><style>"
      "body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff}table{border-collapse:collapse;margin:.5em 0}"
      "td,th{border:1px solid #bbb;padding:2px 6px;text-align:right}td:first-child,th:first-child{text-align:left}"
      ".holds{color:#b00;font-weight:bold}.undecided{color:#777}</style></head><body>\n"
      "<h1>driftd soak report</h1>\n<ul>";
  out += "<li>range: " + format_utc(s.from_ns()) + " to " + format_utc(s.to_ns()) + " (" + std::to_string(s.weeks().size()) +
         " ISO weeks)</li><li>source: " + html_text(src.what) + ", " + std::to_string(s.lines()) + " lines read</li>";
  out += "<li>skipped: " + std::to_string(s.skipped_total());
  for (const auto& [r, c] : s.skipped()) out += "; " + html_text(r) + " " + std::to_string(c);
  out += "</li>";
  if (s.lines() == 0) out += "<li>no driftd line in the range: no data, which is not no drift</li>";
  out += "</ul>\n<h2>Drift events per day, stacked by cause</h2>\n" + day_chart(s) +
         "\n<h2>Events per node and ISO week (hatched: no heartbeat, no data)</h2>\n" + heat_map(s) + "\n" + tables_html(s);
  out += "\n<h2>Decision table (seed 004, C.3)</h2><p>Evaluated on drift telemetry only; the choice of outcome is the "
         "operator's.</p><table><tr><th>row</th><th>holds</th><th>observation</th><th>plan recommends</th><th>why</th>"
         "<th>not decidable from telemetry</th></tr>";
  for (const DecisionRow& r : s.decision()) {
    const std::string holds = !r.holds ? "<span class=\"undecided\">not decidable</span>"
                                       : *r.holds ? "<span class=\"holds\">HOLDS</span>" : "does not hold";
    out += "<tr><td>" + r.row + "</td><td>" + holds + "</td><td>" + html_text(r.observation) + "</td><td>" +
           html_text(r.recommends) + "</td><td>" + html_text(r.why) + "</td><td>" + html_text(r.undecidable) + "</td></tr>";
  }
  out += "</table>";
  for (const DecisionRow& r : s.decision()) {
    if (r.evidence.empty()) continue;
    out += "<h3>Evidence for " + r.row + "</h3><ul>";
    for (const std::string& e : r.evidence) out += "<li>" + html_text(e) + "</li>";
    if (r.evidence_left_out) out += "<li>... and " + std::to_string(r.evidence_left_out) + " more</li>";
    out += "</ul>";
  }
  return out + "\n</body></html>\n";
}

}  // namespace drift
