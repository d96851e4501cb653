// The baseline file: a compressed tar (libarchive) of metadata, the index and
// content snapshots, followed by a fixed-size signature trailer.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "baseline/entry.h"
#include "baseline/signer.h"

namespace drift {

/// Version 2 added the package table (the package-aware check); 1 still loads,
/// with no package facts.
inline constexpr int kBaselineFormatVersion = 2;
inline constexpr int kBaselineOldestFormatVersion = 1;

/// Bounds of the one reader (read_baseline_bytes): a member or a file past
/// them is refused before it is allocated. No real baseline comes near them.
inline constexpr uint64_t kBaselineMaxFileBytes = 256ull << 20;      // the whole file, as read from disk or stdin
inline constexpr uint64_t kBaselineMaxMetaBytes = 64ull << 10;       // a dozen short lines
inline constexpr uint64_t kBaselineMaxPackagesBytes = 64ull << 20;   // ~100k packages of long names
inline constexpr uint64_t kBaselineMaxSnapshotBytes = 16ull << 20;   // the ceiling of content.max_bytes
inline constexpr uint64_t kBaselineMaxEntries = 20'000'000;
/// The whole archive, headers included, may expand the compressed payload at
/// most this much (zstd level 1 gives a real baseline about 5x: 3.8 MB for
/// 81,283 entries of /etc, /usr/bin and /usr/lib held 19.8 MB), plus a fixed
/// slack for a few highly repetitive snapshots.
inline constexpr uint64_t kBaselineMaxRatio = 32;
inline constexpr uint64_t kBaselineRatioSlackBytes = 64ull << 20;

struct BaselineMeta {
  int format_version = kBaselineFormatVersion;
  std::string node;
  int64_t created = 0;  // unix seconds
  uint64_t serial = 1;
  std::string tool_version;
  std::string config_sha256;  // hex digest of the effective config the scan used
  std::string hash_algorithm = "sha256";
};

/// One row of the package table: a package as dpkg had it installed.
struct PackageVersion {
  std::string name;     // "kubelet", or "libc6:amd64" for a Multi-Arch: same package
  std::string version;  // "1.34.1-1.1"
  bool operator<(const PackageVersion& o) const { return name != o.name ? name < o.name : version < o.version; }
  bool operator==(const PackageVersion&) const = default;
};

struct Baseline {
  BaselineMeta meta;
  std::vector<Entry> entries;                   // canonical order
  /// Sorted, unique. Every package installed when the entries were recorded
  /// (so a later check knows which packages are new or upgraded), and the rows
  /// entries point at with Entry::package.
  std::vector<PackageVersion> packages;
  std::map<std::string, std::string> snapshots;  // sha256 hex -> content
};

enum class SignatureState { kUnsigned, kSigned };

/// What reading a baseline found out about its signature.
struct SignatureInfo {
  SignatureState state = SignatureState::kUnsigned;
  std::string key_id;         // for kSigned
  std::string payload_sha256; // hex
};

/// Why a baseline was refused; the CLI maps each to an exit code.
enum class BaselineError { kNone, kUnreadable, kSignature };

struct BaselineReadOptions {
  /// Public key to verify with; nullptr skips verification (signed or not).
  const Key* public_key = nullptr;
  /// Refuse an unsigned baseline (with a public key given) unless this is set.
  bool allow_unsigned = false;
  /// Which snapshots to keep in memory (by sha256 hex); null keeps none.
  std::function<bool(const std::string&)> want_snapshot;
  /// Leave the index out (baseline->entries stays empty): for fetching a few
  /// snapshots from a baseline already loaded, without parsing every entry again.
  bool skip_index = false;
};

/// Serialises a baseline (payload + unsigned trailer, or signed with signing_key)
/// to `sink` as it is produced (never whole in memory: the index is streamed
/// and the payload digest computed on the way). A false from sink stops it.
bool write_baseline(const Baseline& baseline, const Key* signing_key,
                    const std::function<bool(std::string_view)>& sink, std::string* err);

/// The same into a string.
bool write_baseline_bytes(const Baseline& baseline, const Key* signing_key, std::string* out,
                          std::string* err);

/// Parses and checks a baseline file's bytes. On failure returns false with a
/// one-line reason and the error class.
bool read_baseline_bytes(std::string_view file, const BaselineReadOptions& options,
                         Baseline* baseline, SignatureInfo* signature, BaselineError* error,
                         std::string* err);

/// Replaces the trailer of an unsigned baseline (or one signed by the same key)
/// with a signature by signing_key. Checks the payload's integrity first and
/// reads it with the same reader as every other command: what cannot be read
/// is never signed. `error` says which class a refusal is.
bool sign_baseline_bytes(std::string_view file, const Key& signing_key, std::string* out,
                         BaselineError* error, std::string* err);

}  // namespace drift
