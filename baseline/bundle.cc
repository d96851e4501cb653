// Baseline bundle. The payload is a zstd-compressed ustar archive written with
// libarchive: `meta`, then `index`, then `snapshots/<sha256>` sorted by digest,
// every member with fixed owner and the creation time, so the same baseline
// always gives the same bytes. After the payload comes a fixed-size text
// trailer:
//
//   DRIFTD-SIG1 ed25519 <key id: 16 hex> <signature: 128 hex>\n      signed
//   DRIFTD-SIG1 unsignd <payload sha256: 64 hex><64 '-'> \n          unsigned
//
// The Ed25519 signature covers "driftd-baseline-v1 sha256=<payload sha256>",
// so every payload byte is covered (compression headers included: a flipped
// byte anywhere in the file is refused), and signing elsewhere only replaces the
// trailer. Reading checks the trailer before decompressing anything.
#include "baseline/bundle.h"

#include <archive.h>
#include <archive_entry.h>

#include <charconv>
#include <algorithm>
#include <memory>
#include <set>

#include <openssl/evp.h>

#include "baseline/escape.h"
#include "baseline/index_format.h"
#include "baseline/snapshot_policy.h"

namespace drift {
namespace {

constexpr std::string_view kTrailerMagic = "DRIFTD-SIG1 ";
constexpr size_t kTrailerSize = 12 + 8 + 16 + 1 + 128 + 1;  // 166 bytes
constexpr std::string_view kSignedPrefix = "driftd-baseline-v1 sha256=";

struct ReadDeleter { void operator()(archive* a) const { archive_read_free(a); } };
struct WriteDeleter { void operator()(archive* a) const { archive_write_free(a); } };
struct EntryDeleter { void operator()(archive_entry* e) const { archive_entry_free(e); } };

std::string encode_meta(const BaselineMeta& m, size_t entries, size_t snapshots) {
  std::string out = "driftd-baseline " + std::to_string(m.format_version) + "\n";
  out += "node " + escape_bytes(m.node) + "\n";
  out += "created " + std::to_string(m.created) + "\n";
  out += "serial " + std::to_string(m.serial) + "\n";
  out += "tool " + escape_bytes(m.tool_version) + "\n";
  out += "config_sha256 " + m.config_sha256 + "\n";
  out += "hash " + m.hash_algorithm + "\n";
  out += "entries " + std::to_string(entries) + "\n";
  out += "snapshots " + std::to_string(snapshots) + "\n";
  return out;
}

template <typename T>
bool parse_number(std::string_view s, T* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

bool is_lower_hex(std::string_view s, size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The meta member: a header line, then each documented key exactly once, in
// the order encode_meta writes them. Anything else (an unknown key, a repeated
// one, a count out of range) is refused: a second `node` or `serial` line must
// not mean one thing to one reader and another to the next.
struct MetaCounts { size_t entries = 0; size_t snapshots = 0; };

bool decode_meta(std::string_view text, BaselineMeta* m, MetaCounts* counts, std::string* err) {
  static constexpr std::string_view kKeys[] = {"node", "created", "serial", "tool", "config_sha256", "hash",
                                              "entries", "snapshots"};
  size_t pos = 0, line_no = 0, next_key = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) { *err = "meta: truncated"; return false; }
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    const size_t sp = line.find(' ');
    const std::string_view key = line.substr(0, sp);
    const std::string_view value = sp == std::string_view::npos ? "" : line.substr(sp + 1);
    const std::string where = "meta line " + std::to_string(line_no) + ": ";
    if (line_no == 1) {
      if (key != "driftd-baseline") { *err = "not a driftd baseline (bad meta header)"; return false; }
      if (!parse_number(value, &m->format_version) || m->format_version < kBaselineOldestFormatVersion ||
          m->format_version > kBaselineFormatVersion) {
        *err = "unknown baseline format version '" + escape_bytes(value) + "' (this build reads " +
               std::to_string(kBaselineOldestFormatVersion) + ".." + std::to_string(kBaselineFormatVersion) + ")";
        return false;
      }
      continue;
    }
    size_t k = 0;
    while (k < std::size(kKeys) && kKeys[k] != key) ++k;
    if (k == std::size(kKeys)) { *err = where + "unknown key '" + escape_bytes(key) + "'"; return false; }
    if (k < next_key) { *err = where + "key '" + std::string(key) + "' repeated or out of order"; return false; }
    if (k > next_key) { *err = where + "missing key '" + std::string(kKeys[next_key]) + "'"; return false; }
    ++next_key;
    bool ok = true;
    if (key == "node") ok = unescape_bytes(value, &m->node) && !m->node.empty();
    else if (key == "created") ok = parse_number(value, &m->created) && m->created >= 0;
    else if (key == "serial") ok = parse_number(value, &m->serial) && m->serial >= 1;
    else if (key == "tool") ok = unescape_bytes(value, &m->tool_version);
    else if (key == "config_sha256") { m->config_sha256 = std::string(value); ok = value.size() <= 64 && is_lower_hex(value, value.size()); }
    else if (key == "hash") {
      m->hash_algorithm = std::string(value);
      if (value != "sha256") { *err = "unsupported hash algorithm " + escape_bytes(value); return false; }
    }
    else if (key == "entries") ok = parse_number(value, &counts->entries) && counts->entries <= kBaselineMaxEntries;
    else if (key == "snapshots") ok = parse_number(value, &counts->snapshots) && counts->snapshots <= kBaselineMaxEntries;
    if (!ok) { *err = where + "bad value for '" + std::string(key) + "': '" + escape_bytes(value) + "'"; return false; }
  }
  if (line_no == 0) { *err = "meta: empty"; return false; }
  if (next_key != std::size(kKeys)) { *err = "meta: missing key '" + std::string(kKeys[next_key]) + "'"; return false; }
  return true;
}

// The package table: a version line, one "name<TAB>version" row per package
// (escaped), an end marker with the count so a cut table is noticed.
std::string encode_packages(const std::vector<PackageVersion>& packages) {
  std::string out = "driftd-packages 1\n";
  for (const PackageVersion& p : packages) out += escape_bytes(p.name) + "\t" + escape_bytes(p.version) + "\n";
  out += "end " + std::to_string(packages.size()) + "\n";
  return out;
}

bool decode_packages(std::string_view text, std::vector<PackageVersion>* packages, std::string* err) {
  packages->clear();
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line_no == 1) {
      if (line != "driftd-packages 1") { *err = "packages: unknown table version"; return false; }
      continue;
    }
    if (line.substr(0, 4) == "end ") {
      size_t count = 0;
      if (!parse_number(line.substr(4), &count) || count != packages->size() || pos != text.size()) {
        *err = "packages line " + std::to_string(line_no) + ": bad end marker";
        return false;
      }
      return true;
    }
    const size_t tab = line.find('\t');
    PackageVersion p;
    if (tab == std::string_view::npos || !unescape_bytes(line.substr(0, tab), &p.name) ||
        !unescape_bytes(line.substr(tab + 1), &p.version) || p.name.empty() ||
        (!packages->empty() && !(packages->back() < p))) {
      *err = "packages line " + std::to_string(line_no) + ": malformed or out of order";
      return false;
    }
    packages->push_back(std::move(p));
  }
  *err = "packages: truncated (no end marker)";
  return false;
}

