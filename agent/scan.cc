// Scan pipeline: a single-threaded walk (one lstat per entry) feeds regular
// files to N-1 hashing threads as it goes; when the walk is done the walking
// thread hashes too. Snapshot decisions are made by snapshot_policy only; the
// bytes come from the hashing read itself.
#include "agent/scan.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "lib/beneath.h"
#include "agent/hasher.h"
#include "lib/progress.h"
#include "baseline/snapshot_policy.h"

namespace drift {

Selection selection_from(const Config& config) { return Selection(config.paths); }

namespace {

// Files flow from the walker to the hashers in batches, so hashing starts with
// the first directory instead of after the whole walk (the walk is a fifth of
// the floor's time on a node-like tree).
class FileQueue {
 public:
  void push(std::vector<Entry*>* batch) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      items_.insert(items_.end(), batch->begin(), batch->end());
    }
    batch->clear();
    ready_.notify_all();
  }
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }
  // Takes up to max items; false when the queue is closed and empty.
  bool pop(std::vector<Entry*>* out, size_t max) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait(lock, [this] { return head_ < items_.size() || closed_; });
    if (head_ == items_.size()) return false;
    const size_t n = std::min(max, items_.size() - head_);
    out->assign(items_.begin() + static_cast<std::ptrdiff_t>(head_),
                items_.begin() + static_cast<std::ptrdiff_t>(head_ + n));
    head_ += n;
    return true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<Entry*> items_;
  size_t head_ = 0;
  bool closed_ = false;
};

constexpr size_t kBatch = 32;

// Hashes one regular file; true when *content now holds a snapshot to keep.
bool hash_and_snapshot(const Config& config, const ScanOptions& options, Hasher& hasher, int root_fd, Entry* e,
                       std::string* content) {
  if (options.hooks.before_hash) options.hooks.before_hash(read_path_for(config.root, e->path));
  const bool candidate = snapshot_candidate(config.content, e->path, e->mode, e->size);
  hasher.hash_file(root_fd, e, candidate ? content : nullptr, config.content.max_bytes);
  // keep_content before the content tests: a check skips the secret and text
  // tests of every unchanged file.
  if (!candidate || e->status != EntryStatus::kOk || content->size() != e->size ||
      (options.keep_content && !options.keep_content(*e)) || !snapshot_content_ok(*content)) {
    return false;
  }
  e->snapshot = true;
  return true;
}

void count_and_sort(std::vector<Entry>* entries, ScanResult* result) {
  for (const Entry& e : *entries) {
    if (status_is_incomplete(e.status)) ++result->incomplete;
    if (e.type == EntryType::kFile && e.has_sha256) {
      ++result->files_hashed;
      result->bytes_hashed += e.size;
    }
  }
  sort_entries(entries);
  // A path can only be listed twice if two rule roots overlap through a
  // symlinked root, or two re-check scopes overlap; keep the first record.
  entries->erase(std::unique(entries->begin(), entries->end(),
                             [](const Entry& a, const Entry& b) { return a.path == b.path; }),
                 entries->end());
}

// The entries of a sorted list a scope covers: [first, last) plus, for a
// subtree, the scope path itself (which "/etc/a-b" may separate from "/etc/a/x").
struct ScopeRange { size_t self = SIZE_MAX, first = 0, last = 0; };

ScopeRange scope_range(const std::vector<Entry>& sorted, const RecheckScope& scope) {
  auto by_path = [](const Entry& e, const std::string& p) { return e.path < p; };
  ScopeRange r;
  auto it = std::lower_bound(sorted.begin(), sorted.end(), scope.path, by_path);
  if (it != sorted.end() && it->path == scope.path) r.self = static_cast<size_t>(it - sorted.begin());
  if (scope.self_only) return r;
  // Children sort between "P/" and "P0" ('0' follows '/'); "/" is its own prefix.
  const std::string lo = scope.path == "/" ? "/" : scope.path + "/";
  const std::string hi = scope.path == "/" ? "0" : scope.path + "0";
  r.first = static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), lo, by_path) - sorted.begin());
  r.last = static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), hi, by_path) - sorted.begin());
  if (r.first < r.last && sorted[r.first].path == scope.path) ++r.first;
  return r;
}

