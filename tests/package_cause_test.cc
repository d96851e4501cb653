// The package-aware check's parts: dpkg's database as dpkg writes it, the
// baseline's package table, and format 1 baselines (before packages) still loading.
#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agent/dpkg_db.h"
#include "agent/package_cause.h"
#include "baseline/bundle.h"
#include "baseline/index_format.h"
#include "baseline/signer.h"
#include "test_util.h"

using namespace drift;
using drift::test::file_entry;
namespace fs = std::filesystem;

namespace {

struct FakeRoot {
  std::string dir;
  FakeRoot() {
    char tmpl[] = "/tmp/driftd-dpkg.XXXXXX";
    dir = ::mkdtemp(tmpl);
    fs::create_directories(dir + "/var/lib/dpkg/info");
  }
  ~FakeRoot() { fs::remove_all(dir); }
  void write(const std::string& rel, const std::string& text) const {
    fs::create_directories(fs::path(dir + rel).parent_path());
    std::ofstream(dir + rel, std::ios::binary) << text;
  }
};

const char* kStatus =
    "Package: kubelet\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 1.34.1-1.1\n"
    "Description: node agent\n"
    " multi-line description\n"
    " .\n"
    "\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Multi-Arch: same\n"
    "Architecture: amd64\n"
    "Version: 2.36-9+deb12u10\n"
    "\n"
    "Package: openssh-client\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 1:9.2p1-2\n"
    "Conffiles:\n"
    " /etc/ssh/ssh_config 0123456789abcdef0123456789abcdef\n"
    " /etc/ssh/moduli 11111111111111111111111111111111 obsolete\n"
    "\n"
    "Package: removed-pkg\n"
    "Status: deinstall ok config-files\n"
    "Architecture: all\n"
    "Version: 3.0\n"
    "\n";

}  // namespace

TEST_CASE("dpkg status: packages with files on disk, Multi-Arch keys, conffile checksums") {
  FakeRoot root;
  root.write("/var/lib/dpkg/status", kStatus);
  DpkgDatabase db;
  std::string err;
  REQUIRE_MESSAGE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk, err);
  REQUIRE(db.find("kubelet"));
  CHECK(db.find("kubelet")->version == "1.34.1-1.1");
  CHECK(db.find("libc6:amd64"));  // info/libc6:amd64.list
  CHECK_FALSE(db.find("libc6"));
  CHECK_FALSE(db.find("removed-pkg"));  // only its conffiles remain
  const DpkgPackage* ssh = db.find("openssh-client");
  REQUIRE(ssh);
  CHECK(ssh->conffiles.size() == 1);  // the obsolete one is not a promise about today's file
  CHECK(ssh->conffiles.at("/etc/ssh/ssh_config") == "0123456789abcdef0123456789abcdef");
}

TEST_CASE("no dpkg database is not an error; a broken one names the file and line") {
  FakeRoot root;
  DpkgDatabase db;
  std::string err;
  CHECK(db.load(root.dir, &err) == DpkgDatabase::Load::kNotFound);

  root.write("/var/lib/dpkg/status", std::string(kStatus).substr(0, 100));  // cut mid-line
  CHECK(db.load(root.dir, &err) == DpkgDatabase::Load::kMalformed);
  CHECK(err.find("truncated") != std::string::npos);
  CHECK(db.packages().empty());

  root.write("/var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nthis line is junk\n\n");
  CHECK(db.load(root.dir, &err) == DpkgDatabase::Load::kMalformed);
  CHECK(err.find("status:3:") != std::string::npos);

  root.write("/var/lib/dpkg/status", "Package: a\nStatus: install ok installed\n\n");
  CHECK(db.load(root.dir, &err) == DpkgDatabase::Load::kMalformed);
  CHECK(err.find("no Version") != std::string::npos);

  root.write("/var/lib/dpkg/status", "");
  CHECK(db.load(root.dir, &err) == DpkgDatabase::Load::kMalformed);
}

TEST_CASE("file lists and md5sums: merged-/usr aliases are reported under /usr") {
  FakeRoot root;
  root.write("/var/lib/dpkg/status", kStatus);
  fs::create_directories(root.dir + "/usr/bin");
  fs::create_directory_symlink("usr/bin", root.dir + "/bin");
  root.write("/var/lib/dpkg/info/kubelet.list", "/.\n/bin\n/bin/kubelet\n/usr/share/doc/kubelet\n");
  root.write("/var/lib/dpkg/info/kubelet.md5sums", "00112233445566778899aabbccddeeff  bin/kubelet\nnot a checksum line\n");
  DpkgDatabase db;
  std::string err;
  REQUIRE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk);
  std::map<std::string, std::string> found;
  db.for_each_listed([](std::string_view p) { return p.substr(0, 8) == "/usr/bin"; },
                     [&](const std::string& p, const std::string& key) { found[p] = key; });
  CHECK(found == std::map<std::string, std::string>{{"/usr/bin", "kubelet"}, {"/usr/bin/kubelet", "kubelet"}});
  CHECK(db.lists("kubelet", "/usr/bin/kubelet"));
  CHECK_FALSE(db.lists("kubelet", "/usr/bin/kubectl"));
  std::map<std::string, std::string> sums;
  REQUIRE(db.md5sums("kubelet", &sums));
  CHECK(sums == std::map<std::string, std::string>{{"/usr/bin/kubelet", "00112233445566778899aabbccddeeff"}});
}

