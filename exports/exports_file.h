// The exports(5) parser: /etc/exports, /etc/exports.d/*.exports and etab
// (which exportfs writes in the same syntax), read as nfs-utils reads them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "exports/exports_options.h"

namespace drift {

/// One (path, client) export as a file states it.
struct ExportEntry {
  std::string path;            // escapes and quotes decoded
  std::string client;          // as written, quotes decoded; "*" for "(opts)" without a name, "" for none
  std::string text;            // the client token as nfs-utils read it ("host(rw)")
  ExportOptions options;       // the line's default options, then the client's
  std::string file;            // host path of the file
  int line = 0;                // line where the entry (its path) starts
  bool world_space = false;    // "(opts)" with no client name: exported to the world
  std::string bare_before;     // with world_space: the option-less client just before it ("host" of "host (rw)")
  bool applied = true;         // false: exportfs skips it (after a fatal error in its file, a bad subnet)
};

/// Something nfs-utils refuses or that cannot be what the operator meant.
struct ExportsParseError {
  std::string path;     // the export path of the line, "" when the path itself is bad
  std::string file;
  int line = 0;
  std::string text;     // the offending token
  std::string message;
  bool stops = false;   // exportfs stops reading the file here
};

/// The entries and errors of one or more files.
struct ParsedExports {
  std::vector<ExportEntry> entries;
  std::vector<ExportsParseError> errors;
};

/// Parses one file's text (named `file` in results), appending to `out`. Never
/// fails: what nfs-utils would refuse becomes an error; parsing resumes on the
/// next line so every problem is reported, and entries that exportfs would no
/// longer read are marked not applied. Linear in the size of the text.
void parse_exports_text(std::string_view text, const std::string& file, ParsedExports* out);

}  // namespace drift
