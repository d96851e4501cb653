// Escaping: one documented escaping for every path that leaves as text.
#include <doctest/doctest.h>

#include "baseline/escape.h"

using drift::escape_bytes;
using drift::unescape_bytes;

TEST_CASE("plain UTF-8 paths pass through unchanged") {
  CHECK(escape_bytes("/etc/ssh/sshd_config") == "/etc/ssh/sshd_config");
  CHECK(escape_bytes("/etc/caf\xc3\xa9.conf") == "/etc/caf\xc3\xa9.conf");
}

TEST_CASE("newline, tab, backslash and control bytes are escaped") {
  CHECK(escape_bytes("a\nb") == "a\\nb");
  CHECK(escape_bytes("a\tb") == "a\\tb");
  CHECK(escape_bytes("a\\b") == "a\\\\b");
  CHECK(escape_bytes(std::string("a\x01" "b", 3)) == "a\\x01b");
  CHECK(escape_bytes("a\x7f") == "a\\x7f");
}

TEST_CASE("bytes that are not valid UTF-8 become \\xNN") {
  CHECK(escape_bytes("bad\xff") == "bad\\xff");
  CHECK(escape_bytes("\xc3") == "\\xc3");               // truncated sequence
  CHECK(escape_bytes("\xc0\xaf") == "\\xc0\\xaf");      // overlong '/'
  CHECK(escape_bytes("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // surrogate
}

TEST_CASE("escaping round-trips every byte value") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  all += "\xe2\x82\xac tail";
  std::string back;
  REQUIRE(unescape_bytes(escape_bytes(all), &back));
  CHECK(back == all);
}

TEST_CASE("malformed escapes are rejected") {
  std::string out;
  CHECK_FALSE(unescape_bytes("a\\", &out));
  CHECK_FALSE(unescape_bytes("a\\x4", &out));
  CHECK_FALSE(unescape_bytes("a\\xzz", &out));
  CHECK_FALSE(unescape_bytes("a\\q", &out));
}

TEST_CASE("control-byte escaping keeps text, tabs and backslashes as they are") {
  CHECK(drift::escape_control_bytes("a\tb\\c caf\xc3\xa9") == "a\tb\\c caf\xc3\xa9");
  CHECK(drift::escape_control_bytes("title=\x1b]0;x\x07") == "title=\\x1b]0;x\\x07");
  CHECK(drift::escape_control_bytes("del\x7f") == "del\\x7f");
}

TEST_CASE("C1 controls and bidirectional overrides leave as byte escapes and round-trip") {
  // U+009B (CSI), U+0085 (NEL), U+202E (RLO), U+2066 (LRI), U+2069 (PDI), U+200F (RLM), U+2028.
  for (const std::string cp : {"\xc2\x9b", "\xc2\x85", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa9",
                               "\xe2\x80\x8f", "\xe2\x80\xa8"}) {
    const std::string raw = "/etc/a" + cp + "b";
    const std::string shown = escape_bytes(raw);
    CAPTURE(shown);
    CHECK(shown.find(cp) == std::string::npos);
    CHECK(shown.rfind("/etc/a\\x", 0) == 0);
    std::string back;
    REQUIRE(unescape_bytes(shown, &back));
    CHECK(back == raw);
  }
  CHECK(escape_bytes("/etc/a\xe2\x80\xae" "b") == "/etc/a\\xe2\\x80\\xaeb");
  // Neighbours stay as they are: U+00A0, U+202F, ordinary letters.
  for (const std::string ok : {"\xc2\xa0", "\xe2\x80\xaf", "\xc3\xa9", "\xe6\x97\xa5"}) CHECK(escape_bytes(ok) == ok);
  // An index written before kept such bytes raw: it still reads them back.
  std::string back;
  REQUIRE(unescape_bytes("/etc/a\xe2\x80\xae" "b", &back));
  CHECK(back == "/etc/a\xe2\x80\xae" "b");
}
