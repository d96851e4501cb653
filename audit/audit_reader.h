// Audit log bytes -> file events, with the audit project's own parser
// (libauparse, fed): it groups records into events, decodes the hex-encoded
// fields and survives partial lines. Two things are done before auparse sees
// a line, because auparse cannot be told to: a line longer than the bound is
// dropped whole (counted), so an enormous line costs no memory; a line that
// is not a record (`type=...`) or holds a NUL is dropped (auparse 3.0.9 leaks
// on the first and cuts at the second); and the
// ENRICHED suffix (after the 0x1d separator, `AUID="wizard" UID="root"`) is
// joined to the record as ordinary fields, so the names auditd resolved on
// the host are read with auparse_find_field. auparse's own interpretation of
// uids is never called: it runs getpwuid in driftd's process, which reads the
// container's passwd (and Landlock denies it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_event.h"

namespace drift {

struct AuditReaderOptions {
  bool argv = false;                   // keep PROCTITLE (audit.argv): off, it can hold passwords
  size_t max_line_bytes = 64 << 10;    // longer lines are dropped whole
};

struct AuditReaderStats {
  uint64_t lines = 0;          // complete lines fed to auparse
  uint64_t long_lines = 0;     // dropped: longer than max_line_bytes
  uint64_t bad_lines = 0;      // dropped: not "type=...", or a NUL byte (auditd writes neither)
  uint64_t events = 0;         // events auparse completed
  uint64_t file_events = 0;    // of which: a SYSCALL with PATH records
};

class AuditReader {
 public:
  explicit AuditReader(AuditReaderOptions options = {});
  ~AuditReader();
  AuditReader(const AuditReader&) = delete;
  AuditReader& operator=(const AuditReader&) = delete;

  /// False when auparse could not be set up (out of memory); feed then does nothing.
  bool ok() const;
  /// Bytes of a log, in any chunks: lines may be split anywhere.
  void feed(std::string_view bytes);
  /// End of input: a trailing line without newline is fed, every pending event completed.
  void flush();
  /// For a live log: completes events auparse holds longer than its timeout.
  void age();
  /// The file events completed since the last take, in log order.
  std::vector<AuditFileEvent> take();
  const AuditReaderStats& stats() const { return stats_; }

  struct State;  // auparse and the line buffer (audit_reader.cc)

 private:
  void feed_line(std::string_view line);
  std::unique_ptr<State> state_;
  AuditReaderStats stats_;
  AuditReaderOptions options_;
};

/// "/a/b" + "../c" -> "/a/c": a PATH name joined with the event's CWD and
/// normalised lexically ("." and ".." components, repeated and trailing "/").
std::string join_audit_path(std::string_view cwd, std::string_view name);

}  // namespace drift