// The scan root's descriptor, everything is opened beneath; a root that cannot
// be opened is a warning, and every rule is then recorded unreadable.
UniqueFd open_root(const Config& config, ScanResult* result) {
  UniqueFd fd(open_scan_root(config.root));
  if (!fd) result->warnings.push_back("cannot open root " + config.root + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

ScanResult scan_paths(const Config& config, const std::vector<RecheckScope>& scopes, const ScanOptions& options) {
  ScanResult result;
  const Selection selection = selection_from(config);
  Hasher hasher(config.scan_page_cache_neutral);
  std::string content;
  const UniqueFd root_fd = open_root(config, &result);
  std::vector<Entry> entries;
  for (const RecheckScope& scope : scopes) {
    WalkResult walked = walk_subtree(selection, root_fd.get(), scope.path, scope.self_only);
    for (size_t k = 0; k < walked.entries.size(); ++k) {
      Entry& e = walked.entries[k];
      if (e.type == EntryType::kFile) {
        if (hash_and_snapshot(config, options, hasher, root_fd.get(), &e, &content)) {
          result.snapshots.emplace(hex_encode(e.sha256), std::move(content));
          content = std::string();
        }
      }
      entries.push_back(std::move(e));
    }
  }
  count_and_sort(&entries, &result);
  result.entries = std::move(entries);
  return result;
}

void replace_scoped(std::vector<Entry>* current, const std::vector<RecheckScope>& scopes,
                    std::vector<Entry> fresh) {
  std::vector<bool> drop(current->size(), false);
  for (const RecheckScope& scope : scopes) {
    const ScopeRange r = scope_range(*current, scope);
    if (r.self != SIZE_MAX) drop[r.self] = true;
    for (size_t i = r.first; i < r.last; ++i) drop[i] = true;
  }
  std::vector<Entry> merged;
  merged.reserve(current->size() + fresh.size());
  size_t i = 0, j = 0;
  while (i < current->size() || j < fresh.size()) {
    if (i < current->size() && drop[i]) { ++i; continue; }
    if (j == fresh.size() || (i < current->size() && (*current)[i].path < fresh[j].path)) {
      merged.push_back(std::move((*current)[i++]));
    } else {
      if (i < current->size() && (*current)[i].path == fresh[j].path) ++i;  // fresh wins
      merged.push_back(std::move(fresh[j++]));
    }
  }
  *current = std::move(merged);
}

ScanResult run_scan(const Config& config, const ScanOptions& options) {
  ScanResult result;
  const Selection selection = selection_from(config);
  int threads = options.threads > 0 ? options.threads : config.scan_threads;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  const UniqueFd root_fd = open_root(config, &result);
  Progress progress(options.progress);
  FileQueue queue;
  std::mutex snapshots_mutex;
  auto worker = [&] {
    Hasher hasher(config.scan_page_cache_neutral);
    std::string content;
    std::vector<Entry*> batch;
    while (queue.pop(&batch, kBatch)) {
      for (Entry* e : batch) {
        if (options.cancel && options.cancel->load(std::memory_order_relaxed)) continue;  // drain, hash nothing
        if (hash_and_snapshot(config, options, hasher, root_fd.get(), e, &content)) {
          std::lock_guard<std::mutex> lock(snapshots_mutex);
          result.snapshots.emplace(hex_encode(e->sha256), std::move(content));
          content = std::string();
        }
        progress.add(1, e->size);
      }
    }
  };
  // The walking thread hashes too once the walk is done: threads - 1 helpers now.
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  std::vector<Entry*> pending;
  uint64_t total_bytes = 0;
  WalkResult walked = walk_selection(selection, root_fd.get(), [&](Entry* e) {
    total_bytes += e->size;
    pending.push_back(e);
    if (pending.size() == kBatch) queue.push(&pending);
  });
  queue.push(&pending);
  queue.close();
  progress.set_total(walked.entries.size(), total_bytes);
  worker();
  for (auto& t : pool) t.join();
  progress.finish();
  result.warnings.insert(result.warnings.end(), walked.warnings.begin(), walked.warnings.end());

  // Chunk by chunk, each freed as it empties: never the entry list twice.
  std::vector<Entry> entries;
  walked.entries.move_into(&entries);
  count_and_sort(&entries, &result);
  result.entries = std::move(entries);
  return result;
}

}  // namespace drift
