// baseline/bundle: the signed baseline archive. Signatures: any tampering,
// another key, unsigned or truncated baselines are refused with a one-line
// reason. Strictness: the one reader refuses every archive that is not exactly
// the documented members, in order, once each, within bounds, by a read with or
// without snapshots and by `sign` alike; those cases build a hostile archive
// member by member with libarchive (as an attacker on a node would), give it a
// correct unsigned trailer, and expect a refusal.
#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "baseline/bundle.h"
#include "baseline/escape.h"
#include "baseline/index_format.h"
#include "baseline/signer.h"
#include "test_util.h"

using namespace drift;

// ---- signatures ----------------------------------------------------------------------

namespace {

Baseline small_baseline() {
  Baseline b;
  b.meta.node = "k8s-node2";
  b.meta.created = 1790000000;
  b.meta.serial = 7;
  b.meta.tool_version = "driftd test";
  b.meta.config_sha256 = std::string(64, 'c');
  Entry e;
  e.path = "/etc/hosts";
  e.type = EntryType::kFile;
  e.mode = 0644;
  e.size = 10;
  e.has_sha256 = true;
  const std::string content = "127.0.0.1 localhost\n";
  const std::string digest = sha256_bytes(content);
  std::copy(digest.begin(), digest.end(), e.sha256.begin());
  e.snapshot = true;
  b.entries = {e};
  b.snapshots[hex_encode(e.sha256)] = content;
  return b;
}

struct Keys {
  test::TempDir dir;
  Key signing, verifying, other_verifying;
  Keys() {
    std::string err;
    REQUIRE(generate_key_pair(dir / "a.pem", dir / "a.pub", &err));
    REQUIRE(generate_key_pair(dir / "b.pem", dir / "b.pub", &err));
    REQUIRE(load_signing_key(dir / "a.pem", &signing, &err));
    REQUIRE(load_public_key(dir / "a.pub", &verifying, &err));
    REQUIRE(load_public_key(dir / "b.pub", &other_verifying, &err));
  }
};

bool read_with(const std::string& bytes, const Key* key, std::string* err, BaselineError* error,
               bool allow_unsigned = false) {
  Baseline b;
  SignatureInfo info;
  BaselineReadOptions options;
  options.public_key = key;
  options.allow_unsigned = allow_unsigned;
  options.want_snapshot = [](const std::string&) { return true; };
  return read_baseline_bytes(bytes, options, &b, &info, error, err);
}

}  // namespace

TEST_CASE("a signed baseline verifies and round-trips its contents") {
  Keys k;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &bytes, &err));
  Baseline b;
  SignatureInfo info;
  BaselineError error;
  BaselineReadOptions options;
  options.public_key = &k.verifying;
  options.want_snapshot = [](const std::string&) { return true; };
  REQUIRE_MESSAGE(read_baseline_bytes(bytes, options, &b, &info, &error, &err), err);
  CHECK(info.state == SignatureState::kSigned);
  CHECK(info.key_id == key_id(k.verifying));
  CHECK(b.meta.node == "k8s-node2");
  CHECK(b.meta.serial == 7);
  REQUIRE(b.entries.size() == 1);
  CHECK(b.snapshots.begin()->second == "127.0.0.1 localhost\n");
}

TEST_CASE("writing the same baseline twice gives identical bytes") {
  Keys k;
  std::string one, two, err;
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &one, &err));
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &two, &err));
  CHECK(one == two);
}

TEST_CASE("flipping any single byte of a signed baseline is refused") {
  Keys k;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &bytes, &err));
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string tampered = bytes;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x20);
    BaselineError error;
    if (!read_with(tampered, &k.verifying, &err, &error)) {
      ++refused;
      CHECK(error != BaselineError::kNone);
      CHECK_FALSE(err.empty());
      CHECK(err.find('\n') == std::string::npos);  // one line
    }
  }
  CHECK(refused == bytes.size());
}

