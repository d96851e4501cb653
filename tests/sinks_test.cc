// The sinks' pure parts: the Pushgateway group URL and the Loki push body.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "agent/loki_sink.h"
#include "agent/pushgateway_sink.h"

using namespace drift;

TEST_CASE("pushgateway_group_url: plain values stay readable, others go base64url") {
  CHECK(pushgateway_group_url("http://pg:9091/", "driftd", "k8s-node2") ==
        "http://pg:9091/metrics/job/driftd/instance/k8s-node2");
  CHECK(pushgateway_group_url("http://pg:9091", "driftd", "a/b") ==
        "http://pg:9091/metrics/job/driftd/instance@base64/YS9i");
  CHECK(pushgateway_group_url("http://pg:9091", "driftd", "") == "http://pg:9091/metrics/job/driftd/instance@base64/=");
}


TEST_CASE("loki_push_body: one stream per label set, entries in order, nanosecond strings") {
  const std::string body = loki_push_body({LokiEntry{{{"job", "driftd"}, {"kind", "added"}}, 5, "a"},
                                           LokiEntry{{{"job", "driftd"}, {"kind", "changed"}}, 6, "b"},
                                           LokiEntry{{{"job", "driftd"}, {"kind", "added"}}, 7, "c"}});
  const auto j = nlohmann::json::parse(body);
  REQUIRE(j["streams"].size() == 2);
  CHECK(j["streams"][0]["values"] == nlohmann::json::parse(R"([["5","a"],["7","c"]])"));
  CHECK(j["streams"][1]["stream"]["kind"] == "changed");
}