// A member whose bytes are produced in pieces after the header (which needs
// their total size first): the streamed index, and every small member as one piece.
bool add_streamed_member(archive* a, const std::string& name, size_t size,
                         const std::function<void(const std::function<void(std::string_view)>&)>& produce,
                         int64_t mtime, std::string* err) {
  std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
  archive_entry_set_pathname(e.get(), name.c_str());
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_perm(e.get(), 0644);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
  archive_entry_set_mtime(e.get(), mtime, 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  if (archive_write_header(a, e.get()) != ARCHIVE_OK) {
    *err = std::string("archive: ") + archive_error_string(a);
    return false;
  }
  bool ok = true;
  produce([&](std::string_view piece) {
    if (ok && archive_write_data(a, piece.data(), piece.size()) != static_cast<la_ssize_t>(piece.size())) ok = false;
  });
  if (!ok) *err = std::string("archive: ") + archive_error_string(a);
  return ok;
}

bool add_member(archive* a, const std::string& name, std::string_view data, int64_t mtime, std::string* err) {
  return add_streamed_member(
      a, name, data.size(), [data](const std::function<void(std::string_view)>& piece) { piece(data); }, mtime, err);
}

struct Trailer {
  bool is_signed = false;
  std::string key_id;
  std::string signature;       // raw 64 bytes
  std::string payload_sha256;  // hex, unsigned only
};

std::string make_unsigned_trailer(const std::string& payload_sha_hex) {
  std::string t = std::string(kTrailerMagic) + "unsignd " + std::string(16, '-') + " " +
                  payload_sha_hex + std::string(64, '-') + "\n";
  return t;
}

std::string make_signed_trailer(const std::string& key_id, const std::string& signature) {
  return std::string(kTrailerMagic) + "ed25519 " + key_id + " " +
         hex_encode(reinterpret_cast<const uint8_t*>(signature.data()), signature.size()) + "\n";
}

bool split_trailer(std::string_view file, std::string_view* payload, Trailer* t, std::string* err) {
  if (file.size() < kTrailerSize ||
      file.substr(file.size() - kTrailerSize, kTrailerMagic.size()) != kTrailerMagic) {
    *err = file.empty() ? "empty file" : "truncated or not a driftd baseline (no signature trailer)";
    return false;
  }
  const std::string_view tr = file.substr(file.size() - kTrailerSize);
  *payload = file.substr(0, file.size() - kTrailerSize);
  const std::string_view scheme = tr.substr(12, 8);
  const std::string_view id = tr.substr(20, 16);
  const std::string_view body = tr.substr(37, 128);
  if (tr[36] != ' ' || tr.back() != '\n') { *err = "malformed signature trailer"; return false; }
  if (scheme == "ed25519 ") {
    std::string unused;
    if (!hex_decode(id, &unused) || !hex_decode(body, &t->signature)) {
      *err = "malformed signature trailer";
      return false;
    }
    t->is_signed = true;
    t->key_id = std::string(id);
    return true;
  }
  if (scheme == "unsignd " && id == std::string(16, '-') && body.substr(64) == std::string(64, '-')) {
    std::string unused;
    if (!hex_decode(body.substr(0, 64), &unused)) { *err = "malformed signature trailer"; return false; }
    t->payload_sha256 = std::string(body.substr(0, 64));
    return true;
  }
  *err = "malformed signature trailer";
  return false;
}

std::string payload_sha_hex(std::string_view payload) {
  const std::string d = sha256_bytes(payload);
  return hex_encode(reinterpret_cast<const uint8_t*>(d.data()), d.size());
}

// Reads the current member in pieces; `keep` (may be null) receives them.
// `sha` (may be null) hashes them. The size was bounded from the header.
bool read_member_to(archive* a, std::string* keep, EVP_MD_CTX* sha, std::string* err) {
  char buf[65536];
  for (;;) {
    const la_ssize_t n = archive_read_data(a, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) { *err = std::string("archive: ") + archive_error_string(a); return false; }
    if (keep) keep->append(buf, static_cast<size_t>(n));
    if (sha) EVP_DigestUpdate(sha, buf, static_cast<size_t>(n));
  }
}

bool read_member(archive* a, std::string* data, std::string* err) {
  data->clear();
  return read_member_to(a, data, nullptr, err);
}

}  // namespace

