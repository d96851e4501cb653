// Key paths: the syntax of the README, parse and format round-trip, and
// refusals of what cannot be a key path.
#include <doctest/doctest.h>

#include "semantic/key_path.h"

using namespace drift;

namespace {

std::string round_trip(const std::string& text) {
  KeyPath p;
  std::string err;
  const bool parsed = parse_key_path(text, &p, &err);
  INFO(err);
  REQUIRE(parsed);
  return format_key_path(p);
}

}  // namespace

TEST_CASE("key paths: the README's examples parse into segments and format back unchanged") {
  for (const char* text : {"evictionHard.\"memory.available\"",
                           "plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options.SystemdCgroup",
                           "plugins[type=calico].mtu", "spec.containers[name=kube-apiserver].command[3]",
                           "clusterDNS[0]", "match.\"User alice\".passwordauthentication", "\"\"",
                           "a[name=\"x y\"].b", "KUBELET_KUBEADM_ARGS.node-ip"}) {
    CHECK(round_trip(text) == text);
  }
  KeyPath p;
  std::string err;
  REQUIRE(parse_key_path("evictionHard.\"memory.available\"", &p, &err));
  REQUIRE(p.size() == 2);
  CHECK(p[1].name == "memory.available");
  REQUIRE(parse_key_path("plugins[type=calico].mtu", &p, &err));
  REQUIRE(p.size() == 3);
  CHECK(p[1] == key_select("type", "calico"));
  REQUIRE(parse_key_path("a[12]", &p, &err));
  CHECK(p[1] == key_index(12));
}

TEST_CASE("key paths: a segment with '.', '\"', '[', ']', '=', white space or control bytes is quoted and round-trips") {
  for (const std::string& name : std::vector<std::string>{"memory.available", "a\"b", "x[0]", "y]", "k=v", "two words", "tab\there",
                                 std::string("nul\0byte", 8), "back\\slash", "", "ünïcode"}) {
    const KeyPath path = {key_name("top"), key_name(name), key_select("name", name), key_index(3)};
    const std::string text = format_key_path(path);
    KeyPath back;
    std::string err;
    const bool parsed = parse_key_path(text, &back, &err);
    INFO(text, ": ", err);
    REQUIRE(parsed);
    CHECK(back == path);
  }
  CHECK(join_key("", "memory.available") == "\"memory.available\"");
  CHECK(join_key("evictionHard", "memory.available") == "evictionHard.\"memory.available\"");
  CHECK(join_key("a", "plain") == "a.plain");
}

TEST_CASE("key paths: junk is refused with the offset") {
  KeyPath p;
  std::string err;
  for (const char* bad : {"", "a.", ".a", "a..b", "a[", "a[x]", "a[1", "\"open", "a b", "[0]", "a.[0]",
                          "a]b", "a=b", "a\"b\"", "a[type=]", "a\\b", "a[99999999999]", "\"\\q\""}) {
    CHECK_MESSAGE(!parse_key_path(bad, &p, &err), bad);
    CHECK(err.find("offset") != std::string::npos);
  }
}
