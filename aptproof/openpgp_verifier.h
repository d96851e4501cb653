// OpenPGP signatures of apt's InRelease files, checked with GPGME (which runs
// GnuPG's gpg): never a hand-written OpenPGP parser. The keys come from the
// node's keyrings, imported into a private, temporary GnuPG home made for
// this verifier under a work directory and removed with it, so neither the
// operator's ~/.gnupg nor a GNUPGHOME in the environment is read or written.
// Each keyring's keys are remembered by fingerprint, so a signature can be
// required to come from one keyring (a source's Signed-By) and not another.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace drift {

struct SignatureCheck {
  bool ok = false;
  std::string signed_text;  // the clearsigned text, as gpg returns it
  std::string signer;       // primary key fingerprint of the good signature
  std::string reason;       // when not ok
};

class OpenPgpVerifier {
 public:
  OpenPgpVerifier() = default;
  OpenPgpVerifier(const OpenPgpVerifier&) = delete;
  OpenPgpVerifier& operator=(const OpenPgpVerifier&) = delete;
  ~OpenPgpVerifier();

  /// Makes the temporary GnuPG home under work_dir (mode 0700). False with *err.
  bool open(const std::string& work_dir, std::string* err);
  /// Imports a keyring (binary or armored) under a name (its host path);
  /// the primary fingerprints it added. False with *err when none could be.
  bool import_keyring(const std::string& name, const std::string& bytes, std::string* err);
  /// Checks a clearsigned message. Only the signed part is returned, and a
  /// file with bytes outside its one signed block is refused (as apt does).
  /// With `allowed` non-empty, the good signature must be by one of those
  /// primary fingerprints.
  SignatureCheck verify_clearsigned(const std::string& bytes, const std::set<std::string>& allowed) const;

  /// Primary fingerprints each imported keyring brought.
  const std::map<std::string, std::set<std::string>>& keyrings() const { return keyrings_; }
  const std::string& home() const { return home_; }

 private:
  void* ctx_ = nullptr;  // gpgme_ctx_t
  std::string home_;
  std::map<std::string, std::set<std::string>> keyrings_;
};

/// The armor boundary check of verify_clearsigned, on its own: one
/// "-----BEGIN PGP SIGNED MESSAGE-----" block at the start, nothing but
/// blank lines after its signature. Empty when fine, else why.
std::string clearsign_framing_problem(const std::string& bytes);

}  // namespace drift
