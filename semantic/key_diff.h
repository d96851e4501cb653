// Key diffs: what changed in a config file, by key. Both sides are read by
// the file's format; the result lists keys added, removed or changed with
// their values as the owner reads them (first-wins sshd, last-wins sysctl), so
// a comment or a reordering that changes nothing is no diff. Secret values
// never leave here: they are replaced by `<redacted: changed>`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "semantic/flat_doc.h"
#include "semantic/formats.h"

namespace drift {

enum class KeyOp { kAdded, kRemoved, kChanged };

/// "added", "removed", "changed".
const char* key_op_name(KeyOp op);

struct KeyChange {
  std::string key;
  KeyOp op = KeyOp::kChanged;
  std::string old_value, new_value;  // "" on the side that has none
  int old_line = 0, new_line = 0;
  bool redacted = false;
};

struct KeyDiff {
  std::vector<KeyChange> changes;
  std::string error;  // "before: line 3: ..." / "now: line 7: ..." when a side does not parse
  bool ok() const { return error.empty(); }
};

/// Changes from `before` to `after`: changed and added keys in `after`'s
/// order, then removed keys in `before`'s order.
KeyDiff diff_flat(const FlatDoc& before, const FlatDoc& after);

/// Both texts read with `format`, then diff_flat.
KeyDiff diff_keys(std::string_view before, std::string_view after, Format format);

}  // namespace drift
