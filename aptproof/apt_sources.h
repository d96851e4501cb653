// apt's sources (ROOT/etc/apt/sources.list and sources.list.d/*.list in the
// one-line format, sources.list.d/*.sources in deb822): which repositories the
// node trusts, and with which keyring each (Signed-By). aptproof needs them
// for one thing: which keys may sign a repository's InRelease. A source with
// Signed-By is trusted with those keys only, as apt does; one without, with
// the global keyrings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace drift {

struct AptSource {
  std::string uri;                  // "http://deb.debian.org/debian"
  std::vector<std::string> suites;  // "bookworm", or "./" for a flat repository
  std::vector<std::string> signed_by_files;  // absolute host paths
  std::string signed_by_inline;     // an armored key block given in the .sources file itself
  std::string file;                 // host path of the file that names it
  size_t line = 0;
};

/// Parses a one-line-format file's text. Problems (a line that is no source)
/// go to *problems as "FILE:LINE: why"; the good lines are kept.
std::vector<AptSource> parse_sources_list(std::string_view text, const std::string& file,
                                          std::vector<std::string>* problems);

/// Parses a deb822 .sources file's text (Types, URIs, Suites, Signed-By; a
/// stanza with Enabled: no is skipped).
std::vector<AptSource> parse_sources_deb822(std::string_view text, const std::string& file,
                                            std::vector<std::string>* problems);

/// apt's file name for a URI in var/lib/apt/lists (apt-pkg's URItoFileName):
/// the scheme and user info dropped, '/' -> '_', '_' -> "%5f", other unsafe
/// bytes %-escaped. "http://deb.debian.org/debian/dists/bookworm/" ->
/// "deb.debian.org_debian_dists_bookworm_".
std::string uri_to_list_prefix(std::string_view uri);

/// The list-file prefix of a source's suite: URI "/dists/" SUITE "/" (or URI
/// "/" SUITE for a flat suite ending in '/').
std::string list_prefix_of(const AptSource& source, const std::string& suite);

}  // namespace drift
