// aptproof: the deb822 reader, apt's sources, the compressed-index and .deb
// readers, the InRelease framing and the whole chain on a fake archive: a
// real OpenPGP key made with gpg, a real .deb built with dpkg-deb, an lz4
// Packages index and a clearsigned InRelease, all under a temp root. Each
// link is then broken once (a byte of the InRelease, the index's hash, the
// .deb's control file, the .deb gone, a key of the wrong keyring) and the
// proof must fall back to dpkg-database with that link's reason.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>

#include <sys/wait.h>

#include "agent/confine.h"
#include "agent/package_cause.h"
#include "aptproof/apt_prover.h"
#include "aptproof/apt_sources.h"
#include "aptproof/archive_stream.h"
#include "aptproof/deb822.h"
#include "aptproof/openpgp_verifier.h"
#include "baseline/signer.h"
#include "tests/test_util.h"

namespace drift {
namespace {

using test::TempDir;
using test::write_file;

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  INFO(cmd);
  REQUIRE(rc == 0);
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::string sha256_hex(const std::string& bytes) {
  const std::string d = sha256_bytes(bytes);
  return hex_encode(reinterpret_cast<const uint8_t*>(d.data()), d.size());
}

// A GnuPG home with one signing key, made once per test run.
struct SigningKey {
  TempDir dir;
  std::string home;
  explicit SigningKey(const std::string& uid) {
    home = dir / "gnupg";
    ::mkdir(home.c_str(), 0700);
    sh("gpg --homedir '" + home + "' --batch --pinentry-mode loopback --passphrase '' --quick-gen-key '" + uid +
       "' ed25519 sign never 2>/dev/null");
  }
  ~SigningKey() { std::system(("gpgconf --homedir '" + home + "' --kill gpg-agent 2>/dev/null").c_str()); }
  std::string exported() const { return sh("gpg --homedir '" + home + "' --export 2>/dev/null"); }
  std::string clearsign(const std::string& text) const {
    const std::string in = dir / "in.txt";
    write_file(in, text);
    return sh("gpg --homedir '" + home + "' --batch --yes --pinentry-mode loopback --passphrase '' --clearsign -o - '" +
              in + "' 2>/dev/null");
  }
};

const SigningKey& archive_key() {
  static SigningKey k("Test Archive <archive@example.org>");
  return k;
}
const SigningKey& other_key() {
  static SigningKey k("Someone Else <else@example.org>");
  return k;
}

// A .deb built with dpkg-deb from a package name, version, arch and files.
std::string build_deb(const TempDir& dir, const std::string& pkg, const std::string& version, const std::string& arch,
                      const std::map<std::string, std::string>& files, const std::string& control_version = "") {
  const std::string tree = dir / ("build-" + pkg + "-" + version);
  sh("rm -rf '" + tree + "' && mkdir -p '" + tree + "/DEBIAN'");
  write_file(tree + "/DEBIAN/control", "Package: " + pkg + "\nVersion: " +
                                           (control_version.empty() ? version : control_version) +
                                           "\nArchitecture: " + arch +
                                           "\nMaintainer: t <t@example.org>\nDescription: test\n a test package\n");
  for (const auto& [path, content] : files) {
    const std::string full = tree + path;
    sh("mkdir -p \"$(dirname '" + full + "')\"");
    write_file(full, content, 0755);
  }
  const std::string out = dir / (pkg + "_" + version + "_" + arch + ".deb");
  sh("dpkg-deb --root-owner-group -Zxz --build '" + tree + "' '" + out + "' >/dev/null");
  return out;
}

// A root with apt's lists, cache, keyrings and a deb822 source, for one suite.
struct FakeArchive {
  TempDir dir;
  std::string root = dir / "root";
  std::string lists = root + kAptListsDir;
  std::string cache = root + kAptArchivesDir;
  std::string index_name = "example.org_debian_dists_test_main_binary-amd64_Packages";
  std::string inrelease = lists + "/example.org_debian_dists_test_InRelease";
  std::string packages_text;

