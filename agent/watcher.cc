// The watcher. inotify watches directories, not files, so a file rule is
// watched through its parent and every event is mapped back to a host path
// and checked against the selection before it becomes a re-check scope. The
// kernel coalesces nothing across names, so a burst of writes is thousands of
// events; the daemon's debounce turns them into one re-check.
#include "agent/watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/walker.h"
#include "baseline/compare.h"

namespace drift {
namespace {

constexpr uint32_t kDirMask = IN_ATTRIB | IN_CLOSE_WRITE | IN_MODIFY | IN_CREATE | IN_DELETE |
                              IN_DELETE_SELF | IN_MOVE_SELF | IN_MOVED_FROM | IN_MOVED_TO |
                              IN_DONT_FOLLOW | IN_ONLYDIR | IN_EXCL_UNLINK;

// Appends rather than operator+ chains: GCC 12 at -O3 warns falsely (-Wrestrict) on those.
std::string child_path(const std::string& dir, const char* name) {
  std::string path = dir == "/" ? std::string() : dir;
  path += '/';
  path += name;
  return path;
}

}  // namespace

Watcher::Watcher(const Selection& selection, std::string root)
    : selection_(selection), root_(std::move(root)), buffer_(256 * 1024) {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

Watcher::~Watcher() {
  if (fd_ >= 0) ::close(fd_);
}

bool Watcher::add_watch(const std::string& host_dir) {
  int wd;
  if (test_limit_ && dirs_.size() >= test_limit_) {
    wd = -1;
    errno = ENOSPC;
  } else {
    wd = ::inotify_add_watch(fd_, read_path_for(root_, host_dir).c_str(), kDirMask);
  }
  if (wd < 0) {
    if (errno == ENOSPC || errno == ENOMEM) {
      ++failures_;
      ++unwatched_;
    }
    return false;
  }
  dirs_.emplace(wd, host_dir);  // the same inode twice keeps its first name
  return true;
}

void Watcher::add_dir_tree(const PathRule& rule, const std::string& host_dir, dev_t root_dev) {
  if (!add_watch(host_dir) || !rule.recursive) return;
  const std::string read_dir = read_path_for(root_, host_dir);
  DIR* dir = ::opendir(read_dir.c_str());
  if (!dir) return;
  std::vector<std::string> subdirs;
  while (struct dirent* d = ::readdir(dir)) {
    const char* name = d->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
    if (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN) continue;
    std::string host_path = child_path(host_dir, name);
    if (selection_.is_rule_root(host_path) || selection_.excluded(host_path)) continue;
    struct stat st;
    if (::lstat(read_path_for(root_, host_path).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (st.st_dev != root_dev && !rule.cross_mounts) continue;  // the walk stops here too
    subdirs.push_back(std::move(host_path));
  }
  ::closedir(dir);
  for (const std::string& sub : subdirs) add_dir_tree(rule, sub, root_dev);
}

void Watcher::watch_selection() {
  if (fd_ < 0) return;
  unwatched_ = 0;
  for (const PathRule& rule : selection_.rules()) {
    struct stat st;
    if (::lstat(read_path_for(root_, rule.path).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      add_dir_tree(rule, rule.path, st.st_dev);
    } else if (rule.path != "/") {
      add_watch(parent_path(rule.path));  // a file, or not there yet: see it appear
    }
  }
}

void Watcher::watch_tree(const std::string& host_dir) {
  dev_t root_dev = 0;
  const PathRule* rule = covering_rule(selection_, root_, host_dir, &root_dev);
  if (rule) add_dir_tree(*rule, host_dir, root_dev);
  for (const PathRule& r : selection_.rules()) {  // rule roots that came back with it
    if (r.path != host_dir && path_is_under(r.path, host_dir)) {
      struct stat st;
      if (::lstat(read_path_for(root_, r.path).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        add_dir_tree(r, r.path, st.st_dev);
      }
    }
  }
}

bool Watcher::watch_aux(const std::string& read_dir) {
  if (fd_ < 0) return false;
  const int wd = ::inotify_add_watch(fd_, read_dir.c_str(),
                                     IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ONLYDIR | IN_MASK_ADD);
  if (wd < 0) return false;
  aux_dirs_[wd] = read_dir;
  return true;
}

void Watcher::read_events(WatchEvents* out) {
  for (;;) {
    const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
    if (n <= 0) return;  // EAGAIN: drained
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const struct inotify_event*>(buffer_.data() + off);
      off += static_cast<ssize_t>(sizeof(struct inotify_event) + ev->len);
      ++out->events;
      if (ev->mask & IN_Q_OVERFLOW) { out->overflow = true; continue; }
      if (auto aux = aux_dirs_.find(ev->wd); aux != aux_dirs_.end()) {
        if (ev->mask & IN_IGNORED) {
          aux_dirs_.erase(aux);  // the directory went away; its owner places the watch again
        } else if (ev->len) {
          out->aux_paths.push_back(aux->second == "/" ? "/" + std::string(ev->name) : aux->second + "/" + ev->name);
        }
      }
      auto it = dirs_.find(ev->wd);
      if (it == dirs_.end()) continue;
      const std::string dir = it->second;
      if (ev->mask & IN_IGNORED) { dirs_.erase(it); continue; }
      if (!ev->len) {
        // The watched directory itself: its attributes, or it went away.
        if (ev->mask & IN_ATTRIB) out->scopes.push_back({dir, true});
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) out->scopes.push_back({dir, false});
        continue;
      }
      const std::string path = child_path(dir, ev->name);
      const bool structural = ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO);
      out->scopes.push_back({path, !structural});
      if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) out->new_dirs.push_back(path);
    }
  }
}

}  // namespace drift
