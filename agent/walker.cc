// The walker. One lstat per entry, like fts(FTS_PHYSICAL) in the floor
// benchmark, and the entry list is collected first so hashing can be spread
// over threads afterwards. Nothing is opened by a path string: rule paths and
// subdirectories are opened beneath the scan root's descriptor with
// open_beneath (no symlink followed in any component, so a directory swapped
// for a symlink mid-walk never takes the walk outside the root), and a
// directory's entries are stat'ed and opened relative to its descriptor, so
// trees deeper than PATH_MAX are read like any other. Directory metadata,
// symlink targets and xattrs of non-regular entries are read here; regular
// files are opened and read by the hasher.
#include "agent/walker.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "lib/beneath.h"
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

// The entry at host_path beneath root_fd, never followed: an O_PATH
// descriptor and its fstat, or an empty descriptor with errno.
UniqueFd open_entry(int root_fd, const std::string& host_path, struct stat* st) {
  UniqueFd fd(open_beneath(root_fd, beneath_rel(host_path), O_PATH));
  if (fd && ::fstat(fd.get(), st) != 0) fd.reset();
  return fd;
}

bool same_inode(const struct stat& st, const Entry& e) { return st.st_ino == e.inode && st.st_dev == e.device; }

// The status of an entry whose open failed: gone, swapped (a symlink or a
// file now where a directory was), or not ours to read.
EntryStatus status_for_errno(int err) {
  if (err == ENOENT) return EntryStatus::kVanished;
  if (err == ELOOP || err == ENOTDIR) return EntryStatus::kChangedWhileReading;
  return EntryStatus::kUnreadable;
}

class Walker {
 public:
  Walker(const Selection& selection, int root_fd, const std::function<void(Entry*)>& on_file)
      : selection_(selection), root_fd_(root_fd), on_file_(on_file) {}

  void walk_rule(const PathRule& rule) {
    struct stat st;
    UniqueFd fd = open_entry(root_fd_, rule.path, &st);
    if (!fd) {
      if (errno == ELOOP) record_symlinked_parent(rule);
      else if (errno == ENOENT || errno == ENOTDIR) {
        result_.warnings.push_back("configured path " + rule.path + " does not exist (skipped)");
      } else {
        record_unreadable(rule.path, rule);
      }
      return;
    }
    walk_opened(rule, rule.path, fd, st, st.st_dev, true);
  }

