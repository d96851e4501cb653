// Runtime state for driftctl. Reading dpkg's file lists costs a pass over
// info/*.list (tens of milliseconds), done once per command and only when the
// runtime state is enabled; the daemon's poller builds KernelPackages once.
#include "agent/runtime_scan.h"

#include <algorithm>

#include "runtime/runtime_state.h"

namespace drift {
namespace {

// "6.1.0-18-amd64" from "/usr/lib/modules/6.1.0-18-amd64/kernel/..." or
// "/boot/vmlinuz-6.1.0-18-amd64"; "" for other paths.
std::string release_of(std::string_view path) {
  for (std::string_view prefix : {"/usr/lib/modules/", "/lib/modules/"}) {
    if (path.starts_with(prefix)) {
      path.remove_prefix(prefix.size());
      return std::string(path.substr(0, path.find('/')));
    }
  }
  if (path.starts_with("/boot/vmlinuz-")) return std::string(path.substr(14));
  return "";
}

}  // namespace

KernelPackages kernel_packages_of(const DpkgDatabase& db) {
  KernelPackages k;
  k.known = true;
  std::map<std::string, std::string> image_of, modules_of;  // release -> package key
  db.for_each_listed(
      [](std::string_view p) {
        return p.starts_with("/usr/lib/modules/") || p.starts_with("/lib/modules/") || p.starts_with("/boot/vmlinuz-");
      },
      [&](const std::string& p, const std::string& key) {
        const std::string release = release_of(p);
        if (release.empty()) return;
        if (p.starts_with("/boot/")) {
          image_of.emplace(release, key);
          return;
        }
        modules_of.emplace(release, key);
        if (std::string name = module_name_of_file(p); !name.empty()) k.modules.insert(std::move(name));
      });
  for (auto* m : {&image_of, &modules_of}) {
    for (const auto& [release, key] : *m) {
      if (k.releases.count(release)) continue;
      if (const DpkgPackage* pkg = db.find(key)) k.releases[release] = {key, pkg->version};
    }
  }
  return k;
}

KernelPackages load_kernel_packages(const std::string& root) {
  DpkgDatabase db;
  std::string err;
  if (db.load(root, &err) != DpkgDatabase::Load::kOk) return {};
  return kernel_packages_of(db);
}

void add_runtime_state(const Config& config, const Baseline* baseline, ScanResult* scan) {
  if (!config.runtime.enabled) return;
  RuntimeRead read = read_runtime_state(config.runtime, load_kernel_packages(config.root));
  for (std::string& n : read.notes) scan->warnings.push_back("runtime: " + n);
  std::vector<Entry>& entries = scan->entries;
  entries.insert(entries.end(), std::make_move_iterator(read.entries.begin()),
                 std::make_move_iterator(read.entries.end()));
  // Runtime paths sort after every file path: the list is still sorted unless
  // the carry below adds to it.
  if (baseline) carry_unavailable(baseline->entries, read.unavailable, &entries);
}

}  // namespace drift
