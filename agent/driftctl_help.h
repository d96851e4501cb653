// driftctl's help texts, rendered from the verb table (driftctl_commands.h):
// the overview, a group's verbs, one verb's page, and the list of every
// option the parser accepts.
#pragma once

#include <string>
#include <vector>

#include "agent/driftctl_commands.h"

namespace drift {

/// `driftctl --help`: every verb with its synopsis, the config lookup, the exit codes.
std::string overview_help();

/// The verbs of a group ("baseline" -> baseline create, sign, ...), one a
/// line; "" when no verb's name starts with the group's word.
std::string group_help(const std::string& group);

/// One verb's page: synopsis, what it does, its options one a line, an
/// example, and the exit codes it returns with their kExitCodes names.
std::string command_help(const Command& command);

/// Every option the parser accepts, "VERB<TAB>FLAG" a line, straight from
/// arg_spec() (for the help test and a man-page generator).
std::string options_list();

/// The verb named by the first one or two words (two-word names first);
/// *consumed says how many. nullptr when none.
const Command* find_command(const std::vector<std::string>& words, size_t* consumed);

}  // namespace drift
