// libFuzzer target for the exports checks: the exports(5) parser, the option
// model, client networks, the nfs.conf parser, every rule and both renderings,
// on whatever bytes the fuzzer makes of real-looking files. Besides "no
// crash, no leak, no hang" it asserts the two properties a correct host's
// cleanliness rests on: options rendered as etab spells them parse back to the
// same export, and a file compared with itself as etab shows no drift.
//
// An input is an exports file; "\n--etab--\n" and "\n--nfs.conf--\n" may
// split off an etab and an nfs.conf (each defaults to the exports text).
// Built and run by tests/fuzz/run.sh, not by CTest.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "exports/exports_check.h"
#include "exports/exports_client.h"
#include "exports/exports_file.h"
#include "exports/exports_options.h"
#include "exports/nfs_conf.h"

using namespace drift;

namespace {

const ExportsConfig& fuzz_config() {
  static const ExportsConfig config = [] {
    ExportsConfig c;
    c.pseudo_root = {"/srv/export"};
    c.allowed_clients = {"10.0.20.0/22", "192.168.1.0/24", "fd00::/8"};
    c.rules = {{"/srv/nfs", {"async", "insecure", "sec=sys"}, {"fsid=0"}, {"no_root_squash"}, 1},
               {"/srv/nfs-ssd", {"async", "insecure"}, {"fsid=root", "all_squash"}, {"no_root_squash"}, 2}};
    c.nfs_conf = {{"nfsd.vers3", "n"}, {"nfsd.vers4.1", "y"}, {"mountd.manage-gids", "yes"}};
    return c;
  }();
  return config;
}

// Cuts `marker` and what follows off `text`; returns what followed, or `text` itself.
std::string_view split(std::string_view* text, std::string_view marker) {
  const size_t at = text->find(marker);
  if (at == std::string_view::npos) return *text;
  const std::string_view rest = text->substr(at + marker.size());
  *text = text->substr(0, at);
  return rest;
}

// Rendered options parse back to the same export (squash_uids=, obsolete, is written in another form).
void check_round_trip(const ExportOptions& o) {
  if (!o.squash_uids.empty() || !o.squash_gids.empty()) return;
  ExportOptions again;
  std::string err;
  if (!apply_export_options(render_export_options(o), &again, &err)) __builtin_trap();
  if (canonical_export_options(again) != canonical_export_options(o)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view nfs_conf = split(&input, "\n--nfs.conf--\n");
  std::string_view etab = split(&input, "\n--etab--\n");
  const std::string_view exports = input;
  if (nfs_conf.data() == input.data()) nfs_conf = exports;

  ParsedExports parsed;
  parse_exports_text(exports, "/etc/exports", &parsed);
  size_t checked = 0;
  for (const ExportEntry& e : parsed.entries) {
    if (++checked > 32) break;  // the property per entry; the parser saw them all
    check_round_trip(e.options);
    IpNetwork net, allowed;
    std::string err;
    if (client_network(e.client, &net, &err) && parse_cidr("10.0.0.0/8", &allowed, &err)) network_within(net, allowed);
    parse_cidr(e.client, &net, &err);
    std::vector<std::string> tokens;
    for (size_t at = 0, end; at < e.text.size(); at = end + 1) {
      end = std::min(e.text.find(',', at), e.text.size());
      normalise_rule_option(e.text.substr(at, end - at), &tokens, &err);
    }
  }

  ExportsSources sources;
  sources.exports.push_back({"/etc/exports", std::string(exports)});
  sources.has_etab = true;
  sources.etab = {"/var/lib/nfs/etab", std::string(etab)};
  sources.has_nfs_conf = true;
  sources.files = {"/etc/exports", "/var/lib/nfs/etab", "/etc/nfs.conf"};
  const NfsConfReader read = [](const std::string&, std::string* text) {
    *text = "vers3 = y\ninclude = again.conf\n";  // an include loop: bounded by the parser
    return true;
  };
  parse_nfs_conf_text(nfs_conf, "/etc/nfs.conf", read, &sources.nfs_conf);
  const ExportsReport report = check_exports_sources(fuzz_config(), sources);
  if (render_exports_text(report).empty()) __builtin_trap();
  ExportsReport head;  // JSON of a few violations: every field, at a bounded cost
  head.violations.assign(report.violations.begin(), report.violations.begin() + std::min<size_t>(report.violations.size(), 8));
  head.files_read = report.files_read;
  head.notes = report.notes;
  if (render_exports_json(head, 4).empty()) __builtin_trap();

  // The file compared with itself as etab: no runtime drift.
  if (etab.data() == exports.data()) {
    for (const ExportsViolation& v : report.violations) {
      if (v.rule == std::string(kRuleEtabDrift)) __builtin_trap();
    }
  }
  return 0;
}
