// The audit rules that cover driftd's config, and what the rule files on the
// host cover. Rules are printed only for paths that exist under --root: the
// kernel refuses a watch whose parent is missing, and auditctl then stops
// loading the rest of the file. The rules loaded in the kernel cannot be read
// without CAP_AUDIT_CONTROL, which driftd does not hold: only rule files are
// compared, and the output says so rather than guess.
#pragma once

#include <string>
#include <vector>

namespace drift {

/// The audit key of every rule driftctl prints.
inline constexpr const char* kAuditKey = "driftd";

struct AuditWatchTarget {
  std::string path;  // host path
  std::string why;   // "paths[]", "exports", "heartbeat"
  bool under_root = true;  // false: state_dir, which --root does not prefix
};

/// One watch a rule file sets: `-w PATH -p PERMS` or `-a ... -F dir=|path= -F perm=`.
struct RuleFileWatch {
  std::string file;
  int line = 0;
  std::string path;
  std::string perms;  // "" = every permission (auditctl's default for -w)
};

struct RuleFiles {
  std::vector<std::string> files;      // host paths read
  std::vector<RuleFileWatch> watches;
  std::vector<std::string> problems;   // unreadable files, not regular files
};

/// Reads root/etc/audit/rules.d/*.rules (sorted, as augenrules does) and
/// root/etc/audit/audit.rules, beneath the root, each at most 4 MiB.
RuleFiles read_rule_files(const std::string& root);

/// True when a watch with write or attribute permission covers path (the
/// path itself, or a directory above it: a directory watch is a subtree watch).
bool rule_files_cover(const RuleFiles& files, const std::string& path);

/// Whether a host path exists under root (never through a symlink).
bool exists_under_root(const std::string& root, const std::string& path);

/// The rules text: a header, `-w PATH -p wa -k driftd` for each target that
/// exists (a target inside another target's directory is left out: the outer
/// watch covers it), comments naming the targets skipped, then the comparison
/// with the rule files under root. Loads as is with auditctl -R or augenrules.
std::string render_audit_rules(const std::vector<AuditWatchTarget>& targets, const std::string& root,
                               const std::string& config_source);

}  // namespace drift
