// Export options, following nfs-utils (support/nfs/exports.c) line by line
// where it matters: the keyword table of parseopts(), strtoul()'s reading of
// fsid= (so fsid=0x0 and fsid=4294967296 are the pseudo-root too, as the kernel
// sees 32 bits), the per-flavor flags of sec=, and putexportent()'s spelling
// of every default. Rendering and parsing agree, so an etab line parsed back
// compares equal to the exports line that produced it.
#include "exports/exports_options.h"

#include <algorithm>
#include <cctype>
#include <climits>

#include "baseline/escape.h"

namespace drift {
namespace {

struct Keyword {
  const char* name;
  uint32_t mask;
  bool set;  // true: setflags, false: clearflags
};

// parseopts()'s plain keywords.
constexpr Keyword kKeywords[] = {
    {"ro", kExpReadonly, true},           {"rw", kExpReadonly, false},
    {"secure", kExpInsecurePort, false},  {"insecure", kExpInsecurePort, true},
    {"sync", kExpAsync, false},           {"async", kExpAsync, true},
    {"nordirplus", kExpNoReaddirplus, true}, {"security_label", kExpSecurityLabel, true},
    {"sign_fh", kExpSignFh, true},        {"nohide", kExpNoHide, true},
    {"hide", kExpNoHide, false},          {"crossmnt", kExpCrossmount, true},
    {"nocrossmnt", kExpCrossmount, false}, {"wdelay", kExpGatheredWrites, true},
    {"no_wdelay", kExpGatheredWrites, false}, {"root_squash", kExpRootSquash, true},
    {"no_root_squash", kExpRootSquash, false}, {"all_squash", kExpAllSquash, true},
    {"no_all_squash", kExpAllSquash, false}, {"subtree_check", kExpNoSubtreeCheck, false},
    {"no_subtree_check", kExpNoSubtreeCheck, true}, {"auth_nlm", kExpNoAuthNlm, false},
    {"no_auth_nlm", kExpNoAuthNlm, true}, {"secure_locks", kExpNoAuthNlm, false},
    {"insecure_locks", kExpNoAuthNlm, true}, {"acl", kExpNoAcl, false},
    {"no_acl", kExpNoAcl, true},          {"pnfs", kExpPnfs, true},
    {"no_pnfs", kExpPnfs, false},
};

struct Flavor {
  const char* name;
  int number;
};
constexpr Flavor kFlavors[] = {{"krb5", 390003}, {"krb5i", 390004}, {"krb5p", 390005},
                               {"unix", 1},      {"sys", 1},         {"null", 0}, {"none", 0}};
constexpr size_t kMaxFlavors = 8;  // SECFLAVOR_COUNT

const char* canonical_flavor(int number) {
  switch (number) {
    case 1: return "sys";
    case 0: return "null";
    case 390003: return "krb5";
    case 390004: return "krb5i";
    default: return "krb5p";
  }
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// strtoul(s, &end, 0) on 64-bit glibc: returns whether the whole string was a number.
bool parse_c_ulong(std::string_view s, uint64_t* out) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  unsigned base = 10;
  if (i < s.size() && s[i] == '0') {
    if (i + 2 < s.size() && (s[i + 1] | 0x20) == 'x' && std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  const size_t start = i;
  uint64_t v = 0;
  bool overflow = false;
  for (; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    unsigned d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
    else break;
    if (d >= base) break;
    if (v > (UINT64_MAX - d) / base) overflow = true;
    else v = v * base + d;
  }
  if (i == start) return false;
  *out = overflow ? UINT64_MAX : (neg ? 0 - v : v);
  return i == s.size();
}

// strtol(s, &end, 10) truncated to int, as nfs-utils stores anonuid/anongid.
bool parse_c_int(std::string_view s, int32_t* out) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  const size_t start = i;
  uint64_t v = 0;
  bool overflow = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (v > (static_cast<uint64_t>(LONG_MAX) + 1 - (s[i] - '0')) / 10) overflow = true;
    else v = v * 10 + (s[i] - '0');
  }
  if (i == start || i != s.size()) return false;
  int64_t r;
  if (overflow) r = neg ? LONG_MIN : LONG_MAX;
  else if (neg) r = v > static_cast<uint64_t>(LONG_MAX) ? LONG_MIN : -static_cast<int64_t>(v);
  else r = v > static_cast<uint64_t>(LONG_MAX) ? LONG_MAX : static_cast<int64_t>(v);
  *out = static_cast<int32_t>(static_cast<uint32_t>(r));
  return true;
}

int count_hex(std::string_view s) {
  int n = 0;
  for (char c : s) n += std::isxdigit(static_cast<unsigned char>(c)) ? 1 : 0;
  return n;
}

// parsesquash() on one option's value: "N" or "N-M" (nfs-utils splits the
// option at the comma first, so only one range fits in one option).
bool parse_squash(std::string_view v, std::vector<std::pair<int, int>>* ids) {
  auto num = [&](size_t* i) {
    const size_t s = *i;
    if (*i < v.size() && v[*i] == '-') ++*i;
    while (*i < v.size() && v[*i] >= '0' && v[*i] <= '9') ++*i;
    int32_t n = 0;
    if (!parse_c_int(v.substr(s, *i - s), &n)) n = 0;  // atoi("") and atoi("-") are 0
    return n;
  };
  size_t i = 0;
  const int a = num(&i);
  int b = a;
  if (i < v.size() && v[i] == '-') {
    ++i;
    b = num(&i);
  }
  if (a == -1 || b == -1 || i != v.size()) return false;
  ids->emplace_back(a, b);
  return true;
}

void set_flags(uint32_t mask, uint32_t active, ExportOptions* o) {
  o->flags |= mask;
  for (size_t bit = 0; bit < o->sec.size(); ++bit) {
    if (active & (1u << bit)) o->sec[bit].flags |= mask;
  }
}

void clear_flags(uint32_t mask, uint32_t active, ExportOptions* o) {
  o->flags &= ~mask;
  for (size_t bit = 0; bit < o->sec.size(); ++bit) {
    if (active & (1u << bit)) o->sec[bit].flags &= ~mask;
  }
}

// parse_flavors(): adds each flavor once, returns the bits of those named.
bool add_flavors(std::string_view list, ExportOptions* o, uint32_t* active, std::string* err) {
  *active = 0;
  size_t start = 0;
  while (true) {
    const size_t colon = list.find(':', start);
    const std::string_view name = list.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    const Flavor* f = nullptr;
    for (const Flavor& k : kFlavors) {
      if (name == k.name) f = &k;
    }
    if (!f) {
      *err = "unknown security flavor '" + escape_bytes(name) + "'";
      return false;
    }
    size_t bit = 0;
    while (bit < o->sec.size() && o->sec[bit].number != f->number) ++bit;
    if (bit == o->sec.size()) {
      if (o->sec.size() >= kMaxFlavors) {
        *err = "more than 8 security flavors";
        return false;
      }
      o->sec.push_back({f->name, f->number, o->flags});
    }
    *active |= 1u << bit;
    if (colon == std::string_view::npos) return true;
    start = colon + 1;
  }
}

bool add_xprtsec(std::string_view list, ExportOptions* o, std::string* err) {
  size_t start = 0;
  while (true) {
    const size_t colon = list.find(':', start);
    const std::string name(list.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (name != "none" && name != "tls" && name != "mtls") {
      *err = "unknown xprtsec mode '" + escape_bytes(name) + "'";
      return false;
    }
    bool seen = false;
    for (const std::string& m : o->xprtsec) seen |= m == name;
    if (!seen) o->xprtsec.push_back(name);
    if (colon == std::string_view::npos) return true;
    start = colon + 1;
  }
}

bool apply_fsid(std::string_view value, ExportOptions* o, uint32_t active, std::string* err) {
  uint64_t n;
  if (value == "root") {
    o->fsid = 0;
    set_flags(kExpFsid, active, o);
  } else if (!value.empty() && parse_c_ulong(value, &n)) {
    o->fsid = static_cast<int32_t>(static_cast<uint32_t>(n));
    set_flags(kExpFsid, active, o);
  } else if (count_hex(value) == 32) {
    o->uuid = std::string(value);
  } else {
    *err = "bad fsid '" + escape_bytes(value) + "' (a number, root, or a UUID of 32 hex digits)";
    return false;
  }
  return true;
}

// One option of parseopts().
bool apply_one(std::string_view opt, ExportOptions* o, uint32_t* active, bool* saw_reexport, std::string* err) {
  for (const Keyword& k : kKeywords) {
    if (opt == k.name) {
      (k.set ? set_flags : clear_flags)(k.mask, *active, o);
      return true;
    }
  }
  if (starts_with(opt, "anonuid=") || starts_with(opt, "anongid=")) {
    int32_t v;
    if (!parse_c_int(opt.substr(8), &v)) {
      *err = "bad " + std::string(opt.substr(0, 7)) + " '" + escape_bytes(opt) + "'";
      return false;
    }
    (opt[4] == 'u' ? o->anonuid : o->anongid) = v;
    return true;
  }
  if (starts_with(opt, "squash_uids=") || starts_with(opt, "squash_gids=")) {
    if (!parse_squash(opt.substr(12), opt[7] == 'u' ? &o->squash_uids : &o->squash_gids)) {
      *err = "bad uid/gid list '" + escape_bytes(opt) + "'";
      return false;
    }
    return true;
  }
  if (starts_with(opt, "fsid=")) {
    if (*saw_reexport) {
      *err = "'fsid=' has to be before 'reexport='";
      return false;
    }
    return apply_fsid(opt.substr(5), o, *active, err);
  }
  if (opt == "mountpoint" || opt == "mp" || starts_with(opt, "mountpoint=") || starts_with(opt, "mp=")) {
    const size_t eq = opt.find('=');
    o->has_mountpoint = true;
    o->mountpoint = eq == std::string_view::npos ? "" : std::string(opt.substr(eq + 1));
    return true;
  }
  if (starts_with(opt, "refer=") || starts_with(opt, "replicas=")) {
    const size_t eq = opt.find('=');
    o->fsloc = std::string(opt.substr(0, eq));
    o->fsloc_data = std::string(opt.substr(eq + 1));
    return true;
  }
  if (starts_with(opt, "sec=")) return add_flavors(opt.substr(4), o, active, err);
  if (starts_with(opt, "xprtsec=")) return add_xprtsec(opt.substr(8), o, err);
  if (starts_with(opt, "reexport=")) {
    const std::string_view s = opt.substr(9);
    if (*saw_reexport) {
      *err = "only one 'reexport=' is allowed";
      return false;
    }
    if (s != "auto-fsidnum" && s != "predefined-fsidnum" && s != "none") {
      *err = "bad reexport strategy '" + escape_bytes(s) + "'";
      return false;
    }
    o->reexport = s == "none" ? "" : std::string(s);
    *saw_reexport = true;
    return true;
  }
  *err = "unknown option '" + escape_bytes(opt) + "'";
  return false;
}

std::string squash_text(const std::vector<std::pair<int, int>>& ids) {
  std::string s;
  for (const auto& [a, b] : ids) s += (s.empty() ? "" : ":") + std::to_string(a) + (a == b ? "" : "-" + std::to_string(b));
  return s;
}

// putexportent()'s fixed part, through anongid, comma-separated; `canonical_uuid`
// decides how fsid=<uuid> reads. One string, not a token list: this runs per entry.
std::string fixed_text(const ExportOptions& o, uint32_t f, bool canonical_uuid) {
  std::string t;
  t.reserve(200);
  auto add = [&t](std::string_view token) {
    if (!t.empty()) t += ',';
    t += token;
  };
  add(f & kExpReadonly ? "ro" : "rw");
  add(f & kExpAsync ? "async" : "sync");
  add(f & kExpGatheredWrites ? "wdelay" : "no_wdelay");
  add(f & kExpNoHide ? "nohide" : "hide");
  add(f & kExpCrossmount ? "crossmnt" : "nocrossmnt");
  add(f & kExpInsecurePort ? "insecure" : "secure");
  add(f & kExpRootSquash ? "root_squash" : "no_root_squash");
  add(f & kExpAllSquash ? "all_squash" : "no_all_squash");
  add(f & kExpNoSubtreeCheck ? "no_subtree_check" : "subtree_check");
  add(f & kExpNoAuthNlm ? "insecure_locks" : "secure_locks");
  add(f & kExpNoAcl ? "no_acl" : "acl");
  if (f & kExpNoReaddirplus) add("nordirplus");
  if (f & kExpSecurityLabel) add("security_label");
  if (f & kExpSignFh) add("sign_fh");
  add(f & kExpPnfs ? "pnfs" : "no_pnfs");
  if (f & kExpFsid) add("fsid=" + std::to_string(o.fsid));
  if (!o.uuid.empty()) add("fsid=" + (canonical_uuid ? normalise_uuid(o.uuid) : o.uuid));
  if (!o.reexport.empty()) add("reexport=" + o.reexport);
  if (o.has_mountpoint) add(o.mountpoint.empty() ? "mountpoint" : "mountpoint=" + o.mountpoint);
  if (!o.fsloc.empty()) add(o.fsloc + "=" + o.fsloc_data);
  if (!o.squash_uids.empty()) add("squash_uids=" + squash_text(o.squash_uids));
  if (!o.squash_gids.empty()) add("squash_gids=" + squash_text(o.squash_gids));
  add("anonuid=" + std::to_string(o.anonuid));
  add("anongid=" + std::to_string(o.anongid));
  return t;
}

// The tokens of fixed_text(): no token holds a comma (options are split at commas).
std::vector<std::string> fixed_tokens(const ExportOptions& o, bool canonical_uuid) {
  const std::string text = fixed_text(o, o.flags, canonical_uuid);
  std::vector<std::string> t;
  for (size_t i = 0; i <= text.size();) {
    const size_t end = std::min(text.find(',', i), text.size());
    t.emplace_back(text, i, end - i);
    i = end + 1;
  }
  return t;
}

// secinfo_show(): flavors with equal flags are grouped, then their flags.
void append_sec_text(const ExportOptions& o, bool canonical_names, std::string* s) {
  const ExportSecFlavor sys{"sys", 1, o.flags};
  const ExportSecFlavor* sec = o.sec.empty() ? &sys : o.sec.data();
  const size_t n = o.sec.empty() ? 1 : o.sec.size();
  for (size_t i = 0; i < n;) {
    const uint32_t flags = sec[i].flags & kSecinfoFlags;
    *s += ",sec=";
    size_t j = i;
    for (; j < n && (sec[j].flags & kSecinfoFlags) == flags; ++j) {
      if (j != i) *s += ':';
      *s += canonical_names ? std::string_view(canonical_flavor(sec[j].number)) : std::string_view(sec[j].name);
    }
    *s += flags & kExpReadonly ? ",ro" : ",rw";
    *s += flags & kExpInsecurePort ? ",insecure" : ",secure";
    *s += flags & kExpRootSquash ? ",root_squash" : ",no_root_squash";
    *s += flags & kExpAllSquash ? ",all_squash" : ",no_all_squash";
    i = j;
  }
  for (size_t i = 0; i < o.xprtsec.size(); ++i) *s += (i ? ":" : ",xprtsec=") + o.xprtsec[i];
}

// The tokens of `a` that `b` does not have.
std::vector<std::string> tokens_missing_from(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const std::string& t : a) {
    bool found = false;
    for (const std::string& u : b) found |= t == u;
    if (!found) out.push_back(t);
  }
  return out;
}

}  // namespace

bool apply_export_options(std::string_view list, ExportOptions* o, std::string* err) {
  uint32_t active = 0;
  bool saw_reexport = false;
  size_t i = 0;
  while (i < list.size() && (list[i] == ' ' || list[i] == '\t')) ++i;
  while (i < list.size()) {
    size_t end = list.find(',', i);
    if (end == std::string_view::npos) end = list.size();
    if (!apply_one(list.substr(i, end - i), o, &active, &saw_reexport, err)) return false;
    i = end < list.size() ? end + 1 : end;
    while (i < list.size() && (list[i] == ' ' || list[i] == '\t')) ++i;
  }
  // fix_pseudoflavor_flags(): flags that cannot vary per flavor follow the export.
  for (ExportSecFlavor& s : o->sec) s.flags |= o->flags & ~kSecinfoFlags;
  return true;
}

std::string render_export_options(const ExportOptions& o) {
  std::string s = fixed_text(o, o.flags, false);
  append_sec_text(o, false, &s);
  return s;
}

std::string canonical_export_options(const ExportOptions& o) {
  // What mountd uses is etab read back: written, then parsed again. That is not
  // always the identity: each "sec=" group sets its flags on the export too, so
  // the export ends with the last flavor's (after "-sec=krb5 host(rw)", krb5 is
  // read-only while the export is rw; read back, the export is ro as well).
  // The fuzzer checks that this equals rendering and parsing again.
  const uint32_t flags = o.sec.empty() ? o.flags : (o.flags & ~kSecinfoFlags) | (o.sec.back().flags & kSecinfoFlags);
  std::string s = fixed_text(o, flags, true);
  append_sec_text(o, true, &s);
  return s;
}

std::vector<std::string> effective_option_tokens(const ExportOptions& o) {
  std::vector<std::string> t = fixed_tokens(o, true);
  if (o.sec.empty()) t.push_back("sec=sys");
  for (const ExportSecFlavor& s : o.sec) t.push_back(std::string("sec=") + canonical_flavor(s.number));
  for (const std::string& m : o.xprtsec) t.push_back("xprtsec=" + m);
  return t;
}

bool normalise_rule_option(const std::string& option, std::vector<std::string>* tokens, std::string* err) {
  tokens->clear();
  if (option.find(',') != std::string::npos) {
    *err = "one option per list item, got '" + escape_bytes(option) + "'";
    return false;
  }
  ExportOptions o;
  o.flags = 0;
  o.anonuid = o.anongid = 0;
  std::string why;
  if (!apply_export_options(option, &o, &why)) {
    *err = why;
    return false;
  }
  for (const Keyword& k : kKeywords) {
    if (option != k.name) continue;
    // The spelling etab uses for this keyword (auth_nlm reads as secure_locks).
    ExportOptions probe;
    probe.flags = k.set ? (kDefaultExportFlags | k.mask) : (kDefaultExportFlags & ~k.mask);
    ExportOptions other = probe;
    other.flags ^= k.mask;
    *tokens = tokens_missing_from(fixed_tokens(probe, true), fixed_tokens(other, true));
    return true;
  }
  const std::string_view opt = option;
  if (starts_with(opt, "fsid=")) tokens->push_back(o.uuid.empty() ? "fsid=" + std::to_string(o.fsid) : "fsid=" + normalise_uuid(o.uuid));
  else if (starts_with(opt, "anonuid=")) tokens->push_back("anonuid=" + std::to_string(o.anonuid));
  else if (starts_with(opt, "anongid=")) tokens->push_back("anongid=" + std::to_string(o.anongid));
  else if (starts_with(opt, "sec=")) for (const ExportSecFlavor& s : o.sec) tokens->push_back(std::string("sec=") + canonical_flavor(s.number));
  else if (starts_with(opt, "xprtsec=")) for (const std::string& m : o.xprtsec) tokens->push_back("xprtsec=" + m);
  else {
    // mountpoint, refer=, replicas=, squash_*=, reexport=: the token fixed_tokens() writes.
    ExportOptions base;
    base.flags = 0;
    base.anonuid = base.anongid = 0;
    *tokens = tokens_missing_from(fixed_tokens(o, true), fixed_tokens(base, true));
    if (tokens->empty()) tokens->push_back(option);
  }
  return true;
}

std::string normalise_uuid(std::string_view uuid) {
  std::string hex;
  for (char c : uuid) {
    if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return hex.size() == 32 ? hex : std::string();
}

}  // namespace drift
