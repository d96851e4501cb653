// Kernel upgrade causes: find the running release (the drifted kernel:release,
// else the baseline's, unchanged), the package that ships it, and whether the
// baseline's package table already had that package at that version. If it
// did not, the upgrade is what changed the kernel, and the drifts it can
// change are explained.
#include "runtime/runtime_cause.h"

#include <algorithm>

namespace drift {
namespace {

const Entry* find_entry(const std::vector<Entry>& sorted, const std::string& path) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), path,
                             [](const Entry& e, const std::string& p) { return e.path < p; });
  return it != sorted.end() && it->path == path ? &*it : nullptr;
}

bool upgrade_can_change(const Drift& d, const KernelPackages& installed) {
  if (d.kind != DriftKind::kChanged) return false;
  const std::string& path = d.path();
  if (path == "kernel:release" || path == "kernel:version") return true;
  if (path == "cmdline:") {
    return cmdline_without_boot_image(d.before->target) == cmdline_without_boot_image(d.after->target);
  }
  if (path.starts_with("module:")) {
    AttrSet allowed;
    allowed.add(Attr::kSize);
    allowed.add(Attr::kValue);
    return d.changed.subset_of(allowed) && installed.modules.count(path.substr(7)) &&
           module_value_without_srcversion(d.before->target) == module_value_without_srcversion(d.after->target);
  }
  return false;
}

}  // namespace

void classify_runtime_causes(const KernelPackages& installed, const Baseline& baseline, Comparison* c) {
  if (!installed.known || baseline.packages.empty()) return;
  std::string release;
  for (const Drift& d : c->drifts) {
    if (d.path() == "kernel:release" && d.after) release = d.after->target;
  }
  if (release.empty()) {
    const Entry* e = find_entry(baseline.entries, "kernel:release");
    if (!e) return;
    release = e->target;
  }
  auto it = installed.releases.find(release);
  if (it == installed.releases.end()) return;
  const PackageVersion& pkg = it->second;
  if (std::binary_search(baseline.packages.begin(), baseline.packages.end(), pkg)) return;  // not new since
  std::string before;
  for (const PackageVersion& row : baseline.packages) {
    if (row.name == pkg.name) before = row.version;
  }
  for (Drift& d : c->drifts) {
    if (d.before && d.before->type != EntryType::kRuntime) continue;
    if (!upgrade_can_change(d, installed)) continue;
    d.cause.package = true;
    d.cause.package_name = pkg.name;
    d.cause.version_before = before;
    d.cause.version_now = pkg.version;
  }
}

}  // namespace drift
