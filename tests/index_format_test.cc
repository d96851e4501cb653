// The index: canonical, deterministic, and exact for any bytes in a name.
#include <doctest/doctest.h>

#include "baseline/index_format.h"

using namespace drift;

namespace {
std::vector<Entry> sample_entries() {
  Entry a;
  a.path = "/etc";
  a.type = EntryType::kDirectory;
  a.mode = 0755;
  a.nlink = 3;
  Entry b;
  b.path = std::string("/etc/odd\nname\twith\xff" "bytes", 25);
  b.type = EntryType::kFile;
  b.mode = 04755;
  b.uid = 1000;
  b.gid = 42;
  b.size = 12345;
  b.mtime_ns = 1700000000123456789;
  b.ctime_ns = 1700000001000000000;
  b.inode = 99;
  b.nlink = 2;
  b.has_sha256 = true;
  b.sha256.fill(0xab);
  b.xattrs = {{"security.capability", std::string("\x01\x00\x00\x02", 4)}};
  b.snapshot = true;
  b.severity = Severity::kCritical;
  Entry c;
  c.path = "/etc/link";
  c.type = EntryType::kSymlink;
  c.target = "../usr/lib/x\ny";
  c.status = EntryStatus::kUnreadable;
  std::vector<Entry> v{a, b, c};
  sort_entries(&v);
  return v;
}
}  // namespace

TEST_CASE("index round-trips every field, odd names included") {
  const auto entries = sample_entries();
  const std::string text = encode_index(entries);
  std::vector<Entry> back;
  std::string err;
  REQUIRE_MESSAGE(decode_index(text, &back, &err), err);
  REQUIRE(back.size() == entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    CHECK(back[i].path == entries[i].path);
    CHECK(differing_attrs(back[i], entries[i]).empty());
    CHECK(back[i].status == entries[i].status);
    CHECK(back[i].severity == entries[i].severity);
    CHECK(back[i].snapshot == entries[i].snapshot);
  }
  CHECK(encode_index(back) == text);  // deterministic
}

TEST_CASE("index starts with its version and ends with a counted end marker") {
  const std::string text = encode_index(sample_entries());
  CHECK(text.rfind("driftd-index 2\n", 0) == 0);
  CHECK(text.substr(text.size() - 6) == "end 3\n");
}

TEST_CASE("a truncated index is refused, not read as fewer files") {
  const std::string text = encode_index(sample_entries());
  std::vector<Entry> back;
  std::string err;
  const size_t last_entry = text.rfind("end ");
  CHECK_FALSE(decode_index(text.substr(0, last_entry), &back, &err));
  CHECK(err.find("truncated") != std::string::npos);
  CHECK_FALSE(decode_index(text.substr(0, text.size() / 2), &back, &err));
}

TEST_CASE("an unknown index version is refused with the version named") {
  std::string text = encode_index(sample_entries());
  text.replace(0, 14, "driftd-index 9");
  std::vector<Entry> back;
  std::string err;
  CHECK_FALSE(decode_index(text, &back, &err));
  CHECK(err.find("unsupported format version '9'") != std::string::npos);
}

TEST_CASE("a corrupt field names its line") {
  std::string text = encode_index(sample_entries());
  const size_t pos = text.find("\t4755\t");
  REQUIRE(pos != std::string::npos);
  text.replace(pos, 6, "\t9z55\t");
  std::vector<Entry> back;
  std::string err;
  CHECK_FALSE(decode_index(text, &back, &err));
  CHECK(err.find("index line 5: bad mode") != std::string::npos);
}