TEST_CASE("merged /usr without /bin under the root (the DaemonSet mounts /usr/bin only): usr-is-merged decides") {
  FakeRoot root;
  root.write("/var/lib/dpkg/status", std::string(kStatus) +
                                         "Package: usr-is-merged\nStatus: install ok installed\nArchitecture: all\n"
                                         "Version: 37~deb12u1\n\n");
  root.write("/var/lib/dpkg/info/kubelet.list", "/.\n/bin/kubelet\n");
  DpkgDatabase db;
  std::string err;
  REQUIRE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk);
  CHECK(db.lists("kubelet", "/usr/bin/kubelet"));
  // Without usr-is-merged and without /bin, /bin stays /bin.
  root.write("/var/lib/dpkg/status", kStatus);
  REQUIRE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk);
  CHECK(db.lists("kubelet", "/bin/kubelet"));
  CHECK_FALSE(db.lists("kubelet", "/usr/bin/kubelet"));
}

TEST_CASE("dpkg is busy while another process holds its fcntl lock") {
  FakeRoot root;
  root.write("/var/lib/dpkg/status", kStatus);
  root.write("/var/lib/dpkg/lock", "");
  DpkgDatabase db;
  std::string err;
  REQUIRE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk);
  CHECK_FALSE(db.busy());
  int to_child[2], from_child[2];
  REQUIRE(::pipe(to_child) == 0);
  REQUIRE(::pipe(from_child) == 0);
  const pid_t pid = ::fork();
  if (pid == 0) {  // the "dpkg": takes the write lock, says so, waits to be told to go
    const int fd = ::open((root.dir + "/var/lib/dpkg/lock").c_str(), O_RDWR);
    struct flock fl{};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    char c = ::fcntl(fd, F_SETLK, &fl) == 0 ? 'L' : 'E';
    (void)!::write(from_child[1], &c, 1);
    (void)!::read(to_child[0], &c, 1);
    ::_exit(0);
  }
  char c = 0;
  REQUIRE(::read(from_child[0], &c, 1) == 1);
  REQUIRE(c == 'L');
  CHECK(db.busy());
  (void)!::write(to_child[1], "x", 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK_FALSE(db.busy());
  for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) ::close(fd);
}

TEST_CASE("the package table: rescanned entries take today's owner, the rest keep theirs") {
  FakeRoot root;
  root.write("/var/lib/dpkg/status", kStatus);
  root.write("/var/lib/dpkg/info/kubelet.list", "/.\n/usr/bin/kubelet\n");
  DpkgDatabase db;
  std::string err;
  REQUIRE(db.load(root.dir, &err) == DpkgDatabase::Load::kOk);
  Baseline b;
  b.entries = {file_entry("/etc/hosts"), file_entry("/usr/bin/kubelet"), file_entry("/usr/bin/tool")};
  // "tool" was owned by an old package the baseline knew; it is not rescanned.
  const std::vector<PackageVersion> old_table = {{"kubelet", "1.33.0-1.1"}, {"mytools", "2.0"}};
  b.entries[2].package = 2;
  assign_packages(&db, old_table, [](const std::string& p) { return p != "/usr/bin/tool"; },
                  /*with_installed=*/false, /*keep_old_rows=*/true, &b);
  // mytools is not installed now, but an entry still points at it: it stays.
  CHECK(b.packages == std::vector<PackageVersion>{{"kubelet", "1.33.0-1.1"}, {"kubelet", "1.34.1-1.1"}, {"mytools", "2.0"}});
  CHECK(b.entries[0].package == 0);
  CHECK(b.packages[b.entries[1].package - 1] == PackageVersion{"kubelet", "1.34.1-1.1"});
  CHECK(b.packages[b.entries[2].package - 1] == PackageVersion{"mytools", "2.0"});

  // A fresh baseline records every installed package, owned entries or not.
  Baseline fresh;
  fresh.entries = {file_entry("/usr/bin/kubelet")};
  assign_packages(&db, {}, [](const std::string&) { return true; }, true, false, &fresh);
  CHECK(fresh.packages.size() == 3);  // kubelet, libc6:amd64, openssh-client
}

