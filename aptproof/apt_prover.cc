// The chain, link by link, each link read under the root without following
// symlinks out of it:
//  1. trust: the global keyrings (/usr/share/keyrings/*.gpg but the archive's
//     removed keys, /etc/apt/trusted.gpg, /etc/apt/trusted.gpg.d/*.gpg|.asc)
//     and each source's Signed-By keyrings, imported into one temporary
//     GnuPG home; a source with Signed-By trusts only those keys.
//  2. lists: each *_InRelease in var/lib/apt/lists verified, its SHA256 list
//     kept; each *_Packages[.lz4|.gz|.xz|.zst|.bz2] belongs to the InRelease
//     whose file name prefix it carries, and is named in that list by the rest
//     of its name ('_' -> '/'). apt recompresses what it downloads, so the
//     hash compared is the uncompressed index's.
//  3. index: streamed once per batch, hashed whole, keeping the stanzas of
//     the packages asked about; a stanza counts only once the whole index's
//     hash matched the verified InRelease.
//  4. .deb: found in var/cache/apt/archives under apt's name for it (or the
//     pool file name), its SHA-256 and size those of the stanza, its control
//     file naming the same package, version and architecture.
//  5. the file: its SHA-256 inside data.tar (a symlink's target, a
//     directory's presence, a removed path's absence from the new version).
// Any link that fails gives dpkg-database with the link's reason.
#include "aptproof/apt_prover.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "baseline/entry.h"

namespace drift {

const char* proof_kind_name(ProofKind k) { return k == ProofKind::kSignedArchive ? "signed-archive" : "dpkg-database"; }

struct AptProver::Release {
  std::string path;
  bool ok = false;
  std::string reason;
  std::string signer;
  std::map<std::string, std::pair<std::string, uint64_t>> sha256;  // "main/binary-amd64/Packages" -> (hex, size)
};

struct AptProver::Index {
  std::string path;      // host path of the file
  std::string release;   // host path of its InRelease ("" when none)
  std::string relative;  // its name in the InRelease ("main/binary-amd64/Packages")
  std::set<std::string> scanned;  // package names looked for so far
  std::vector<Deb822Stanza> stanzas;  // of those packages
  bool ok = false;       // the last scan's hash matched
  std::string reason;
};

struct AptProver::Deb {
  bool read = false;
  bool ok = false;
  std::string reason;
  DebContents contents;
  std::set<std::string> asked;
};

namespace {

std::vector<std::string> list_dir(int dir_fd) {
  std::vector<std::string> names;
  const int fd = ::dup(dir_fd);
  if (fd < 0) return names;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return names;
  }
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "main_binary-amd64_Packages" -> "main/binary-amd64/Packages" (apt's
// URItoFileName backwards: '_' was '/', %XX an escaped byte).
std::string unquote_list_name(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      out += '/';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// apt's archive file name: NAME_VERSION_ARCH.deb, ':' in the version as %3a.
std::string apt_deb_name(const std::string& name, const std::string& version, const std::string& arch) {
  std::string v;
  for (char c : version) v += c == ':' ? std::string("%3a") : std::string(1, c);
  return name + "_" + v + "_" + arch + ".deb";
}

std::string field_or_empty(const Deb822Stanza& s, const char* name) {
  const std::string* v = s.find(name);
  return v ? *v : "";
}

std::string sha256_hex_of(EVP_MD_CTX* md) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  return EVP_DigestFinal_ex(md, d, &n) == 1 ? hex_encode(d, n) : "";
}

constexpr const char* kIndexSuffixes[] = {"_Packages", "_Packages.lz4", "_Packages.gz", "_Packages.xz",
                                          "_Packages.zst", "_Packages.bz2"};

}  // namespace

AptProver::AptProver(AptProverOptions options) : options_(std::move(options)) {}
AptProver::~AptProver() = default;

bool AptProver::read_beneath(const std::string& host_path, uint64_t max, std::string* out, std::string* err) const {
  const std::string rel = host_path.empty() || host_path[0] != '/' ? host_path : host_path.substr(1);
  UniqueFd fd(open_beneath(root_fd_.get(), rel, O_RDONLY | O_NONBLOCK));
  if (!fd) {
    *err = host_path + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    *err = host_path + ": not a regular file";
    return false;
  }
  if (static_cast<uint64_t>(st.st_size) > max) {
    *err = host_path + ": larger than " + std::to_string(max) + " bytes";
    return false;
  }
  out->clear();
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      *err = host_path + ": " + std::strerror(errno);
      return false;
    }
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > max) {
      *err = host_path + ": larger than " + std::to_string(max) + " bytes";
      return false;
    }
  }
}

