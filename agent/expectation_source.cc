// One run of the `expect:` rules for the daemon (see the header).
#include "agent/expectation_source.h"

#include "agent/loki_lines.h"
#include "baseline/selection.h"
#include "semantic/flat_doc.h"

namespace drift {

ExpectationSource::Run ExpectationSource::run(const std::vector<Expectation>& rules, const std::string& root,
                                              const std::string& node, int64_t now_ns) {
  const std::vector<ExpectationViolation> found = evaluate_expectations(rules, node, root_file_source(root));
  ExpectationUpdate u = tracker_.update(found);
  Run out;
  for (const ExpectationTransition& t : u.transitions) {
    out.lines.push_back(expectation_loki_entry(t.violation, t.cleared, node, now_ns));
  }
  out.transitions = std::move(u.transitions);
  if (u.changed) out.state = tracker_.save();
  return out;
}

void ExpectationSource::note_changed(const std::vector<Expectation>& rules, const std::string& host_path,
                                     bool subtree, Clock::time_point now, std::chrono::milliseconds debounce) {
  if (due_) return;
  for (const Expectation& rule : rules) {
    // A directory's tree re-read (an editor's rename into /etc/ssh, a
    // directory made or moved) holds the rule's file when it lies beneath.
    if (expectation_reads(rule, host_path) || (subtree && path_is_under(rule.file, host_path))) {
      due_ = now + debounce;
      return;
    }
  }
}

bool ExpectationSource::take_due(Clock::time_point now) {
  if (!due_ || now < *due_) return false;
  due_.reset();
  return true;
}

}  // namespace drift
