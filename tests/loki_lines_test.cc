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

TEST_CASE("drift_content_diff: only when both contents are held and the content changed") {
  Entry before = file_entry("/etc/a", 1), after = file_entry("/etc/a", 2);
  before.snapshot = after.snapshot = true;
  const std::map<std::string, std::string> was = {{hex_encode(before.sha256), "x = 1\n"}};
  const std::map<std::string, std::string> is = {{hex_encode(after.sha256), "x = 2\n"}};
  const std::vector<Entry> base = {before}, now = {after}, none;
  DriftTracker tracker;
  const Comparison changed = compare_entries(base, now, ComparePolicy{});
  auto t = tracker.update(changed);
  REQUIRE(t.size() == 1);
  const std::string diff = drift_content_diff(t[0], was, is);
  CHECK(diff.find("-x = 1") != std::string::npos);
  CHECK(diff.find("+x = 2") != std::string::npos);
  CHECK(diff.find("baseline/etc/a") != std::string::npos);
  CHECK(drift_content_diff(t[0], {}, is).empty());   // the old content is not held
  CHECK(drift_content_diff(t[0], was, {}).empty());  // nor the new
  // The snapshot policy refused the file in the baseline (a secret then).
  Entry refused = before;
  refused.snapshot = false;
  const std::vector<Entry> refused_base = {refused};
  DriftTracker t2;
  const Comparison refused_c = compare_entries(refused_base, now, ComparePolicy{});
  auto u = t2.update(refused_c);
  REQUIRE(u.size() == 1);
  CHECK(drift_content_diff(u[0], was, is).empty());
  // Added: the diff is against /dev/null.
  DriftTracker t3;
  const Comparison added = compare_entries(none, now, ComparePolicy{});
  auto a = t3.update(added);
  REQUIRE(a.size() == 1);
  CHECK(drift_content_diff(a[0], {}, is).find("/dev/null") != std::string::npos);
}

TEST_CASE("a revert clears the drift, and the cleared line says what moved as `touched`") {
  const std::vector<Entry> base = {file_entry("/etc/ssh/sshd_config", 1)};
  std::vector<Entry> edited = {file_entry("/etc/ssh/sshd_config", 2)};
  std::vector<Entry> restored = base;
  restored[0].inode = 4242;  // sed -i / an editor: a new inode
  restored[0].mtime_ns = 99;
  DriftTracker tracker;
  const Comparison c1 = compare_entries(base, edited, ComparePolicy{});
  REQUIRE(tracker.update(c1).size() == 1);
  const Comparison c2 = compare_entries(base, restored, ComparePolicy{});
  const auto t = tracker.update(c2);
  REQUIRE(t.size() == 1);
  CHECK(t[0].cleared);
  REQUIRE(t[0].touched);
  const auto j = nlohmann::json::parse(drift_log_line(t[0], "n1", 1, "", 100));
  CHECK(j["event"] == "cleared");
  CHECK(j["touched"].contains("inode"));
  CHECK(j["touched"].contains("mtime"));
  CHECK(tracker.state().empty());
}

TEST_CASE("loki lines: every line carries the format version v 2") {
  DriftTracker tracker;
  const std::vector<Entry> base = {file_entry("/etc/a", 1)}, now;
  const Comparison c = compare_entries(base, now, ComparePolicy{});  // the transitions point into it
  auto t = tracker.update(c);
  REQUIRE(t.size() == 1);
  CHECK(nlohmann::json::parse(drift_loki_entry(t[0], "n", 1, "", 10).line)["v"] == 2);
  ExportsViolation v;
  CHECK(nlohmann::json::parse(exports_loki_entry(v, false, "n", 1).line)["v"] == 2);
  HeartbeatFacts h;
  CHECK(nlohmann::json::parse(heartbeat_loki_entry(h, "n", 1).line)["v"] == kLokiLineVersion);
  BaselineFacts b;
  CHECK(nlohmann::json::parse(baseline_loki_entry(b, "n", 1).line)["v"] == kLokiLineVersion);
}

