// parse_args: one pass over the words; the first error is kept and reported
// after the pass, so a --help later on the line still gets its help.
#include "lib/cli_args.h"

#include <utility>

namespace drift {

bool parse_args(const std::vector<std::string>& argv, const ArgSpec& spec, Args* args, std::string* err) {
  std::string first_error;
  auto refuse = [&](std::string why) {
    if (first_error.empty()) first_error = std::move(why);
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      args->help = true;
      continue;
    }
    if (a.size() < 3 || a.compare(0, 2, "--") != 0) {
      args->positional.push_back(a);
      continue;
    }
    std::string value;
    bool has_inline = false;
    if (const size_t eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_inline = true;
    }
    if (spec.bool_flags.count(a)) {
      if (has_inline) { refuse(a + " takes no value"); continue; }
      args->bools.insert(a);
      continue;
    }
    const bool single = spec.value_flags.count(a) > 0, repeat = spec.repeat_flags.count(a) > 0;
    if (!single && !repeat) { refuse("unknown option " + a); continue; }
    if (!has_inline) {
      if (i + 1 >= argv.size()) { refuse(a + " needs a value"); continue; }
      value = argv[++i];
    }
    if (repeat) args->repeated[a].push_back(value);
    else args->values[a] = value;
  }
  if (args->help) return true;
  if (!first_error.empty()) {
    *err = first_error;
    return false;
  }
  if (args->positional.size() < spec.min_positional || args->positional.size() > spec.max_positional) {
    *err = spec.max_positional == 0 ? "unexpected argument " + args->positional.front()
                                    : "wrong number of arguments";
    return false;
  }
  return true;
}

}  // namespace drift
