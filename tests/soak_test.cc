// The soak report (soak/): reading every line version driftd wrote and
// skipping the rest with a reason, the sums per node and week, reverts and
// accepts, the C.3 rows in the four scenarios, the projection and node
// quoting of the LogQL, and escaping in every writer.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "agent/loki_lines.h"
#include "soak/loki_query.h"
#include "soak/soak_render.h"
#include "soak/soak_summary.h"
#include "test_util.h"

using namespace drift;
using nlohmann::json;

namespace {

constexpr int64_t kS = 1000000000;
constexpr int64_t kMin = 60 * kS;
constexpr int64_t kDay = 86400 * kS;
// Monday 2026-06-01 00:00 UTC: ISO week 2026-W23.
constexpr int64_t kMonday = 1780272000LL * kS;

using Labels = std::map<std::string, std::string>;

Labels labels(const std::string& node, const std::string& kind, const std::string& severity = "warning") {
  return {{"job", "driftd"}, {"node", node}, {"kind", kind}, {"severity", severity}};
}

std::string drift_line(const std::string& event, const std::string& path, const std::string& kind, const std::string& cause,
                       const std::string& actor = "", bool v2 = true) {
  json j = {{"event", event}, {"path", path}, {"kind", kind}, {"cause", cause}};
  if (v2) j["v"] = 2;
  if (!actor.empty()) j["actor"] = {{"class", actor}};
  return j.dump();
}

struct Feed {
  SoakSummary s;
  Feed(int64_t from, int64_t to, std::vector<std::string> nodes = {}) : s(from, to, std::move(nodes)) {}
  void heartbeat(const std::string& node, int64_t ts) {
    const LokiEntry e = heartbeat_loki_entry(HeartbeatFacts{3, 100, ts, "0.1.0"}, node, ts);
    s.add_entry(e.labels, e.ts_ns, e.line);
  }
  void drift(const std::string& node, int64_t ts, const std::string& path, const std::string& cause,
             const std::string& severity = "warning", const std::string& kind = "changed", const std::string& actor = "") {
    s.add_entry(labels(node, kind, severity), ts, drift_line("drift", path, kind, cause, actor));
  }
  void cleared(const std::string& node, int64_t ts, const std::string& path) {
    s.add_entry(labels(node, "changed"), ts, drift_line("cleared", path, "changed", "unexplained"));
  }
  void weekly_heartbeats(const std::string& node, int weeks) {
    for (int w = 0; w < weeks; ++w) heartbeat(node, kMonday + w * 7 * kDay + kS);
  }
};

const DecisionRow& row(const SoakSummary& s, const std::string& name) {
  for (const DecisionRow& r : s.decision()) {
    if (r.row == name) return r;
  }
  FAIL("no row " << name);
  return s.decision().front();
}

}  // namespace

TEST_CASE("read_soak_record: version 1 (no v) and 2 alike; unknown versions, kinds, other jobs, bad JSON skipped") {
  SoakRecord r;
  std::string why;
  REQUIRE(read_soak_record(labels("n1", "changed"), 5, drift_line("drift", "/etc/a", "changed", "package", "", false), &r, &why));
  CHECK(r.version == 1);
  CHECK(r.type == SoakType::kDrift);
  CHECK(r.ts_ns == 5);  // no detected_at: Loki's time
  REQUIRE(read_soak_record(labels("n1", "changed"), 5, drift_line("cleared", "/etc/a", "changed", "package"), &r, &why));
  CHECK(r.version == 2);
  CHECK(r.type == SoakType::kCleared);
  CHECK_FALSE(read_soak_record(labels("n1", "changed"), 5, R"({"v":3,"event":"drift","path":"/a"})", &r, &why));
  CHECK(why == "unknown format version");
  CHECK_FALSE(read_soak_record(labels("n1", "shiny"), 5, R"({"v":2,"event":"drift","path":"/a"})", &r, &why));
  CHECK(why == "unknown kind");
  CHECK_FALSE(read_soak_record(labels("n1", "changed"), 5, R"({"v":2,"event":"drift","path":"/a")", &r, &why));
  CHECK(why.find("not JSON") == 0);
  Labels other = labels("n1", "changed");
  other["job"] = "nginx";
  CHECK_FALSE(read_soak_record(other, 5, drift_line("drift", "/a", "changed", "package"), &r, &why));
  CHECK(why == "not driftd's (job label)");
  Labels err = labels("n1", "changed");
  err["__error__"] = "JSONParserErr";
  CHECK_FALSE(read_soak_record(err, 5, "driftd-p1", &r, &why));
  CHECK(why.find("not JSON") == 0);
  // detected_at wins over a re-sent line's Loki time.
  REQUIRE(read_soak_record(labels("n1", "changed"), 999 * kS,
                           R"({"v":2,"event":"drift","path":"/a","cause":"unexplained","detected_at":"2026-06-01T00:00:01.5Z"})",
                           &r, &why));
  CHECK(r.ts_ns == kMonday + kS + kS / 2);
}