namespace {

// Where the archive writer's output goes: the caller's sink, through a
// running SHA-256 of the payload (what the signature covers).
struct PayloadSink {
  const std::function<bool(std::string_view)>* sink;
  EVP_MD_CTX* sha;
  bool failed = false;
};

}  // namespace

bool write_baseline(const Baseline& b, const Key* signing_key, const std::function<bool(std::string_view)>& sink,
                    std::string* err) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!sha || EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr) != 1) {
    *err = "sha256: cannot initialise";
    return false;
  }
  PayloadSink out{&sink, sha.get()};
  std::unique_ptr<archive, WriteDeleter> a(archive_write_new());
  // zstd level 1: creation is on the scan's serial tail, and level 1 still
  // shrinks text snapshots several-fold.
  if (archive_write_set_format_ustar(a.get()) != ARCHIVE_OK ||
      archive_write_add_filter_zstd(a.get()) != ARCHIVE_OK ||
      archive_write_set_filter_option(a.get(), "zstd", "compression-level", "1") != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK) {
    *err = std::string("archive: ") + archive_error_string(a.get());
    return false;
  }
  auto write_cb = [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
    auto* o = static_cast<PayloadSink*>(ctx);
    if (o->failed) return -1;
    EVP_DigestUpdate(o->sha, buf, n);
    if (!(*o->sink)(std::string_view(static_cast<const char*>(buf), n))) {
      o->failed = true;
      return -1;
    }
    return static_cast<la_ssize_t>(n);
  };
  if (archive_write_open2(a.get(), &out, nullptr, write_cb, nullptr, nullptr) != ARCHIVE_OK) {
    *err = std::string("archive: ") + archive_error_string(a.get());
    return false;
  }
  const int64_t t = b.meta.created;
  BaselineMeta meta = b.meta;
  // Never an older format than this build's (a format 1 baseline accepted
  // anew gains its package table).
  meta.format_version = std::max(meta.format_version, kBaselineFormatVersion);
  const auto index = [&b](const std::function<void(std::string_view)>& piece) { encode_index_to(b.entries, piece); };
  if (!add_member(a.get(), "meta", encode_meta(meta, b.entries.size(), b.snapshots.size()), t, err) ||
      !add_member(a.get(), "packages", encode_packages(b.packages), t, err) ||
      !add_streamed_member(a.get(), "index", encoded_index_size(b.entries), index, t, err)) {
    if (out.failed) *err = "output: write failed";
    return false;
  }
  for (const auto& [sha_hex, content] : b.snapshots) {
    if (!add_member(a.get(), "snapshots/" + sha_hex, content, t, err)) return false;
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK || out.failed) {
    *err = out.failed ? "output: write failed" : std::string("archive: ") + archive_error_string(a.get());
    return false;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(sha.get(), digest, &len);
  const std::string payload_sha = hex_encode(digest, len);
  std::string trailer;
  if (!signing_key) {
    trailer = make_unsigned_trailer(payload_sha);
  } else {
    std::string sig;
    if (!sign_message(*signing_key, std::string(kSignedPrefix) + payload_sha, &sig, err)) return false;
    trailer = make_signed_trailer(key_id(*signing_key), sig);
  }
  if (!sink(trailer)) {
    *err = "output: write failed";
    return false;
  }
  return true;
}