bool AptProver::load_trust() {
  if (trust_loaded_) return trust_error_.empty();
  trust_loaded_ = true;
  root_fd_.reset(::open(options_.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_) {
    trust_error_ = "root " + options_.root + ": " + std::strerror(errno);
    return false;
  }
  // Merged /usr: a .deb may ship ./bin/x where the scan sees /usr/bin/x.
  for (const char* alias : {"bin", "sbin", "lib", "lib32", "lib64", "libx32"}) {
    char target[64] = {};
    const ssize_t n = ::readlinkat(root_fd_.get(), alias, target, sizeof target - 1);
    if (n > 0 && (std::string(target) == std::string("usr/") + alias || std::string(target) == std::string("/usr/") + alias)) {
      usr_aliases_.push_back(std::string("/") + alias);
    }
  }
  // Sources: which keys each repository is signed with.
  std::string text, err;
  if (read_beneath("/etc/apt/sources.list", 1 << 20, &text, &err)) {
    auto s = parse_sources_list(text, "/etc/apt/sources.list", &warnings_);
    sources_.insert(sources_.end(), s.begin(), s.end());
  }
  if (UniqueFd d(open_beneath(root_fd_.get(), "etc/apt/sources.list.d", O_RDONLY | O_DIRECTORY)); d) {
    for (const std::string& n : list_dir(d.get())) {
      const std::string p = "/etc/apt/sources.list.d/" + n;
      const bool list = ends_with(n, ".list"), deb822 = ends_with(n, ".sources");
      if ((!list && !deb822) || !read_beneath(p, 1 << 20, &text, &err)) continue;
      auto s = list ? parse_sources_list(text, p, &warnings_) : parse_sources_deb822(text, p, &warnings_);
      sources_.insert(sources_.end(), s.begin(), s.end());
    }
  }
  verifier_ = std::make_unique<OpenPgpVerifier>();
  if (!verifier_->open(options_.work_dir, &err)) {
    trust_error_ = "OpenPGP: " + err;
    return false;
  }
  auto import_file = [&](const std::string& p, bool global) {
    if (!keys_by_file_.count(p)) {
      std::string bytes, why;
      if (!read_beneath(p, options_.max_keyring_bytes, &bytes, &why) || !verifier_->import_keyring(p, bytes, &why)) {
        warnings_.push_back("keyring " + why);
        keys_by_file_[p];
        return;
      }
      keys_by_file_[p] = verifier_->keyrings().at(p);
    }
    if (global) global_keys_.insert(keys_by_file_[p].begin(), keys_by_file_[p].end());
  };
  if (UniqueFd d(open_beneath(root_fd_.get(), "usr/share/keyrings", O_RDONLY | O_DIRECTORY)); d) {
    for (const std::string& n : list_dir(d.get())) {
      // The archive's retired keys are kept to verify old files, never to trust new ones.
      if (ends_with(n, ".gpg") && n.find("removed-keys") == std::string::npos) import_file("/usr/share/keyrings/" + n, true);
    }
  }
  if (UniqueFd f(open_beneath(root_fd_.get(), "etc/apt/trusted.gpg", O_RDONLY)); f) import_file("/etc/apt/trusted.gpg", true);
  if (UniqueFd d(open_beneath(root_fd_.get(), "etc/apt/trusted.gpg.d", O_RDONLY | O_DIRECTORY)); d) {
    for (const std::string& n : list_dir(d.get())) {
      if (ends_with(n, ".gpg") || ends_with(n, ".asc")) import_file("/etc/apt/trusted.gpg.d/" + n, true);
    }
  }
  for (AptSource& s : sources_) {
    for (const std::string& f : s.signed_by_files) import_file(f, false);
    if (!s.signed_by_inline.empty()) {
      const std::string name = s.file + ":" + std::to_string(s.line) + " (inline Signed-By)";
      std::string why;
      if (!verifier_->import_keyring(name, s.signed_by_inline, &why)) warnings_.push_back("keyring " + why);
      else keys_by_file_[name] = verifier_->keyrings().at(name);
      s.signed_by_files.push_back(name);
    }
  }
  if (global_keys_.empty() && keys_by_file_.empty()) {
    trust_error_ = "no trusted keyring imported";
    return false;
  }
  return true;
}

void AptProver::discover_lists() {
  if (lists_discovered_) return;
  lists_discovered_ = true;
  UniqueFd d(open_beneath(root_fd_.get(), std::string(kAptListsDir).substr(1), O_RDONLY | O_DIRECTORY));
  if (!d) return;
  const std::vector<std::string> names = list_dir(d.get());
  std::vector<std::string> prefixes;  // of the InRelease files: "deb.debian.org_debian_dists_bookworm_"
  for (const std::string& n : names) {
    if (ends_with(n, "_InRelease")) prefixes.push_back(n.substr(0, n.size() - std::strlen("InRelease")));
  }
  for (const std::string& n : names) {
    for (const char* suffix : kIndexSuffixes) {
      const std::string plain = std::string(suffix).substr(0, 9);  // "_Packages"
      if (!ends_with(n, suffix)) continue;
      auto idx = std::make_unique<Index>();
      idx->path = std::string(kAptListsDir) + "/" + n;
      // The longest InRelease prefix the file carries.
      std::string best;
      for (const std::string& p : prefixes) {
        if (n.compare(0, p.size(), p) == 0 && p.size() > best.size()) best = p;
      }
      if (best.empty()) {
        idx->reason = idx->path + ": no InRelease lists it (a Release without InRelease is not read)";
      } else {
        idx->release = std::string(kAptListsDir) + "/" + best + "InRelease";
        const std::string stem = n.substr(0, n.size() - std::strlen(suffix)) + plain;
        idx->relative = unquote_list_name(stem.substr(best.size()));
      }
      indexes_.push_back(std::move(idx));
      break;
    }
  }
}

AptProver::Release* AptProver::verified_release(Index& index) {
  if (index.release.empty()) return nullptr;
  auto it = releases_.find(index.release);
  if (it != releases_.end()) return it->second.get();
  auto rel = std::make_unique<Release>();
  rel->path = index.release;
  std::string bytes, err;
  if (!read_beneath(rel->path, options_.max_inrelease_bytes, &bytes, &err)) {
    rel->reason = err;
  } else {
    // Which keys may sign it: a source whose list prefix it carries, with Signed-By.
    const std::string file = rel->path.substr(std::strlen(kAptListsDir) + 1);
    std::set<std::string> allowed;
    bool bound = false;
    for (const AptSource& s : sources_) {
      if (s.signed_by_files.empty()) continue;
      for (const std::string& suite : s.suites) {
        if (list_prefix_of(s, suite) + "InRelease" != file) continue;
        bound = true;
        for (const std::string& f : s.signed_by_files) {
          if (auto k = keys_by_file_.find(f); k != keys_by_file_.end()) allowed.insert(k->second.begin(), k->second.end());
        }
      }
    }
    if (!bound) allowed = global_keys_;
    const SignatureCheck sig = allowed.empty() ? SignatureCheck{false, "", "", "its Signed-By keyrings hold no key"}
                                               : verifier_->verify_clearsigned(bytes, allowed);
    if (!sig.ok) {
      rel->reason = rel->path + ": " + sig.reason;
    } else {
      std::vector<Deb822Stanza> stanzas;
      if (!parse_deb822(sig.signed_text, &stanzas, &err, 4) || stanzas.empty()) {
        rel->reason = rel->path + ": signed text: " + (err.empty() ? "empty" : err);
      } else if (const std::string* list = stanzas[0].find("SHA256"); !list) {
        rel->reason = rel->path + ": no SHA256 list";
      } else {
        size_t pos = 0;
        while (pos < list->size()) {
          const size_t nl = std::min(list->find('\n', pos), list->size());
          const std::string line = list->substr(pos, nl - pos);
          pos = nl + 1;
          char hash[65] = {}, path[4097] = {};
          unsigned long long size = 0;
          if (std::sscanf(line.c_str(), "%64s %llu %4096s", hash, &size, path) == 3 && std::strlen(hash) == 64) {
            rel->sha256[path] = {hash, size};
          }
        }
        rel->ok = true;
        rel->signer = sig.signer;
      }
    }
  }
  Release* out = rel.get();
  releases_[index.release] = std::move(rel);
  return out;
}

void AptProver::scan_indexes(const std::set<std::string>& names) {
  for (auto& idx : indexes_) {
    std::set<std::string> missing;
    for (const std::string& n : names) {
      if (!idx->scanned.count(n)) missing.insert(n);
    }
    if (missing.empty() || idx->release.empty()) continue;
    Release* rel = verified_release(*idx);
    if (!rel || !rel->ok) {
      idx->reason = rel ? rel->reason : idx->reason;
      idx->ok = false;
      continue;  // its stanzas could never count: not read
    }
    auto listed = rel->sha256.find(idx->relative);
    if (listed == rel->sha256.end()) {
      idx->reason = rel->path + " does not list " + idx->relative;
      idx->ok = false;
      continue;
    }
    const std::string rel_path = idx->path.substr(1);
    UniqueFd fd(open_beneath(root_fd_.get(), rel_path, O_RDONLY | O_NONBLOCK));
    std::string err;
    using MdPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
    MdPtr md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    uint64_t bytes = 0;
    std::vector<Deb822Stanza> kept;
    Deb822Reader reader([&](Deb822Stanza&& s) {
      const std::string* p = s.find("Package");
      if (p && missing.count(*p)) kept.push_back(std::move(s));
      return true;
    });
    bool ok = fd && md && EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) == 1;
    if (!fd) err = std::strerror(errno);
    if (ok) {
      ok = read_compressed_stream(fd.get(), options_.index_limits, [&](std::string_view chunk) {
        bytes += chunk.size();
        if (EVP_DigestUpdate(md.get(), chunk.data(), chunk.size()) != 1) return false;
        reader.feed(chunk);  // a malformed stanza ends the parse, not the hash
        return true;
      }, &err);
    }
    if (ok) reader.finish();
    idx->scanned.insert(missing.begin(), missing.end());
    if (!ok) {
      idx->ok = false;
      idx->reason = idx->path + ": " + err;
      continue;
    }
    const std::string sha = sha256_hex_of(md.get());
    if (sha != listed->second.first || bytes != listed->second.second) {
      idx->ok = false;
      idx->reason = idx->path + ": SHA-256 " + sha + " (" + std::to_string(bytes) + " bytes) is not the " +
                    listed->second.first + " (" + std::to_string(listed->second.second) + " bytes) " + rel->path +
                    " lists for " + idx->relative;
      idx->stanzas.clear();
      continue;
    }
    if (!reader.error().empty()) {
      idx->ok = false;
      idx->reason = idx->path + ": " + reader.error();
      continue;
    }
    idx->ok = true;
    idx->reason.clear();
    for (Deb822Stanza& s : kept) idx->stanzas.push_back(std::move(s));
  }
}

