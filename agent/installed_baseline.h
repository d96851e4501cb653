// The installed baseline: the one reading of a baseline file that driftd and
// `driftctl baseline install` / `check` share. A file is read (bounded by
// kBaselineMaxFileBytes) and verified; then whether it was made for this node
// and whether its serial is below the rollback floor (highest_serial.h) decide
// whether it may be used. driftd keeps the last valid one (InstalledBaseline)
// and compares with it while a newer file is refused, and fetches old file
// contents for diffs only when needed, from the very file that was verified
// (the same payload digest), so it never holds every snapshot in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "baseline/bundle.h"
#include "baseline/signer.h"

namespace drift {

struct VerifiedBaseline {
  std::string bytes;
  Baseline baseline;
  SignatureInfo signature;
};

enum class BaselineStep { kOk, kRead, kVerify };  // where reading a baseline stopped

/// Reads PATH and verifies it with KEY (nullptr: not verified, for
/// allow_unsigned). WANT picks the snapshots kept. On failure says which step
/// failed, the error class and a reason.
BaselineStep read_verified_baseline(const std::string& path, const Key* key, bool allow_unsigned,
                                    const std::function<bool(const std::string&)>& want, VerifiedBaseline* out,
                                    BaselineError* error, std::string* err);

/// A baseline is for the node it was made for.
bool made_for_node(const Baseline& b, const std::string& node);
/// A serial below the floor is a rollback, refused.
bool is_rollback(uint64_t serial, uint64_t floor);

/// The snapshots (sha256 hex -> content) among WANTED, read again from PATH,
/// but only when PATH still holds the payload with digest PAYLOAD_SHA256.
std::map<std::string, std::string> reread_snapshots(const std::string& path, const std::string& payload_sha256,
                                                    const std::set<std::string>& wanted);

/// driftd's baseline: the last valid one, the rollback floor, and why the
/// installed file is not valid now.
class InstalledBaseline {
 public:
  /// The floor read from state_dir; a problem (the file does not parse)
  /// refuses every baseline until it is fixed (fail closed).
  void set_floor(uint64_t floor, const std::string& problem);

  struct Outcome {
    bool accepted = false;
    bool replaced = false;       // a different payload than the one held: log it
    bool serial_raised = false;  // highest_serial() went up: record it
    std::string reason;          // why not accepted
  };
  /// Reads and checks the baseline at PATH with the public key at KEY_PATH
  /// for NODE. Refused, the last valid baseline stays.
  Outcome load(const std::string& path, const std::string& key_path, const std::string& node);
  /// Marks the baseline not valid; true when the reason is new (to log once).
  bool mark_invalid(const std::string& reason);

  const std::shared_ptr<const Baseline>& current() const { return current_; }
  bool valid() const { return valid_; }
  /// A baseline was ever installed on this node: held valid, a file at the
  /// path at the last load, or a serial recorded in state_dir.
  bool installed() const { return current_ || present_ || highest_serial_ > 0; }
  const std::string& problem() const { return problem_; }
  uint64_t highest_serial() const { return highest_serial_; }
  const std::string& payload_sha256() const { return payload_sha256_; }
  const std::string& key_id() const { return key_id_; }

 private:
  std::shared_ptr<const Baseline> current_;  // the last valid baseline
  std::string payload_sha256_, key_id_;
  bool valid_ = false;
  bool present_ = false;  // a file at the path at the last load
  uint64_t highest_serial_ = 0;
  std::string floor_problem_, problem_;
};

}  // namespace drift
