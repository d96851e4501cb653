// Package causes proven through apt's signed archive chain. dpkg's database
// (status, info/*.md5sums) is plain files root can rewrite, so "dpkg says this
// package shipped this content" proves nothing against root. apt's chain does:
// the archive's InRelease, signed with a key of the node's keyrings, lists the
// SHA-256 of each Packages index; an index lists the SHA-256 of each .deb; the
// .deb holds the file. Right after an upgrade the .deb apt installed is still
// in var/cache/apt/archives. A prover answers, for a drifted path and the
// package version dpkg says is installed now, `signed-archive` with the chain
// (InRelease, index, .deb) or `dpkg-database` with why the chain failed.
// Everything is read under the root, bounded, and cached for the prover's
// life: keyrings imported once, each InRelease verified once, each index
// streamed once per batch, each .deb read once for all of its files.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "aptproof/apt_sources.h"
#include "aptproof/archive_stream.h"
#include "aptproof/deb822.h"
#include "aptproof/openpgp_verifier.h"
#include "lib/beneath.h"

namespace drift {

struct AptProofRequest {
  std::string path;        // host path as the scan saw it ("/usr/bin/zstd")
  char type = 'f';         // 'f' file, 'l' symlink, 'd' directory, 'r' gone in the new version
  std::string sha256_hex;  // 'f': the new content's SHA-256 (the scan's)
  std::string target;      // 'l': the symlink's target now
  std::string package;     // name, without ":arch"
  std::string version;     // installed now, per dpkg
  std::string arch;        // its Architecture, per dpkg ("amd64", "all")
};

enum class ProofKind { kDpkgDatabase, kSignedArchive };
const char* proof_kind_name(ProofKind k);  // "dpkg-database", "signed-archive"

struct AptProof {
  ProofKind kind = ProofKind::kDpkgDatabase;
  std::string reason;     // dpkg-database: why the signed chain does not prove it
  std::string inrelease;  // signed-archive: host paths of the chain's links
  std::string index;
  std::string deb;
  std::string signer;     // primary fingerprint of the InRelease's good signature
};

struct AptProverOptions {
  std::string root = "/";
  std::string work_dir = "/tmp";  // where the temporary GnuPG home is made
  StreamLimits index_limits{1ull << 30, 64};  // a bookworm main index is ~95 MiB from 19 MiB of lz4
  StreamLimits deb_limits{4ull << 30, 64};
  uint64_t max_inrelease_bytes = 64ull << 20;
  uint64_t max_keyring_bytes = 16ull << 20;
};

/// Where apt keeps things, relative to the root.
inline constexpr const char* kAptListsDir = "/var/lib/apt/lists";
inline constexpr const char* kAptArchivesDir = "/var/cache/apt/archives";

class AptProver {
 public:
  explicit AptProver(AptProverOptions options);
  ~AptProver();

  /// One proof per request, in order. Cheap for requests already answered.
  std::vector<AptProof> prove(const std::vector<AptProofRequest>& requests);

  /// Problems met on the way that are no request's (a keyring that did not
  /// import, a sources line that is no source), for the report's warnings.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct Release;
  struct Index;
  struct Deb;

  bool load_trust();
  void discover_lists();
  Release* verified_release(Index& index);
  void scan_indexes(const std::set<std::string>& names);
  Deb& deb_for(const std::string& path, const std::set<std::string>& wanted);
  AptProof prove_one(const AptProofRequest& r);
  std::vector<std::string> candidates(const std::string& path) const;
  bool read_beneath(const std::string& host_path, uint64_t max, std::string* out, std::string* err) const;

  AptProverOptions options_;
  UniqueFd root_fd_;
  bool trust_loaded_ = false;
  std::string trust_error_;
  std::unique_ptr<OpenPgpVerifier> verifier_;
  std::vector<AptSource> sources_;
  std::set<std::string> global_keys_;  // primary fingerprints of the global keyrings
  std::map<std::string, std::set<std::string>> keys_by_file_;  // keyring host path -> fingerprints
  std::vector<std::string> usr_aliases_;  // "/bin", "/sbin", "/lib" ... symlinked into /usr
  bool lists_discovered_ = false;
  std::map<std::string, std::unique_ptr<Release>> releases_;  // InRelease host path ->
  std::vector<std::unique_ptr<Index>> indexes_;
  std::map<std::string, std::unique_ptr<Deb>> debs_;  // .deb host path ->
  std::map<std::string, AptProof> answered_;           // request key -> proof
  std::vector<std::string> warnings_;
};

}  // namespace drift