  // One host path under `rule`, and with descend everything below it.
  void walk_path(const PathRule& rule, const std::string& host_path, dev_t root_dev, bool descend) {
    struct stat st;
    UniqueFd fd = open_entry(root_fd_, host_path, &st);
    if (!fd) {
      if (errno == ELOOP && host_path == rule.path) record_symlinked_parent(rule);
      else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP) record_unreadable(host_path, rule);
      return;  // gone (or below a symlink now): the caller's comparison makes it a removal
    }
    if (host_path == rule.path) root_dev = st.st_dev;
    descend = descend && rule.recursive && (st.st_dev == root_dev || rule.cross_mounts);
    walk_opened(rule, host_path, fd, st, root_dev, descend);
  }

  WalkResult take() { return std::move(result_); }

 private:
  // Records the entry `fd` (O_PATH) is and, for a directory with descend, what is below it.
  void walk_opened(const PathRule& rule, const std::string& host_path, const UniqueFd& fd,
                   const struct stat& st, dev_t root_dev, bool descend) {
    const size_t index = record(host_path, st, rule, fd.get(), "");
    if (!descend || !S_ISDIR(st.st_mode)) return;
    const int dir_fd = ::openat(fd.get(), ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd < 0) {
      result_.entries[index].status = status_for_errno(errno);
      return;
    }
    walk_directory(dir_fd, host_path, index, root_dev, rule, selection_.excludes_enclosing(rule.path));
  }

  void record_unreadable(const std::string& host_path, const PathRule& rule) {
    Entry e;
    e.path = host_path;
    e.status = EntryStatus::kUnreadable;
    e.severity = rule.severity;
    result_.entries.push_back(std::move(e));
  }

  // The rule path lies below a symlink: record the first symlink on the way
  // as what it is, and nothing through it.
  void record_symlinked_parent(const PathRule& rule) {
    for (size_t slash = rule.path.find('/', 1);; slash = rule.path.find('/', slash + 1)) {
      const std::string prefix = rule.path.substr(0, slash);
      struct stat st;
      UniqueFd fd = open_entry(root_fd_, prefix, &st);
      if (!fd) break;
      if (S_ISLNK(st.st_mode)) {
        result_.warnings.push_back("configured path " + rule.path + ": " + prefix +
                                   " is a symlink (recorded as one, not followed)");
        record(prefix, st, rule, fd.get(), "");
        return;
      }
      if (slash == std::string::npos) break;
    }
    // The symlink was swapped away while we looked.
    Entry e;
    e.path = rule.path;
    e.status = EntryStatus::kChangedWhileReading;
    e.severity = rule.severity;
    result_.entries.push_back(std::move(e));
  }

  // Records the entry `name` in directory at_fd, or with name "" the entry
  // at_fd itself (O_PATH), as lstat'ed in st. Regular files are left to the
  // hasher; anything else is opened O_PATH here, checked to be the inode the
  // stat saw, and read for its symlink target and xattrs.
  size_t record(const std::string& host_path, const struct stat& st, const PathRule& rule, int at_fd,
                const char* name) {
    Entry e;
    e.path = host_path;
    fill_from_stat(st, &e);
    e.severity = rule.severity;
    if (e.type != EntryType::kFile) read_non_regular(at_fd, name, st, &e);
    result_.entries.push_back(std::move(e));
    if (on_file_ && result_.entries.back().type == EntryType::kFile) on_file_(&result_.entries.back());
    return result_.entries.size() - 1;
  }

  static void read_non_regular(int at_fd, const char* name, const struct stat& st, Entry* e) {
    UniqueFd own;
    int fd = at_fd;
    if (*name) {
      own.reset(::openat(at_fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
      fd = own.get();
      struct stat now;
      if (!own) {
        e->status = status_for_errno(errno);
        return;
      }
      if (::fstat(fd, &now) != 0 || now.st_ino != st.st_ino || now.st_dev != st.st_dev) {
        e->status = EntryStatus::kChangedWhileReading;
        return;
      }
    }
    if (e->type == EntryType::kSymlink) {
      char buf[4096];
      const ssize_t n = ::readlinkat(fd, "", buf, sizeof buf);
      if (n < 0) e->status = status_for_errno(errno);
      else e->target.assign(buf, static_cast<size_t>(n));
    } else if (e->type != EntryType::kDirectory) {
      e->status = EntryStatus::kSpecial;  // never opened for reading: a FIFO would block, a device is not ours
    }
    read_integrity_xattrs(fd, true, &e->xattrs);
  }

  // dir_index: position of the directory's own entry (to mark churn_below).
  // Every entry below a rule root belongs to that rule: a more specific rule's
  // path is skipped here and walked as its own root. Entries are stat'ed
  // relative to the open directory; a subdirectory is opened beneath the root
  // again (no descriptor per level held) and must be the inode listed.
  void walk_directory(int dir_fd, const std::string& host_dir, size_t dir_index, dev_t root_dev,
                      const PathRule& rule, const std::vector<std::string>& excludes) {
    DIR* dir = ::fdopendir(dir_fd);
    if (!dir) {
      ::close(dir_fd);
      result_.entries[dir_index].status = EntryStatus::kUnreadable;
      return;
    }
    std::vector<std::pair<std::string, size_t>> subdirs;  // host path, entry index
    const std::string host_prefix = host_dir == "/" ? "" : host_dir;
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
      const size_t index = record(host_path, st, rule, dir_fd, name);
      if (S_ISDIR(st.st_mode) && rule.recursive && (st.st_dev == root_dev || rule.cross_mounts) &&
          result_.entries[index].status == EntryStatus::kOk) {
        subdirs.emplace_back(std::move(host_path), index);
      }
    }
    ::closedir(dir);  // closes dir_fd
    for (const auto& [host_path, index] : subdirs) {
      const int fd = open_beneath(root_fd_, beneath_rel(host_path), O_RDONLY | O_DIRECTORY);
      struct stat st;
      if (fd < 0 || ::fstat(fd, &st) != 0 || !same_inode(st, result_.entries[index])) {
        result_.entries[index].status = fd < 0 ? status_for_errno(errno) : EntryStatus::kChangedWhileReading;
        if (fd >= 0) ::close(fd);
        continue;
      }
      walk_directory(fd, host_path, index, root_dev, rule, excludes);
    }
  }

  static bool matches_any(const std::vector<std::string>& globs, const std::string& path) {
    for (const std::string& g : globs) {
      if (glob_matches(g, path)) return true;
    }
    return false;
  }

  const Selection& selection_;
  const int root_fd_;
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

void read_integrity_xattrs(int fd, bool o_path, std::vector<std::pair<std::string, std::string>>* out) {
  out->clear();
  // An O_PATH descriptor takes no f*xattr call; its /proc/self/fd link, followed, is that inode itself.
  const std::string proc = o_path ? "/proc/self/fd/" + std::to_string(fd) : std::string();
  char names[4096];
  const ssize_t n = o_path ? ::listxattr(proc.c_str(), names, sizeof names) : ::flistxattr(fd, names, sizeof names);
  if (n <= 0) return;
  for (const char* want : kIntegrityXattrs) {
    bool present = false;
    for (ssize_t i = 0; i < n; i += static_cast<ssize_t>(std::strlen(names + i)) + 1) {
      if (std::strcmp(names + i, want) == 0) { present = true; break; }
    }
    if (!present) continue;
    char value[4096];
    const ssize_t len = o_path ? ::getxattr(proc.c_str(), want, value, sizeof value)
                               : ::fgetxattr(fd, want, value, sizeof value);
    if (len >= 0) out->emplace_back(want, std::string(value, static_cast<size_t>(len)));
  }
  // kIntegrityXattrs is in name order already, so *out is sorted.
}

int open_scan_root(const std::string& root) {
  return ::open(root.empty() ? "/" : root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
}

namespace {

const PathRule* covering_rule_at(const Selection& selection, int root_fd, const std::string& host_path,
                                 dev_t* root_dev) {
  const PathRule* rule = selection.rule_for(host_path);
  if (!rule) return nullptr;
  struct stat st;
  if (!open_entry(root_fd, rule->path, &st)) return nullptr;
  *root_dev = st.st_dev;
  if (host_path == rule->path) return rule;
  const std::string parent = directory_of(host_path);
  if (!rule->recursive && parent != rule->path) return nullptr;
  // Every step from the rule root down must be one the walk takes: not
  // excluded, and on the rule root's file system unless it crosses mounts.
  for (std::string p = host_path; p != rule->path; p = directory_of(p)) {
    if (selection.excluded(p)) return nullptr;
  }
  if (!rule->cross_mounts && parent != rule->path) {
    if (!open_entry(root_fd, parent, &st) || st.st_dev != *root_dev) return nullptr;
  }
  return rule;
}

}  // namespace

const PathRule* covering_rule(const Selection& selection, const std::string& root,
                              const std::string& host_path, dev_t* root_dev) {
  const UniqueFd root_fd(open_scan_root(root));
  return covering_rule_at(selection, root_fd.get(), host_path, root_dev);
}

WalkResult walk_subtree(const Selection& selection, int root_fd, const std::string& host_path,
                        bool self_only, const std::function<void(Entry*)>& on_file) {
  Walker walker(selection, root_fd, on_file);
  dev_t root_dev = 0;
  const PathRule* rule = covering_rule_at(selection, root_fd, host_path, &root_dev);
  // A rule root that cannot be opened may lie below a symlink: walk_path records that.
  if (!rule && selection.is_rule_root(host_path)) rule = selection.rule_for(host_path);
  if (rule) walker.walk_path(*rule, host_path, root_dev, !self_only);
  if (!self_only) {
    // Rule roots below host_path are walked as their own roots, as in a full walk.
    for (const PathRule& r : selection.rules()) {
      if (r.path != host_path && path_is_under(r.path, host_path)) {
        walker.walk_path(r, r.path, 0, true);  // its own device, once opened
      }
    }
  }
  return walker.take();
}

WalkResult walk_selection(const Selection& selection, int root_fd,
                          const std::function<void(Entry*)>& on_file) {
  Walker walker(selection, root_fd, on_file);
  for (const PathRule& rule : selection.rules()) {
    // A rule root excluded by an enclosing rule is still walked: the most specific entry wins.
    walker.walk_rule(rule);
  }
  return walker.take();
}

}  // namespace drift
