// libarchive readers. Only in-process decompressors are enabled (gzip, xz,
// lz4, zstd, bzip2): "all" would let a hostile file pick an external program
// (lrzip, grzip). The outer .deb is read through a callback that hashes what
// it hands libarchive; the nested tar archives read from the outer one's
// member data through their own callbacks, so nothing is extracted or held
// but the current block and the control file.
#include "aptproof/archive_stream.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "baseline/entry.h"

namespace drift {
namespace {

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ReadFree>;
using MdPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

constexpr uint64_t kRatioSlack = 1ull << 20;

void support_filters(archive* a) {
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_lz4(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_none(a);
}

// libarchive's message for its last error, which may be null (a format
// reader that fails an open without setting one: found by the fuzzer).
std::string error_of(archive* a) {
  const char* why = archive_error_string(a);
  if (why) return why;
  const int e = archive_errno(a);
  return e > 0 ? std::strerror(e) : "no reason given";
}

uint64_t budget_of(const StreamLimits& l, uint64_t input) {
  const uint64_t by_ratio = input > (UINT64_MAX - kRatioSlack) / (l.max_ratio ? l.max_ratio : 1)
                                ? UINT64_MAX
                                : input * l.max_ratio + kRatioSlack;
  return std::min(l.max_bytes, by_ratio);
}

std::string hex_of(EVP_MD_CTX* md) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(md, d, &n) != 1) return "";
  return hex_encode(d, n);
}

// The outer file, hashed as libarchive reads it.
struct HashedFile {
  explicit HashedFile(int f) : fd(f) {}
  int fd;
  MdPtr md{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  uint64_t bytes = 0;
  bool failed = false;
  char buf[1 << 16] = {};

  static la_ssize_t read(archive*, void* self, const void** out) {
    auto* h = static_cast<HashedFile*>(self);
    const ssize_t n = ::read(h->fd, h->buf, sizeof h->buf);
    if (n < 0) {
      h->failed = true;
      return -1;
    }
    h->bytes += static_cast<uint64_t>(n);
    if (n > 0 && EVP_DigestUpdate(h->md.get(), h->buf, static_cast<size_t>(n)) != 1) h->failed = true;
    *out = h->buf;
    return n;
  }
  // Reads what libarchive did not (after the members read), through the hash.
  bool drain() {
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) return false;
      if (n == 0) return !failed;
      bytes += static_cast<uint64_t>(n);
      if (EVP_DigestUpdate(md.get(), buf, static_cast<size_t>(n)) != 1) return false;
    }
  }
};

// A nested archive reading the outer archive's current member.
struct Nested {
  archive* outer;
  static la_ssize_t read(archive*, void* self, const void** out) {
    auto* n = static_cast<Nested*>(self);
    size_t size = 0;
    la_int64_t offset = 0;
    const int r = archive_read_data_block(n->outer, out, &size, &offset);
    if (r == ARCHIVE_EOF) return 0;
    if (r != ARCHIVE_OK) return -1;
    return static_cast<la_ssize_t>(size);
  }
};