std::vector<std::string> AptProver::candidates(const std::string& path) const {
  std::vector<std::string> out{path};
  for (const std::string& alias : usr_aliases_) {
    const std::string usr = "/usr" + alias;
    if (path.compare(0, usr.size(), usr) == 0 && (path.size() == usr.size() || path[usr.size()] == '/')) {
      out.push_back(path.substr(4));
    }
  }
  return out;
}

AptProver::Deb& AptProver::deb_for(const std::string& path, const std::set<std::string>& wanted) {
  auto& slot = debs_[path];
  if (!slot) slot = std::make_unique<Deb>();
  Deb& deb = *slot;
  bool need = !deb.read || (deb.ok && wanted.empty() && !deb.contents.complete);
  if (deb.read && deb.ok && !deb.contents.complete) {
    for (const std::string& w : wanted) {
      if (!deb.contents.members.count(w)) need = true;
    }
  }
  if (!need) return deb;
  deb.asked.insert(wanted.begin(), wanted.end());
  if (wanted.empty()) deb.asked.clear();  // everything
  deb.read = true;
  UniqueFd fd(open_beneath(root_fd_.get(), path.substr(1), O_RDONLY | O_NONBLOCK));
  std::string err;
  if (!fd) {
    deb.ok = false;
    deb.reason = errno == ENOENT ? path + " is not in the cache (removed or cleaned since the upgrade)"
                                 : path + ": " + std::strerror(errno);
    return deb;
  }
  deb.ok = read_deb(fd.get(), options_.deb_limits, deb.asked, &deb.contents, &err);
  if (!deb.ok) deb.reason = path + ": " + err;
  return deb;
}