TEST_CASE("a baseline signed by another key is refused as a signature error") {
  Keys k;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &bytes, &err));
  BaselineError error;
  CHECK_FALSE(read_with(bytes, &k.other_verifying, &err, &error));
  CHECK(error == BaselineError::kSignature);
  CHECK(err.find("signed by another key") != std::string::npos);
}

TEST_CASE("an unsigned baseline is refused unless unsigned baselines are allowed") {
  Keys k;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), nullptr, &bytes, &err));
  BaselineError error;
  CHECK_FALSE(read_with(bytes, &k.verifying, &err, &error));
  CHECK(error == BaselineError::kSignature);
  CHECK(err.find("unsigned") != std::string::npos);
  CHECK(read_with(bytes, &k.verifying, &err, &error, /*allow_unsigned=*/true));
}

TEST_CASE("every truncation of a baseline is refused") {
  Keys k;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &bytes, &err));
  for (size_t len = 0; len < bytes.size(); len += 7) {
    BaselineError error;
    CHECK_FALSE(read_with(bytes.substr(0, len), &k.verifying, &err, &error));
    CHECK(error == BaselineError::kUnreadable);
  }
}

TEST_CASE("garbage is refused as not a baseline") {
  Keys k;
  std::string err;
  BaselineError error;
  CHECK_FALSE(read_with(std::string(4000, 'x'), &k.verifying, &err, &error));
  CHECK(err.find("not a driftd baseline") != std::string::npos);
}

TEST_CASE("signing elsewhere: an unsigned baseline signed later verifies") {
  Keys k;
  std::string unsigned_bytes, signed_bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), nullptr, &unsigned_bytes, &err));
  BaselineError error;
  REQUIRE_MESSAGE(sign_baseline_bytes(unsigned_bytes, k.signing, &signed_bytes, &error, &err), err);
  CHECK(read_with(signed_bytes, &k.verifying, &err, &error));
  // A corrupt unsigned payload is never signed.
  std::string corrupt = unsigned_bytes;
  corrupt[10] = static_cast<char>(corrupt[10] ^ 1);
  CHECK_FALSE(sign_baseline_bytes(corrupt, k.signing, &signed_bytes, &error, &err));
  CHECK(error == BaselineError::kSignature);
}

TEST_CASE("an unknown baseline format version is refused with the version named") {
  Keys k;
  Baseline b = small_baseline();
  b.meta.format_version = 99;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(b, &k.signing, &bytes, &err));
  BaselineError error;
  CHECK_FALSE(read_with(bytes, &k.verifying, &err, &error));
  CHECK(error == BaselineError::kUnreadable);
  CHECK(err.find("unknown baseline format version '99'") != std::string::npos);
}

// ---- the strict reader -----------------------------------------------------------------

namespace {

struct Member {
  std::string name;
  std::string data;
  int type = AE_IFREG;
  int64_t declared = -1;  // a size in the header other than data's (a bomb's promise)
};

std::string unsigned_trailer(std::string_view payload) {
  const std::string d = sha256_bytes(payload);
  return "DRIFTD-SIG1 unsignd " + std::string(16, '-') + " " +
         hex_encode(reinterpret_cast<const uint8_t*>(d.data()), d.size()) + std::string(64, '-') + "\n";
}

using Writer = std::unique_ptr<archive, decltype(&archive_write_free)>;

// A libarchive writer of `format` appending to *out, zstd-compressed or not.
Writer writer_to(std::string* out, int format, bool zstd) {
  Writer a(archive_write_new(), archive_write_free);
  archive_write_set_format(a.get(), format);
  if (zstd) archive_write_add_filter_zstd(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  archive_write_open2(
      a.get(), out, nullptr,
      [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr, nullptr);
  return a;
}

// The members, as they are, into a tar stream of `format`.
std::string tar_of(const std::vector<Member>& members, int format, bool zstd) {
  std::string out;
  Writer a = writer_to(&out, format, zstd);
  for (const Member& m : members) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), m.name.c_str());
    archive_entry_set_filetype(e.get(), static_cast<unsigned>(m.type));
    archive_entry_set_perm(e.get(), 0644);
    if (m.type == AE_IFLNK) archive_entry_set_symlink(e.get(), "/etc/passwd");
    const int64_t size = m.declared >= 0 ? m.declared : static_cast<int64_t>(m.data.size());
    if (m.type == AE_IFREG) archive_entry_set_size(e.get(), size);
    archive_write_header(a.get(), e.get());
    if (m.declared < 0) {
      archive_write_data(a.get(), m.data.data(), m.data.size());
    } else {  // the promised bytes, as zeros (they compress to almost nothing)
      const std::string zeros(1 << 20, '\0');
      for (int64_t left = size; left > 0; left -= static_cast<int64_t>(zeros.size())) {
        archive_write_data(a.get(), zeros.data(), static_cast<size_t>(std::min<int64_t>(left, zeros.size())));
      }
    }
  }
  archive_write_close(a.get());
  a.reset();
  return out;
}

