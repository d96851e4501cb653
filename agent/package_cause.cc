// Cause classification. For each drifted path:
//  - added or changed: the package that lists it now must have a version other
//    than the one the baseline recorded for the path (or, for a path the
//    baseline did not own, a version the baseline never saw), and the file's
//    content must match the MD5 dpkg recorded for that version (md5sums, or the
//    Conffiles: field for a conffile). Directories and symlinks carry no
//    checksum in dpkg: a version change of a package listing them explains them.
//  - removed: the owning package was removed, or upgraded to a version that no
//    longer lists the path.
//  - only what a package version can change and dpkg can vouch for is
//    explained: content (checked against dpkg's MD5, in the same read that
//    confirms the SHA-256 the scan recorded), size, times, inode, link count, a
//    symlink's target. A changed type, mode, owner or xattr is never explained
//    (dpkg records none of them), nor a new setuid/setgid file.
//  - a baseline without a package table (format 1, or made without a usable
//    dpkg database) explains nothing.
// Everything else is unexplained.
#include "agent/package_cause.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>

#include "agent/runtime_scan.h"
#include "baseline/entry.h"
#include "runtime/runtime_cause.h"

namespace drift {
namespace {

// Row of the table with this name and version, or with this name (any version).
const PackageVersion* find_row(const std::vector<PackageVersion>& table, const std::string& name,
                               const std::string* version) {
  auto it = std::lower_bound(table.begin(), table.end(), PackageVersion{name, version ? *version : ""});
  if (version) return it != table.end() && it->name == name && it->version == *version ? &*it : nullptr;
  return it != table.end() && it->name == name ? &*it : nullptr;
}

const PackageVersion* row_of(const Baseline& b, const Entry* e) {
  return e && e->package > 0 && e->package <= b.packages.size() ? &b.packages[e->package - 1] : nullptr;
}

// What a package upgrade may change and dpkg can vouch for; anything else
// (type, mode, owner, xattrs) it never explains. A new setuid/setgid file is
// never explained either: dpkg records no modes.
bool package_could_explain(const Drift& d) {
  if (d.kind == DriftKind::kAdded) return d.after && (d.after->mode & 06000) == 0;
  if (d.kind != DriftKind::kChanged) return true;
  if (d.before->type != d.after->type) return false;
  AttrSet allowed;
  for (Attr a : {Attr::kSha256, Attr::kSize, Attr::kMtime, Attr::kCtime, Attr::kInode, Attr::kNlink, Attr::kTarget}) {
    allowed.add(a);
  }
  return d.changed.subset_of(allowed);
}

void explain(Drift* d, const std::string& name, const std::string& before, const std::string& now) {
  d->cause.package = true;
  d->cause.package_name = name;
  d->cause.version_before = before;
  d->cause.version_now = now;
}

}  // namespace

bool digests_of_file(const std::string& path, uint64_t max_size, std::string* sha256_hex, std::string* md5_hex) {
  // O_NONBLOCK and a regular-file check: a FIFO or device swapped in must not
  // block or feed the caller forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) > max_size) {
    ::close(fd);
    return false;
  }
  using Ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
  Ctx sha(EVP_MD_CTX_new(), EVP_MD_CTX_free), md5(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool ok = sha && md5 && EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) == 1 &&
            EVP_DigestInit_ex(md5.get(), EVP_md5(), nullptr) == 1;
  char buf[1 << 16];
  uint64_t total = 0;
  while (ok) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) { ok = false; break; }
    if (n == 0) break;
    total += static_cast<uint64_t>(n);
    if (total > max_size) { ok = false; break; }
    ok = EVP_DigestUpdate(sha.get(), buf, static_cast<size_t>(n)) == 1 &&
         EVP_DigestUpdate(md5.get(), buf, static_cast<size_t>(n)) == 1;
  }
  ::close(fd);
  unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
  unsigned int la = 0, lb = 0;
  if (!ok || EVP_DigestFinal_ex(sha.get(), a, &la) != 1 || EVP_DigestFinal_ex(md5.get(), b, &lb) != 1) return false;
  *sha256_hex = hex_encode(a, la);
  *md5_hex = hex_encode(b, lb);
  return true;
}

