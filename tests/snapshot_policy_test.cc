// Snapshot policy: secrets and private files are hashed, never snapshotted.
#include <doctest/doctest.h>

#include "baseline/snapshot_policy.h"

using namespace drift;

namespace {
ContentPolicy policy() {
  ContentPolicy p;
  p.paths = {"/etc"};
  p.never = default_never_snapshot_globs();
  return p;
}
}  // namespace

TEST_CASE("a small world-readable text file under content.paths may be snapshotted") {
  CHECK(snapshot_candidate(policy(), "/etc/hosts", 0644, 200));
  CHECK(snapshot_content_ok("127.0.0.1 localhost\n"));
}

TEST_CASE("a 0600 file is never snapshotted") {
  CHECK_FALSE(snapshot_candidate(policy(), "/etc/app.conf", 0600, 200));
  CHECK_FALSE(snapshot_candidate(policy(), "/etc/app.conf", 0640, 200));
}

TEST_CASE("secret names are never snapshotted, even with an empty never list") {
  ContentPolicy p = policy();
  p.never.clear();
  for (const char* path : {"/etc/shadow", "/etc/gshadow-", "/etc/ssl/private/site.pem", "/etc/app/tls.key",
                           "/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key.pub",
                           "/etc/kubernetes/admin.conf", "/etc/kubernetes/pki/ca.crt",
                           "/etc/cni/net.d/calico-kubeconfig", "/etc/app/token"}) {
    CHECK_MESSAGE(!snapshot_candidate(p, path, 0644, 100), path);
  }
}

TEST_CASE("the config's never list adds globs") {
  ContentPolicy p = policy();
  p.never.push_back("/etc/app/*");
  CHECK_FALSE(snapshot_candidate(p, "/etc/app/settings.ini", 0644, 100));
}

TEST_CASE("files over max_bytes or outside content.paths are hashed only") {
  CHECK_FALSE(snapshot_candidate(policy(), "/etc/big.conf", 0644, 65537));
  CHECK_FALSE(snapshot_candidate(policy(), "/usr/bin/script", 0755, 100));
}

TEST_CASE("binary content and private keys are refused after reading") {
  CHECK_FALSE(snapshot_content_ok(std::string("ELF\0\0\0", 6)));
  CHECK_FALSE(snapshot_content_ok("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"));
  CHECK_FALSE(snapshot_content_ok("-----BEGIN PRIVATE KEY-----\nabc\n"));
  CHECK(snapshot_content_ok("-----BEGIN CERTIFICATE-----\nabc\n"));
}
