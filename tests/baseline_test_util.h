// A signed baseline of one snapshotted file, for the tests of what loads
// baselines (InstalledBaseline, DriftJudge): the entry carries the content's
// hash and size, the bundle its snapshot, the metadata a node and a serial.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "baseline/bundle.h"
#include "baseline/entry.h"
#include "baseline/signer.h"
#include "test_util.h"

namespace drift::test {

/// A regular file's entry whose hash and size are CONTENT's, snapshot kept.
inline Entry snapshot_entry(const std::string& path, const std::string& content) {
  Entry e = file_entry(path);
  const std::string digest = sha256_bytes(content);
  std::copy(digest.begin(), digest.end(), e.sha256.begin());
  e.size = content.size();
  e.snapshot = true;
  return e;
}

/// The signed bytes of a baseline for NODE with SERIAL holding E (made by
/// snapshot_entry from CONTENT) and its snapshot.
inline std::string signed_one_file_baseline(const Key& signing, const std::string& node, uint64_t serial,
                                            const Entry& e, const std::string& content) {
  Baseline b;
  b.meta.node = node;
  b.meta.created = 1790000000 + static_cast<int64_t>(serial);
  b.meta.serial = serial;
  b.meta.tool_version = "driftd test";
  b.meta.config_sha256 = std::string(64, 'c');
  b.entries = {e};
  b.snapshots[hex_encode(e.sha256)] = content;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(b, &signing, &bytes, &err));
  return bytes;
}

}  // namespace drift::test
