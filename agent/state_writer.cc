// The state_dir writer: atomic writes that wait in memory, bounded, when the
// disk refuses them, and one retry deadline for all of them (see the header).
#include "agent/state_writer.h"

#include "lib/atomic_file.h"

namespace drift {

bool StateWriter::open_spool(const std::string& dir, uint64_t max_bytes, std::string* err) {
  spool_ok_ = spool_.open(dir, max_bytes, err);
  update_metrics();
  return spool_ok_;
}

void StateWriter::log_drops(const SpoolDrops& dropped) {
  if (dropped.spool_full) log_("spool full (spool.max_bytes): dropped the " + std::to_string(dropped.spool_full) + " oldest lines");
  if (dropped.memory_full) {
    log_("spool: more than the in-memory bound waits for state_dir: dropped the " +
         std::to_string(dropped.memory_full) + " oldest held lines");
  }
}

bool StateWriter::spool_lines(const std::vector<LokiEntry>& lines, Clock::time_point now) {
  if (lines.empty()) return false;
  if (!spool_ok_) {
    spool_.count_dropped(lines.size());  // no spool since start: nowhere to keep them
    log_("spool unavailable: " + std::to_string(lines.size()) + " Loki lines dropped");
    update_metrics();
    return false;
  }
  const bool was_holding = spool_.held() > 0;
  SpoolDrops dropped;
  std::string err;
  if (!spool_.append(lines, &dropped, &err)) {
    if (!was_holding) {
      log_("spool: " + err + ": holding Loki lines in memory until state_dir can be written (at most " +
           std::to_string(Spool::kMaxHeldLines) + " lines, " + std::to_string(Spool::kMaxHeldBytes >> 20) + " MiB)");
    }
    if (!retry_at_) retry_at_ = now + kRetryWrites;
  } else if (was_holding) {
    log_("spool: written again, the Loki lines held in memory are spooled");
  }
  log_drops(dropped);
  update_metrics();
  return true;
}

void StateWriter::save(const std::string& path, const std::string& content, const std::string& what,
                       Clock::time_point now) {
  std::string err;
  if (write_file_atomically(path, content, 0600, &err)) {
    if (unsaved_.erase(path)) log_("saved " + what + " again");
  } else {
    if (!unsaved_.count(path)) log_("cannot save " + what + ": " + err + " (retrying every few seconds)");
    unsaved_[path] = content;
    if (!retry_at_) retry_at_ = now + kRetryWrites;
  }
  update_metrics();
}

StateWriter::Retried StateWriter::retry(Clock::time_point now) {
  retry_at_.reset();
  Retried r;
  const uint64_t held = spool_.held();
  const size_t unsaved = unsaved_.size();
  if (held) {
    SpoolDrops dropped;
    std::string err;
    if (spool_.flush_held(&dropped, &err)) {
      log_("spool: written again, " + std::to_string(held) + " Loki lines held in memory are spooled");
      r.spooled = true;
    }
    log_drops(dropped);
  }
  for (auto it = unsaved_.begin(); it != unsaved_.end();) {
    std::string err;
    if (write_file_atomically(it->first, it->second, 0600, &err)) {
      log_("saved " + it->first + " again");
      it = unsaved_.erase(it);
    } else {
      ++it;
    }
  }
  if (spool_.held() || !unsaved_.empty()) retry_at_ = now + kRetryWrites;
  update_metrics();
  r.changed = held != spool_.held() || unsaved != unsaved_.size();
  return r;
}

void StateWriter::shutdown(Clock::time_point now) {
  if (retry_at_) retry(now);
  if (const uint64_t held = spool_.held()) {
    spool_.count_dropped(held);
    log_("exiting with state_dir still unwritable: " + std::to_string(held) + " Loki lines held in memory are lost");
  }
  for (const auto& [path, content] : unsaved_) log_("exiting with " + path + " still unsaved");
  update_metrics();
}

void StateWriter::update_metrics() {
  metrics_->set_spool(spool_.entries(), spool_.held(), spool_.dropped_total());
  metrics_->set_state_unsaved(unsaved_.size());
}

}  // namespace drift
