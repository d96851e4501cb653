// The soak summary and the C.3 table (see soak_summary.h). The revert logic
// follows driftd's own: an episode starts with a path's first drift line,
// further drift lines of the same path (drifting differently) belong to it,
// and its cleared line ends it; a baseline loaded in between means the drift
// was accepted, not reverted. Lines are taken in time order (Loki's forward
// order, logcli's --forward), which is what the query client yields.
#include "soak/soak_summary.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>

namespace drift {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kDay = 86400 * kSecond;
constexpr int64_t kWeek = 7 * kDay;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Monday 00:00 UTC of the week holding ns (1970-01-01 was a Thursday).
int64_t week_start(int64_t ns) { return floor_div(ns + 3 * kDay, kWeek) * kWeek - 3 * kDay; }

std::string or_not_recorded(const std::string& s) { return s.empty() ? "not_recorded" : s; }

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// What C.3 calls drift "Stage A didn't catch": a container-runtime or other
// critical binary changed without a package to explain it, or a kernel module
// loaded or the kernel tainted, neither of which touches a file.
bool uncaught(const NotableEvent& e) {
  if (e.kind == "exports" || e.kind == "expectation" || e.cause == "package") return false;
  if (e.path_class == "runtime:module" || e.path_class == "runtime:taint") return true;
  return e.severity == "critical" && e.path_class == "binaries";
}

std::string minute_text(int64_t ns) {
  const time_t secs = static_cast<time_t>(floor_div(ns, kSecond));
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}

std::string duration_text(int64_t ns) {
  const int64_t s = ns / kSecond;
  if (s < 120) return std::to_string(s) + " s";
  if (s < 2 * 3600) return std::to_string(s / 60) + " min";
  if (s < 2 * 86400) return std::to_string(s / 3600) + " h";
  return std::to_string(s / 86400) + " days";
}

}  // namespace

std::string path_class(const std::string& path) {
  if (!path.empty() && path[0] != '/') {
    const size_t colon = path.find(':');
    return colon == std::string::npos ? "other" : "runtime:" + path.substr(0, colon);
  }
  static const char* kBinaries[] = {"/usr/bin/", "/usr/sbin/", "/usr/local/bin/", "/usr/local/sbin/", "/bin/", "/sbin/",
                                    "/opt/cni/bin/"};
  if (starts_with(path, "/etc/ssh/") || path == "/etc/ssh") return "ssh";
  if (starts_with(path, "/var/lib/kubelet/") || starts_with(path, "/etc/kubernetes/") || path == "/etc/default/kubelet" ||
      starts_with(path, "/etc/systemd/system/kubelet.service")) {
    return "kubelet";
  }
  if (starts_with(path, "/etc/containerd/")) return "containerd";
  if (starts_with(path, "/etc/cni/")) return "cni";
  for (const char* b : kBinaries) {
    if (starts_with(path, b)) return "binaries";
  }
  if (starts_with(path, "/etc/systemd/") || starts_with(path, "/lib/systemd/system/") ||
      starts_with(path, "/usr/lib/systemd/system/")) {
    return "systemd";
  }
  if (starts_with(path, "/etc/")) return "other_etc";
  return "other";
}

std::string iso_week(int64_t ns) {
  const time_t secs = static_cast<time_t>(floor_div(ns, kSecond));
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%G-W%V", &tm);
  return buf;
}

