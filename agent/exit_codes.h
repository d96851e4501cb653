// Exit codes of driftctl and driftd, one table (documented in README.md).
// 0-15 are drift bits (1 added, 2 removed, 4 changed, 8 incomplete); errors
// are 16 and up, one per class, so a wrapper can never mistake an error for
// drift. driftd uses 0, 16, 20 and 75.
#pragma once

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

}  // namespace drift
