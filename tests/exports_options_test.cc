// exports/exports_options: the options in effect, spelled as etab spells them
// (defaults, fsid forms, sec= flavors).
#include <doctest/doctest.h>

#include "exports/exports_options.h"
#include "exports_test_util.h"

using namespace drift;
using namespace drift::test;

TEST_CASE("exports options: the defaults as etab spells them") {
  CHECK(render_export_options(ExportOptions()) ==
        "ro,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs,"
        "anonuid=65534,anongid=65534,sec=sys,ro,secure,root_squash,no_all_squash");
  ExportOptions o;
  std::string err;
  REQUIRE(apply_export_options("rw,async,insecure,no_root_squash,fsid=1,crossmnt,no_wdelay", &o, &err));
  CHECK(render_export_options(o) ==
        "rw,async,no_wdelay,hide,crossmnt,insecure,no_root_squash,no_all_squash,no_subtree_check,secure_locks,acl,"
        "no_pnfs,fsid=1,anonuid=65534,anongid=65534,sec=sys,rw,insecure,no_root_squash,no_all_squash");
}

TEST_CASE("exports options: fsid=0, fsid=root, fsid=0x0 and fsid=4294967296 all make the pseudo-root") {
  for (const char* opt : {"fsid=0", "fsid=root", "fsid=0x0", "fsid=00", "fsid=4294967296"}) {
    ExportOptions o;
    std::string err;
    REQUIRE_MESSAGE(apply_export_options(opt, &o, &err), err);
    CHECK_MESSAGE(is_pseudo_root_fsid(o), opt);
  }
  ExportOptions o;
  std::string err;
  REQUIRE(apply_export_options("fsid=1", &o, &err));
  CHECK_FALSE(is_pseudo_root_fsid(o));
  CHECK_FALSE(apply_export_options("fsid=", &o, &err));
  CHECK_FALSE(apply_export_options("fsid=12ab", &o, &err));
  CHECK(err.find("bad fsid '12ab'") == 0);
}

TEST_CASE("exports options: UUID fsids compare as UUIDs") {
  CHECK(normalise_uuid("3F2504E0-4F89-11D3-9A0C-0305E82C3301") == "3f2504e04f8911d39a0c0305e82c3301");
  CHECK(normalise_uuid("3f2504e0:4f8911d3:9a0c0305:e82c3301") == "3f2504e04f8911d39a0c0305e82c3301");
  CHECK(normalise_uuid("3f2504e0") == "");
}

TEST_CASE("exports options: flags after sec= apply to those flavors, as the kernel sees them") {
  ExportOptions o;
  std::string err;
  REQUIRE(apply_export_options("sec=krb5p:krb5,rw,sec=sys,ro", &o, &err));
  CHECK(render_export_options(o).find("sec=krb5p:krb5,rw,secure,root_squash,no_all_squash,sec=sys,ro,") !=
        std::string::npos);
  CHECK_FALSE(apply_export_options("sec=krb6", &o, &err));
}

TEST_CASE("exports options: a rule's option is compared in its etab spelling") {
  std::vector<std::string> t;
  std::string err;
  REQUIRE(normalise_rule_option("fsid=root", &t, &err));
  CHECK(t == std::vector<std::string>{"fsid=0"});
  REQUIRE(normalise_rule_option("auth_nlm", &t, &err));
  CHECK(t == std::vector<std::string>{"secure_locks"});
  REQUIRE(normalise_rule_option("sec=krb5:unix", &t, &err));
  CHECK(t == std::vector<std::string>{"sec=krb5", "sec=sys"});
  REQUIRE(normalise_rule_option("nordirplus", &t, &err));
  CHECK(t == std::vector<std::string>{"nordirplus"});
  CHECK_FALSE(normalise_rule_option("asynch", &t, &err));
  CHECK_FALSE(normalise_rule_option("rw,async", &t, &err));
}