std::string describe(const NotableEvent& e) {
  const std::string when = minute_text(e.ts_ns) + " UTC";
  if (e.kind == "exports" || e.kind == "expectation") {
    return e.severity + " " + e.kind + " violation " + e.path + " on " + e.node + ", " + when;
  }
  static const std::map<std::string, std::string> kVerb = {{"added", "addition"}, {"removed", "removal"}, {"changed", "change"}};
  static const std::map<std::string, std::string> kWhat = {
      {"binaries", "binary"}, {"ssh", "/etc/ssh file"}, {"kubelet", "kubelet file"}, {"containerd", "containerd file"},
      {"cni", "CNI file"}, {"systemd", "systemd unit"}, {"other_etc", "/etc file"}, {"other", "file"},
      {"runtime:module", "kernel module"}, {"runtime:taint", "kernel taint flag"}, {"runtime:sysctl", "sysctl"}};
  static const std::map<std::string, std::string> kActor = {
      {"session", " in a login session"}, {"automation", " by automation"}, {"package", " by a package"},
      {"unknown", " by an unknown actor"}};
  auto verb = kVerb.find(e.kind);
  auto what = kWhat.find(e.path_class);
  auto actor = kActor.find(e.actor_class);
  std::string out = (e.cause.empty() ? std::string("cause not recorded:") : e.cause) + " " +
                    (verb == kVerb.end() ? e.kind : verb->second) + " of a " + e.severity + " " +
                    (what == kWhat.end() ? "runtime entry" : what->second) + " " + e.path + " on " + e.node +
                    (actor == kActor.end() ? "" : actor->second) + ", " + when + " (";
  switch (e.end) {
    case NotableEvent::End::kOpen: out += "not reverted"; break;
    case NotableEvent::End::kReverted: out += "reverted after " + duration_text(e.ended_ns - e.ts_ns); break;
    case NotableEvent::End::kAccepted:
      out += "accepted into baseline " + std::to_string(e.accepted_serial) + " after " + duration_text(e.ended_ns - e.ts_ns);
      break;
  }
  return out + ")";
}

std::optional<int64_t> NodeSummary::median_revert_seconds() const {
  uint64_t total = 0;
  for (const auto& [s, n] : revert_seconds) total += n;
  if (total == 0) return std::nullopt;
  // The lower median for an even count: a time some revert actually took.
  const uint64_t want = (total + 1) / 2;
  uint64_t seen = 0;
  for (const auto& [s, n] : revert_seconds) {
    seen += n;
    if (seen >= want) return s;
  }
  return std::nullopt;
}

size_t NodeSummary::alive_weeks() const {
  return static_cast<size_t>(std::count_if(weeks.begin(), weeks.end(), [](const WeekSummary& w) { return w.alive(); }));
}

SoakSummary::SoakSummary(int64_t from_ns, int64_t to_ns, std::vector<std::string> nodes)
    : from_ns_(from_ns), to_ns_(to_ns), asked_(std::move(nodes)) {
  for (int64_t w = week_start(from_ns); w < to_ns; w += kWeek) {
    week_starts_.push_back(w);
    week_names_.push_back(iso_week(w));
  }
}

uint64_t SoakSummary::skipped_total() const {
  uint64_t n = 0;
  for (const auto& [r, c] : skipped_) n += c;
  return n;
}

SoakSummary::NodeState& SoakSummary::node(const std::string& name) {
  auto it = nodes_.find(name);
  if (it != nodes_.end()) return it->second;
  NodeState& st = nodes_[name];
  st.s.node = name;
  for (size_t i = 0; i < week_starts_.size(); ++i) {
    WeekSummary w;
    w.week = week_names_[i];
    w.start_ns = week_starts_[i];
    st.s.weeks.push_back(w);
  }
  return st;
}

void SoakSummary::add_entry(const std::map<std::string, std::string>& labels, int64_t ts_ns, std::string_view line) {
  SoakRecord r;
  std::string why;
  if (read_soak_record(labels, ts_ns, line, &r, &why)) {
    add(r);
  } else {
    skip(why);
  }
}

