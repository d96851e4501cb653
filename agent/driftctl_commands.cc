// driftctl verbs. Each handler parses its flags, does one job, and maps every
// failure to one exit code class (exit_codes.h). Drift bits (0-15) come only
// from check and diff. Messages go to stderr as "driftctl: <reason>"; stdout
// carries only the report, the JSON, or a baseline written to "-".
#include "agent/driftctl_commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "lib/atomic_file.h"
#include "agent/audit_attribution.h"
#include "agent/check.h"
#include "lib/cli_args.h"
#include "agent/config.h"
#include "agent/exit_codes.h"
#include "exports/exports_check.h"
#include "agent/highest_serial.h"
#include "agent/installed_baseline.h"
#include "agent/package_cause.h"
#include "agent/report.h"
#include "agent/runtime_scan.h"
#include "agent/scan.h"
#include "agent/soak_command.h"
#include "agent/walker.h"
#include "baseline/bundle.h"
#include "baseline/escape.h"
#include "baseline/signer.h"

namespace drift {
namespace {

int fail(int code, const std::string& message) {
  std::fprintf(stderr, "driftctl: %s\n", message.c_str());
  return code;
}

void note(const std::string& message) { std::fprintf(stderr, "driftctl: %s\n", message.c_str()); }

bool progress_wanted(const Args& a) { return !a.has("--quiet") && ::isatty(STDERR_FILENO); }

// Loads the config and applies the flags that override its keys.
int load_config_with_overrides(const Args& a, Config* c) {
  std::string err;
  if (!load_config(a.get("--config"), c, &err)) return fail(kExitUsage, err);
  if (a.has("--root")) c->root = a.get("--root");
  if (a.has("--baseline")) c->baseline = a.get("--baseline");
  if (a.has("--public-key")) c->public_key = a.get("--public-key");
  if (a.has("--node")) c->node = a.get("--node");
  while (c->root.size() > 1 && c->root.back() == '/') c->root.pop_back();
  return 0;
}

// A root that is not a directory, or one where none of the configured paths
// exists (a DaemonSet whose hostPath mount is missing, a typo in --root), is
// an I/O error (20), never "every path removed".
int check_scan_root(const Config& c) {
  struct stat st;
  if (::stat(c.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(kExitIo, "root " + escape_bytes(c.root) + " is not a directory we can read");
  }
  for (const PathRule& rule : c.paths) {
    if (::lstat(read_path_for(c.root, rule.path).c_str(), &st) == 0) return 0;
  }
  return fail(kExitIo, "none of the " + std::to_string(c.paths.size()) + " configured paths exists under root " +
                           escape_bytes(c.root) + " (is the host's file system mounted there?)");
}

int exit_code_for(BaselineError e) {
  return e == BaselineError::kSignature ? kExitSignatureInvalid : kExitBaselineUnreadable;
}

std::string describe(const std::string& path) { return path == "-" ? "stdin" : path; }

// A baseline as read and verified, with its file's bytes.
using LoadedBaseline = VerifiedBaseline;

// Which snapshots a load keeps: none (the index is enough), all, or a set.
using SnapshotFilter = std::function<bool(const std::string&)>;
const SnapshotFilter kNoSnapshots = nullptr;
const SnapshotFilter kAllSnapshots = [](const std::string&) { return true; };

// Whether a verb reads unsigned baselines: it has no --allow-unsigned (verify,
// install), it has the option but it was not given, or it was given.
enum class Unsigned { kNotOffered, kRefused, kAllowed };

Unsigned unsigned_policy(const Args& a) { return a.has("--allow-unsigned") ? Unsigned::kAllowed : Unsigned::kRefused; }

// Reads and verifies a baseline. With --allow-unsigned and no public key file,
// signatures are not checked, and we say so loudly. A refusal names
// --allow-unsigned only to a verb that accepts it. Quiet loads (a second pass,
// or the installed baseline consulted by install) report nothing themselves.
int load_baseline(const std::string& path, const std::string& public_key_path, Unsigned policy,
                  LoadedBaseline* out, const SnapshotFilter& want = kNoSnapshots, bool quiet = false) {
  auto refuse = [quiet](int code, const std::string& message) { return quiet ? code : fail(code, message); };
  const bool allow_unsigned = policy == Unsigned::kAllowed;
  const std::string unsigned_hint = policy == Unsigned::kRefused ? ", or --allow-unsigned for experiments" : "";
  std::string err;
  Key key;
  const bool have_key = !public_key_path.empty() && ::access(public_key_path.c_str(), F_OK) == 0;
  if (have_key) {
    if (!load_public_key(public_key_path, &key, &err)) return refuse(kExitIo, err);
  } else if (!allow_unsigned) {
    return refuse(kExitUsage, "no public key at " + (public_key_path.empty() ? std::string("(none)") : public_key_path) +
                                  " to verify the baseline (pass --public-key FILE" + unsigned_hint + ")");
  }
  BaselineError error;
  switch (read_verified_baseline(path, have_key ? &key : nullptr, allow_unsigned, want, out, &error, &err)) {
    case BaselineStep::kRead: return refuse(kExitBaselineUnreadable, "baseline " + err);
    case BaselineStep::kVerify:
      if (error == BaselineError::kSignature && out->signature.state == SignatureState::kUnsigned && !unsigned_hint.empty()) {
        err += " (pass --allow-unsigned to read it unverified, for experiments)";
      }
      return refuse(exit_code_for(error), "baseline " + describe(path) + " refused: " + err);
    case BaselineStep::kOk: break;
  }
  if (!quiet && allow_unsigned && (out->signature.state == SignatureState::kUnsigned || !have_key)) {
    note("WARNING: --allow-unsigned: the baseline's signature was NOT verified; do not trust this result");
  }
  return 0;
}

int check_node(const Baseline& b, const Config& c, const Args& a) {
  if (made_for_node(b, c.node)) return 0;
  if (a.has("--allow-node-mismatch")) {
    note("warning: baseline was made for node '" + escape_bytes(b.meta.node) + "', this is '" +
         escape_bytes(c.node) + "' (--allow-node-mismatch)");
    return 0;
  }
  return fail(kExitBaselineMismatch, "baseline was made for node '" + escape_bytes(b.meta.node) +
                                         "', not this node '" + escape_bytes(c.node) +
                                         "' (--allow-node-mismatch to check it anyway)");
}

// Signs when a signing key is given; writes to a file atomically or to stdout.
int write_baseline(const Baseline& b, const Args& a, const std::string& output) {
  std::string err;
  Key key;
  const bool sign = a.has("--signing-key");
  if (sign && !load_signing_key(a.get("--signing-key"), &key, &err)) return fail(kExitIo, err);
  // Streamed into the temp file as the archive is produced: the baseline is
  // never whole in memory (half of `create`'s peak, measured, was its bytes).
  AtomicFileWriter file;
  std::string write_err;
  if (!file.open(output, 0644, &err)) return fail(kExitIo, err);
  const auto sink = [&](std::string_view piece) { return file.write(piece.data(), piece.size(), &write_err); };
  if (!write_baseline(b, sign ? &key : nullptr, sink, &err)) return fail(kExitIo, write_err.empty() ? err : write_err);
  if (!file.commit(&err)) return fail(kExitIo, err);
  if (!sign) note("baseline is unsigned: sign it with `driftctl baseline sign --signing-key KEY " +
                  (output == "-" ? std::string("-") : output) + "`");
  return 0;
}

uint64_t next_serial(uint64_t previous) {
  // Serials are monotonic without coordination: the creation time, or one more
  // than the previous serial if that is larger.
  return std::max<uint64_t>(previous + 1, static_cast<uint64_t>(std::time(nullptr)));
}

// ---- verbs -------------------------------------------------------------------------------

int cmd_keygen(const Args& a) {
  std::string err;
  if (!a.has("--signing-key") || !a.has("--public-key")) {
    return fail(kExitUsage, "keygen needs --signing-key FILE and --public-key FILE");
  }
  if (!generate_key_pair(a.get("--signing-key"), a.get("--public-key"), &err)) return fail(kExitIo, err);
  Key key;
  if (!load_public_key(a.get("--public-key"), &key, &err)) return fail(kExitIo, err);
  note("wrote signing key " + a.get("--signing-key") + " (mode 0600; keep it off the nodes) and public key " +
       a.get("--public-key") + ", key id " + key_id(key));
  return 0;
}

int cmd_baseline_create(const Args& a) {
  std::string err;
  if (!a.has("--output")) return fail(kExitUsage, "baseline create needs --output FILE|-");
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  if (int rc = check_scan_root(c)) return rc;
  ScanOptions options;
  options.progress = progress_wanted(a);
  ScanResult scan = run_scan(c, options);
  add_runtime_state(c, nullptr, &scan);
  for (const std::string& w : scan.warnings) note("warning: " + w);
  Baseline b;
  b.meta.node = c.node;
  b.meta.created = std::time(nullptr);
  b.meta.serial = next_serial(0);
  b.meta.tool_version = std::string("driftd ") + kToolVersion;
  b.meta.config_sha256 = config_digest(c);
  b.entries = std::move(scan.entries);
  b.snapshots = std::move(scan.snapshots);
  PackageClassifier packages;
  if (const std::string w = packages.load(c.root); !w.empty()) note("warning: " + w);
  assign_packages(packages.have_dpkg() ? &packages.db() : nullptr, {}, [](const std::string&) { return true; },
                  /*with_installed=*/true, /*keep_old_rows=*/false, &b);
  if (int rc = write_baseline(b, a, a.get("--output"))) return rc;
  note("baseline of " + c.node + ": " + std::to_string(b.entries.size()) + " entries, " +
       std::to_string(scan.files_hashed) + " files hashed (" + std::to_string(scan.bytes_hashed / 1000000) +
       " MB), " + std::to_string(b.snapshots.size()) + " text snapshots, " + std::to_string(scan.incomplete) +
       " incomplete, serial " + std::to_string(b.meta.serial));
  return 0;
}

int cmd_baseline_sign(const Args& a) {
  std::string err;
  if (!a.has("--signing-key")) return fail(kExitUsage, "baseline sign needs --signing-key FILE");
  const std::string in = a.positional[0];
  const std::string out = a.get("--output", in);
  Key key;
  if (!load_signing_key(a.get("--signing-key"), &key, &err)) return fail(kExitIo, err);
  std::string bytes, signed_bytes;
  if (!read_whole_file(in, &bytes, &err, kBaselineMaxFileBytes)) return fail(kExitBaselineUnreadable, "baseline " + err);
  BaselineError error;
  if (!sign_baseline_bytes(bytes, key, &signed_bytes, &error, &err)) {
    return fail(exit_code_for(error), "cannot sign " + describe(in) + ": " + err);
  }
  if (!write_file_atomically(out, signed_bytes, 0644, &err)) return fail(kExitIo, err);
  note("signed " + describe(in) + " with key id " + key_id(key) + (out == "-" ? "" : " -> " + out));
  return 0;
}

int cmd_baseline_verify(const Args& a) {
  std::string err;
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  LoadedBaseline lb;
  if (int rc = load_baseline(a.positional[0], c.public_key, Unsigned::kNotOffered, &lb)) return rc;
  std::printf("OK: %s signed by key id %s; node %s, serial %llu, created %s, %zu entries\n",
              describe(a.positional[0]).c_str(), lb.signature.key_id.c_str(),
              escape_bytes(lb.baseline.meta.node).c_str(),
              static_cast<unsigned long long>(lb.baseline.meta.serial),
              readable_time(lb.baseline.meta.created).c_str(), lb.baseline.entries.size());
  return 0;
}

int cmd_baseline_install(const Args& a) {
  std::string err;
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  LoadedBaseline lb;
  if (int rc = load_baseline(a.positional[0], c.public_key, Unsigned::kNotOffered, &lb)) return rc;
  if (int rc = check_node(lb.baseline, c, a)) return rc;
  // No silent rollback: the highest serial this node ever had wins, as
  // recorded in state_dir (which a corrupted installed file cannot lower),
  // or as the installed baseline says.
  uint64_t floor = 0;
  if (!read_highest_serial(c.state_dir, &floor, &err)) return fail(kExitBaselineMismatch, err);
  LoadedBaseline installed;
  if (load_baseline(c.baseline, c.public_key, Unsigned::kNotOffered, &installed, kNoSnapshots, /*quiet=*/true) == 0) {
    floor = std::max(floor, installed.baseline.meta.serial);
  }
  if (is_rollback(lb.baseline.meta.serial, floor)) {
    return fail(kExitBaselineMismatch, "baseline serial " + std::to_string(lb.baseline.meta.serial) +
                                           " is older than serial " + std::to_string(floor) +
                                           " this node already had (no rollback)");
  }
  if (!record_highest_serial(c.state_dir, lb.baseline.meta.serial, &err)) return fail(kExitIo, err);
  ::mkdir(directory_of(c.baseline).c_str(), 0700);
  if (!write_file_atomically(c.baseline, lb.bytes, 0644, &err)) return fail(kExitIo, err);
  note("installed baseline serial " + std::to_string(lb.baseline.meta.serial) + " for " +
       escape_bytes(lb.baseline.meta.node) + " at " + c.baseline);
  return 0;
}

int cmd_baseline_show(const Args& a) {
  std::string err;
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  LoadedBaseline lb;
  if (int rc = load_baseline(a.positional[0], c.public_key, unsigned_policy(a), &lb)) return rc;
  const BaselineMeta& m = lb.baseline.meta;
  size_t snapshots = 0, files = 0, critical = 0;
  uint64_t bytes = 0;
  for (const Entry& e : lb.baseline.entries) {
    snapshots += e.snapshot;
    critical += e.severity == Severity::kCritical;
    if (e.type == EntryType::kFile) { ++files; bytes += e.size; }
  }
  const std::string sig = lb.signature.state == SignatureState::kSigned ? "ed25519 key id " + lb.signature.key_id : "UNSIGNED";
  if (a.has("--json")) {
    nlohmann::json entries = nlohmann::json::array();
    for (const Entry& e : lb.baseline.entries) {
      nlohmann::json j = {{"path", escape_bytes(e.path)}, {"type", entry_type_name(e.type)},
                          {"status", entry_status_name(e.status)}, {"severity", severity_name(e.severity)}};
      for (const auto& info : kAttributes) {
        if (info.attr != Attr::kType) j[info.token] = attr_value_json(e, info.attr);
      }
      j["snapshot"] = e.snapshot;
      if (e.package > 0) {
        const PackageVersion& p = lb.baseline.packages[e.package - 1];
        j["package"] = {{"name", escape_bytes(p.name)}, {"version", escape_bytes(p.version)}};
      }
      entries.push_back(std::move(j));
    }
    nlohmann::json doc = {{"schema", kReportJsonSchema}, {"format_version", m.format_version},
                          {"node", escape_bytes(m.node)}, {"created", m.created}, {"serial", m.serial},
                          {"tool", m.tool_version}, {"config_sha256", m.config_sha256},
                          {"hash", m.hash_algorithm}, {"signature", sig},
                          {"payload_sha256", lb.signature.payload_sha256}, {"packages", lb.baseline.packages.size()},
                          {"entries", entries}};
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  std::printf("baseline %s\n  format: %d\n  node: %s\n  created: %s\n  serial: %llu\n  tool: %s\n"
              "  config sha256: %s\n  signature: %s\n  entries: %zu (%zu files, %llu bytes, %zu critical)\n"
              "  snapshots: %zu\n  packages: %zu\n",
              describe(a.positional[0]).c_str(), m.format_version, escape_bytes(m.node).c_str(),
              readable_time(m.created).c_str(), static_cast<unsigned long long>(m.serial),
              m.tool_version.c_str(), m.config_sha256.c_str(), sig.c_str(), lb.baseline.entries.size(), files,
              static_cast<unsigned long long>(bytes), critical, snapshots, lb.baseline.packages.size());
  return 0;
}

int print_report(const ReportInput& in, bool json) {
  const std::string text = json ? render_json_report(in) : render_text_report(in);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  return in.exit_code;
}

int cmd_check(const Args& a) {
  std::string err;
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  if (int rc = check_scan_root(c)) return rc;
  LoadedBaseline lb;
  if (int rc = load_baseline(c.baseline, c.public_key, unsigned_policy(a), &lb)) return rc;
  if (int rc = check_node(lb.baseline, c, a)) return rc;
  std::string().swap(lb.bytes);  // not needed during the scan
  ScanOptions options;
  options.progress = progress_wanted(a);
  CheckResult result = run_check(c, lb.baseline, options);
  // Causes cost nothing without drift: dpkg's database is read only when there is some.
  PackageClassifier packages;
  std::string dpkg_warning;
  std::vector<std::string> proof_warnings;
  if (!result.comparison.drifts.empty()) {
    dpkg_warning = packages.load(c.root);
    packages.classify(lb.baseline, &result.comparison);
    // Every package cause proven through apt's signed chain, or marked as dpkg's word only.
    AptProver prover(apt_prover_options(c.root, c.state_dir));
    proof_warnings = prove_package_causes(&prover, packages.db(), c.packages.trust_dpkg_database, &result.comparison);
  }

  // Fetch the baseline snapshots the report needs (drifted text files only):
  // a second pass over the file, verified again, so the check never held the
  // whole baseline file in memory during the scan.
  const std::vector<std::string> needed = snapshots_needed(result.comparison);
  if (!needed.empty()) {
    const std::set<std::string> want(needed.begin(), needed.end());
    LoadedBaseline again;
    const SnapshotFilter wanted = [&want](const std::string& sha) { return want.count(sha) > 0; };
    if (load_baseline(c.baseline, c.public_key, unsigned_policy(a), &again, wanted, /*quiet=*/true) == 0 &&
        again.signature.payload_sha256 == lb.signature.payload_sha256) {
      lb.baseline.snapshots = std::move(again.baseline.snapshots);
    }
  }
  // Who changed it (audit.enabled): adds an actor per drift, never a bit of the exit code.
  DriftAttributions actors;
  if (c.audit.enabled && !result.comparison.drifts.empty()) {
    actors = attribute_drifts(c, result.comparison, lb.baseline.meta.created,
                              std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch()).count());
  }
  ReportInput in;
  in.comparison = &result.comparison;
  in.title = "driftctl check of " + escape_bytes(c.node) + " against baseline serial " +
             std::to_string(lb.baseline.meta.serial);
  in.facts = {{"node", escape_bytes(c.node)},
              {"root", escape_bytes(c.root)},
              {"baseline", escape_bytes(c.baseline)},
              {"baseline_serial", std::to_string(lb.baseline.meta.serial), lb.baseline.meta.serial},
              {"baseline_created", readable_time(lb.baseline.meta.created), lb.baseline.meta.created},
              {"signature", lb.signature.state == SignatureState::kSigned ? "ed25519 key id " + lb.signature.key_id : "UNSIGNED"}};
  in.entries = result.scan.entries.size();
  in.incomplete = result.incomplete;
  in.warnings = result.scan.warnings;
  if (!dpkg_warning.empty()) in.warnings.push_back(dpkg_warning);
  for (const std::string& w : proof_warnings) in.warnings.push_back("package proof: " + w);
  if (c.audit.enabled && !result.comparison.drifts.empty()) {
    in.warnings.insert(in.warnings.end(), actors.warnings.begin(), actors.warnings.end());
    in.actors = &actors.actors;
    in.actors_argv = c.audit.argv;
  }
  in.causes = true;
  in.before_snapshots = &lb.baseline.snapshots;
  in.after_snapshots = &result.scan.snapshots;
  in.before_label = "baseline:";
  in.after_label = "now:";
  // Expectations: what must hold in the config files; a critical violation sets bit 4.
  const std::vector<ExpectationViolation> violations = check_expectations(c);
  in.expectations = &violations;
  in.exit_code = result.exit_bits() | (has_critical(violations) ? kExitChanged : 0);
  return print_report(in, a.has("--json"));
}

int cmd_audit_rules(const Args& a) {
  std::string err;
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  const std::string text = render_audit_rules(audit_watch_targets(c), c.root, c.source);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : fail(kExitIo, "cannot write the rules to stdout");
}

int cmd_diff(const Args& a) {
  std::string err;
  if (a.positional[0] == "-" && a.positional[1] == "-") return fail(kExitUsage, "only one baseline can come from stdin");
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  LoadedBaseline la, lb;
  if (int rc = load_baseline(a.positional[0], c.public_key, unsigned_policy(a), &la, kAllSnapshots)) return rc;
  if (int rc = load_baseline(a.positional[1], c.public_key, unsigned_policy(a), &lb, kAllSnapshots)) return rc;
  // Severity as recorded in the baselines (the later one's view of a path).
  // Two nodes (or --peer): inode, ctime and mtime differ between any two
  // machines and would bury the one file that differs, so they are left out.
  ComparePolicy policy;
  const bool peer = a.has("--peer") || la.baseline.meta.node != lb.baseline.meta.node;
  if (peer && !a.has("--all-attributes")) {
    AttrSet local_only;
    for (Attr attr : {Attr::kInode, Attr::kCtime, Attr::kMtime}) local_only.add(attr);
    policy.ignored = [local_only](const std::string&) { return local_only; };
    note("comparing two nodes: inode, ctime and mtime are not compared (--all-attributes to compare them)");
  }
  Comparison cmp = compare_entries(la.baseline.entries, lb.baseline.entries, policy);
  classify_causes_between(la.baseline, lb.baseline, &cmp);
  const std::string runtime_note = runtime_not_compared_note(cmp.runtime_only_before, cmp.runtime_only_after);
  ReportInput in;
  in.comparison = &cmp;
  in.title = "driftctl diff " + escape_bytes(la.baseline.meta.node) + " serial " +
             std::to_string(la.baseline.meta.serial) + " -> " + escape_bytes(lb.baseline.meta.node) +
             " serial " + std::to_string(lb.baseline.meta.serial);
  in.facts = {{"a", describe(a.positional[0])}, {"a_node", escape_bytes(la.baseline.meta.node)},
              {"b", describe(a.positional[1])}, {"b_node", escape_bytes(lb.baseline.meta.node)}};
  in.entries = lb.baseline.entries.size();
  for (const Entry& e : lb.baseline.entries) {
    if (status_is_incomplete(e.status)) in.incomplete.push_back(&e);
  }
  if (!runtime_note.empty()) in.warnings.push_back(runtime_note);
  in.before_snapshots = &la.baseline.snapshots;
  in.after_snapshots = &lb.baseline.snapshots;
  in.before_label = "a:";
  in.after_label = "b:";
  in.causes = true;
  in.exit_code = cmp.exit_bits() | (in.incomplete.empty() ? 0 : kExitIncomplete);
  return print_report(in, a.has("--json"));
}

int cmd_accept(const Args& a) {
  std::string err;
  const auto paths_it = a.repeated.find("--path");
  const bool all = a.has("--all"), explained = a.has("--explained");
  if (int(all) + int(explained) + int(paths_it != a.repeated.end()) != 1) {
    return fail(kExitUsage, "accept needs exactly one of --path P (repeatable), --all, --explained");
  }
  if (!a.has("--output")) return fail(kExitUsage, "accept needs --output FILE|-");
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  if (int rc = check_scan_root(c)) return rc;
  LoadedBaseline lb;
  if (int rc = load_baseline(c.baseline, c.public_key, unsigned_policy(a), &lb, kAllSnapshots)) return rc;
  if (int rc = check_node(lb.baseline, c, a)) return rc;
  std::vector<std::string> accept_paths;
  if (paths_it != a.repeated.end()) {
    for (std::string p : paths_it->second) {
      while (p.size() > 1 && p.back() == '/') p.pop_back();
      // Runtime state is named NAMESPACE:NAME, NAME a glob ('module:*'; '*:*' is all of it).
      if (!p.empty() && is_runtime_path(p) && p.find(':') != std::string::npos) {
        accept_paths.push_back(p);
        continue;
      }
      if (p.empty() || p[0] != '/') {
        return fail(kExitUsage, "--path must be an absolute host path, or runtime state like 'module:*' or "
                                "'sysctl:kernel.kptr_restrict': " + p);
      }
      accept_paths.push_back(p);
    }
  }
  ScanOptions options;
  options.progress = progress_wanted(a);
  ScanResult scan = run_scan(c, options);
  add_runtime_state(c, &lb.baseline, &scan);
  PackageClassifier packages;
  if (const std::string w = packages.load(c.root); !w.empty()) note("warning: " + w);
  // --explained: exactly the drift dpkg explains; unexplained drift stays reported.
  std::set<std::string> explained_paths;
  if (explained) {
    Comparison cmp = compare_entries(lb.baseline.entries, scan.entries, compare_policy_for(selection_from(c)));
    packages.classify(lb.baseline, &cmp);
    // Only what apt's signed chain proves, unless told to take dpkg's word.
    const bool trust_dpkg = a.has("--trust-dpkg-database");
    AptProver prover(apt_prover_options(c.root, c.state_dir));
    for (const std::string& w : prove_package_causes(&prover, packages.db(), trust_dpkg, &cmp)) {
      note("warning: package proof: " + w);
    }
    size_t unproven = 0;
    for (const Drift& d : cmp.drifts) {
      const bool proven = d.cause.proof == proof_kind_name(ProofKind::kSignedArchive);
      if (d.cause.package && (proven || trust_dpkg)) explained_paths.insert(d.path());
      else if (d.cause.package || d.cause.unproven_claim) ++unproven;
    }
    note(std::to_string(explained_paths.size()) + " drifted paths explained by packages, " +
         std::to_string(cmp.drifts.size() - explained_paths.size()) + " unexplained (left as they are)" +
         (unproven ? ", of them " + std::to_string(unproven) +
                         " claimed by dpkg's database without signed-archive proof (--trust-dpkg-database takes them)"
                   : ""));
  }
  auto accepted = [&](const std::string& path) {
    if (all) return true;
    if (explained) return explained_paths.count(path) > 0;
    return std::any_of(accept_paths.begin(), accept_paths.end(), [&](const std::string& p) {
      if (is_runtime_path(p)) return is_runtime_path(path) && runtime_glob_match(p, path);
      return !is_runtime_path(path) && path_is_under(path, p);
    });
  };
  Baseline next;
  next.meta = lb.baseline.meta;
  next.meta.created = std::time(nullptr);
  next.meta.serial = next_serial(lb.baseline.meta.serial);
  next.meta.tool_version = std::string("driftd ") + kToolVersion;
  next.meta.config_sha256 = config_digest(c);
  size_t taken = 0;
  for (const Entry& e : lb.baseline.entries) {
    if (!accepted(e.path)) next.entries.push_back(e);
  }
  for (Entry& e : scan.entries) {
    if (accepted(e.path)) {
      next.entries.push_back(std::move(e));
      ++taken;
    }
  }
  sort_entries(&next.entries);
  // --all takes the node as it is now; a selective accept keeps what the old
  // table knew, so drift it did not accept is still judged against it.
  assign_packages(packages.have_dpkg() ? &packages.db() : nullptr, lb.baseline.packages, accepted,
                  /*with_installed=*/all, /*keep_old_rows=*/!all, &next);
  for (Entry& e : next.entries) {
    if (!e.snapshot) continue;
    const std::string sha = hex_encode(e.sha256);
    if (auto it = scan.snapshots.find(sha); it != scan.snapshots.end()) next.snapshots[sha] = it->second;
    else if (auto old = lb.baseline.snapshots.find(sha); old != lb.baseline.snapshots.end()) next.snapshots[sha] = old->second;
    else e.snapshot = false;  // the old baseline's snapshot is one the content rules now refuse
  }
  if (int rc = write_baseline(next, a, a.get("--output"))) return rc;
  note("accepted the current state of " + std::to_string(taken) + " entries" +
       (all ? "" : explained ? " explained by packages" : " under the given paths") + "; new serial " + std::to_string(next.meta.serial));
  return 0;
}

// Runs whatever `exports.enabled` says: the defaults check parse errors,
// fsid=0, duplicate fsids, the world-export space and etab drift.
int cmd_exports_check(const Args& a) {
  std::string err;
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  struct stat st;
  if (::stat(c.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(kExitIo, "root " + escape_bytes(c.root) + " is not a directory we can read");
  }
  const ExportsReport report = check_exports(c.exports, c.root);
  const int code = report.has_critical() ? kExitChanged : kExitOk;
  for (const std::string& n : report.notes) note("note: " + escape_bytes(n));
  const std::string text = a.has("--json") ? render_exports_json(report, code) : render_exports_text(report);
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) != 0) return fail(kExitIo, std::string("cannot write the report: ") + std::strerror(errno));
  return code;
}

// Only the `expect:` rules, no baseline needed: what a config file says that
// must hold, checked against the files under --root.
int cmd_expect_check(const Args& a) {
  std::string err;
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  struct stat st;
  if (::stat(c.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(kExitIo, "root " + escape_bytes(c.root) + " is not a directory we can read");
  }
  const std::vector<ExpectationViolation> violations = check_expectations(c);
  const int code = has_critical(violations) ? kExitChanged : kExitOk;
  std::string text;
  if (a.has("--json")) {
    nlohmann::json doc = {{"schema", kReportJsonSchema}, {"node", escape_bytes(c.node)}, {"root", escape_bytes(c.root)},
                          {"rules", c.expect.size()}, {"violated", violations.size()}, {"exit_code", code},
                          {"expectations", expectations_json(violations)}};
    text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    text = "driftctl expect check of " + escape_bytes(c.node) + ": " + std::to_string(c.expect.size()) + " rules, " +
           std::to_string(violations.size()) + " violated\n" + expectations_text(violations);
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (std::fflush(stdout) != 0) return fail(kExitIo, std::string("cannot write the report: ") + std::strerror(errno));
  return code;
}

int cmd_config_show(const Args& a) {
  std::string err;
  if (a.has("--default") && a.has("--config")) return fail(kExitUsage, "config show takes --config FILE or --default, not both");
  // --default: the embedded default whatever is installed (the .deb's conffile is made from it).
  if (a.has("--default") || (!a.has("--config") && ::access(kDefaultConfigPath, F_OK) != 0)) {
    std::fputs(embedded_default_config(), stdout);
    return 0;
  }
  Config c;
  if (int rc = load_config_with_overrides(a, &c)) return rc;
  std::printf("# effective config from %s\n%s", c.source.c_str(), dump_config(c).c_str());
  return 0;
}

// ---- the verb table ----------------------------------------------------------------------
// Options shared by several verbs, so each says the same thing everywhere.
const Option kOptConfig{"--config", "FILE",
                        "config file (default /etc/driftd/config.yaml when it exists, else the embedded default)"};
const Option kOptRoot{"--root", "DIR", "the host's file system is under DIR (overrides root:; default /)"};
const Option kOptNode{"--node", "NAME", "this node's name (overrides node:; default the host name)"};
const Option kOptBaseline{"--baseline", "FILE", "the installed baseline (overrides baseline:)"};
const Option kOptPublicKey{"--public-key", "FILE", "public key that verifies baselines (overrides public_key:)"};
const Option kOptSigningKey{"--signing-key", "FILE", "private key that signs what is written (unsigned without it)"};
const Option kOptOutput{"--output", "FILE|-", "where the baseline goes; - is stdout"};
const Option kOptJson{"--json", nullptr, "one JSON document on stdout (schema in the README, Reports and --json)"};
const Option kOptQuiet{"--quiet", nullptr, "no progress line on stderr (it is drawn only on a terminal anyway)"};
const Option kOptAllowUnsigned{"--allow-unsigned", nullptr,
                               "read a baseline without verifying its signature (experiments; warns on every use)"};
const Option kOptAllowNodeMismatch{"--allow-node-mismatch", nullptr, "take a baseline made for another node, with a warning"};

const ExitDoc kOk{kExitOk}, kUsage{kExitUsage}, kUnreadable{kExitBaselineUnreadable},
    kSignature{kExitSignatureInvalid}, kMismatch{kExitBaselineMismatch}, kIo{kExitIo};

}  // namespace

const std::vector<Command>& driftctl_commands() {
  static const std::vector<Command> kCommands = {
      {"keygen", "--signing-key FILE --public-key FILE",
       "Generate an Ed25519 key pair (PEM). The signing key is written with mode 0600 and belongs on the "
       "operator's machine, never on a node; nodes need only the public key. Refuses to overwrite either file.",
       {{"--signing-key", "FILE", "where the private key goes (mode 0600)"},
        {"--public-key", "FILE", "where the public key goes"}},
       0, 0,
       "driftctl keygen --signing-key op.pem --public-key baseline.pub",
       {kOk, kUsage, {kExitIo, "a key file exists already or cannot be written"}},
       cmd_keygen},
      {"baseline create", "[--config F] [--root DIR] [--node NAME] --output FILE|- [--signing-key FILE] [--quiet]",
       "Scan the configured paths and write a baseline: the index of every entry, metadata, and snapshots "
       "of small world-readable text files. Unsigned without --signing-key, so it can be signed elsewhere.",
       {kOptConfig, kOptRoot, kOptNode, kOptOutput, kOptSigningKey, kOptQuiet},
       0, 0,
       "driftctl baseline create --output - | ssh op@laptop driftctl baseline sign --signing-key op.pem - > node.drift",
       {kOk, kUsage, {kExitIo, "the root or none of the configured paths can be read, a key or the output fails"}},
       cmd_baseline_create},
      {"baseline sign", "--signing-key FILE IN|- [--output FILE|-]",
       "Sign a baseline (in place for a file, to stdout for -). Refuses a corrupt payload.",
       {{"--signing-key", "FILE", "the private key (from keygen)"},
        {"--output", "FILE|-", "write the signed baseline here instead of over IN"}},
       1, 1,
       "driftctl baseline sign --signing-key op.pem node2.drift",
       {kOk, kUsage, kUnreadable, kIo},
       cmd_baseline_sign},
      {"baseline verify", "[--public-key FILE] [--config F] BASELINE|-",
       "Verify a baseline's signature and format; prints one line and exits 0, or refuses with the reason.",
       {kOptPublicKey, kOptConfig},
       1, 1,
       "driftctl baseline verify --public-key baseline.pub node2.drift",
       {kOk, kUsage, kUnreadable, kSignature, kIo},
       cmd_baseline_verify},
      {"baseline install", "[--config F] [--public-key FILE] [--baseline DEST] [--allow-node-mismatch] BASELINE|-",
       "Verify with the configured public key, refuse another node's or an older serial, and write it "
       "atomically to the configured baseline path.",
       {kOptConfig, kOptPublicKey, {"--baseline", "DEST", "install here instead of the configured baseline: path"},
        kOptAllowNodeMismatch},
       1, 1,
       "driftctl baseline install node2.drift",
       {kOk, kUsage, kUnreadable, kSignature, {kExitBaselineMismatch, "another node's baseline, or an older serial (no rollback)"}, kIo},
       cmd_baseline_install},
      {"baseline show", "[--public-key FILE] [--json] [--allow-unsigned] BASELINE|-",
       "Print a verified baseline's metadata (or, with --json, every entry).",
       {kOptPublicKey, kOptConfig, {"--json", nullptr, "metadata and every entry as one JSON document"},
        kOptAllowUnsigned},
       1, 1,
       "driftctl baseline show --json /var/lib/driftd/baseline.drift | jq '.entries[] | select(.severity==\"critical\")'",
       {kOk, kUsage, kUnreadable, kSignature, kIo},
       cmd_baseline_show},
      {"check", "[--config F] [--root DIR] [--baseline FILE] [--public-key FILE] [--json] [--quiet]",
       "Scan this node and compare it with its signed baseline; critical drift is listed first. Changed "
       "files of a known format show their key diffs; the config's expect: rules are checked too.",
       {kOptConfig, kOptRoot, kOptNode, kOptBaseline, kOptPublicKey, kOptJson, kOptQuiet, kOptAllowUnsigned,
        kOptAllowNodeMismatch},
       0, 0,
       "driftctl check --json | jq '.drift[] | select(.severity==\"critical\")'",
       {kOk, {1}, {2}, {4}, {8}, kUsage, kUnreadable, kSignature, kMismatch,
        {kExitIo, "a key, the root or none of the configured paths can be read"}},
       cmd_check},
      {"diff", "[--public-key FILE] [--json] [--peer] [--all-attributes] BASELINE_A BASELINE_B",
       "Compare two baselines (two nodes that should match, or yesterday and today). Same exit bits as check. "
       "Between two nodes (or with --peer) inode, ctime and mtime are not compared, since they differ between "
       "any two machines; --all-attributes compares them anyway. A node mismatch is the point, never refused.",
       {kOptPublicKey, kOptConfig, kOptJson, kOptAllowUnsigned,
        {"--peer", nullptr, "the two baselines are of two machines: leave out inode, ctime, mtime"},
        {"--all-attributes", nullptr, "compare inode, ctime and mtime between two nodes too"}},
       2, 2,
       "driftctl diff node2.drift node3.drift",
       {kOk, {1}, {2}, {4}, {8}, kUsage, kUnreadable, kSignature, kIo},
       cmd_diff},
      {"accept", "[--config F] [--root DIR] [--baseline FILE] (--path P ... | --all | --explained [--trust-dpkg-database]) --output FILE|- [--signing-key FILE]",
       "Re-scan and write a new baseline (higher serial) that takes the current state of the given paths "
       "(of everything with --all, or of exactly the drift dpkg explains with --explained: the nightly "
       "upgrade in one command, hand edits stay reported) and keeps the rest as it was. --explained takes "
       "only package causes proven through apt's signed archive chain; --trust-dpkg-database takes dpkg's word too.",
       {kOptConfig, kOptRoot, kOptNode, kOptBaseline, kOptPublicKey, kOptOutput, kOptSigningKey,
        {"--path", "P", "take the current state under host path P, or runtime state like 'module:*'", true},
        {"--all", nullptr, "take the current state of everything"},
        {"--explained", nullptr, "take exactly the drift a package upgrade explains (apt's signed chain)"},
        {"--trust-dpkg-database", nullptr, "with --explained: take dpkg's database's word without signed proof"},
        kOptQuiet, kOptAllowUnsigned, kOptAllowNodeMismatch},
       0, 0,
       "driftctl accept --path /etc/ssh/sshd_config --output - | ssh op@laptop driftctl baseline sign --signing-key op.pem - > new.drift",
       {kOk, kUsage, kUnreadable, kSignature, kMismatch, kIo},
       cmd_accept},
      {"exports check", "[--config F] [--root DIR] [--json]",
       "Check /etc/exports, /etc/exports.d/*.exports, /etc/nfs.conf and /var/lib/nfs/etab under --root: "
       "parse errors, fsid=0 outside exports.pseudo_root, duplicate fsids, 'host (rw)' world exports, "
       "clients outside exports.allowed_clients, the require/forbid/warn rules, nfs.conf expectations, and "
       "exports applied (etab) but not in the files or the other way round. Runs whatever exports.enabled "
       "says. Prints 'file:line: rule: message' per violation.",
       {kOptConfig, kOptRoot, kOptJson},
       0, 0,
       "driftctl exports check --root /host --json",
       {{kExitOk, "clean, or warnings only"}, {4, "a critical violation"}, kUsage,
        {kExitIo, "the root is not a directory that can be read"}},
       cmd_exports_check},
      {"expect check", "[--config F] [--root DIR] [--node NAME] [--json]",
       "Check the config's expect: rules (sshd, kubelet, containerd, CNI, sysctl values as their owners read "
       "them; masked units) against the files under --root, without a baseline. Prints 'file:line: rule: "
       "key: expected ..., is ...' per violation.",
       {kOptConfig, kOptRoot, kOptNode, kOptJson},
       0, 0,
       "driftctl expect check --root /host",
       {{kExitOk, "no violation, or warnings only"}, {4, "a critical expect: rule violated"}, kUsage,
        {kExitIo, "the root is not a directory that can be read"}},
       cmd_expect_check},
      {"audit rules", "[--config F] [--root DIR]",
       "Print auditctl rules (-w PATH -p wa -k driftd) for the configured paths that exist under --root, the "
       "exports files when exports.enabled, and state_dir/audit-heartbeat; then compare the rule files under "
       "--root (etc/audit/rules.d/*.rules, etc/audit/audit.rules) with them and name what they do not cover. "
       "The rules loaded in the kernel are not read (that needs CAP_AUDIT_CONTROL).",
       {kOptConfig, kOptRoot},
       0, 0,
       "driftctl audit rules > /etc/audit/rules.d/driftd.rules",
       {kOk, kUsage, {kExitIo, "the rules cannot be written to stdout"}},
       cmd_audit_rules},
      {"config show", "[--config F | --default]",
       "Print the config driftctl would use: a file's effective config with defaults filled in, or the "
       "embedded default (always with --default, even when /etc/driftd/config.yaml exists).",
       {{"--config", "FILE", "show this file's effective config, defaults filled in"},
        {"--default", nullptr, "show the embedded default config"}},
       0, 0,
       "driftctl config show --default > /etc/driftd/config.yaml",
       {kOk, kUsage},
       cmd_config_show},
      {"report",
       "[--config F] [--loki URL] [--since 6w | --from T [--to T]] [--node N ...] "
       "[--format text|markdown|html|json] [--output F|-] [--input FILE] [--quiet]",
       "Sum up driftd's Loki lines ({job=\"driftd\"}: drift, exports, expectations, heartbeats, baselines) per "
       "node, kind, severity, cause, actor class, path class and ISO week, with reverts, top paths, the baselines "
       "installed and whether driftd was alive each week; then evaluate the Stage C decision table (seed 004, C.3) "
       "on it, each row with the lines that make it hold. The choice of outcome is left to the operator. Markdown "
       "is a ready 'Drift telemetry summary' for the ADR; HTML is one self-contained file with charts.",
       {kOptConfig,
        {"--loki", "URL", "Loki's base URL (default the config's loki.url)"},
        {"--since", "DUR", "the last DUR: Ns, Nm, Nh, Nd or Nw (default 6w)"},
        {"--from", "T", "from T: RFC 3339, YYYY-MM-DD (UTC) or @UNIX_SECONDS"},
        {"--to", "T", "up to T (with --from; default now)"},
        {"--node", "N", "only node N", true},
        {"--format", "FMT", "text, markdown, html or json (default text)"},
        {"--output", "FILE|-", "where the report goes (default stdout)"},
        {"--input", "FILE", "read logcli's --output=jsonl from FILE instead of querying Loki"},
        {"--limit", "N", "Loki entries per request (default 5000)"},
        {"--max-query-length", "DUR", "longest range of one Loki request (default 721h)"},
        kOptQuiet},
       0, 0,
       "driftctl report --loki http://loki:3100 --since 6w --format markdown --output summary.md",
       {{kExitOk, "report written"}, kUsage, {kExitIo, "Loki unreachable or refusing, input or output unreadable"}},
       cmd_report},
  };
  return kCommands;
}

ArgSpec arg_spec(const Command& command) {
  ArgSpec spec;
  for (const Option& o : command.options) {
    if (!o.value) spec.bool_flags.insert(o.flag);
    else if (o.repeatable) spec.repeat_flags.insert(o.flag);
    else spec.value_flags.insert(o.flag);
  }
  spec.min_positional = command.min_positional;
  spec.max_positional = command.max_positional;
  return spec;
}

}  // namespace drift