  FakeArchive() {
    sh("mkdir -p '" + lists + "' '" + cache + "' '" + root + "/usr/share/keyrings' '" + root +
       "/etc/apt/sources.list.d' '" + dir.path() + "/work'");
    write_file(root + "/usr/share/keyrings/test-archive.gpg", archive_key().exported());
    write_file(root + "/etc/apt/sources.list.d/test.sources",
               "Types: deb\nURIs: http://example.org/debian\nSuites: test\nComponents: main\n"
               "Signed-By: /usr/share/keyrings/test-archive.gpg\n");
  }
  void add(const std::string& deb, const std::string& pkg, const std::string& version, const std::string& arch,
           bool to_cache = true) {
    const std::string bytes = read_all(deb);
    packages_text += "Package: " + pkg + "\nVersion: " + version + "\nArchitecture: " + arch +
                     "\nFilename: pool/main/" + pkg.substr(0, 1) + "/" + pkg + "/" + pkg + "_" + version + "_" + arch +
                     ".deb\nSize: " + std::to_string(bytes.size()) + "\nSHA256: " + sha256_hex(bytes) +
                     "\nDescription: test\n a test package\n\n";
    if (to_cache) sh("cp '" + deb + "' '" + cache + "/'");
  }
  // Writes the index (compressed with `tool`, "" for plain) and the signed InRelease.
  void publish(const std::string& tool = "lz4", const SigningKey& key = archive_key(), const std::string& listed = "") {
    const std::string plain = dir / "Packages";
    write_file(plain, packages_text);
    sh("rm -f '" + lists + "/" + index_name + "'*");
    if (tool.empty()) sh("cp '" + plain + "' '" + lists + "/" + index_name + "'");
    else if (tool == "lz4") sh("lz4 -q -c '" + plain + "' > '" + lists + "/" + index_name + ".lz4'");
    else if (tool == "gz") sh("gzip -c '" + plain + "' > '" + lists + "/" + index_name + ".gz'");
    else if (tool == "xz") sh("xz -c '" + plain + "' > '" + lists + "/" + index_name + ".xz'");
    const std::string sha = listed.empty() ? sha256_hex(packages_text) : listed;
    write_file(inrelease, key.clearsign("Origin: Test\nSuite: test\nCodename: test\nSHA256:\n " + sha + " " +
                                        std::to_string(packages_text.size()) + " main/binary-amd64/Packages\n"));
  }
  AptProof prove(const AptProofRequest& r) {
    AptProverOptions o;
    o.root = root;
    o.work_dir = dir / "work";
    AptProver p(o);
    return p.prove({r})[0];
  }
};

AptProofRequest file_request(const std::string& path, const std::string& content, const std::string& pkg,
                             const std::string& version, const std::string& arch = "amd64") {
  AptProofRequest r;
  r.path = path;
  r.type = 'f';
  r.sha256_hex = sha256_hex(content);
  r.package = pkg;
  r.version = version;
  r.arch = arch;
  return r;
}

// A ustar header for a regular file NAME of SIZE bytes (checksum filled in).
std::string tar_header(const std::string& name, uint64_t size) {
  std::string h(512, '\0');
  auto put = [&](size_t at, size_t width, const std::string& v) { h.replace(at, v.size(), v); (void)width; };
  auto octal = [](uint64_t v, int digits) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%0*llo", digits, static_cast<unsigned long long>(v));
    return std::string(buf);
  };
  put(0, 100, name);
  put(100, 8, octal(0644, 7));
  put(108, 8, octal(0, 7));
  put(116, 8, octal(0, 7));
  put(124, 12, octal(size, 11));
  put(136, 12, octal(0, 11));
  h[156] = '0';
  put(257, 6, std::string("ustar\0", 6));
  put(263, 2, "00");
  h.replace(148, 8, 8, ' ');
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  put(148, 8, octal(sum, 6) + std::string("\0 ", 2));
  return h;
}

// A zstd frame by hand: PARTS are raw bytes (raw blocks) or runs of zeros (RLE
// blocks, 4 bytes per 128 KiB: the format's own ratio of 32768).
struct ZstdPart {
  std::string raw;
  uint64_t zeros = 0;
};
std::string zstd_frame(const std::vector<ZstdPart>& parts) {
  std::string out("\x28\xb5\x2f\xfd", 4);
  out += '\x00';  // no content size, no checksum, not single-segment
  out += '\x38';  // window 128 KiB
  std::vector<std::pair<int, std::string>> blocks;  // type, payload (RLE: the byte, size kept apart)
  std::vector<uint32_t> sizes;
  for (const ZstdPart& p : parts) {
    for (size_t at = 0; at < p.raw.size(); at += 131072) {
      blocks.emplace_back(0, p.raw.substr(at, 131072));
      sizes.push_back(static_cast<uint32_t>(blocks.back().second.size()));
    }
    for (uint64_t left = p.zeros; left > 0;) {
      const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(left, 131072));
      blocks.emplace_back(1, std::string(1, '\0'));
      sizes.push_back(n);
      left -= n;
    }
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    const uint32_t header = (i + 1 == blocks.size() ? 1u : 0u) | (static_cast<uint32_t>(blocks[i].first) << 1) |
                            (sizes[i] << 3);
    out += static_cast<char>(header & 0xff);
    out += static_cast<char>((header >> 8) & 0xff);
    out += static_cast<char>((header >> 16) & 0xff);
    out += blocks[i].second;
  }
  return out;
}

