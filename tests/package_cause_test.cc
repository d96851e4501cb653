// agent/package_cause: the baseline's package table, and format 1 baselines
// (before packages) still loading with no package facts. dpkg's database itself
// is dpkg_db_test's.
#include <archive.h>
#include <archive_entry.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "agent/dpkg_db.h"
#include "agent/package_cause.h"
#include "baseline/bundle.h"
#include "baseline/index_format.h"
#include "baseline/signer.h"
#include "dpkg_test_util.h"
#include "test_util.h"

using namespace drift;
using drift::test::file_entry;
using drift::test::FakeRoot;
using drift::test::kStatus;
namespace fs = std::filesystem;

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
