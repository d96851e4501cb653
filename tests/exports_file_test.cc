// exports/exports_file: /etc/exports parsed as nfs-utils reads exports(5):
// continuations, quoting, -options, every kind of client, and what exportfs
// refuses or skips.
#include <doctest/doctest.h>

#include "exports/exports_client.h"
#include "exports/exports_file.h"
#include "exports_test_util.h"

using namespace drift;
using namespace drift::test;

TEST_CASE("exports: comments, blank lines and continuations; an entry's line is the line of its path") {
  const ParsedExports p = parse(R"(# exports for the build farm

/srv/build   buildhost[0-9].lan(rw,no_root_squash) \
             *.ci.lan(ro)   # the CI runners read the tree
   # an indented comment
/srv/www	-sync,rw server @trusted @external(ro)
/srv/notes#1  host#2(rw)
)");
  CHECK(p.errors.empty());
  REQUIRE(p.entries.size() == 6);
  CHECK(p.entries[0].client == "buildhost[0-9].lan");
  CHECK(p.entries[0].line == 3);
  CHECK(p.entries[1].client == "*.ci.lan");
  CHECK(p.entries[1].line == 3);  // the continuation belongs to the entry on line 3
  CHECK(p.entries[2].path == "/srv/www");
  CHECK(p.entries[2].line == 6);
  // '#' starts a comment only where a token could start.
  CHECK(p.entries[5].path == "/srv/notes#1");
  CHECK(p.entries[5].client == "host#2");
}

TEST_CASE("exports: quoted paths and \\040 octal escapes") {
  const ParsedExports p = parse(
      "\"/srv/media library\" 192.168.1.0/24(ro)\n"
      "/srv/old\\040photos 192.168.1.0/24(ro)\n"
      "/srv/\"half quoted\"/x *(ro)\n");
  CHECK(p.errors.empty());
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[0].path == "/srv/media library");
  CHECK(p.entries[1].path == "/srv/old photos");
  CHECK(p.entries[2].path == "/srv/half quoted/x");
}

TEST_CASE("exports: -options are defaults for the clients after them on that line only") {
  const ParsedExports p = parse(
      "/srv/www -sync,rw server @trusted @external(ro)\n"
      "/srv/www2 server\n");
  REQUIRE(p.entries.size() == 4);
  CHECK(render_export_options(p.entries[0].options).find("rw,sync,") == 0);
  CHECK(render_export_options(p.entries[1].options).find("rw,sync,") == 0);
  CHECK(render_export_options(p.entries[2].options).find("ro,sync,") == 0);  // its own ro wins
  CHECK(render_export_options(p.entries[3].options).find("ro,") == 0);       // the next line: defaults again
}

TEST_CASE("exports: several clients per line, each with its own options, and clients without options") {
  const ParsedExports p = parse("/ master(rw) trusty(rw,no_root_squash) plain\n");
  REQUIRE(p.entries.size() == 3);
  CHECK(!(p.entries[0].options.flags & kExpReadonly));
  CHECK((p.entries[0].options.flags & kExpRootSquash));
  CHECK(!(p.entries[1].options.flags & kExpRootSquash));
  CHECK(p.entries[2].client == "plain");
  CHECK(p.entries[2].options.flags == kDefaultExportFlags);
}

TEST_CASE("exports: the same path on several lines, and a path alone exports to the world") {
  const ParsedExports p = parse(
      "/srv/nfs 10.0.20.0/22(rw)\n"
      "/srv/nfs 192.168.1.0/24(ro)\n"
      "/srv/pub\n");
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[0].path == p.entries[1].path);
  CHECK(p.entries[2].client.empty());
  CHECK(client_key(p.entries[2].client) == "*");
}

TEST_CASE("exports: 'host (rw)' is two clients: host with the defaults, and the world with rw") {
  const ParsedExports p = parse("/srv/backup  nas (rw,no_root_squash)\n");
  CHECK(p.errors.empty());
  REQUIRE(p.entries.size() == 2);
  CHECK(p.entries[0].client == "nas");
  CHECK(p.entries[0].options.flags == kDefaultExportFlags);
  CHECK(p.entries[1].client == "*");
  CHECK(p.entries[1].world_space);
  CHECK(p.entries[1].bare_before == "nas");
  CHECK(!(p.entries[1].options.flags & kExpReadonly));
}

