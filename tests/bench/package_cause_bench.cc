// What the package-aware check adds to a check, on this machine's own dpkg
// database: classify 0 and 100 drifted files of /usr/bin (their baseline
// records get a wrong hash and an older package version, as after an upgrade).
// Prints medians of 21 runs. Not a test: nothing here can fail on time.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <set>
#include <vector>

#include "agent/check.h"
#include "agent/config.h"
#include "agent/dpkg_db.h"
#include "agent/package_cause.h"
#include "agent/scan.h"

using namespace drift;
using Clock = std::chrono::steady_clock;

namespace {

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int bench(const std::string& root, const std::string& dir, bool header) {
  Config config;
  std::string err;
  if (!parse_config("node: bench\npaths:\n  - path: " + dir + "\n", "bench", &config, &err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  config.root = root;
  ScanResult scan = run_scan(config, ScanOptions{});
  PackageClassifier probe;
  probe.load(root);
  if (!probe.have_dpkg()) {
    std::fprintf(stderr, "no usable dpkg database under %s\n", root.c_str());
    return 77;
  }
  Baseline base;
  base.entries = scan.entries;
  assign_packages(&probe.db(), {}, [](const std::string&) { return true; }, true, false, &base);

  // The "before" side: 100 owned files recorded under a version one older, with other content.
  Baseline drifted = base;
  std::vector<std::pair<size_t, PackageVersion>> rows;  // entry index -> its row
  std::set<PackageVersion> table(base.packages.begin(), base.packages.end());
  size_t n = 0;
  for (size_t i = 0; i < base.entries.size(); ++i) {
    const Entry& e = base.entries[i];
    if (e.package == 0) continue;
    PackageVersion row = base.packages[e.package - 1];
    if (n < 100 && e.type == EntryType::kFile) {
      row.version += "~old";
      drifted.entries[i].sha256[0] ^= 0xff;
      ++n;
    }
    table.insert(row);
    rows.emplace_back(i, row);
  }
  drifted.packages.assign(table.begin(), table.end());
  for (const auto& [i, row] : rows) {
    auto it = std::lower_bound(drifted.packages.begin(), drifted.packages.end(), row);
    drifted.entries[i].package = static_cast<uint32_t>(it - drifted.packages.begin()) + 1;
  }

  const ComparePolicy policy = compare_policy_for(selection_from(config));
  std::vector<double> none, hundred;
  size_t explained = 0;
  for (int run = 0; run < 21; ++run) {
    Comparison clean = compare_entries(base.entries, scan.entries, policy);
    auto t0 = Clock::now();
    if (!clean.drifts.empty()) {  // as driftctl check does: nothing to read without drift
      PackageClassifier c;
      c.load(root);
      c.classify(base, &clean);
    }
    none.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());

    Comparison dirty = compare_entries(drifted.entries, scan.entries, policy);
    t0 = Clock::now();
    PackageClassifier c;
    c.load(root);
    c.classify(drifted, &dirty);
    hundred.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    explained = std::count_if(dirty.drifts.begin(), dirty.drifts.end(), [](const Drift& d) { return d.cause.package; });
    if (run == 0 && dirty.drifts.size() != n) std::fprintf(stderr, "expected %zu drifts, got %zu\n", n, dirty.drifts.size());
  }
  // Where the time goes, for the 100-file case.
  std::vector<double> t_load, t_lists, t_md5;
  std::set<std::string, std::less<>> paths;
  uint64_t md5_bytes = 0;
  for (size_t i = 0; i < drifted.entries.size(); ++i) {
    if (drifted.entries[i].sha256 != base.entries[i].sha256) {
      paths.insert(base.entries[i].path);
      md5_bytes += base.entries[i].size;
    }
  }
  for (int run = 0; run < 21; ++run) {
    auto t0 = Clock::now();
    DpkgDatabase db;
    db.load(root, &err);
    auto t1 = Clock::now();
    size_t owned = 0;
    db.for_each_listed([&](std::string_view p) { return paths.find(p) != paths.end(); },
                       [&](const std::string&, const std::string&) { ++owned; });
    auto t2 = Clock::now();
    std::string sha, md5;
    for (const std::string& p : paths) digests_of_file((root == "/" ? "" : root) + p, UINT64_MAX, &sha, &md5);
    auto t3 = Clock::now();
    t_load.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    t_lists.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    t_md5.push_back(std::chrono::duration<double, std::milli>(t3 - t2).count());
  }
  if (header) {
    std::printf("| drifted files | packages | explained | added time | status file | file lists | SHA-256+MD5 of drifted content | target |\n");
    std::printf("|---|---|---|---|---|---|---|---|\n");
  }
  std::printf("| none (%s) | %zu | 0 | %.3f ms | | | | < 5 ms |\n", dir.c_str(), probe.db().packages().size(), median_ms(none));
  std::printf("| %zu owned files of %s | %zu | %zu | %.1f ms | %.1f ms | %.1f ms | %.1f ms (%.1f MB) | < 50 ms |\n", n,
              dir.c_str(), probe.db().packages().size(), explained, median_ms(hundred), median_ms(t_load),
              median_ms(t_lists), median_ms(t_md5), md5_bytes / 1e6);
  return 0;
}

int main(int argc, char** argv) {
  const std::string root = argc > 1 ? argv[1] : "/";
  std::printf("medians of 21 runs, dpkg database under %s\n\n", root.c_str());
  int rc = bench(root, "/usr/bin", true);
  if (rc == 0) rc = bench(root, "/etc", false);
  return rc;
}