void assign_packages(const DpkgDatabase* db, const std::vector<PackageVersion>& old_table,
                     const std::function<bool(const std::string&)>& rescanned, bool with_installed,
                     bool keep_old_rows, Baseline* b) {
  std::set<PackageVersion> rows;
  if (keep_old_rows) {
    // A package removed since stays only while an entry still points at it.
    for (const PackageVersion& row : old_table) {
      if (!db || db->find(row.name)) rows.insert(row);
    }
  }
  // Who owns each rescanned entry now (first package listing it, in key order).
  std::map<std::string, std::string> owner;
  if (db) {
    auto is_entry = [b](std::string_view p) {
      auto it = std::lower_bound(b->entries.begin(), b->entries.end(), p,
                                 [](const Entry& e, std::string_view q) { return e.path < q; });
      return it != b->entries.end() && it->path == p;
    };
    db->for_each_listed([&](std::string_view p) { return is_entry(p) && rescanned(std::string(p)); },
                        [&](const std::string& p, const std::string& key) { owner.emplace(p, key); });
    if (with_installed) {
      for (const auto& [key, pkg] : db->packages()) rows.insert({key, pkg.version});
    }
  }
  // Resolve every entry to a row first (by index into `found`: an entry list
  // is ~55k entries, a row ~70 bytes), then number the rows.
  std::vector<PackageVersion> found;
  std::map<PackageVersion, uint32_t> found_index;
  std::vector<uint32_t> resolved(b->entries.size(), 0);  // 1-based into found; 0: none
  auto resolve = [&](PackageVersion row) {
    auto [it, inserted] = found_index.emplace(row, static_cast<uint32_t>(found.size() + 1));
    if (inserted) found.push_back(std::move(row));
    return it->second;
  };
  for (size_t i = 0; i < b->entries.size(); ++i) {
    const Entry& e = b->entries[i];
    if (rescanned(e.path)) {
      auto it = owner.find(e.path);
      if (it != owner.end()) resolved[i] = resolve({it->second, db->find(it->second)->version});
    } else if (e.package > 0 && e.package <= old_table.size()) {
      resolved[i] = resolve(old_table[e.package - 1]);
    }
  }
  rows.insert(found.begin(), found.end());
  b->packages.assign(rows.begin(), rows.end());
  std::vector<uint32_t> final_row(found.size() + 1, 0);
  for (size_t k = 0; k < found.size(); ++k) {
    auto it = std::lower_bound(b->packages.begin(), b->packages.end(), found[k]);
    final_row[k + 1] = static_cast<uint32_t>(it - b->packages.begin()) + 1;
  }
  for (size_t i = 0; i < b->entries.size(); ++i) b->entries[i].package = final_row[resolved[i]];
}

std::string PackageClassifier::load(const std::string& root) {
  root_ = root == "/" ? "" : root;
  std::string err;
  state_ = db_.load(root, &err);
  owner_cache_.clear();
  kernel_packages_.reset();
  return state_ == DpkgDatabase::Load::kMalformed ? err : "";
}

// The content the scan hashed must be the content dpkg vouches for: MD5 and
// SHA-256 from one read, and the SHA-256 must be the scan's (a file swapped
// back between the scan and this read is not explained).
bool PackageClassifier::content_matches(const std::string& host_path, const Entry& now, const std::string& md5_hex) {
  if (!now.has_sha256) return false;
  const std::string sha = hex_encode(now.sha256);
  auto it = md5_cache_.find(host_path);
  if (it != md5_cache_.end() && it->second.first == sha) return it->second.second == md5_hex;
  std::string read_sha, md5;
  if (!digests_of_file(root_ + host_path, now.size, &read_sha, &md5) || read_sha != sha) return false;
  md5_cache_[host_path] = {sha, md5};
  return md5 == md5_hex;
}