AptProof AptProver::prove_one(const AptProofRequest& r) {
  AptProof p;
  auto fail = [&p](std::string why) {
    p.kind = ProofKind::kDpkgDatabase;
    p.reason = std::move(why);
    return p;
  };
  const std::string who = r.package + " " + r.version + " (" + r.arch + ")";
  // 3. the stanza of exactly this package, version and architecture in a verified index.
  const Deb822Stanza* stanza = nullptr;
  const Index* from = nullptr;
  std::string index_problem;
  for (const auto& idx : indexes_) {
    if (!idx->ok) {
      if (index_problem.empty() && !idx->reason.empty()) index_problem = idx->reason;
      continue;
    }
    for (const Deb822Stanza& s : idx->stanzas) {
      if (field_or_empty(s, "Package") != r.package || field_or_empty(s, "Version") != r.version) continue;
      const std::string arch = field_or_empty(s, "Architecture");
      if (arch != r.arch) continue;
      stanza = &s;
      from = idx.get();
      break;
    }
    if (stanza) break;
  }
  if (!stanza) {
    if (indexes_.empty()) return fail("no Packages index in " + std::string(kAptListsDir));
    return fail("no verified Packages index lists " + who +
                (index_problem.empty() ? std::string() : "; an index was refused: " + index_problem));
  }
  const std::string sha = field_or_empty(*stanza, "SHA256");
  const std::string size = field_or_empty(*stanza, "Size");
  if (sha.size() != 64) return fail(from->path + ": the stanza of " + who + " has no SHA256");
  // 4. the .deb, under apt's name for it or the pool's.
  std::vector<std::string> names{apt_deb_name(r.package, r.version, r.arch)};
  const std::string filename = field_or_empty(*stanza, "Filename");
  if (const std::string base = filename.substr(filename.rfind('/') + 1); !base.empty() && base != names[0]) names.push_back(base);
  std::set<std::string> wanted;
  if (r.type != 'r') {
    for (const std::string& c : candidates(r.path)) wanted.insert(c);
  }
  Deb* deb = nullptr;
  std::string deb_path;
  for (const std::string& n : names) {
    deb_path = std::string(kAptArchivesDir) + "/" + n;
    deb = &deb_for(deb_path, wanted);
    if (deb->ok || deb->reason.find("is not in the cache") == std::string::npos) break;
  }
  if (!deb->ok) return fail(deb->reason);
  if (deb->contents.sha256_hex != sha || std::to_string(deb->contents.size) != size) {
    return fail(deb_path + ": SHA-256 " + deb->contents.sha256_hex + " is not the " + sha + " " + from->path +
                " lists for " + who);
  }
  const Deb822Stanza& control = deb->contents.control;
  if (field_or_empty(control, "Package") != r.package || field_or_empty(control, "Version") != r.version ||
      field_or_empty(control, "Architecture") != r.arch) {
    return fail(deb_path + ": its control file names " + field_or_empty(control, "Package") + " " +
                field_or_empty(control, "Version") + " (" + field_or_empty(control, "Architecture") + "), not " + who);
  }
  // 5. the path in data.tar.
  const DebMember* m = nullptr;
  std::string in_deb;
  for (const std::string& c : candidates(r.path)) {
    auto it = deb->contents.members.find(c);
    if (it != deb->contents.members.end()) {
      m = &it->second;
      in_deb = c;
      break;
    }
  }
  if (r.type == 'r') {
    if (m) return fail(deb_path + " still ships " + in_deb + ": its removal is not the package's");
    if (!deb->contents.complete) return fail(deb_path + ": not read to its end");
  } else {
    if (!m) return fail(deb_path + " does not ship " + r.path);
    if (m->type == 'h') {
      auto t = deb->contents.members.find(m->target);
      if (t == deb->contents.members.end()) return fail(deb_path + ": " + in_deb + " is a hard link to a member not read");
      m = &t->second;
    }
    if (r.type == 'f' && (m->type != 'f' || m->sha256_hex != r.sha256_hex)) {
      return fail(deb_path + " ships another content for " + r.path +
                  (m->type == 'f' ? " (SHA-256 " + m->sha256_hex + ")" : " (not a regular file)"));
    }
    if (r.type == 'l' && (m->type != 'l' || m->target != r.target)) {
      return fail(deb_path + " ships " + r.path + (m->type == 'l' ? " -> " + m->target : " as no symlink"));
    }
    if (r.type == 'd' && m->type != 'd') return fail(deb_path + " ships " + r.path + " as no directory");
  }
  p.kind = ProofKind::kSignedArchive;
  p.inrelease = from->release;
  p.index = from->path;
  p.deb = deb_path;
  p.signer = releases_.at(from->release)->signer;
  return p;
}

