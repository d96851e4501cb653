// The exports rules. Every rule looks at the files as written (so a line that
// exportfs would skip is still checked: it is what the operator intends),
// except etab drift, which compares only what exportfs would apply. Rules are
// independent: one line may break several, and each is reported under its
// own name, because each is its own metric series. Work is linear in the
// number of entries: per-path and per-fsid state lives in hash maps.
//
// Severities: option-warn and export-duplicate are warnings; everything else
// is critical (the SEV1 class: the NFS server would do something else than
// the operator believes).
#include "exports/exports_check.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "exports/exports_client.h"
#include "exports/exports_etab.h"
#include "exports/exports_file.h"
#include "baseline/escape.h"

namespace drift {
namespace {

std::string quoted(const std::string& raw) { return "'" + escape_bytes(raw) + "'"; }

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// "/srv//nfs/./" -> "/srv/nfs": how a rule's path is compared with the file's.
std::string lexical_path(const std::string& path) {
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    const size_t j = std::min(path.find('/', i), path.size());
    const std::string_view comp = std::string_view(path).substr(i, j - i);
    if (!comp.empty() && comp != ".") out += "/" + std::string(comp);
    i = j + 1;
  }
  if (path.empty() || path[0] != '/') return path;
  return out.empty() ? "/" : out;
}

struct NormalisedRule {
  const ExportsPathRule* rule;
  std::vector<std::pair<std::string, std::vector<std::string>>> require, forbid, warn;  // option, its tokens
};

std::vector<std::pair<std::string, std::vector<std::string>>> normalise(const std::vector<std::string>& options) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const std::string& o : options) {
    std::vector<std::string> tokens;
    std::string err;
    if (normalise_rule_option(o, &tokens, &err)) out.emplace_back(o, std::move(tokens));
  }
  return out;
}

class Checker {
 public:
  Checker(const ExportsConfig& config, const ExportsSources& sources, ExportsReport* report)
      : config_(config), sources_(sources), out_(&report->violations) {
    for (const ExportsPathRule& r : config.rules) {
      rules_[r.path] = {&r, normalise(r.require), normalise(r.forbid), normalise(r.warn)};
    }
    for (const std::string& c : config.allowed_clients) {
      IpNetwork net;
      std::string err;
      if (parse_cidr(c, &net, &err)) allowed_.push_back(net);
    }
  }

  void check_entries(const std::vector<ExportEntry>& entries) {
    for (const ExportEntry& e : entries) {
      const std::string lex = lexical_path(e.path);
      const std::string& real = resolve(e.path);
      seen_paths_.insert(lex);
      seen_paths_.insert(real);
      duplicate(e, real);
      world_space(e);
      fsid_root(e, lex, real);
      fsid_duplicate(e, real);
      client_allowed(e);
      if (auto it = rules_.find(lex); it != rules_.end()) options(e, it->second);
      else if (auto r = rules_.find(real); r != rules_.end()) options(e, r->second);
    }
    for (const ExportsPathRule& r : config_.rules) {
      if (r.require.empty() || seen_paths_.count(r.path)) continue;
      add(kRuleExportMissing, r.path, kExportsPath, 0, "",
          quoted(r.path) + " is not exported, but exports.rules requires " + escape_bytes(join(r.require)) + " on it",
          true);
    }
  }

  void check_nfs_conf() {
    for (const auto& [key, expected] : config_.nfs_conf) {
      const size_t dot = key.find('.');
      const std::string section = key.substr(0, dot), tag = key.substr(dot + 1);
      const std::string name = "[" + escape_bytes(section) + "] " + escape_bytes(tag);
      const NfsConfBinding* b = nfs_conf_lookup(sources_.nfs_conf, section, tag);
      if (b && nfs_conf_value_matches(expected, b->value)) continue;
      if (b) {
        add(kRuleNfsConf, "", b->file, b->line, b->text,
            name + " is " + quoted(b->value) + ", expected " + quoted(expected), true);
        continue;
      }
      const NfsConfIgnored* hint = ignored_line_for(tag);
      if (hint) {
        add(kRuleNfsConf, "", hint->file, hint->line, hint->text,
            name + " is not set as nfs-utils reads the files: this line is ignored (" + hint->reason + "), expected " +
                quoted(expected),
            true);
      } else {
        add(kRuleNfsConf, "", kNfsConfPath, 0, "",
            name + " is not set" + (sources_.has_nfs_conf ? "" : " (no nfs.conf)") +
                ", so nfs-utils' built-in default applies; expected " + quoted(expected),
            true);
      }
    }
  }

  void add(const char* rule, const std::string& path, const std::string& file, int line, const std::string& text,
           const std::string& message, bool critical) {
    out_->push_back({rule, path, file, line, text, message, critical});
  }

 private:
  const std::string& resolve(const std::string& path) {
    auto it = resolved_.find(path);
    if (it == resolved_.end()) it = resolved_.emplace(path, sources_.realpath ? sources_.realpath(path) : path).first;
    return it->second;
  }

