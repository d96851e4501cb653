// The report's Loki page loop (soak/loki_query.h's query_pages) against a fake
// Loki: pages that end inside ties of one timestamp, ties on a piece boundary,
// a Loki whose end is inclusive or whose start is not, a tie larger than the
// limit, 429/5xx/no answer then success (the waits recorded, no clock), and a
// 400 that ends the query with Loki's message.
#include <doctest/doctest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "soak/loki_query.h"

using namespace drift;
using nlohmann::json;

namespace {

using Labels = std::map<std::string, std::string>;

struct Stored {
  Labels labels;
  int64_t ts_ns;
  std::string line;
  bool operator<(const Stored& o) const { return std::tie(ts_ns, labels, line) < std::tie(o.ts_ns, o.labels, o.line); }
};

// A Loki in memory: answers query_range forward, the first `limit` entries
// of [start, end) by time (ties in label order, as a merge of streams may
// give them), grouped into streams as Loki does.
struct FakeLoki {
  std::vector<Stored> entries;
  bool end_inclusive = false;      // some Lokis have answered [start, end]
  bool start_exclusive = false;    // and (start, end)
  std::vector<PageAnswer> faults;  // answered first, in order
  std::vector<PageRequest> requests;

  PageAnswer operator()(const PageRequest& r) {
    requests.push_back(r);
    if (!faults.empty()) {
      PageAnswer a = faults.front();
      faults.erase(faults.begin());
      return a;
    }
    std::vector<Stored> hit;
    for (const Stored& e : entries) {
      const bool after_start = start_exclusive ? e.ts_ns > r.start_ns : e.ts_ns >= r.start_ns;
      const bool before_end = end_inclusive ? e.ts_ns <= r.end_ns : e.ts_ns < r.end_ns;
      if (after_start && before_end) hit.push_back(e);
    }
    std::sort(hit.begin(), hit.end());
    if (hit.size() > r.limit) hit.resize(r.limit);
    std::map<Labels, json> streams;
    for (const Stored& e : hit) streams[e.labels].push_back({std::to_string(e.ts_ns), e.line});
    json result = json::array();
    for (auto& [l, values] : streams) result.push_back({{"stream", l}, {"values", values}});
    return PageAnswer{200, json{{"status", "success"}, {"data", {{"resultType", "streams"}, {"result", result}}}}.dump(), ""};
  }
};

Labels node(const std::string& n) { return {{"job", "driftd"}, {"node", n}, {"kind", "changed"}, {"severity", "warning"}}; }

struct Run {
  std::vector<Stored> got;
  std::vector<std::chrono::milliseconds> waits;
  LokiQueryStats stats;
  std::string err;
  bool ok = false;
};

Run run(FakeLoki& loki, const LokiQueryOptions& o) {
  Run r;
  r.ok = query_pages(
      o, [&](const PageRequest& q) { return loki(q); }, [&](std::chrono::milliseconds d) { r.waits.push_back(d); },
      [&](const Labels& l, int64_t ts, std::string_view line) { r.got.push_back({l, ts, std::string(line)}); }, &r.stats,
      &r.err);
  return r;
}

// Ten timestamps 100 ns apart, each a tie of 1 to 4 entries over three
// streams; one tie of 5 sits on the piece boundary (1000).
std::vector<Stored> tied_entries() {
  std::vector<Stored> v;
  for (int i = 0; i < 10; ++i) {
    const int64_t ts = 500 + i * 100;
    const int ties = ts == 1000 ? 5 : 1 + i % 4;
    for (int k = 0; k < ties; ++k) v.push_back({node("n" + std::to_string(k % 3)), ts, "line " + std::to_string(ts) + "/" + std::to_string(k)});
  }
  v.push_back({node("n0"), 999, "just before the boundary"});
  v.push_back({node("n1"), 1001, "just after it"});
  return v;
}

LokiQueryOptions options(size_t limit) {
  LokiQueryOptions o;
  o.url = "http://loki.test";
  o.from_ns = 400;
  o.to_ns = 1600;
  o.max_query_length_ns = 601;  // pieces [400, 1000), [1000, 1600): requests start 1 ns early
  o.limit = limit;
  return o;
}

void check_exactly_once(const Run& r, const std::vector<Stored>& want_unsorted) {
  std::vector<Stored> want = want_unsorted;
  std::sort(want.begin(), want.end());
  REQUIRE(r.ok);
  CHECK(r.got.size() == want.size());
  std::vector<Stored> got = r.got;
  CHECK(std::is_sorted(got.begin(), got.end(), [](const Stored& a, const Stored& b) { return a.ts_ns < b.ts_ns; }));
  std::sort(got.begin(), got.end());
  CHECK(std::adjacent_find(got.begin(), got.end(), [](const Stored& a, const Stored& b) {
          return !(a < b) && !(b < a);
        }) == got.end());
  CHECK(got.size() == want.size());
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    CHECK(got[i].line == want[i].line);
  }
}

}  // namespace