// An ar archive of (name, bytes) members, as a .deb is.
std::string ar_archive(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out = "!<arch>\n";
  for (const auto& [name, bytes] : members) {
    char h[61];
    std::snprintf(h, sizeof h, "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name.c_str(), "0", "0", "0", "100644", bytes.size());
    out.append(h, 60);
    out += bytes;
    if (bytes.size() % 2) out += '\n';
  }
  return out;
}

}  // namespace

TEST_CASE("deb822: stanzas, continuation lines, comments, errors with their line") {
  std::vector<Deb822Stanza> s;
  std::string err;
  REQUIRE(parse_deb822("Package: a\nDescription: x\n more\n .\n end\n\n\n# c\nPackage: b\r\nversion: 2\n", &s, &err));
  REQUIRE(s.size() == 2);
  CHECK(*s[0].find("Package") == "a");
  CHECK(*s[0].find("description") == "x\nmore\n\nend");
  CHECK(*s[1].find("Version") == "2");
  CHECK(s[1].line == 9);
  CHECK(s[1].find("Nope") == nullptr);
  CHECK_FALSE(parse_deb822(" starts with a continuation\n", &s, &err));
  CHECK(err == "line 1: continuation line outside a field");
  CHECK_FALSE(parse_deb822("Package: a\nno colon here\n", &s, &err));
  CHECK(err == "line 2: not a \"Field: value\" line");
  // A stanza past its bound is refused, fed in any split.
  Deb822Reader r([](Deb822Stanza&&) { return true; }, 64);
  CHECK(r.feed("Package: a\n"));
  CHECK_FALSE(r.feed("Description: " + std::string(100, 'x') + "\n"));
  CHECK(r.error().find("longer than 64 bytes") != std::string::npos);
  // Byte-by-byte feeding gives the same stanzas.
  std::vector<std::string> names;
  Deb822Reader bytes([&](Deb822Stanza&& st) { names.push_back(*st.find("Package")); return true; });
  for (char c : std::string("Package: x\n\nPackage: y")) bytes.feed(std::string_view(&c, 1));
  CHECK(bytes.finish());
  CHECK(names == std::vector<std::string>{"x", "y"});
}

TEST_CASE("apt sources: one-line and deb822 Signed-By, list file prefixes") {
  std::vector<std::string> problems;
  auto one = parse_sources_list(
      "# comment\ndeb [arch=amd64 signed-by=/usr/share/keyrings/a.gpg] http://deb.debian.org/debian bookworm main\n"
      "deb-src http://x/ y main\ndeb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\nrubbish here\n",
      "/etc/apt/sources.list", &problems);
  REQUIRE(one.size() == 2);
  CHECK(one[0].uri == "http://deb.debian.org/debian");
  CHECK(one[0].signed_by_files == std::vector<std::string>{"/usr/share/keyrings/a.gpg"});
  CHECK(one[1].signed_by_files.empty());
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "/etc/apt/sources.list:5: not a deb line");
  auto d = parse_sources_deb822(
      "Types: deb deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n"
      "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://x/y\nSuites: z\n"
      "Enabled: no\n\nTypes: deb\nURIs: http://inline/\nSuites: s\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n"
      " -----END PGP PUBLIC KEY BLOCK-----\n",
      "/etc/apt/sources.list.d/debian.sources", &problems);
  REQUIRE(d.size() == 2);
  CHECK(d[0].suites == std::vector<std::string>{"bookworm", "bookworm-updates"});
  CHECK(d[0].signed_by_files == std::vector<std::string>{"/usr/share/keyrings/debian-archive-keyring.gpg"});
  CHECK(d[1].signed_by_inline.find("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n") != std::string::npos);
  CHECK(list_prefix_of(d[0], "bookworm") == "deb.debian.org_debian_dists_bookworm_");
  CHECK(uri_to_list_prefix("https://user:pw@example.org/a_b/") == "example.org_a%5fb_");
  AptSource flat;
  flat.uri = "http://example.org/repo";
  CHECK(list_prefix_of(flat, "./") == "example.org_repo_");
}

