// Secret-bearing text, recognised by what it holds rather than by its name.
// Only the snapshot policy asks this; nothing else decides what may be kept.
#pragma once

#include <cstddef>
#include <string_view>

namespace drift {

/// What a piece of text was recognised as holding, and on which line.
struct SecretFinding {
  const char* kind = nullptr;  // "WireGuard PrivateKey", "JSON Web Token"...; null: nothing found
  size_t line = 0;             // 1-based
  explicit operator bool() const { return kind != nullptr; }
};

/// The first secret-looking thing in `text` (key material, a known token
/// format, a credential `key = value` line), found in one pass over the bytes.
SecretFinding find_secret(std::string_view text);

}  // namespace drift
