// The spool: segments on disk, oldest first, bounded; lines held in memory
// while state_dir cannot be written.
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "agent/spool.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;

TEST_CASE("Spool: segments survive a reopen, come back oldest first, and a full spool drops the oldest") {
  TempDir dir;
  const std::string path = dir.path() + "/spool";
  std::string err;
  SpoolDrops dropped;
  {
    Spool spool;
    REQUIRE(spool.open(path, 1 << 20, &err));
    LokiEntry a{{{"job", "driftd"}}, 1, "first"}, b{{{"job", "driftd"}}, 2, "second \xff"};
    REQUIRE(spool.append({a}, &dropped, &err));
    REQUIRE(spool.append({b}, &dropped, &err));
  }
  Spool spool;
  REQUIRE(spool.open(path, 1 << 20, &err));
  CHECK(spool.entries() == 2);
  SpoolSegment seg;
  REQUIRE(spool.oldest(&seg));
  REQUIRE(seg.entries.size() == 1);
  CHECK(seg.entries[0].line == "first");
  CHECK(seg.entries[0].ts_ns == 1);
  REQUIRE(spool.replace(seg.seq, {}, &err));
  REQUIRE(spool.oldest(&seg));
  CHECK(seg.entries[0].ts_ns == 2);

  Spool small;
  REQUIRE(small.open(dir.path() + "/small", 200, &err));
  for (int i = 0; i < 5; ++i) REQUIRE(small.append({LokiEntry{{{"job", "driftd"}}, i, std::string(60, 'x')}}, &dropped, &err));
  CHECK(small.dropped_total() > 0);
  REQUIRE(small.oldest(&seg));
  CHECK(seg.entries[0].ts_ns > 0);  // the oldest went first
  CHECK(dropped.spool_full > 0);
}


TEST_CASE("Spool: lines that cannot be written wait in memory, bounded, and are written when they can") {
  TempDir dir;
  const std::string path = dir.path() + "/spool";
  std::string err;
  SpoolDrops dropped;
  Spool spool;
  REQUIRE(spool.open(path, 64 << 20, &err));
  REQUIRE(::rmdir(path.c_str()) == 0);  // as good as a full state_dir: no write succeeds
  CHECK_FALSE(spool.append({LokiEntry{{{"job", "driftd"}}, 1, "first"}}, &dropped, &err));
  CHECK(spool.held() == 1);
  CHECK(spool.entries() == 0);
  CHECK(spool.dropped_total() == 0);
  std::vector<LokiEntry> many;
  for (uint64_t i = 0; i < Spool::kMaxHeldLines; ++i) many.push_back(LokiEntry{{{"job", "driftd"}}, int64_t(2 + i), "more"});
  CHECK_FALSE(spool.append(many, &dropped, &err));
  CHECK(dropped.memory_full == 1);  // the bound keeps the newest
  CHECK(spool.held() == Spool::kMaxHeldLines);
  CHECK(spool.dropped_total() == 1);
  CHECK_FALSE(spool.flush_held(&dropped, &err));
  REQUIRE(::mkdir(path.c_str(), 0700) == 0);
  REQUIRE(spool.flush_held(&dropped, &err));
  CHECK(spool.held() == 0);
  CHECK(spool.entries() == Spool::kMaxHeldLines);
  SpoolSegment seg;
  REQUIRE(spool.oldest(&seg));
  REQUIRE(seg.entries.size() == Spool::kMaxHeldLines);
  CHECK(seg.entries.front().ts_ns == 2);  // in order, "first" dropped
  CHECK(seg.entries.back().ts_ns == int64_t(1 + Spool::kMaxHeldLines));
}


TEST_CASE("Spool: a batch larger than the in-memory bound is written whole when state_dir takes it") {
  TempDir dir;
  std::string err;
  SpoolDrops dropped;
  Spool spool;
  REQUIRE(spool.open(dir.path() + "/spool", 64 << 20, &err));
  std::vector<LokiEntry> many;
  const uint64_t n = Spool::kMaxHeldLines + 5000;
  for (uint64_t i = 0; i < n; ++i) many.push_back(LokiEntry{{{"job", "driftd"}}, int64_t(1 + i), "drift"});
  REQUIRE(spool.append(many, &dropped, &err));
  CHECK(dropped.memory_full == 0);
  CHECK(spool.dropped_total() == 0);
  CHECK(spool.held() == 0);
  CHECK(spool.entries() == n);
}
