// Expectation evaluation. A value is looked up in the file's effective
// values; for sshd a rule holds in the global context and in every Match
// block (a block's own value, else the global one), unless it names a block.
// A missing file, a parse error, a key no file sets: each is a violation that
// says so (never a silent pass), except that `absent` holds on a missing file.
// Secret values are never shown (secret_keys.h).
#include "semantic/expectations.h"

#include <fnmatch.h>

#include <cstdlib>
#include <map>

#include "semantic/key_path.h"
#include "semantic/secret_keys.h"

namespace drift {
namespace {

struct OpName {
  ExpectOp op;
  const char* name;
};
constexpr OpName kOps[] = {
    {ExpectOp::kEquals, "equals"}, {ExpectOp::kOneOf, "one_of"}, {ExpectOp::kMatches, "matches"},
    {ExpectOp::kPresent, "present"}, {ExpectOp::kAbsent, "absent"}, {ExpectOp::kMasked, "masked"},
    {ExpectOp::kMin, "min"}, {ExpectOp::kMax, "max"},
};

std::string number_text(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string expected_text(const Expectation& e, ExpectOp op) {
  switch (op) {
    case ExpectOp::kEquals: return "equals " + e.equals;
    case ExpectOp::kOneOf: {
      std::string s = "one_of [";
      for (size_t i = 0; i < e.one_of.size(); ++i) s += (i ? ", " : "") + e.one_of[i];
      return s + "]";
    }
    case ExpectOp::kMatches: return "matches " + e.pattern;
    case ExpectOp::kPresent: return e.present ? "present" : "not present";
    case ExpectOp::kAbsent: return e.absent ? "absent" : "not absent";
    case ExpectOp::kMasked: return e.masked ? "masked (a symlink to /dev/null)" : "not masked";
    case ExpectOp::kMin: return "min " + number_text(*e.min);
    case ExpectOp::kMax: return "max " + number_text(*e.max);
  }
  return "";
}

bool parse_number(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

// Whether a key (or anything below it) is set.
bool key_present(const FlatDoc& doc, const std::string& key) {
  if (doc.find(key)) return true;
  auto it = doc.values.lower_bound(key);
  for (; it != doc.values.end() && it->first.compare(0, key.size(), key) == 0; ++it) {
    const char next = it->first.size() > key.size() ? it->first[key.size()] : '\0';
    if (next == '.' || next == '[') return true;
  }
  return false;
}

// One value against the rule's operators: empty when it holds, else the
// expected text of the first operator that fails.
std::string check_value(const Expectation& e, const FlatValue* v, bool present) {
  for (ExpectOp op : e.ops) {
    bool holds = false;
    switch (op) {
      case ExpectOp::kEquals: holds = v && v->value == e.equals; break;
      case ExpectOp::kOneOf:
        for (const std::string& o : e.one_of) holds = holds || (v && v->value == o);
        break;
      case ExpectOp::kMatches: holds = v && std::regex_match(v->value, *e.regex); break;
      case ExpectOp::kPresent: holds = present == e.present; break;
      case ExpectOp::kAbsent: holds = !present == e.absent; break;
      case ExpectOp::kMin: {
        double x;
        holds = v && parse_number(v->value, &x) && x >= *e.min;
        break;
      }
      case ExpectOp::kMax: {
        double x;
        holds = v && parse_number(v->value, &x) && x <= *e.max;
        break;
      }
      case ExpectOp::kMasked: holds = true; break;  // handled by the caller
    }
    if (!holds) return expected_text(e, op);
  }
  return "";
}

std::string expected_all(const Expectation& e) {
  std::string s;
  for (ExpectOp op : e.ops) s += (s.empty() ? "" : ", ") + expected_text(e, op);
  return s;
}

std::string actual_text(const std::string& key, const FlatValue* v, bool present) {
  if (!v) return present ? "(a table or list)" : "(not set)";
  if (secret_key_name(key) || secret_value(key, v->value)) return kRedacted;
  return v->value;
}

// The Match contexts of an sshd doc: the formatted `match."criteria"` prefixes.
std::vector<std::pair<std::string, std::string>> sshd_contexts(const FlatDoc& doc) {
  std::vector<std::pair<std::string, std::string>> out;  // prefix, criteria
  for (const std::string& key : doc.order) {
    KeyPath p;
    std::string err;
    if (!parse_key_path(key, &p, &err) || p.size() < 3 || p[0].name != "match") continue;
    const std::string prefix = format_key_path({p[0], p[1]});
    bool seen = false;
    for (const auto& c : out) seen = seen || c.first == prefix;
    if (!seen) out.emplace_back(prefix, p[1].name);
  }
  return out;
}

std::string squeeze(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void check_key(const Expectation& e, const FlatDoc& doc, const std::string& key, const std::string& shown_key,
               const FlatValue* fallback, std::vector<ExpectationViolation>* out) {
  const FlatValue* v = doc.find(key);
  bool present = v || key_present(doc, key);
  if (!v && !present && fallback) {
    v = fallback;
    present = true;
  }
  const std::string failed = check_value(e, v, present);
  if (failed.empty()) return;
  ExpectationViolation x;
  x.rule = e.rule;
  x.file = v && !v->file.empty() ? v->file : e.file;
  x.line = v ? v->line : 0;
  x.key = shown_key;
  x.expected = expected_all(e);
  x.actual = actual_text(key, v, present);
  x.severity = e.severity;
  out->push_back(std::move(x));
}

}  // namespace

const char* expect_op_name(ExpectOp op) {
  for (const OpName& o : kOps) {
    if (o.op == op) return o.name;
  }
  return "";
}

bool parse_expect_op(std::string_view name, ExpectOp* op) {
  for (const OpName& o : kOps) {
    if (name == o.name) {
      *op = o.op;
      return true;
    }
  }
  return false;
}

bool validate_expectation(Expectation* e, std::string* why) {
  if (e->ops.empty()) {
    *why = "no operator (one of equals, one_of, matches, present, absent, masked, min, max)";
    return false;
  }
  const bool masked = e->ops.size() == 1 && e->ops[0] == ExpectOp::kMasked;
  const bool min_max = e->ops.size() == 2 && ((e->ops[0] == ExpectOp::kMin && e->ops[1] == ExpectOp::kMax) ||
                                              (e->ops[0] == ExpectOp::kMax && e->ops[1] == ExpectOp::kMin));
  if (e->ops.size() > 1 && !min_max) {
    *why = "more than one operator (only min and max go together)";
    return false;
  }
  for (ExpectOp op : e->ops) {
    if (op == ExpectOp::kMasked && e->ops.size() > 1) {
      *why = "masked takes no other operator";
      return false;
    }
  }
  if (e->file.empty() || e->file[0] != '/') {
    *why = "file: expected an absolute path";
    return false;
  }
  if (masked) {
    if (!e->key.empty()) {
      *why = "masked is about the file itself: no key";
      return false;
    }
    if (e->rule.empty()) e->rule = e->file + " masked";
    e->format = format_for_path(e->file);
    return true;
  }
  e->format = format_for_path(e->file);
  if (e->format == Format::kNone) {
    *why = "file " + e->file + " is not of a format driftd reads (kubelet config/flags, containerd, CNI, sshd, sysctl)";
    return false;
  }
  if (e->key.empty()) {
    *why = "missing key 'key'";
    return false;
  }
  if (!key_possible(e->format, e->key, why)) return false;
  if (!e->match.empty() && e->format != Format::kSshd) {
    *why = "match: only sshd_config has Match blocks";
    return false;
  }
  if (e->min && e->max && *e->min > *e->max) {
    *why = "min is greater than max";
    return false;
  }
  for (ExpectOp op : e->ops) {
    if (op != ExpectOp::kMatches) continue;
    try {
      e->regex = std::make_shared<const std::regex>(e->pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& err) {
      *why = "matches: invalid regular expression '" + e->pattern + "': " + err.what();
      return false;
    }
  }
  if (e->rule.empty()) e->rule = e->file + " " + e->key;
  return true;
}

bool expectation_applies(const Expectation& e, const std::string& node) {
  if (e.nodes.empty()) return true;
  for (const std::string& g : e.nodes) {
    if (::fnmatch(g.c_str(), node.c_str(), 0) == 0) return true;
  }
  return false;
}

std::vector<ExpectationViolation> evaluate_expectations(const std::vector<Expectation>& rules,
                                                        const std::string& node, const FileSource& files) {
  std::vector<ExpectationViolation> out;
  std::map<std::pair<int, std::string>, FlatDoc> cache;
  for (const Expectation& e : rules) {
    if (!expectation_applies(e, node)) continue;
    ExpectationViolation base;
    base.rule = e.rule;
    base.file = e.file;
    base.key = e.key;
    base.expected = expected_all(e);
    base.severity = e.severity;
    if (e.ops.size() == 1 && e.ops[0] == ExpectOp::kMasked) {
      std::string target;
      const bool is_masked = files.read_link(e.file, &target) && target == "/dev/null";
      if (is_masked == e.masked) continue;
      std::string text, err;
      base.actual = is_masked ? "masked" : !target.empty() ? "a symlink to " + target
                                       : files.read(e.file, &text, &err) ? "a unit file (not masked)"
                                                                         : "(file missing)";
      out.push_back(std::move(base));
      continue;
    }
    const auto cache_key = std::make_pair(static_cast<int>(e.format), e.format == Format::kSysctl ? "" : e.file);
    auto it = cache.find(cache_key);
    if (it == cache.end()) it = cache.emplace(cache_key, read_effective(e.format, e.file, files)).first;
    const FlatDoc& doc = it->second;
    if (!doc.ok()) {
      std::string text, err;
      const bool missing = e.format != Format::kSysctl && !files.read(e.file, &text, &err);
      if (missing && e.ops[0] == ExpectOp::kAbsent && e.absent) continue;
      base.actual = missing ? "(file missing)" : "parse error: " + doc.error_text();
      if (!missing) {
        base.file = doc.error_file.empty() ? e.file : doc.error_file;
        base.line = doc.error_line;
      }
      out.push_back(std::move(base));
      continue;
    }
    const std::string key = canonical_key(e.format, e.key);
    if (e.format != Format::kSshd) {
      check_key(e, doc, key, key, nullptr, &out);
      continue;
    }
    const FlatValue* global = doc.find(key);
    const auto contexts = sshd_contexts(doc);
    if (!e.match.empty()) {
      bool found = false;
      for (const auto& [prefix, criteria] : contexts) {
        if (squeeze(criteria) != squeeze(e.match)) continue;
        found = true;
        check_key(e, doc, prefix + "." + key, prefix + "." + key, global, &out);
      }
      if (!found) {
        base.key = join_key(join_key("match", e.match), key);
        base.actual = "(no such Match block)";
        out.push_back(std::move(base));
      }
      continue;
    }
    check_key(e, doc, key, key, nullptr, &out);
    for (const auto& [prefix, criteria] : contexts) {
      const std::string k = prefix + "." + key;
      if (!doc.find(k)) continue;  // the block inherits the global value, checked above
      check_key(e, doc, k, k, global, &out);
    }
  }
  return out;
}

bool has_critical(const std::vector<ExpectationViolation>& violations) {
  for (const ExpectationViolation& v : violations) {
    if (v.severity == Severity::kCritical) return true;
  }
  return false;
}

}  // namespace drift
