// Which values of a config file may be shown. One list of secret key names,
// here and nowhere else, plus the content detector of the snapshot policy
// (baseline/secret_content.h) on every value: a key diff or an expectation
// never prints what either would hide.
#pragma once

#include <string>
#include <string_view>

namespace drift {

inline constexpr const char* kRedactedChanged = "<redacted: changed>";
inline constexpr const char* kRedacted = "<redacted>";

/// True when the key path's last name is a secret's name: after lowercasing
/// and dropping `-`, `_` and `.`, it ends with password, passwd, passphrase,
/// secret, token, privatekey, keydata (client-key-data), apikey, accesskey,
/// secretkey, credential(s), or is `auth` (a registry's auth).
/// PasswordAuthentication, PubkeyAuthentication, HostKey, AuthorizedKeysFile
/// and tokenFile are not: they name a setting or a path, not a secret.
bool secret_key_name(std::string_view key_path);

/// True when the value (seen as `name = value`) holds something the content
/// detector calls a secret (key material, a token format, a credential).
bool secret_value(std::string_view key_path, std::string_view value);

}  // namespace drift
