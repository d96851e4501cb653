// The walker: lists the entries a selection covers, with lstat metadata.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <new>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "baseline/entry.h"
#include "baseline/selection.h"

namespace drift {

/// Test seams: called with the path as read (root-prefixed) just before the
/// walker or hasher touches an entry, so a test can make it vanish or change
/// at exactly that moment instead of racing a timer.
struct ScanHooks {
  std::function<void(const std::string& read_path)> before_hash;
};

/// The walk's entries, in walk order, at stable addresses (hashing threads
/// hold pointers while the walk goes on), stored in large chunks so that
/// moving them into one sorted vector can hand each chunk back to the OS as
/// it goes: the list is the bulk of a scan's memory and is never held twice.
/// (A std::deque's blocks hold two entries and go back to malloc, not the OS.)
class EntryChunks {
 public:
  EntryChunks() = default;
  EntryChunks(EntryChunks&& other) noexcept : chunks_(std::move(other.chunks_)), size_(other.size_) { other.size_ = 0; }
  EntryChunks(const EntryChunks&) = delete;
  EntryChunks& operator=(const EntryChunks&) = delete;
  ~EntryChunks() { clear(); }

  void push_back(Entry&& e) {
    if (size_ % kChunk == 0) chunks_.emplace_back(static_cast<Entry*>(::operator new(kChunk * sizeof(Entry))));
    new (&chunks_.back()[size_ % kChunk]) Entry(std::move(e));
    ++size_;
  }
  Entry& operator[](size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  Entry& back() { return (*this)[size_ - 1]; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  /// Appends every entry to *out, in walk order, freeing chunks on the way; leaves this empty.
  void move_into(std::vector<Entry>* out) {
    out->reserve(out->size() + size_);
    for (size_t c = 0; c < chunks_.size(); ++c) {
      const size_t n = std::min(kChunk, size_ - c * kChunk);
      for (size_t i = 0; i < n; ++i) {
        out->push_back(std::move(chunks_[c][i]));
        chunks_[c][i].~Entry();
      }
      ::operator delete(chunks_[c]);
      chunks_[c] = nullptr;
    }
    chunks_.clear();
    size_ = 0;
  }

 private:
  static constexpr size_t kChunk = 4096;  // ~1 MB: above malloc's mmap threshold, so free() unmaps it
  void clear() {
    for (size_t c = 0; c < chunks_.size(); ++c) {
      if (!chunks_[c]) continue;
      const size_t n = std::min(kChunk, size_ - c * kChunk);
      for (size_t i = 0; i < n; ++i) chunks_[c][i].~Entry();
      ::operator delete(chunks_[c]);
    }
    chunks_.clear();
    size_ = 0;
  }
  std::vector<Entry*> chunks_;
  size_t size_ = 0;
};

struct WalkResult {
  EntryChunks entries;
  std::vector<std::string> warnings;   // e.g. a configured path that does not exist
};

/// Reads the integrity xattrs of an open entry: fd opened for reading, or with
/// o_path an O_PATH descriptor (of a symlink, device, ...: read through
/// /proc/self/fd, which names that very inode). Names kept:
/// security.capability, security.selinux, system.posix_acl_access. Sorted by name.
void read_integrity_xattrs(int fd, bool o_path, std::vector<std::pair<std::string, std::string>>* out);

/// Opens the scan root ("/" or the host prefix) as the directory every path is
/// opened beneath (O_PATH); -1 with errno when it cannot.
int open_scan_root(const std::string& root);

/// A host path ("/etc/ssh") as the relative path open_beneath takes ("etc/ssh").
inline std::string_view beneath_rel(const std::string& host_path) {
  return std::string_view(host_path).substr(host_path.empty() ? 0 : 1);
}

/// Fills an entry's metadata fields from a struct stat.
void fill_from_stat(const struct stat& st, Entry* e);

/// Walks every rule root beneath root_fd (from open_scan_root). Records host
/// paths. Never follows a symlink, in any component of a path: a rule path
/// whose parent is a symlink records that symlink, with a warning. Stays on the
/// rule root's file system unless the rule says cross_mounts. Directories that
/// are other rules' roots are left to them. on_file, if set, is called with
/// each regular file as soon as it is recorded (the pointer stays valid), so
/// hashing can start while the walk goes on.
WalkResult walk_selection(const Selection& selection, int root_fd,
                          const std::function<void(Entry*)>& on_file = nullptr);

/// The rule under which a full walk would record host_path, or null when it
/// would not (no rule, excluded on the way, beyond a non-recursive rule or a
/// mount boundary). *root_dev gets the rule root's device.
const PathRule* covering_rule(const Selection& selection, const std::string& root,
                              const std::string& host_path, dev_t* root_dev);

/// Records host_path as a full walk would and, unless self_only, everything
/// below it, including the roots of more specific rules. A path that is gone
/// or not covered yields no entry. For re-checking what inotify reported.
WalkResult walk_subtree(const Selection& selection, int root_fd, const std::string& host_path,
                        bool self_only, const std::function<void(Entry*)>& on_file = nullptr);

/// The string to put before a host path to read it: "" for root "/", else root.
std::string read_prefix_for(const std::string& root);
/// Joins the host prefix and a host path ("/host" + "/etc" -> "/host/etc").
inline std::string read_path_for(const std::string& root, const std::string& host_path) {
  return read_prefix_for(root) + host_path;
}

}  // namespace drift
