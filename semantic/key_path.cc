// Key path syntax. Quoting follows TOML's basic strings: `\"`, `\\`, `\n`,
// `\t`, `\r` and `\uXXXX` for other control bytes, everything else as it is,
// so a key made of arbitrary bytes still round-trips through text.
#include "semantic/key_path.h"

#include <cstdio>

namespace drift {
namespace {

bool needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (c == '.' || c == '"' || c == '[' || c == ']' || c == '=' || c == '\\' || c <= ' ' || c == 0x7f) return true;
  }
  return false;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string segment_text(std::string_view s) { return needs_quotes(s) ? quoted(s) : std::string(s); }

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return done() ? '\0' : text_[pos_]; }
  size_t pos() const { return pos_; }
  void skip() { ++pos_; }

  // A bare or quoted word, ending before any of `stops`.
  bool word(std::string_view stops, std::string* out, std::string* err) {
    out->clear();
    if (peek() == '"') return quoted_word(out, err);
    const size_t start = pos_;
    while (!done() && stops.find(peek()) == std::string_view::npos) {
      const unsigned char c = static_cast<unsigned char>(peek());
      if (c == '"' || c == '\\' || c == '[' || c == ']' || c == '=' || c <= ' ' || c == 0x7f) {
        return fail("unexpected character (quote the segment)", err);
      }
      out->push_back(peek());
      ++pos_;
    }
    if (pos_ == start) return fail("empty key segment (quote it as \"\")", err);
    return true;
  }

  bool fail(const std::string& what, std::string* err) const {
    *err = what + " at offset " + std::to_string(pos_);
    return false;
  }

 private:
  bool quoted_word(std::string* out, std::string* err) {
    ++pos_;  // opening quote
    while (!done() && peek() != '"') {
      char c = peek();
      ++pos_;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (done()) break;
      c = peek();
      ++pos_;
      switch (c) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case 'n': out->push_back('\n'); break;
        case 't': out->push_back('\t'); break;
        case 'r': out->push_back('\r'); break;
        case 'u': {
          if (pos_ + 4 > text_.size()) return fail("short \\u escape", err);
          unsigned v = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = text_[pos_++];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= h - '0';
            else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
            else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
            else return fail("bad \\u escape", err);
          }
          if (v > 0x7f) return fail("\\u escape above U+007F", err);
          out->push_back(static_cast<char>(v));
          break;
        }
        default: return fail("unknown escape", err);
      }
    }
    if (done()) return fail("unterminated quote", err);
    ++pos_;  // closing quote
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

KeySegment key_name(std::string name) {
  KeySegment s;
  s.name = std::move(name);
  return s;
}

KeySegment key_index(size_t index) {
  KeySegment s;
  s.kind = KeySegment::Kind::kIndex;
  s.index = index;
  return s;
}

KeySegment key_select(std::string field, std::string value) {
  KeySegment s;
  s.kind = KeySegment::Kind::kSelect;
  s.name = std::move(field);
  s.value = std::move(value);
  return s;
}

std::string join_key(const std::string& prefix, std::string_view name) {
  return prefix.empty() ? segment_text(name) : prefix + "." + segment_text(name);
}

std::string format_key_path(const KeyPath& path) {
  std::string out;
  for (const KeySegment& s : path) {
    switch (s.kind) {
      case KeySegment::Kind::kName:
        if (!out.empty()) out += '.';
        out += segment_text(s.name);
        break;
      case KeySegment::Kind::kIndex:
        out += "[" + std::to_string(s.index) + "]";
        break;
      case KeySegment::Kind::kSelect:
        out += "[" + segment_text(s.name) + "=" + segment_text(s.value) + "]";
        break;
    }
  }
  return out;
}

bool parse_key_path(std::string_view text, KeyPath* path, std::string* err) {
  path->clear();
  Reader r(text);
  if (r.done()) return r.fail("empty key path", err);
  bool want_name = true;  // at the start or after '.'
  while (!r.done()) {
    if (r.peek() == '[') {
      if (path->empty() && want_name) return r.fail("a key path starts with a key, not a list item", err);
      r.skip();
      if (r.peek() >= '0' && r.peek() <= '9') {
        size_t v = 0;
        while (r.peek() >= '0' && r.peek() <= '9') {
          if (v > 1000000000) return r.fail("list index too large", err);
          v = v * 10 + static_cast<size_t>(r.peek() - '0');
          r.skip();
        }
        path->push_back(key_index(v));
      } else {
        std::string field, value;
        if (!r.word("=]", &field, err)) return false;
        if (r.peek() != '=') return r.fail("expected '=' or a number in [...]", err);
        r.skip();
        if (!r.word("]", &value, err)) return false;
        path->push_back(key_select(std::move(field), std::move(value)));
      }
      if (r.peek() != ']') return r.fail("expected ']'", err);
      r.skip();
      want_name = false;
      continue;
    }
    if (!want_name) {
      if (r.peek() != '.') return r.fail("expected '.' or '['", err);
      r.skip();
      if (r.done()) return r.fail("trailing '.'", err);
    }
    std::string name;
    if (!r.word(".[", &name, err)) return false;
    path->push_back(key_name(std::move(name)));
    want_name = false;
  }
  return true;
}

}  // namespace drift
