// deb822 reader. Written here rather than taken from libapt-pkg: the
// DaemonSet image is Alpine, which has no apt, and the format is the one
// agent/dpkg_db.cc already reads for the status file (the same rules: a
// continuation line outside a field or a line without a colon is malformed).
// Bounded per stanza so an index of one endless stanza cannot grow memory.
#include "aptproof/deb822.h"

#include <strings.h>

namespace drift {

const std::string* Deb822Stanza::find(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), name.size()) == 0) return &v;
  }
  return nullptr;
}

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

bool Deb822Reader::feed(std::string_view bytes) {
  if (stopped_ || !error_.empty()) return false;
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() + bytes.size() > max_bytes_) {
        error_ = "line " + std::to_string(line_no_ + 1) + ": line longer than " + std::to_string(max_bytes_) + " bytes";
        return false;
      }
      partial_.append(bytes);
      return true;
    }
    bool ok;
    if (partial_.empty()) {
      ok = line(bytes.substr(0, nl));
    } else {
      partial_.append(bytes.substr(0, nl));
      ok = line(partial_);
      partial_.clear();
    }
    if (!ok) return false;
    bytes.remove_prefix(nl + 1);
  }
  return true;
}

bool Deb822Reader::finish() {
  if (stopped_) return true;
  if (!error_.empty()) return false;
  if (!partial_.empty()) {
    std::string last;
    last.swap(partial_);
    if (!line(last)) return stopped_;
  }
  return flush() || stopped_;
}

bool Deb822Reader::flush() {
  if (current_.fields.empty()) return true;
  Deb822Stanza s = std::move(current_);
  current_ = Deb822Stanza{};
  current_bytes_ = 0;
  if (!sink_(std::move(s))) {
    stopped_ = true;
    return false;
  }
  return true;
}

bool Deb822Reader::line(std::string_view l) {
  ++line_no_;
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  auto malformed = [this](const std::string& why) {
    error_ = "line " + std::to_string(line_no_) + ": " + why;
    return false;
  };
  if (trim(l).empty()) return flush();
  if (l[0] == '#') return true;
  current_bytes_ += l.size() + 1;
  if (current_bytes_ > max_bytes_) return malformed("stanza longer than " + std::to_string(max_bytes_) + " bytes");
  if (l[0] == ' ' || l[0] == '\t') {
    if (current_.fields.empty()) return malformed("continuation line outside a field");
    std::string& v = current_.fields.back().second;
    std::string_view rest = trim(l);
    if (rest == ".") rest = "";  // an empty line of a multi-line value
    v += '\n';
    v.append(rest);
    return true;
  }
  const size_t colon = l.find(':');
  if (colon == std::string_view::npos || colon == 0) return malformed("not a \"Field: value\" line");
  const std::string_view name = l.substr(0, colon);
  if (name.find_first_of(" \t") != std::string_view::npos) return malformed("a field name with a blank");
  if (current_.fields.empty()) current_.line = line_no_;
  current_.fields.emplace_back(std::string(name), std::string(trim(l.substr(colon + 1))));
  return true;
}

bool parse_deb822(std::string_view text, std::vector<Deb822Stanza>* out, std::string* err, size_t max_stanzas) {
  out->clear();
  bool too_many = false;
  Deb822Reader r([&](Deb822Stanza&& s) {
    if (out->size() >= max_stanzas) {
      too_many = true;
      return false;
    }
    out->push_back(std::move(s));
    return true;
  });
  if (!r.feed(text) && !r.stopped()) {
    *err = r.error();
    return false;
  }
  if (!r.finish()) {
    *err = r.error();
    return false;
  }
  if (too_many) {
    *err = "more than " + std::to_string(max_stanzas) + " stanzas";
    return false;
  }
  return true;
}

}  // namespace drift
