// exports(5) as nfs-utils' getexportent() reads it, character by character
// (support/nfs/xio.c and exports.c): a backslash-newline is one blank and the
// next line's indentation is skipped; '#' starts a comment only where a
// token may start; double quotes toggle quoting anywhere in a token; "\ooo"
// octal escapes are decoded as they are read; a token ends at unquoted
// whitespace or a NUL byte, and a decoded NUL ends the string as it does in
// C. A token starting with '-' sets default options for the rest of the line;
// "(opts)" with no name is a client too: the world. Paths are limited to 1024
// bytes and clients to 511, as in nfs-utils' buffers.
//
// Line numbers are true editor lines (nfs-utils' own count drifts after
// comments), and an entry's line is the line of its path.
#include "exports/exports_file.h"

#include <algorithm>

#include "exports/exports_client.h"
#include "baseline/escape.h"

namespace drift {
namespace {

constexpr size_t kPathLimit = 1025;    // sizeof(e_path): NFS_MAXPATHLEN + 1
constexpr size_t kClientLimit = 512;   // char exp[512]
constexpr int kEof = -1;

bool is_c_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool is_octal(char c) { return c >= '0' && c <= '7'; }

// xgetc()/xgettok()/xskip() over a buffer. State is (position, line), so an
// unget is a restore.
class ExportsLexer {
 public:
  explicit ExportsLexer(std::string_view text) : buf_(text) {}

  int line() const { return line_; }

  // xgetc(): a backslash before a newline joins the lines into one blank.
  int get() {
    if (pos_ >= buf_.size()) return kEof;
    const char c = buf_[pos_++];
    if (c == '\\' && pos_ < buf_.size() && buf_[pos_] == '\n') {
      ++pos_;
      ++line_;
      while (pos_ < buf_.size() && (buf_[pos_] == ' ' || buf_[pos_] == '\t')) ++pos_;
      return ' ';
    }
    if (c == '\n') ++line_;
    return static_cast<unsigned char>(c);
  }

  // xskip(): skips the characters of `set` and comments; stops before the first other.
  void skip(std::string_view set) {
    while (true) {
      size_t pos = pos_;
      int line = line_;
      int c = get();
      if (c == '#') {
        while (pos_ < buf_.size() && buf_[pos_] != '\n') ++pos_;
        pos = pos_;
        line = line_;
        c = pos_ < buf_.size() ? get() : kEof;
      }
      if (c == kEof || set.find(static_cast<char>(c)) == std::string_view::npos) {
        pos_ = pos;
        line_ = line;
        return;
      }
    }
  }

  // xgettok(): 1 with a token, 0 at the end of a line or the file, -1 when longer than `limit`.
  int token(std::string* tok, size_t limit) {
    tok->clear();
    bool quoted = false;
    int c = 0;
    while (tok->size() < limit) {
      const size_t pos = pos_;
      const int line = line_;
      c = get();
      if (c == kEof) break;
      if (!quoted && (c == 0 || is_c_space(c))) {
        if (c == '\n') {
          pos_ = pos;
          line_ = line;
        }
        break;
      }
      if (c == '"') {
        quoted = !quoted;
        continue;
      }
      tok->push_back(static_cast<char>(c));
      const size_t n = tok->size();
      if (n >= 4 && (*tok)[n - 4] == '\\' && is_octal((*tok)[n - 3]) && is_octal((*tok)[n - 2]) && is_octal((*tok)[n - 1])) {
        const int v = ((*tok)[n - 3] - '0') * 64 + ((*tok)[n - 2] - '0') * 8 + ((*tok)[n - 1] - '0');
        if (v < 256) {
          tok->resize(n - 4);
          tok->push_back(static_cast<char>(v));
        }
      }
    }
    if (tok->empty()) return 0;
    if (tok->size() >= limit) return -1;
    if (const size_t nul = tok->find('\0'); nul != std::string::npos) tok->resize(nul);  // a C string
    return 1;
  }

  // After an error: the rest of the logical line (continuations included) is skipped.
  void skip_line() {
    int c;
    while ((c = get()) != kEof && c != '\n') {
    }
  }

 private:
  std::string_view buf_;
  size_t pos_ = 0;
  int line_ = 1;
};

class FileParser {
 public:
  FileParser(std::string_view text, const std::string& file, ParsedExports* out) : lx_(text), file_(file), out_(out) {}

