// libFuzzer target for the one baseline reader (read_baseline_bytes): the
// member order, names, bounds, meta keys, package table, index decoder and
// snapshot digests, on whatever the fuzzer makes of a real baseline's tar.
// The input is the *uncompressed* tar stream: the harness compresses it with
// zstd (libarchive's raw format) and adds a matching unsigned trailer, so the
// mutations reach the reader's rules instead of dying in the decompressor or
// the checksum. Besides "no crash, no leak, no hang, no allocation past the
// bounds" it asserts that every mode of reading agrees: a payload that reads
// with all snapshots also reads with none and with skip_index, and the reverse.
// Built and run by tests/fuzz/run.sh baseline, not by CTest.
#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "baseline/bundle.h"
#include "baseline/entry.h"
#include "baseline/signer.h"

using namespace drift;

namespace {

std::string zstd_of(const uint8_t* data, size_t size) {
  std::string out;
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
  archive_write_set_format_raw(a.get());
  archive_write_add_filter_zstd(a.get());
  archive_write_set_bytes_in_last_block(a.get(), 1);
  archive_write_open2(
      a.get(), &out, nullptr,
      [](archive*, void* ctx, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(ctx)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr, nullptr);
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname(e.get(), "raw");
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
  archive_write_header(a.get(), e.get());
  archive_write_data(a.get(), data, size);
  archive_write_close(a.get());
  return out;
}

bool read_as(const std::string& file, int mode) {
  Baseline b;
  SignatureInfo info;
  BaselineError error;
  std::string err;
  BaselineReadOptions o;
  if (mode == 1) o.want_snapshot = [](const std::string&) { return true; };
  if (mode == 2) o.skip_index = true;
  const bool ok = read_baseline_bytes(file, o, &b, &info, &error, &err);
  if (!ok && (err.empty() || err.find('\n') != std::string::npos)) std::abort();  // one line, always
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string payload = zstd_of(data, size);
  const std::string d = sha256_bytes(payload);
  const std::string file = payload + "DRIFTD-SIG1 unsignd " + std::string(16, '-') + " " +
                           hex_encode(reinterpret_cast<const uint8_t*>(d.data()), d.size()) + std::string(64, '-') + "\n";
  const bool all = read_as(file, 1);
  if (read_as(file, 0) != all || read_as(file, 2) != all) std::abort();  // one archive, one meaning
  return 0;
}
