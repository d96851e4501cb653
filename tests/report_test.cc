// agent/report: the text and JSON reports of a small comparison (one added,
// one changed, one incomplete entry), and a hostile path (newline, terminal
// escape, quote, invalid UTF-8) that reaches neither raw.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "agent/report.h"
#include "baseline/escape.h"
#include "test_util.h"

using namespace drift;
using drift::test::file_entry;

namespace {

const std::string kHostile = "/etc/evil\nfake: line \x1b[2J\"q\" \xff";

// A comparison over entries it does not own: keep the fixture alive while rendering.
struct Fixture {
  Entry added = file_entry(kHostile, 3);
  Entry before = file_entry("/etc/hosts", 1);
  Entry after = file_entry("/etc/hosts", 1);
  Entry unreadable = file_entry("/etc/shadow", 1);
  Comparison c;
  ReportInput in;
  Fixture() {
    after.mode = 0600;
    unreadable.status = EntryStatus::kUnreadable;
    c.drifts.push_back({DriftKind::kAdded, nullptr, &added, AttrSet{}, Severity::kCritical, {}});
    c.drifts.push_back({DriftKind::kChanged, &before, &after, AttrSet{}, Severity::kWarning, {}});
    c.drifts[1].changed.add(Attr::kMode);
    c.added = c.changed = 1;
    in.comparison = &c;
    in.title = "check of n1 against baseline serial 3";
    in.facts = {{"node", "n1"}};
    in.entries = 3;
    in.incomplete = {&unreadable};
    in.exit_code = kExitAdded | kExitChanged | kExitIncomplete;
  }
};

}  // namespace

TEST_CASE("report: the text report has the summary, each drift with its changes, the incomplete entries") {
  Fixture f;
  const std::string text = render_text_report(f.in);
  CHECK(text.find("check of n1 against baseline serial 3\n  node: n1\n") == 0);
  CHECK(text.find("summary: 3 entries, 1 added, 0 removed, 1 changed (1 critical), 1 incomplete\n") != std::string::npos);
  CHECK(text.find("\nchanged [warning] /etc/hosts (file)\n  mode: ") != std::string::npos);
  CHECK(text.find("  unreadable /etc/shadow\n") != std::string::npos);
  CHECK(text.find("exit code 13\n") != std::string::npos);
}

