// The installed baseline as driftd holds it: verified, for this node, never
// below the rollback floor, the last valid one kept while a newer file is
// refused; old contents re-read only from the very file that was verified.
#include <doctest/doctest.h>

#include <unistd.h>

#include "agent/installed_baseline.h"
#include "baseline/signer.h"
#include "baseline_test_util.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;

namespace {

struct Fixture {
  TempDir dir;
  Key signing;
  std::string pub = dir / "key.pub", path = dir / "baseline";
  Fixture() {
    std::string err;
    REQUIRE(generate_key_pair(dir / "key.pem", pub, &err));
    REQUIRE(load_signing_key(dir / "key.pem", &signing, &err));
  }
  // Installs a baseline for NODE with SERIAL whose /etc/hosts holds CONTENT.
  void install(const std::string& node, uint64_t serial, const std::string& content = "127.0.0.1 localhost\n") {
    test::write_file(path, test::signed_one_file_baseline(signing, node, serial,
                                                          test::snapshot_entry("/etc/hosts", content), content));
  }
};

}  // namespace

TEST_CASE("InstalledBaseline: a valid baseline is taken, raises the floor, and the same file again is no news") {
  Fixture f;
  f.install("n1", 5);
  InstalledBaseline ib;
  InstalledBaseline::Outcome o = ib.load(f.path, f.pub, "n1");
  REQUIRE(o.accepted);
  CHECK(o.replaced);
  CHECK(o.serial_raised);
  CHECK(ib.valid());
  CHECK(ib.highest_serial() == 5);
  REQUIRE(ib.current());
  CHECK(ib.current()->meta.serial == 5);
  o = ib.load(f.path, f.pub, "n1");
  CHECK(o.accepted);
  CHECK_FALSE(o.replaced);
  CHECK_FALSE(o.serial_raised);
}

TEST_CASE("InstalledBaseline: another node's baseline and a rollback are refused; the last valid one stays") {
  Fixture f;
  f.install("n1", 5);
  InstalledBaseline ib;
  REQUIRE(ib.load(f.path, f.pub, "n1").accepted);
  f.install("n2", 6);
  InstalledBaseline::Outcome o = ib.load(f.path, f.pub, "n1");
  CHECK_FALSE(o.accepted);
  CHECK(o.reason.find("made for node 'n2', this is 'n1'") != std::string::npos);
  f.install("n1", 4);
  o = ib.load(f.path, f.pub, "n1");
  CHECK_FALSE(o.accepted);
  CHECK(o.reason.find("rollback refused") != std::string::npos);
  CHECK(ib.mark_invalid(o.reason));
  CHECK_FALSE(ib.mark_invalid(o.reason));  // the same reason is logged once
  CHECK_FALSE(ib.valid());
  REQUIRE(ib.current());
  CHECK(ib.current()->meta.serial == 5);  // still compared with
  f.install("n1", 5, "changed\n");  // the floor's serial itself is no rollback
  o = ib.load(f.path, f.pub, "n1");
  CHECK(o.accepted);
  CHECK(o.replaced);
  CHECK(ib.valid());
  CHECK(ib.problem().empty());
}

TEST_CASE("InstalledBaseline: the floor from state_dir refuses older serials; a floor that does not parse refuses all") {
  Fixture f;
  f.install("n1", 5);
  InstalledBaseline ib;
  ib.set_floor(6, "");
  CHECK_FALSE(ib.load(f.path, f.pub, "n1").accepted);
  InstalledBaseline broken;
  broken.set_floor(0, "state/highest-serial does not hold a serial");
  const InstalledBaseline::Outcome o = broken.load(f.path, f.pub, "n1");
  CHECK_FALSE(o.accepted);
  CHECK(o.reason == "state/highest-serial does not hold a serial");
}

TEST_CASE("InstalledBaseline: an unreadable or tampered file is refused with the step that failed") {
  Fixture f;
  InstalledBaseline ib;
  InstalledBaseline::Outcome o = ib.load(f.path, f.pub, "n1");
  CHECK_FALSE(o.accepted);
  CHECK(o.reason.rfind("baseline ", 0) == 0);
  f.install("n1", 5);
  std::string err;
  VerifiedBaseline vb;
  BaselineError error;
  Key key;
  REQUIRE(load_public_key(f.pub, &key, &err));
  CHECK(read_verified_baseline(f.path, &key, false, nullptr, &vb, &error, &err) == BaselineStep::kOk);
  test::write_file(f.path, vb.bytes.substr(0, vb.bytes.size() - 10));
  CHECK(read_verified_baseline(f.path, &key, false, nullptr, &vb, &error, &err) == BaselineStep::kVerify);
  CHECK(read_verified_baseline(f.dir / "none", &key, false, nullptr, &vb, &error, &err) == BaselineStep::kRead);
  o = ib.load(f.path, f.pub, "n1");
  CHECK_FALSE(o.accepted);
  CHECK(o.reason.rfind(f.path + ": ", 0) == 0);
}

TEST_CASE("reread_snapshots: old contents only from the very file that was verified") {
  Fixture f;
  f.install("n1", 5);
  InstalledBaseline ib;
  REQUIRE(ib.load(f.path, f.pub, "n1").accepted);
  const std::string sha = hex_encode(ib.current()->entries[0].sha256);
  CHECK(ib.current()->snapshots.empty());  // not held in memory
  auto got = reread_snapshots(f.path, ib.payload_sha256(), {sha});
  REQUIRE(got.count(sha));
  CHECK(got[sha] == "127.0.0.1 localhost\n");
  CHECK(reread_snapshots(f.path, ib.payload_sha256(), {}).empty());
  f.install("n1", 6);  // replaced since: another payload
  CHECK(reread_snapshots(f.path, ib.payload_sha256(), {sha}).empty());
}

TEST_CASE("made_for_node and is_rollback") {
  Baseline b;
  b.meta.node = "n1";
  CHECK(made_for_node(b, "n1"));
  CHECK_FALSE(made_for_node(b, "n2"));
  CHECK(is_rollback(4, 5));
  CHECK_FALSE(is_rollback(5, 5));
  CHECK_FALSE(is_rollback(6, 5));
}

TEST_CASE("InstalledBaseline: installed means a baseline was ever put here, valid or not") {
  Fixture f;
  InstalledBaseline fresh;
  CHECK_FALSE(fresh.load(f.path, f.pub, "n1").accepted);
  CHECK_FALSE(fresh.installed());  // a node waiting for its first baseline
  test::write_file(f.path, "garbage");
  CHECK_FALSE(fresh.load(f.path, f.pub, "n1").accepted);
  CHECK(fresh.installed());  // there is one, and it is broken
  ::unlink(f.path.c_str());
  InstalledBaseline restarted;
  restarted.set_floor(4, "");
  CHECK_FALSE(restarted.load(f.path, f.pub, "n1").accepted);
  CHECK(restarted.installed());  // state_dir remembers serial 4: the file was removed
  f.install("n1", 5);
  InstalledBaseline ok;
  REQUIRE(ok.load(f.path, f.pub, "n1").accepted);
  ::unlink(f.path.c_str());
  CHECK_FALSE(ok.load(f.path, f.pub, "n1").accepted);
  CHECK(ok.installed());  // it held a valid one
}
