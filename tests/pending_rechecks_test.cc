// The debounce batch: due `debounce` after the first event (not the last),
// each path once, a subtree scope swallowing what is below it, even when
// another path sorts between them.
#include <doctest/doctest.h>

#include "agent/pending_rechecks.h"

using namespace drift;
using std::chrono::milliseconds;

TEST_CASE("PendingRechecks: due from the first event; empty after take") {
  PendingRechecks p;
  const auto t0 = PendingRechecks::Clock::time_point{} + std::chrono::hours(1);
  CHECK_FALSE(p.due(milliseconds(200)));
  p.add({}, t0);
  CHECK_FALSE(p.due(milliseconds(200)));  // no scope, no batch
  p.add({{"/etc/a", true}}, t0);
  p.add({{"/etc/b", true}}, t0 + milliseconds(150));
  CHECK(*p.due(milliseconds(200)) == t0 + milliseconds(200));
  CHECK_FALSE(p.ready(t0 + milliseconds(199), milliseconds(200)));
  CHECK(p.ready(t0 + milliseconds(200), milliseconds(200)));
  const PendingRechecks::Batch b = p.take();
  CHECK(b.first_event == t0);
  CHECK(b.scopes.size() == 2);
  CHECK_FALSE(p.due(milliseconds(200)));
}

TEST_CASE("PendingRechecks: a subtree wins over self-only and swallows the paths below it") {
  PendingRechecks p;
  const auto t0 = PendingRechecks::Clock::time_point{} + std::chrono::hours(1);
  p.add({{"/etc/a", true}, {"/etc/a/x", true}, {"/etc/a-b", true}, {"/etc/a/y/z", true}}, t0);
  p.add({{"/etc/a", false}}, t0);
  const auto b = p.take();
  REQUIRE(b.scopes.size() == 2);
  CHECK(b.scopes[0].path == "/etc/a");
  CHECK_FALSE(b.scopes[0].self_only);
  CHECK(b.scopes[1].path == "/etc/a-b");  // sorts between /etc/a and /etc/a/x, swallows nothing
}

TEST_CASE("PendingRechecks: self-only scopes do not swallow; a root subtree swallows all") {
  PendingRechecks p;
  const auto t0 = PendingRechecks::Clock::time_point{} + std::chrono::hours(1);
  p.add({{"/etc", true}, {"/etc/x", true}}, t0);
  CHECK(p.take().scopes.size() == 2);
  p.add({{"/", false}, {"/etc/x", true}, {"/usr", false}}, t0);
  const auto b = p.take();
  REQUIRE(b.scopes.size() == 1);
  CHECK(b.scopes[0].path == "/");
}
