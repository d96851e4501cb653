// What the /etc/exports checks find: violations with their rule, place and
// severity, and how driftctl prints them (text lines or one JSON document).
#pragma once

#include <string>
#include <vector>

namespace drift {

/// Rule names: stable strings, used as the `rule` metric label.
inline constexpr const char* kRuleParseError = "parse-error";          // nfs-utils refuses or skips it
inline constexpr const char* kRuleUnreadable = "unreadable";           // a file exists but cannot be read
inline constexpr const char* kRuleFsidRoot = "fsid-root";              // fsid=0 outside exports.pseudo_root
inline constexpr const char* kRuleFsidDuplicate = "fsid-duplicate";    // one fsid on two export paths
inline constexpr const char* kRuleWorldExportSpace = "world-export-space";  // "host (rw)"
inline constexpr const char* kRuleClientNotAllowed = "client-not-allowed";  // outside exports.allowed_clients
inline constexpr const char* kRuleOptionRequired = "option-required";
inline constexpr const char* kRuleOptionForbidden = "option-forbidden";
inline constexpr const char* kRuleOptionWarn = "option-warn";          // a warning
inline constexpr const char* kRuleExportMissing = "export-missing";    // a path with `require` is not exported
inline constexpr const char* kRuleExportDuplicate = "export-duplicate";  // same path and client twice (a warning)
inline constexpr const char* kRuleNfsConf = "nfs-conf";
inline constexpr const char* kRuleEtabDrift = "etab-drift";            // applied exports differ from the files

/// One broken rule. Host bytes (path, file, text) are raw; `message` is printable text.
struct ExportsViolation {
  std::string rule;
  std::string path;     // export path, or "" when the problem is not about one
  std::string file;     // host path of the file
  int line = 0;         // 1-based; 0 when the problem is about the file as a whole
  std::string text;     // the offending text (a client token, a config line)
  std::string message;
  bool critical = true; // false: a warning
};

/// The outcome of one run of the checks.
struct ExportsReport {
  std::vector<ExportsViolation> violations;  // in file order, then line order
  std::vector<std::string> files_read;       // every host path consulted, existing or not (to watch)
  std::vector<std::string> notes;            // what could not be checked, and why

  /// True when any violation is critical.
  bool has_critical() const;
};

/// One line per violation, "file:line: rule: message" ("file: rule: message" for line 0;
/// warnings read "rule: warning: message"), then a summary line. Paths escaped as everywhere.
std::string render_exports_text(const ExportsReport& report);

/// {"violations": [...], "files": [...], "notes": [...], "summary": {...}} with `exit_code`.
std::string render_exports_json(const ExportsReport& report, int exit_code);

}  // namespace drift