std::string member_path(const char* raw) {
  std::string p = raw ? raw : "";
  if (p.rfind("./", 0) == 0) p.erase(0, 1);
  else if (p == ".") p = "/";
  else if (p.empty() || p[0] != '/') p.insert(0, "/");
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// Reads a nested tar member by member. `entry` returns false to stop early.
class TarReader {
 public:
  TarReader(archive* outer, uint64_t* budget_left, uint64_t* total) : nested_{outer}, left_(budget_left), total_(total) {}

  bool open(std::string* err) {
    a_.reset(archive_read_new());
    support_filters(a_.get());
    archive_read_support_format_tar(a_.get());
    if (archive_read_open(a_.get(), &nested_, nullptr, &Nested::read, nullptr) != ARCHIVE_OK) {
      *err = std::string("not a tar archive: ") + error_of(a_.get());
      return false;
    }
    return true;
  }
  // Next header; 1: an entry, 0: end, -1: error.
  int next(archive_entry** e, std::string* err) {
    const int r = archive_read_next_header(a_.get(), e);
    if (r == ARCHIVE_EOF) return 0;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      *err = std::string("tar: ") + error_of(a_.get());
      return -1;
    }
    return charge(err) ? 1 : -1;
  }
  // The current entry's data read and dropped, block by block, so the bound
  // is charged as it goes: libarchive's own skip to the next header would
  // decompress an entry of any size before the budget saw a byte of it.
  bool skip(std::string* err) {
    return data([](std::string_view) { return true; }, err);
  }
  // The current entry's data, in blocks, each charged against the budget.
  bool data(const std::function<bool(std::string_view)>& block, std::string* err) {
    for (;;) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      const int r = archive_read_data_block(a_.get(), &buf, &size, &offset);
      if (r == ARCHIVE_EOF) return charge(err);
      if (r != ARCHIVE_OK) {
        *err = std::string("tar data: ") + error_of(a_.get());
        return false;
      }
      if (!charge(err)) return false;
      if (!block(std::string_view(static_cast<const char*>(buf), size))) return true;
    }
  }

 private:
  // Every decompressed byte so far, headers included, against the budget.
  bool charge(std::string* err) {
    const int64_t at = archive_filter_bytes(a_.get(), 0);
    if (at < 0) return true;
    const uint64_t now = static_cast<uint64_t>(at);
    if (now > charged_) {
      *total_ += now - charged_;
      if (now - charged_ > *left_) {
        *err = "expands beyond its bound (size or ratio)";
        return false;
      }
      *left_ -= now - charged_;
      charged_ = now;
    }
    return true;
  }

  Nested nested_;
  ArchivePtr a_;
  uint64_t* left_;
  uint64_t* total_;
  uint64_t charged_ = 0;
};

bool read_control(TarReader& tar, DebContents* out, std::string* err) {
  archive_entry* e = nullptr;
  for (;;) {
    const int r = tar.next(&e, err);
    if (r < 0) return false;
    if (r == 0) {
      *err = "control.tar holds no ./control";
      return false;
    }
    if (member_path(archive_entry_pathname(e)) != "/control") {
      if (!tar.skip(err)) return false;
      continue;
    }
    if (archive_entry_filetype(e) != AE_IFREG) {
      *err = "./control is not a regular file";
      return false;
    }
    std::string text;
    if (!tar.data([&](std::string_view b) {
          text.append(b);
          return text.size() <= kDeb822MaxStanzaBytes;
        }, err)) {
      return false;
    }
    if (text.size() > kDeb822MaxStanzaBytes) {
      *err = "./control is larger than " + std::to_string(kDeb822MaxStanzaBytes) + " bytes";
      return false;
    }
    std::vector<Deb822Stanza> stanzas;
    std::string why;
    if (!parse_deb822(text, &stanzas, &why, 2) || stanzas.size() != 1) {
      *err = "./control: " + (why.empty() ? std::string("not exactly one stanza") : why);
      return false;
    }
    out->control = std::move(stanzas[0]);
    return true;
  }
}

bool read_data(TarReader& tar, const std::set<std::string>& wanted, DebContents* out, std::string* err) {
  size_t found = 0;
  archive_entry* e = nullptr;
  for (;;) {
    if (!wanted.empty() && found >= wanted.size()) return true;  // stopped at the members needed
    const int r = tar.next(&e, err);
    if (r < 0) return false;
    if (r == 0) {
      out->complete = true;
      return true;
    }
    const std::string path = member_path(archive_entry_pathname(e));
    DebMember m;
    const mode_t type = archive_entry_filetype(e);
    if (const char* hl = archive_entry_hardlink(e)) {
      m.type = 'h';
      m.target = member_path(hl);
    } else if (type == AE_IFREG) {
      MdPtr md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
      if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1) {
        *err = "sha256 unavailable";
        return false;
      }
      bool ok = true;
      if (!tar.data([&](std::string_view b) { return ok = EVP_DigestUpdate(md.get(), b.data(), b.size()) == 1; }, err)) {
        return false;
      }
      if (!ok) {
        *err = "sha256 failed";
        return false;
      }
      m.sha256_hex = hex_of(md.get());
    } else if (type == AE_IFDIR) {
      m.type = 'd';
    } else if (type == AE_IFLNK) {
      m.type = 'l';
      const char* t = archive_entry_symlink(e);
      m.target = t ? t : "";
    } else {
      m.type = 'o';
    }
    // Whatever data a non-regular entry carries is read, charged, before the next header.
    if (m.type != 'f' && !tar.skip(err)) return false;
    const bool fresh = out->members.find(path) == out->members.end();
    out->members[path] = std::move(m);
    if (fresh && wanted.count(path)) ++found;
  }
}

}  // namespace

