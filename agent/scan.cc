// Scan pipeline: a single-threaded walk (one lstat per entry) collects the
// entry list, then N threads pull regular files from a shared atomic cursor,
// largest first, so the five 100 MB files of a node do not leave one core
// hashing alone at the end. Snapshot decisions are made by snapshot_policy
// only; the bytes come from the hashing read itself.
#include "agent/scan.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "agent/hasher.h"
#include "agent/progress.h"
#include "baseline/snapshot_policy.h"

namespace drift {

Selection selection_from(const Config& config) { return Selection(config.paths); }

ScanResult run_scan(const Config& config, const ScanOptions& options) {
  ScanResult result;
  const Selection selection = selection_from(config);
  WalkResult walked = walk_selection(selection, config.root);
  result.warnings = std::move(walked.warnings);
  std::vector<Entry>& entries = walked.entries;

  std::vector<size_t> work;
  uint64_t total_bytes = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type == EntryType::kFile && entries[i].status == EntryStatus::kOk) {
      work.push_back(i);
      total_bytes += entries[i].size;
    }
  }
  std::sort(work.begin(), work.end(),
            [&](size_t a, size_t b) { return entries[a].size > entries[b].size; });

  int threads = options.threads > 0 ? options.threads : config.scan_threads;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min<int>(threads, static_cast<int>(std::max<size_t>(1, work.size())));

  Progress progress(options.progress);
  progress.set_total(entries.size(), total_bytes);
  progress.add(entries.size() - work.size(), 0);

  std::atomic<size_t> cursor{0};
  std::mutex snapshots_mutex;
  auto worker = [&] {
    Hasher hasher;
    std::string content;
    for (;;) {
      const size_t k = cursor.fetch_add(1, std::memory_order_relaxed);
      if (k >= work.size()) break;
      Entry& e = entries[work[k]];
      const std::string read_path = read_path_for(config.root, e.path);
      if (options.hooks.before_hash) options.hooks.before_hash(read_path);
      const bool candidate = snapshot_candidate(config.content, e.path, e.mode, e.size);
      hasher.hash_file(read_path, &e, candidate ? &content : nullptr, config.content.max_bytes);
      progress.add(1, e.size);
      if (!candidate || e.status != EntryStatus::kOk || content.size() != e.size ||
          !snapshot_content_ok(content) || (options.keep_content && !options.keep_content(e))) {
        continue;
      }
      e.snapshot = true;
      std::lock_guard<std::mutex> lock(snapshots_mutex);
      result.snapshots.emplace(hex_encode(e.sha256), std::move(content));
      content = std::string();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  progress.finish();

  for (const Entry& e : entries) {
    if (status_is_incomplete(e.status)) ++result.incomplete;
    if (e.type == EntryType::kFile && e.has_sha256) {
      ++result.files_hashed;
      result.bytes_hashed += e.size;
    }
  }
  sort_entries(&entries);
  // A path can only be listed twice if two rule roots overlap through a
  // symlinked root; keep the first record.
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const Entry& a, const Entry& b) { return a.path == b.path; }),
                entries.end());
  result.entries = std::move(entries);
  return result;
}

}  // namespace drift
