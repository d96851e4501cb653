// fgetpwent parses passwd(5) lines from any stream without consulting NSS;
// the stream is an fd opened beneath the root, so a symlinked etc/passwd
// pointing out of the root is refused. The first name of a uid wins (as
// getpwuid answers).
#include "audit/passwd_names.h"

#include <pwd.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "lib/beneath.h"

namespace drift {

bool PasswdNames::load(const std::string& root, std::string* err) {
  names_.clear();
  UniqueFd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) {
    *err = root + ": " + std::strerror(errno);
    return false;
  }
  UniqueFd fd(open_beneath(dir.get(), "etc/passwd", O_RDONLY | O_NONBLOCK));
  if (!fd) {
    *err = "etc/passwd under " + root + ": " + std::strerror(errno);
    return false;
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) > kMaxPasswdBytes) {
    *err = "etc/passwd under " + root + ": not a regular file of at most 16 MiB";
    return false;
  }
  FILE* f = ::fdopen(fd.release(), "r");
  if (!f) {
    *err = std::string("etc/passwd: ") + std::strerror(errno);
    return false;
  }
  // fgetpwent keeps its entry in static storage (musl, the Alpine image, has no
  // fgetpwent_r): one reader at a time.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  size_t entries = 0;
  while (entries < kMaxPasswdEntries) {
    const struct passwd* pw = ::fgetpwent(f);
    if (!pw) break;
    ++entries;
    if (pw->pw_name && *pw->pw_name) names_.try_emplace(pw->pw_uid, pw->pw_name);
  }
  std::fclose(f);
  return true;
}

std::string PasswdNames::name_of(uint32_t uid) const {
  auto it = names_.find(uid);
  return it == names_.end() ? "" : it->second;
}

}  // namespace drift
