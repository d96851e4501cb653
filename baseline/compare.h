// Comparison of two entry lists: added, removed and changed paths, and the exit bits.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "baseline/entry.h"
#include "lib/paths.h"

namespace drift {

enum class DriftKind { kAdded, kRemoved, kChanged };
const char* drift_kind_name(DriftKind kind);

/// Why a path drifted, as the package-aware check classifies it. `package`
/// lowers urgency, it never hides a drift.
struct DriftCause {
  bool package = false;         // false: unexplained
  std::string package_name;     // for package: the owning package
  std::string version_before;   // its version when the baseline recorded the path
  std::string version_now;      // its version installed now ("" when it was removed)
  // The proof of a package claim (aptproof/), when one was sought (driftctl check):
  std::string proof;            // "signed-archive" or "dpkg-database"; "" not sought
  std::string proof_reason;     // dpkg-database: why the signed chain does not prove it
  std::vector<std::string> proof_chain;  // signed-archive: InRelease, Packages index, .deb (host paths)
  /// A package claim with only dpkg's word on a critical path: `package` is
  /// false (it counts as unexplained), the claim's fields stay for the report.
  bool unproven_claim = false;
  const char* name() const { return package ? "package" : "unexplained"; }
  /// The proof of a package claim as the metrics label it: the proof, or
  /// "none" when none was sought; "" when no package claims the change.
  std::string claim_proof() const {
    if (!package && !unproven_claim) return "";
    return proof.empty() ? "none" : proof;
  }
};

struct Drift {
  DriftKind kind;
  const Entry* before = nullptr;  // null for kAdded
  const Entry* after = nullptr;   // null for kRemoved
  AttrSet changed;                // for kChanged
  Severity severity = Severity::kWarning;
  DriftCause cause;
  const std::string& path() const { return after ? after->path : before->path; }
};

/// The rules a comparison needs from the path selection.
struct ComparePolicy {
  /// Attributes to ignore for a path (from the most specific rule).
  std::function<AttrSet(const std::string& path)> ignored;
  /// Severity of a path; by default the entry's recorded severity.
  std::function<Severity(const std::string& path)> severity;
};

/// AIDE-compatible exit bits, plus 8 for an incomplete scan.
inline constexpr int kExitAdded = 1, kExitRemoved = 2, kExitChanged = 4, kExitIncomplete = 8;

struct Comparison {
  std::vector<Drift> drifts;  // sorted by path bytes
  /// Paths that are the baseline's again in everything that matters (content,
  /// type, mode, owner, xattrs, target, link count) but whose times or inode
  /// moved: a revert, or a `touch`. Information, not drift; sorted by path.
  std::vector<Drift> touched;
  size_t added = 0, removed = 0, changed = 0;
  /// Runtime entries (module:, sysctl:, ...) of one side when the other side
  /// has none at all (a baseline from before them, a scan without them): not
  /// compared, and said once by whoever reports, never as one drift each.
  size_t runtime_only_before = 0, runtime_only_after = 0;
  int exit_bits() const;
};

/// The attributes that alone are information, not drift: mtime, ctime and
/// inode (a file restored by rename has a new inode and new times), and for a
/// directory its size too (a directory never shrinks back after its entries
/// come and go; the entries themselves are compared as their own paths).
AttrSet information_attrs(EntryType type);

/// Compares before (e.g. the baseline) with after (e.g. a fresh scan); both
/// sorted by path. Attributes the scan could not read on either side
/// (content of an unreadable file) are not reported as changed. A directory
/// whose only changes are what its children's changes explain is dropped.
/// Runtime entries are compared only when both sides have some, and carry
/// their own severity (the reader decides it: runtime/runtime_state.h).
Comparison compare_entries(const std::vector<Entry>& before, const std::vector<Entry>& after,
                           const ComparePolicy& policy);


}  // namespace drift