bool write_baseline_bytes(const Baseline& b, const Key* signing_key, std::string* out, std::string* err) {
  out->clear();
  return write_baseline(b, signing_key, [out](std::string_view piece) { out->append(piece); return true; }, err);
}

namespace {

// The one reader of a payload, for every command and driftd alike: exactly
// the documented members in the documented order (meta, packages from format
// 2 on, index, then snapshots/<sha256> in ascending digest order), each once,
// each a regular ustar member within its bound, every snapshot named by the
// SHA-256 of its content and referred to by an entry. Sizes are checked from
// the member's header before a byte of it is read, and the sum of all members
// may not exceed what no real baseline's compression ratio gives: a bomb is
// refused early, never allocated. What is not wanted (snapshots nobody asked
// for, the entries with skip_index) is still read and checked, only not kept:
// a baseline means the same to a command that looks at all of it and to one
// that looks at a part.
class PayloadReader {
 public:
  /// meta_only: stop after the meta member (a baseline refused anyway, as
  /// unsigned, is not read further than what says it is a baseline at all).
  PayloadReader(std::string_view payload, const BaselineReadOptions& options, Baseline* b, bool meta_only)
      : payload_(payload), options_(options), b_(b), meta_only_(meta_only),
        budget_(payload.size() * kBaselineMaxRatio + kBaselineRatioSlackBytes) {}

