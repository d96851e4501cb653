// The debounce batch: a complete change after a quiet period at once (the
// leading edge), only that, the rest and bare modifications `debounce` after
// their first event (the trailing edge); each path once, a subtree scope
// swallowing what is below it, even when another path sorts between them.
#include <doctest/doctest.h>

#include "agent/pending_rechecks.h"

using namespace drift;
using std::chrono::milliseconds;

namespace {
constexpr milliseconds kDebounce(200);
}  // namespace

TEST_CASE("PendingRechecks: due from the first event; empty after take") {
  PendingRechecks p;
  const auto t0 = PendingRechecks::Clock::time_point{} + std::chrono::hours(1);
  CHECK_FALSE(p.due(milliseconds(200)));
  p.add({}, t0, kDebounce);
  CHECK_FALSE(p.due(milliseconds(200)));  // no scope, no batch
  p.add({{"/etc/a", true}}, t0, kDebounce);
  p.add({{"/etc/b", true}}, t0 + milliseconds(150), kDebounce);
  CHECK(*p.due(milliseconds(200)) == t0 + milliseconds(200));
  CHECK_FALSE(p.ready(t0 + milliseconds(199), milliseconds(200)));
  CHECK(p.ready(t0 + milliseconds(200), milliseconds(200)));
  const PendingRechecks::Batch b = p.take(t0);
  CHECK(b.first_event == t0);
  CHECK(b.scopes.size() == 2);
  CHECK_FALSE(p.due(milliseconds(200)));
}

TEST_CASE("PendingRechecks: a subtree wins over self-only and swallows the paths below it") {
  PendingRechecks p;
  const auto t0 = PendingRechecks::Clock::time_point{} + std::chrono::hours(1);
  p.add({{"/etc/a", true}, {"/etc/a/x", true}, {"/etc/a-b", true}, {"/etc/a/y/z", true}}, t0, kDebounce);
  p.add({{"/etc/a", false}}, t0, kDebounce);
  const auto b = p.take(t0);
  REQUIRE(b.scopes.size() == 2);
  CHECK(b.scopes[0].path == "/etc/a");
  CHECK_FALSE(b.scopes[0].self_only);
  CHECK(b.scopes[1].path == "/etc/a-b");  // sorts between /etc/a and /etc/a/x, swallows nothing
}

TEST_CASE("PendingRechecks: self-only scopes do not swallow; a root subtree swallows all") {
  PendingRechecks p;
  const auto t0 = PendingRechecks::Clock::time_point{} + std::chrono::hours(1);
  p.add({{"/etc", true}, {"/etc/x", true}}, t0, kDebounce);
  CHECK(p.take(t0).scopes.size() == 2);
  p.add({{"/", false}, {"/etc/x", true}, {"/usr", false}}, t0, kDebounce);
  const auto b = p.take(t0);
  REQUIRE(b.scopes.size() == 1);
  CHECK(b.scopes[0].path == "/");
}

TEST_CASE("PendingRechecks: a lone complete change is due at once; what follows within the window trails") {
  PendingRechecks p;
  const auto t0 = PendingRechecks::Clock::time_point{} + std::chrono::hours(1);
  p.add({{"/etc/a", true, true}}, t0, kDebounce);  // IN_CLOSE_WRITE after quiet
  REQUIRE(p.due(kDebounce));
  CHECK(*p.due(kDebounce) == t0);
  CHECK(p.ready(t0, kDebounce));
  PendingRechecks::Batch b = p.take(t0);
  CHECK(b.leading);
  CHECK(b.first_event == t0);
  REQUIRE(b.scopes.size() == 1);
  CHECK_FALSE(p.due(kDebounce));
  // 50 ms later, not quiet: the next complete change waits for the window.
  p.add({{"/etc/b", true, true}}, t0 + milliseconds(50), kDebounce);
  CHECK(*p.due(kDebounce) == t0 + milliseconds(250));
  b = p.take(t0 + milliseconds(250));
  CHECK_FALSE(b.leading);
  CHECK(b.scopes.size() == 1);
  // A storm: events all the time, re-checks once a window, never at once.
  int takes = 0;
  auto t = t0 + milliseconds(260);
  for (int i = 0; i < 1000; ++i, t += milliseconds(2)) {
    p.add({{"/etc/f" + std::to_string(i % 7), true, true}}, t, kDebounce);
    if (p.ready(t, kDebounce)) {
      CHECK_FALSE(p.take(t).leading);
      ++takes;
    }
  }
  CHECK(takes == 9);  // 2 s of events, one re-check per 200 ms window after the first event
  // After a quiet period: at once again.
  p.take(t);
  t += milliseconds(500);
  p.add({{"/etc/c", true, true}}, t, kDebounce);
  CHECK(*p.due(kDebounce) == t);
}

TEST_CASE("PendingRechecks: a bare modification never goes at once, and the leading edge leaves it pending") {
  PendingRechecks p;
  const auto t0 = PendingRechecks::Clock::time_point{} + std::chrono::hours(1);
  // One read of events after a quiet period: a file being written, another closed.
  p.add({{"/etc/big", true, false}, {"/etc/small", true, true}}, t0, kDebounce);
  CHECK(*p.due(kDebounce) == t0);
  PendingRechecks::Batch b = p.take(t0);
  CHECK(b.leading);
  REQUIRE(b.scopes.size() == 1);
  CHECK(b.scopes[0].path == "/etc/small");
  // The half-written file keeps its trailing re-check from its first event.
  REQUIRE(p.due(kDebounce));
  CHECK(*p.due(kDebounce) == t0 + kDebounce);
  b = p.take(t0 + kDebounce);
  CHECK_FALSE(b.leading);
  REQUIRE(b.scopes.size() == 1);
  CHECK(b.scopes[0].path == "/etc/big");
  CHECK(b.first_event == t0);
  // A file written all the time is never quiet: a close beside it trails too.
  p.add({{"/etc/big", true, false}}, t0 + milliseconds(500), kDebounce);
  p.add({{"/etc/other", true, true}}, t0 + milliseconds(510), kDebounce);
  CHECK(*p.due(kDebounce) == t0 + milliseconds(700));
  p.take(t0 + milliseconds(700));
  // A write after the close: the path is not complete any more.
  p.add({{"/etc/x", true, true}, {"/etc/x", true, false}}, t0 + milliseconds(1000), kDebounce);
  b = p.take(t0 + milliseconds(1000));
  CHECK(b.leading);
  CHECK(b.scopes.empty());
  CHECK(*p.due(kDebounce) == t0 + milliseconds(1200));
}

TEST_CASE("PendingRechecks: a complete subtree on the leading edge takes what it swallows") {
  PendingRechecks p;
  const auto t0 = PendingRechecks::Clock::time_point{} + std::chrono::hours(1);
  p.add({{"/etc/d/x", true, false}, {"/etc/d", false, true}, {"/etc/e", true, false}}, t0, kDebounce);
  const auto b = p.take(t0);
  CHECK(b.leading);
  REQUIRE(b.scopes.size() == 1);
  CHECK(b.scopes[0].path == "/etc/d");
  REQUIRE(p.due(kDebounce));  // /etc/e stays for the trailing edge
}

TEST_CASE("PendingRechecks: without the leading edge (audit on) a lone complete change trails") {
  PendingRechecks p;
  const auto t0 = PendingRechecks::Clock::time_point{} + std::chrono::hours(1);
  p.add({{"/etc/a", true, true}}, t0, kDebounce, /*leading=*/false);
  CHECK(*p.due(kDebounce) == t0 + kDebounce);
  CHECK_FALSE(p.take(t0 + kDebounce).leading);
}
