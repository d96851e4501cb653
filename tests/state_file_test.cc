// Reading a state file at start: a missing file is a first start, a good one
// loads, one of an unknown version or corrupt is set aside (renamed, content
// kept) and the daemon starts fresh.
#include <sys/stat.h>

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "agent/state_file.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;

namespace {

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("read_state_file: missing is quiet, loaded is quiet and stays") {
  TempDir dir;
  int calls = 0;
  auto ok = [&](const std::string&) { ++calls; return StateLoad::kLoaded; };
  StateFileRead r = read_state_file(dir / "drift-state", ok, 100);
  CHECK_FALSE(r.loaded);
  CHECK(r.message.empty());
  CHECK(calls == 0);
  test::write_file(dir / "drift-state", "driftd drift-state 2\n[]\n");
  r = read_state_file(dir / "drift-state", ok, 100);
  CHECK(r.loaded);
  CHECK(r.message.empty());
  CHECK(exists(dir / "drift-state"));
}

TEST_CASE("read_state_file: an unknown version or a corrupt file is set aside, its content kept") {
  TempDir dir;
  test::write_file(dir / "drift-state", "driftd drift-state 9\n[]\n");
  StateFileRead r = read_state_file(dir / "drift-state", [](const std::string&) { return StateLoad::kUnknownVersion; }, 1234);
  CHECK_FALSE(r.loaded);
  CHECK(r.set_aside == dir / "drift-state.unknown-version.1234");
  CHECK(contents(r.set_aside) == "driftd drift-state 9\n[]\n");
  CHECK_FALSE(exists(dir / "drift-state"));
  CHECK(r.message.find("set aside") != std::string::npos);

  test::write_file(dir / "exports-state", "{{{");
  r = read_state_file(dir / "exports-state", [](const std::string&) { return StateLoad::kCorrupt; }, 1235);
  CHECK(r.set_aside == dir / "exports-state.corrupt.1235");
  CHECK(contents(r.set_aside) == "{{{");
  CHECK_FALSE(exists(dir / "exports-state"));
  CHECK(r.message.find("corrupt") != std::string::npos);
}

TEST_CASE("read_state_file: a real tracker's bad file is set aside and the tracker starts fresh") {
  TempDir dir;
  test::write_file(dir / "drift-state", "[{\"path\": 1}]");
  DriftTracker tracker;
  const StateFileRead r =
      read_state_file(dir / "drift-state", [&](const std::string& t) { return tracker.load(t); }, 7);
  CHECK_FALSE(r.loaded);
  CHECK(tracker.state().empty());
  CHECK(exists(dir / "drift-state.corrupt.7"));
}
