// lib/progress: the status line as drawn, with the time passed in; without a
// total (the walk still running) it never shows "N/0".
#include <doctest/doctest.h>

#include "lib/progress.h"

using namespace drift;

TEST_CASE("ProgressLineWithTotals") {
  CHECK(progress_line(1200, 8812, 40'000'000, 310'000'000, 2.0) == "1200/8812 entries, 40/310 MB, 20 MB/s, 2.0s");
}

TEST_CASE("ProgressLineWithoutTotalShowsCountsAndRateOnly") {
  const std::string line = progress_line(7829, 0, 120'000'000, 0, 4.0);
  CHECK(line == "7829 entries, 120 MB, 30 MB/s, 4.0s");
  CHECK(line.find("/0") == std::string::npos);
}

TEST_CASE("ProgressLineAtTimeZeroHasNoRate") {
  CHECK(progress_line(0, 0, 0, 0, 0.0) == "0 entries, 0 MB, 0 MB/s, 0.0s");
}
