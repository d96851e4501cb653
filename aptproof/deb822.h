// Debian's control-file syntax (deb822: "Field: value" lines, continuation
// lines starting with a space or tab, stanzas separated by blank lines), the
// one reader for everything aptproof parses: Packages indexes, a .deb's
// control file, the signed text of an InRelease, and .sources files. Fed
// line by line, so a 90 MiB Packages index streams through a bounded buffer
// and only the stanzas a caller keeps are held. Hostile input is data: a
// stanza past its bound or a line that is no field is an error with its line.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace drift {

/// One stanza: fields in file order, values with continuation lines joined
/// by '\n' (the first line's value, then each continuation line, leading
/// space kept off), names as written.
struct Deb822Stanza {
  std::vector<std::pair<std::string, std::string>> fields;
  size_t line = 0;  // line of its first field
  /// The value of a field (names compare case-insensitively, as dpkg's), or null.
  const std::string* find(std::string_view name) const;
};

inline constexpr size_t kDeb822MaxStanzaBytes = 1u << 20;

/// Feeds lines, emits stanzas. A line ending in '\r' is taken without it;
/// '#' comment lines are skipped (deb822 sources allow them; Packages and
/// control files never hold them).
class Deb822Reader {
 public:
  using Sink = std::function<bool(Deb822Stanza&&)>;  // false: stop reading
  explicit Deb822Reader(Sink sink, size_t max_stanza_bytes = kDeb822MaxStanzaBytes)
      : sink_(std::move(sink)), max_bytes_(max_stanza_bytes) {}

  /// Feeds bytes (any split). False once stopped or on an error (error()).
  bool feed(std::string_view bytes);
  /// Ends the input: the last stanza (if any) is emitted. False on an error.
  bool finish();
  const std::string& error() const { return error_; }
  bool stopped() const { return stopped_; }

 private:
  bool line(std::string_view l);
  bool flush();

  Sink sink_;
  size_t max_bytes_;
  std::string partial_;  // a line not yet ended
  Deb822Stanza current_;
  size_t current_bytes_ = 0;
  size_t line_no_ = 0;
  bool stopped_ = false;
  std::string error_;
};

/// Parses a whole text; false with *err ("line N: ...") on a malformed one.
bool parse_deb822(std::string_view text, std::vector<Deb822Stanza>* out, std::string* err,
                  size_t max_stanzas = 100000);

}  // namespace drift