TEST_CASE("clearsigned framing: text outside the one signed block is refused") {
  const std::string good = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nA: b\n-----BEGIN PGP SIGNATURE-----\nx\n-----END PGP SIGNATURE-----\n";
  CHECK(clearsign_framing_problem(good) == "");
  CHECK(clearsign_framing_problem("X: y\n" + good) == "does not start with a clearsigned message");
  CHECK(clearsign_framing_problem(good + "Extra: field\n") == "holds text after its signature");
  CHECK(clearsign_framing_problem(good + good) == "holds more than one signed message");
  CHECK(clearsign_framing_problem(good.substr(0, good.size() - 30)) == "no complete signature block");
}

TEST_CASE("compressed indexes: lz4, gz, xz and plain give the same bytes; a bomb is refused") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "Package: p" + std::to_string(i) + "\nVersion: 1\n\n";
  write_file(dir / "P", text);
  sh("cd '" + dir.path() + "' && lz4 -q -c P > P.lz4 && gzip -c P > P.gz && xz -c P > P.xz && zstd -q -c P > P.zst");
  for (const char* name : {"P", "P.lz4", "P.gz", "P.xz", "P.zst"}) {
    UniqueFd fd(::open((dir / name).c_str(), O_RDONLY));
    std::string out, err;
    CHECK(read_compressed_stream(fd.get(), StreamLimits{}, [&](std::string_view c) { out.append(c); return true; }, &err));
    INFO(name << " " << err);
    CHECK(out == text);
  }
  sh("head -c 50000000 /dev/zero | gzip -c > '" + (dir / "bomb.gz") + "'");
  UniqueFd fd(::open((dir / "bomb.gz").c_str(), O_RDONLY));
  std::string err;
  uint64_t total = 0;
  CHECK_FALSE(read_compressed_stream(fd.get(), StreamLimits{1ull << 30, 64},
                                     [&](std::string_view c) { total += c.size(); return true; }, &err));
  CHECK(err.find("beyond its bound") != std::string::npos);
  CHECK(total < (50000000ull));
}

TEST_CASE("read_deb: control, member hashes, stop at the wanted member, the file's own hash") {
  TempDir dir;
  const std::string deb = build_deb(dir, "tool", "1.2-3", "amd64",
                                    {{"/usr/bin/a", "alpha\n"}, {"/usr/bin/b", "beta\n"}, {"/usr/share/doc/tool/x", "x\n"}});
  const std::string bytes = read_all(deb);
  UniqueFd fd(::open(deb.c_str(), O_RDONLY));
  DebContents c;
  std::string err;
  REQUIRE_MESSAGE(read_deb(fd.get(), StreamLimits{}, {}, &c, &err), err);
  CHECK(c.complete);
  CHECK(c.sha256_hex == sha256_hex(bytes));
  CHECK(c.size == bytes.size());
  CHECK(*c.control.find("Package") == "tool");
  CHECK(*c.control.find("Version") == "1.2-3");
  CHECK(c.members.at("/usr/bin/a").sha256_hex == sha256_hex("alpha\n"));
  CHECK(c.members.at("/usr/bin").type == 'd');
  // Stopped at the wanted member: complete is false, yet the whole file is hashed.
  UniqueFd again(::open(deb.c_str(), O_RDONLY));
  REQUIRE(read_deb(again.get(), StreamLimits{}, {"/usr/bin/a"}, &c, &err));
  CHECK_FALSE(c.complete);
  CHECK(c.sha256_hex == sha256_hex(bytes));
  // Truncated: refused, never a crash.
  write_file(dir / "cut.deb", bytes.substr(0, bytes.size() / 2));
  UniqueFd cut(::open((dir / "cut.deb").c_str(), O_RDONLY));
  CHECK_FALSE(read_deb(cut.get(), StreamLimits{}, {}, &c, &err));
  // Not a .deb at all.
  write_file(dir / "junk.deb", "!<arch>\njunk");
  UniqueFd junk(::open((dir / "junk.deb").c_str(), O_RDONLY));
  CHECK_FALSE(read_deb(junk.get(), StreamLimits{}, {}, &c, &err));
  // A ratio bound smaller than the package's own.
  UniqueFd tight(::open(deb.c_str(), O_RDONLY));
  std::string big;
  for (int i = 0; i < 300000; ++i) big += "line " + std::to_string(i) + "\n";
  const std::string big_deb = build_deb(dir, "big", "1", "amd64", {{"/usr/share/big", big}});
  UniqueFd b(::open(big_deb.c_str(), O_RDONLY));
  CHECK_FALSE(read_deb(b.get(), StreamLimits{1ull << 20, 1}, {}, &c, &err));
  CHECK(err.find("bound") != std::string::npos);
}

