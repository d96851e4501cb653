// FlatDoc helpers and the FileSource of a real root. Globs are expanded with
// glob(3) on root + pattern and the root cut off again, so an Include of
// /etc/ssh/sshd_config.d/*.conf reads the node's files under /host, sorted as
// sshd and systemd sort them (byte order).
#include "semantic/flat_doc.h"

#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "lib/atomic_file.h"

namespace drift {

void FlatDoc::erase(const std::string& key) {
  if (values.erase(key)) order.erase(std::remove(order.begin(), order.end(), key), order.end());
}

std::string FlatDoc::error_text() const {
  std::string where = error_file.empty() ? "line " + std::to_string(error_line)
                                         : error_file + (error_line ? ":" + std::to_string(error_line) : "");
  return where + ": " + error;
}

namespace {

inline constexpr uint64_t kMaxConfigFileBytes = 4ull << 20;

std::string rooted(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  return root + path;
}

}  // namespace

FileSource root_file_source(const std::string& root_in) {
  std::string root = root_in;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  FileSource s;
  s.read = [root](const std::string& path, std::string* text, std::string* err) {
    struct stat st;
    const std::string full = rooted(root, path);
    if (::stat(full.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      *err = path + ": no such file";
      return false;
    }
    return read_whole_file(full, text, err, kMaxConfigFileBytes);
  };
  s.glob = [root](const std::string& pattern) {
    std::vector<std::string> out;
    glob_t g{};
    if (::glob(rooted(root, pattern).c_str(), 0, nullptr, &g) == 0) {
      const size_t cut = root == "/" ? 0 : root.size();
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(std::string(g.gl_pathv[i]).substr(cut));
    }
    ::globfree(&g);
    std::sort(out.begin(), out.end());
    return out;
  };
  s.read_link = [root](const std::string& path, std::string* target) {
    char buf[4096];
    const ssize_t n = ::readlink(rooted(root, path).c_str(), buf, sizeof buf);
    if (n < 0) return false;
    target->assign(buf, static_cast<size_t>(n));
    return true;
  };
  return s;
}

}  // namespace drift
