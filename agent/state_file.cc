// Loading a state file, setting a bad one aside (see state_file.h).
#include "agent/state_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "lib/atomic_file.h"

namespace drift {

StateFileRead read_state_file(const std::string& path, const std::function<StateLoad(const std::string&)>& load,
                              int64_t now_unix) {
  StateFileRead out;
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return out;  // a first start
  std::string text, err;
  StateLoad result = StateLoad::kCorrupt;
  if (read_whole_file(path, &text, &err)) {
    result = load(text);
    if (result == StateLoad::kLoaded) {
      out.loaded = true;
      return out;
    }
    err = std::string("it is ") + state_load_name(result);
  }
  const std::string aside =
      path + (result == StateLoad::kUnknownVersion ? ".unknown-version." : ".corrupt.") + std::to_string(now_unix);
  if (std::rename(path.c_str(), aside.c_str()) == 0) {
    out.set_aside = aside;
    out.message = "cannot use " + path + " (" + err + "): set aside as " + aside + ", starting with a fresh state";
  } else {
    out.message = "cannot use " + path + " (" + err + ") nor set it aside (" + std::strerror(errno) +
                  "): starting with a fresh state; it is replaced when the state is next saved";
  }
  return out;
}

}  // namespace drift