void PackageClassifier::classify(const Baseline& baseline, Comparison* c) {
  for (Drift& d : c->drifts) d.cause = DriftCause{};
  // Without a package table there is no "before" to compare versions with.
  if (state_ != DpkgDatabase::Load::kOk || c->drifts.empty() || baseline.packages.empty()) return;
  std::set<std::string, std::less<>> wanted;
  for (const Drift& d : c->drifts) {
    if (!owner_cache_.count(d.path())) wanted.insert(d.path());
  }
  if (!wanted.empty()) {
    std::map<std::string, std::string> found;
    db_.for_each_listed([&](std::string_view p) { return wanted.find(p) != wanted.end(); },
                        [&](const std::string& p, const std::string& key) { found.emplace(p, key); });
    for (const std::string& p : wanted) {
      auto f = found.find(p);
      owner_cache_[p] = f == found.end() ? "" : f->second;
    }
  }
  std::map<std::string, std::map<std::string, std::string>> md5sums;  // per package key, read on demand

  for (Drift& d : c->drifts) {
    const std::string& path = d.path();
    const PackageVersion* was = row_of(baseline, d.before);
    const std::string& owner = owner_cache_.at(path);

    if (d.kind == DriftKind::kRemoved) {
      if (!was) continue;
      const DpkgPackage* now = db_.find(was->name);
      if (!now) {
        explain(&d, was->name, was->version, "");  // the package was removed with its files
      } else if (now->version != was->version && !db_.lists(was->name, path)) {
        explain(&d, was->name, was->version, now->version);  // the new version dropped the file
      }
      continue;
    }

    if (owner.empty() || !package_could_explain(d)) continue;
    const DpkgPackage* pkg = db_.find(owner);
    if (!pkg) continue;
    std::string before;
    bool version_changed;
    if (was && was->name == pkg->key) {
      before = was->version;
      version_changed = was->version != pkg->version;
    } else {
      const PackageVersion* any = find_row(baseline.packages, pkg->key, nullptr);
      before = any ? any->version : "";
      version_changed = find_row(baseline.packages, pkg->key, &pkg->version) == nullptr;
    }
    if (!version_changed) continue;

    const Entry& now = *d.after;
    if (now.type == EntryType::kDirectory || now.type == EntryType::kSymlink) {
      explain(&d, pkg->key, before, pkg->version);
      continue;
    }
    if (now.type != EntryType::kFile) continue;
    std::string expected;
    if (auto cf = pkg->conffiles.find(path); cf != pkg->conffiles.end()) {
      expected = cf->second;
    } else {
      auto sums = md5sums.find(pkg->key);
      if (sums == md5sums.end()) {
        sums = md5sums.emplace(pkg->key, std::map<std::string, std::string>{}).first;
        db_.md5sums(pkg->key, &sums->second);
      }
      if (auto s = sums->second.find(path); s != sums->second.end()) expected = s->second;
    }
    if (!expected.empty() && content_matches(path, now, expected)) explain(&d, pkg->key, before, pkg->version);
  }

  // Runtime drift (module:, kernel:, cmdline:): a kernel upgrade explains some
  // of it. What the kernel packages ship is read once per load.
  if (std::any_of(c->drifts.begin(), c->drifts.end(), [](const Drift& d) { return is_runtime_path(d.path()); })) {
    if (!kernel_packages_) kernel_packages_ = std::make_unique<KernelPackages>(kernel_packages_of(db_));
    classify_runtime_causes(*kernel_packages_, baseline, c);
  }
}

AptProverOptions apt_prover_options(const std::string& root, const std::string& state_dir) {
  AptProverOptions o;
  o.root = root;
  struct stat st;
  if (::stat(state_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && ::access(state_dir.c_str(), W_OK) == 0) {
    o.work_dir = state_dir;
  } else if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp == '/') {
    o.work_dir = tmp;
  } else {
    o.work_dir = "/tmp";
  }
  return o;
}

