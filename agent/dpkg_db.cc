// dpkg database reader. The status file is read whole (a few MB on a big
// host) into the packages whose files are on disk; file lists and checksums
// are read only when asked, and the lists are streamed, never held: a check
// with no drift reads none of them, one with drift streams them once.
//
// Merged /usr: Debian 12 packages still list many files under /bin, /sbin and
// /lib, which are symlinks into /usr on the host; the scan records the /usr
// path, so listed paths under such an alias are translated.
#include "agent/dpkg_db.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "lib/atomic_file.h"

namespace drift {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// Calls f(line) for every line of text, the last one with or without its newline.
template <typename F>
void for_each_line(std::string_view text, F f) {
  size_t pos = 0;
  while (pos < text.size()) {
    const char* nl = static_cast<const char*>(std::memchr(text.data() + pos, '\n', text.size() - pos));
    const size_t end = nl ? static_cast<size_t>(nl - text.data()) : text.size();
    f(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

bool is_md5_hex(std::string_view s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The current-state word of "Status: want flag state": files are on disk in
// every state but these two.
bool files_on_disk(std::string_view status) {
  const auto w = words(status);
  return w.size() == 3 && w[2] != "not-installed" && w[2] != "config-files";
}

struct Paragraph {
  std::string package, arch, multi_arch, status, version;
  std::map<std::string, std::string> conffiles;
  size_t first_line = 0;
};

}  // namespace

DpkgDatabase::Load DpkgDatabase::load(const std::string& root, std::string* err) {
  root_ = root == "/" ? "" : root;
  packages_.clear();
  usr_aliases_.clear();
  for (const char* dir : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    char target[64];
    const ssize_t n = ::readlink((root_ + dir).c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    const std::string t(target, static_cast<size_t>(n));
    if (t == std::string("usr") + dir || t == std::string("/usr") + dir) usr_aliases_.push_back(dir);
  }

  const std::string path = root_ + "/var/lib/dpkg/status";
  std::string text;
  if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return Load::kNotFound;
  if (!read_whole_file(path, &text, err)) return Load::kMalformed;
  auto malformed = [&](size_t line, const std::string& what) {
    *err = path + ":" + std::to_string(line) + ": " + what + " (dpkg database unusable: every drift counts as unexplained)";
    packages_.clear();
    return Load::kMalformed;
  };
  if (text.empty()) return malformed(1, "empty status file");
  if (text.back() != '\n') return malformed(static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1, "truncated (no final newline)");

  Paragraph p;
  bool in_field = false, in_conffiles = false;  // what continuation lines belong to
  auto finish = [&]() -> bool {
    if (p.package.empty() && p.status.empty() && p.version.empty()) return true;
    if (p.package.empty() || p.status.empty()) {
      malformed(p.first_line, "stanza without Package or Status");
      return false;
    }
    if (files_on_disk(p.status)) {
      if (p.version.empty()) {
        malformed(p.first_line, "package " + p.package + " has files on disk but no Version");
        return false;
      }
      DpkgPackage pkg;
      pkg.key = p.multi_arch == "same" && !p.arch.empty() ? p.package + ":" + p.arch : p.package;
      pkg.version = p.version;
      pkg.arch = p.arch;
      pkg.conffiles = std::move(p.conffiles);
      std::string key = pkg.key;
      packages_.emplace(std::move(key), std::move(pkg));
    }
    p = Paragraph{};
    return true;
  };
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    const std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.empty() || trim(line).empty()) {
      if (!finish()) return Load::kMalformed;
      in_field = in_conffiles = false;
      continue;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (!in_field) return malformed(line_no, "continuation line outside a field");
      if (in_conffiles) {
        const auto w = words(trim(line));
        if (w.size() < 2) return malformed(line_no, "bad Conffiles line");
        const bool obsolete = w.size() > 2 && (w[2] == "obsolete" || w[2] == "remove-on-upgrade");
        if (!obsolete && is_md5_hex(w[1])) p.conffiles[canonical(std::string(w[0]))] = std::string(w[1]);
      }
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line.substr(0, colon).find(' ') != std::string_view::npos) {
      return malformed(line_no, "not a \"Field: value\" line");
    }
    if (p.first_line == 0) p.first_line = line_no;
    const std::string_view field = line.substr(0, colon);
    in_field = true;
    in_conffiles = field == "Conffiles";
    const std::string_view value = trim(line.substr(colon + 1));
    if (field == "Package") p.package = value;
    else if (field == "Status") p.status = value;
    else if (field == "Version") p.version = value;
    else if (field == "Architecture") p.arch = value;
    else if (field == "Multi-Arch") p.multi_arch = value;
  }
  if (!finish()) return Load::kMalformed;
  if (packages_.empty()) return malformed(line_no, "no installed package");
  // The DaemonSet mounts /usr/bin but not the host's /bin symlink: where the
  // root has no /bin at all, dpkg's own word decides (usr-is-merged, which
  // every merged-/usr Debian 12 host has installed).
  if (packages_.count("usr-is-merged")) {
    for (const char* dir : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
      struct stat st;
      if (::lstat((root_ + dir).c_str(), &st) != 0 && errno == ENOENT &&
          std::find(usr_aliases_.begin(), usr_aliases_.end(), dir) == usr_aliases_.end()) {
        usr_aliases_.push_back(dir);
      }
    }
  }
  return Load::kOk;
}

const DpkgPackage* DpkgDatabase::find(const std::string& key) const {
  auto it = packages_.find(key);
  return it == packages_.end() ? nullptr : &it->second;
}

std::string_view DpkgDatabase::alias_of(std::string_view path) const {
  for (const std::string& alias : usr_aliases_) {
    if (path.substr(0, alias.size()) == alias && (path.size() == alias.size() || path[alias.size()] == '/')) return alias;
  }
  return {};
}

std::string DpkgDatabase::canonical(std::string path) const {
  return alias_of(path).empty() ? path : "/usr" + path;
}

// The hot loop of a check with drift: ~150k listed paths on a big host, each
// looked up without a copy unless it needs its /usr alias translated.
void DpkgDatabase::for_each_listed(const std::function<bool(std::string_view)>& wanted,
                                   const std::function<void(const std::string&, const std::string&)>& found) const {
  const int dir = ::open((root_ + "/var/lib/dpkg/info").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  std::string text(1 << 20, '\0'), translated;
  for (const auto& [key, pkg] : packages_) {
    // open, one read into a buffer larger than the file, close: syscalls are
    // most of the cost of ~1,000 small files.
    const int fd = ::openat(dir, (key + ".list").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    size_t size = 0;
    for (;;) {
      if (size == text.size()) text.resize(text.size() * 2);
      const ssize_t n = ::read(fd, text.data() + size, text.size() - size);
      if (n <= 0) break;
      size += static_cast<size_t>(n);
      if (size < text.size()) break;  // a regular file reads short only at its end
    }
    ::close(fd);
    for_each_line(std::string_view(text.data(), size), [&](std::string_view path) {
      if (path.size() < 2) return;  // "/." and empty lines
      if (!alias_of(path).empty()) {
        translated.assign("/usr").append(path);
        path = translated;
      }
      if (wanted(path)) found(std::string(path), key);
    });
  }
  ::close(dir);
}

bool DpkgDatabase::lists(const std::string& key, const std::string& path) const {
  std::string text, err;
  if (!read_whole_file(root_ + "/var/lib/dpkg/info/" + key + ".list", &text, &err)) return false;
  bool listed = false;
  for_each_line(text, [&](std::string_view line) { listed = listed || canonical(std::string(line)) == path; });
  return listed;
}

bool DpkgDatabase::md5sums(const std::string& key, std::map<std::string, std::string>* out) const {
  out->clear();
  std::string text, err;
  if (!read_whole_file(root_ + "/var/lib/dpkg/info/" + key + ".md5sums", &text, &err)) return false;
  for_each_line(text, [&](std::string_view line) {
    // "<md5>  <path relative to />"
    if (line.size() < 35 || !is_md5_hex(line.substr(0, 32)) || line[32] != ' ') return;
    std::string_view rel = line.substr(33);
    while (!rel.empty() && rel.front() == ' ') rel.remove_prefix(1);
    if (!rel.empty()) (*out)[canonical("/" + std::string(rel))] = std::string(line.substr(0, 32));
  });
  return true;
}

bool DpkgDatabase::busy() const {
  for (const char* name : {"/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock"}) {
    const int fd = ::open((root_ + name).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    struct flock fl;
    std::memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    const bool locked = ::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    ::close(fd);
    if (locked) return true;
  }
  return false;
}

}  // namespace drift
