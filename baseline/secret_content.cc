// Secret detection for the snapshot policy. A name rule cannot know that
// `admin.yaml` is a kubeconfig or that `bearer` holds a JWT, so the content is
// looked at too, in the spirit of gitleaks/trufflehog rule classes but kept
// conservative so ordinary /etc files are still snapshotted:
//  - key material: any `PRIVATE KEY` (PEM of every kind, OpenSSH, ENCRYPTED,
//    PGP PRIVATE KEY BLOCK), PuTTY-User-Key-File, OpenVPN static keys,
//    AGE-SECRET-KEY-1;
//  - token formats: JWTs, `Authorization: Bearer|Basic` values, AWS key ids,
//    GitHub, GitLab, Slack and Google API tokens, URLs with a password;
//  - credential assignments: `key = value`, `key: value`, `KEY=value` where
//    the key names a password/secret/token/key (WireGuard `PrivateKey =`,
//    kubeconfig `client-key-data:` and `token:` included) and the value is not
//    a placeholder (see value_is_placeholder). Comment lines are skipped for
//    this rule only: /etc is full of commented examples, while the token
//    formats above are specific enough to count anywhere.
// The text is walked once, line by line; a table of the byte pairs a token can
// start with picks the few places worth comparing, so no regex engine runs on
// the hot path (about 3 ms per MB of text on a 2-core VM, a few percent of a
// `baseline create` of /etc).
#include "baseline/secret_content.h"

#include <array>
#include <bitset>
#include <cstdint>
#include <string>

namespace drift {
namespace {

using std::string_view;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_upper_or_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_upper_or_digit(c) || (c >= 'a' && c <= 'z'); }
bool is_b64url(char c) { return is_alnum(c) || c == '_' || c == '-'; }
bool is_key_char(char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; }
bool is_space(char c) { return c == ' ' || c == '\t'; }

bool starts_with_nocase(string_view s, size_t at, string_view lower_prefix) {
  if (s.size() - at < lower_prefix.size()) return false;
  for (size_t k = 0; k < lower_prefix.size(); ++k) {
    if (lower(s[at + k]) != lower_prefix[k]) return false;
  }
  return true;
}

// Length of the run of chars satisfying pred starting at `at`.
template <typename Pred>
size_t run_length(string_view s, size_t at, Pred pred) {
  size_t n = 0;
  while (at + n < s.size() && pred(s[at + n])) ++n;
  return n;
}

// `prefix` at `at`, not glued to a word before it, followed by a run of
// `pred` chars of at least `min` (and at most `max`, then not glued after).
template <typename Pred>
bool token_at(string_view s, size_t at, string_view prefix, size_t min, size_t max, Pred pred) {
  if (at > 0 && is_b64url(s[at - 1])) return false;
  if (s.substr(at, prefix.size()) != prefix) return false;
  const size_t n = run_length(s, at + prefix.size(), pred);
  return n >= min && n <= max;
}

// header.payload.signature, each base64url; the header is JSON ("eyJ" = `{"`).
bool jwt_at(string_view s, size_t at) {
  if (at > 0 && is_b64url(s[at - 1])) return false;
  if (s.substr(at, 3) != "eyJ") return false;
  size_t i = at + run_length(s, at, is_b64url);
  if (i - at < 10 || i >= s.size() || s[i] != '.') return false;
  const size_t payload = run_length(s, i + 1, is_b64url);
  i += 1 + payload;
  return payload >= 4 && i < s.size() && s[i] == '.';
}

// `Authorization: Bearer <token>` / `Basic <token>`, also as a config value
// (`proxy_set_header Authorization "Basic ..."`); `$var` values are references.
bool authorization_at(string_view s, size_t at) {
  if (at > 0 && is_alnum(s[at - 1])) return false;
  if (!starts_with_nocase(s, at, "authorization")) return false;
  size_t i = at + 13;
  while (i < s.size() && (is_space(s[i]) || s[i] == ':' || s[i] == '=' || s[i] == '"' || s[i] == '\'')) ++i;
  if (starts_with_nocase(s, i, "bearer ")) i += 7;
  else if (starts_with_nocase(s, i, "basic ")) i += 6;
  else return false;
  while (i < s.size() && is_space(s[i])) ++i;
  const size_t n = run_length(s, i, [](char c) {
    return is_b64url(c) || c == '+' || c == '/' || c == '=' || c == '.' || c == '~';
  });
  return n >= 8;
}

bool value_is_placeholder(string_view v, bool quoted);

// scheme://user:password@host, the password not a placeholder (`user:pass@`, `$PW`).
bool url_password_at(string_view s, size_t at) {
  if (s.substr(at, 3) != "://" || at == 0 || !is_alnum(s[at - 1])) return false;
  size_t colon = string_view::npos;
  for (size_t i = at + 3; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '/' || c == '?' || c == '#' || is_space(c) || c == '"' || c == '\'') return false;
    if (c == ':' && colon == string_view::npos) colon = i;
    if (c == '@') {
      if (colon == string_view::npos || colon == at + 3) return false;
      return !value_is_placeholder(s.substr(colon + 1, i - colon - 1), true);
    }
  }
  return false;
}

