// The disk side of the exports checks. Host paths are read under the root
// prefix with symlinks resolved inside it (an absolute link in /host/etc
// points into /host, not into the container), files are opened non-blocking
// and must be regular, and directories are listed the way nfs-utils lists
// them: scandir() with versionsort, no dot files, only names with the right
// suffix and something before it. Nothing here fails the check: a missing
// file is absent, an unreadable one is a problem the checks report.
#include "exports/exports_sources.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace drift {
namespace {

constexpr size_t kMaxFileBytes = 16u << 20;
constexpr int kMaxSymlinks = 40;  // as the kernel's MAXSYMLINKS

std::string under_root(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  return r + path;
}

enum class ReadResult { kRead, kMissing, kError };

ReadResult read_host_file(const std::string& root, const std::string& path, std::string* text, std::string* err) {
  std::string real;
  int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  if (!resolve_in_root(root, path, &real)) {
    struct stat st;
    if (::lstat(under_root(root, path).c_str(), &st) != 0 && (errno == ENOENT || errno == ENOTDIR)) return ReadResult::kMissing;
    real = path;
    flags |= O_NOFOLLOW;  // never leave the root through a link we could not resolve
  }
  const int fd = ::open(under_root(root, real).c_str(), flags);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return ReadResult::kMissing;
    *err = std::strerror(errno);
    return ReadResult::kError;
  }
  struct stat st;
  ReadResult result = ReadResult::kRead;
  if (::fstat(fd, &st) != 0) {
    *err = std::strerror(errno);
    result = ReadResult::kError;
  } else if (!S_ISREG(st.st_mode)) {
    *err = "not a regular file";
    result = ReadResult::kError;
  } else if (static_cast<uint64_t>(st.st_size) > kMaxFileBytes) {
    *err = "larger than 16 MiB";
    result = ReadResult::kError;
  }
  text->clear();
  char buf[65536];
  while (result == ReadResult::kRead) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *err = std::strerror(errno);
      result = ReadResult::kError;
    }
    if (n <= 0) break;
    if (text->size() + static_cast<size_t>(n) > kMaxFileBytes) {
      *err = "larger than 16 MiB";
      result = ReadResult::kError;
      break;
    }
    text->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return result;
}

// The names nfs-utils would read from `dir`, in its order; `suffix` required after at least one byte.
std::vector<std::string> list_dir(const std::string& root, const std::string& dir, const std::string& suffix,
                                  std::vector<SourceProblem>* problems) {
  std::string real;
  if (!resolve_in_root(root, dir, &real)) return {};
  struct dirent** names = nullptr;
  const int n = ::scandir(under_root(root, real).c_str(), &names, nullptr, versionsort);
  if (n < 0) {
    if (errno != ENOENT && errno != ENOTDIR) problems->push_back({dir, std::strerror(errno)});
    return {};
  }
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const struct dirent* d = names[i];
    const std::string name = d->d_name;
    const bool type_ok = d->d_type == DT_UNKNOWN || d->d_type == DT_REG || d->d_type == DT_LNK;
    if (type_ok && name[0] != '.' && name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(dir + "/" + name);
    }
    std::free(names[i]);
  }
  std::free(names);
  return out;
}

// Reads one file into `out` if it exists; records it as consulted either way.
bool read_source(const std::string& root, const std::string& path, ExportsSources* s, SourceFile* out) {
  s->files.push_back(path);
  std::string err;
  out->path = path;
  switch (read_host_file(root, path, &out->text, &err)) {
    case ReadResult::kRead: return true;
    case ReadResult::kMissing: return false;
    case ReadResult::kError: s->problems.push_back({path, err}); return false;
  }
  return false;
}

void read_nfs_conf(const std::string& root, ExportsSources* s) {
  const NfsConfReader include = [&root, s](const std::string& path, std::string* text) {
    SourceFile f;
    if (!read_source(root, path, s, &f)) return false;
    *text = std::move(f.text);
    return true;
  };
  for (const std::string& base : {std::string("/usr") + kNfsConfPath, std::string(kNfsConfPath)}) {
    std::vector<std::string> files = {base};
    s->files.push_back(base + ".d");
    for (std::string& f : list_dir(root, base + ".d", ".conf", &s->problems)) files.push_back(std::move(f));
    for (const std::string& path : files) {
      SourceFile f;
      if (!read_source(root, path, s, &f)) continue;
      s->has_nfs_conf = true;
      parse_nfs_conf_text(f.text, path, include, &s->nfs_conf);
    }
  }
}

}  // namespace

bool resolve_in_root(const std::string& root, const std::string& path, std::string* resolved) {
  if (path.empty() || path[0] != '/' || path.find('\0') != std::string::npos) return false;
  std::vector<std::string> todo;  // components still to walk, last one first
  auto push_components = [&todo](const std::string& p) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= p.size()) {
      const size_t j = std::min(p.find('/', i), p.size());
      if (j > i) parts.push_back(p.substr(i, j - i));
      i = j + 1;
    }
    todo.insert(todo.end(), parts.rbegin(), parts.rend());
  };
  push_components(path);
  std::vector<std::string> done;
  int links = 0;
  while (!todo.empty()) {
    const std::string comp = std::move(todo.back());
    todo.pop_back();
    if (comp == ".") continue;
    if (comp == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    std::string current;
    for (const std::string& d : done) current += "/" + d;
    current += "/" + comp;
    struct stat st;
    if (::lstat(under_root(root, current).c_str(), &st) != 0) return false;
    if (S_ISLNK(st.st_mode)) {
      if (++links > kMaxSymlinks) return false;
      char target[4096];
      const ssize_t n = ::readlink(under_root(root, current).c_str(), target, sizeof target - 1);
      if (n <= 0) return false;
      const std::string t(target, static_cast<size_t>(n));
      if (t[0] == '/') done.clear();
      push_components(t);
      continue;
    }
    done.push_back(comp);
  }
  resolved->clear();
  for (const std::string& d : done) *resolved += "/" + d;
  if (resolved->empty()) *resolved = "/";
  return true;
}

ExportsSources read_exports_sources(const std::string& root, bool want_etab, bool want_nfs_conf) {
  ExportsSources s;
  SourceFile exports;
  if (read_source(root, kExportsPath, &s, &exports)) s.exports.push_back(std::move(exports));
  s.files.push_back(kExportsDir);
  for (const std::string& path : list_dir(root, kExportsDir, ".exports", &s.problems)) {
    SourceFile f;
    if (read_source(root, path, &s, &f)) s.exports.push_back(std::move(f));
  }
  if (want_etab) s.has_etab = read_source(root, kEtabPath, &s, &s.etab);
  if (want_nfs_conf) read_nfs_conf(root, &s);
  s.realpath = [root](const std::string& path) {
    std::string r;
    return resolve_in_root(root, path, &r) ? r : path;
  };
  return s;
}

}  // namespace drift