TEST_CASE("heartbeat_loki_entry: kind heartbeat, what driftd holds, node escaped") {
  HeartbeatFacts h;
  h.baseline_serial = 7;
  h.entries = 8812;
  h.last_full_check_ns = 1700000000000000000;
  h.version = "0.1.0";
  const LokiEntry e = heartbeat_loki_entry(h, std::string("n\xff", 2), 1700000060000000005);
  CHECK(e.labels == std::map<std::string, std::string>{
                        {"job", "driftd"}, {"node", "n\\xff"}, {"kind", "heartbeat"}, {"severity", "info"}});
  CHECK(e.ts_ns == 1700000060000000005);
  const auto j = nlohmann::json::parse(e.line);
  CHECK(j["event"] == "heartbeat");
  CHECK(j["node"] == "n\\xff");
  CHECK(j["baseline_serial"] == 7);
  CHECK(j["entries"] == 8812);
  CHECK(j["last_full_check"] == "2023-11-14T22:13:20.000000000Z");
  CHECK(j["version"] == "0.1.0");
  CHECK(j["detected_at"] == "2023-11-14T22:14:20.000000005Z");
  h.last_full_check_ns = 0;  // no full check finished yet: null, not 1970
  CHECK(nlohmann::json::parse(heartbeat_loki_entry(h, "n", 1).line)["last_full_check"].is_null());
}

TEST_CASE("baseline_loki_entry: kind baseline, serial, created and the signer's key id") {
  BaselineFacts b;
  b.serial = 12;
  b.created = 1700000000;
  b.key_id = "ab12cd34";
  const LokiEntry e = baseline_loki_entry(b, "node-1", 42);
  CHECK(e.labels.at("kind") == "baseline");
  CHECK(e.labels.at("severity") == "info");
  const auto j = nlohmann::json::parse(e.line);
  CHECK(j["event"] == "baseline");
  CHECK(j["serial"] == 12);
  CHECK(j["created"] == "2023-11-14T22:13:20.000000000Z");
  CHECK(j["key_id"] == "ab12cd34");
  b.key_id.clear();  // unsigned (--allow-unsigned experiments): null
  CHECK(nlohmann::json::parse(baseline_loki_entry(b, "n", 1).line)["key_id"].is_null());
}

TEST_CASE("drift_log_line: a package cause carries its proof; an unproven claim is unexplained with the claim") {
  std::vector<Entry> base = {file_entry("/usr/bin/zstd", 1), file_entry("/usr/bin/zz", 1)};
  std::vector<Entry> now = {file_entry("/usr/bin/zstd", 2), file_entry("/usr/bin/zz", 2)};
  Comparison c = compare_entries(base, now, ComparePolicy{});
  REQUIRE(c.drifts.size() == 2);
  for (Drift& d : c.drifts) {
    d.cause.package = true;
    d.cause.package_name = "zstd";
    d.cause.version_before = "1";
    d.cause.version_now = "2";
  }
  c.drifts[0].cause.proof = "signed-archive";
  c.drifts[0].cause.proof_chain = {"/var/lib/apt/lists/x_InRelease", "/var/lib/apt/lists/x_Packages.lz4",
                                   "/var/cache/apt/archives/zstd_2_amd64.deb"};
  c.drifts[1].cause.package = false;
  c.drifts[1].cause.unproven_claim = true;
  c.drifts[1].cause.proof = "dpkg-database";
  c.drifts[1].cause.proof_reason = "no verified Packages index lists zstd 2 (amd64)";
  DriftTracker tracker;
  auto t = tracker.update(c);
  REQUIRE(t.size() == 2);
  const auto proven = nlohmann::json::parse(drift_log_line(t[0], "n1", 1, "", 100));
  CHECK(proven["cause"] == "package");
  CHECK(proven["package_proof"] == "signed-archive");
  CHECK(proven["package_proof_chain"].size() == 3);
  const auto unproven = nlohmann::json::parse(drift_log_line(t[1], "n1", 1, "", 100));
  CHECK(unproven["cause"] == "unexplained");  // what the alert rules page for
  CHECK(unproven["package"] == "zstd");
  CHECK(unproven["package_proof"] == "dpkg-database");
  CHECK(unproven["package_claim_unproven"] == true);
  CHECK(unproven["package_proof_reason"] == "no verified Packages index lists zstd 2 (amd64)");
}
