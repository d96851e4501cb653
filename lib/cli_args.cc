#include "lib/cli_args.h"

namespace drift {

bool parse_args(const std::vector<std::string>& argv, const ArgSpec& spec, Args* args, std::string* err) {
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string a = argv[i];
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
      if (has_inline) { *err = a + " takes no value"; return false; }
      args->bools.insert(a);
      continue;
    }
    const bool single = spec.value_flags.count(a) > 0, repeat = spec.repeat_flags.count(a) > 0;
    if (!single && !repeat) { *err = "unknown option " + a; return false; }
    if (!has_inline) {
      if (i + 1 >= argv.size()) { *err = a + " needs a value"; return false; }
      value = argv[++i];
    }
    if (repeat) args->repeated[a].push_back(value);
    else args->values[a] = value;
  }
  if (args->positional.size() < spec.min_positional || args->positional.size() > spec.max_positional) {
    *err = spec.max_positional == 0 ? "unexpected argument " + args->positional.front()
                                    : "wrong number of arguments";
    return false;
  }
  return true;
}

}  // namespace drift