TEST_CASE("a baseline's package table round-trips and a row out of range is refused") {
  Baseline b;
  b.meta.node = "n";
  b.meta.created = 1;
  b.entries = {file_entry("/usr/bin/kubelet")};
  b.packages = {{"kubelet", "1.34.1-1.1"}};
  b.entries[0].package = 1;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(b, nullptr, &bytes, &err));
  Baseline back;
  SignatureInfo sig;
  BaselineError error;
  REQUIRE_MESSAGE(read_baseline_bytes(bytes, BaselineReadOptions{}, &back, &sig, &error, &err), err);
  CHECK(back.meta.format_version == 2);
  CHECK(back.packages == b.packages);
  CHECK(back.entries[0].package == 1);

  b.entries[0].package = 2;  // no such row
  REQUIRE(write_baseline_bytes(b, nullptr, &bytes, &err));
  CHECK_FALSE(read_baseline_bytes(bytes, BaselineReadOptions{}, &back, &sig, &error, &err));
  CHECK(err.find("package row 2 of 1") != std::string::npos);
}

// A format 1 baseline as the previous release wrote it: meta version 1, no
// package table, a 16-field index. Built here with libarchive as that
// release's writer did, with its unsigned trailer.
TEST_CASE("a format 1 baseline (before package tables) still loads, with no package facts") {
  Entry e = file_entry("/etc/hosts");
  std::string index = encode_index({e});
  // Back to index version 1: the header, the field list, and no package column.
  index.replace(index.find("driftd-index 2"), 14, "driftd-index 1");
  index.replace(index.find(" package\n"), 9, "\n");
  const size_t row = index.find("/etc/hosts");
  const size_t row_end = index.find('\n', row);
  index.erase(index.rfind('\t', row_end), row_end - index.rfind('\t', row_end));
  const std::string meta = "driftd-baseline 1\nnode old-node\ncreated 1700000000\nserial 7\ntool driftd 0.0.9\n"
                           "config_sha256 00\nhash sha256\nentries 1\nsnapshots 0\n";
  std::string payload;
  archive* a = archive_write_new();
  archive_write_set_format_ustar(a);
  archive_write_add_filter_zstd(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open2(
      a, &payload, nullptr,
      [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr, nullptr);
  for (const auto& [name, data] : {std::pair<std::string, std::string>{"meta", meta}, {"index", index}}) {
    archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, name.c_str());
    archive_entry_set_filetype(ae, AE_IFREG);
    archive_entry_set_perm(ae, 0644);
    archive_entry_set_size(ae, static_cast<la_int64_t>(data.size()));
    archive_write_header(a, ae);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
  const std::string d = sha256_bytes(payload);
  const std::string file = payload + "DRIFTD-SIG1 unsignd " + std::string(16, '-') + " " +
                           hex_encode(reinterpret_cast<const uint8_t*>(d.data()), d.size()) +
                           std::string(64, '-') + "\n";
  Baseline back;
  SignatureInfo sig;
  BaselineError error;
  std::string err;
  REQUIRE_MESSAGE(read_baseline_bytes(file, BaselineReadOptions{}, &back, &sig, &error, &err), err);
  CHECK(back.meta.format_version == 1);
  CHECK(back.meta.serial == 7);
  REQUIRE(back.entries.size() == 1);
  CHECK(back.entries[0].path == "/etc/hosts");
  CHECK(back.entries[0].package == 0);
  CHECK(back.packages.empty());
  // Written again (accept does this), it becomes format 2.
  std::string again;
  REQUIRE(write_baseline_bytes(back, nullptr, &again, &err));
  Baseline v2;
  REQUIRE(read_baseline_bytes(again, BaselineReadOptions{}, &v2, &sig, &error, &err));
  CHECK(v2.meta.format_version == 2);
}

TEST_CASE("a baseline without a package table explains nothing (format 1, or made without dpkg)") {
  FakeRoot root;
  root.write("/var/lib/dpkg/status", kStatus);
  root.write("/var/lib/dpkg/info/kubelet.list", "/.\n/usr/lib/kubelet\n");
  fs::create_directories(root.dir + "/usr/lib/kubelet");
  Entry before;
  before.path = "/usr/lib/kubelet";
  before.type = EntryType::kDirectory;
  before.mode = 0755;
  Entry after = before;
  after.mtime_ns = 5;
  Baseline b;
  b.entries = {before};
  Comparison c;
  c.drifts.push_back({DriftKind::kChanged, &b.entries[0], &after, AttrSet{}, Severity::kWarning, {}});
  c.drifts[0].changed.add(Attr::kMtime);
  PackageClassifier classifier;
  REQUIRE(classifier.load(root.dir).empty());
  classifier.classify(b, &c);
  CHECK_FALSE(c.drifts[0].cause.package);
  // The same drift against a table that knew kubelet at another version: the upgrade explains it.
  b.packages = {{"kubelet", "1.33.0-1.1"}};
  b.entries[0].package = 1;
  classifier.classify(b, &c);
  CHECK(c.drifts[0].cause.package);
  CHECK(c.drifts[0].cause.version_now == "1.34.1-1.1");
  // A mode change of that directory is not the package's to explain.
  after.mode = 0777;
  c.drifts[0].changed.add(Attr::kMode);
  classifier.classify(b, &c);
  CHECK_FALSE(c.drifts[0].cause.package);
}