TEST_CASE("read_deb: a control.tar entry skipped on the way to ./control is charged as it is read (fuzz review)") {
  // 1 GiB of zeros in 32 KiB of zstd before ./control: libarchive's skip to the
  // next header decompressed all of it before the bound was charged once; now
  // the skip reads through the budget and stops at it.
  TempDir dir;
  const std::string control = "Package: bomb\nVersion: 1\nArchitecture: amd64\n";
  std::string tail = tar_header("./control", control.size()) + control;
  tail.append((512 - control.size() % 512) % 512, '\0');
  tail.append(1024, '\0');
  const uint64_t big = 1ull << 30;
  const std::string control_tar = zstd_frame({{tar_header("./big", big), 0}, {"", big}, {tail, 0}});
  CHECK(control_tar.size() < 64 * 1024);
  const std::string deb = ar_archive({{"debian-binary", "2.0\n"}, {"control.tar.zst", control_tar},
                                      {"data.tar.zst", zstd_frame({{std::string(1024, '\0'), 0}})}});
  write_file(dir / "bomb.deb", deb);
  UniqueFd fd(::open((dir / "bomb.deb").c_str(), O_RDONLY));
  DebContents c;
  std::string err;
  const StreamLimits limits{8ull << 20, 64};
  CHECK_FALSE(read_deb(fd.get(), limits, {}, &c, &err));
  CHECK(err.find("beyond its bound") != std::string::npos);
  INFO("decompressed " << c.decompressed);
  CHECK(c.decompressed <= limits.max_bytes + (1u << 20));
  // The same frame with a small entry is a well-formed .deb: the crafted bytes are no accident.
  const std::string small_tar = zstd_frame({{tar_header("./big", 4096), 0}, {"", 4096}, {tail, 0}});
  write_file(dir / "small.deb", ar_archive({{"debian-binary", "2.0\n"}, {"control.tar.zst", small_tar},
                                            {"data.tar.zst", zstd_frame({{std::string(1024, '\0'), 0}})}}));
  UniqueFd ok(::open((dir / "small.deb").c_str(), O_RDONLY));
  REQUIRE_MESSAGE(read_deb(ok.get(), limits, {}, &c, &err), err);
  CHECK(*c.control.find("Package") == "bomb");
  CHECK(c.decompressed >= 4096);
}

TEST_CASE("read_deb: the fuzzer's inputs are refused with a reason, never a crash") {
  // tar-open-without-error.deb: a control.tar.gz libarchive fails to open
  // without an error string (null: the message was built from it and crashed).
  for (const char* name : {"tar-open-without-error.deb"}) {
    CAPTURE(name);
    UniqueFd fd(::open((std::string(DRIFTD_APTPROOF_FIXTURES) + "/" + name).c_str(), O_RDONLY));
    REQUIRE(fd.get() >= 0);
    DebContents c;
    std::string err;
    CHECK_FALSE(read_deb(fd.get(), StreamLimits{1u << 20, 16}, {}, &c, &err));
    CHECK(err.rfind("control.tar: ", 0) == 0);
    CHECK(err.size() > std::string("control.tar: ").size());
  }
}

