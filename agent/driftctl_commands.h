// driftctl's verbs as a table of {name, usage, help, handler}.
#pragma once

#include <string>
#include <vector>

namespace drift {

struct Command {
  const char* name;   // "check", "baseline create", ...
  const char* usage;  // argument synopsis
  const char* help;   // one paragraph
  int (*run)(const std::vector<std::string>& args);
};

const std::vector<Command>& driftctl_commands();

}  // namespace drift
