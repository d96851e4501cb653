// The durable spool of Loki lines: one segment file per batch of lines in
// state_dir/spool, written to a temp file, fsynced and renamed, delivered and
// removed oldest first. Survives a restart of driftd and of the node.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace drift {

struct LokiEntry {
  std::map<std::string, std::string> labels;  // the stream
  int64_t ts_ns = 0;
  std::string line;
};

struct SpoolSegment {
  uint64_t seq = 0;
  std::vector<LokiEntry> entries;
};

class Spool {
 public:
  /// Opens (creating) the spool directory and counts what a previous run left.
  bool open(const std::string& dir, uint64_t max_bytes, std::string* err);

  /// Appends a batch as one segment. When the spool would exceed max_bytes,
  /// the oldest segments are dropped (counted; *dropped_lines tells how many).
  bool append(const std::vector<LokiEntry>& entries, uint64_t* dropped_lines, std::string* err);
  /// The oldest segment, if any (false when empty or unreadable: an unreadable
  /// segment is moved aside as *.bad and counted as dropped).
  bool oldest(SpoolSegment* out);
  /// Rewrites a segment with what is left of it (empty removes it).
  bool replace(uint64_t seq, const std::vector<LokiEntry>& remaining, std::string* err);

  /// Counts lines dropped elsewhere (refused by Loki for good).
  void count_dropped(uint64_t lines);
  uint64_t entries() const;
  uint64_t dropped_total() const;

  static std::string encode(const std::vector<LokiEntry>& entries);
  static bool decode(const std::string& text, std::vector<LokiEntry>* out);

 private:
  std::string path_of(uint64_t seq) const;
  void drop_oldest_locked(uint64_t* dropped_lines);

  mutable std::mutex mutex_;
  std::string dir_;
  uint64_t max_bytes_ = 0;
  struct Info { uint64_t bytes = 0, lines = 0; };
  std::map<uint64_t, Info> segments_;
  uint64_t bytes_ = 0, lines_ = 0, dropped_ = 0, next_seq_ = 1;
};

}  // namespace drift
