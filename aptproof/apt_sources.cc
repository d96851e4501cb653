// apt sources. The one-line format's options ("[signed-by=/k.gpg arch=amd64]")
// and deb822 .sources stanzas (through aptproof/deb822) both yield AptSource;
// only what binds a key to a repository is kept. uri_to_list_prefix follows
// apt-pkg/contrib/strutl.cc URItoFileName and QuoteString (" \"\\'" escaped,
// and '_' so that '/' -> '_' cannot collide), the names apt gives list files.
#include "aptproof/apt_sources.h"

#include <algorithm>
#include <cctype>

#include "aptproof/deb822.h"
#include "lib/split_words.h"

namespace drift {
namespace {

std::vector<std::string> split_comma(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    const size_t j = std::min(s.find(',', i), s.size());
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string strip_trailing_slash(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

std::vector<AptSource> parse_sources_list(std::string_view text, const std::string& file,
                                          std::vector<std::string>* problems) {
  std::vector<AptSource> out;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = std::min(text.find('\n', pos), text.size());
    std::string_view l = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (const size_t hash = l.find('#'); hash != std::string_view::npos) l = l.substr(0, hash);
    // Options in brackets may hold blanks around '=' only in theory; apt splits on blanks.
    std::string options;
    std::string rest;
    if (const size_t open = l.find('['); open != std::string_view::npos) {
      const size_t close = l.find(']', open);
      if (close == std::string_view::npos) {
        problems->push_back(file + ":" + std::to_string(line_no) + ": '[' without ']'");
        continue;
      }
      options = std::string(l.substr(open + 1, close - open - 1));
      rest = std::string(l.substr(0, open)) + " " + std::string(l.substr(close + 1));
    } else {
      rest = std::string(l);
    }
    const std::vector<std::string> words = split_words(rest);
    if (words.empty()) continue;
    if (words[0] != "deb" && words[0] != "deb-src") {
      problems->push_back(file + ":" + std::to_string(line_no) + ": not a deb line");
      continue;
    }
    if (words.size() < 3) {
      problems->push_back(file + ":" + std::to_string(line_no) + ": a deb line needs a URI and a suite");
      continue;
    }
    if (words[0] == "deb-src") continue;  // source packages: nothing of them is installed
    AptSource s;
    s.uri = strip_trailing_slash(words[1]);
    s.suites = {words[2]};
    s.file = file;
    s.line = line_no;
    for (const std::string& opt : split_words(options)) {
      const size_t eq = opt.find('=');
      if (eq == std::string::npos) continue;
      std::string key = opt.substr(0, eq);
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (key == "signed-by") {
        for (std::string& f : split_comma(opt.substr(eq + 1))) s.signed_by_files.push_back(std::move(f));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<AptSource> parse_sources_deb822(std::string_view text, const std::string& file,
                                            std::vector<std::string>* problems) {
  std::vector<AptSource> out;
  std::vector<Deb822Stanza> stanzas;
  std::string err;
  if (!parse_deb822(text, &stanzas, &err, 10000)) {
    problems->push_back(file + ": " + err);
    return out;
  }
  for (const Deb822Stanza& st : stanzas) {
    const std::string* types = st.find("Types");
    const std::string* uris = st.find("URIs");
    const std::string* suites = st.find("Suites");
    if (const std::string* en = st.find("Enabled"); en && *en == "no") continue;
    if (!types || !uris || !suites) {
      problems->push_back(file + ":" + std::to_string(st.line) + ": a stanza needs Types, URIs and Suites");
      continue;
    }
    bool deb = false;
    for (const std::string& t : split_words(*types)) deb |= t == "deb";
    if (!deb) continue;
    std::vector<std::string> files;
    std::string inline_key;
    if (const std::string* sb = st.find("Signed-By")) {
      if (sb->find("-----BEGIN PGP PUBLIC KEY BLOCK-----") != std::string::npos) {
        inline_key = *sb;  // continuation lines joined by '\n'; "." lines made empty: the armor
      } else {
        for (const std::string& w : split_words(*sb)) {
          for (std::string& f : split_comma(w)) files.push_back(std::move(f));
        }
      }
    }
    for (const std::string& uri : split_words(*uris)) {
      AptSource s;
      s.uri = strip_trailing_slash(uri);
      s.suites = split_words(*suites);
      s.signed_by_files = files;
      s.signed_by_inline = inline_key;
      s.file = file;
      s.line = st.line;
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::string uri_to_list_prefix(std::string_view uri) {
  // Drop the scheme ("http://") and any user:password@.
  if (const size_t scheme = uri.find("://"); scheme != std::string_view::npos) uri.remove_prefix(scheme + 3);
  else if (const size_t colon = uri.find(':'); colon != std::string_view::npos) uri.remove_prefix(colon + 1);
  if (const size_t at = uri.find('@'), slash = uri.find('/'); at != std::string_view::npos && at < slash) {
    uri.remove_prefix(at + 1);
  }
  std::string out;
  static const char kHex[] = "0123456789abcdef";
  for (unsigned char c : uri) {
    if (c == '/') {
      out += '_';
    } else if (c == '_' || c == ' ' || c == '"' || c == '\\' || c == '\'' || c == '%' || c <= 0x20 || c >= 0x7f) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string list_prefix_of(const AptSource& source, const std::string& suite) {
  if (!suite.empty() && suite.back() == '/') {
    std::string s = suite == "./" ? "" : suite;
    return uri_to_list_prefix(source.uri + "/" + s);
  }
  return uri_to_list_prefix(source.uri + "/dists/" + suite + "/");
}

}  // namespace drift