TEST_CASE("read_soak_record: the lines loki_lines builds, whole and as Loki's projection") {
  const LokiEntry hb = heartbeat_loki_entry(HeartbeatFacts{7, 8812, kMonday, "0.1.0"}, "n1", kMonday + kS);
  SoakRecord r;
  std::string why;
  REQUIRE(read_soak_record(hb.labels, hb.ts_ns, hb.line, &r, &why));
  CHECK(r.type == SoakType::kHeartbeat);
  CHECK(r.serial == "7");
  CHECK(r.entries == 8812);
  CHECK(r.tool_version == "0.1.0");
  const LokiEntry bl = baseline_loki_entry(BaselineFacts{9, 1780000000, "abcd"}, "n1", kMonday);
  REQUIRE(read_soak_record(bl.labels, bl.ts_ns, bl.line, &r, &why));
  CHECK(r.type == SoakType::kBaseline);
  CHECK(r.serial == "9");
  CHECK(r.key_id == "abcd");
  // The projection: marker, then the fields in kProjectedFields' order; "<no value>" is absent.
  std::string p = "driftd-p1\t2\tdrift\t/usr/bin/x\tunexplained\tsession\t2026-06-01T00:00:00Z";
  for (int i = 0; i < 10; ++i) p += "\t<no value>";
  REQUIRE(read_soak_record(labels("n1", "changed", "critical"), 1, p, &r, &why));
  CHECK(r.path == "/usr/bin/x");
  CHECK(r.actor_class == "session");
  CHECK(r.ts_ns == kMonday);
  CHECK(r.serial.empty());
  CHECK_FALSE(read_soak_record(labels("n1", "changed"), 1, p + "\textra", &r, &why));
  CHECK(why.find("projected line malformed") == 0);
}

TEST_CASE("soak_logql: driftd's selector, the node escaped as driftd labels it and quoted, diffs projected away") {
  CHECK(logql_node_literal("k8s-node1") == "k8s-node1");
  CHECK(logql_node_literal("a.b|c\"d") == "a\\\\.b\\\\|c\\\"d");
  CHECK(logql_node_literal(std::string("n\xff", 2)) == "n\\\\\\\\xff");  // label n\xff, regex n\\xff, LogQL string
  const std::string q = soak_logql({"a", "b.c"});
  CHECK(q.find("{job=\"driftd\", node=~\"a|b\\\\.c\"}") == 0);
  CHECK(q.find("} | json | line_format \"driftd-p1\\t{{.v}}") != std::string::npos);
  CHECK(q.find("{{.actor_class}}") != std::string::npos);
  CHECK(q.find("{{.kind_extracted}}") != std::string::npos);
  CHECK(q.find("diff") == std::string::npos);
  CHECK(q.find("| keep job, node, kind, severity, __error__") != std::string::npos);
}