// A zstd ustar archive of exactly these members (or gnutar/pax with `format`),
// with an unsigned trailer that matches, so only the reader's rules refuse it.
std::string archive_of(const std::vector<Member>& members, int format = ARCHIVE_FORMAT_TAR_USTAR) {
  const std::string payload = tar_of(members, format, /*zstd=*/true);
  return payload + unsigned_trailer(payload);
}

// The same members as an uncompressed ustar stream, and a stream zstd-compressed
// with an unsigned trailer: for archives edited below libarchive's writer.
std::string raw_tar_of(const std::vector<Member>& members) {
  return tar_of(members, ARCHIVE_FORMAT_TAR_USTAR, /*zstd=*/false);
}

std::string zstd_file_of(const std::string& tar) {
  std::string out;
  Writer a = writer_to(&out, ARCHIVE_FORMAT_RAW, /*zstd=*/true);
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname(e.get(), "raw");
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(tar.size()));
  archive_write_header(a.get(), e.get());
  archive_write_data(a.get(), tar.data(), tar.size());
  archive_write_close(a.get());
  a.reset();
  return out + unsigned_trailer(out);
}

// A GNU long-name block ('L') whose 1 MiB body names `name`: libarchive reads
// it before the next (plain ustar) header and reports that header as ustar.
std::string gnu_long_name_block(const std::string& name, size_t body = 1 << 20) {
  std::string h(512, '\0');
  const auto put = [&h](size_t at, const std::string& v) { h.replace(at, v.size(), v); };
  put(0, "././@LongLink");
  put(100, "0000644");
  put(108, "0000000");
  put(116, "0000000");
  char size[13];
  std::snprintf(size, sizeof size, "%011zo", body);
  put(124, size);
  put(136, "00000000000");
  h[156] = 'L';
  put(257, std::string("ustar  \0", 8));
  put(148, "        ");
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  char chk[8];
  std::snprintf(chk, sizeof chk, "%06o", sum);
  put(148, std::string(chk, 6) + std::string("\0 ", 2));
  std::string data = name;
  data.resize(body, '\0');
  return h + data;
}

std::string meta_text(size_t entries, size_t snapshots, const std::string& extra = "", int version = 2) {
  return "driftd-baseline " + std::to_string(version) + "\nnode n1\ncreated 1790000000\nserial 7\ntool driftd test\n" +
         "config_sha256 " + std::string(64, 'c') + "\nhash sha256\nentries " + std::to_string(entries) + "\n" +
         "snapshots " + std::to_string(snapshots) + "\n" + extra;
}

const std::string kPackages = "driftd-packages 1\nend 0\n";

// An index of one file with a snapshot of `content`; `fill` marks it apart.
std::string index_of(const std::string& path, const std::string& content) {
  Entry e = test::file_entry(path);
  const std::string d = sha256_bytes(content);
  std::copy(d.begin(), d.end(), e.sha256.begin());
  e.snapshot = true;
  e.size = content.size();
  return encode_index({e});
}

