// Re-check merging: the entries a scoped re-check read replace the ones in
// its scopes, nothing beside them.
#include <doctest/doctest.h>

#include "agent/scan.h"
#include "test_util.h"

using namespace drift;
using drift::test::file_entry;

namespace {

std::vector<std::string> paths_of(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) out.push_back(e.path);
  return out;
}

}  // namespace

TEST_CASE("replace_scoped: a subtree scope replaces the path and everything below it, nothing beside it") {
  std::vector<Entry> current = {file_entry("/etc/a", 1), file_entry("/etc/a-b", 2), file_entry("/etc/a/x", 3),
                                file_entry("/etc/a/y", 4), file_entry("/etc/b", 5)};
  replace_scoped(&current, {{"/etc/a", false}}, {file_entry("/etc/a", 9), file_entry("/etc/a/z", 9)});
  CHECK(paths_of(current) == std::vector<std::string>{"/etc/a", "/etc/a-b", "/etc/a/z", "/etc/b"});
  CHECK(current[0].sha256[0] == 9);
  CHECK(current[1].sha256[0] == 2);  // "/etc/a-b" sorts between "/etc/a" and "/etc/a/": untouched
}


TEST_CASE("replace_scoped: a self-only scope keeps the children; a vanished path is removed") {
  std::vector<Entry> current = {file_entry("/etc", 1), file_entry("/etc/x", 2), file_entry("/etc/y", 3)};
  replace_scoped(&current, {{"/etc", true}, {"/etc/y", false}}, {file_entry("/etc", 7)});
  CHECK(paths_of(current) == std::vector<std::string>{"/etc", "/etc/x"});
  CHECK(current[0].sha256[0] == 7);
}

