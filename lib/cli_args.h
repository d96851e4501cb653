// A small argument parser for the CLI verbs: flags with values, boolean
// flags, repeatable flags, positionals. No framework where a function will do.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace drift {

struct ArgSpec {
  std::set<std::string> value_flags;    // --flag VALUE (or --flag=VALUE)
  std::set<std::string> bool_flags;     // --flag
  std::set<std::string> repeat_flags;   // --flag VALUE, repeatable
  size_t min_positional = 0, max_positional = 0;
};

struct Args {
  std::map<std::string, std::string> values;
  std::map<std::string, std::vector<std::string>> repeated;
  std::set<std::string> bools;
  std::vector<std::string> positional;
  bool help = false;  // --help or -h was given (anywhere but as a flag's value)

  bool has(const std::string& flag) const { return values.count(flag) || bools.count(flag); }
  std::string get(const std::string& flag, const std::string& fallback = "") const {
    auto it = values.find(flag);
    return it == values.end() ? fallback : it->second;
  }
};

/// Parses argv[0..argc) per spec; "-" alone is a positional (stdin/stdout).
/// --help and -h set args->help and win over any error in the other words.
bool parse_args(const std::vector<std::string>& argv, const ArgSpec& spec, Args* args, std::string* err);

}  // namespace drift
