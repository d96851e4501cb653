// driftctl report: the soak summary of driftd's Loki lines (soak/), as a verb.
#pragma once

#include <string>
#include <vector>

namespace drift {

extern const char* const kReportUsage;
extern const char* const kReportHelp;

/// The verb's handler: flags, config, Loki or --input, writer, exit code.
int cmd_report(const std::vector<std::string>& argv);

}  // namespace drift
