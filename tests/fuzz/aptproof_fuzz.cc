// libFuzzer target for aptproof's readers: what an attacker with root can put
// in var/lib/apt/lists and var/cache/apt/archives. The first byte picks the
// reader: the deb822 reader (Packages indexes, control files, InRelease text)
// fed whole and in chunks whose size the input picks, which must agree; the
// sources readers; the compressed-stream and .deb readers over the bytes as a
// file, within small bounds that must hold; the clearsign framing check.
// Besides "no crash, no leak, no hang" it asserts a stanza's field names are
// never empty or blank, and no reader hands out (or decompresses, for a .deb's
// tar members, what it skips included) more than its bound.
// Built and run by tests/fuzz/run.sh (target `aptproof`), not by CTest.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "aptproof/apt_sources.h"
#include "aptproof/archive_stream.h"
#include "aptproof/deb822.h"
#include "aptproof/openpgp_verifier.h"

using namespace drift;

namespace {

#define require(ok) require_at((ok), #ok, __LINE__)
void require_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "aptproof_fuzz.cc:%d: %s does not hold\n", line, what);
  std::abort();
}

std::string flatten(const std::vector<Deb822Stanza>& stanzas) {
  std::string out;
  for (const Deb822Stanza& s : stanzas) {
    for (const auto& [k, v] : s.fields) {
      require(!k.empty() && k.find_first_of(" \t\n") == std::string::npos);
      out += k + "\x01" + v + "\x02";
    }
    out += "\x03";
  }
  return out;
}

void fuzz_deb822(std::string_view text, size_t chunk) {
  std::vector<Deb822Stanza> whole;
  std::string err;
  const bool ok = parse_deb822(text, &whole, &err, 1000);
  std::vector<Deb822Stanza> pieces;
  Deb822Reader r([&](Deb822Stanza&& s) {
    pieces.push_back(std::move(s));
    return pieces.size() <= 1000;
  });
  bool fed = true;
  for (size_t i = 0; i < text.size() && fed; i += chunk) fed = r.feed(text.substr(i, chunk));
  const bool done = fed ? r.finish() : false;
  if (ok && pieces.size() <= 1000) {
    require(done || r.stopped());
    require(flatten(whole) == flatten(pieces));
  }
}

int memfd_of(std::string_view bytes) {
  const int fd = ::memfd_create("aptproof_fuzz", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) || ::lseek(fd, 0, SEEK_SET) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t mode = data[0] % 5;
  const size_t chunk = 1 + data[1] % 64;
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  std::vector<std::string> problems;
  switch (mode) {
    case 0:
      fuzz_deb822(text, chunk);
      break;
    case 1: {
      for (const AptSource& s : parse_sources_list(text, "f", &problems)) {
        require(!s.suites.empty());
        (void)list_prefix_of(s, s.suites[0]);
      }
      for (const AptSource& s : parse_sources_deb822(text, "f", &problems)) {
        for (const std::string& suite : s.suites) (void)list_prefix_of(s, suite);
      }
      break;
    }
    case 2: {
      const int fd = memfd_of(text);
      if (fd < 0) return 0;
      const StreamLimits limits{1u << 20, 16};
      uint64_t total = 0;
      std::string err;
      read_compressed_stream(fd, limits, [&](std::string_view c) { total += c.size(); return true; }, &err);
      require(total <= limits.max_bytes);
      ::close(fd);
      break;
    }
    case 3: {
      const int fd = memfd_of(text);
      if (fd < 0) return 0;
      DebContents c;
      std::string err;
      const StreamLimits limits{1u << 20, 16};
      if (read_deb(fd, limits, {}, &c, &err)) {
        require(c.size == text.size());
        require(c.sha256_hex.size() == 64);
      }
      // Success or not, the decompressors stopped near the bound (one block
      // past it at most), skipped entries included.
      require(c.decompressed <= limits.max_bytes + (4u << 20));
      ::close(fd);
      break;
    }
    case 4:
      (void)clearsign_framing_problem(std::string(text));
      break;
  }
  return 0;
}
