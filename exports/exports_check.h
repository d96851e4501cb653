// The /etc/exports checks: parse errors, the NFSv4 pseudo-root (fsid=0),
// duplicate fsids, the "host (rw)" world export, clients outside the allowed
// networks, per-path option rules, nfs.conf expectations and etab drift.
// driftctl's `exports check` and driftd call this.
#pragma once

#include <string>

#include "exports/exports_config.h"
#include "exports/exports_report.h"
#include "exports/exports_sources.h"

namespace drift {

/// Runs every configured rule over the files under `root`. I/O trouble is a violation or a note, never a crash.
ExportsReport check_exports(const ExportsConfig& config, const std::string& root);

/// The same over sources already read (tests and the fuzzer use this).
ExportsReport check_exports_sources(const ExportsConfig& config, const ExportsSources& sources);

}  // namespace drift
