// driftctl: the operator's CLI. Finds the verb in the table and runs it.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "agent/check.h"
#include "lib/memory_policy.h"
#include "agent/driftctl_commands.h"
#include "agent/exit_codes.h"

namespace {

void print_usage(FILE* out) {
  std::fprintf(out, "usage: driftctl COMMAND [options]\n\ncommands:\n");
  for (const auto& c : drift::driftctl_commands()) std::fprintf(out, "  %-16s %s\n", c.name, c.usage);
  std::fprintf(out,
               "\n`driftctl help COMMAND` explains one; `driftctl --version` prints the version.\n"
               "\n"
               "config: --config FILE, else /etc/driftd/config.yaml when it exists, else the embedded\n"
               "default (`driftctl config show --default`). --root, --baseline, --public-key override\n"
               "the keys of the same meaning; `-` is stdin/stdout wherever a baseline is read or written.\n"
               "\n"
               "exit status:\n"
               "  0          no drift (check, diff), or success\n"
               "  1, 2, 4    OR-ed: added, removed, changed (AIDE's bits); exports check: 4 on a violation\n"
               "  8          OR-ed: the scan was incomplete (unreadable or vanished entries)\n"
               "  16         usage or config error (the message names the key and line)\n"
               "  17         baseline unreadable: missing, truncated, garbage, unknown format version\n"
               "  18         signature invalid: unsigned, tampered, signed by another key\n"
               "  19         baseline for another node, or older than the installed one\n"
               "  20         I/O: a key cannot be read, output cannot be written\n");
}

}  // namespace

int main(int argc, char** argv) {
  drift::return_large_blocks_to_the_os();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(stderr);
    return drift::kExitUsage;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::printf("driftctl %s\n", drift::kToolVersion);
    return 0;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args.size() == 1) {
      print_usage(stdout);
      return 0;
    }
    std::string name = args[1];
    for (size_t i = 2; i < args.size(); ++i) name += " " + args[i];
    for (const auto& c : drift::driftctl_commands()) {
      if (name == c.name) {
        std::printf("usage: driftctl %s %s\n\n%s\n", c.name, c.usage, c.help);
        return 0;
      }
    }
    std::fprintf(stderr, "driftctl: no such command '%s'\n", name.c_str());
    return drift::kExitUsage;
  }
  // Two-word verbs ("baseline create", "config show") first, then one-word.
  for (const auto& c : drift::driftctl_commands()) {
    const std::string name = c.name;
    const size_t sp = name.find(' ');
    if (sp != std::string::npos) {
      if (args.size() >= 2 && args[0] == name.substr(0, sp) && args[1] == name.substr(sp + 1)) {
        return c.run(std::vector<std::string>(args.begin() + 2, args.end()));
      }
    } else if (args[0] == name) {
      return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
    }
  }
  std::fprintf(stderr, "driftctl: unknown command '%s'\n\n", args[0].c_str());
  print_usage(stderr);
  return drift::kExitUsage;
}