void SoakSummary::add(const SoakRecord& r) {
  if (r.ts_ns < from_ns_ || r.ts_ns >= to_ns_) return skip("outside the range");
  if (!asked_.empty() && std::find(asked_.begin(), asked_.end(), r.node) == asked_.end()) return;
  ++lines_;
  if (first_line_ns_ == 0 || r.ts_ns < first_line_ns_) first_line_ns_ = r.ts_ns;
  NodeState& st = node(r.node);
  NodeSummary& s = st.s;
  ++s.lines;
  if (s.first_ns == 0 || r.ts_ns < s.first_ns) s.first_ns = r.ts_ns;
  s.last_ns = std::max(s.last_ns, r.ts_ns);
  const size_t wi = static_cast<size_t>((week_start(r.ts_ns) - week_starts_.front()) / kWeek);
  WeekSummary& week = s.weeks.at(wi);
  ++week.lines;
  auto note = [&](const std::string& kind, const std::string& cls) -> int {
    if (r.cause == "package") return -1;
    if (s.notable.size() >= kMaxEvidence) {
      ++s.notable_left_out;
      return -1;
    }
    NotableEvent e;
    e.ts_ns = r.ts_ns;
    e.node = r.node;
    e.path = r.path;
    e.kind = kind;
    e.severity = r.severity;
    e.cause = r.cause;
    e.actor_class = r.actor_class;
    e.path_class = cls;
    s.notable.push_back(e);
    return static_cast<int>(s.notable.size() - 1);
  };
  switch (r.type) {
    case SoakType::kDrift: {
      const std::string cls = path_class(r.path);
      const std::string cause = or_not_recorded(r.cause);
      ++s.events;
      ++week.events;
      ++week.by_cause[cause];
      ++s.by_kind[starts_with(cls, "runtime:") ? "runtime" : r.kind];
      ++s.by_severity[r.severity];
      ++s.by_cause[cause];
      ++s.by_class[or_not_recorded(r.actor_class)];
      ++s.by_path_class[cls];
      ++s.per_day[floor_div(r.ts_ns, kDay) * kDay][cause];
      ++s.path_events[r.path];
      // Drifting differently continues the episode: one piece of evidence
      // per episode, the first unexplained line of it.
      auto open = st.open.find(r.path);
      if (open == st.open.end()) {
        st.open[r.path] = Open{r.ts_ns, note(r.kind, cls)};
      } else if (open->second.notable < 0) {
        open->second.notable = note(r.kind, cls);
      }
      break;
    }
    case SoakType::kCleared: {
      auto open = st.open.find(r.path);
      if (open == st.open.end()) break;  // its drift began before the range
      const int64_t took = r.ts_ns - open->second.start_ns;
      const bool accepted = !s.baselines.empty() && s.baselines.back().loaded_ns > open->second.start_ns;
      NotableEvent* e = open->second.notable >= 0 ? &s.notable[static_cast<size_t>(open->second.notable)] : nullptr;
      if (accepted) {
        ++s.accepted;
        if (e) {
          e->end = NotableEvent::End::kAccepted;
          e->accepted_serial = std::strtoull(s.baselines.back().serial.c_str(), nullptr, 10);
        }
      } else {
        ++s.cleared;
        ++s.revert_seconds[took / kSecond];
        if (took <= kRevertWithinSeconds * kSecond) ++s.reverted_within;
        if (e) e->end = NotableEvent::End::kReverted;
      }
      if (e) e->ended_ns = r.ts_ns;
      st.open.erase(open);
      break;
    }
    case SoakType::kExports:
    case SoakType::kExpectation: {
      const std::string kind = r.type == SoakType::kExports ? "exports" : "expectation";
      ++s.by_kind[kind];
      note(kind, kind);
      break;
    }
    case SoakType::kExportsCleared:
    case SoakType::kExpectationCleared:
      break;
    case SoakType::kHeartbeat:
      ++week.heartbeats;
      s.last_heartbeat_ns = std::max(s.last_heartbeat_ns, r.ts_ns);
      s.last_version = r.tool_version;
      break;
    case SoakType::kBaseline: {
      const bool known = std::any_of(s.baselines.begin(), s.baselines.end(),
                                     [&](const BaselineSeen& b) { return b.serial == r.serial; });
      if (!known) s.baselines.push_back({r.serial, r.created, r.key_id, r.ts_ns});
      break;
    }
  }
}

void SoakSummary::finish() {
  for (const std::string& n : asked_) node(n);
  result_.clear();
  for (auto& [name, st] : nodes_) result_.push_back(st.s);
  evaluate();
}

