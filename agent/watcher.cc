// The watcher. inotify watches directories, not files, so a file rule is
// watched through its parent and every event is mapped back to a host path
// and checked against the selection before it becomes a re-check scope. The
// kernel coalesces nothing across names, so a burst of writes is thousands of
// events; the daemon's debounce turns them into one re-check.
//
// A watch belongs to an inode and keeps its watch descriptor when the
// directory is renamed, so the wd -> path map must follow moves: a directory
// moved away (IN_MOVED_FROM in a watched parent, or IN_MOVE_SELF where the
// parent is not watched) loses its watches and those of its subtree, and a
// directory moved in (IN_MOVED_TO) is watched afresh, subtree and all, by the
// daemon's watch_tree(), under its new name. A rename inside the tree is both.
// A watch placed again (watch_selection() after a rescan) takes the name it
// was placed under.
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
  map_watch(wd, host_dir);
  return true;
}

void Watcher::map_watch(int wd, const std::string& host_dir) {
  if (auto it = dirs_.find(wd); it != dirs_.end()) {
    if (it->second == host_dir) return;
    if (auto old = wd_of_.find(it->second); old != wd_of_.end() && old->second == wd) wd_of_.erase(old);
  }
  if (auto stale = wd_of_.find(host_dir); stale != wd_of_.end() && stale->second != wd) {
    // host_dir is another inode now; the old one's watch has no name left.
    ::inotify_rm_watch(fd_, stale->second);
    dirs_.erase(stale->second);
    wd_of_.erase(stale);
  }
  dirs_[wd] = host_dir;
  wd_of_[host_dir] = wd;
}

void Watcher::forget(int wd) {
  auto it = dirs_.find(wd);
  if (it == dirs_.end()) return;
  if (auto p = wd_of_.find(it->second); p != wd_of_.end() && p->second == wd) wd_of_.erase(p);
  dirs_.erase(it);
}

void Watcher::drop_tree(const std::string& host_dir) {
  std::vector<int> gone;
  if (auto it = wd_of_.find(host_dir); it != wd_of_.end()) gone.push_back(it->second);
  const std::string prefix = host_dir == "/" ? "/" : host_dir + "/";
  for (auto it = wd_of_.lower_bound(prefix); it != wd_of_.end() && it->first.starts_with(prefix); ++it) {
    gone.push_back(it->second);
  }
  for (int wd : gone) {
    ::inotify_rm_watch(fd_, wd);  // its IN_IGNORED finds no name: nothing more is reported
    forget(wd);
  }
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
      add_watch(directory_of(rule.path));  // a file, or not there yet: see it appear
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

bool Watcher::watch_aux(const std::string& read_dir, bool appends) {
  if (fd_ < 0) return false;
  const int wd = ::inotify_add_watch(fd_, read_dir.c_str(),
                                     IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ONLYDIR | IN_MASK_ADD |
                                         (appends ? IN_MODIFY : 0));
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
      if (ev->mask & IN_IGNORED) { forget(ev->wd); continue; }
      if (!ev->len) {
        // The watched directory itself: its attributes, or it went away. A
        // move seen here has no watched parent (that one would have reported
        // IN_MOVED_FROM first and dropped this watch): its new name is unknown.
        if (ev->mask & IN_ATTRIB) out->scopes.push_back({dir, true, true});
        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) out->scopes.push_back({dir, false, true});
        if (ev->mask & IN_MOVE_SELF) drop_tree(dir);
        continue;
      }
      const std::string path = child_path(dir, ev->name);
      const bool structural = ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO);
      // Complete: closed after writing, moved, attributes, deleted; a create
      // only for what is not a regular file (a file created is written next,
      // and its close says when it is done).
      bool complete = ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_ATTRIB | IN_DELETE);
      if (!complete && (ev->mask & IN_CREATE)) {
        struct stat st;
        complete = (ev->mask & IN_ISDIR) ||
                   (::lstat(read_path_for(root_, path).c_str(), &st) == 0 && !S_ISREG(st.st_mode));
      }
      out->scopes.push_back({path, !structural, complete});
      if ((ev->mask & IN_ISDIR) && (ev->mask & IN_MOVED_FROM)) drop_tree(path);
      if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) out->new_dirs.push_back(path);
    }
  }
}

}  // namespace drift