TEST_CASE("the chain proves a file of the installed version: signed-archive with its links") {
  FakeArchive a;
  const std::string deb = build_deb(a.dir, "zstd", "1.5.4+dfsg2-5+deb12u1", "amd64", {{"/usr/bin/zstd", "new zstd\n"}});
  a.add(deb, "zstd", "1.5.4+dfsg2-5+deb12u1", "amd64");
  for (const char* tool : {"lz4", "gz", "xz", ""}) {
    a.publish(tool);
    const AptProof p = a.prove(file_request("/usr/bin/zstd", "new zstd\n", "zstd", "1.5.4+dfsg2-5+deb12u1"));
    INFO(tool << ": " << p.reason);
    CHECK(p.kind == ProofKind::kSignedArchive);
    CHECK(p.inrelease == std::string(kAptListsDir) + "/example.org_debian_dists_test_InRelease");
    CHECK(p.index.find(a.index_name) != std::string::npos);
    CHECK(p.deb == std::string(kAptArchivesDir) + "/zstd_1.5.4+dfsg2-5+deb12u1_amd64.deb");
  }
  // The temporary GnuPG home is gone with the prover.
  CHECK(sh("ls -A '" + (a.dir / "work") + "'") == "");
  // Other content, another version, another architecture: not proven.
  AptProof p = a.prove(file_request("/usr/bin/zstd", "evil\n", "zstd", "1.5.4+dfsg2-5+deb12u1"));
  CHECK(p.kind == ProofKind::kDpkgDatabase);
  CHECK(p.reason.find("ships another content for /usr/bin/zstd") != std::string::npos);
  p = a.prove(file_request("/usr/bin/zstd", "new zstd\n", "zstd", "9.9.9-1"));
  CHECK(p.kind == ProofKind::kDpkgDatabase);
  CHECK(p.reason.find("no verified Packages index lists zstd 9.9.9-1 (amd64)") != std::string::npos);
  p = a.prove(file_request("/usr/bin/zstd", "new zstd\n", "zstd", "1.5.4+dfsg2-5+deb12u1", "arm64"));
  CHECK(p.kind == ProofKind::kDpkgDatabase);
}

TEST_CASE("a broken link falls back to dpkg-database with its reason") {
  const std::string v = "2.0-1";
  auto fresh = [&](FakeArchive& a) {
    const std::string deb = build_deb(a.dir, "tool", v, "amd64", {{"/usr/bin/tool", "tool 2\n"}});
    a.add(deb, "tool", v, "amd64");
  };
  const AptProofRequest r = file_request("/usr/bin/tool", "tool 2\n", "tool", v);
  SUBCASE("one byte of the InRelease changed") {
    FakeArchive a;
    fresh(a);
    a.publish();
    std::string text = read_all(a.inrelease);
    const size_t at = text.find("Suite: test");
    text[at + 7] = 'T';
    write_file(a.inrelease, text);
    const AptProof p = a.prove(r);
    CHECK(p.kind == ProofKind::kDpkgDatabase);
    CHECK(p.reason.find("no good signature") != std::string::npos);
  }
  SUBCASE("the index's hash is not the one the InRelease lists") {
    FakeArchive a;
    fresh(a);
    a.publish("lz4", archive_key(), std::string(64, 'a'));
    const AptProof p = a.prove(r);
    CHECK(p.kind == ProofKind::kDpkgDatabase);
    CHECK(p.reason.find("is not the " + std::string(64, 'a')) != std::string::npos);
  }
  SUBCASE("signed by a key of no trusted keyring, or of a keyring the source does not name") {
    FakeArchive a;
    fresh(a);
    a.publish("lz4", other_key());
    AptProof p = a.prove(r);
    CHECK(p.kind == ProofKind::kDpkgDatabase);
    CHECK(p.reason.find("no good signature") != std::string::npos);
    // The other key trusted globally: the source's Signed-By still binds the archive's key.
    write_file(a.root + "/usr/share/keyrings/other.gpg", other_key().exported());
    p = a.prove(r);
    CHECK(p.kind == ProofKind::kDpkgDatabase);
    CHECK(p.reason.find("not by the source's Signed-By keys") != std::string::npos);
  }
  SUBCASE("the .deb removed from the cache") {
    FakeArchive a;
    fresh(a);
    a.publish();
    sh("rm '" + a.cache + "/tool_2.0-1_amd64.deb'");
    const AptProof p = a.prove(r);
    CHECK(p.kind == ProofKind::kDpkgDatabase);
    CHECK(p.reason.find("is not in the cache") != std::string::npos);
  }
  SUBCASE("a .deb whose control file names another version") {
    FakeArchive a;
    const std::string deb = build_deb(a.dir, "tool", v, "amd64", {{"/usr/bin/tool", "tool 2\n"}}, "3.0-1");
    a.add(deb, "tool", v, "amd64");
    a.publish();
    const AptProof p = a.prove(r);
    CHECK(p.kind == ProofKind::kDpkgDatabase);
    CHECK(p.reason.find("its control file names tool 3.0-1 (amd64), not tool 2.0-1 (amd64)") != std::string::npos);
  }
  SUBCASE("a .deb in the cache that is not the one the index lists") {
    FakeArchive a;
    fresh(a);
    a.publish();
    build_deb(a.dir, "tool", v, "amd64", {{"/usr/bin/tool", "tool 2 rebuilt\n"}});
    sh("cp '" + (a.dir / "tool_2.0-1_amd64.deb") + "' '" + a.cache + "/'");
    const AptProof p = a.prove(file_request("/usr/bin/tool", "tool 2 rebuilt\n", "tool", v));
    CHECK(p.kind == ProofKind::kDpkgDatabase);
    CHECK(p.reason.find("lists for tool 2.0-1 (amd64)") != std::string::npos);
  }
  SUBCASE("no keyring at all") {
    FakeArchive a;
    fresh(a);
    a.publish();
    sh("rm '" + a.root + "/usr/share/keyrings/test-archive.gpg'");
    const AptProof p = a.prove(r);
    CHECK(p.kind == ProofKind::kDpkgDatabase);
    CHECK(p.reason.find("its Signed-By keyrings hold no key") != std::string::npos);
  }
}

