// The dpkg gate of the package-aware check. While dpkg runs, files and its
// database disagree (files land before the status file says which version
// they belong to), so judging drift waits for dpkg to finish, at most
// kMaxDpkgWait in a row; after that drift is judged at once until dpkg lets go
// (an apt left at its Y/n prompt must not hold every verdict back forever).
// dpkg's database is read again only when its status file changed (inode,
// size, mtime): an upgrade ran. Time is passed in, never read here.
#pragma once

#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <string>

#include "agent/package_cause.h"

namespace drift {

inline constexpr auto kMaxDpkgWait = std::chrono::minutes(10);
inline constexpr auto kDpkgRecheck = std::chrono::seconds(1);

class DpkgGate {
 public:
  using Clock = std::chrono::steady_clock;

  /// Reads ROOT's dpkg database again when its status file changed since the
  /// last read (or after forget()). Returns a warning for the log when it is
  /// new ("" otherwise).
  std::string refresh(const std::string& root);
  /// The next refresh reads the database whatever the status file says (the root may have changed).
  void forget() { loaded_ = false; }
  /// How many times the database was read (for tests).
  unsigned loads() const { return loads_; }
  PackageClassifier& packages() { return packages_; }

  struct Verdict {
    bool judge = true;                         // judge drift now
    std::optional<Clock::time_point> again_at; // when not: ask again then
    bool force_push = false;                   // with judge: push, also for the waits before
    std::string log;                           // "" or a line for the log
  };
  /// Whether drift is judged now, given dpkg is BUSY at NOW and FORCE_PUSH
  /// asked for by this evaluation; a force put off is kept for the judging.
  Verdict decide(bool busy, Clock::time_point now, bool force_push);

 private:
  PackageClassifier packages_;
  bool loaded_ = false;
  unsigned loads_ = 0;
  struct stat status_ {};
  std::string warning_;
  std::optional<Clock::time_point> waiting_since_;
  bool waited_ = false;  // the last verdict was a wait
  bool deferred_force_push_ = false;
};

}  // namespace drift