TEST_CASE("report: a hostile path is escaped in the text report: one line, no raw control or invalid byte") {
  Fixture f;
  const std::string text = render_text_report(f.in);
  const std::string line = "added [critical] " + escape_bytes(kHostile) + " (file)\n";
  CHECK(line == "added [critical] /etc/evil\\nfake: line \\x1b[2J\"q\" \\xff (file)\n");
  CHECK(text.find("\n" + line) != std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\xff') == std::string::npos);
  CHECK(text.find("\nfake: line") == std::string::npos);  // no forged line
}

TEST_CASE("report: the JSON report parses and carries the escaped path as a string") {
  Fixture f;
  const std::string out = render_json_report(f.in);
  CHECK(out.find('\x1b') == std::string::npos);
  CHECK(out.find('\xff') == std::string::npos);
  const nlohmann::json doc = nlohmann::json::parse(out);
  CHECK(doc["summary"]["node"] == "n1");
  CHECK(doc["summary"]["added"] == 1);
  CHECK(doc["summary"]["critical"] == 1);
  CHECK(doc["summary"]["exit_code"] == 13);
  REQUIRE(doc["drift"].size() == 2);
  CHECK(doc["drift"][0]["path"] == escape_bytes(kHostile));
  CHECK(doc["drift"][0]["kind"] == "added");
  std::string sha;
  for (int i = 0; i < 32; ++i) sha += "03";
  CHECK(doc["drift"][0]["sha256"] == sha);
  CHECK(doc["drift"][1]["changed"].contains("mode"));
  CHECK(doc["incomplete"][0] == nlohmann::json{{"path", "/etc/shadow"}, {"status", "unreadable"}});
  std::string raw;
  CHECK(unescape_bytes(doc["drift"][0]["path"].get<std::string>(), &raw));
  CHECK(raw == kHostile);  // escaped, not lost
}

TEST_CASE("report: a changed file of a known format shows its key diffs; secrets redacted; no snapshot says so") {
  Entry before = file_entry("/var/lib/kubelet/config.yaml", 1), after = file_entry("/var/lib/kubelet/config.yaml", 2);
  Entry flags_before = file_entry("/var/lib/kubelet/kubeadm-flags.env", 3), flags_after = file_entry("/var/lib/kubelet/kubeadm-flags.env", 4);
  Comparison c;
  c.drifts.push_back({DriftKind::kChanged, &before, &after, AttrSet{}, Severity::kCritical, {}});
  c.drifts.push_back({DriftKind::kChanged, &flags_before, &flags_after, AttrSet{}, Severity::kCritical, {}});
  for (Drift& d : c.drifts) d.changed.add(Attr::kSha256);
  c.changed = 2;
  const std::map<std::string, std::string> was = {
      {hex_encode(before.sha256), "cgroupDriver: systemd\nevictionHard:\n  memory.available: 100Mi\ntoken: aaaa\n"}};
  const std::map<std::string, std::string> now = {
      {hex_encode(after.sha256), "# edited\nevictionHard:\n  memory.available: 500Mi\ncgroupDriver: systemd\ntoken: bbbb\n"}};
  const std::vector<ExpectationViolation> violations = {
      {"sshd no passwords", "/etc/ssh/sshd_config.d/05-x.conf", 1, "passwordauthentication", "equals no", "yes", Severity::kCritical}};
  ReportInput in;
  in.comparison = &c;
  in.title = "t";
  in.before_snapshots = &was;
  in.after_snapshots = &now;
  in.expectations = &violations;
  const std::string text = render_text_report(in);
  CHECK(text.find("  key changed evictionHard.\"memory.available\": 100Mi -> 500Mi\n") != std::string::npos);
  CHECK(text.find("  key changed token: <redacted: changed> -> <redacted: changed>\n") != std::string::npos);
  CHECK(text.find("key changed cgroupDriver") == std::string::npos);  // moved, not changed
  CHECK(text.find("  no key diff: no snapshot in the baseline\n") != std::string::npos);
  CHECK(text.find("expectations: 1 violated (1 critical)\n  [critical] /etc/ssh/sshd_config.d/05-x.conf:1: sshd no passwords: "
                  "passwordauthentication: expected equals no, is yes\n") != std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(render_json_report(in));
  REQUIRE(j["drift"][0]["keys"].size() == 2);
  CHECK(j["drift"][0]["keys"][0] == nlohmann::json({{"key", "evictionHard.\"memory.available\""}, {"op", "changed"}, {"old", "100Mi"}, {"new", "500Mi"}}));
  CHECK(j["drift"][1]["keys_error"] == "no key diff: no snapshot in the baseline");
  CHECK(!j["drift"][1].contains("keys"));
  CHECK(j["summary"]["expectations_violated"] == 1);
  CHECK(j["expectations"][0] == nlohmann::json({{"rule", "sshd no passwords"}, {"file", "/etc/ssh/sshd_config.d/05-x.conf"}, {"line", 1},
                                                {"key", "passwordauthentication"}, {"expected", "equals no"}, {"actual", "yes"},
                                                {"severity", "critical"}}));
  // A side that does not parse: said so, the byte diff still shows.
  const std::map<std::string, std::string> broken = {{hex_encode(after.sha256), "cgroupDriver: [systemd\n"}};
  in.after_snapshots = &broken;
  const std::string bad = render_text_report(in);
  CHECK(bad.find("  no key diff: now: line 2: invalid YAML") != std::string::npos);
  CHECK(bad.find("+cgroupDriver: [systemd") != std::string::npos);
}

TEST_CASE("ReportJsonSchema2NumbersAreNumbersAbsentHashIsNullTimesRaw") {
  Fixture f;
  f.before.size = 10;
  f.after.size = 4096;
  f.before.mtime_ns = 1764615731'000000007;
  f.after.mtime_ns = 1764616000'000000000;
  f.after.has_sha256 = false;
  f.c.drifts[1].changed.add(Attr::kSize);
  f.c.drifts[1].changed.add(Attr::kMtime);
  f.c.drifts[1].changed.add(Attr::kSha256);
  f.in.facts.push_back({"baseline_serial", "3", 3});
  f.in.facts.push_back({"baseline_created", readable_time(1764615731), 1764615731});
  const nlohmann::json doc = nlohmann::json::parse(render_json_report(f.in));
  CHECK(doc["schema"] == kReportJsonSchema);
  CHECK(doc["summary"]["baseline_serial"] == 3);
  CHECK(doc["summary"]["baseline_created"] == 1764615731);
  const nlohmann::json& changed = doc["drift"][1]["changed"];
  CHECK(changed["size"]["new"] == 4096);
  CHECK(changed["mtime"]["old"] == 1764615731000000007LL);
  CHECK(changed["mode"]["new"] == "0600");
  CHECK(changed["sha256"]["new"].is_null());
  CHECK(changed["sha256"]["old"].is_string());
  const std::string text = render_text_report(f.in);
  CHECK(text.find("  baseline_created: 2025-12-01 19:02:11 UTC\n") != std::string::npos);
  CHECK(text.find("  mtime: 2025-12-01 19:02:11.000000007 UTC -> 2025-12-01 19:06:40 UTC\n") != std::string::npos);
}

TEST_CASE("ReportCriticalDriftFirstInTextAndJson") {
  Fixture f;
  std::swap(f.c.drifts[0], f.c.drifts[1]);  // the warning first in path order
  const std::string text = render_text_report(f.in);
  CHECK(text.find("added [critical]") < text.find("changed [warning]"));
  const nlohmann::json doc = nlohmann::json::parse(render_json_report(f.in));
  CHECK(doc["drift"][0]["severity"] == "critical");
  CHECK(doc["drift"][1]["severity"] == "warning");
}
