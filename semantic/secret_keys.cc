// Secret key names. Matching the end of the normalised last name, not any
// substring, keeps settings visible whose names merely mention a secret
// (PasswordAuthentication, PermitEmptyPasswords, tokenFile) while catching
// the names kubeconfigs, registries and CNI plugins use for the secret itself.
#include "semantic/secret_keys.h"

#include <cctype>

#include "baseline/secret_content.h"
#include "semantic/key_path.h"

namespace drift {
namespace {

constexpr std::string_view kSecretEndings[] = {
    "password", "passwd", "passphrase", "secret", "token", "privatekey", "keydata",
    "apikey", "accesskey", "secretkey", "credential", "credentials",
};

constexpr std::string_view kSecretNames[] = {"auth", "pass", "pwd"};

std::string last_name(std::string_view key_path) {
  KeyPath path;
  std::string err;
  if (!parse_key_path(key_path, &path, &err)) return std::string(key_path);
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    if (it->kind == KeySegment::Kind::kName) return it->name;
  }
  return "";
}

}  // namespace

bool secret_key_name(std::string_view key_path) {
  std::string name;
  for (unsigned char c : last_name(key_path)) {
    if (c == '-' || c == '_' || c == '.') continue;
    name.push_back(static_cast<char>(std::tolower(c)));
  }
  for (std::string_view n : kSecretNames) {
    if (name == n) return true;
  }
  for (std::string_view e : kSecretEndings) {
    if (name.size() >= e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0) return true;
  }
  return false;
}

bool secret_value(std::string_view key_path, std::string_view value) {
  if (find_secret(value)) return true;
  const std::string line = last_name(key_path) + " = " + std::string(value);
  return static_cast<bool>(find_secret(line));
}

}  // namespace drift