std::string sha_hex(const std::string& content) {
  const std::string d = sha256_bytes(content);
  return hex_encode(reinterpret_cast<const uint8_t*>(d.data()), d.size());
}

const std::string kGood = "good content\n";
const std::string kBad = "backdoored content\n";

std::vector<Member> well_formed() {
  return {{"meta", meta_text(1, 1)}, {"packages", kPackages}, {"index", index_of("/usr/bin/true", kGood)},
          {"snapshots/" + sha_hex(kGood), kGood}};
}

// Every reading mode, and sign, must agree: refused.
void expect_refused(const std::string& bytes, const std::string& why_contains) {
  for (int mode = 0; mode < 3; ++mode) {
    Baseline b;
    SignatureInfo info;
    BaselineError error = BaselineError::kNone;
    std::string err;
    BaselineReadOptions o;
    if (mode == 1) o.want_snapshot = [](const std::string&) { return true; };
    if (mode == 2) o.skip_index = true;
    CAPTURE(mode);
    CHECK_FALSE(read_baseline_bytes(bytes, o, &b, &info, &error, &err));
    CHECK(error == BaselineError::kUnreadable);
    CHECK_MESSAGE(err.find(why_contains) != std::string::npos, err);
    CHECK(err.find('\n') == std::string::npos);
  }
  test::TempDir dir;
  std::string err;
  REQUIRE(generate_key_pair(dir / "k.pem", dir / "k.pub", &err));
  Key key;
  REQUIRE(load_signing_key(dir / "k.pem", &key, &err));
  std::string signed_bytes;
  BaselineError error = BaselineError::kNone;
  CHECK_FALSE(sign_baseline_bytes(bytes, key, &signed_bytes, &error, &err));
  CHECK(error == BaselineError::kUnreadable);
}

}  // namespace

TEST_CASE("the hand-built well-formed archive reads (the cases below differ from it in one thing)") {
  Baseline b;
  SignatureInfo info;
  BaselineError error;
  std::string err;
  BaselineReadOptions o;
  o.want_snapshot = [](const std::string&) { return true; };
  REQUIRE_MESSAGE(read_baseline_bytes(archive_of(well_formed()), o, &b, &info, &error, &err), err);
  CHECK(b.entries.size() == 1);
  CHECK(b.snapshots.at(sha_hex(kGood)) == kGood);
}

TEST_CASE("a second index is refused by every reader and by sign") {
  std::vector<Member> m = well_formed();
  m.insert(m.begin() + 3, Member{"index", index_of("/usr/bin/true", kBad)});
  expect_refused(archive_of(m), "archive member 'index' unexpected here");
  // ... also after the snapshots.
  m = well_formed();
  m.push_back({"index", index_of("/usr/bin/true", kBad)});
  expect_refused(archive_of(m), "archive member 'index' unexpected here");
}

TEST_CASE("members outside the documented set or order are refused") {
  for (const std::string name : {"../x", "/etc/x", "snapshots/../../x", "snapshots/zz", "extra"}) {
    std::vector<Member> m = well_formed();
    m.push_back({name, "x"});
    CAPTURE(name);
    expect_refused(archive_of(m), "archive member");
  }
  std::vector<Member> dup_meta = well_formed();
  dup_meta.insert(dup_meta.begin() + 1, Member{"meta", meta_text(1, 1)});
  expect_refused(archive_of(dup_meta), "'meta' unexpected here");
  std::vector<Member> dup_packages = well_formed();
  dup_packages.insert(dup_packages.begin() + 2, Member{"packages", kPackages});
  expect_refused(archive_of(dup_packages), "'packages' unexpected here");
  std::vector<Member> dup_snapshot = well_formed();
  dup_snapshot.push_back(dup_snapshot.back());
  expect_refused(archive_of(dup_snapshot), "unexpected here");
  std::vector<Member> index_first = well_formed();
  std::swap(index_first[0], index_first[2]);
  expect_refused(archive_of(index_first), "unexpected here");
}

