// Ed25519 keys and signatures (OpenSSL libcrypto).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace drift {

struct KeyDeleter { void operator()(void* key) const; };
/// An EVP_PKEY holding an Ed25519 private or public key.
using Key = std::unique_ptr<void, KeyDeleter>;

/// Generates a key pair and writes PEM files: the private key with mode 0600
/// (refusing to overwrite), the public key with mode 0644.
bool generate_key_pair(const std::string& signing_key_path, const std::string& public_key_path,
                       std::string* err);

bool load_signing_key(const std::string& path, Key* key, std::string* err);
bool load_public_key(const std::string& path, Key* key, std::string* err);

/// Short identifier of a key's public half: the first 16 hex digits of the
/// SHA-256 of the raw 32-byte public key. Shown in reports and refusals.
std::string key_id(const Key& key);

/// Signs message with a private key; the signature is 64 raw bytes.
bool sign_message(const Key& signing_key, std::string_view message, std::string* signature,
                  std::string* err);
bool verify_message(const Key& public_key, std::string_view message, std::string_view signature);

/// SHA-256 of a buffer, raw 32 bytes.
std::string sha256_bytes(std::string_view data);

}  // namespace drift