bool read_compressed_stream(int fd, const StreamLimits& limits,
                            const std::function<bool(std::string_view)>& chunk, std::string* err) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *err = "not a regular file";
    return false;
  }
  const uint64_t budget = budget_of(limits, static_cast<uint64_t>(st.st_size));
  ArchivePtr a(archive_read_new());
  support_filters(a.get());
  archive_read_support_format_raw(a.get());
  if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK) {
    *err = std::string("cannot read: ") + error_of(a.get());
    return false;
  }
  archive_entry* e = nullptr;
  const int h = archive_read_next_header(a.get(), &e);
  if (h == ARCHIVE_EOF) return true;  // an empty file: no bytes
  if (h != ARCHIVE_OK) {
    *err = std::string("cannot read: ") + error_of(a.get());
    return false;
  }
  uint64_t total = 0;
  char buf[1 << 16];
  for (;;) {
    const la_ssize_t n = archive_read_data(a.get(), buf, sizeof buf);
    if (n < 0) {
      *err = std::string("decompression: ") + error_of(a.get());
      return false;
    }
    if (n == 0) return true;
    total += static_cast<uint64_t>(n);
    if (total > budget) {
      *err = "decompresses beyond its bound (" + std::to_string(budget) + " bytes: size or ratio)";
      return false;
    }
    if (!chunk(std::string_view(buf, static_cast<size_t>(n)))) return true;
  }
}

bool read_deb(int fd, const StreamLimits& limits, const std::set<std::string>& wanted, DebContents* out,
              std::string* err) {
  *out = DebContents{};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *err = "not a regular file";
    return false;
  }
  uint64_t left = budget_of(limits, static_cast<uint64_t>(st.st_size));
  HashedFile file(fd);
  if (!file.md || EVP_DigestInit_ex(file.md.get(), EVP_sha256(), nullptr) != 1) {
    *err = "sha256 unavailable";
    return false;
  }
  ArchivePtr a(archive_read_new());
  archive_read_support_format_ar(a.get());
  if (archive_read_open(a.get(), &file, nullptr, &HashedFile::read, nullptr) != ARCHIVE_OK) {
    *err = std::string("not an ar archive: ") + error_of(a.get());
    return false;
  }
  enum { kBinary, kControl, kData, kDone } stage = kBinary;
  archive_entry* e = nullptr;
  while (stage != kDone) {
    const int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) {
      *err = std::string("ar: ") + error_of(a.get());
      return false;
    }
    const std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    if (stage == kBinary) {
      char v[16] = {};
      const la_ssize_t n = archive_read_data(a.get(), v, sizeof v - 1);
      if (name != "debian-binary" || n < 4 || std::strncmp(v, "2.", 2) != 0) {
        *err = "no debian-binary 2.x member first";
        return false;
      }
      stage = kControl;
    } else if (name.rfind("_", 0) == 0) {
      continue;  // dpkg ignores members starting with '_' (signatures of debsig)
    } else if (stage == kControl) {
      if (name.rfind("control.tar", 0) != 0) {
        *err = "expected control.tar.*, found member '" + name + "'";
        return false;
      }
      TarReader tar(a.get(), &left, &out->decompressed);
      if (!tar.open(err) || !read_control(tar, out, err)) {
        *err = "control.tar: " + *err;
        return false;
      }
      stage = kData;
    } else if (stage == kData) {
      if (name.rfind("data.tar", 0) != 0) {
        *err = "expected data.tar.*, found member '" + name + "'";
        return false;
      }
      TarReader tar(a.get(), &left, &out->decompressed);
      if (!tar.open(err) || !read_data(tar, wanted, out, err)) {
        *err = "data.tar: " + *err;
        return false;
      }
      stage = kDone;
    }
  }
  if (stage != kDone) {
    *err = "truncated: no data.tar member";
    return false;
  }
  a.reset();  // what libarchive buffered is hashed already; the rest follows
  if (!file.drain() || file.failed) {
    *err = std::string("read: ") + std::strerror(errno);
    return false;
  }
  out->size = file.bytes;
  out->sha256_hex = hex_of(file.md.get());
  return true;
}

}  // namespace drift