std::vector<std::string> prove_package_causes(AptProver* prover, const DpkgDatabase& db, bool trust_dpkg_database,
                                              Comparison* c) {
  std::vector<AptProofRequest> requests;
  std::vector<Drift*> asked;
  for (Drift& d : c->drifts) {
    if (!d.cause.package) continue;
    d.cause.proof = proof_kind_name(ProofKind::kDpkgDatabase);
    if (is_runtime_path(d.path())) {
      d.cause.proof_reason = "runtime state: the archive proves files, not the running kernel";
      continue;
    }
    if (d.cause.version_now.empty()) {
      d.cause.proof_reason = "the package was removed: no archive proves an absence";
      continue;
    }
    const DpkgPackage* pkg = db.find(d.cause.package_name);
    if (!pkg) {
      d.cause.proof_reason = "dpkg's database no longer lists " + d.cause.package_name;
      continue;
    }
    AptProofRequest r;
    r.path = d.path();
    r.package = pkg->key.substr(0, pkg->key.find(':'));
    r.version = pkg->version;
    r.arch = pkg->arch;
    if (d.kind == DriftKind::kRemoved) {
      r.type = 'r';
    } else if (d.after->type == EntryType::kFile && d.after->has_sha256) {
      r.type = 'f';
      r.sha256_hex = hex_encode(d.after->sha256);
    } else if (d.after->type == EntryType::kSymlink) {
      r.type = 'l';
      r.target = d.after->target;
    } else if (d.after->type == EntryType::kDirectory) {
      r.type = 'd';
    } else {
      d.cause.proof_reason = "no content to prove";
      continue;
    }
    requests.push_back(std::move(r));
    asked.push_back(&d);
  }
  if (prover && !requests.empty()) {
    const std::vector<AptProof> proofs = prover->prove(requests);
    for (size_t i = 0; i < proofs.size(); ++i) {
      DriftCause& cause = asked[i]->cause;
      cause.proof = proof_kind_name(proofs[i].kind);
      if (proofs[i].kind == ProofKind::kSignedArchive) {
        cause.proof_chain = {proofs[i].inrelease, proofs[i].index, proofs[i].deb};
      } else {
        cause.proof_reason = proofs[i].reason;
      }
    }
  } else if (!prover) {
    for (Drift* d : asked) d->cause.proof_reason = "the signed archive chain was not consulted";
  }
  for (Drift& d : c->drifts) {
    if (!d.cause.package || trust_dpkg_database || d.severity != Severity::kCritical || is_runtime_path(d.path())) continue;
    if (d.cause.proof == proof_kind_name(ProofKind::kSignedArchive)) continue;
    d.cause.package = false;  // dpkg's word alone: what an unexplained change raises
    d.cause.unproven_claim = true;
  }
  return prover ? prover->warnings() : std::vector<std::string>{};
}

void classify_causes_between(const Baseline& a, const Baseline& b, Comparison* c) {
  for (Drift& d : c->drifts) {
    d.cause = DriftCause{};
    const PackageVersion* was = row_of(a, d.before);
    const PackageVersion* now = row_of(b, d.after);
    if (!package_could_explain(d)) continue;
    if (d.kind == DriftKind::kRemoved) {
      if (!was) continue;
      const PackageVersion* later = find_row(b.packages, was->name, nullptr);
      if (!later) explain(&d, was->name, was->version, "");
      else if (!find_row(b.packages, was->name, &was->version)) explain(&d, was->name, was->version, later->version);
      continue;
    }
    if (!now) continue;
    if (was && was->name == now->name) {
      if (was->version != now->version) explain(&d, now->name, was->version, now->version);
    } else if (!find_row(a.packages, now->name, &now->version)) {
      const PackageVersion* earlier = find_row(a.packages, now->name, nullptr);
      explain(&d, now->name, earlier ? earlier->version : "", now->version);
    }
  }
}

}  // namespace drift
