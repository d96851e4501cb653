// The rollback floor: state_dir/highest-serial holds the highest baseline
// serial ever installed or loaded on this node. `baseline install` and driftd
// both read it before accepting a baseline and raise it after, so an older
// signed baseline cannot come back, even when the installed file was
// corrupted or removed (it no longer says what it was) and whether or not
// driftd ever ran. Written atomically; a file that does not parse is an error,
// never a floor of 0.
#pragma once

#include <cstdint>
#include <string>

namespace drift {

inline constexpr const char* kHighestSerialFile = "highest-serial";

/// The recorded floor (0 when the file does not exist). False with a reason
/// when it exists but cannot be read or does not hold one decimal number.
bool read_highest_serial(const std::string& state_dir, uint64_t* serial, std::string* err);

/// Raises the floor to `serial` (never lowers it), creating state_dir (0700).
bool record_highest_serial(const std::string& state_dir, uint64_t serial, std::string* err);

}  // namespace drift
