// Baseline signatures: any tampering, another key, unsigned or truncated
// baselines are refused with a one-line reason.
#include <doctest/doctest.h>

#include "baseline/bundle.h"
#include "test_util.h"

using namespace drift;

namespace {

Baseline small_baseline() {
  Baseline b;
  b.meta.node = "k8s-node2";
  b.meta.created = 1790000000;
  b.meta.serial = 7;
  b.meta.tool_version = "driftd test";
  b.meta.config_sha256 = std::string(64, 'c');
  Entry e;
  e.path = "/etc/hosts";
  e.type = EntryType::kFile;
  e.mode = 0644;
  e.size = 10;
  e.has_sha256 = true;
  const std::string content = "127.0.0.1 localhost\n";
  const std::string digest = sha256_bytes(content);
  std::copy(digest.begin(), digest.end(), e.sha256.begin());
  e.snapshot = true;
  b.entries = {e};
  b.snapshots[hex_encode(e.sha256)] = content;
  return b;
}

struct Keys {
  test::TempDir dir;
  Key signing, verifying, other_verifying;
  Keys() {
    std::string err;
    REQUIRE(generate_key_pair(dir / "a.pem", dir / "a.pub", &err));
    REQUIRE(generate_key_pair(dir / "b.pem", dir / "b.pub", &err));
    REQUIRE(load_signing_key(dir / "a.pem", &signing, &err));
    REQUIRE(load_public_key(dir / "a.pub", &verifying, &err));
    REQUIRE(load_public_key(dir / "b.pub", &other_verifying, &err));
  }
};

bool read_with(const std::string& bytes, const Key* key, std::string* err, BaselineError* error,
               bool allow_unsigned = false) {
  Baseline b;
  SignatureInfo info;
  BaselineReadOptions options;
  options.public_key = key;
  options.allow_unsigned = allow_unsigned;
  options.want_snapshot = [](const std::string&) { return true; };
  return read_baseline_bytes(bytes, options, &b, &info, error, err);
}

}  // namespace

TEST_CASE("a signed baseline verifies and round-trips its contents") {
  Keys k;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &bytes, &err));
  Baseline b;
  SignatureInfo info;
  BaselineError error;
  BaselineReadOptions options;
  options.public_key = &k.verifying;
  options.want_snapshot = [](const std::string&) { return true; };
  REQUIRE_MESSAGE(read_baseline_bytes(bytes, options, &b, &info, &error, &err), err);
  CHECK(info.state == SignatureState::kSigned);
  CHECK(info.key_id == key_id(k.verifying));
  CHECK(b.meta.node == "k8s-node2");
  CHECK(b.meta.serial == 7);
  REQUIRE(b.entries.size() == 1);
  CHECK(b.snapshots.begin()->second == "127.0.0.1 localhost\n");
}

TEST_CASE("writing the same baseline twice gives identical bytes") {
  Keys k;
  std::string one, two, err;
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &one, &err));
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &two, &err));
  CHECK(one == two);
}

TEST_CASE("flipping any single byte of a signed baseline is refused") {
  Keys k;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &bytes, &err));
  size_t refused = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string tampered = bytes;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x20);
    BaselineError error;
    if (!read_with(tampered, &k.verifying, &err, &error)) {
      ++refused;
      CHECK(error != BaselineError::kNone);
      CHECK_FALSE(err.empty());
      CHECK(err.find('\n') == std::string::npos);  // one line
    }
  }
  CHECK(refused == bytes.size());
}

TEST_CASE("a baseline signed by another key is refused as a signature error") {
  Keys k;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &bytes, &err));
  BaselineError error;
  CHECK_FALSE(read_with(bytes, &k.other_verifying, &err, &error));
  CHECK(error == BaselineError::kSignature);
  CHECK(err.find("signed by another key") != std::string::npos);
}

TEST_CASE("an unsigned baseline is refused unless unsigned baselines are allowed") {
  Keys k;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), nullptr, &bytes, &err));
  BaselineError error;
  CHECK_FALSE(read_with(bytes, &k.verifying, &err, &error));
  CHECK(error == BaselineError::kSignature);
  CHECK(err.find("unsigned") != std::string::npos);
  CHECK(read_with(bytes, &k.verifying, &err, &error, /*allow_unsigned=*/true));
}

TEST_CASE("every truncation of a baseline is refused") {
  Keys k;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), &k.signing, &bytes, &err));
  for (size_t len = 0; len < bytes.size(); len += 7) {
    BaselineError error;
    CHECK_FALSE(read_with(bytes.substr(0, len), &k.verifying, &err, &error));
    CHECK(error == BaselineError::kUnreadable);
  }
}

TEST_CASE("garbage is refused as not a baseline") {
  Keys k;
  std::string err;
  BaselineError error;
  CHECK_FALSE(read_with(std::string(4000, 'x'), &k.verifying, &err, &error));
  CHECK(err.find("not a driftd baseline") != std::string::npos);
}

TEST_CASE("signing elsewhere: an unsigned baseline signed later verifies") {
  Keys k;
  std::string unsigned_bytes, signed_bytes, err;
  REQUIRE(write_baseline_bytes(small_baseline(), nullptr, &unsigned_bytes, &err));
  BaselineError error;
  REQUIRE_MESSAGE(sign_baseline_bytes(unsigned_bytes, k.signing, &signed_bytes, &error, &err), err);
  CHECK(read_with(signed_bytes, &k.verifying, &err, &error));
  // A corrupt unsigned payload is never signed.
  std::string corrupt = unsigned_bytes;
  corrupt[10] = static_cast<char>(corrupt[10] ^ 1);
  CHECK_FALSE(sign_baseline_bytes(corrupt, k.signing, &signed_bytes, &error, &err));
  CHECK(error == BaselineError::kSignature);
}

TEST_CASE("an unknown baseline format version is refused with the version named") {
  Keys k;
  Baseline b = small_baseline();
  b.meta.format_version = 99;
  std::string bytes, err;
  REQUIRE(write_baseline_bytes(b, &k.signing, &bytes, &err));
  BaselineError error;
  CHECK_FALSE(read_with(bytes, &k.verifying, &err, &error));
  CHECK(error == BaselineError::kUnreadable);
  CHECK(err.find("unknown baseline format version '99'") != std::string::npos);
}
