// The drift tracker: transitions between evaluations, and the drift-state
// codec (the format line, attributes as tokens, version 1 still read, an
// unknown version or a corrupt file refused without touching the state).
#include <doctest/doctest.h>

#include "agent/drift_tracker.h"
#include "test_util.h"

using namespace drift;
using drift::test::file_entry;

namespace {

// The tracker after one drift of /etc/a (content changed).
DriftTracker drifted() {
  const std::vector<Entry> base = {file_entry("/etc/a", 1)}, now = {file_entry("/etc/a", 2)};
  DriftTracker t;
  t.update(compare_entries(base, now, ComparePolicy{}));
  return t;
}

}  // namespace

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
  REQUIRE(after.load(before.save()) == StateLoad::kLoaded);
  CHECK(after.update(compare_entries(base, now, ComparePolicy{})).empty());
  CHECK(after.load("not json") != StateLoad::kLoaded);
}


TEST_CASE("drift-state: the saved state opens with its format line and names attributes by their tokens") {
  const std::string text = drifted().save();
  CHECK(text.rfind("driftd drift-state 2\n", 0) == 0);
  CHECK(text.find("\"sha256\"") != std::string::npos);
  DriftTracker back;
  REQUIRE(back.load(text) == StateLoad::kLoaded);
  REQUIRE(back.state().size() == 1);
  CHECK(back.state().begin()->second.changed.has(Attr::kSha256));
  CHECK_FALSE(back.state().begin()->second.changed.has(Attr::kMode));
}

TEST_CASE("drift-state: a version 1 file (no format line, attributes as a bit mask) is read") {
  // Written by driftd before the format line: changed 1024 is the sha256 bit.
  const std::string v1 = R"([
 {
  "cause": "unexplained",
  "changed": 1024,
  "fingerprint": "changed:1024:f:420:0:0::0202",
  "kind": "changed",
  "path": "/etc/a",
  "severity": "warning"
 }
]
)";
  DriftTracker t;
  REQUIRE(t.load(v1) == StateLoad::kLoaded);
  REQUIRE(t.state().count("/etc/a"));
  const DriftRecord& r = t.state().at("/etc/a");
  CHECK(r.changed.has(Attr::kSha256));
  CHECK(r.changed.bits() == 1024);
  CHECK(r.kind == DriftKind::kChanged);
  CHECK(r.fingerprint == "changed:1024:f:420:0:0::0202");
}

TEST_CASE("drift-state: an unknown version or a corrupt file is refused and the state is kept") {
  DriftTracker t = drifted();
  const std::string good = t.save();
  std::string newer = good;
  newer.replace(0, std::string("driftd drift-state 2").size(), "driftd drift-state 3");
  CHECK(t.load(newer) == StateLoad::kUnknownVersion);
  CHECK(t.load("driftd drift-state 0\n[]\n") == StateLoad::kUnknownVersion);
  CHECK(t.load("driftd drift-state two\n[]\n") == StateLoad::kCorrupt);
  CHECK(t.load("driftd exports-state 2\n[]\n") == StateLoad::kCorrupt);  // another file's
  CHECK(t.load("driftd other-state 2\n[]\n") == StateLoad::kCorrupt);
  CHECK(t.load(good.substr(0, good.size() / 2)) == StateLoad::kCorrupt);
  CHECK(t.load("driftd drift-state 2\n{}\n") == StateLoad::kCorrupt);
  std::string bad_token = good;
  bad_token.replace(bad_token.find("\"sha256\""), 8, "\"sha257\"");
  CHECK(t.load(bad_token) == StateLoad::kCorrupt);  // never a guessed attribute
  std::string v1_in_v2 = good;
  v1_in_v2.replace(v1_in_v2.find("[\n   \"sha256\"\n  ]"), std::string("[\n   \"sha256\"\n  ]").size(), "1024");
  CHECK(t.load(v1_in_v2) == StateLoad::kCorrupt);  // a bit mask is version 1 only
  REQUIRE(t.state().size() == 1);  // none of them touched the state
  CHECK(t.state().count("/etc/a"));
}

TEST_CASE("DriftTracker: a package claim's proof is in the record and the saved state; an unknown proof is corrupt") {
  const std::vector<Entry> base = {file_entry("/usr/bin/a", 1), file_entry("/usr/bin/b", 1), file_entry("/usr/bin/c", 1)};
  const std::vector<Entry> now = {file_entry("/usr/bin/a", 2), file_entry("/usr/bin/b", 2), file_entry("/usr/bin/c", 2)};
  Comparison c = compare_entries(base, now, ComparePolicy{});
  REQUIRE(c.drifts.size() == 3);
  c.drifts[0].cause.package = true;  // proven
  c.drifts[0].cause.proof = "signed-archive";
  c.drifts[1].cause.unproven_claim = true;  // dpkg's word on a critical path: unexplained, the claim kept
  c.drifts[1].cause.proof = "dpkg-database";
  DriftTracker t;
  t.update(c);  // /usr/bin/c: no claim
  CHECK(t.state().at("/usr/bin/a").proof == "signed-archive");
  CHECK(t.state().at("/usr/bin/b").proof == "dpkg-database");
  CHECK(t.state().at("/usr/bin/b").cause == "unexplained");
  CHECK(t.state().at("/usr/bin/c").proof.empty());
  c.drifts[2].cause.package = true;  // a claim with no proof sought
  t.update(c);
  CHECK(t.state().at("/usr/bin/c").proof == "none");
  DriftTracker loaded;
  REQUIRE(loaded.load(t.save()) == StateLoad::kLoaded);
  CHECK(loaded.state().at("/usr/bin/a").proof == "signed-archive");
  CHECK(loaded.state().at("/usr/bin/b").proof == "dpkg-database");
  CHECK(loaded.state().at("/usr/bin/c").proof == "none");
  std::string forged = t.save();
  const size_t at = forged.find("\"signed-archive\"");
  REQUIRE(at != std::string::npos);
  forged.replace(at, 16, "\"trust-me\"");
  CHECK(loaded.load(forged) == StateLoad::kCorrupt);
}
