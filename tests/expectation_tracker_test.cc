// The expectation tracker: new and cleared violations are transitions, the
// same ones again are not (a new value of the same violation is kept, not
// announced), counts and ok for the gauges, the saved state round-trips and a
// bad one is refused; which changed paths a rule reads.
#include <doctest/doctest.h>

#include "agent/expectation_tracker.h"

using namespace drift;

namespace {

ExpectationViolation violation(const std::string& rule, const std::string& actual, Severity s = Severity::kCritical) {
  return {rule, "/etc/ssh/sshd_config.d/05-x.conf", 1, "passwordauthentication", "equals no", actual, s};
}

}  // namespace

TEST_CASE("ExpectationTracker: new and cleared violations are transitions; the same ones again are not") {
  ExpectationTracker t;
  CHECK(t.ok());
  ExpectationUpdate u = t.update({violation("no-passwords", "yes"), violation("x11", "yes", Severity::kWarning)});
  REQUIRE(u.transitions.size() == 2);
  CHECK(!u.transitions[0].cleared);
  CHECK(u.changed);
  CHECK(!t.ok());
  CHECK(t.counts().at({"no-passwords", "/etc/ssh/sshd_config.d/05-x.conf"}) == 1);

  u = t.update({violation("no-passwords", "yes"), violation("x11", "yes", Severity::kWarning)});
  CHECK(u.transitions.empty());
  CHECK(!u.changed);
  u = t.update({violation("no-passwords", "without-password"), violation("x11", "yes", Severity::kWarning)});
  CHECK(u.transitions.empty());  // the same violation with a new value
  CHECK(u.changed);              // ... saved again

  u = t.update({violation("x11", "yes", Severity::kWarning)});
  REQUIRE(u.transitions.size() == 1);
  CHECK(u.transitions[0].cleared);
  CHECK(u.transitions[0].violation.rule == "no-passwords");
  CHECK(t.ok());  // only a warning left
}

TEST_CASE("ExpectationTracker: the saved state round-trips; a corrupt or unknown one is refused and changes nothing") {
  ExpectationTracker t;
  t.update({violation("no-passwords", "yes"), violation("masked", "a unit file (not masked)", Severity::kWarning)});
  const std::string saved = t.save();
  CHECK(saved.rfind("driftd expectation-state 1\n", 0) == 0);
  ExpectationTracker back;
  REQUIRE(back.load(saved) == StateLoad::kLoaded);
  CHECK(back.size() == 2);
  CHECK(back.update({violation("no-passwords", "yes"), violation("masked", "a unit file (not masked)", Severity::kWarning)})
            .transitions.empty());
  CHECK(back.load("driftd expectation-state 1\n[{\"rule\": 1}]\n") == StateLoad::kCorrupt);
  CHECK(back.load("driftd expectation-state 9\n[]\n") == StateLoad::kUnknownVersion);
  CHECK(back.load("garbage") == StateLoad::kCorrupt);
  CHECK(back.size() == 2);
}

TEST_CASE("expectation_reads: the file, sshd's drop-ins, every sysctl file, containerd's directory") {
  Expectation sshd;
  sshd.file = "/etc/ssh/sshd_config";
  sshd.format = Format::kSshd;
  CHECK(expectation_reads(sshd, "/etc/ssh/sshd_config"));
  CHECK(expectation_reads(sshd, "/etc/ssh/sshd_config.d/50-cloud-init.conf"));
  CHECK(!expectation_reads(sshd, "/etc/hosts"));
  Expectation sysctl;
  sysctl.file = "/etc/sysctl.conf";
  sysctl.format = Format::kSysctl;
  CHECK(expectation_reads(sysctl, "/usr/lib/sysctl.d/50-pid-max.conf"));
  CHECK(!expectation_reads(sysctl, "/etc/sysctl.d/README.sysctl"));
  Expectation toml;
  toml.file = "/etc/containerd/config.toml";
  toml.format = Format::kToml;
  CHECK(expectation_reads(toml, "/etc/containerd/conf.d/10-x.toml"));
  Expectation kubelet;
  kubelet.file = "/var/lib/kubelet/config.yaml";
  kubelet.format = Format::kYaml;
  CHECK(!expectation_reads(kubelet, "/var/lib/kubelet/kubeadm-flags.env"));
}