// The token rules, tried at each byte; the switch keeps most bytes to one compare.
const char* token_kind_at(string_view s, size_t i) {
  auto upper_digit = [](char c) { return is_upper_or_digit(c); };
  auto alnum = [](char c) { return is_alnum(c); };
  auto alnum_ = [](char c) { return is_alnum(c) || c == '_'; };
  auto b64url = [](char c) { return is_b64url(c); };
  constexpr size_t kAny = SIZE_MAX;
  switch (s[i]) {
    case 'P':
      if (s.substr(i, 11) == "PRIVATE KEY") return "private key block";
      if (s.substr(i, 20) == "PuTTY-User-Key-File-") return "PuTTY private key";
      return nullptr;
    case '-':
      if (s.substr(i, 29) == "-----BEGIN OpenVPN Static key") return "OpenVPN static key";
      return nullptr;
    case 'A':
      if (s.substr(i, 16) == "AGE-SECRET-KEY-1") return "age secret key";
      if (token_at(s, i, "AKIA", 16, 16, upper_digit) || token_at(s, i, "ASIA", 16, 16, upper_digit)) {
        return "AWS access key id";
      }
      if (token_at(s, i, "AIza", 35, 35, b64url)) return "Google API key";
      [[fallthrough]];
    case 'a':
      return authorization_at(s, i) ? "Authorization header" : nullptr;
    case 'e':
      return jwt_at(s, i) ? "JSON Web Token" : nullptr;
    case 'g':
      for (string_view p : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}) {
        if (token_at(s, i, p, 36, 36, alnum)) return "GitHub token";
      }
      if (token_at(s, i, "github_pat_", 22, kAny, alnum_)) return "GitHub token";
      if (token_at(s, i, "glpat-", 20, kAny, b64url)) return "GitLab token";
      return nullptr;
    case 'x':
      for (string_view p : {"xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-"}) {
        if (token_at(s, i, p, 10, kAny, b64url)) return "Slack token";
      }
      return nullptr;
    case ':':
      return url_password_at(s, i) ? "URL with a password" : nullptr;
    default:
      return nullptr;
  }
}

// --- credential assignments ---------------------------------------------

struct Assignment {
  string_view key, value;
  char separator = 0;
};

// `key = value`, `key: value`, `KEY=value`, `"key": "value",`, optionally
// after indentation, `export ` or a YAML `- `. False for comments and for
// lines whose first word is not followed by a separator (`password requisite
// pam_unix.so` is a PAM rule, not an assignment).
bool parse_assignment(string_view line, Assignment* a) {
  size_t i = run_length(line, 0, is_space);
  if (i == line.size() || line[i] == '#' || line[i] == ';' || line[i] == '!' || line.substr(i, 2) == "//") {
    return false;
  }
  if (line.substr(i, 2) == "- ") i += 2 + run_length(line, i + 2, is_space);
  if (line.substr(i, 7) == "export ") i += 7 + run_length(line, i + 7, is_space);
  const char quote = i < line.size() && (line[i] == '"' || line[i] == '\'') ? line[i] : 0;
  if (quote) ++i;
  const size_t key_len = run_length(line, i, is_key_char);
  if (key_len == 0) return false;
  a->key = line.substr(i, key_len);
  i += key_len;
  if (quote) {
    if (i == line.size() || line[i] != quote) return false;
    ++i;
  }
  i += run_length(line, i, is_space);
  if (i == line.size() || (line[i] != '=' && line[i] != ':')) return false;
  a->separator = line[i++];
  if (i < line.size() && (line[i] == '=' || line[i] == ':')) {
    if (a->separator == ':' && line[i] == ':') return false;  // `a::b`, not an assignment
    if (a->separator == '=' && line[i] == '=') return false;  // a comparison
    ++i;
  }
  if (i < line.size() && line[i] == '>') ++i;  // `=>`
  a->value = line.substr(i);
  return true;
}

