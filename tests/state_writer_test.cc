// The state_dir writer: a state file that cannot be written waits in memory
// with its newest content and lands on the next retry; Loki lines the spool
// cannot write are held and spooled later; the gauges say what waits; at
// exit what is still unwritten is counted lost. Time is passed in.
#include <doctest/doctest.h>
#include <prometheus/registry.h>

#include <fstream>
#include <sstream>

#include "agent/state_writer.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;

namespace {

double gauge(Metrics& m, const std::string& name) {
  for (const auto& family : m.registry()->Collect()) {
    if (family.name != name || family.metric.empty()) continue;
    const auto& metric = family.metric.front();
    return family.type == prometheus::MetricType::Counter ? metric.counter.value : metric.gauge.value;
  }
  return -1;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

LokiEntry line(const std::string& text) { return LokiEntry{{{"job", "driftd"}}, 1, text}; }

}  // namespace

TEST_CASE("StateWriter: a refused state file keeps its newest content and lands on retry") {
  TempDir dir;
  Metrics metrics;
  std::vector<std::string> log;
  StateWriter w(&metrics, [&log](const std::string& m) { log.push_back(m); });
  const auto t0 = StateWriter::Clock::time_point{} + std::chrono::hours(1);
  const std::string path = dir / "missing/drift-state";  // its directory does not exist yet
  w.save(path, "one\n", "the drift state", t0);
  w.save(path, "two\n", "the drift state", t0);
  CHECK(w.unsaved() == 1);
  CHECK(gauge(metrics, "driftd_state_unsaved_files") == 1);
  REQUIRE(w.retry_at());
  CHECK(*w.retry_at() == t0 + StateWriter::kRetryWrites);
  CHECK(log.size() == 1);  // said once, not per write
  // Still failing: tried again later, nothing lost.
  StateWriter::Retried r = w.retry(t0 + std::chrono::seconds(2));
  CHECK_FALSE(r.changed);
  REQUIRE(w.retry_at());
  ::mkdir((dir / "missing").c_str(), 0700);
  r = w.retry(t0 + std::chrono::seconds(4));
  CHECK(r.changed);
  CHECK_FALSE(w.retry_at());
  CHECK(w.unsaved() == 0);
  CHECK(read(path) == "two\n");
  CHECK(gauge(metrics, "driftd_state_unsaved_files") == 0);
}

TEST_CASE("StateWriter: lines the spool cannot write are held, then spooled by retry") {
  TempDir dir;
  Metrics metrics;
  StateWriter w(&metrics, [](const std::string&) {});
  std::string err;
  REQUIRE(w.open_spool(dir / "spool", 1 << 20, &err));
  const auto t0 = StateWriter::Clock::time_point{} + std::chrono::hours(1);
  CHECK(w.spool_lines({line("a")}, t0));
  CHECK(gauge(metrics, "driftd_spool_entries") == 1);
  CHECK_FALSE(w.retry_at());
  // The spool directory goes away: the next lines wait in memory.
  REQUIRE(std::system(("rm -rf '" + dir / "spool" + "'").c_str()) == 0);
  CHECK(w.spool_lines({line("b"), line("c")}, t0));  // the Loki sink still wakes
  CHECK(w.held() == 2);
  CHECK(gauge(metrics, "driftd_spool_memory_entries") == 2);
  REQUIRE(w.retry_at());
  ::mkdir((dir / "spool").c_str(), 0700);
  const StateWriter::Retried r = w.retry(t0 + std::chrono::seconds(2));
  CHECK(r.spooled);
  CHECK(r.changed);
  CHECK(w.held() == 0);
  CHECK(gauge(metrics, "driftd_spool_memory_entries") == 0);
  CHECK_FALSE(w.retry_at());
}

TEST_CASE("StateWriter: without a spool lines are counted dropped; at exit held lines are counted lost") {
  TempDir dir;
  Metrics metrics;
  std::vector<std::string> log;
  StateWriter none(&metrics, [&log](const std::string& m) { log.push_back(m); });
  const auto t0 = StateWriter::Clock::time_point{} + std::chrono::hours(1);
  CHECK_FALSE(none.spool_lines({line("a"), line("b")}, t0));  // nothing for Loki to ship
  CHECK(gauge(metrics, "driftd_spool_dropped_total") == 2);

  Metrics m2;
  StateWriter w(&m2, [&log](const std::string& m) { log.push_back(m); });
  std::string err;
  REQUIRE(w.open_spool(dir / "spool", 1 << 20, &err));
  REQUIRE(std::system(("rm -rf '" + dir / "spool" + "'").c_str()) == 0);
  w.spool_lines({line("x")}, t0);
  REQUIRE(w.held() == 1);
  w.shutdown(t0 + std::chrono::seconds(1));
  CHECK(gauge(m2, "driftd_spool_dropped_total") == 1);
  CHECK(log.back().find("lost") != std::string::npos);
}
