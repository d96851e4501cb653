// Expectations: what must hold in a node's config files, checked against the
// values their owners use (after Include and first-wins for sshd, the whole
// sysctl.d set, containerd's imports). A rule names a file, a key and one
// operator; a violation says which rule, where the value came from (the
// drop-in and line that won), what was expected and what is there. Knows
// nothing of YAML config or daemons: agent/config.cc builds the rules,
// `driftctl check`, `driftctl expect check` and the daemon evaluate them.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "baseline/entry.h"
#include "semantic/flat_doc.h"
#include "semantic/formats.h"

namespace drift {

enum class ExpectOp { kEquals, kOneOf, kMatches, kPresent, kAbsent, kMasked, kMin, kMax };

/// The operator names as `expect:` spells them.
const char* expect_op_name(ExpectOp op);
bool parse_expect_op(std::string_view name, ExpectOp* op);

struct Expectation {
  std::string rule;                 // `name:`, else "FILE KEY" (or "FILE masked")
  std::string file;                 // absolute host path
  std::string key;                  // a key path (none for masked)
  Format format = Format::kNone;    // from format_for_path(file); kNone only for masked
  std::vector<ExpectOp> ops;        // one operator, or min and max together
  std::string equals;
  std::vector<std::string> one_of;
  std::string pattern;              // matches: an ECMAScript regex, matched against the whole value
  std::optional<double> min, max;
  bool present = true;              // present: true/false
  bool absent = true;               // absent: true/false
  bool masked = true;               // masked: true/false
  Severity severity = Severity::kCritical;
  std::vector<std::string> nodes;   // globs on the node name; empty: every node
  std::string match;                // sshd: only this Match block ("" = global and every block)
  int line = 0;                     // config line

  std::shared_ptr<const std::regex> regex;  // compiled by validate_expectation
};

/// Fills format and regex and checks what can be checked before any file is
/// read: an operator, a file of a known format (but masked), a key that can
/// exist in that format, a valid regex, min <= max, `match` only for sshd.
bool validate_expectation(Expectation* e, std::string* why);

/// The rule applies on this node (`nodes:` globs, fnmatch(3); none = all).
bool expectation_applies(const Expectation& e, const std::string& node);

struct ExpectationViolation {
  std::string rule;
  std::string file;      // where the value came from, else the rule's file
  int line = 0;          // in that file; 0 when nothing is set
  std::string key;       // the key path, with the Match context for sshd (match."User x".kw)
  std::string expected;  // "equals no", "one_of [a, b]", "min 1"...
  std::string actual;    // the value, "(not set)", "(file missing)", "parse error: ..."
  Severity severity = Severity::kCritical;
  /// Identity across runs: rule, file, key.
  std::string identity() const { return rule + "\x1f" + file + "\x1f" + key; }
};

/// Evaluates the rules that apply on `node` against `files` (each file read
/// once). Violations in rule order.
std::vector<ExpectationViolation> evaluate_expectations(const std::vector<Expectation>& rules,
                                                        const std::string& node, const FileSource& files);

/// Any critical violation.
bool has_critical(const std::vector<ExpectationViolation>& violations);

}  // namespace drift
