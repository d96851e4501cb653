// Which runtime drift a kernel upgrade explains. A kernel package installed or
// upgraded since the baseline, and booted (it ships the running release),
// changes the release and version, the command line's BOOT_IMAGE, and the
// size and srcversion of the modules it ships: those drifts get cause
// `package`. Nothing else does: a module newly loaded is never explained by
// its file belonging to a package (that is how every module gets loaded,
// rootkits included), nor is a taint bit, a sysctl, or any other change of
// the command line.
#pragma once

#include "baseline/bundle.h"
#include "baseline/compare.h"
#include "runtime/runtime_state.h"

namespace drift {

/// Sets the cause of the runtime drifts a kernel upgrade explains; leaves
/// every other drift as it is. `installed` is what the packages installed now
/// ship; the baseline's package table says what was installed then (a
/// baseline without one explains nothing, as for files).
void classify_runtime_causes(const KernelPackages& installed, const Baseline& baseline, Comparison* comparison);

}  // namespace drift
