// The daemon's parts that need no server: re-check merging, drift
// transitions, the spool, the push URL and the Loki payload.
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "agent/drift_tracker.h"
#include "agent/loki_sink.h"
#include "agent/pushgateway_sink.h"
#include "agent/scan.h"
#include "agent/spool.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;
using drift::test::file_entry;

namespace {

std::vector<std::string> paths_of(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) out.push_back(e.path);
  return out;
}

}  // namespace

TEST_CASE("replace_scoped: a subtree scope replaces the path and everything below it, nothing beside it") {
  std::vector<Entry> current = {file_entry("/etc/a", 1), file_entry("/etc/a-b", 2), file_entry("/etc/a/x", 3),
                                file_entry("/etc/a/y", 4), file_entry("/etc/b", 5)};
  replace_scoped(&current, {{"/etc/a", false}}, {file_entry("/etc/a", 9), file_entry("/etc/a/z", 9)});
  CHECK(paths_of(current) == std::vector<std::string>{"/etc/a", "/etc/a-b", "/etc/a/z", "/etc/b"});
  CHECK(current[0].sha256[0] == 9);
  CHECK(current[1].sha256[0] == 2);  // "/etc/a-b" sorts between "/etc/a" and "/etc/a/": untouched
}

TEST_CASE("replace_scoped: a self-only scope keeps the children; a vanished path is removed") {
  std::vector<Entry> current = {file_entry("/etc", 1), file_entry("/etc/x", 2), file_entry("/etc/y", 3)};
  replace_scoped(&current, {{"/etc", true}, {"/etc/y", false}}, {file_entry("/etc", 7)});
  CHECK(paths_of(current) == std::vector<std::string>{"/etc", "/etc/x"});
  CHECK(current[0].sha256[0] == 7);
}

TEST_CASE("DriftTracker: entering drift, drifting differently and clearing are transitions; the same drift is not") {
  std::vector<Entry> base = {file_entry("/etc/a", 1), file_entry("/etc/b", 1)};
  std::vector<Entry> now = {file_entry("/etc/a", 2), file_entry("/etc/b", 1)};
  ComparePolicy policy;
  DriftTracker tracker;
  auto t1 = tracker.update(compare_entries(base, now, policy));
  REQUIRE(t1.size() == 1);
  CHECK_FALSE(t1[0].cleared);
  CHECK(t1[0].record.path == "/etc/a");
  CHECK(tracker.update(compare_entries(base, now, policy)).empty());
  now[0].sha256.fill(3);  // edited again: a new drift event
  auto t2 = tracker.update(compare_entries(base, now, policy));
  REQUIRE(t2.size() == 1);
  CHECK_FALSE(t2[0].cleared);
  now[0].sha256.fill(1);  // reverted
  auto t3 = tracker.update(compare_entries(base, now, policy));
  REQUIRE(t3.size() == 1);
  CHECK(t3[0].cleared);
  CHECK(tracker.state().empty());
}

TEST_CASE("DriftTracker: the saved state loads back, so a restart announces nothing known") {
  std::vector<Entry> base = {file_entry(std::string("/etc/odd\nname\xff", 14), 1)};
  std::vector<Entry> now = {file_entry(std::string("/etc/odd\nname\xff", 14), 2)};
  DriftTracker before;
  before.update(compare_entries(base, now, ComparePolicy{}));
  DriftTracker after;
  REQUIRE(after.load(before.save()));
  CHECK(after.update(compare_entries(base, now, ComparePolicy{})).empty());
  CHECK_FALSE(after.load("not json"));
}

TEST_CASE("drift_log_line: valid JSON with escaped path and a cut diff marked as cut") {
  std::vector<Entry> base = {file_entry(std::string("/etc/\xff", 6), 1)};
  std::vector<Entry> now = {file_entry(std::string("/etc/\xff", 6), 2)};
  DriftTracker tracker;
  const Comparison c = compare_entries(base, now, ComparePolicy{});
  auto t = tracker.update(c);
  REQUIRE(t.size() == 1);
  const std::string line = drift_log_line(t[0], "n1", 1700000000123456789, "--- a\n+++ b\n+\x1b[31mred\n", 12);
  const auto j = nlohmann::json::parse(line);
  CHECK(j["path"] == "/etc/\\xff");
  CHECK(j["event"] == "drift");
  CHECK(j["detected_at"] == "2023-11-14T22:13:20.123456789Z");
  CHECK(j["diff_truncated"] == true);
  CHECK(j["diff"].get<std::string>().size() <= 12);
  CHECK(j["changed"].contains("sha256"));
}

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

TEST_CASE("pushgateway_group_url: plain values stay readable, others go base64url") {
  CHECK(pushgateway_group_url("http://pg:9091/", "driftd", "k8s-node2") ==
        "http://pg:9091/metrics/job/driftd/instance/k8s-node2");
  CHECK(pushgateway_group_url("http://pg:9091", "driftd", "a/b") ==
        "http://pg:9091/metrics/job/driftd/instance@base64/YS9i");
  CHECK(pushgateway_group_url("http://pg:9091", "driftd", "") == "http://pg:9091/metrics/job/driftd/instance@base64/=");
}

TEST_CASE("loki_push_body: one stream per label set, entries in order, nanosecond strings") {
  const std::string body = loki_push_body({LokiEntry{{{"job", "driftd"}, {"kind", "added"}}, 5, "a"},
                                           LokiEntry{{{"job", "driftd"}, {"kind", "changed"}}, 6, "b"},
                                           LokiEntry{{{"job", "driftd"}, {"kind", "added"}}, 7, "c"}});
  const auto j = nlohmann::json::parse(body);
  REQUIRE(j["streams"].size() == 2);
  CHECK(j["streams"][0]["values"] == nlohmann::json::parse(R"([["5","a"],["7","c"]])"));
  CHECK(j["streams"][1]["stream"]["kind"] == "changed");
}