TEST_CASE("parse_query_range: streams merged in time order; not a stream answer is an error") {
  std::vector<QueryEntry> out;
  std::string err;
  REQUIRE(parse_query_range(R"({"status":"success","data":{"resultType":"streams","result":[
      {"stream":{"node":"b"},"values":[["3","x"],["1","y"]]},{"stream":{"node":"a"},"values":[["2","z"],["1","w"]]}]}})",
                            &out, &err));
  REQUIRE(out.size() == 4);
  CHECK(out[0].ts_ns == 1);
  CHECK(out[0].labels.at("node") == "a");
  CHECK(out[1].labels.at("node") == "b");
  CHECK(out[3].ts_ns == 3);
  out.clear();
  CHECK_FALSE(parse_query_range(R"({"data":{"resultType":"matrix","result":[]}})", &out, &err));
  CHECK_FALSE(parse_query_range("<html>", &out, &err));
}

TEST_CASE("summary: events by kind, cause, class, path class; weeks, alive, top paths, baselines") {
  Feed f(kMonday, kMonday + 14 * kDay);
  f.weekly_heartbeats("n1", 2);
  f.heartbeat("n2", kMonday + kS);  // n2 silent in the second week
  f.drift("n1", kMonday + kDay, "/usr/bin/kubelet", "package", "critical");
  f.drift("n1", kMonday + kDay + kS, "/etc/ssh/sshd_config", "unexplained", "critical", "changed", "session");
  f.drift("n1", kMonday + 8 * kDay, "/etc/ssh/sshd_config", "unexplained", "critical", "changed", "session");
  f.drift("n1", kMonday + 8 * kDay, "module:evil", "unexplained", "critical", "added");
  f.drift("n2", kMonday + 2 * kDay, "/etc/cni/net.d/10-calico.conflist", "unexplained", "warning", "removed");
  const LokiEntry b = baseline_loki_entry(BaselineFacts{4, 1780000000, "k1"}, "n1", kMonday + 3 * kDay);
  f.s.add_entry(b.labels, b.ts_ns, b.line);
  f.s.add_entry(b.labels, b.ts_ns + kDay, b.line);  // the same serial loaded again: one baseline
  f.s.add_entry(labels("n1", "changed"), kMonday, "{\"v\":2,\"event\":\"drift\"");  // truncated
  f.s.finish();
  REQUIRE(f.s.nodes().size() == 2);
  const NodeSummary& n1 = f.s.nodes()[0];
  CHECK(n1.node == "n1");
  CHECK(n1.events == 4);
  CHECK(n1.by_kind.at("changed") == 3);
  CHECK(n1.by_kind.at("runtime") == 1);
  CHECK(n1.by_cause.at("package") == 1);
  CHECK(n1.by_cause.at("unexplained") == 3);
  CHECK(n1.by_class.at("session") == 2);
  CHECK(n1.by_class.at("not_recorded") == 2);
  CHECK(n1.by_path_class.at("binaries") == 1);
  CHECK(n1.by_path_class.at("ssh") == 2);
  CHECK(n1.by_path_class.at("runtime:module") == 1);
  CHECK(n1.path_events.at("/etc/ssh/sshd_config") == 2);
  REQUIRE(n1.weeks.size() == 2);
  CHECK(n1.weeks[0].week == "2026-W23");
  CHECK(n1.weeks[0].events == 2);
  CHECK(n1.weeks[1].events == 2);
  CHECK(n1.alive_weeks() == 2);
  REQUIRE(n1.baselines.size() == 1);
  CHECK(n1.baselines[0].serial == "4");
  const NodeSummary& n2 = f.s.nodes()[1];
  CHECK(n2.alive_weeks() == 1);
  CHECK_FALSE(n2.weeks[1].alive());
  CHECK(n2.by_path_class.at("cni") == 1);
  CHECK(f.s.skipped_total() == 1);
  CHECK(f.s.skipped().begin()->first.find("not JSON") == 0);
}

