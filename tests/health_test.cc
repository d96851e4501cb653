// The probes' policy: alive while the loop turns, through a long first full
// check, not when the loop stopped or the last full check is far too old;
// ready only after the first full check; the baseline said, never a failure;
// and the listener's answers per path and method.
#include <doctest/doctest.h>

#include "agent/health.h"
#include "agent/http_listener.h"

using namespace drift;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("Health: live through a long first check, stuck when the loop stops, stale when checks stop") {
  Health h(milliseconds(3600000));
  const auto t0 = Health::Clock::time_point{} + hours(100);
  CHECK(h.live(t0).status == 503);  // not turned yet
  h.loop_turned(t0);
  Health::Answer a = h.live(t0 + seconds(5));
  CHECK(a.status == 200);
  CHECK(a.text.find("first full check running") != std::string::npos);
  CHECK(a.text.find("baseline none loaded yet") != std::string::npos);
  CHECK(h.ready(t0).status == 503);  // starting: the baseline not loaded yet
  h.set_baseline("none valid (no baseline installed)", false);
  CHECK(h.ready(t0).status == 200);  // no baseline: nothing to check, ready and waiting
  CHECK(h.ready(t0).text.find("no valid baseline") != std::string::npos);
  h.set_baseline("serial 7 valid", true);
  CHECK(h.ready(t0).status == 503);  // a baseline, its first check running
  // A first check of two hours on a loaded node: still alive while the loop turns.
  h.loop_turned(t0 + hours(2));
  CHECK(h.live(t0 + hours(2) + seconds(30)).status == 200);
  // The loop stops.
  a = h.live(t0 + hours(2) + Health::kLoopStuck + seconds(1));
  CHECK(a.status == 503);
  CHECK(a.text.find("event loop stuck") != std::string::npos);
  // A check done, then none for longer than 3 x interval + 1 h.
  h.full_check_done(t0 + hours(2));
  h.set_baseline("none valid (no baseline installed)", false);
  h.loop_turned(t0 + hours(3));
  a = h.live(t0 + hours(3));
  CHECK(a.status == 200);
  CHECK(a.text.find("baseline none valid") != std::string::npos);  // said, not a failure
  CHECK(h.ready(t0 + hours(3)).status == 200);
  h.loop_turned(t0 + hours(6) + seconds(1));
  a = h.live(t0 + hours(6) + seconds(1));
  CHECK(a.status == 503);
  CHECK(a.text.find("last full check") != std::string::npos);
  h.set_rescan_interval(hours(2));  // a reload with a longer interval: within 7 h now
  CHECK(h.live(t0 + hours(6) + seconds(1)).status == 200);
}

TEST_CASE("HttpListener: /metrics, /healthz, /readyz, 404 and 405") {
  Health h(milliseconds(60000));
  h.loop_turned(Health::Clock::now());
  h.set_baseline("serial 7 valid", true);
  HttpListener l([] { return std::string("driftd_up 1\n"); }, &h);
  HttpListener::Reply r = l.answer("GET", "/metrics");
  CHECK(r.status == 200);
  CHECK(r.body == "driftd_up 1\n");
  CHECK(r.type.find("version=0.0.4") != std::string::npos);
  r = l.answer("GET", "/healthz");
  CHECK(r.status == 200);
  CHECK(r.body.rfind("ok: ", 0) == 0);
  CHECK(l.answer("GET", "/readyz").status == 503);
  h.full_check_done(Health::Clock::now());
  CHECK(l.answer("HEAD", "/readyz").status == 200);
  CHECK(l.answer("GET", "/").status == 404);
  CHECK(l.answer("POST", "/metrics").status == 405);
  std::string why;
  HttpListener bad([] { return std::string(); }, &h);
  CHECK_FALSE(bad.start("no-port", &why));
  CHECK(why.find("HOST:PORT") != std::string::npos);
}
