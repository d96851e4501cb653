// /etc/nfs.conf (and its nfs.conf.d drop-ins, and `include =` files) as
// nfs-utils' conffile.c reads them, for checking expected settings such as
// `[nfsd] vers3 = n`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace drift {

/// One `tag = value` that nfs-utils takes into its configuration.
struct NfsConfBinding {
  std::string section;     // lowercase, as nfs-utils stores it
  std::string subsection;  // [section "subsection"], "" for none
  std::string tag;
  std::string value;
  std::string file;        // host path
  int line = 0;
  std::string text;        // the line as written
};

/// A line that looks like a setting but that nfs-utils ignores, and why.
struct NfsConfIgnored {
  std::string file;
  int line = 0;
  std::string text;
  std::string reason;
};

/// Every binding in load order (a later one overrides an earlier one) and the ignored lines.
struct NfsConf {
  std::vector<NfsConfBinding> bindings;
  std::vector<NfsConfIgnored> ignored;
  /// `include =` lines not followed: a file already on the include stack (a
  /// loop), nesting deeper than kNfsConfMaxIncludeDepth, or past
  /// kNfsConfMaxFiles files read in all. Reported as violations with their line.
  std::vector<NfsConfIgnored> include_errors;
  /// What every parse_nfs_conf_text call into this NfsConf has read, top-level
  /// files included: the caps hold for the whole of nfs.conf and its drop-ins.
  int files_read = 0;
  uint64_t bytes_read = 0;
};

inline constexpr int kNfsConfMaxIncludeDepth = 8;
inline constexpr int kNfsConfMaxFiles = 64;
inline constexpr uint64_t kNfsConfMaxBytes = 16ull << 20;

/// Reads an included file by host path into `text`; false when it cannot be read.
using NfsConfReader = std::function<bool(const std::string& path, std::string* text)>;

/// Parses one file's text, appending to `conf`. `include = [-]path` lines are
/// followed through `read` (relative paths against the including file's directory).
void parse_nfs_conf_text(std::string_view text, const std::string& file, const NfsConfReader& read, NfsConf* conf);

/// The binding nfs-utils uses for section.tag outside any subsection (the last one), or null.
const NfsConfBinding* nfs_conf_lookup(const NfsConf& conf, std::string_view section, std::string_view tag);

/// Whether an actual value is the expected one as nfs-utils reads it: booleans by
/// meaning (n, no, false, 0, off, f are one value), anything else exactly.
bool nfs_conf_value_matches(std::string_view expected, std::string_view actual);

}  // namespace drift
