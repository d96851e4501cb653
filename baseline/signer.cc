// Ed25519 through OpenSSL's EVP interface. Ed25519 signs the message itself
// (no separate digest step), so callers pass a short message that already
// contains a SHA-256 over everything that must be covered. Every OpenSSL object
// lives in a unique_ptr with its deleter; no error path leaks.
#include "baseline/signer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "baseline/entry.h"

namespace drift {
namespace {

struct BioDeleter { void operator()(BIO* b) const { BIO_free(b); } };
struct MdCtxDeleter { void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); } };
struct PkeyCtxDeleter { void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); } };

EVP_PKEY* pkey(const Key& key) { return static_cast<EVP_PKEY*>(key.get()); }

bool read_small_file(const std::string& path, std::string* out, std::string* err) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) { *err = path + ": " + std::strerror(errno); return false; }
  char buf[4096];
  size_t n;
  out->clear();
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && out->size() < (1 << 20)) out->append(buf, n);
  std::fclose(f);
  return true;
}

bool write_pem(const std::string& path, mode_t mode, bool is_private, EVP_PKEY* key,
               std::string* err) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) { *err = path + ": " + std::strerror(errno); return false; }
  ::fchmod(fd, mode);  // umask must not widen or narrow what we promise
  FILE* f = ::fdopen(fd, "wb");
  if (!f) { ::close(fd); *err = path + ": " + std::strerror(errno); return false; }
  const int ok = is_private ? PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr)
                            : PEM_write_PUBKEY(f, key);
  const bool flushed = std::fflush(f) == 0 && ::fsync(fd) == 0;
  std::fclose(f);
  if (!ok || !flushed) { *err = path + ": cannot write key"; return false; }
  return true;
}

bool check_ed25519(const Key& key, const std::string& path, std::string* err) {
  if (EVP_PKEY_get_base_id(pkey(key)) != EVP_PKEY_ED25519) {
    *err = path + ": not an Ed25519 key";
    return false;
  }
  return true;
}

}  // namespace

void KeyDeleter::operator()(void* key) const { EVP_PKEY_free(static_cast<EVP_PKEY*>(key)); }

bool generate_key_pair(const std::string& signing_key_path, const std::string& public_key_path,
                       std::string* err) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) <= 0 || EVP_PKEY_keygen(ctx.get(), &raw) <= 0) {
    *err = "cannot generate an Ed25519 key";
    return false;
  }
  Key key(raw);
  if (!write_pem(signing_key_path, 0600, true, raw, err)) return false;
  if (!write_pem(public_key_path, 0644, false, raw, err)) {
    ::unlink(signing_key_path.c_str());
    return false;
  }
  return true;
}

bool load_signing_key(const std::string& path, Key* key, std::string* err) {
  std::string pem;
  if (!read_small_file(path, &pem, err)) return false;
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  key->reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!*key) { *err = path + ": not a PEM private key"; return false; }
  return check_ed25519(*key, path, err);
}

bool load_public_key(const std::string& path, Key* key, std::string* err) {
  std::string pem;
  if (!read_small_file(path, &pem, err)) return false;
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  key->reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!*key) { *err = path + ": not a PEM public key"; return false; }
  return check_ed25519(*key, path, err);
}

std::string key_id(const Key& key) {
  unsigned char raw[32];
  size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(pkey(key), raw, &len) != 1) return "unknown";
  const std::string digest = sha256_bytes(std::string_view(reinterpret_cast<char*>(raw), len));
  return hex_encode(reinterpret_cast<const uint8_t*>(digest.data()), 8);
}

bool sign_message(const Key& signing_key, std::string_view message, std::string* signature,
                  std::string* err) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  size_t len = 64;
  signature->assign(64, '\0');
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey(signing_key)) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature->data()), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      len != 64) {
    *err = "Ed25519 signing failed";
    return false;
  }
  return true;
}

bool verify_message(const Key& public_key, std::string_view message, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx && signature.size() == 64 &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey(public_key)) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string sha256_bytes(std::string_view data) {
  unsigned char out[32];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), 32);
}

}  // namespace drift
