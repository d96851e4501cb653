// The walker. One lstat per entry, like fts(FTS_PHYSICAL) in the floor
// benchmark: directories are read with openat/fdopendir relative to their
// parent so deep trees do not re-resolve long paths, and the entry list is
// collected first so hashing can be spread over threads afterwards.
// Directory metadata, symlink targets and xattrs of non-regular entries are
// read here; regular files are opened and read by the hasher.
#include "agent/walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "baseline/compare.h"

namespace drift {
namespace {

constexpr const char* kIntegrityXattrs[] = {"security.capability", "security.selinux",
                                            "system.posix_acl_access"};

EntryType type_of(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return EntryType::kFile;
    case S_IFDIR: return EntryType::kDirectory;
    case S_IFLNK: return EntryType::kSymlink;
    case S_IFIFO: return EntryType::kFifo;
    case S_IFSOCK: return EntryType::kSocket;
    case S_IFCHR: return EntryType::kCharDevice;
    case S_IFBLK: return EntryType::kBlockDevice;
    default: return EntryType::kUnknown;
  }
}

class Walker {
 public:
  Walker(const Selection& selection, const std::string& root, const std::function<void(Entry*)>& on_file)
      : selection_(selection), root_(root), on_file_(on_file) {}

  void walk_rule(const PathRule& rule) {
    const std::string read_path = read_path_for(root_, rule.path);
    struct stat st;
    if (::lstat(read_path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        result_.warnings.push_back("configured path " + rule.path + " does not exist (skipped)");
      } else {
        Entry e;
        e.path = rule.path;
        e.status = EntryStatus::kUnreadable;
        e.severity = rule.severity;
        result_.entries.push_back(std::move(e));
      }
      return;
    }
    const size_t index = record(rule.path, read_path, st, rule);
    if (!S_ISDIR(st.st_mode)) return;
    const int fd = ::open(read_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      result_.entries[index].status = errno == ENOENT ? EntryStatus::kVanished : EntryStatus::kUnreadable;
      return;
    }
    walk_directory(fd, rule.path, read_path, index, st.st_dev, rule, selection_.excludes_enclosing(rule.path));
  }

  // One host path under `rule`, and with descend everything below it.
  void walk_path(const PathRule& rule, const std::string& host_path, dev_t root_dev, bool descend) {
    const std::string read_path = read_path_for(root_, host_path);
    struct stat st;
    if (::lstat(read_path.c_str(), &st) != 0) {
      if (errno != ENOENT && errno != ENOTDIR) {
        Entry e;
        e.path = host_path;
        e.status = EntryStatus::kUnreadable;
        e.severity = rule.severity;
        result_.entries.push_back(std::move(e));
      }
      return;  // gone: the caller's comparison makes it a removal
    }
    const size_t index = record(host_path, read_path, st, rule);
    if (!descend || !S_ISDIR(st.st_mode) || !rule.recursive || (st.st_dev != root_dev && !rule.cross_mounts)) {
      return;
    }
    const int fd = ::open(read_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      result_.entries[index].status = errno == ENOENT ? EntryStatus::kVanished : EntryStatus::kUnreadable;
      return;
    }
    walk_directory(fd, host_path, read_path, index, root_dev, rule, selection_.excludes_enclosing(rule.path));
  }

  WalkResult take() { return std::move(result_); }

 private:
  size_t record(const std::string& host_path, const std::string& read_path, const struct stat& st,
                const PathRule& rule) {
    Entry e;
    e.path = host_path;
    fill_from_stat(st, &e);
    e.severity = rule.severity;
    if (e.type == EntryType::kSymlink) {
      char buf[4096];
      const ssize_t n = ::readlink(read_path.c_str(), buf, sizeof buf);
      if (n < 0) e.status = errno == ENOENT ? EntryStatus::kVanished : EntryStatus::kUnreadable;
      else e.target.assign(buf, static_cast<size_t>(n));
    } else if (e.type != EntryType::kFile && e.type != EntryType::kDirectory) {
      e.status = EntryStatus::kSpecial;  // never opened: a FIFO would block, a device is not ours
    }
    if (e.type != EntryType::kFile) read_integrity_xattrs(read_path, -1, &e.xattrs);
    result_.entries.push_back(std::move(e));
    if (on_file_ && result_.entries.back().type == EntryType::kFile) on_file_(&result_.entries.back());
    return result_.entries.size() - 1;
  }

