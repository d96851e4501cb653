// GPGME, the one OpenPGP implementation here. Why GPGME and not Debian's
// gpgv: both run GnuPG (GPGME spawns gpg), but GPGME hands back each
// signature's status and fingerprint as data, where gpgv's --status-fd lines
// would have to be parsed by hand. The GnuPG home is set per context
// (gpgme_ctx_set_engine_info), never through the environment, and holds only
// the imported public keys: gpg needs no agent to import or verify. The
// framing check refuses what apt's own InRelease check refuses: text before
// the signed block, a second block, text after the signature.
#include "aptproof/openpgp_verifier.h"

#include <gpgme.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>

namespace drift {
namespace {

constexpr const char* kBegin = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr const char* kSigBegin = "-----BEGIN PGP SIGNATURE-----";
constexpr const char* kSigEnd = "-----END PGP SIGNATURE-----";

gpgme_ctx_t as_ctx(void* p) { return static_cast<gpgme_ctx_t>(p); }

std::string gpg_error_text(gpgme_error_t e) { return gpgme_strerror(e); }

struct Data {
  gpgme_data_t d = nullptr;
  ~Data() {
    if (d) gpgme_data_release(d);
  }
};

}  // namespace

std::string clearsign_framing_problem(const std::string& bytes) {
  size_t start = 0;
  while (start < bytes.size() && (bytes[start] == '\n' || bytes[start] == '\r')) ++start;
  if (bytes.compare(start, std::strlen(kBegin), kBegin) != 0) return "does not start with a clearsigned message";
  if (bytes.find(kBegin, start + 1) != std::string::npos) return "holds more than one signed message";
  const size_t sig = bytes.find(kSigBegin);
  const size_t end = bytes.find(kSigEnd);
  if (sig == std::string::npos || end == std::string::npos || end < sig) return "no complete signature block";
  if (bytes.find(kSigBegin, sig + 1) != std::string::npos) return "holds more than one signature block";
  for (size_t i = end + std::strlen(kSigEnd); i < bytes.size(); ++i) {
    if (bytes[i] != '\n' && bytes[i] != '\r' && bytes[i] != ' ' && bytes[i] != '\t') {
      return "holds text after its signature";
    }
  }
  return "";
}

OpenPgpVerifier::~OpenPgpVerifier() {
  if (ctx_) gpgme_release(as_ctx(ctx_));
  if (!home_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(home_, ec);  // pubring.kbx, trustdb.gpg, what gpg made
  }
}

bool OpenPgpVerifier::open(const std::string& work_dir, std::string* err) {
  static std::once_flag init;
  static const char* version = nullptr;
  std::call_once(init, [] { version = gpgme_check_version(nullptr); });
  if (!version) {
    *err = "GPGME failed to initialise";
    return false;
  }
  if (gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) != GPG_ERR_NO_ERROR) {
    *err = "no usable gpg for GPGME (is gnupg installed, and may it be run?)";
    return false;
  }
  std::string tmpl = work_dir + "/aptproof-gnupg.XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    *err = "cannot make a GnuPG home under " + work_dir + ": " + std::strerror(errno);
    return false;
  }
  home_ = tmpl;
  // Public keys only: no agent (it would outlive the home, and the confinement
  // cannot run it), no key servers, no trust database to build.
  if (FILE* conf = std::fopen((home_ + "/gpg.conf").c_str(), "w")) {
    std::fputs("no-autostart\nno-auto-key-retrieve\nno-auto-check-trustdb\n", conf);
    std::fclose(conf);
  }
  gpgme_ctx_t ctx = nullptr;
  gpgme_error_t e = gpgme_new(&ctx);
  if (e == GPG_ERR_NO_ERROR) {
    ctx_ = ctx;
    e = gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP);
  }
  if (e == GPG_ERR_NO_ERROR) e = gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nullptr, home_.c_str());
  if (e != GPG_ERR_NO_ERROR) {
    *err = "GPGME: " + gpg_error_text(e);
    return false;
  }
  gpgme_set_offline(ctx, 1);  // never a key server, never a dirmngr
  return true;
}

bool OpenPgpVerifier::import_keyring(const std::string& name, const std::string& bytes, std::string* err) {
  if (!ctx_) {
    *err = "verifier not open";
    return false;
  }
  Data d;
  gpgme_error_t e = gpgme_data_new_from_mem(&d.d, bytes.data(), bytes.size(), 0);
  if (e == GPG_ERR_NO_ERROR) e = gpgme_op_import(as_ctx(ctx_), d.d);
  if (e != GPG_ERR_NO_ERROR) {
    *err = name + ": import: " + gpg_error_text(e);
    return false;
  }
  gpgme_import_result_t r = gpgme_op_import_result(as_ctx(ctx_));
  std::set<std::string>& fprs = keyrings_[name];
  for (gpgme_import_status_t s = r ? r->imports : nullptr; s; s = s->next) {
    if (s->result == GPG_ERR_NO_ERROR && s->fpr) fprs.insert(s->fpr);
  }
  if (fprs.empty()) {
    *err = name + ": no key imported";
    return false;
  }
  return true;
}

SignatureCheck OpenPgpVerifier::verify_clearsigned(const std::string& bytes, const std::set<std::string>& allowed) const {
  SignatureCheck c;
  if (!ctx_) {
    c.reason = "verifier not open";
    return c;
  }
  if (std::string why = clearsign_framing_problem(bytes); !why.empty()) {
    c.reason = why;
    return c;
  }
  Data sig, plain;
  gpgme_error_t e = gpgme_data_new_from_mem(&sig.d, bytes.data(), bytes.size(), 0);
  if (e == GPG_ERR_NO_ERROR) e = gpgme_data_new(&plain.d);
  if (e == GPG_ERR_NO_ERROR) e = gpgme_op_verify(as_ctx(ctx_), sig.d, nullptr, plain.d);
  if (e != GPG_ERR_NO_ERROR) {
    c.reason = "gpg: " + gpg_error_text(e);
    return c;
  }
  gpgme_verify_result_t r = gpgme_op_verify_result(as_ctx(ctx_));
  std::string statuses;
  for (gpgme_signature_t s = r ? r->signatures : nullptr; s; s = s->next) {
    if (s->status != GPG_ERR_NO_ERROR || !s->fpr) {
      statuses += std::string(statuses.empty() ? "" : "; ") + (s->fpr ? s->fpr : "?") + ": " + gpg_error_text(s->status);
      continue;
    }
    // The signing key may be a subkey: the keyring sets hold primary fingerprints.
    gpgme_key_t key = nullptr;
    std::string primary = s->fpr;
    if (gpgme_get_key(as_ctx(ctx_), s->fpr, &key, 0) == GPG_ERR_NO_ERROR && key) {
      if (key->fpr) primary = key->fpr;
      gpgme_key_unref(key);
    }
    if (!allowed.empty() && !allowed.count(primary)) {
      statuses += std::string(statuses.empty() ? "" : "; ") + primary + ": good signature, but not by the source's Signed-By keys";
      continue;
    }
    c.ok = true;
    c.signer = primary;
    break;
  }
  if (!c.ok) {
    c.reason = statuses.empty() ? "no signature" : "no good signature by a trusted key (" + statuses + ")";
    return c;
  }
  size_t size = 0;
  char* text = gpgme_data_release_and_get_mem(plain.d, &size);
  plain.d = nullptr;
  if (text) {
    c.signed_text.assign(text, size);
    gpgme_free(text);
  }
  return c;
}

}  // namespace drift
