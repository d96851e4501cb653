// nfs.conf, following nfs-utils' conf_parse()/conf_parse_line(): an INI file
// with [section] and [section "subsection"] headers, `tag = value` lines,
// '#' and ';' comments, quoted values, backslash-newline continuations.
// Section names are case-insensitive (stored lowercase), tags are compared
// case-insensitively, an empty value sets nothing, and - the trap worth
// knowing - a last line without a newline is ignored, as is everything after
// a header without its ']'. Those ignored lines are kept so a check can say
// why a setting that is visibly in the file does not count.
#include "exports/nfs_conf.h"

#include <algorithm>
#include <cctype>

#include "baseline/escape.h"

namespace drift {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim_blank_right(std::string_view s) {
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// What every Parser of one parse_nfs_conf_text call shares: the files being
// parsed (a file already here is a loop). How many files and bytes were read
// in all (ten `include = /etc/nfs.conf` lines under a depth cap alone fan out
// exponentially) is counted in the NfsConf, across calls.
struct IncludeState {
  std::vector<std::string> stack;
};

struct Parser {
  const std::string& file;
  const NfsConfReader& read;
  NfsConf* conf;
  IncludeState* state;
  int depth;
  std::string section;  // "" when outside any section
  std::string subsection;
  bool in_section = false;

  void ignore(int line, std::string_view text, const std::string& reason) {
    conf->ignored.push_back({file, line, std::string(text), reason});
  }

  void header(std::string_view s, int line, std::string_view text) {
    in_section = false;
    section.clear();
    subsection.clear();
    s.remove_prefix(1);
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    const size_t close = s.find(']');
    if (close == std::string_view::npos) {
      ignore(line, text, "no closing ']': nfs-utils ignores the lines up to the next section");
      return;
    }
    std::string_view name = trim_blank_right(s.substr(0, close));
    const size_t quote = name.find('"');
    if (quote == std::string_view::npos) {
      section = lower(name);
      in_section = true;
      return;
    }
    std::string_view arg = name.substr(quote + 1);
    section = lower(trim_blank_right(name.substr(0, quote)));
    const size_t end = arg.find('"');
    in_section = true;  // even without the closing '"': nfs-utils has already taken the name
    if (end != std::string_view::npos) subsection = std::string(arg.substr(0, end));
  }

  void assignment(std::string_view s, int line, std::string_view text) {
    const size_t eq = s.find('=');
    if (eq == std::string_view::npos) return;  // not an assignment: nfs-utils only warns
    if (!in_section) {
      ignore(line, text, "not in a section");
      return;
    }
    const std::string_view tag = trim_blank_right(s.substr(0, eq));
    std::string_view value = s.substr(eq + 1);
    while (!value.empty() && is_blank(value.front())) value.remove_prefix(1);
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      const char q = value.front();
      value.remove_prefix(1);
      const size_t end = value.find(q);
      if (end == std::string_view::npos) {
        ignore(line, text, "unmatched quotes");
        return;
      }
      value = value.substr(0, end);
    } else {
      value = value.substr(0, value.find('#'));
      value = value.substr(0, value.find(';'));
      while (value.size() > 1 && is_space(value.back())) value.remove_suffix(1);
    }
    if (tag.empty()) {
      ignore(line, text, "missing tag in assignment");
      return;
    }
    if (lower(tag) == "include") {
      include(value, line, text);
      return;
    }
    if (value.empty()) {
      ignore(line, text, "empty value: nfs-utils sets nothing");
      return;
    }
    conf->bindings.push_back({section, subsection, std::string(tag), std::string(value), file, line, std::string(text)});
  }

  void include(std::string_view value, int line, std::string_view text) {
    bool optional = false;
    if (!value.empty() && value.front() == '-') {
      optional = true;
      value.remove_prefix(1);
    }
    std::string path(value);
    if (path.empty() || path[0] != '/') path = file.substr(0, file.rfind('/') + 1) + path;
    std::string sub;
    const auto refuse = [&](const std::string& why) { conf->include_errors.push_back({file, line, std::string(text), why}); };
    if (std::find(state->stack.begin(), state->stack.end(), path) != state->stack.end()) {
      refuse("include loop: " + escape_bytes(path) + " is already being read");
      return;
    }
    if (depth >= kNfsConfMaxIncludeDepth) {
      refuse("includes nested more than " + std::to_string(kNfsConfMaxIncludeDepth) + " deep");
      return;
    }
    if (conf->files_read >= kNfsConfMaxFiles) {
      refuse("more than " + std::to_string(kNfsConfMaxFiles) + " files read in all: not followed");
      return;
    }
    if (!read(path, &sub)) {
      if (!optional) ignore(line, text, "included file " + escape_bytes(path) + " cannot be read");
      return;
    }
    if (conf->bytes_read + sub.size() > kNfsConfMaxBytes) {
      refuse("more than " + std::to_string(kNfsConfMaxBytes) + " bytes read in all: not followed");
      return;
    }
    ++conf->files_read;
    conf->bytes_read += sub.size();
    state->stack.push_back(path);
    Parser child{path, read, conf, state, depth + 1, section, subsection, in_section};
    child.run(sub);
    state->stack.pop_back();
  }

  void run(std::string_view text) {
    text = text.substr(0, text.find('\0'));  // nfs-utils reads a C string
    size_t start = 0;
    int line = 1, start_line = 1;
    std::string logical;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\n') continue;
      if (i > start && text[i - 1] == '\\') {  // an escaped newline joins the lines
        logical.append(text.substr(start, i - 1 - start)).append("  ");
        start = i + 1;
        ++line;
        continue;
      }
      logical.append(text.substr(start, i - start));
      parse_line(logical, start_line);
      logical.clear();
      start = i + 1;
      start_line = ++line;
    }
    if (start < text.size()) {
      logical.append(text.substr(start));
      ignore(start_line, logical, "the last line has no newline: nfs-utils ignores it");
    }
  }

  void parse_line(std::string_view s, int line) {
    const std::string_view text = s;
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    if (s.empty() || s.front() == '#' || s.front() == ';') return;
    if (s.front() == '[') header(s, line, text);
    else assignment(s, line, text);
  }
};

bool parse_bool(std::string_view v, bool* out) {
  const std::string s = lower(v);
  for (const char* t : {"1", "t", "true", "y", "yes", "on"}) {
    if (s == t) return *out = true, true;
  }
  for (const char* f : {"0", "f", "false", "n", "no", "off"}) {
    if (s == f) return *out = false, true;
  }
  return false;
}

}  // namespace

void parse_nfs_conf_text(std::string_view text, const std::string& file, const NfsConfReader& read, NfsConf* conf) {
  IncludeState state{{file}};
  ++conf->files_read;
  conf->bytes_read += text.size();
  Parser p{file, read, conf, &state, 0, "", "", false};
  p.run(text);
}

const NfsConfBinding* nfs_conf_lookup(const NfsConf& conf, std::string_view section, std::string_view tag) {
  const std::string s = lower(section), t = lower(tag);
  for (auto it = conf.bindings.rbegin(); it != conf.bindings.rend(); ++it) {
    if (it->subsection.empty() && it->section == s && lower(it->tag) == t) return &*it;
  }
  return nullptr;
}

bool nfs_conf_value_matches(std::string_view expected, std::string_view actual) {
  bool a, b;
  if (parse_bool(expected, &a) && parse_bool(actual, &b)) return a == b;
  return expected == actual;
}

}  // namespace drift