// The value as written: unquoted, trailing `,`/`;` and inline ` # comment` cut.
string_view bare_value(string_view v, bool* quoted = nullptr) {
  v.remove_prefix(run_length(v, 0, is_space));
  const bool q = !v.empty() && (v[0] == '"' || v[0] == '\'');
  if (quoted) *quoted = q;
  if (q) {
    const size_t close = v.find(v[0], 1);
    return close == string_view::npos ? v.substr(1) : v.substr(1, close - 1);
  }
  for (size_t k = 1; k < v.size(); ++k) {
    if (v[k] == '#' && is_space(v[k - 1])) { v = v.substr(0, k); break; }
  }
  while (!v.empty() && (is_space(v.back()) || v.back() == ',' || v.back() == ';')) v.remove_suffix(1);
  return v;
}

bool equals_nocase(string_view a, string_view lower_b) {
  return a.size() == lower_b.size() && starts_with_nocase(a, 0, lower_b);
}

// `$6$salt$hash`, `$y$...`: a crypt(3) hash, as sensitive as shadow's.
bool crypt_hash(string_view v) {
  const size_t id = run_length(v, 1, [](char c) { return is_alnum(c); });
  return id > 0 && id < 10 && v.size() > id + 1 && v[id + 1] == '$';
}

// Values that are settings or references, not secrets: value_is_reference;
// unquoted values of several words or with a call (prose, a list or code:
// nsswitch's `passwd: files systemd`, openssl.cnf's `challengePassword = A
// challenge password`, `token = self.next()`); fewer than 4 bytes (`on`,
// `no`, `1`); masks (`****`, `xxxx`); booleans and the key's own word
// (`password: password`); plain numbers (`token_ttl = 3600`); paths and
// references (`password_file = /etc/x`, openssl's `env:VAR`: where the secret
// lives, not the secret).
// Empty, or a variable/template reference: `$VAR`, `${VAR}` (but not a crypt
// hash), `%(x)s`, `<your-password>`, `{{ template }}`.
// A `$` value is a reference only when it has a variable's shape
// (`$NAME`, `${...}`, `$(...)`): a generated password may begin with `$`.
bool variable_reference(string_view v) {
  if (v.size() < 2) return false;
  if (v[1] == '{') return v.back() == '}';
  if (v[1] == '(') return v.back() == ')';
  const auto word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; };
  if (!((v[1] >= 'a' && v[1] <= 'z') || (v[1] >= 'A' && v[1] <= 'Z') || v[1] == '_')) return false;
  for (size_t i = 2; i < v.size(); ++i) {
    if (!word(v[i])) return false;
  }
  return true;
}

bool value_is_reference(string_view v) {
  if (v.empty()) return true;
  if (v[0] == '$') return !crypt_hash(v) && variable_reference(v);
  return v[0] == '%' || v[0] == '<' || v.substr(0, 2) == "{{";
}

bool value_is_placeholder(string_view v, bool quoted) {
  if (value_is_reference(v)) return true;
  if (!quoted && v.find_first_of(" \t(") != string_view::npos) return true;
  if (v.size() < 4) return true;
  if (v[0] == '/' || v.substr(0, 2) == "~/" || v.substr(0, 2) == "./" || v.substr(0, 5) == "file:" ||
      v.substr(0, 4) == "env:") {
    return true;
  }
  if (v == "[]" || v == "{}" || v == "~" || v == "''" || v == "\"\"") return true;
  if (run_length(v, 0, [](char c) { return c == '*' || c == 'x' || c == 'X' || c == '.' || c == '-' || c == '?'; }) ==
      v.size()) {
    return true;
  }
  if (run_length(v, 0, [](char c) { return c >= '0' && c <= '9'; }) == v.size()) return true;
  static constexpr std::array<string_view, 19> kWords = {
      "none", "null", "true", "false", "empty", "unset", "required", "optional", "disabled",
      "enabled", "prompt", "auto", "default", "password", "passwd", "pass", "secret", "token", "changeit"};
  for (string_view w : kWords) {
    if (equals_nocase(v, w)) return true;
  }
  return false;
}

// The key lower-cased without `_`, `-`, `.` ("DB_PASSWORD" -> "dbpassword").
std::string normalized_key(string_view key) {
  std::string k;
  k.reserve(key.size());
  for (char c : key) {
    if (c != '_' && c != '-' && c != '.') k += lower(c);
  }
  return k;
}