void SoakSummary::evaluate() {
  uint64_t events = 0, explained = 0, violations = 0;
  std::vector<const NotableEvent*> caught, missed;
  uint64_t caught_left = 0;
  std::vector<std::string> silent;
  for (const NodeSummary& n : result_) {
    events += n.events;
    auto p = n.by_cause.find("package");
    explained += p == n.by_cause.end() ? 0 : p->second;
    for (const char* k : {"exports", "expectation"}) {
      auto it = n.by_kind.find(k);
      violations += it == n.by_kind.end() ? 0 : it->second;
    }
    for (const NotableEvent& e : n.notable) (uncaught(e) ? missed : caught).push_back(&e);
    caught_left += n.notable_left_out;
    std::string weeks;
    for (const WeekSummary& w : n.weeks) {
      if (!w.alive()) weeks += (weeks.empty() ? "" : ", ") + w.week;
    }
    if (!weeks.empty()) silent.push_back(n.node + ": no heartbeat in " + weeks);
  }
  const uint64_t unexplained = events - explained;
  auto evidence = [](const std::vector<const NotableEvent*>& list, DecisionRow* row) {
    for (const NotableEvent* e : list) {
      if (row->evidence.size() < kMaxEvidence) row->evidence.push_back(describe(*e));
      else ++row->evidence_left_out;
    }
  };
  decision_.clear();

  DecisionRow none;
  none.row = "no-drift";
  none.observation = "No drift detected in AIDE + tg plan daily";
  none.recommends = "Outcome 3 (defer Talos indefinitely). Use saved 60+h on P1 code-8ywc + P2 code-963q + other tasks. "
                    "Sandbox Talos for learning value.";
  none.holds = unexplained == 0 && violations == 0 && silent.empty() && !result_.empty();
  if (result_.empty()) {
    none.why = "no driftd line in the range: no data, not no drift";
  } else if (!silent.empty()) {
    none.why = std::to_string(silent.size()) + " node(s) without a heartbeat in some week: silent is not clean";
  } else {
    none.why = std::to_string(events) + " drift events, " + std::to_string(explained) + " explained by packages, " +
               std::to_string(unexplained) + " unexplained; " + std::to_string(violations) + " exports/expectation violations";
  }
  none.undecidable = "the daily tg plan results (A.4) are not in drift telemetry";
  evidence(caught, &none);
  evidence(missed, &none);
  decision_.push_back(none);

  DecisionRow contained;
  contained.row = "contained";
  contained.observation = "Drift detected, contained by Stage A (AIDE caught it, no incident)";
  contained.recommends = "Outcome 4: keep on Ubuntu + Stage A controls; flip Kyverno audit->enforce policies where "
                         "appropriate; revisit Stage D in 6 months. Talos doesn't add value the hardening doesn't "
                         "already provide.";
  contained.holds = unexplained + violations > 0 && missed.empty();
  contained.why = std::to_string(unexplained) + " unexplained drift events and " + std::to_string(violations) +
                  " violations, " + std::to_string(missed.size()) + " of a kind Stage A does not catch";
  contained.undecidable = "whether any of it caused an incident is not in drift telemetry (the operator's to say)";
  evidence(caught, &contained);
  contained.evidence_left_out += caught_left;
  decision_.push_back(contained);

  DecisionRow missed_row;
  missed_row.row = "uncaught";
  missed_row.observation = "Drift detected that Stage A didn't catch (e.g., container-runtime binary modification, "
                           "kernel-module loading) AND caused/risked an incident";
  missed_row.recommends = "Outcome 2 - full Talos migration per v4. Empirical justification documented.";
  missed_row.holds = !missed.empty();
  missed_row.why = missed.empty()
                       ? "no unexplained critical binary change, kernel module load or kernel taint"
                       : std::to_string(missed.size()) +
                             " unexplained critical binary changes, module loads or taints: the drift part of the row holds";
  missed_row.undecidable = "whether it caused or risked an incident is not in drift telemetry (the operator's to say)";
  evidence(missed, &missed_row);
  decision_.push_back(missed_row);

  DecisionRow quiet;
  quiet.row = "silent-nodes";
  quiet.observation = "Nodes without telemetry (not a row of C.3: a node that says nothing is not a clean node)";
  quiet.recommends = "No row can rest on those node-weeks until driftd reports from them.";
  quiet.holds = !silent.empty();
  quiet.why = silent.empty() ? "every node sent a heartbeat every week" : std::to_string(silent.size()) + " node(s) silent in some week";
  quiet.evidence = silent;
  decision_.push_back(quiet);

  DecisionRow show;
  show.row = "sandbox-show-stopper";
  show.observation = "Sandbox Talos exploration reveals show-stopper (T4 incompatibility, factory.talos.dev unreliability)";
  show.recommends = "Outcome 3 - Talos defer indefinitely.";
  show.why = "not drift telemetry";
  show.undecidable = "the sandbox Talos findings (C.2) are the operator's";
  decision_.push_back(show);

  DecisionRow clean;
  clean.row = "sandbox-validates";
  clean.observation = "Sandbox Talos exploration validates cleanly + user has 100+h appetite";
  clean.recommends = "Outcome 2 - full Talos migration.";
  clean.why = "not drift telemetry";
  clean.undecidable = "the sandbox Talos findings (C.2) and the appetite are the operator's";
  decision_.push_back(clean);
}

}  // namespace drift