  bool read(std::string* err) {
    std::unique_ptr<archive, ReadDeleter> a(archive_read_new());
    archive_read_support_filter_zstd(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_memory(a.get(), payload_.data(), payload_.size()) != ARCHIVE_OK) {
      *err = std::string("not a driftd baseline archive: ") + archive_error_string(a.get());
      return false;
    }
    archive_entry* e = nullptr;
    int64_t end_of_last = 0;  // uncompressed offset where the last member's data ended
    for (;;) {
      const int r = archive_read_next_header(a.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r != ARCHIVE_OK) { *err = std::string("archive: ") + archive_error_string(a.get()); return false; }
      // Every uncompressed byte counts against the budget, headers included:
      // a member's header is one 512-byte ustar block after the previous
      // member's padding. More (GNU long-name or pax extension blocks,
      // which libarchive reads before handing over the header) is refused.
      const int64_t at = archive_filter_bytes(a.get(), 0);
      if (at - end_of_last >= 1024) {
        *err = "archive: extension headers before member '" + escape_bytes(archive_entry_pathname(e) ? archive_entry_pathname(e) : "") +
               "' (only plain ustar members)";
        return false;
      }
      if (static_cast<uint64_t>(at) > budget_) { *err = "archive: expands beyond any real baseline's ratio"; return false; }
      if (!member(a.get(), e, static_cast<uint64_t>(at), err)) return false;
      if (meta_only_ && stage_ == Stage::kMeta) return true;
      end_of_last = archive_filter_bytes(a.get(), 0);
    }
    return finish(err);
  }

 private:
  enum class Stage { kStart, kMeta, kPackages, kIndex, kSnapshots };

  bool member(archive* a, archive_entry* e, uint64_t at, std::string* err) {
    const char* raw_name = archive_entry_pathname(e);
    const std::string name = raw_name ? raw_name : "";
    const std::string shown = "archive member '" + escape_bytes(name) + "'";
    if (archive_format(a) != ARCHIVE_FORMAT_TAR_USTAR) { *err = shown + ": not a plain ustar member"; return false; }
    if (archive_entry_filetype(e) != AE_IFREG || !archive_entry_size_is_set(e) || archive_entry_size(e) < 0) {
      *err = shown + ": not a regular file of known size";
      return false;
    }
    const uint64_t size = static_cast<uint64_t>(archive_entry_size(e));
    if (size > budget_ - at) {
      *err = shown + ": " + std::to_string(size) + " bytes expand a " + std::to_string(payload_.size()) +
             "-byte payload beyond any real baseline's ratio";
      return false;
    }
    const auto too_big = [&](uint64_t bound) {
      *err = shown + ": " + std::to_string(size) + " bytes, more than its bound of " + std::to_string(bound);
      return false;
    };
    const auto out_of_place = [&] { *err = shown + " unexpected here (duplicate, out of order or unknown)"; return false; };
    std::string data;
    if (name == "meta") {
      if (stage_ != Stage::kStart) return out_of_place();
      if (size > kBaselineMaxMetaBytes) return too_big(kBaselineMaxMetaBytes);
      if (!read_member(a, &data, err) || !decode_meta(data, &b_->meta, &counts_, err)) return false;
      stage_ = Stage::kMeta;
      return true;
    }
    if (name == "packages") {
      if (stage_ != Stage::kMeta || b_->meta.format_version < 2) return out_of_place();
      if (size > kBaselineMaxPackagesBytes) return too_big(kBaselineMaxPackagesBytes);
      if (!read_member(a, &data, err) || !decode_packages(data, &b_->packages, err)) return false;
      stage_ = Stage::kPackages;
      return true;
    }
    if (name == "index") {
      if (stage_ != (b_->meta.format_version >= 2 ? Stage::kPackages : Stage::kMeta)) {
        if (stage_ == Stage::kMeta) { *err = "archive: missing package table"; return false; }
        return out_of_place();
      }
      const uint64_t bound = (counts_.entries + 2) * kIndexMaxLineBytes;
      if (size > bound) return too_big(bound);
      stage_ = Stage::kIndex;
      return index(a, err);
    }
    if (name.rfind("snapshots/", 0) == 0) {
      const std::string sha = name.substr(10);
      if (stage_ != Stage::kIndex && stage_ != Stage::kSnapshots) return out_of_place();
      if (!is_lower_hex(sha, 64)) { *err = shown + ": not snapshots/ and a SHA-256 in lowercase hex"; return false; }
      if (stage_ == Stage::kSnapshots && !(last_snapshot_ < sha)) return out_of_place();
      if (!referenced_.count(sha)) { *err = shown + ": no entry refers to it"; return false; }
      if (size > kBaselineMaxSnapshotBytes) return too_big(kBaselineMaxSnapshotBytes);
      stage_ = Stage::kSnapshots;
      last_snapshot_ = sha;
      ++snapshots_;
      return snapshot(a, sha, shown, err);
    }
    return out_of_place();
  }

