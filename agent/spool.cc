#include "agent/spool.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "lib/atomic_file.h"

namespace drift {

using nlohmann::json;

std::string Spool::encode(const std::vector<LokiEntry>& entries) {
  std::string out;
  for (const LokiEntry& e : entries) {
    json j = {{"labels", e.labels}, {"ts", std::to_string(e.ts_ns)}, {"line", e.line}};
    out += j.dump(-1, ' ', false, json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

bool Spool::decode(const std::string& text, std::vector<LokiEntry>* out) {
  out->clear();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) return false;  // a segment always ends with a newline
    try {
      const json j = json::parse(text.begin() + static_cast<std::ptrdiff_t>(start),
                                 text.begin() + static_cast<std::ptrdiff_t>(end));
      LokiEntry e;
      e.labels = j.at("labels").get<std::map<std::string, std::string>>();
      e.ts_ns = std::stoll(j.at("ts").get<std::string>());
      e.line = j.at("line").get<std::string>();
      out->push_back(std::move(e));
    } catch (const std::exception&) {
      return false;
    }
    start = end + 1;
  }
  return true;
}

std::string Spool::path_of(uint64_t seq) const {
  char name[40];
  std::snprintf(name, sizeof name, "/%020" PRIu64 ".jsonl", seq);
  return dir_ + name;
}

bool Spool::open(const std::string& dir, uint64_t max_bytes, std::string* err) {
  std::lock_guard<std::mutex> lock(mutex_);
  dir_ = dir;
  max_bytes_ = max_bytes;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    *err = "cannot create spool " + dir + ": " + std::strerror(errno);
    return false;
  }
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    *err = "cannot open spool " + dir + ": " + std::strerror(errno);
    return false;
  }
  while (struct dirent* ent = ::readdir(d)) {
    uint64_t seq = 0;
    char tail[8] = {0};
    if (std::sscanf(ent->d_name, "%20" SCNu64 ".%7s", &seq, tail) != 2 || std::string(tail) != "jsonl") continue;
    std::string text, ignored;
    if (!read_whole_file(path_of(seq), &text, &ignored)) continue;
    Info info;
    info.bytes = text.size();
    for (char c : text) info.lines += c == '\n';
    segments_[seq] = info;
    bytes_ += info.bytes;
    lines_ += info.lines;
    next_seq_ = std::max(next_seq_, seq + 1);
  }
  ::closedir(d);
  return true;
}

void Spool::drop_oldest_locked(uint64_t* dropped_lines) {
  auto it = segments_.begin();
  ::unlink(path_of(it->first).c_str());
  bytes_ -= it->second.bytes;
  lines_ -= it->second.lines;
  dropped_ += it->second.lines;
  *dropped_lines += it->second.lines;
  segments_.erase(it);
}

bool Spool::append(const std::vector<LokiEntry>& entries, SpoolDrops* dropped, std::string* err) {
  *dropped = SpoolDrops{};
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries.empty() && held_.empty()) return true;
  for (const LokiEntry& e : entries) {
    const uint64_t bytes = encode({e}).size();
    held_.push_back(Held{e, bytes});
    held_bytes_ += bytes;
  }
  // The memory bound is for what waits: a batch larger than it (the first
  // check of a node with 20,000 drifted paths) is written whole when
  // state_dir takes it, and trimmed only when it must wait.
  if (flush_held_locked(dropped, err)) return true;
  while (held_.size() > kMaxHeldLines || held_bytes_ > kMaxHeldBytes) {
    held_bytes_ -= held_.front().bytes;
    held_.pop_front();
    ++dropped_;
    ++dropped->memory_full;
  }
  return false;
}

bool Spool::flush_held(SpoolDrops* dropped, std::string* err) {
  *dropped = SpoolDrops{};
  std::lock_guard<std::mutex> lock(mutex_);
  return flush_held_locked(dropped, err);
}

bool Spool::flush_held_locked(SpoolDrops* dropped, std::string* err) {
  if (held_.empty()) return true;
  std::vector<LokiEntry> entries;
  entries.reserve(held_.size());
  for (const Held& h : held_) entries.push_back(h.entry);
  const std::string text = encode(entries);
  while (!segments_.empty() && bytes_ + text.size() > max_bytes_) drop_oldest_locked(&dropped->spool_full);
  const uint64_t seq = next_seq_++;
  if (!write_file_atomically(path_of(seq), text, 0600, err)) return false;
  segments_[seq] = Info{text.size(), entries.size()};
  bytes_ += text.size();
  lines_ += entries.size();
  held_.clear();
  held_bytes_ = 0;
  return true;
}

uint64_t Spool::held() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return held_.size();
}

bool Spool::oldest(SpoolSegment* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  while (!segments_.empty()) {
    auto it = segments_.begin();
    std::string text, err;
    if (read_whole_file(path_of(it->first), &text, &err) && decode(text, &out->entries)) {
      out->seq = it->first;
      return true;
    }
    // A torn or foreign file cannot be delivered; keep it for a human, count it.
    ::rename(path_of(it->first).c_str(), (path_of(it->first) + ".bad").c_str());
    bytes_ -= it->second.bytes;
    lines_ -= it->second.lines;
    dropped_ += it->second.lines;
    segments_.erase(it);
  }
  return false;
}

bool Spool::replace(uint64_t seq, const std::vector<LokiEntry>& remaining, std::string* err) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = segments_.find(seq);
  if (it == segments_.end()) return true;  // dropped meanwhile
  bytes_ -= it->second.bytes;
  lines_ -= it->second.lines;
  if (remaining.empty()) {
    ::unlink(path_of(seq).c_str());
    segments_.erase(it);
    return true;
  }
  const std::string text = encode(remaining);
  if (!write_file_atomically(path_of(seq), text, 0600, err)) {
    segments_.erase(it);
    return false;
  }
  it->second = Info{text.size(), remaining.size()};
  bytes_ += text.size();
  lines_ += remaining.size();
  return true;
}

void Spool::count_dropped(uint64_t lines) {
  std::lock_guard<std::mutex> lock(mutex_);
  dropped_ += lines;
}

uint64_t Spool::entries() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lines_;
}

uint64_t Spool::dropped_total() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

}  // namespace drift
