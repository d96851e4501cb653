// Exit codes of driftctl and driftd, one table (documented in README.md).
// 0-15 are drift bits (1 added, 2 removed, 4 changed, 8 incomplete); errors
// are 16 and up, one per class, so a wrapper can never mistake an error for
// drift. driftd uses 0, 16, 20 and 75. kExitCodes names and explains each
// one, for the help texts (and a man page made from them).
#pragma once

#include <array>

namespace drift {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 16;               // bad usage or config
inline constexpr int kExitBaselineUnreadable = 17;  // missing, truncated, garbage, unknown version
inline constexpr int kExitSignatureInvalid = 18;    // unsigned, tampered, other key
inline constexpr int kExitBaselineMismatch = 19;    // another node's, or older than installed
inline constexpr int kExitIo = 20;                  // cannot read a key, write output, scan a root
/// driftd only: EX_TEMPFAIL, restart me (a watched file was replaced and
/// Landlock follows inodes; the unit's RestartForceExitStatus= names it).
inline constexpr int kExitRestart = 75;

struct ExitCodeInfo {
  int code;
  const char* name;     // one word, as help texts name the code
  const char* meaning;  // one line
};

/// Every exit code, in order. The drift bits 1, 2, 4, 8 are OR-ed and are
/// baseline/compare.h's kExitAdded .. kExitIncomplete (a unit test holds them equal).
inline constexpr std::array<ExitCodeInfo, 11> kExitCodes = {{
    {kExitOk, "ok", "success; for check and diff: no drift"},
    {1, "added", "OR-ed drift bit: entries added"},
    {2, "removed", "OR-ed drift bit: entries removed"},
    {4, "changed", "OR-ed drift bit: entries changed, or a critical expect: rule violated"},
    {8, "incomplete", "OR-ed: the scan was incomplete (unreadable, vanished entries); the drift bits still stand"},
    {kExitUsage, "usage", "usage or config error (the message names the option, or the key and line)"},
    {kExitBaselineUnreadable, "baseline-unreadable", "baseline missing, truncated, garbage, or of an unknown format version"},
    {kExitSignatureInvalid, "signature-invalid", "signature invalid: unsigned, tampered, or signed by another key"},
    {kExitBaselineMismatch, "baseline-mismatch", "baseline for another node, or older than the installed one"},
    {kExitIo, "io", "I/O: a key or root cannot be read, output cannot be written"},
    {kExitRestart, "restart", "driftd only: restart me (EX_TEMPFAIL; the unit's RestartForceExitStatus=)"},
}};

/// The table's row for code, or nullptr.
constexpr const ExitCodeInfo* exit_code_info(int code) {
  for (const ExitCodeInfo& info : kExitCodes) {
    if (info.code == code) return &info;
  }
  return nullptr;
}

}  // namespace drift