  bool index(archive* a, std::string* err) {
    // No more entries reserved than the payload could hold (each line is tens
    // of bytes even compressed): a forged count must not reserve gigabytes.
    const size_t hint = std::min<size_t>(counts_.entries, payload_.size() / 16 + 1024);
    std::vector<Entry> discarded;
    std::vector<Entry>* entries = options_.skip_index ? &discarded : &b_->entries;
    IndexDecoder decoder(entries, hint);
    char buf[65536];
    for (;;) {
      const la_ssize_t n = archive_read_data(a, buf, sizeof buf);
      if (n == 0) break;
      if (n < 0) { *err = std::string("archive: ") + archive_error_string(a); return false; }
      if (!decoder.feed(std::string_view(buf, static_cast<size_t>(n)), err)) return false;
    }
    if (!decoder.finish(err)) return false;
    if (entries->size() != counts_.entries) {
      *err = "meta says " + std::to_string(counts_.entries) + " entries, the index holds " + std::to_string(entries->size());
      return false;
    }
    for (const Entry& entry : *entries) {
      if (entry.package > b_->packages.size()) {
        *err = "index: " + escape_bytes(entry.path) + " refers to package row " + std::to_string(entry.package) +
               " of " + std::to_string(b_->packages.size());
        return false;
      }
      if (entry.snapshot) referenced_.insert(hex_encode(entry.sha256));
    }
    return true;
  }

  bool snapshot(archive* a, const std::string& sha, const std::string& shown, std::string* err) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) { *err = "sha256: cannot initialise"; return false; }
    const bool keep = options_.want_snapshot && options_.want_snapshot(sha);
    std::string content;
    if (!read_member_to(a, keep ? &content : nullptr, ctx.get(), err)) return false;
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &len);
    if (hex_encode(digest, len) != sha) { *err = shown + ": content does not match its SHA-256 name"; return false; }
    // A baseline written before the content rules it now has may hold a
    // snapshot they refuse (a `db_password =` line): it is not handed out,
    // so no diff, Loki line or accepted baseline carries it again.
    if (keep && snapshot_content_ok(content)) b_->snapshots.emplace(sha, std::move(content));
    return true;
  }

  bool finish(std::string* err) {
    if (stage_ == Stage::kStart || stage_ == Stage::kMeta || stage_ == Stage::kPackages) {
      *err = "archive: missing meta or index";
      return false;
    }
    if (snapshots_ != counts_.snapshots) {
      *err = "meta says " + std::to_string(counts_.snapshots) + " snapshots, the archive holds " + std::to_string(snapshots_);
      return false;
    }
    return true;
  }

  std::string_view payload_;
  const BaselineReadOptions& options_;
  Baseline* b_;
  bool meta_only_;
  uint64_t budget_;  // uncompressed bytes the whole archive may have
  Stage stage_ = Stage::kStart;
  MetaCounts counts_;
  std::set<std::string> referenced_;  // sha256 hex of the entries with a snapshot
  std::string last_snapshot_;
  size_t snapshots_ = 0;
};