TEST_CASE("one prover: each .deb read once for all its files, symlinks, directories and absences") {
  FakeArchive a;
  const std::string deb = build_deb(a.dir, "multi", "1-1", "amd64", {{"/usr/bin/one", "1\n"}, {"/usr/bin/two", "2\n"}});
  a.add(deb, "multi", "1-1", "amd64");
  a.publish();
  AptProverOptions o;
  o.root = a.root;
  o.work_dir = a.dir / "work";
  AptProver p(o);
  AptProofRequest dir;
  dir.path = "/usr/bin";
  dir.type = 'd';
  dir.package = "multi";
  dir.version = "1-1";
  dir.arch = "amd64";
  AptProofRequest gone = dir;
  gone.path = "/usr/bin/three";
  gone.type = 'r';
  const std::vector<AptProof> proofs = p.prove({file_request("/usr/bin/one", "1\n", "multi", "1-1"),
                                                file_request("/usr/bin/two", "2\n", "multi", "1-1"), dir, gone});
  for (const AptProof& x : proofs) {
    INFO(x.reason);
    CHECK(x.kind == ProofKind::kSignedArchive);
  }
  // Answered from the cache, even with the .deb gone now.
  sh("rm '" + a.cache + "/multi_1-1_amd64.deb'");
  CHECK(p.prove({file_request("/usr/bin/two", "2\n", "multi", "1-1")})[0].kind == ProofKind::kSignedArchive);
}

TEST_CASE("the chain verifies inside driftd's confinement (seccomp, Landlock): GnuPG runs, its home in state_dir") {
  FakeArchive a;
  const std::string deb = build_deb(a.dir, "tool", "1-1", "amd64", {{"/usr/bin/tool", "t\n"}});
  a.add(deb, "tool", "1-1", "amd64");
  a.publish();
  const std::string state = a.dir / "state";
  ::mkdir(state.c_str(), 0700);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    Config c;
    c.root = a.root;
    c.state_dir = state;
    c.baseline = state + "/baseline.drift";
    c.public_key = state + "/baseline.pub";
    c.runtime.enabled = false;
    const ConfineReport r = confine_daemon(c, a.dir / "config.yaml");
    std::string msg = r.summary + " |";
    bool proven = false;
    {  // the prover (and its GnuPG home) ends before _exit, which runs no destructor
      AptProver prover(apt_prover_options(c.root, c.state_dir));
      const AptProof p = prover.prove({file_request("/usr/bin/tool", "t\n", "tool", "1-1")})[0];
      proven = p.kind == ProofKind::kSignedArchive;
      msg += std::string(" ") + proof_kind_name(p.kind) + " " + p.reason;
      for (const std::string& w : prover.warnings()) msg += " | warning: " + w;
    }
    (void)!::write(fds[1], msg.data(), msg.size());
    ::_exit(r.landlock_abi > 0 && r.seccomp && proven ? 0 : 1);
  }
  ::close(fds[1]);
  std::string msg;
  char buf[512];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO(msg);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // The GnuPG home under state_dir is gone with the prover.
  CHECK(sh("ls -A '" + state + "'") == "");
}

}  // namespace drift
