// sshd_config(5) read as OpenSSH 9.x's servconf.c reads it, so that the values
// here are what sshd uses (checked against `sshd -T` in the tests):
// - a line is `Keyword value...` or `Keyword=value`; keywords are
//   case-insensitive; arguments are split as argv_split() does (white space,
//   single or double quotes, `#` at the start of a word ends the line);
//   a keyword without an argument or an unknown keyword is an error, as sshd
//   refuses to start on either;
// - for most keywords the first value wins; the list keywords accumulate over
//   lines and files (kListKeywords); Subsystem accumulates by name;
// - `Include` takes globs, relative ones under /etc/ssh, each sorted, read in
//   place (depth at most 16, as READCONF_MAX_DEPTH), and a Match block opened
//   in an included file ends with that file;
// - `Match criteria` opens its own context, ended by the next Match (`Match
//   all` returns to the global one); keys there are `match."criteria".kw`, and
//   within a block the first value wins as well.
// Keys are lowercase keywords (aliases folded: ChallengeResponseAuthentication
// is kbdinteractiveauthentication), as `sshd -T` prints them; yes/no values
// are lowercased as sshd compares them. Defaults are not modelled: a keyword
// no file sets is absent.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "semantic/formats.h"
#include "semantic/key_path.h"
#include "semantic/readers.h"

namespace drift {
namespace {

constexpr const char* kSshdDir = "/etc/ssh";
constexpr int kMaxIncludeDepth = 16;

// Keywords whose values accumulate across lines and files.
const std::set<std::string> kListKeywords = {
    "acceptenv", "allowgroups", "allowusers", "denygroups", "denyusers",
    "hostcertificate", "hostkey", "listenaddress", "port",
};

// Every keyword sshd 9.2 (Debian 12) accepts, besides Include and Match.
const std::set<std::string> kKeywords = {
    "acceptenv", "addressfamily", "allowagentforwarding", "allowgroups", "allowstreamlocalforwarding",
    "allowtcpforwarding", "allowusers", "authenticationmethods", "authorizedkeyscommand",
    "authorizedkeyscommanduser", "authorizedkeysfile", "authorizedprincipalscommand",
    "authorizedprincipalscommanduser", "authorizedprincipalsfile", "banner", "casignaturealgorithms",
    "channeltimeout", "chrootdirectory", "ciphers", "clientalivecountmax", "clientaliveinterval",
    "compression", "debianbanner", "denygroups", "denyusers", "disableforwarding", "exposeauthinfo",
    "fingerprinthash", "forcecommand", "gatewayports", "gssapiauthentication", "gssapicleanupcredentials",
    "gssapikexalgorithms", "gssapikeyexchange", "gssapistorecredentialsonrekey", "gssapistrictacceptorcheck",
    "hostbasedacceptedalgorithms", "hostbasedauthentication", "hostbasedusesnamefrompacketonly",
    "hostcertificate", "hostkey", "hostkeyagent", "hostkeyalgorithms", "ignorerhosts", "ignoreuserknownhosts",
    "ipqos", "kbdinteractiveauthentication", "kerberosauthentication", "kerberosgetafstoken",
    "kerberosorlocalpasswd", "kerberosticketcleanup", "kexalgorithms", "listenaddress", "logingracetime",
    "loglevel", "logverbose", "macs", "maxauthtries", "maxsessions", "maxstartups", "modulifile",
    "passwordauthentication", "permitemptypasswords", "permitlisten", "permitopen", "permitrootlogin",
    "permittty", "permittunnel", "permituserenvironment", "permituserrc", "persourcemaxstartups",
    "persourcenetblocksize", "pidfile", "port", "printlastlog", "printmotd", "pubkeyacceptedalgorithms",
    "pubkeyauthentication", "pubkeyauthoptions", "rdomain", "rekeylimit", "requiredrsasize", "revokedkeys",
    "securitykeyprovider", "setenv", "streamlocalbindmask", "streamlocalbindunlink", "strictmodes",
    "subsystem", "syslogfacility", "tcpkeepalive", "trustedusercakeys", "unusedconnectiontimeout", "usedns",
    "usepam", "versionaddendum", "x11displayoffset", "x11forwarding", "x11uselocalhost", "xauthlocation",
};

// Old names servconf.c maps onto current keywords.
const std::map<std::string, std::string> kAliases = {
    {"challengeresponseauthentication", "kbdinteractiveauthentication"},
    {"dsaauthentication", "pubkeyauthentication"},
    {"hostbasedacceptedkeytypes", "hostbasedacceptedalgorithms"},
    {"pubkeyacceptedkeytypes", "pubkeyacceptedalgorithms"},
    {"hostdsakey", "hostkey"},
};

// Accepted with a "deprecated" or "unsupported" message and otherwise ignored.
const std::set<std::string> kIgnoredKeywords = {
    "afstokenpassing", "keyregenerationinterval", "pamauthenticationviakbdint", "protocol",
    "rhostsrsaauthentication", "rsaauthentication", "serverkeybits", "uselogin",
    "useprivilegeseparation", "verifyreversemapping", "reversemappingcheck", "skeyauthentication",
    "kerberostgtpassing", "showpatchlevel", "useprivilegedport", "usedns6",
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// argv_split(): words split on white space, quotes group, `\` escapes a quote
// or backslash inside quotes, `#` at the start of a word ends the line.
bool split_words(std::string_view s, std::vector<std::string>* out, std::string* err) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    if (i >= s.size()) break;
    if (s[i] == '#') break;
    std::string w;
    char quote = 0;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (quote) {
        if (c == '\\' && i + 1 < s.size() && (s[i + 1] == quote || s[i + 1] == '\\')) {
          w.push_back(s[++i]);
        } else if (c == quote) {
          quote = 0;
        } else {
          w.push_back(c);
        }
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        break;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\'' || s[i + 1] == '\\' || s[i + 1] == ' ')) {
        w.push_back(s[++i]);
      } else {
        w.push_back(c);
      }
    }
    if (quote) {
      *err = "invalid quotes";
      return false;
    }
    out->push_back(std::move(w));
  }
  return true;
}

