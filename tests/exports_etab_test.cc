// exports/exports_etab: runtime drift between the files and what `exportfs -ra`
// applied to /var/lib/nfs/etab.
#include <doctest/doctest.h>

#include "exports/exports_etab.h"
#include "exports_test_util.h"

using namespace drift;
using namespace drift::test;

TEST_CASE("exports etab: the files edited but `exportfs -ra` not run") {
  const std::string edited = std::string(kHostExports) + "/srv/nfs-new 10.0.20.0/22(rw,async,insecure)\n";
  std::string etab = kHostEtab;
  // /srv/nfs-ssd on the LAN was changed to sync in the file, not applied.
  std::string file = edited;
  const std::string lan = "192.168.1.0/24(rw,async";
  file.replace(file.rfind(lan), lan.size(), "192.168.1.0/24(rw,sync");
  const ExportsReport r = Host().exports(file).etab(etab).check();
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:10: etab-drift", "/etc/exports:12: etab-drift"});
  CHECK(r.violations[0].message ==
        "'/srv/nfs-ssd' to '192.168.1.0/24': the applied options (/var/lib/nfs/etab:4) differ from /etc/exports: "
        "the file gives sync, applied is async; run `exportfs -ra`");
  CHECK(r.violations[1].message ==
        "'/srv/nfs-new' to '10.0.20.0/22' is in /etc/exports but not exported (not in /var/lib/nfs/etab): run "
        "`exportfs -ra`");
}

TEST_CASE("exports etab: applied but no longer in the files") {
  const std::string etab = std::string(kHostEtab) +
                           "/srv/old\t10.0.20.0/22(rw,async,wdelay,hide,nocrossmnt,insecure,root_squash,"
                           "no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,"
                           "sec=sys,rw,insecure,root_squash,no_all_squash)\n";
  const ExportsReport r = Host().exports(kHostExports).etab(etab).check();
  CHECK(where(r) == std::vector<std::string>{"/var/lib/nfs/etab:5: etab-drift"});
  CHECK(r.violations[0].message ==
        "'/srv/old' to '10.0.20.0/22' is exported but in no exports file: run `exportfs -ra` to withdraw it");
}

TEST_CASE("exports etab: the SEV1 fixed in the file but not applied is still runtime drift") {
  // etab as exportfs wrote it from the SEV1 file: /srv/nfs (its first two lines) with fsid=0.
  std::string etab = kHostEtab;
  const size_t ssd = etab.find("/srv/nfs-ssd");
  std::string nfs = etab.substr(0, ssd);
  for (size_t at; (at = nfs.find("no_pnfs,anonuid")) != std::string::npos;) nfs.replace(at, 7, "no_pnfs,fsid=0");
  etab = nfs + etab.substr(ssd);
  const ExportsReport r = Host().exports(kHostExports).etab(etab).check();
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:7: etab-drift", "/etc/exports:7: etab-drift"});
  CHECK(r.violations[0].message.find("the file gives -, applied is fsid=0") != std::string::npos);
}

TEST_CASE("exports etab: every kind of client and option round-trips, with etab's canonical host names") {
  const std::string file = R"(/srv/www -sync,rw server @trusted @external(ro)
/srv/media\040library 2001:db8:9:e54::/64(rw,no_root_squash,fsid=3F2504E0-4F89-11D3-9A0C-0305E82C3301) gss/krb5p(rw,sec=krb5p)
/srv/pub
)";
  const std::string etab =
      "/srv/www\tserver.lan.example.org(rw,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,"
      "no_subtree_check,secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,rw,secure,root_squash,no_all_squash)\n"
      "/srv/www\t@trusted(rw,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,"
      "secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,rw,secure,root_squash,no_all_squash)\n"
      "/srv/www\t@external(ro,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,"
      "secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,ro,secure,root_squash,no_all_squash)\n"
      "/srv/media\\040library\t2001:db8:9:e54::/64(rw,sync,wdelay,hide,nocrossmnt,secure,no_root_squash,"
      "no_all_squash,no_subtree_check,secure_locks,acl,no_pnfs,fsid=3f2504e0-4f89-11d3-9a0c-0305e82c3301,"
      "anonuid=65534,anongid=65534,sec=sys,rw,secure,no_root_squash,no_all_squash)\n"
      "/srv/media\\040library\tgss/krb5p(rw,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,"
      "no_subtree_check,secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=krb5p,rw,secure,root_squash,"
      "no_all_squash)\n"
      "/srv/pub\t(ro,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,secure_locks,"
      "acl,no_pnfs,anonuid=65534,anongid=65534,sec=sys,ro,secure,root_squash,no_all_squash)\n";
  CHECK(where(Host().exports(file).etab(etab).check()).empty());
  // nfs-utils' quirk: flags after -sec= defaults do not reach that flavor, and etab read back makes
  // the export follow the flavor. What mountd reads back is what counts.
  const std::string krb5 =
      "/srv/k\t10.0.20.0/22(rw,sync,wdelay,hide,nocrossmnt,secure,root_squash,no_all_squash,no_subtree_check,"
      "secure_locks,acl,no_pnfs,anonuid=65534,anongid=65534,sec=krb5,ro,secure,root_squash,no_all_squash)\n";
  CHECK(where(Host().exports("/srv/k -sec=krb5 10.0.20.0/22(rw)\n").etab(krb5).check()).empty());
  // etab off: not compared.
  ExportsConfig off;
  off.etab = false;
  CHECK(where(Host().exports("/srv/x *(rw)\n").etab(etab).check(off)).empty());
}

TEST_CASE("exports etab: entries exportfs would not read are not expected in etab") {
  const ExportsReport r = Host().exports("/srv/a 10.0.20.0/22(rw,bogus)\n/srv/b 10.0.20.0/22(rw)\n").etab("").check();
  CHECK(where(r) == std::vector<std::string>{"/etc/exports:1: parse-error"});
}
