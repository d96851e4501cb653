// The format registry: which files driftd reads by meaning and how. A path's
// format comes from one table of default globs (formats.cc); a format names
// its reader, which keys can exist in it, and how its effective values are
// assembled from the node's files (Include, imports, the sysctl.d set).
#pragma once

#include <string>
#include <string_view>

#include "semantic/flat_doc.h"

namespace drift {

enum class Format { kNone, kYaml, kKubeletFlags, kToml, kJson, kSshd, kSysctl };

/// "yaml", "kubelet-flags", "toml", "json", "sshd", "sysctl"; "none".
const char* format_name(Format format);

/// The format of a host path by the default globs; kNone when driftd does not
/// read it by meaning.
Format format_for_path(const std::string& host_path);

/// The text of one file, read alone (Include and imports are values, not
/// followed): what a key diff of two snapshots compares.
FlatDoc read_format(Format format, std::string_view text, const std::string& file = "");

/// The values the owner uses when it reads `path` on the node: sshd follows
/// Include, containerd its imports, sysctl reads its whole file set.
FlatDoc read_effective(Format format, const std::string& path, const FileSource& files);

/// A key an expectation may name in this format (it must parse; sshd: one
/// known keyword, or subsystem.NAME; kubelet flags: VAR.flag; sysctl: names
/// only). False with why.
bool key_possible(Format format, const std::string& key, std::string* why);

/// The key as the reader stores it: sshd keywords lowercased and aliases
/// folded (PasswordAuthentication -> passwordauthentication), else as given.
std::string canonical_key(Format format, const std::string& key);

/// sshd_config.cc's keyword table: known (after lowercasing and aliases).
bool sshd_keyword_known(const std::string& keyword);
std::string sshd_canonical_keyword(const std::string& keyword);

}  // namespace drift
