// Path selection: overlapping entries, most specific wins, excludes accumulate.
#include <doctest/doctest.h>

#include "baseline/selection.h"

using namespace drift;

namespace {
Selection overlapping() {
  PathRule etc;
  etc.path = "/etc";
  etc.exclude = {"*.swp", "/etc/mtab"};
  PathRule ssh;
  ssh.path = "/etc/ssh";
  ssh.severity = Severity::kCritical;
  ssh.ignore.add(Attr::kMtime);
  return Selection({ssh, etc});
}
}  // namespace

TEST_CASE("the most specific entry wins for severity and ignored attributes") {
  const Selection s = overlapping();
  CHECK(s.rule_for("/etc/ssh/sshd_config")->path == "/etc/ssh");
  CHECK(s.rule_for("/etc/ssh/sshd_config")->severity == Severity::kCritical);
  CHECK(s.rule_for("/etc/ssh")->path == "/etc/ssh");
  CHECK(s.rule_for("/etc/sshd")->path == "/etc");  // component boundary, not string prefix
  CHECK(s.rule_for("/etc/hosts")->severity == Severity::kWarning);
  CHECK(s.rule_for("/usr/bin/ls") == nullptr);
}

TEST_CASE("excludes of enclosing entries apply below more specific ones") {
  const Selection s = overlapping();
  CHECK(s.excluded("/etc/ssh/.sshd_config.swp"));
  CHECK(s.excluded("/etc/mtab"));
  CHECK_FALSE(s.excluded("/etc/ssh/sshd_config"));
  CHECK_FALSE(s.excluded("/etc/ssh"));  // a rule's own path is never excluded
}

TEST_CASE("globs with a slash match the whole path, others the last component") {
  CHECK(glob_matches("/etc/kubernetes/pki/*", "/etc/kubernetes/pki/ca.key"));
  CHECK(glob_matches("/etc/kubernetes/pki/*", "/etc/kubernetes/pki/etcd/ca.key"));
  CHECK(glob_matches("*.key", "/etc/ssl/x.key"));
  CHECK_FALSE(glob_matches("*.key", "/etc/x.key/inside"));
  CHECK_FALSE(glob_matches("/etc/shadow*", "/backup/etc/shadow"));
}
