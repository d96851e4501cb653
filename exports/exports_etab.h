// Runtime drift: the exports the kernel was last given (/var/lib/nfs/etab)
// against those /etc/exports would give it now.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "exports/exports_file.h"
#include "exports/exports_report.h"

namespace drift {

/// An export path as nfs-utils stores it (symlinks resolved); identity when empty.
using ExportPathResolver = std::function<std::string(const std::string&)>;

/// Compares the applied entries of the exports files with etab's text, both
/// ways: exported by the files but not applied, applied but not in the files,
/// and option differences, after expanding every default as exportfs does.
/// A host whose etab was written by `exportfs -ra` from these files is clean.
void check_etab(const std::vector<ExportEntry>& entries, const std::string& etab_path, const std::string& etab_text,
                const ExportPathResolver& realpath, std::vector<ExportsViolation>* out);

}  // namespace drift
