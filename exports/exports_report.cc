// Printing an exports report. Text is for terminals and grep: one line per
// violation in the compiler's `file:line:` form, so editors jump to it.
// Every host byte goes through escape_bytes, like paths in drift reports; the
// messages were built from escaped pieces already.
#include "exports/exports_report.h"

#include <nlohmann/json.hpp>

#include "baseline/escape.h"

namespace drift {

bool ExportsReport::has_critical() const {
  for (const ExportsViolation& v : violations) {
    if (v.critical) return true;
  }
  return false;
}

std::string render_exports_text(const ExportsReport& report) {
  std::string out;
  size_t critical = 0;
  for (const ExportsViolation& v : report.violations) {
    out += escape_bytes(v.file);
    if (v.line > 0) out += ":" + std::to_string(v.line);
    out += ": " + v.rule + ": " + (v.critical ? "" : "warning: ") + v.message + "\n";
    critical += v.critical ? 1 : 0;
  }
  const size_t warnings = report.violations.size() - critical;
  out += "exports check: " + std::to_string(critical) + " critical, " + std::to_string(warnings) +
         (warnings == 1 ? " warning\n" : " warnings\n");
  return out;
}

std::string render_exports_json(const ExportsReport& report, int exit_code) {
  nlohmann::ordered_json violations = nlohmann::ordered_json::array();
  size_t critical = 0;
  for (const ExportsViolation& v : report.violations) {
    violations.push_back({{"rule", v.rule},
                          {"severity", v.critical ? "critical" : "warning"},
                          {"critical", v.critical},
                          {"path", escape_bytes(v.path)},
                          {"file", escape_bytes(v.file)},
                          {"line", v.line},
                          {"text", escape_bytes(v.text)},
                          {"message", v.message}});
    critical += v.critical ? 1 : 0;
  }
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (const std::string& f : report.files_read) files.push_back(escape_bytes(f));
  nlohmann::ordered_json notes = nlohmann::ordered_json::array();
  for (const std::string& n : report.notes) notes.push_back(escape_bytes(n));
  const nlohmann::ordered_json doc = {
      {"violations", violations},
      {"files", files},
      {"notes", notes},
      {"summary", {{"critical", critical}, {"warnings", report.violations.size() - critical}, {"exit_code", exit_code}}}};
  // Messages are built from escaped pieces; `replace` keeps a slip from throwing.
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace drift
