// The soak report's writers: text for a terminal, Markdown as the ADR's
// "Drift telemetry summary" section (seed 004, C.4), JSON (schema in the
// README), and one self-contained HTML file with inline SVG charts. All four
// print the same numbers from one SoakSummary. Every string that came from
// Loki (nodes, paths) is escaped for where it lands: control bytes always,
// plus `|` and Markdown's specials in tables, entities in HTML and SVG.
#pragma once

#include <string>

#include "soak/soak_summary.h"

namespace drift {

struct SoakSource {
  std::string what;           // "Loki http://..." or "file F"
  uint64_t pieces = 0, requests = 0;
};

std::string render_soak_text(const SoakSummary& s, const SoakSource& src);
std::string render_soak_markdown(const SoakSummary& s, const SoakSource& src);
std::string render_soak_json(const SoakSummary& s);
std::string render_soak_html(const SoakSummary& s, const SoakSource& src);

/// Escapes for a Markdown table cell: control bytes, then `\ | * _ ` [ ] < > #`.
std::string markdown_cell(const std::string& s);
/// Escapes for HTML and SVG text and attribute values.
std::string html_text(const std::string& s);

}  // namespace drift
