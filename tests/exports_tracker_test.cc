// The exports tracker: new and cleared violations, the saved state (format
// line, version 1 still read, a bad file refused without touching the
// state), and when an unreadable file under Landlock means restart.
#include <doctest/doctest.h>

#include "agent/exports_tracker.h"

using namespace drift;

namespace {

ExportsViolation violation(const std::string& rule, int line, bool critical = true) {
  ExportsViolation v;
  v.rule = rule;
  v.path = "/srv";
  v.file = "/etc/exports";
  v.line = line;
  v.text = "*(rw)";
  v.message = "m";
  v.critical = critical;
  return v;
}

}  // namespace

TEST_CASE("ExportsTracker: new and cleared violations are transitions; the same ones again are not") {
  ExportsTracker t;
  const auto a = violation("no_root_squash", 1), b = violation("insecure", 2, false);
  ExportsUpdate u = t.update({a, b}, false);
  REQUIRE(u.transitions.size() == 2);
  CHECK_FALSE(u.transitions[0].cleared);
  CHECK(u.changed);
  CHECK(t.critical_counts() == std::map<std::pair<std::string, std::string>, int>{{{"no_root_squash", "/srv"}, 1}});
  u = t.update({a, b}, false);
  CHECK(u.transitions.empty());
  CHECK_FALSE(u.changed);
  u = t.update({a}, false);
  REQUIRE(u.transitions.size() == 1);
  CHECK(u.transitions[0].cleared);
  CHECK(u.transitions[0].violation.rule == "insecure");
  CHECK(u.changed);
  auto moved = a;
  moved.line = 5;  // the same rule on another line is another violation
  u = t.update({moved}, false);
  REQUIRE(u.transitions.size() == 2);
  CHECK_FALSE(u.transitions[0].cleared);
  CHECK(u.transitions[1].cleared);
}

TEST_CASE("ExportsTracker: a newly unreadable file restarts under Landlock only, and only once") {
  const auto unreadable = violation(kRuleUnreadable, 0);
  ExportsTracker plain;
  CHECK(plain.update({unreadable}, /*landlock=*/false).restart_for.empty());
  ExportsTracker confined;
  const ExportsUpdate u = confined.update({unreadable}, /*landlock=*/true);
  CHECK(u.restart_for == std::vector<std::string>{"/etc/exports"});
  CHECK(confined.update({unreadable}, true).restart_for.empty());  // known: no loop
  CHECK(confined.update({violation("insecure", 1)}, true).restart_for.empty());
  // After a restart the saved state knows it: a lasting unreadability is no loop.
  ExportsTracker known;
  known.update({unreadable}, false);
  ExportsTracker after;
  REQUIRE(after.load(known.save()) == StateLoad::kLoaded);
  CHECK(after.update({unreadable}, true).restart_for.empty());
}

TEST_CASE("exports-state: saved with its format line, loads back; version 1 is read") {
  ExportsTracker t;
  auto odd = violation("insecure", 4, false);
  odd.file = std::string("/etc/exports.d/\xff.exports", 25);
  t.update({violation("no_root_squash", 1), odd}, false);
  const std::string text = t.save();
  CHECK(text.rfind("driftd exports-state 2\n", 0) == 0);
  ExportsTracker back;
  REQUIRE(back.load(text) == StateLoad::kLoaded);
  CHECK(back.size() == 2);
  CHECK(back.update({violation("no_root_squash", 1), odd}, false).transitions.empty());
  // Today's format before the line: a JSON array alone.
  const std::string v1 = R"js([{"critical":true,"file":"/etc/exports","line":1,"message":"m","path":"/srv","rule":"no_root_squash","text":"*(rw)"}])js";
  ExportsTracker old;
  REQUIRE(old.load(v1 + "\n") == StateLoad::kLoaded);
  CHECK(old.size() == 1);
  CHECK(old.update({violation("no_root_squash", 1)}, false).transitions.empty());
}

TEST_CASE("exports-state: an unknown version or a corrupt file is refused and the state is kept") {
  ExportsTracker t;
  t.update({violation("no_root_squash", 1)}, false);
  CHECK(t.load("driftd exports-state 3\n[]\n") == StateLoad::kUnknownVersion);
  CHECK(t.load("driftd exports-state\n[]\n") == StateLoad::kCorrupt);
  CHECK(t.load("driftd drift-state 2\n[]\n") == StateLoad::kCorrupt);
  CHECK(t.load("[{\"rule\":1}]") == StateLoad::kCorrupt);
  CHECK(t.load("[{\"critical\":true,\"file\":\"\\\\q\",\"line\":1,\"message\":\"m\",\"path\":\"/srv\","
               "\"rule\":\"r\",\"text\":\"\"}]") == StateLoad::kCorrupt);  // a bad escape
  CHECK(t.load("{}") == StateLoad::kCorrupt);
  CHECK(t.size() == 1);
}
