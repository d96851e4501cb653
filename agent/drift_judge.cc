// The baseline and the judgement of the node against it (drift_judge.h): each
// step of the pipeline returns what the daemon must do as a Verdict.
#include "agent/drift_judge.h"

#include <map>
#include <set>

#include "agent/check.h"
#include "agent/highest_serial.h"
#include "baseline/escape.h"

namespace drift {

namespace {

std::string serial_text(uint64_t serial) { return std::to_string(serial); }

}  // namespace

ScanOptions DriftJudge::scan_options() const {
  ScanOptions o;
  std::shared_ptr<const Baseline> base = baseline_.current();
  o.keep_content = [base](const Entry& now) { return base && content_changed_from(base->entries, now); };
  return o;
}

// Refused: the metrics and /healthz say so, the log once per reason; the
// last valid baseline (if any) is still compared with.
Verdict DriftJudge::invalid(const std::string& reason) {
  Verdict v;
  const auto& last = baseline_.current();
  metrics_->set_baseline(false, baseline_.installed(), last ? last->meta.created : 0);
  health_->set_baseline(last ? "not valid (" + reason + "), comparing with serial " + serial_text(last->meta.serial)
                             : "none valid (" + reason + ")",
                        last != nullptr);
  if (baseline_.mark_invalid(reason)) {
    log_("baseline not valid: " + reason +
         (last ? "; still comparing with the last valid one (serial " + serial_text(last->meta.serial) + ")"
               : "; nothing to compare with until a valid baseline is installed"));
  }
  v.out.changed = true;  // baseline_valid 0 is news
  return v;
}

Verdict DriftJudge::load_baseline(const Config& config, const std::string& why, Clock::time_point now,
                                  int64_t now_ns) {
  const InstalledBaseline::Outcome o = baseline_.load(config.baseline, config.public_key, config.node);
  if (!o.accepted) return invalid(o.reason);
  const Baseline& b = *baseline_.current();
  Verdict v;
  if (o.serial_raised) {
    v.out.saves.push_back({kHighestSerialFile, serial_text(baseline_.highest_serial()) + "\n", "the baseline serial"});
  }
  metrics_->set_baseline(true, true, b.meta.created);
  health_->set_baseline("serial " + serial_text(b.meta.serial) + " valid", true);
  if (o.replaced) {
    v.out.lines.push_back(baseline_loki_entry({b.meta.serial, b.meta.created, baseline_.key_id()}, config.node, now_ns));
    log_("baseline serial " + serial_text(b.meta.serial) + " (" + std::to_string(b.entries.size()) + " entries, key " +
         baseline_.key_id() + ") loaded: " + why);
  }
  sources_->set_runtime_baseline(b.entries);
  if (node_.known()) {
    Verdict j = judge(config, /*force_push=*/true, now, now_ns);
    v.judged = j.judged;
    v.status = std::move(j.status);
    for (auto& line : j.out.lines) v.out.lines.push_back(std::move(line));
    for (auto& save : j.out.saves) v.out.saves.push_back(std::move(save));
  } else {
    v.full_check_needed = true;
  }
  v.out.changed = true;
  return v;
}

// Landlock grants a file rule (a kubelet config file) to the inode it had at
// start; a file replaced by rename is a new inode the daemon may not open.
// The daemon exits with 75 (EX_TEMPFAIL) for its supervisor to restart it,
// and the fresh start reads the new file; the drift state on disk keeps
// known drift from being announced twice.
bool DriftJudge::rule_file_replaced(const Config& config, bool landlock, const std::vector<Entry>& entries) const {
  if (!landlock) return false;
  const Selection selection = selection_from(config);
  bool replaced = false;
  for (const Entry& e : entries) {
    if (e.status == EntryStatus::kUnreadable && e.type == EntryType::kFile && selection.is_rule_root(e.path)) {
      log_(escape_bytes(e.path) + " was replaced and Landlock follows inodes: restarting to confine afresh (exit 75)");
      replaced = true;
    }
  }
  return replaced;
}

Verdict DriftJudge::take_full_check(const Config& config, bool landlock, ScanResult&& result, double seconds,
                                    const std::vector<RecheckScope>& dirty, ScanResult&& dirty_read,
                                    Clock::time_point now, int64_t now_ns) {
  Verdict v;
  for (const std::string& w : result.warnings) log_("warning: " + w);
  if (rule_file_replaced(config, landlock, result.entries)) {
    v.out.restart = true;
    return v;
  }
  const uint64_t incomplete = result.incomplete, bytes_hashed = result.bytes_hashed;
  node_.replace_all(std::move(result));
  health_->full_check_done(now);
  last_full_check_ns_ = now_ns;
  if (sources_->runtime_on()) node_.replace_runtime(sources_->runtime_entries());
  metrics_->set_full_scan(node_.size(), static_cast<double>(now_ns) / 1e9, seconds, incomplete);
  log_("full check: " + std::to_string(node_.size()) + " entries, " + std::to_string(bytes_hashed) +
       " bytes hashed in " + std::to_string(seconds).substr(0, 5) + " s, " + std::to_string(incomplete) +
       " incomplete");
  // Changes seen while the scan ran may be older or newer than what it read:
  // their read after it goes on top.
  if (!dirty.empty()) node_.replace_scoped(dirty, std::move(dirty_read));
  return judge(config, /*force_push=*/true, now, now_ns);
}

Verdict DriftJudge::take_recheck(const Config& config, bool landlock, const std::vector<RecheckScope>& scopes,
                                 ScanResult&& fresh, Clock::time_point now, int64_t now_ns) {
  Verdict v;
  if (!node_.known() || !baseline_.current()) return v;
  if (rule_file_replaced(config, landlock, fresh.entries)) {
    v.out.restart = true;
    return v;
  }
  node_.replace_scoped(scopes, std::move(fresh));
  return judge(config, /*force_push=*/false, now, now_ns);
}

Verdict DriftJudge::take_runtime(const Config& config, const std::vector<Entry>& runtime, bool changed,
                                 Clock::time_point now, int64_t now_ns) {
  if (!node_.known()) return {};  // the full check's end takes the runtime entries
  node_.replace_runtime(runtime);
  if (!changed) return {};
  return judge(config, /*force_push=*/false, now, now_ns);
}

Verdict DriftJudge::judge_if_due(const Config& config, Clock::time_point now, int64_t now_ns) {
  if (!again_at_ || now < *again_at_) return {};
  again_at_.reset();
  return judge(config, /*force_push=*/false, now, now_ns);
}

Verdict DriftJudge::judge(const Config& config, bool force_push, Clock::time_point now, int64_t now_ns) {
  Verdict v;
  const auto& baseline = baseline_.current();
  if (!baseline || !node_.known()) return v;
  const NodeState::Judgement j = node_.judge(*baseline, compare_policy_for(selection_from(config)), config.root,
                                             &dpkg_, &tracker_, now, force_push);
  for (const std::string& line : j.log) log_(line);
  again_at_ = j.again_at;
  if (!j.judged) return v;
  v.judged = true;
  std::vector<DriftFact> facts;
  for (const auto& [path, r] : tracker_.state()) facts.push_back({r.path, r.kind, r.severity, r.cause, r.proof});
  metrics_->set_drift(facts, config.metrics_max_paths);
  // The old contents come from the baseline file, read again only now
  // (holding every snapshot would cost tens of MB on a node's /etc).
  const std::map<std::string, std::string> before =
      reread_snapshots(config.baseline, baseline_.payload_sha256(), j.wanted_before);
  v.out.lines = announcer_.announce(j.transitions, config, before, node_.snapshots(), now_ns);
  if (!j.transitions.empty()) v.out.saves.push_back({kDriftStateName, tracker_.save(), "the drift state"});
  v.out.changed = j.force_push || !j.transitions.empty();
  v.status = std::to_string(tracker_.state().size()) + " paths in drift" +
             (baseline_.valid() ? "" : "; baseline not valid: " + baseline_.problem());
  return v;
}

HeartbeatFacts DriftJudge::heartbeat() const {
  HeartbeatFacts h;
  const auto& b = baseline_.current();
  h.baseline_serial = b && baseline_.valid() ? b->meta.serial : 0;
  h.entries = b ? b->entries.size() : 0;
  h.last_full_check_ns = last_full_check_ns_;
  h.version = kToolVersion;
  return h;
}

}  // namespace drift