TEST_CASE("exports: a CRLF file reads like a Unix one") {
  const ParsedExports p = parse("# edited on Windows\r\n/srv/nfs 10.0.20.0/22(rw,async)\r\n/srv/x\r\n");
  CHECK(p.errors.empty());
  REQUIRE(p.entries.size() == 2);
  CHECK(p.entries[0].client == "10.0.20.0/22");
  CHECK(p.entries[1].path == "/srv/x");
}

TEST_CASE("exports: what nfs-utils refuses is a parse error with file, line and text, and exportfs stops there") {
  const ParsedExports p = parse(
      "/srv/a 10.0.20.0/22(rw)\n"
      "/srv/b 10.0.20.0/22(rw,asynch) 192.168.1.0/24(rw)\n"
      "/srv/c 10.0.20.0/22(rw\n"
      "/srv/d 10.0.20.0/22(rw)\n",
      "/etc/exports.d/k8s.exports");
  REQUIRE(p.errors.size() == 2);
  CHECK(p.errors[0].file == "/etc/exports.d/k8s.exports");
  CHECK(p.errors[0].line == 2);
  CHECK(p.errors[0].text == "10.0.20.0/22(rw,asynch)");
  CHECK(p.errors[0].message.find("unknown option 'asynch'") == 0);
  CHECK(p.errors[0].message.find("exportfs stops reading /etc/exports.d/k8s.exports here") != std::string::npos);
  CHECK(p.errors[0].stops);
  CHECK(p.errors[1].line == 3);
  CHECK(p.errors[1].message.find("bad option list") == 0);
  CHECK_FALSE(p.errors[1].stops);
  // Parsing goes on so every error is reported, but exportfs would not apply what follows.
  REQUIRE(p.entries.size() == 2);
  CHECK(p.entries[0].applied);
  CHECK(p.entries[1].path == "/srv/d");
  CHECK_FALSE(p.entries[1].applied);
}

TEST_CASE("exports: a bad subnet is skipped by exportfs, the rest of the file is not") {
  const ParsedExports p = parse("/srv/a 10.0.20.0/33(rw) 300.1.1.0/24(rw) 10.0.20.0/22(rw)\n");
  REQUIRE(p.errors.size() == 2);
  CHECK(p.errors[0].message.find("invalid prefix '33'") != std::string::npos);
  CHECK(p.errors[1].message.find("invalid IP address '300.1.1.0'") != std::string::npos);
  REQUIRE(p.entries.size() == 3);
  CHECK_FALSE(p.entries[0].applied);
  CHECK(p.entries[2].applied);
}

TEST_CASE("exports: overlong tokens and binary junk are errors, never crashes") {
  const std::string long_path = "/" + std::string(2000, 'a') + " *(ro)\n/srv/ok *(ro)\n";
  ParsedExports p = parse(long_path);
  REQUIRE_FALSE(p.errors.empty());
  CHECK(p.errors[0].message.find("export path longer than 1024 bytes") == 0);
  p = parse(std::string("/srv/x \"unterminated(rw)\n\0\xff\xfe(\\\n", 28));
  CHECK(p.entries.size() + p.errors.size() >= 1);
}

TEST_CASE("an exports line holding NUL bytes is a parse error, never clean") {
  const std::string text = std::string("/srv/nfs \0\0\0(rw)\n/srv/ok 10.0.0.0/8(ro)\n", 40);
  const ParsedExports p = parse(text);
  REQUIRE_FALSE(p.errors.empty());
  CHECK(p.errors[0].line == 1);
  CHECK(p.errors[0].message.find("NUL byte") != std::string::npos);
  CHECK(p.errors[0].text == "/srv/nfs \\x00\\x00\\x00(rw)");
  const ExportsReport r = Host().exports(text).check();
  CHECK_FALSE(r.violations.empty());
}