  // getexportent()'s loop: each pass yields at most one client of the current line.
  void run() {
    bool need_path = true;
    std::string client;
    while (true) {
      int ok;
      if (need_path) {
        if (!start_line()) return;
        ok = client_token(&client);
      } else if ((ok = client_token(&client)) == 0) {
        need_path = true;  // end of the line
        continue;
      }
      need_path = false;
      if (ok > 0 && client[0] == '-') {  // default options for the clients after it
        std::string why;
        if (!apply_export_options(std::string_view(client).substr(1), &defaults_, &why)) {
          fail(client, "default options: " + why);
          need_path = true;
          continue;
        }
        ok = client_token(&client);
      }
      if (ok < 0) {
        fail(client.substr(0, 64) + "...", "client name longer than 511 bytes");
        need_path = true;
        continue;
      }
      if (ok == 0) client.clear();  // a path (or default options) alone: the world
      if (!add_client(client)) need_path = true;
    }
  }

 private:
  // getexport(): blanks, then a token; 0 at the end of the line.
  int client_token(std::string* client) {
    lx_.skip(" \t");
    return lx_.token(client, kClientLimit);
  }

  // Reads the next path; false at the end of the file.
  bool start_line() {
    while (true) {
      lx_.skip(" \t\n");
      line_ = lx_.line();
      defaults_ = ExportOptions();
      bare_before_.clear();
      in_path_ = false;
      const int ok = lx_.token(&path_, kPathLimit);
      if (ok == 0) return false;
      if (ok > 0) break;
      fail(path_.substr(0, 64) + "...", "export path longer than 1024 bytes");
    }
    in_path_ = true;
    if (path_.empty() || path_[0] != '/') {
      out_->errors.push_back({path_, file_, line_, path_, "export path '" + escape_bytes(path_) + "' is not absolute", false});
    }
    return true;
  }

  // One client token ("" for a line without clients); false after a fatal error.
  bool add_client(const std::string& token) {
    ExportEntry e;
    e.path = path_;
    e.text = token;
    e.file = file_;
    e.line = line_;
    e.options = defaults_;
    e.applied = !stopped_;
    const size_t open = token.find('(');
    if (open == std::string::npos) {
      e.client = token;
      bare_before_ = token;
    } else {
      e.client = open == 0 ? "*" : token.substr(0, open);
      if (open == 0) {
        e.world_space = true;
        e.bare_before = bare_before_;
      }
      bare_before_.clear();
      const size_t close = token.find(')', open);
      if (close == std::string::npos || close + 1 != token.size()) {
        fail(token, "bad option list: expected client(options) with nothing after ')'");
        return false;
      }
      std::string why;
      if (!apply_export_options(std::string_view(token).substr(open + 1, close - open - 1), &e.options, &why)) {
        fail(token, why);
        return false;
      }
    }
    const ClientKind kind = client_kind(e.client);
    IpNetwork net;
    std::string why;
    if (kind == ClientKind::kSubnet && !client_network(e.client, &net, &why)) {
      out_->errors.push_back({path_, file_, line_, token, "client '" + escape_bytes(e.client) + "': " + why + "; exportfs skips this client", false});
      e.applied = false;
    }
    out_->entries.push_back(std::move(e));
    return true;
  }

  // A fatal error: nfs-utils' getexportent() returns NULL and exportfs reads no further in this file.
  void fail(const std::string& text, const std::string& message) {
    std::string m = message;
    if (!stopped_) m += "; exportfs stops reading " + escape_bytes(file_) + " here, so nothing below this point is exported";
    out_->errors.push_back({in_path_ ? path_ : std::string(), file_, line_, text, m, !stopped_});
    stopped_ = true;
    lx_.skip_line();
  }

  ExportsLexer lx_;
  const std::string& file_;
  ParsedExports* out_;
  std::string path_;
  int line_ = 0;
  ExportOptions defaults_;
  std::string bare_before_;
  bool in_path_ = false;  // path_ holds the current line's path
  bool stopped_ = false;
};

}  // namespace

void parse_exports_text(std::string_view text, const std::string& file, ParsedExports* out) {
  // nfs-utils reads the file as C strings: a NUL byte cuts what it sees of a
  // line, so the line means something other than what is written. Never
  // clean: each such line is a parse error of its own.
  int line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
    if (text[i] != '\0') continue;
    const size_t start = text.rfind('\n', i) == std::string_view::npos ? 0 : text.rfind('\n', i) + 1;
    const size_t end = std::min(text.find('\n', i), text.size());
    out->errors.push_back({"", file, line, escape_bytes(text.substr(start, end - start)),
                           "the line holds a NUL byte: nfs-utils reads C strings, so it would not export what is written", false});
    i = end - 1;
  }
  FileParser(text, file, out).run();
}

}  // namespace drift
