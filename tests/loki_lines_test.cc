// Loki lines: the drift line with its cut diff, the exports line, and the one
// label set {job, node, kind, severity} every line carries.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "agent/loki_lines.h"
#include "test_util.h"

using namespace drift;
using drift::test::file_entry;

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


TEST_CASE("loki lines: drift and exports lines carry the same label set, node escaped") {
  DriftTracker tracker;
  const std::vector<Entry> base = {file_entry("/etc/a", 1)}, now;
  const Comparison c = compare_entries(base, now, ComparePolicy{});
  auto t = tracker.update(c);
  REQUIRE(t.size() == 1);
  const std::string node("n\xff", 2);
  const LokiEntry d = drift_loki_entry(t[0], node, 42, "", 100);
  CHECK(d.labels == std::map<std::string, std::string>{
                        {"job", "driftd"}, {"node", "n\\xff"}, {"kind", "removed"}, {"severity", "warning"}});
  CHECK(d.ts_ns == 42);
  CHECK(nlohmann::json::parse(d.line)["event"] == "drift");
  ExportsViolation v;
  v.rule = "no_root_squash";
  v.path = "/srv";
  v.file = "/etc/exports";
  v.line = 3;
  v.text = "*(rw,no_root_squash)";
  v.message = "root is not squashed";
  v.critical = true;
  const LokiEntry e = exports_loki_entry(v, false, node, 43);
  CHECK(e.labels == std::map<std::string, std::string>{
                        {"job", "driftd"}, {"node", "n\\xff"}, {"kind", "exports"}, {"severity", "critical"}});
  const auto j = nlohmann::json::parse(e.line);
  CHECK(j["event"] == "exports-violation");
  CHECK(j["rule"] == "no_root_squash");
  CHECK(j["line"] == 3);
  CHECK(j["detected_at_ns"] == "43");
  v.critical = false;
  const LokiEntry cleared = exports_loki_entry(v, true, node, 44);
  CHECK(cleared.labels.at("severity") == "warning");
  CHECK(nlohmann::json::parse(cleared.line)["event"] == "exports-cleared");
}