  bool is_pseudo_root(const std::string& lex, const std::string& real) const {
    return std::any_of(config_.pseudo_root.begin(), config_.pseudo_root.end(),
                       [&](const std::string& p) { return p == lex || p == real; });
  }

  static std::string client_name(const ExportEntry& e) { return quoted(e.client.empty() ? "*" : e.client); }

  void duplicate(const ExportEntry& e, const std::string& real) {
    const std::string key = real + '\0' + client_key(e.client);
    auto [it, inserted] = first_export_.emplace(key, &e);
    if (inserted) return;
    add(kRuleExportDuplicate, e.path, e.file, e.line, e.text,
        quoted(e.path) + " to " + client_name(e) + " is listed again (first at " + escape_bytes(it->second->file) +
            ":" + std::to_string(it->second->line) + "): exportfs uses the first and ignores this one",
        false);
  }

  void world_space(const ExportEntry& e) {
    if (!e.world_space) return;
    const std::string opts = e.text;
    if (!e.bare_before.empty()) {
      add(kRuleWorldExportSpace, e.path, e.file, e.line, e.bare_before + " " + e.text,
          quoted(e.bare_before + " " + e.text) + ": the space makes " + quoted(opts) +
              " a client of its own with no name, which nfs-utils exports to the whole world with those options, "
              "while " + quoted(e.bare_before) + " gets the defaults; write " + quoted(e.bare_before + e.text),
          true);
    } else {
      add(kRuleWorldExportSpace, e.path, e.file, e.line, e.text,
          quoted(opts) + " has no client name (a space too many?): nfs-utils exports " + quoted(e.path) +
              " to the whole world with those options; write the client before the '(' (" + quoted("*" + opts) +
              " if the world is meant)",
          true);
    }
  }

  void fsid_root(const ExportEntry& e, const std::string& lex, const std::string& real) {
    if (!is_pseudo_root_fsid(e.options) || is_pseudo_root(lex, real)) return;
    if (!fsid_root_lines_.insert(e.file + '\0' + std::to_string(e.line) + '\0' + e.path).second) return;
    add(kRuleFsidRoot, e.path, e.file, e.line, e.text,
        "fsid=0 makes " + quoted(e.path) +
            " the NFSv4 pseudo-root: NFSv4 clients then resolve every path from it, so mounts of its "
            "subdirectories (CSI volumes) fail; give it a unique non-zero fsid (fsid=1), or list it in "
            "exports.pseudo_root if it is meant to be the pseudo-root",
        true);
  }

  void fsid_duplicate(const ExportEntry& e, const std::string& real) {
    std::vector<std::pair<std::string, std::string>> ids;  // key, as shown
    if (e.options.flags & kExpFsid) ids.emplace_back("n" + std::to_string(e.options.fsid), "fsid=" + std::to_string(e.options.fsid));
    if (!e.options.uuid.empty()) ids.emplace_back("u" + normalise_uuid(e.options.uuid), "fsid=" + escape_bytes(e.options.uuid));
    for (const auto& [key, shown] : ids) {
      auto [it, inserted] = fsid_owner_.emplace(key, &e);
      if (inserted || resolve(it->second->path) == real) continue;
      if (!fsid_reported_.insert(key + '\0' + real).second) continue;
      add(kRuleFsidDuplicate, e.path, e.file, e.line, e.text,
          shown + " on " + quoted(e.path) + " is also the fsid of " + quoted(it->second->path) + " (" +
              escape_bytes(it->second->file) + ":" + std::to_string(it->second->line) +
              "): the kernel cannot tell the two exports apart",
          true);
    }
  }

  void client_allowed(const ExportEntry& e) {
    if (config_.allowed_clients.empty()) return;
    const std::string allowed = escape_bytes(join(config_.allowed_clients));
    const ClientKind kind = client_kind(e.client);
    if (kind == ClientKind::kAnonymous) {
      IpNetwork any4, any6;
      std::string err;
      parse_cidr("0.0.0.0/0", &any4, &err);
      parse_cidr("::/0", &any6, &err);
      if (within_allowed(any4) && within_allowed(any6)) return;
      add(kRuleClientNotAllowed, e.path, e.file, e.line, e.text,
          quoted(e.path) + " is exported to every host (" + client_name(e) + "); allowed_clients: " + allowed, true);
      return;
    }
    if (kind == ClientKind::kHost || kind == ClientKind::kSubnet) {
      IpNetwork net;
      std::string err;
      if (client_network(e.client, &net, &err)) {
        if (within_allowed(net)) return;
        add(kRuleClientNotAllowed, e.path, e.file, e.line, e.text,
            "client " + client_name(e) + " of " + quoted(e.path) + " is outside allowed_clients: " + allowed, true);
        return;
      }
      if (kind == ClientKind::kSubnet) return;  // already a parse error
    }
    add(kRuleClientNotAllowed, e.path, e.file, e.line, e.text,
        "client " + client_name(e) + " of " + quoted(e.path) + " is a " + client_kind_name(kind) +
            ", which cannot be checked against allowed_clients (" + allowed +
            ") without name service; list addresses or networks instead",
        true);
  }

