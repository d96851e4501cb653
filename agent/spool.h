// The durable spool of Loki lines: one segment file per batch of lines in
// state_dir/spool, written to a temp file, fsynced and renamed, delivered and
// removed oldest first. Survives a restart of driftd and of the node.
// Lines that cannot be written (state_dir full or failing) wait in memory, in
// order and bounded, and go to disk with the next append or flush_held().
#pragma once

#include <cstdint>
#include <deque>
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

/// Lines one append dropped, by reason (both are in dropped_total()).
struct SpoolDrops {
  uint64_t spool_full = 0;   // the oldest segments, for spool.max_bytes
  uint64_t memory_full = 0;  // the oldest held lines, beyond kMaxHeldLines / kMaxHeldBytes
};

class Spool {
 public:
  /// The bound on lines held in memory while the spool cannot be written.
  static constexpr uint64_t kMaxHeldLines = 10000;
  static constexpr uint64_t kMaxHeldBytes = 16ull << 20;

  /// Opens (creating) the spool directory and counts what a previous run left.
  bool open(const std::string& dir, uint64_t max_bytes, std::string* err);

  /// Appends a batch, after any lines still held, as one segment. When the
  /// spool would exceed max_bytes, the oldest segments are dropped. False when
  /// the segment cannot be written: its lines are held in memory (beyond the
  /// bound the oldest held lines are dropped) for the next append or
  /// flush_held(). Drops are counted and told in *dropped.
  bool append(const std::vector<LokiEntry>& entries, SpoolDrops* dropped, std::string* err);
  /// Writes the held lines as one segment; true when none are held now.
  bool flush_held(SpoolDrops* dropped, std::string* err);
  /// Lines held in memory, not yet written.
  uint64_t held() const;
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
  bool flush_held_locked(SpoolDrops* dropped, std::string* err);

  struct Held { LokiEntry entry; uint64_t bytes; };
  std::deque<Held> held_;
  uint64_t held_bytes_ = 0;

  mutable std::mutex mutex_;
  std::string dir_;
  uint64_t max_bytes_ = 0;
  struct Info { uint64_t bytes = 0, lines = 0; };
  std::map<uint64_t, Info> segments_;
  uint64_t bytes_ = 0, lines_ = 0, dropped_ = 0, next_seq_ = 1;
};

}  // namespace drift
