// The taint table. Bits and letters are the kernel's (kernel/panic.c,
// taint_flags[]); names follow TAINT_*, except TAINT_CRAP, which is named
// for what it means (a staging driver).
#include "runtime/taint.h"

namespace drift {

const std::vector<TaintFlag>& taint_flags() {
  static const std::vector<TaintFlag> kFlags = {
      {0, 'P', "proprietary_module", true},
      {1, 'F', "forced_module", true},
      {2, 'S', "cpu_out_of_spec", false},
      {3, 'R', "forced_rmmod", false},
      {4, 'M', "machine_check", false},
      {5, 'B', "bad_page", false},
      {6, 'U', "user", false},
      {7, 'D', "die", false},
      {8, 'A', "overridden_acpi_table", false},
      {9, 'W', "warn", false},
      {10, 'C', "staging_driver", false},
      {11, 'I', "firmware_workaround", false},
      {12, 'O', "out_of_tree_module", true},
      {13, 'E', "unsigned_module", true},
      {14, 'L', "soft_lockup", false},
      {15, 'K', "livepatch", false},
      {16, 'X', "aux", false},
      {17, 'T', "randstruct", false},
      {18, 'N', "test", false},
      {19, 'J', "fwctl", false},
  };
  return kFlags;
}

std::vector<TaintFlag> decode_taint(uint64_t value) {
  std::vector<TaintFlag> set;
  const auto& known = taint_flags();
  for (int bit = 0; bit < 64; ++bit) {
    if (!(value & (uint64_t{1} << bit))) continue;
    if (static_cast<size_t>(bit) < known.size()) {
      set.push_back(known[static_cast<size_t>(bit)]);
    } else {
      // A bit a later kernel added: recorded by number, a warning.
      set.push_back({bit, '?', "bit_" + std::to_string(bit), false});
    }
  }
  return set;
}

const TaintFlag* taint_flag_for_letter(char letter) {
  for (const TaintFlag& f : taint_flags()) {
    if (f.letter == letter) return &f;
  }
  return nullptr;
}

}  // namespace drift
