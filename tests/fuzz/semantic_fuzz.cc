// libFuzzer target for semantic/: every reader (YAML, JSON, TOML, kubelet
// flags, sshd_config, sysctl.d), the key differ and the key-path parser, on
// whatever bytes the fuzzer makes of real config files. Besides "no crash, no
// leak, no hang" it asserts what the reports rest on: every key a reader
// makes is a key path that parses and formats back to itself; a file
// compared with itself has no key diff; a diff's changed keys exist on both
// sides, added ones only after, removed ones only before.
//
// An input's first byte picks the format; the rest is the "before" text,
// and "\n--after--\n" may split off an "after" (default: the before text).
// Built and run by tests/fuzz/run.sh, not by CTest.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "semantic/key_diff.h"
#include "semantic/key_path.h"

using namespace drift;

namespace {

constexpr Format kFormats[] = {Format::kYaml, Format::kJson,  Format::kToml,
                               Format::kKubeletFlags, Format::kSshd, Format::kSysctl};

void require(bool ok) {
  if (!ok) std::abort();
}

void check_keys(const FlatDoc& doc) {
  require(doc.order.size() == doc.values.size());
  for (const std::string& key : doc.order) {
    KeyPath path;
    std::string err;
    require(parse_key_path(key, &path, &err));
    require(format_key_path(path) == key);
    require(doc.values.count(key) == 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Format format = kFormats[data[0] % std::size(kFormats)];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const size_t cut = input.find("\n--after--\n");
  const std::string_view before = cut == std::string_view::npos ? input : input.substr(0, cut);
  const std::string_view after = cut == std::string_view::npos ? input : input.substr(cut + 11);

  const FlatDoc a = read_format(format, before), b = read_format(format, after);
  check_keys(a);
  check_keys(b);
  if (a.ok()) {
    const KeyDiff same = diff_flat(a, a);
    require(same.ok() && same.changes.empty());
  }
  const KeyDiff d = diff_flat(a, b);
  require(d.ok() == (a.ok() && b.ok()));
  for (const KeyChange& c : d.changes) {
    const bool was = a.find(c.key) != nullptr, is = b.find(c.key) != nullptr;
    require(c.op == KeyOp::kChanged ? was && is : c.op == KeyOp::kAdded ? !was && is : was && !is);
  }
  // The key-path parser on raw bytes: whatever parses formats to a text that parses to the same path.
  KeyPath path;
  std::string err;
  if (parse_key_path(before.substr(0, 256), &path, &err)) {
    KeyPath again;
    require(parse_key_path(format_key_path(path), &again, &err) && again == path);
  }
  return 0;
}
