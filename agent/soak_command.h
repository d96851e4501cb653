// driftctl report: the soak summary of driftd's Loki lines (soak/), as a verb.
#pragma once

#include "lib/cli_args.h"

namespace drift {

/// The verb's handler (its options are in driftctl's verb table): range,
/// config, Loki or --input, writer, exit code.
int cmd_report(const Args& args);

}  // namespace drift
