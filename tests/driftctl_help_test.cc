// agent/driftctl_help and the verb table: every option the parser accepts has
// one line of help, every verb has an example and exit codes named in
// exit_codes.h, --help/-h parse as a request for help, and groups list their verbs.
#include <doctest/doctest.h>

#include <cstring>
#include <set>
#include <string>

#include "agent/driftctl_commands.h"
#include "agent/driftctl_help.h"
#include "agent/exit_codes.h"
#include "baseline/compare.h"
#include "lib/cli_args.h"

using namespace drift;

namespace {

const Command& command(const std::string& name) {
  size_t consumed = 0;
  std::vector<std::string> words;
  const size_t sp = name.find(' ');
  words.push_back(name.substr(0, sp));
  if (sp != std::string::npos) words.push_back(name.substr(sp + 1));
  const Command* c = find_command(words, &consumed);
  REQUIRE(c != nullptr);
  return *c;
}

}  // namespace

TEST_CASE("HelpEveryOptionTheParserAcceptsHasOneLineOfHelp") {
  for (const Command& c : driftctl_commands()) {
    CAPTURE(c.name);
    const std::string help = command_help(c);
    const ArgSpec spec = arg_spec(c);
    std::set<std::string> accepted = spec.value_flags;
    accepted.insert(spec.bool_flags.begin(), spec.bool_flags.end());
    accepted.insert(spec.repeat_flags.begin(), spec.repeat_flags.end());
    CHECK(accepted.size() == c.options.size());  // no flag twice
    for (const Option& o : c.options) {
      CAPTURE(o.flag);
      REQUIRE(o.help != nullptr);
      CHECK(std::strlen(o.help) > 0);
      CHECK(std::strchr(o.help, '\n') == nullptr);
      CHECK(help.find("\n  " + std::string(o.flag)) != std::string::npos);
    }
  }
}

TEST_CASE("HelpEveryVerbHasAnExampleAndNamedExitCodes") {
  for (const Command& c : driftctl_commands()) {
    CAPTURE(c.name);
    const std::string help = command_help(c);
    REQUIRE(c.example != nullptr);
    CHECK(std::string(c.example).rfind(std::string("driftctl ") + c.name, 0) == 0);
    CHECK(help.find("\nexample:\n  driftctl ") != std::string::npos);
    REQUIRE(!c.exits.empty());
    CHECK(c.exits.front().code == kExitOk);
    for (const ExitDoc& e : c.exits) {
      CAPTURE(e.code);
      const ExitCodeInfo* info = exit_code_info(e.code);
      REQUIRE(info != nullptr);
      CHECK(help.find("  " + std::to_string(e.code) + " ") != std::string::npos);
      CHECK(help.find(info->name) != std::string::npos);
    }
  }
}

TEST_CASE("HelpCheckPageListsItsOptionsExampleAndExitCodes") {
  const std::string help = command_help(command("check"));
  CHECK(help.rfind("usage: driftctl check ", 0) == 0);
  CHECK(help.find("\n  --root DIR ") != std::string::npos);
  CHECK(help.find("\n  --json ") != std::string::npos);
  CHECK(help.find("\n  -h, --help ") != std::string::npos);
  CHECK(help.find("\n  2    removed: ") != std::string::npos);
  CHECK(help.find("\n  18   signature-invalid: ") != std::string::npos);
}

TEST_CASE("HelpGroupListsItsVerbsOnly") {
  const std::string g = group_help("baseline");
  for (const char* verb : {"baseline create", "baseline sign", "baseline verify", "baseline install", "baseline show"}) {
    CHECK(g.find(std::string("\n  ") + verb + " ") != std::string::npos);
  }
  CHECK(g.find("\n  check") == std::string::npos);
  CHECK(group_help("check").empty());  // a verb, not a group
  CHECK(group_help("base").empty());
}

TEST_CASE("HelpOverviewListsEveryVerb") {
  const std::string o = overview_help();
  for (const Command& c : driftctl_commands()) CHECK(o.find(std::string("\n  ") + c.name + " ") != std::string::npos);
}

TEST_CASE("HelpOptionsListIsTheParsersSpec") {
  const std::string list = options_list();
  CHECK(list.find("check\t--root\n") != std::string::npos);
  CHECK(list.find("accept\t--path\n") != std::string::npos);
  CHECK(list.find("baseline install\t--allow-node-mismatch\n") != std::string::npos);
  CHECK(list.find("baseline install\t--allow-unsigned\n") == std::string::npos);
}

TEST_CASE("ExitCodeTableAgreesWithTheDriftBits") {
  CHECK(exit_code_info(kExitAdded)->name == std::string("added"));
  CHECK(exit_code_info(kExitRemoved)->name == std::string("removed"));
  CHECK(exit_code_info(kExitChanged)->name == std::string("changed"));
  CHECK(exit_code_info(kExitIncomplete)->name == std::string("incomplete"));
  CHECK(exit_code_info(3) == nullptr);
}

TEST_CASE("ParseArgsHelpWinsOverErrors") {
  const ArgSpec spec{{"--output"}, {"--json"}, {}, 1, 1};
  Args a;
  std::string err;
  CHECK(parse_args({"--bogus", "-h"}, spec, &a, &err));
  CHECK(a.help);
  Args b;
  CHECK(parse_args({"--help"}, spec, &b, &err));  // the positional is missing: help anyway
  CHECK(b.help);
  Args c;
  CHECK(parse_args({"--output", "-h", "IN"}, spec, &c, &err));  // a flag's value, not a request for help
  CHECK_FALSE(c.help);
  CHECK(c.get("--output") == "-h");
  Args d;
  CHECK_FALSE(parse_args({"--bogus", "IN"}, spec, &d, &err));
  CHECK(err == "unknown option --bogus");
}