TEST_CASE("summary: reverted within minutes with the median, accepted by a baseline, still open") {
  Feed f(kMonday, kMonday + 7 * kDay);
  f.weekly_heartbeats("n1", 1);
  f.drift("n1", kMonday + kDay, "/etc/a", "unexplained");
  f.cleared("n1", kMonday + kDay + 5 * kMin, "/etc/a");  // 5 min
  f.drift("n1", kMonday + kDay, "/etc/b", "unexplained");
  f.drift("n1", kMonday + kDay + kMin, "/etc/b", "unexplained");  // drifting differently: the same episode
  f.cleared("n1", kMonday + kDay + 20 * kMin, "/etc/b");  // 20 min from the first
  f.drift("n1", kMonday + 2 * kDay, "/etc/c", "unexplained");
  f.cleared("n1", kMonday + 2 * kDay + 3 * 3600 * kS, "/etc/c");  // 3 h: reverted, not within minutes
  f.drift("n1", kMonday + 3 * kDay, "/etc/d", "unexplained");
  const LokiEntry b = baseline_loki_entry(BaselineFacts{5, 1780000000, "k"}, "n1", kMonday + 3 * kDay + kMin);
  f.s.add_entry(b.labels, b.ts_ns, b.line);
  f.cleared("n1", kMonday + 3 * kDay + 2 * kMin, "/etc/d");  // the new baseline took it: accepted
  f.drift("n1", kMonday + 4 * kDay, "/etc/e", "unexplained");  // never cleared
  f.cleared("n1", kMonday + 4 * kDay, "/etc/never-drifted-in-range");
  f.s.finish();
  const NodeSummary& n = f.s.nodes().at(0);
  CHECK(n.events == 6);
  CHECK(n.cleared == 3);
  CHECK(n.reverted_within == 2);
  CHECK(n.accepted == 1);
  REQUIRE(n.median_revert_seconds());
  CHECK(*n.median_revert_seconds() == 20 * 60);
  std::vector<std::string> ends;
  for (const NotableEvent& e : n.notable) ends.push_back(describe(e));
  REQUIRE(ends.size() == 5);  // one per episode: /etc/b drifting differently is the same one
  CHECK(ends[0].find("(reverted after 5 min)") != std::string::npos);
  CHECK(ends[1].find("(reverted after 20 min)") != std::string::npos);
  CHECK(ends[3].find("(accepted into baseline 5 after 2 min)") != std::string::npos);
  CHECK(ends[4].find("(not reverted)") != std::string::npos);
}

