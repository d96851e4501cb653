// The package-aware check: which drift dpkg explains (an upgrade installed it)
// and which nobody does (a hand edit, a swapped binary). `package` lowers a
// drift's urgency; it never hides it, and the signed baseline stays the
// authority (dpkg's checksums are MD5, its database writable by root).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/dpkg_db.h"
#include "aptproof/apt_prover.h"
#include "baseline/bundle.h"
#include "baseline/compare.h"
#include "runtime/runtime_state.h"

namespace drift {

/// Rebuilds b->packages and every entry's Entry::package. Entries for which
/// `rescanned` is true get their owner from `db` as installed now; the others
/// keep the row they pointed at in `old_table`. With `with_installed` every
/// package installed now joins the table (so a later check can tell a new or
/// upgraded package from an old one); with `keep_old_rows` the old table stays,
/// except packages no longer installed that no entry points at.
/// `db` may be null (no dpkg on this node): rescanned entries get no owner.
void assign_packages(const DpkgDatabase* db, const std::vector<PackageVersion>& old_table,
                     const std::function<bool(const std::string&)>& rescanned, bool with_installed,
                     bool keep_old_rows, Baseline* b);

/// Classifies every drift of a check (baseline -> the node under root) with
/// dpkg's database. Reads nothing when there is no drift. Keeps, until the
/// next load, who owns each path it looked up and the MD5 of files it hashed
/// (keyed by path and SHA-256), so a daemon re-classifying the same drift
/// after every re-check reads neither the file lists nor the files again.
class PackageClassifier {
 public:
  /// Loads ROOT's dpkg database. Returns a warning for the operator when the
  /// database is there but unusable ("" when fine or when there is no dpkg).
  std::string load(const std::string& root);
  bool have_dpkg() const { return state_ == DpkgDatabase::Load::kOk; }
  const DpkgDatabase& db() const { return db_; }

  /// Sets Drift::cause on every drift; without a usable database, all stay unexplained.
  void classify(const Baseline& baseline, Comparison* comparison);

 private:
  bool content_matches(const std::string& host_path, const Entry& now, const std::string& md5_hex);

  std::string root_;
  DpkgDatabase db_;
  DpkgDatabase::Load state_ = DpkgDatabase::Load::kNotFound;
  std::map<std::string, std::pair<std::string, std::string>> md5_cache_;  // path -> (sha256 hex, md5 hex)
  std::map<std::string, std::string, std::less<>> owner_cache_;  // path -> package key ("": none), per load
  std::unique_ptr<KernelPackages> kernel_packages_;          // what kernel packages ship, per load
};

/// The prover's options for a root: its temporary GnuPG home goes under
/// state_dir when that is a writable directory (driftd's confinement grants
/// it), else under $TMPDIR or /tmp (driftctl on a machine without driftd).
AptProverOptions apt_prover_options(const std::string& root, const std::string& state_dir);

/// Seeks a proof for every package cause of `comparison` through apt's signed
/// archive chain (aptproof/): each gets proof `signed-archive` with its chain
/// or `dpkg-database` with the reason. A file's package cause on a critical
/// path with only `dpkg-database` proof becomes unexplained (unproven_claim)
/// unless `trust_dpkg_database`: a claim without proof never silences
/// anything. Runtime state keeps its cause (the archive proves files, not the
/// running kernel) with proof `dpkg-database`. Returns the prover's warnings.
std::vector<std::string> prove_package_causes(AptProver* prover, const DpkgDatabase& db, bool trust_dpkg_database,
                                              Comparison* comparison);

/// Classifies the drift between two baselines from their package tables alone
/// (no file to read): a path whose owning package changed version between A and
/// B, or whose package was removed, counts as `package`. Weaker than a check:
/// there is no checksum to confirm the content.
void classify_causes_between(const Baseline& a, const Baseline& b, Comparison* comparison);

/// SHA-256 and MD5 (hex) of a regular file's content from one read, opened
/// without following symlinks or blocking; false for anything else, or past max_size.
bool digests_of_file(const std::string& path, uint64_t max_size, std::string* sha256_hex, std::string* md5_hex);

}  // namespace drift
