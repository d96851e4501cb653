// exports/exports_sources: reading a host tree: exports.d in exportfs' order,
// symlinks resolved inside the root, unreadable files reported.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exports/exports_sources.h"
#include "exports_test_util.h"
#include "test_util.h"

using namespace drift;
using namespace drift::test;

TEST_CASE("exports sources: exports.d in exportfs' order, symlinks resolved inside the root, unreadable files reported") {
  test::TempDir root;
  for (const char* d : {"etc", "etc/exports.d", "srv", "srv/data", "var", "var/lib", "var/lib/nfs"}) ::mkdir((root / d).c_str(), 0755);
  test::write_file(root / "etc/exports", "/srv/nfs 10.0.20.0/22(rw,async,insecure)\n");
  test::write_file(root / "etc/exports.d/10-b.exports", "/srv/b *(ro)\n");
  test::write_file(root / "etc/exports.d/9-a.exports", "/srv/a *(ro)\n");
  test::write_file(root / "etc/exports.d/.hidden.exports", "/srv/hidden *(ro)\n");
  test::write_file(root / "etc/exports.d/c.exports.dpkg-old", "/srv/c *(ro)\n");
  test::write_file(root / "etc/exports.d/.exports", "/srv/d *(ro)\n");
  ::mkdir((root / "etc/exports.d/dir.exports").c_str(), 0755);
  ::symlink("/srv/data", (root / "srv/nfs").c_str());  // absolute: must stay inside the root
  ::mkdir((root / "var/lib/nfs/etab").c_str(), 0755);  // not a regular file

  const ExportsSources s = read_exports_sources(root.path(), true, false);
  std::vector<std::string> files;
  for (const SourceFile& f : s.exports) files.push_back(f.path);
  CHECK(files == std::vector<std::string>{"/etc/exports", "/etc/exports.d/9-a.exports", "/etc/exports.d/10-b.exports"});
  CHECK(s.realpath("/srv/nfs") == "/srv/data");
  CHECK(s.realpath("/srv/nfs/../nfs/./") == "/srv/data");
  CHECK(s.realpath("/srv/missing") == "/srv/missing");  // as nfs-utils: unresolvable stays as written

  const ExportsReport r = check_exports(ExportsConfig(), root.path());
  CHECK(where(r) == std::vector<std::string>{"/var/lib/nfs/etab:0: unreadable"});
  CHECK(r.violations[0].message == "cannot be read: not a regular file");
  for (const char* f : {"/etc/exports", "/etc/exports.d", "/etc/exports.d/9-a.exports", "/var/lib/nfs/etab"}) {
    CHECK_MESSAGE(std::find(r.files_read.begin(), r.files_read.end(), f) != r.files_read.end(), f);
  }
}

TEST_CASE("exports sources: an empty root has nothing to check and says what it could not check") {
  test::TempDir root;
  const ExportsReport r = check_exports(ExportsConfig(), root.path());
  CHECK(r.violations.empty());
  CHECK(r.notes.size() == 2);
}
