// Help texts. Everything here is rendered from the verb table, so a verb's
// options, example and exit codes are written once, beside its handler, and
// the help cannot name an option the parser refuses (or the other way round:
// tests/driftctl_help_test.cc and tests/packaging/help.sh check both).
#include "agent/driftctl_help.h"

#include <algorithm>
#include <string_view>

#include "agent/exit_codes.h"

namespace drift {
namespace {

constexpr size_t kWidth = 79;

// Words of text filled into lines of at most kWidth columns, each starting with indent.
std::string wrap(std::string_view text, const std::string& indent) {
  std::string out, line = indent;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t sp = text.find(' ', pos);
    const std::string_view word = text.substr(pos, sp == std::string_view::npos ? std::string_view::npos : sp - pos);
    pos = sp == std::string_view::npos ? text.size() : sp + 1;
    if (word.empty()) continue;
    if (line.size() > indent.size() && line.size() + 1 + word.size() > kWidth) {
      out += line + "\n";
      line = indent;
    }
    if (line.size() > indent.size()) line += ' ';
    line += word;
  }
  if (line.size() > indent.size()) out += line + "\n";
  return out;
}

std::string option_synopsis(const Option& o) {
  std::string s = o.flag;
  if (o.value) s += std::string(" ") + o.value;
  if (o.repeatable) s += " ...";
  return s;
}

// "  --flag VALUE       help", the help column at 26 (or after one space).
std::string option_line(const std::string& synopsis, const std::string& help) {
  std::string line = "  " + synopsis;
  line += line.size() < 25 ? std::string(26 - line.size(), ' ') : std::string(1, ' ');
  return line + help + "\n";
}

std::string exit_code_lines(const std::vector<ExitDoc>& exits) {
  std::string out;
  for (const ExitDoc& e : exits) {
    const ExitCodeInfo* info = exit_code_info(e.code);
    const std::string code = std::to_string(e.code);
    out += "  " + code + std::string(code.size() < 5 ? 5 - code.size() : 1, ' ') + (info ? info->name : "?") + ": " +
           (e.meaning ? e.meaning : info ? info->meaning : "") + "\n";
  }
  return out;
}

}  // namespace

std::string overview_help() {
  std::string out = "usage: driftctl COMMAND [options]\n\ncommands:\n";
  for (const Command& c : driftctl_commands()) {
    out += option_line(c.name, c.usage);
  }
  out += "\n`driftctl COMMAND --help` (or `driftctl help COMMAND`) explains one, with its options, an example\n"
         "and its exit codes; `driftctl help baseline` lists the baseline verbs; `driftctl --version`\n"
         "prints the version.\n"
         "\n"
         "config: --config FILE, else /etc/driftd/config.yaml when it exists, else the embedded\n"
         "default (`driftctl config show --default`). --root, --baseline, --public-key override\n"
         "the keys of the same meaning; `-` is stdin/stdout wherever a baseline is read or written.\n"
         "\n"
         "exit status (1, 2, 4 and 8 are OR-ed bits; errors are 16 and up, never a drift bit):\n";
  std::vector<ExitDoc> all;
  for (const ExitCodeInfo& info : kExitCodes) {
    if (info.code != kExitRestart) all.push_back({info.code});
  }
  return out + exit_code_lines(all);
}

std::string group_help(const std::string& group) {
  std::string verbs;
  for (const Command& c : driftctl_commands()) {
    const std::string_view name = c.name;
    if (name.size() > group.size() && name.substr(0, group.size()) == group && name[group.size()] == ' ') {
      verbs += option_line(c.name, c.usage);
    }
  }
  if (verbs.empty()) return "";
  return "usage: driftctl " + group + " VERB [options]\n\n" + group + " verbs:\n" + verbs +
         "\n`driftctl " + group + " VERB --help` explains one.\n";
}

std::string command_help(const Command& c) {
  std::string out = "usage: driftctl " + std::string(c.name) + " " + c.usage + "\n\n" + wrap(c.help, "");
  out += "\noptions:\n";
  for (const Option& o : c.options) out += option_line(option_synopsis(o), o.help);
  out += option_line("-h, --help", "print this help and exit 0");
  out += "\nexample:\n";
  std::string_view example = c.example;
  while (!example.empty()) {
    const size_t nl = example.find('\n');
    out += "  " + std::string(example.substr(0, nl)) + "\n";
    example = nl == std::string_view::npos ? std::string_view() : example.substr(nl + 1);
  }
  return out + "\nexit status:\n" + exit_code_lines(c.exits);
}

std::string options_list() {
  std::string out;
  for (const Command& c : driftctl_commands()) {
    const ArgSpec spec = arg_spec(c);
    for (const auto* flags : {&spec.value_flags, &spec.bool_flags, &spec.repeat_flags}) {
      for (const std::string& f : *flags) out += std::string(c.name) + "\t" + f + "\n";
    }
  }
  return out;
}

const Command* find_command(const std::vector<std::string>& words, size_t* consumed) {
  for (const Command& c : driftctl_commands()) {
    const std::string_view name = c.name;
    const size_t sp = name.find(' ');
    if (sp != std::string_view::npos) {
      if (words.size() >= 2 && words[0] == name.substr(0, sp) && words[1] == name.substr(sp + 1)) {
        *consumed = 2;
        return &c;
      }
    } else if (!words.empty() && words[0] == name) {
      *consumed = 1;
      return &c;
    }
  }
  return nullptr;
}

}  // namespace drift
