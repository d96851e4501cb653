// The kernel's taint flags, one table: bit, letter (as /proc/modules and
// oops messages print it), name (the kernel's TAINT_* in lower case, as
// Documentation/admin-guide/tainted-kernels.rst lists them) and whether a
// newly set bit is critical drift. A bit stays set until reboot, so a module
// loaded and unloaded between two looks still leaves its trace here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace drift {

struct TaintFlag {
  int bit;
  char letter;
  std::string name;   // "unsigned_module"; an unknown bit is "bit_N"
  bool critical;      // P, F, O, E: code the distribution did not vouch for
};

/// Every flag the table knows, by bit.
const std::vector<TaintFlag>& taint_flags();

/// The set bits of a /proc/sys/kernel/tainted value, known or not.
std::vector<TaintFlag> decode_taint(uint64_t value);

/// The flag of a module's taint letter ('O'), or null.
const TaintFlag* taint_flag_for_letter(char letter);

}  // namespace drift
