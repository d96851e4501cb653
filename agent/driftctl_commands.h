// driftctl's verbs as a table of {name, usage, help, options, example, exit
// codes, handler}: the one source of what each verb accepts (the parser's
// spec is made from `options`) and of what its help says (driftctl_help.h
// renders it; a man-page generator can read the same table).
#pragma once

#include <string>
#include <vector>

#include "lib/cli_args.h"

namespace drift {

/// One option a verb accepts, and its line of help.
struct Option {
  const char* flag;         // "--config"
  const char* value;        // "FILE" for --flag VALUE; nullptr for a switch
  const char* help;         // one line, no newline
  bool repeatable = false;  // --flag VALUE, given any number of times
};

/// One exit code a verb returns (a code of exit_codes.h), and what it means
/// for this verb; nullptr takes the meaning from kExitCodes.
struct ExitDoc {
  int code;
  const char* meaning = nullptr;
};

struct Command {
  const char* name;     // "check", "baseline create", ...
  const char* usage;    // argument synopsis
  const char* help;     // one paragraph: what it does
  std::vector<Option> options;
  size_t min_positional = 0, max_positional = 0;
  const char* example;  // one or more command lines, '\n' between
  std::vector<ExitDoc> exits;
  int (*run)(const Args& args);  // called with the arguments parse_args made of argv
};

const std::vector<Command>& driftctl_commands();

/// The parser's spec for a verb, made from its options.
ArgSpec arg_spec(const Command& command);

}  // namespace drift