bool ends_with(string_view s, string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Keys whose value is key material itself: any value but a reference is the
// secret (a base64 key may well start with `/`).
const char* key_material_kind(string_view raw_key, char separator) {
  if (raw_key == "PrivateKey" && separator == '=') return "WireGuard PrivateKey";
  if (raw_key == "PresharedKey" && separator == '=') return "WireGuard PresharedKey";
  if (raw_key == "client-key-data") return "kubeconfig client-key-data";
  if (raw_key == "psk") return "pre-shared key";
  return nullptr;
}

// What a key names, when it names a credential. Keys that name where a
// secret is or what it is like (`secretName`, `token_file`, `password_ttl`,
// `PasswordAuthentication`) are not credentials.
const char* credential_key_kind(string_view raw_key, char separator) {
  const std::string key = normalized_key(raw_key);
  if (const char* kind = key_material_kind(raw_key, separator)) return kind;
  static constexpr std::array<string_view, 14> kNotValues = {
      "name", "ref", "file", "path", "dir", "url", "uri", "ttl", "timeout",
      "length", "type", "command", "cmd", "authentication"};
  for (string_view s : kNotValues) {
    if (ends_with(key, s)) return nullptr;
  }
  struct Word { string_view word; const char* kind; };
  static constexpr std::array<Word, 11> kWords = {{
      {"password", "password assignment"}, {"passwd", "password assignment"},
      {"passphrase", "passphrase assignment"}, {"pwd", "password assignment"},
      {"secret", "secret assignment"}, {"token", "token assignment"},
      {"apikey", "API key assignment"}, {"privatekey", "private key assignment"},
      {"accesskey", "access key assignment"}, {"credential", "credential assignment"},
      {"presharedkey", "pre-shared key assignment"},
  }};
  for (const Word& w : kWords) {
    if (key.find(w.word) != std::string::npos) return w.kind;
  }
  // Suffixes only: `DB_PASS`, `MYSQL_PASS`, containerd's and docker's `auth`
  // (base64 user:password), but not `bypass`-like words in the middle.
  if (ends_with(key, "pass") && key != "bypass" && key != "compass") return "password assignment";
  if (key == "auth" || ends_with(key, "basicauth")) return "auth credential assignment";
  return nullptr;
}

// A credential assignment, or one nested in its value (`Environment=DB_PASSWORD=x`).
const char* credential_kind(Assignment a) {
  const char* kind = credential_key_kind(a.key, a.separator);
  if (!kind) {
    Assignment inner;
    if (parse_assignment(bare_value(a.value), &inner)) {
      kind = credential_key_kind(inner.key, inner.separator);
      a = inner;
    }
  }
  if (!kind) return nullptr;
  bool quoted = false;
  const string_view value = bare_value(a.value, &quoted);
  if (key_material_kind(a.key, a.separator)) return value_is_reference(value) ? nullptr : kind;
  return value_is_placeholder(value, quoted) ? nullptr : kind;
}

// Kubernetes-style `- name: DB_PASSWORD` (then `value: hunter2`).
bool names_credential(const Assignment& a) {
  return a.key == "name" && credential_key_kind(bare_value(a.value), ':');
}

bool value_holds_secret(const Assignment& a) {
  bool quoted = false;
  if (a.key != "value") return false;
  const string_view value = bare_value(a.value, &quoted);
  return !value_is_placeholder(value, quoted);
}

// The byte pairs a token rule can start with: one table look-up per byte
// keeps the scan to a predictable branch ("e" alone would stop at every word).
class TokenStarts {
 public:
  TokenStarts() {
    for (const char* p : {"PR", "Pu", "--", "AG", "AK", "AS", "AI", "au", "Au", "AU", "aU", "ey", "gh", "gi", "gl",
                          "xo", ":/"}) {
      bits_[index(p[0], p[1])] = true;
    }
  }
  bool maybe(string_view s, size_t i) const { return i + 1 < s.size() && bits_[index(s[i], s[i + 1])]; }

 private:
  static size_t index(char a, char b) {
    return static_cast<unsigned char>(a) << 8 | static_cast<unsigned char>(b);
  }
  std::bitset<65536> bits_;
};

}  // namespace

SecretFinding find_secret(string_view text) {
  static const TokenStarts kStarts;
  size_t line_no = 0;
  bool previous_named_credential = false;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == string_view::npos) end = text.size();
    string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    start = end + 1;
    Assignment a;
    if (parse_assignment(line, &a)) {
      if (const char* kind = credential_kind(a)) return {kind, line_no};
      if (previous_named_credential && value_holds_secret(a)) return {"credential name/value pair", line_no};
      previous_named_credential = names_credential(a);
    } else {
      previous_named_credential = false;
    }
    for (size_t i = 0; i < line.size(); ++i) {
      if (!kStarts.maybe(line, i)) continue;
      if (const char* kind = token_kind_at(line, i)) return {kind, line_no};
    }
  }
  return {};
}

}  // namespace drift
