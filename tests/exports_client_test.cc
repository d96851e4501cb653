// exports/exports_client: the kinds of client exports(5) names (host, wildcard,
// netgroup, subnet in both notations, the world), as a parsed file gives them.
#include <doctest/doctest.h>

#include "exports/exports_client.h"
#include "exports_test_util.h"

using namespace drift;
using namespace drift::test;

TEST_CASE("exports: every kind of client") {
  const ParsedExports p = parse(R"(/srv/a  nas nas.lan.example.org 192.168.1.10 2001:db8::10
/srv/b  10.0.20.0/22(rw) 10.0.20.0/255.255.252.0(rw) 2001:db8:9:e54::/64(rw)
/srv/c  *.cs.foo.edu(ro) build?.lan(ro) @trusted(rw) gss/krb5(rw) *(ro)
)");
  CHECK(p.errors.empty());
  std::vector<ClientKind> kinds;
  for (const ExportEntry& e : p.entries) kinds.push_back(client_kind(e.client));
  CHECK(kinds == std::vector<ClientKind>{ClientKind::kHost, ClientKind::kHost, ClientKind::kHost, ClientKind::kHost,
                                         ClientKind::kSubnet, ClientKind::kSubnet, ClientKind::kSubnet,
                                         ClientKind::kWildcard, ClientKind::kWildcard, ClientKind::kNetgroup,
                                         ClientKind::kGss, ClientKind::kAnonymous});
  IpNetwork a, b;
  std::string err;
  REQUIRE(client_network("10.0.20.0/22", &a, &err));
  REQUIRE(client_network("10.0.20.0/255.255.252.0", &b, &err));
  CHECK(a.mask == b.mask);
}
