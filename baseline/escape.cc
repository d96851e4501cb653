// Path escaping. Host file names are bytes: a name may hold a newline, a tab or
// bytes that are not UTF-8. Every place a path leaves as text (the index, the
// report, JSON, metric labels, Loki lines) uses this one escaping, so one odd
// name never breaks a line-oriented format or a JSON document, and the index
// can still restore the exact bytes.
#include "baseline/escape.h"

namespace drift {
namespace {

// Code points that are valid UTF-8 but act on a terminal or reorder what a
// reader sees: C1 controls (U+009B is CSI, an escape sequence in one code
// point), the bidirectional marks, embeddings, overrides and isolates (a
// "Trojan Source" name shows other than it is), and the line and paragraph
// separators. They leave as \xNN of their bytes, like invalid UTF-8.
bool is_hostile_code_point(unsigned cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one
// or is a hostile code point (above). Rejects overlong forms, surrogates and
// code points above U+10FFFF.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  unsigned cp;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; }
  else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; }
  else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || is_hostile_code_point(cp)) return 0;
  return len;
}

void append_hex_escape(std::string* out, unsigned char b) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("\\x");
  out->push_back(kHex[b >> 4]);
  out->push_back(kHex[b & 15]);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string escape_bytes(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    const auto b = static_cast<unsigned char>(raw[i]);
    if (b == '\\') { out.append("\\\\"); ++i; continue; }
    if (b == '\n') { out.append("\\n"); ++i; continue; }
    if (b == '\t') { out.append("\\t"); ++i; continue; }
    if (b == '\r') { out.append("\\r"); ++i; continue; }
    if (b < 0x20 || b == 0x7F) { append_hex_escape(&out, b); ++i; continue; }
    const size_t len = utf8_sequence_length(raw, i);
    if (len == 0) { append_hex_escape(&out, b); ++i; continue; }
    out.append(raw.substr(i, len));
    i += len;
  }
  return out;
}

std::string escape_control_bytes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F) append_hex_escape(&out, c);
    else out.push_back(ch);
  }
  return out;
}

bool unescape_bytes(std::string_view text, std::string* raw) {
  raw->clear();
  raw->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') { raw->push_back(text[i]); continue; }
    if (++i >= text.size()) return false;
    switch (text[i]) {
      case '\\': raw->push_back('\\'); break;
      case 'n': raw->push_back('\n'); break;
      case 't': raw->push_back('\t'); break;
      case 'r': raw->push_back('\r'); break;
      case 'x': {
        if (i + 2 >= text.size()) return false;
        const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
        if (hi < 0 || lo < 0) return false;
        raw->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default: return false;
    }
  }
  return true;
}

}  // namespace drift