std::string normalise_value(std::string v) {
  const std::string l = lower(v);
  return l == "yes" || l == "no" ? l : v;
}

struct SshdError {
  std::string file;
  int line;
  std::string message;
};

class SshdReader {
 public:
  SshdReader(const FileSource* files, FlatDoc* doc) : files_(files), doc_(doc) {}

  void read(std::string_view text, const std::string& file, int depth) {
    if (depth > kMaxIncludeDepth) throw SshdError{file, 0, "Include nested more than " + std::to_string(kMaxIncludeDepth) + " deep"};
    const std::string saved_context = context_;
    int line_no = 0;
    for (size_t pos = 0; pos < text.size();) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      const std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      parse_line(line, file, line_no, depth);
    }
    context_ = saved_context;  // a Match block ends with its file
  }

 private:
  void parse_line(std::string_view line, const std::string& file, int line_no, int depth) {
    // strdelim(): the keyword ends at white space or one '='.
    size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= line.size() || line[i] == '#') return;
    size_t k = i;
    while (k < line.size() && line[k] != ' ' && line[k] != '\t' && line[k] != '=' && line[k] != '\r') ++k;
    const std::string raw_keyword(line.substr(i, k - i));
    while (k < line.size() && (line[k] == ' ' || line[k] == '\t')) ++k;
    if (k < line.size() && line[k] == '=') ++k;
    std::vector<std::string> args;
    std::string err;
    if (!split_words(line.substr(k), &args, &err)) throw SshdError{file, line_no, err};
    if (args.empty()) throw SshdError{file, line_no, "no argument after keyword \"" + raw_keyword + "\""};
    std::string keyword = lower(raw_keyword);
    if (auto a = kAliases.find(keyword); a != kAliases.end()) keyword = a->second;
    if (keyword == "include") return include(args, file, line_no, depth);
    if (keyword == "match") {
      std::string criteria;
      for (const std::string& a : args) criteria += (criteria.empty() ? "" : " ") + a;
      context_ = lower(criteria) == "all" ? "" : join_key("match", criteria);
      return;
    }
    if (kIgnoredKeywords.count(keyword)) return;
    if (!kKeywords.count(keyword)) throw SshdError{file, line_no, "Bad configuration option: " + raw_keyword};
    const std::string key = join_key(context_, keyword);
    if (doc_->values.size() >= kMaxFlatValues) throw SshdError{file, line_no, "too many values"};
    if (kListKeywords.count(keyword)) {
      std::string joined;
      for (const std::string& a : args) joined += (joined.empty() ? "" : " ") + a;
      if (const FlatValue* have = doc_->find(key)) {
        FlatValue v = *have;  // the list keeps the line that started it
        v.value += " " + joined;
        doc_->set(key, std::move(v));
      } else {
        doc_->set(key, {joined, file, line_no});
      }
      return;
    }
    if (keyword == "subsystem") {  // by name: the first definition of each name
      std::string command;
      for (size_t j = 1; j < args.size(); ++j) command += (command.empty() ? "" : " ") + args[j];
      const std::string sub = join_key(key, args[0]);
      if (!doc_->find(sub)) doc_->set(sub, {command, file, line_no});
      return;
    }
    if (doc_->find(key)) return;  // the first value wins
    std::string value;
    for (const std::string& a : args) value += (value.empty() ? "" : " ") + a;
    doc_->set(key, {normalise_value(value), file, line_no});
  }

  void include(const std::vector<std::string>& args, const std::string& file, int line_no, int depth) {
    if (!files_) {  // a single text: the Include itself is the value
      const std::string key = join_key(context_, "include");
      std::string joined;
      for (const std::string& a : args) joined += (joined.empty() ? "" : " ") + a;
      const FlatValue* have = doc_->find(key);
      doc_->set(key, {have ? have->value + " " + joined : joined, file, have ? have->line : line_no});
      return;
    }
    for (const std::string& a : args) {
      const std::string pattern = a[0] == '/' || a[0] == '~' ? a : std::string(kSshdDir) + "/" + a;
      for (const std::string& path : files_->glob(pattern)) {
        std::string text, err;
        if (!files_->read(path, &text, &err)) throw SshdError{file, line_no, "Include " + path + ": " + err};
        read(text, path, depth + 1);
      }
    }
  }

  const FileSource* files_;
  FlatDoc* doc_;
  std::string context_;  // "" global, else the match."criteria" prefix
};

}  // namespace

std::string sshd_canonical_keyword(const std::string& keyword) {
  std::string k = lower(keyword);
  if (auto a = kAliases.find(k); a != kAliases.end()) k = a->second;
  return k;
}

bool sshd_keyword_known(const std::string& keyword) { return kKeywords.count(sshd_canonical_keyword(keyword)) > 0; }

FlatDoc read_sshd(std::string_view text, const std::string& file, const FileSource* files) {
  FlatDoc doc;
  try {
    SshdReader(files, &doc).read(text, file, 0);
  } catch (const SshdError& e) {
    doc = FlatDoc::failed(e.message, e.line, e.file);
  }
  return doc;
}

}  // namespace drift
