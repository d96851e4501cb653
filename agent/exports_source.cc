// One run of the exports checks for the daemon (see the header).
#include "agent/exports_source.h"

#include "agent/loki_lines.h"
#include "exports/exports_check.h"

namespace drift {

ExportsSource::Run ExportsSource::run(const ExportsConfig& config, const std::string& root, const std::string& node,
                                      bool landlock, int64_t now_ns) {
  const ExportsReport report = check_exports(config, root);
  files_read_ = report.files_read;
  Run out;
  // Every run, so a directory removed and made again (/var/lib/nfs on a
  // reinstall) is watched again; on a live watch this changes nothing.
  out.watch_dirs = exports_watch_dirs(report.files_read, root);
  ExportsUpdate u = tracker_.update(report.violations, landlock);
  for (const ExportsTransition& t : u.transitions) {
    out.lines.push_back(exports_loki_entry(t.violation, t.cleared, node, now_ns));
  }
  out.transitions = std::move(u.transitions);
  out.restart_for = std::move(u.restart_for);
  if (u.changed) out.state = tracker_.save();
  return out;
}

void ExportsSource::note_changed(const std::string& read_path, const std::string& root, Clock::time_point now,
                                 std::chrono::milliseconds debounce) {
  if (exports_input_changed(read_path, files_read_, root)) due_ = now + debounce;
}

bool ExportsSource::take_due(Clock::time_point now) {
  if (!due_ || now < *due_) return false;
  due_.reset();
  return true;
}

}  // namespace drift