TEST_CASE("query_pages: pages ending inside ties, a tie on the piece boundary: every entry once, in time order") {
  for (size_t limit : {1, 2, 3, 4, 7, 100}) {
    CAPTURE(limit);
    FakeLoki loki;
    loki.entries = tied_entries();
    const Run r = run(loki, options(limit));
    check_exactly_once(r, loki.entries);
    CHECK(r.stats.pieces == 2);
    for (const PageRequest& q : loki.requests) {
      CHECK(q.end_ns - q.start_ns <= 601);  // never longer than max_query_length
      CHECK(((q.start_ns >= 399 && q.end_ns == 1000) || (q.start_ns >= 999 && q.end_ns == 1600)));  // one piece's
    }
  }
}

TEST_CASE("query_pages: a Loki whose end is inclusive, or whose start is not: still every entry once") {
  for (size_t limit : {1, 2, 3, 5}) {
    for (int quirk = 0; quirk < 3; ++quirk) {
      CAPTURE(limit);
      CAPTURE(quirk);
      FakeLoki loki;
      loki.entries = tied_entries();
      loki.end_inclusive = quirk != 1;
      loki.start_exclusive = quirk != 0;
      const Run r = run(loki, options(limit));
      check_exactly_once(r, loki.entries);
    }
  }
}

TEST_CASE("query_pages: a tie larger than the limit is asked again with a larger limit") {
  FakeLoki loki;
  for (int k = 0; k < 9; ++k) loki.entries.push_back({node("n" + std::to_string(k)), 700, "tie " + std::to_string(k)});
  loki.entries.push_back({node("n0"), 800, "after"});
  const Run r = run(loki, options(2));
  check_exactly_once(r, loki.entries);
  size_t most = 0;
  for (const PageRequest& q : loki.requests) most = std::max(most, q.limit);
  CHECK(most >= 9);
}

TEST_CASE("query_pages: 429, 5xx and no answer are retried with backoff, then the pages go on") {
  FakeLoki loki;
  loki.entries = tied_entries();
  loki.faults = {{429, "too many", ""}, {503, "", ""}, {0, "", "Connection refused"}, {500, "boom", ""}};
  LokiQueryOptions o = options(3);
  o.backoff_min = std::chrono::milliseconds(100);
  o.backoff_max = std::chrono::milliseconds(250);
  const Run r = run(loki, o);
  check_exactly_once(r, loki.entries);
  CHECK(r.stats.retries == 4);
  REQUIRE(r.waits.size() == 4);
  // Full jitter over a doubling base: [50, 100], [100, 200], then capped at [125, 250].
  CHECK(r.waits[0].count() >= 50);
  CHECK(r.waits[0].count() <= 100);
  CHECK(r.waits[1].count() >= 100);
  CHECK(r.waits[1].count() <= 200);
  for (size_t i = 2; i < 4; ++i) {
    CHECK(r.waits[i].count() >= 125);
    CHECK(r.waits[i].count() <= 250);
  }
}

TEST_CASE("query_pages: a Loki that keeps failing gives up after the attempts, with the reason") {
  FakeLoki loki;
  loki.entries = tied_entries();
  for (int i = 0; i < 10; ++i) loki.faults.push_back({502, "bad gateway", ""});
  LokiQueryOptions o = options(3);
  o.attempts = 3;
  const Run r = run(loki, o);
  CHECK_FALSE(r.ok);
  CHECK(r.err == "Loki http://loki.test: HTTP 502: bad gateway (after 3 attempts)");
  CHECK(loki.requests.size() == 3);
  CHECK(r.waits.size() == 2);
  CHECK(r.got.empty());
}

TEST_CASE("query_pages: 400 ends the query at once with Loki's message (the verb's exit 20)") {
  FakeLoki loki;
  loki.entries = tied_entries();
  loki.faults = {{400, "parse error at line 1, col 7: syntax error\n", ""}};
  const Run r = run(loki, options(3));
  CHECK_FALSE(r.ok);
  CHECK(r.err == "Loki http://loki.test: HTTP 400: parse error at line 1, col 7: syntax error\\x0a");
  CHECK(loki.requests.size() == 1);
  CHECK(r.waits.empty());
  CHECK(r.got.empty());
}

TEST_CASE("query_pages: an answer that is not a stream result ends the query") {
  FakeLoki loki;
  loki.faults = {{200, "<html>proxy</html>", ""}};
  const Run r = run(loki, options(3));
  CHECK_FALSE(r.ok);
  CHECK(r.err == "Loki http://loki.test: Loki's answer is not JSON");
}
