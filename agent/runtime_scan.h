// The runtime kernel state in driftctl's scans (baseline create, check,
// accept): read per config.runtime, severities decided with what dpkg's
// kernel packages ship, appended to the scan's entries; the sources that are
// not available carried over from the baseline. The daemon gets the same
// from agent/runtime_poller.h.
#pragma once

#include <string>

#include "agent/config.h"
#include "agent/dpkg_db.h"
#include "agent/scan.h"
#include "baseline/bundle.h"
#include "runtime/runtime_state.h"

namespace drift {

/// What the packages of `db` ship under /lib/modules and as /boot/vmlinuz-*:
/// module names, and the package of each kernel release (the one that ships
/// its vmlinuz, else one that ships modules for it).
KernelPackages kernel_packages_of(const DpkgDatabase& db);

/// The same from ROOT's dpkg database; `known` is false without a usable one.
KernelPackages load_kernel_packages(const std::string& root);

/// Appends the runtime entries (config.runtime.enabled) to scan->entries,
/// keeping them sorted, and the notes of sources not available to
/// scan->warnings. With a baseline, its entries for those sources are carried
/// over unchanged.
void add_runtime_state(const Config& config, const Baseline* baseline, ScanResult* scan);

}  // namespace drift
