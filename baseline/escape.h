// The one escaping of paths (and other host bytes) that leave driftd as text.
#pragma once

#include <string>
#include <string_view>

namespace drift {

/// Escapes arbitrary bytes into printable, valid UTF-8 text that round-trips:
/// `\\` for a backslash, `\n`, `\t`, `\r`, and `\xNN` for any other control byte,
/// DEL, and every byte that is not part of a valid UTF-8 sequence.
/// Everything else (including non-ASCII UTF-8) passes through unchanged.
std::string escape_bytes(std::string_view raw);

/// Escapes only control bytes other than tab (and DEL) as `\xNN`, leaving all
/// else as it is: for showing host file content (diff lines) on a terminal,
/// where a planted escape sequence must not reach the operator raw.
std::string escape_control_bytes(std::string_view text);

/// Inverse of escape_bytes. Returns false on a malformed escape.
bool unescape_bytes(std::string_view text, std::string* raw);

}  // namespace drift