std::vector<AptProof> AptProver::prove(const std::vector<AptProofRequest>& requests) {
  std::vector<AptProof> out(requests.size());
  auto key_of = [](const AptProofRequest& r) {
    return r.path + '\0' + r.type + r.sha256_hex + '\0' + r.target + '\0' + r.package + '\0' + r.version + '\0' + r.arch;
  };
  std::vector<size_t> todo;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (auto it = answered_.find(key_of(requests[i])); it != answered_.end()) out[i] = it->second;
    else todo.push_back(i);
  }
  if (todo.empty()) return out;
  if (!load_trust()) {
    for (size_t i : todo) out[i] = AptProof{ProofKind::kDpkgDatabase, trust_error_, "", "", "", ""};
    return out;
  }
  discover_lists();
  std::set<std::string> names;
  for (size_t i : todo) names.insert(requests[i].package);
  scan_indexes(names);
  // One .deb read for all of a batch's paths in it: ask for them together.
  for (size_t i : todo) {
    const AptProofRequest& r = requests[i];
    if (r.type == 'r') continue;
    std::set<std::string> wanted;
    for (size_t j : todo) {
      const AptProofRequest& o = requests[j];
      if (o.package == r.package && o.version == r.version && o.arch == r.arch) {
        if (o.type == 'r') { wanted.clear(); break; }  // an absence needs the whole data.tar
        for (const std::string& c : candidates(o.path)) wanted.insert(c);
      }
    }
    const std::string deb = std::string(kAptArchivesDir) + "/" + apt_deb_name(r.package, r.version, r.arch);
    if (!debs_.count(deb)) deb_for(deb, wanted);
  }
  for (size_t i : todo) {
    out[i] = prove_one(requests[i]);
    answered_[key_of(requests[i])] = out[i];
  }
  return out;
}

}  // namespace drift