TEST_CASE("a snapshot must be named by its content's SHA-256 and referred to by an entry") {
  std::vector<Member> m = well_formed();
  m.back().data = kBad;  // name of kGood, content of kBad
  expect_refused(archive_of(m), "does not match its SHA-256");
  m = well_formed();
  m[0].data = meta_text(1, 2);
  m.push_back({"snapshots/" + sha_hex(kBad), kBad});
  expect_refused(archive_of(m), "no entry refers to it");
  m = well_formed();
  m.back().name = "snapshots/" + std::string(64, 'A');
  expect_refused(archive_of(m), "lowercase hex");
}

TEST_CASE("meta keys once each, known, in range; counts must match") {
  std::vector<Member> m = well_formed();
  m[0].data = meta_text(1, 1, "node evil\n");
  expect_refused(archive_of(m), "'node' repeated");
  m[0].data = meta_text(1, 1, "serial 99999999999\n");
  expect_refused(archive_of(m), "'serial' repeated");
  m[0].data = meta_text(1, 1, "mystery 1\n");
  expect_refused(archive_of(m), "unknown key 'mystery'");
  m[0].data = "driftd-baseline 2\nnode n1\ncreated 1\nserial 7\ntool t\nconfig_sha256 \nhash sha256\nentries -1\nsnapshots 1\n";
  expect_refused(archive_of(m), "bad value for 'entries'");
  m[0].data = meta_text(2, 1);
  expect_refused(archive_of(m), "meta says 2 entries, the index holds 1");
  m[0].data = meta_text(1, 0);
  expect_refused(archive_of(m), "meta says 0 snapshots");
}

TEST_CASE("members that are not regular files, or not plain ustar, are refused") {
  std::vector<Member> m = well_formed();
  m.push_back({"snapshots/" + std::string(64, 'e'), "", AE_IFLNK});
  expect_refused(archive_of(m), "not a regular file");
  expect_refused(archive_of(well_formed(), ARCHIVE_FORMAT_TAR_GNUTAR), "not a plain ustar member");
}

TEST_CASE("bombs are refused from the member header, before anything is allocated") {
  // A meta that promises 3 GB of zeros: the payload is a few hundred KB.
  std::vector<Member> m = well_formed();
  m[0].declared = 3'000'000'000LL;
  const std::string bomb = archive_of(m);
  CHECK(bomb.size() < 2'000'000);
  const auto start = std::chrono::steady_clock::now();
  expect_refused(bomb, "archive member 'meta'");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  // A snapshot past the ceiling, and an index beyond any real ratio.
  m = well_formed();
  m.back().declared = static_cast<int64_t>(kBaselineMaxSnapshotBytes) + 1;
  expect_refused(archive_of(m), "archive member 'snapshots/");
  m = well_formed();
  m[2].declared = 400'000'000LL;
  expect_refused(archive_of(m), "beyond any real baseline's ratio");
}

TEST_CASE("extension headers before a member are refused (they would bypass the budget)") {
  const std::string plain = raw_tar_of(well_formed());
  {  // the plain stream as it is reads
    Baseline b;
    SignatureInfo info;
    BaselineError error;
    std::string err;
    REQUIRE_MESSAGE(read_baseline_bytes(zstd_file_of(plain), {}, &b, &info, &error, &err), err);
  }
  std::string evil;
  for (int i = 0; i < 3; ++i) evil += gnu_long_name_block("meta");
  evil += plain;
  expect_refused(zstd_file_of(evil), "extension headers before member 'meta'");
}

TEST_CASE("an index line longer than the bound is refused before it is buffered") {
  std::vector<Entry> none;
  std::string err;
  IndexDecoder decoder(&none, 0);
  const std::string piece(1 << 16, 'x');
  bool ok = decoder.feed("driftd-index 2\n", &err);
  for (size_t fed = 0; ok && fed <= kIndexMaxLineBytes; fed += piece.size()) ok = decoder.feed(piece, &err);
  CHECK_FALSE(ok);
  CHECK(err.find("longer than") != std::string::npos);
}
// Format 1 baselines still read: package_cause_test builds one member by member.
