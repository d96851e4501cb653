// exports/nfs_conf: nfs.conf and its drop-ins and includes as nfs-utils reads
// them, the expectations over them, and include loops.
#include <doctest/doctest.h>

#include <algorithm>

#include "exports/nfs_conf.h"
#include "exports_test_util.h"

using namespace drift;
using namespace drift::test;

TEST_CASE("exports nfs.conf: expectations hold over the file and its drop-ins, later files win") {
  ExportsConfig c = exports_config("exports: { nfs_conf: { \"nfsd.vers3\": \"n\", \"nfsd.vers4.2\": \"y\", \"mountd.manage-gids\": \"yes\" } }\n");
  CHECK(where(Host().nfs_conf(kHostNfsConf + std::string("[NFSD]\nVers4.2 = on\n")).check(c)).empty());
  const ExportsReport r = Host()
                              .nfs_conf(kHostNfsConf)
                              .nfs_conf("# re-enable v3 for the old NAS\n[nfsd]\n  vers3 = yes   # temporary\n",
                                        "/etc/nfs.conf.d/50-legacy.conf")
                              .check(c);
  CHECK(where(r) == std::vector<std::string>{"/etc/nfs.conf:0: nfs-conf", "/etc/nfs.conf.d/50-legacy.conf:3: nfs-conf"});
  CHECK(r.violations[0].message == "[nfsd] vers4.2 is not set, so nfs-utils' built-in default applies; expected 'y'");
  CHECK(r.violations[1].message == "[nfsd] vers3 is 'yes', expected 'n'");
  CHECK(r.violations[1].text == "  vers3 = yes   # temporary");
}

TEST_CASE("exports nfs.conf: a setting nfs-utils ignores does not count, and the check says why") {
  ExportsConfig c = exports_config("exports: { nfs_conf: { \"nfsd.vers3\": \"n\" } }\n");
  const ExportsReport r = Host().nfs_conf("[nfsd]\nthreads = 16\nvers3 = n").check(c);  // no newline at the end
  CHECK(where(r) == std::vector<std::string>{"/etc/nfs.conf:3: nfs-conf"});
  CHECK(r.violations[0].message.find("the last line has no newline") != std::string::npos);
  const ExportsReport s = Host().nfs_conf("vers3 = n\n[nfsd\nvers3=n\n").check(c);
  CHECK(where(s) == std::vector<std::string>{"/etc/nfs.conf:1: nfs-conf"});
  CHECK(s.violations[0].message.find("not in a section") != std::string::npos);
  CHECK(where(Host().check(c)) == std::vector<std::string>{"/etc/nfs.conf:0: nfs-conf"});
}

TEST_CASE("exports nfs.conf: include files are followed relative to the including file") {
  NfsConf conf;
  const NfsConfReader read = [](const std::string& path, std::string* text) {
    if (path != "/etc/nfs.conf.local") return false;
    *text = "vers3 = n\n";  // inherits the including file's section
    return true;
  };
  parse_nfs_conf_text("[nfsd]\nvers3 = y\ninclude = nfs.conf.local\ninclude = -/etc/missing.conf\n", "/etc/nfs.conf", read, &conf);
  const NfsConfBinding* b = nfs_conf_lookup(conf, "nfsd", "VERS3");
  REQUIRE(b);
  CHECK(b->file == "/etc/nfs.conf.local");
  CHECK(nfs_conf_value_matches("n", b->value));
  CHECK(nfs_conf_value_matches("n", "No"));
  CHECK(nfs_conf_value_matches("false", "off"));
  CHECK_FALSE(nfs_conf_value_matches("8", "16"));
}

TEST_CASE("nfs.conf include loops end at once and are violations with their line") {
  // Ten `include = /etc/nfs.conf` lines: exponential under a depth cap alone.
  std::string text = "[nfsd]\nvers3 = n\n";
  for (int i = 0; i < 10; ++i) text += "include = /etc/nfs.conf\n";
  NfsConf conf;
  int reads = 0;
  parse_nfs_conf_text(text, "/etc/nfs.conf",
                      [&](const std::string& path, std::string* out) {
                        ++reads;
                        *out = path == "/etc/nfs.conf" ? text : "[nfsd]\ninclude = /etc/nfs.conf\ninclude = /etc/b.conf\n";
                        return true;
                      },
                      &conf);
  CHECK(reads == 0);  // every include is of a file already being read
  REQUIRE(conf.include_errors.size() == 10);
  CHECK(conf.include_errors[0].line == 3);
  CHECK(conf.include_errors[0].reason.find("include loop") != std::string::npos);
  // A fan-out of distinct files is capped in all.
  NfsConf wide;
  reads = 0;
  std::string fan;
  for (int i = 0; i < 10; ++i) fan += "include = /etc/n" + std::to_string(i) + ".conf\n";
  parse_nfs_conf_text("[nfsd]\n" + fan, "/etc/nfs.conf",
                      [&](const std::string& path, std::string* out) {
                        ++reads;
                        *out = "[nfsd]\n" + fan + "# " + path + "\n";
                        return true;
                      },
                      &wide);
  CHECK(reads < kNfsConfMaxFiles);
  CHECK_FALSE(wide.include_errors.empty());
  // The checker reports them.
  Host h;
  h.sources.has_nfs_conf = true;
  h.sources.nfs_conf = conf;
  const ExportsReport r = h.check(exports_config("exports: { nfs_conf: { \"nfsd.vers3\": \"n\" } }\n"));
  CHECK(std::any_of(r.violations.begin(), r.violations.end(), [](const ExportsViolation& v) {
    return v.line == 3 && v.message.find("include loop") != std::string::npos && v.critical;
  }));
}

TEST_CASE("nfs.conf caps hold across nfs.conf and its drop-ins, in files and in bytes") {
  NfsConf conf;
  const std::string fan = "[nfsd]\ninclude = /etc/a.conf\n";
  int reads = 0;
  const auto read = [&](const std::string&, std::string* out) {
    ++reads;
    *out = "[nfsd]\nvers3 = n\n";
    return true;
  };
  // Each drop-in alone stays under the cap; together they do not.
  for (int i = 0; i < kNfsConfMaxFiles; ++i) parse_nfs_conf_text(fan, "/etc/nfs.conf.d/" + std::to_string(i) + ".conf", read, &conf);
  CHECK(reads < kNfsConfMaxFiles);  // includes stop once the files read in all (drop-ins too) reach the cap
  CHECK_FALSE(conf.include_errors.empty());
  CHECK(conf.include_errors.back().reason.find("files read in all") != std::string::npos);
  // A few large included files reach the byte cap.
  NfsConf big;
  const std::string large(6 << 20, '#');
  parse_nfs_conf_text("[nfsd]\ninclude = /etc/b1\ninclude = /etc/b2\ninclude = /etc/b3\n", "/etc/nfs.conf",
                      [&](const std::string&, std::string* out) { *out = large; return true; }, &big);
  REQUIRE_FALSE(big.include_errors.empty());
  CHECK(big.include_errors.back().reason.find("bytes read in all") != std::string::npos);
  CHECK(big.bytes_read <= kNfsConfMaxBytes);
}
