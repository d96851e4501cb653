// driftctl: the operator's CLI. Finds the verb in the table, parses its
// options with the table's spec, and runs it; --help, -h and `help` answer
// from the same table (driftctl_help.h), on stdout, with exit 0.
#include <cstdio>
#include <string>
#include <vector>

#include "agent/check.h"
#include "agent/driftctl_commands.h"
#include "agent/driftctl_help.h"
#include "agent/exit_codes.h"
#include "lib/memory_policy.h"

namespace {

int print(FILE* out, const std::string& text, int code) {
  std::fputs(text.c_str(), out);
  return code;
}

// `driftctl help [WORDS]`: the overview, one verb, a group, or every option.
int help(const std::vector<std::string>& words) {
  if (words.empty()) return print(stdout, drift::overview_help(), 0);
  if (words.size() == 1 && words[0] == "--options") return print(stdout, drift::options_list(), 0);
  size_t consumed = 0;
  if (const drift::Command* c = drift::find_command(words, &consumed); c && consumed == words.size()) {
    return print(stdout, drift::command_help(*c), 0);
  }
  if (words.size() == 1) {
    if (const std::string g = drift::group_help(words[0]); !g.empty()) return print(stdout, g, 0);
  }
  std::string name;
  for (const std::string& w : words) name += (name.empty() ? "" : " ") + w;
  std::fprintf(stderr, "driftctl: no such command '%s' (`driftctl help` lists them)\n", name.c_str());
  return drift::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  drift::return_large_blocks_to_the_os();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return print(stderr, drift::overview_help(), drift::kExitUsage);
  if (args[0] == "--version" || args[0] == "version") {
    std::printf("driftctl %s\n", drift::kToolVersion);
    return 0;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    return help(std::vector<std::string>(args.begin() + 1, args.end()));
  }
  size_t consumed = 0;
  const drift::Command* command = drift::find_command(args, &consumed);
  if (!command) {
    // A group's word alone ("driftctl baseline"), or with --help.
    if (const std::string g = drift::group_help(args[0]); !g.empty()) {
      if (args.size() == 2 && (args[1] == "--help" || args[1] == "-h")) return print(stdout, g, 0);
      std::fprintf(stderr, "driftctl: %s needs a verb\n\n", args[0].c_str());
      return print(stderr, g, drift::kExitUsage);
    }
    std::fprintf(stderr, "driftctl: unknown command '%s'\n\n", args[0].c_str());
    return print(stderr, drift::overview_help(), drift::kExitUsage);
  }
  drift::Args parsed;
  std::string err;
  if (!drift::parse_args(std::vector<std::string>(args.begin() + static_cast<long>(consumed), args.end()),
                         drift::arg_spec(*command), &parsed, &err)) {
    std::fprintf(stderr, "driftctl: %s (`driftctl %s --help` lists its options)\n", err.c_str(), command->name);
    return drift::kExitUsage;
  }
  if (parsed.help) return print(stdout, drift::command_help(*command), 0);
  return command->run(parsed);
}