bool read_payload(std::string_view payload, const BaselineReadOptions& options, Baseline* b, bool meta_only,
                  std::string* err) {
  return PayloadReader(payload, options, b, meta_only).read(err);
}

}  // namespace

bool read_baseline_bytes(std::string_view file, const BaselineReadOptions& options,
                         Baseline* b, SignatureInfo* sig, BaselineError* error, std::string* err) {
  *error = BaselineError::kUnreadable;
  std::string_view payload;
  Trailer t;
  if (!split_trailer(file, &payload, &t, err)) return false;
  sig->payload_sha256 = payload_sha_hex(payload);
  if (t.is_signed) {
    sig->state = SignatureState::kSigned;
    sig->key_id = t.key_id;
    if (options.public_key) {
      const std::string expected = key_id(*options.public_key);
      if (t.key_id != expected) {
        *error = BaselineError::kSignature;
        *err = "signed by another key (key id " + t.key_id + ", expected " + expected + ")";
        return false;
      }
      if (!verify_message(*options.public_key, std::string(kSignedPrefix) + sig->payload_sha256,
                          t.signature)) {
        *error = BaselineError::kSignature;
        *err = "signature invalid: the baseline was modified after signing";
        return false;
      }
    }
  } else {
    sig->state = SignatureState::kUnsigned;
    if (t.payload_sha256 != sig->payload_sha256) {
      *error = BaselineError::kSignature;
      *err = "unsigned baseline is corrupt (payload checksum mismatch)";
      return false;
    }
  }
  // A malformed payload is 17 for every command. An unsigned one that is
  // refused anyway (a key given, unsigned not allowed) is read only as far
  // as its meta: what anyone can forge is not decompressed further.
  const bool refuse_unsigned = !t.is_signed && options.public_key && !options.allow_unsigned;
  if (!read_payload(payload, options, b, refuse_unsigned, err)) return false;
  if (refuse_unsigned) {
    *error = BaselineError::kSignature;
    *err = "baseline is unsigned (sign it with `driftctl baseline sign`)";
    return false;
  }
  *error = BaselineError::kNone;
  return true;
}

bool sign_baseline_bytes(std::string_view file, const Key& signing_key, std::string* out,
                         BaselineError* error, std::string* err) {
  *error = BaselineError::kUnreadable;
  std::string_view payload;
  Trailer t;
  if (!split_trailer(file, &payload, &t, err)) return false;
  *error = BaselineError::kSignature;
  const std::string sha = payload_sha_hex(payload);
  if (t.is_signed) {
    if (t.key_id != key_id(signing_key)) {
      *err = "already signed by another key (key id " + t.key_id + ")";
      return false;
    }
    if (!verify_message(signing_key, std::string(kSignedPrefix) + sha, t.signature)) {
      *err = "signature invalid: the baseline was modified after signing";
      return false;
    }
  } else if (t.payload_sha256 != sha) {
    *err = "unsigned baseline is corrupt (payload checksum mismatch)";
    return false;
  }
  // The payload must also be a readable baseline: never sign garbage.
  Baseline parsed;
  SignatureInfo info;
  if (!read_baseline_bytes(file, BaselineReadOptions{}, &parsed, &info, error, err)) return false;
  *error = BaselineError::kNone;
  std::string sig;
  if (!sign_message(signing_key, std::string(kSignedPrefix) + sha, &sig, err)) return false;
  out->assign(payload);
  out->append(make_signed_trailer(key_id(signing_key), sig));
  return true;
}

}  // namespace drift
