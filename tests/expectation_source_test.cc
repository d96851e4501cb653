// The `expect:` rules as a daemon source: a run on a real tree under a root
// gives transitions, Loki lines (kind expectation) and the state only when
// something changed; due only after a re-check read a path a rule reads,
// including a directory's tree that holds the rule's file.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include "agent/expectation_source.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;
using drift::test::write_file;

namespace {

std::vector<Expectation> no_passwords() {
  Expectation e;
  e.rule = "no-passwords";
  e.file = "/etc/ssh/sshd_config";
  e.key = "PasswordAuthentication";
  e.ops = {ExpectOp::kEquals};
  e.equals = "no";
  std::string why;
  REQUIRE_MESSAGE(validate_expectation(&e, &why), why);
  return {e};
}

}  // namespace

TEST_CASE("ExpectationSource: a violation, then nothing new, then its clearing") {
  TempDir root;
  ::mkdir((root / "etc").c_str(), 0755);
  ::mkdir((root / "etc/ssh").c_str(), 0755);
  write_file(root / "etc/ssh/sshd_config", "PermitRootLogin no\nPasswordAuthentication yes\n");
  const auto rules = no_passwords();
  ExpectationSource s;
  ExpectationSource::Run r = s.run(rules, root.path(), "n1", 7);
  REQUIRE(r.transitions.size() == 1);
  CHECK(!r.transitions[0].cleared);
  CHECK(r.transitions[0].violation.line == 2);
  REQUIRE(r.lines.size() == 1);
  CHECK(r.lines[0].labels.at("kind") == "expectation");
  CHECK(r.lines[0].labels.at("severity") == "critical");
  CHECK(r.lines[0].line.find("\"event\":\"expectation-violation\"") != std::string::npos);
  CHECK(r.lines[0].ts_ns == 7);
  REQUIRE(r.state);
  CHECK(!s.tracker().ok());

  r = s.run(rules, root.path(), "n1", 8);
  CHECK(r.transitions.empty());
  CHECK(r.lines.empty());
  CHECK(!r.state);

  write_file(root / "etc/ssh/sshd_config", "PasswordAuthentication no\n");
  r = s.run(rules, root.path(), "n1", 9);
  REQUIRE(r.transitions.size() == 1);
  CHECK(r.transitions[0].cleared);
  CHECK(r.lines[0].line.find("\"event\":\"expectation-cleared\"") != std::string::npos);
  CHECK(r.state);
  CHECK(s.tracker().ok());
}

TEST_CASE("ExpectationSource: due after a re-check of a path a rule reads, not of others") {
  const auto rules = no_passwords();
  ExpectationSource s;
  const auto t0 = ExpectationSource::Clock::time_point{} + std::chrono::hours(1);
  const std::chrono::milliseconds debounce(100);
  s.note_changed(rules, "/etc/hosts", false, t0, debounce);
  CHECK(!s.due());
  s.note_changed(rules, "/etc", false, t0, debounce);  // the directory itself, not its tree
  CHECK(!s.due());
  s.note_changed(rules, "/etc/ssh/sshd_config.d/50-cloud.conf", false, t0, debounce);  // sshd reads its Includes
  REQUIRE(s.due());
  CHECK(*s.due() == t0 + debounce);
  CHECK(!s.take_due(t0));
  CHECK(s.take_due(t0 + debounce));
  CHECK(!s.due());
  s.note_changed(rules, "/etc", true, t0, debounce);  // /etc's tree re-read: the file lies beneath
  CHECK(s.due());
}
