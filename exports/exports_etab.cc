// etab against the exports files. exportfs writes etab with putexportent():
// one line per (path, client), the path realpath()'d and octal-escaped, the
// client as nfs-utils names it (a host name becomes its canonical DNS name),
// every option spelled out. Both sides go through the same parser and the same
// option model, so comparing canonical option strings is exact; what cannot
// be known without DNS (a short name against its canonical name) is matched
// by its first label. Hash maps keep this linear in the number of entries.
#include "exports/exports_etab.h"

#include <unordered_map>
#include <unordered_set>

#include "exports/exports_client.h"
#include "baseline/escape.h"

namespace drift {
namespace {

struct Side {
  const ExportEntry* entry;
  std::string real;  // resolved path
  std::string key;   // real path, NUL, client key
  bool matched = false;
  size_t partner = 0;
};

std::string quoted(const std::string& raw) { return "'" + escape_bytes(raw) + "'"; }

std::string client_label(const ExportEntry& e) { return quoted(e.client.empty() ? "*" : e.client); }

// Indexes the applied entries by (resolved path, client); the first of duplicates wins, as in nfs-utils.
std::vector<Side> index_side(const std::vector<ExportEntry>& entries, const ExportPathResolver& realpath,
                             std::unordered_map<std::string, std::string>* resolved,
                             std::unordered_map<std::string, size_t>* index) {
  std::vector<Side> sides;
  for (const ExportEntry& e : entries) {
    if (!e.applied) continue;
    auto it = resolved->find(e.path);
    if (it == resolved->end()) it = resolved->emplace(e.path, realpath ? realpath(e.path) : e.path).first;
    Side s{&e, it->second, it->second + '\0' + client_key(e.client)};
    if (index->emplace(s.key, sides.size()).second) sides.push_back(std::move(s));
  }
  return sides;
}

// A name (not an address) that nfs-utils resolves through DNS.
bool is_host_name(const std::string& client) {
  IpNetwork net;
  std::string err;
  return client_kind(client) == ClientKind::kHost && !client_network(client, &net, &err);
}

bool is_short_host_name(const std::string& client) {
  return client.find('.') == std::string::npos && is_host_name(client);
}

// The tokens of `a` missing from `b`, joined.
std::string only_in(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const std::unordered_set<std::string> in_b(b.begin(), b.end());
  std::string out;
  for (const std::string& t : a) {
    if (!in_b.count(t)) out += (out.empty() ? "" : ",") + t;
  }
  return out;
}

}  // namespace

void check_etab(const std::vector<ExportEntry>& entries, const std::string& etab_path, const std::string& etab_text,
                const ExportPathResolver& realpath, std::vector<ExportsViolation>* out) {
  ParsedExports etab;
  parse_exports_text(etab_text, etab_path, &etab);
  for (const ExportsParseError& e : etab.errors) {
    out->push_back({kRuleParseError, e.path, e.file, e.line, e.text, e.message, true});
  }
  std::unordered_map<std::string, std::string> resolved;
  std::unordered_map<std::string, size_t> want_index, have_index;
  std::vector<Side> want = index_side(entries, realpath, &resolved, &want_index);
  std::vector<Side> have = index_side(etab.entries, realpath, &resolved, &have_index);

  for (size_t i = 0; i < want.size(); ++i) {
    auto it = have_index.find(want[i].key);
    if (it == have_index.end()) continue;
    want[i].matched = have[it->second].matched = true;
    want[i].partner = it->second;
  }
  // A short host name in the files, its canonical name in etab: match by the first label.
  std::unordered_multimap<std::string, size_t> by_label;
  for (size_t j = 0; j < have.size(); ++j) {
    const std::string& c = have[j].entry->client;
    if (have[j].matched || client_kind(c) != ClientKind::kHost) continue;
    by_label.emplace(have[j].real + '\0' + client_key(c.substr(0, c.find('.'))), j);
  }
  for (Side& w : want) {
    if (w.matched || !is_short_host_name(w.entry->client)) continue;
    auto [lo, hi] = by_label.equal_range(w.key);
    for (auto it = lo; it != hi; ++it) {
      if (have[it->second].matched) continue;
      w.matched = have[it->second].matched = true;
      w.partner = it->second;
      break;
    }
  }

  for (const Side& w : want) {
    const ExportEntry& e = *w.entry;
    if (!w.matched) {
      std::string m = quoted(e.path) + " to " + client_label(e) + " is in " + escape_bytes(e.file) +
                      " but not exported (not in " + escape_bytes(etab_path) + "): run `exportfs -ra`";
      if (is_host_name(e.client)) {
        m += " (a host name exportfs cannot resolve is skipped; one it resolves is applied under its canonical name)";
      }
      out->push_back({kRuleEtabDrift, e.path, e.file, e.line, e.text, m, true});
      continue;
    }
    const ExportEntry& a = *have[w.partner].entry;
    if (canonical_export_options(e.options) == canonical_export_options(a.options)) continue;
    const std::vector<std::string> wt = effective_option_tokens(e.options), at = effective_option_tokens(a.options);
    std::string gives = only_in(wt, at), applied = only_in(at, wt);
    if (gives.empty() && applied.empty()) {
      gives = canonical_export_options(e.options);
      applied = canonical_export_options(a.options);
    }
    out->push_back({kRuleEtabDrift, e.path, e.file, e.line, e.text,
                    quoted(e.path) + " to " + client_label(e) + ": the applied options (" + escape_bytes(etab_path) +
                        ":" + std::to_string(a.line) + ") differ from " + escape_bytes(e.file) + ": the file gives " +
                        escape_bytes(gives.empty() ? "-" : gives) + ", applied is " +
                        escape_bytes(applied.empty() ? "-" : applied) + "; run `exportfs -ra`",
                    true});
  }
  for (const Side& h : have) {
    if (h.matched) continue;
    const ExportEntry& a = *h.entry;
    out->push_back({kRuleEtabDrift, a.path, a.file, a.line, a.text,
                    quoted(a.path) + " to " + client_label(a) +
                        " is exported but in no exports file: run `exportfs -ra` to withdraw it",
                    true});
  }
}

}  // namespace drift
