// Unified diffs of snapshots.
#include <doctest/doctest.h>

#include "lib/text_diff.h"

using drift::unified_diff;

TEST_CASE("a changed line gives a hunk with context") {
  const std::string a = "1\n2\n3\n4\n5\n6\n7\n8\n";
  const std::string b = "1\n2\n3\n4\nFIVE\n6\n7\n8\n";
  const std::string d = unified_diff(a, b, "a/f", "b/f");
  CHECK(d == "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+FIVE\n 6\n 7\n 8\n");
}

TEST_CASE("an appended line") {
  const std::string d = unified_diff("a\n", "a\nb\n", "x", "y");
  CHECK(d == "--- x\n+++ y\n@@ -1,1 +1,2 @@\n a\n+b\n");
}

TEST_CASE("identical texts give only headers") {
  CHECK(unified_diff("a\n", "a\n", "x", "y") == "--- x\n+++ y\n");
}

TEST_CASE("a missing final newline is marked") {
  const std::string d = unified_diff("a", "b", "x", "y");
  CHECK(d.find("\\ No newline at end of file") != std::string::npos);
}