  bool within_allowed(const IpNetwork& net) const {
    return std::any_of(allowed_.begin(), allowed_.end(), [&](const IpNetwork& a) { return network_within(net, a); });
  }

  void options(const ExportEntry& e, const NormalisedRule& r) {
    const std::vector<std::string> effective = effective_option_tokens(e.options);
    const std::unordered_set<std::string> have(effective.begin(), effective.end());
    const std::string who = quoted(e.path) + " to " + client_name(e);
    for (const auto& [option, tokens] : r.require) {
      for (const std::string& t : tokens) {
        if (have.count(t)) continue;
        add(kRuleOptionRequired, e.path, e.file, e.line, e.text,
            who + " lacks the required option " + quoted(option) + " (in effect: " +
                escape_bytes(render_export_options(e.options)) + ")",
            true);
        break;
      }
    }
    auto present = [&](const std::vector<std::string>& tokens) {
      return std::all_of(tokens.begin(), tokens.end(), [&](const std::string& t) { return have.count(t) > 0; });
    };
    for (const auto& [option, tokens] : r.forbid) {
      if (present(tokens)) add(kRuleOptionForbidden, e.path, e.file, e.line, e.text, who + " has the forbidden option " + quoted(option), true);
    }
    for (const auto& [option, tokens] : r.warn) {
      if (present(tokens)) add(kRuleOptionWarn, e.path, e.file, e.line, e.text, who + " has the option " + quoted(option), false);
    }
  }

  // An ignored nfs.conf line that mentions `tag`, to explain why it does not count.
  const NfsConfIgnored* ignored_line_for(const std::string& tag) const {
    std::string t = tag;
    for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const NfsConfIgnored& i : sources_.nfs_conf.ignored) {
      std::string text = i.text;
      for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (text.find(t) != std::string::npos) return &i;
    }
    return nullptr;
  }

  const ExportsConfig& config_;
  const ExportsSources& sources_;
  std::vector<ExportsViolation>* out_;
  std::unordered_map<std::string, NormalisedRule> rules_;
  std::vector<IpNetwork> allowed_;
  std::unordered_map<std::string, std::string> resolved_;
  std::unordered_set<std::string> seen_paths_;
  std::unordered_map<std::string, const ExportEntry*> first_export_;
  std::unordered_map<std::string, const ExportEntry*> fsid_owner_;
  std::unordered_set<std::string> fsid_reported_;
  std::unordered_set<std::string> fsid_root_lines_;
};

// Compiler order: files in the order they were read, then lines.
void sort_violations(const std::vector<std::string>& files, std::vector<ExportsViolation>* v) {
  std::unordered_map<std::string, size_t> rank;
  for (const std::string& f : files) rank.emplace(f, rank.size());
  auto rank_of = [&](const std::string& f) {
    auto it = rank.find(f);
    return it == rank.end() ? rank.size() : it->second;
  };
  std::stable_sort(v->begin(), v->end(), [&](const ExportsViolation& a, const ExportsViolation& b) {
    const size_t ra = rank_of(a.file), rb = rank_of(b.file);
    return ra != rb ? ra < rb : a.line < b.line;
  });
}

}  // namespace

ExportsReport check_exports_sources(const ExportsConfig& config, const ExportsSources& sources) {
  ExportsReport report;
  report.files_read = sources.files;
  Checker checker(config, sources, &report);
  for (const SourceProblem& p : sources.problems) {
    checker.add(kRuleUnreadable, "", p.path, 0, "", "cannot be read: " + escape_bytes(p.message), true);
  }
  ParsedExports parsed;
  for (const SourceFile& f : sources.exports) parse_exports_text(f.text, f.path, &parsed);
  for (const ExportsParseError& e : parsed.errors) checker.add(kRuleParseError, e.path, e.file, e.line, e.text, e.message, true);
  checker.check_entries(parsed.entries);
  for (const NfsConfIgnored& i : sources.nfs_conf.include_errors) {
    checker.add(kRuleParseError, "", i.file, i.line, i.text, i.reason, true);
  }
  if (!config.nfs_conf.empty()) checker.check_nfs_conf();
  if (config.etab && sources.has_etab) {
    check_etab(parsed.entries, sources.etab.path, sources.etab.text, sources.realpath, &report.violations);
  }
  if (sources.exports.empty()) report.notes.push_back("no /etc/exports and no /etc/exports.d/*.exports: nothing is exported");
  if (config.etab && !sources.has_etab) {
    report.notes.push_back(std::string("no readable ") + kEtabPath + ": runtime drift (exports applied vs. files) not checked");
  }
  sort_violations(report.files_read, &report.violations);
  return report;
}

ExportsReport check_exports(const ExportsConfig& config, const std::string& root) {
  return check_exports_sources(config, read_exports_sources(root, config.etab, !config.nfs_conf.empty()));
}

}  // namespace drift
