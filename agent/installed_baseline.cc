// Reading, verifying and accepting the installed baseline (see installed_baseline.h).
#include "agent/installed_baseline.h"

#include <sys/stat.h>

#include "baseline/escape.h"
#include "lib/atomic_file.h"

namespace drift {

BaselineStep read_verified_baseline(const std::string& path, const Key* key, bool allow_unsigned,
                                    const std::function<bool(const std::string&)>& want, VerifiedBaseline* out,
                                    BaselineError* error, std::string* err) {
  *error = BaselineError::kNone;
  if (!read_whole_file(path, &out->bytes, err, kBaselineMaxFileBytes)) {
    *error = BaselineError::kUnreadable;
    return BaselineStep::kRead;
  }
  BaselineReadOptions options;
  options.public_key = key;
  options.allow_unsigned = allow_unsigned;
  options.want_snapshot = want;
  if (!read_baseline_bytes(out->bytes, options, &out->baseline, &out->signature, error, err)) return BaselineStep::kVerify;
  return BaselineStep::kOk;
}

bool made_for_node(const Baseline& b, const std::string& node) { return b.meta.node == node; }

bool is_rollback(uint64_t serial, uint64_t floor) { return serial < floor; }

std::map<std::string, std::string> reread_snapshots(const std::string& path, const std::string& payload_sha256,
                                                    const std::set<std::string>& wanted) {
  if (wanted.empty()) return {};
  Baseline with_snapshots;
  SignatureInfo info;
  BaselineError error;
  std::string err, bytes;
  BaselineReadOptions ro;
  ro.skip_index = true;
  ro.want_snapshot = [&wanted](const std::string& sha) { return wanted.count(sha) > 0; };
  if (read_whole_file(path, &bytes, &err, kBaselineMaxFileBytes) &&
      read_baseline_bytes(bytes, ro, &with_snapshots, &info, &error, &err) && info.payload_sha256 == payload_sha256) {
    return std::move(with_snapshots.snapshots);
  }
  return {};
}

void InstalledBaseline::set_floor(uint64_t floor, const std::string& problem) {
  highest_serial_ = floor;
  floor_problem_ = problem;
}

bool InstalledBaseline::mark_invalid(const std::string& reason) {
  valid_ = false;
  const bool fresh = reason != problem_;
  problem_ = reason;
  return fresh;
}

InstalledBaseline::Outcome InstalledBaseline::load(const std::string& path, const std::string& key_path,
                                                   const std::string& node) {
  Outcome out;
  struct stat st;
  present_ = ::lstat(path.c_str(), &st) == 0;
  auto refuse = [&](const std::string& reason) {
    out.reason = reason;
    return out;
  };
  std::string err;
  Key key;
  if (!load_public_key(key_path, &key, &err)) return refuse(err);
  if (!floor_problem_.empty()) return refuse(floor_problem_);
  VerifiedBaseline vb;
  BaselineError error;
  switch (read_verified_baseline(path, &key, false, nullptr, &vb, &error, &err)) {
    case BaselineStep::kRead: return refuse("baseline " + err);
    case BaselineStep::kVerify: return refuse(path + ": " + err);
    case BaselineStep::kOk: break;
  }
  if (!made_for_node(vb.baseline, node)) {
    return refuse(path + " was made for node '" + escape_bytes(vb.baseline.meta.node) + "', this is '" +
                  escape_bytes(node) + "'");
  }
  if (is_rollback(vb.baseline.meta.serial, highest_serial_)) {
    return refuse(path + " has serial " + std::to_string(vb.baseline.meta.serial) + ", older than serial " +
                  std::to_string(highest_serial_) + " already seen (rollback refused)");
  }
  out.accepted = true;
  out.replaced = !current_ || payload_sha256_ != vb.signature.payload_sha256;
  if (vb.baseline.meta.serial > highest_serial_) {
    highest_serial_ = vb.baseline.meta.serial;
    out.serial_raised = true;
  }
  valid_ = true;
  problem_.clear();
  if (out.replaced) {
    current_ = std::make_shared<const Baseline>(std::move(vb.baseline));
    payload_sha256_ = vb.signature.payload_sha256;
    key_id_ = vb.signature.key_id;
  }
  return out;
}

}  // namespace drift