  // dir_index: position of the directory's own entry (to mark churn_below).
  // Every entry below a rule root belongs to that rule: a more specific rule's
  // path is skipped here and walked as its own root.
  void walk_directory(int dir_fd, const std::string& host_dir, const std::string& read_dir,
                      size_t dir_index, dev_t root_dev, const PathRule& rule,
                      const std::vector<std::string>& excludes) {
    DIR* dir = ::fdopendir(dir_fd);
    if (!dir) {
      ::close(dir_fd);
      result_.entries[dir_index].status = EntryStatus::kUnreadable;
      return;
    }
    std::vector<std::pair<std::string, size_t>> subdirs;  // name, entry index
    const std::string host_prefix = host_dir == "/" ? "" : host_dir;
    const std::string read_prefix = read_dir == "/" ? "" : read_dir;
    while (struct dirent* d = ::readdir(dir)) {
      const char* name = d->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      std::string host_path = host_prefix + "/" + name;
      if (selection_.is_rule_root(host_path)) continue;
      if (matches_any(excludes, host_path)) {
        result_.entries[dir_index].churn_below = true;
        continue;
      }
      struct stat st;
      if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        Entry e;
        e.path = std::move(host_path);
        e.severity = rule.severity;
        e.status = errno == ENOENT ? EntryStatus::kVanished : EntryStatus::kUnreadable;
        result_.entries.push_back(std::move(e));
        continue;
      }
      const size_t index = record(host_path, read_prefix + "/" + name, st, rule);
      if (S_ISDIR(st.st_mode) && rule.recursive && (st.st_dev == root_dev || rule.cross_mounts)) {
        subdirs.emplace_back(name, index);
      }
    }
    ::closedir(dir);  // closes dir_fd
    for (const auto& [name, index] : subdirs) {
      const std::string read_path = read_prefix + "/" + name;
      const int fd = ::open(read_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        result_.entries[index].status = errno == ENOENT ? EntryStatus::kVanished : EntryStatus::kUnreadable;
        continue;
      }
      walk_directory(fd, host_prefix + "/" + name, read_path, index, root_dev, rule, excludes);
    }
  }

  static bool matches_any(const std::vector<std::string>& globs, const std::string& path) {
    for (const std::string& g : globs) {
      if (glob_matches(g, path)) return true;
    }
    return false;
  }

  const Selection& selection_;
  const std::string root_;
  const std::function<void(Entry*)>& on_file_;
  WalkResult result_;
};

}  // namespace

std::string read_prefix_for(const std::string& root) { return root == "/" ? "" : root; }

void fill_from_stat(const struct stat& st, Entry* e) {
  e->type = type_of(st.st_mode);
  e->mode = st.st_mode & 07777;
  e->uid = st.st_uid;
  e->gid = st.st_gid;
  // A directory's st_size is a file-system detail; symlinks and files keep theirs.
  e->size = static_cast<uint64_t>(st.st_size);
  e->mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  e->ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
  e->inode = st.st_ino;
  e->nlink = st.st_nlink;
  e->device = st.st_dev;
}

void read_integrity_xattrs(const std::string& read_path, int fd,
                           std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  char names[4096];
  const ssize_t n = fd >= 0 ? ::flistxattr(fd, names, sizeof names)
                            : ::llistxattr(read_path.c_str(), names, sizeof names);
  if (n <= 0) return;
  for (const char* want : kIntegrityXattrs) {
    bool present = false;
    for (ssize_t i = 0; i < n; i += static_cast<ssize_t>(std::strlen(names + i)) + 1) {
      if (std::strcmp(names + i, want) == 0) { present = true; break; }
    }
    if (!present) continue;
    char value[4096];
    const ssize_t len = fd >= 0 ? ::fgetxattr(fd, want, value, sizeof value)
                                : ::lgetxattr(read_path.c_str(), want, value, sizeof value);
    if (len >= 0) out->emplace_back(want, std::string(value, static_cast<size_t>(len)));
  }
  // kIntegrityXattrs is in name order already, so *out is sorted.
}

const PathRule* covering_rule(const Selection& selection, const std::string& root,
                              const std::string& host_path, dev_t* root_dev) {
  const PathRule* rule = selection.rule_for(host_path);
  if (!rule) return nullptr;
  struct stat st;
  if (::lstat(read_path_for(root, rule->path).c_str(), &st) != 0) return nullptr;
  *root_dev = st.st_dev;
  if (host_path == rule->path) return rule;
  const std::string parent = parent_path(host_path);
  if (!rule->recursive && parent != rule->path) return nullptr;
  // Every step from the rule root down must be one the walk takes: not
  // excluded, and on the rule root's file system unless it crosses mounts.
  for (std::string p = host_path; p != rule->path; p = parent_path(p)) {
    if (selection.excluded(p)) return nullptr;
  }
  if (!rule->cross_mounts && parent != rule->path) {
    if (::lstat(read_path_for(root, parent).c_str(), &st) != 0 || st.st_dev != *root_dev) return nullptr;
  }
  return rule;
}

WalkResult walk_subtree(const Selection& selection, const std::string& root, const std::string& host_path,
                        bool self_only, const std::function<void(Entry*)>& on_file) {
  Walker walker(selection, root, on_file);
  dev_t root_dev = 0;
  if (const PathRule* rule = covering_rule(selection, root, host_path, &root_dev)) {
    walker.walk_path(*rule, host_path, root_dev, !self_only);
  }
  if (!self_only) {
    // Rule roots below host_path are walked as their own roots, as in a full walk.
    for (const PathRule& r : selection.rules()) {
      if (r.path != host_path && path_is_under(r.path, host_path)) {
        struct stat st;
        if (::lstat(read_path_for(root, r.path).c_str(), &st) == 0) walker.walk_path(r, r.path, st.st_dev, true);
      }
    }
  }
  return walker.take();
}

WalkResult walk_selection(const Selection& selection, const std::string& root,
                          const std::function<void(Entry*)>& on_file) {
  Walker walker(selection, root, on_file);
  for (const PathRule& rule : selection.rules()) {
    // A rule root excluded by an enclosing rule is still walked: the most specific entry wins.
    walker.walk_rule(rule);
  }
  return walker.take();
}

}  // namespace drift