TEST_CASE("decision: nothing, contained, uncaught, silent nodes") {
  const int64_t to = kMonday + 14 * kDay;
  SUBCASE("nothing: package upgrades only, every node alive every week") {
    Feed f(kMonday, to);
    f.weekly_heartbeats("n1", 2);
    f.drift("n1", kMonday + kDay, "/usr/bin/kubelet", "package", "critical");
    f.s.finish();
    CHECK(row(f.s, "no-drift").holds == true);
    CHECK(row(f.s, "contained").holds == false);
    CHECK(row(f.s, "uncaught").holds == false);
    CHECK(row(f.s, "silent-nodes").holds == false);
    CHECK_FALSE(row(f.s, "sandbox-validates").holds.has_value());
    CHECK(row(f.s, "no-drift").why.find("1 explained by packages") != std::string::npos);
  }
  SUBCASE("contained: a hand edit of sshd_config, reverted") {
    Feed f(kMonday, to);
    f.weekly_heartbeats("n1", 2);
    f.drift("n1", kMonday + kDay, "/etc/ssh/sshd_config", "unexplained", "critical", "changed", "session");
    f.cleared("n1", kMonday + kDay + 10 * kMin, "/etc/ssh/sshd_config");
    f.s.finish();
    CHECK(row(f.s, "no-drift").holds == false);
    const DecisionRow& r = row(f.s, "contained");
    CHECK(r.holds == true);
    REQUIRE(r.evidence.size() == 1);
    CHECK(r.evidence[0] == "unexplained change of a critical /etc/ssh file /etc/ssh/sshd_config on n1 in a login session, "
                           "2026-06-02 00:00 UTC (reverted after 10 min)");
    CHECK(row(f.s, "uncaught").holds == false);
  }
  SUBCASE("uncaught: an unexplained critical binary change, not reverted") {
    Feed f(kMonday, to);
    f.weekly_heartbeats("n3", 2);
    f.drift("n3", kMonday + 5 * kDay + 14 * 3600 * kS + 2 * kMin, "/usr/bin/containerd", "unexplained", "critical",
            "changed", "session");
    f.s.finish();
    const DecisionRow& r = row(f.s, "uncaught");
    CHECK(r.holds == true);
    REQUIRE(r.evidence.size() == 1);
    CHECK(r.evidence[0] == "unexplained change of a critical binary /usr/bin/containerd on n3 in a login session, "
                           "2026-06-06 14:02 UTC (not reverted)");
    CHECK(r.undecidable.find("incident") != std::string::npos);
    CHECK(row(f.s, "contained").holds == false);
  }
  SUBCASE("silent nodes: a node asked for without a heartbeat is no data, and no-drift does not hold") {
    Feed f(kMonday, to, {"n1", "n2"});
    f.weekly_heartbeats("n1", 2);
    f.s.finish();
    REQUIRE(f.s.nodes().size() == 2);
    CHECK(f.s.nodes()[1].lines == 0);
    const DecisionRow& r = row(f.s, "silent-nodes");
    CHECK(r.holds == true);
    REQUIRE(r.evidence.size() == 1);
    CHECK(r.evidence[0] == "n2: no heartbeat in 2026-W23, 2026-W24");
    CHECK(row(f.s, "no-drift").holds == false);
  }
}

TEST_CASE("writers: the same numbers in text, Markdown and JSON; Loki strings escaped for where they land") {
  Feed f(kMonday, kMonday + 7 * kDay);
  f.weekly_heartbeats("a|b", 1);
  f.drift("a|b", kMonday + kDay, "/etc/<script>alert(1)</script>", "unexplained", "critical");
  f.drift("a|b", kMonday + kDay, "/etc/x|y*z_", "package");
  f.drift("a|b", kMonday + kDay, "/etc/esc\x1b[31m", "package");
  f.s.finish();
  SoakSource src{"file t", 0, 0};
  const std::string md = render_soak_markdown(f.s, src);
  CHECK(md.find("## Drift telemetry summary") == 0);
  CHECK(md.find("| a\\|b | 3 |") != std::string::npos);
  CHECK(md.find("/etc/x\\|y\\*z\\_") != std::string::npos);
  CHECK(md.find("\\<script\\>") != std::string::npos);
  CHECK(md.find('\x1b') == std::string::npos);
  const std::string html = render_soak_html(f.s, src);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"") != std::string::npos);
  CHECK(html.find("<g class=\"series\" data-node=\"a|b\">") != std::string::npos);
  CHECK(html.find('\x1b') == std::string::npos);
  CHECK(html.find("://") == std::string::npos);  // nothing to fetch, no URL at all
  const std::string text = render_soak_text(f.s, src);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("\\x1b[31m") != std::string::npos);
  const json j = json::parse(render_soak_json(f.s));
  CHECK(j["nodes"][0]["node"] == "a|b");
  CHECK(j["nodes"][0]["events"] == 3);
  CHECK(j["nodes"][0]["by_cause"]["package"] == 2);
  CHECK(j["nodes"][0]["weeks"][0]["alive"] == true);
  CHECK(j["decision"].size() == 6);
  CHECK(j["skipped"]["total"] == 0);
}

TEST_CASE("summary: a range with no data says so") {
  Feed f(kMonday, kMonday + 7 * kDay);
  f.s.finish();
  CHECK(f.s.nodes().empty());
  CHECK(render_soak_text(f.s, {"file t", 0, 0}).find("no driftd line in the range: no data") != std::string::npos);
  CHECK(row(f.s, "no-drift").holds == false);
}
