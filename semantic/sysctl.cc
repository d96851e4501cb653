// sysctl.d(5) read as systemd-sysctl reads it: `key = value` lines, `#` and
// `;` comments, a `-` before the key (a failure to set it is ignored: the key
// is the same), `/` or `.` as separators (normalised as sysctl_normalize()
// does: when the first separator is `/`, `/` and `.` swap), white space around
// key and value stripped; a later assignment wins. The files are the `*.conf`
// of /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d
// and /lib/sysctl.d, one per name (the first directory wins, a link to
// /dev/null masks), read in name order; /etc/sysctl.conf is read last
// (Debian's procps links it in as /etc/sysctl.d/99-sysctl.conf, which
// counts as reading it; `sysctl --system` reads it last when the link is
// missing). A line that is not an assignment is an error here (systemd warns
// and skips it).
#include <map>

#include "lib/paths.h"
#include "semantic/key_path.h"
#include "semantic/readers.h"

namespace drift {
namespace {

constexpr const char* kSysctlDirs[] = {"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
                                       "/usr/lib/sysctl.d", "/lib/sysctl.d"};
constexpr const char* kSysctlConf = "/etc/sysctl.conf";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The key as systemd normalises it, then as a key path: one segment per
// `.`-separated name (`net.ipv4.conf."eth0/1".rp_filter` stays readable as
// `net.ipv4.conf.eth0/1.rp_filter`; odd names are quoted).
std::string normalise_key(std::string_view raw) {
  std::string key(raw);
  const size_t first = key.find_first_of("./");
  if (first != std::string::npos && key[first] == '/') {
    for (char& c : key) c = c == '/' ? '.' : c == '.' ? '/' : c;
  }
  std::string path;
  for (size_t at = 0;;) {
    const size_t dot = key.find('.', at);
    const std::string name = key.substr(at, dot == std::string::npos ? std::string::npos : dot - at);
    path = path.empty() && at == 0 ? join_key("", name) : path + "." + join_key("", name);
    if (dot == std::string::npos) break;
    at = dot + 1;
  }
  return path;
}

// Appends one file's assignments to doc; false with the error set.
bool read_into(std::string_view text, const std::string& file, FlatDoc* doc) {
  int line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const size_t eq = line.find('=');
    std::string_view key = trim(line.substr(0, eq == std::string_view::npos ? line.size() : eq));
    if (!key.empty() && key[0] == '-') key = trim(key.substr(1));
    if (eq == std::string_view::npos || key.empty()) {
      doc->error = eq == std::string_view::npos ? "not an assignment (key = value)" : "an assignment without a key";
      doc->error_file = file;
      doc->error_line = line_no;
      return false;
    }
    if (doc->values.size() >= kMaxFlatValues) {
      doc->error = "too many values";
      doc->error_file = file;
      doc->error_line = line_no;
      return false;
    }
    const std::string k = normalise_key(key);
    doc->erase(k);  // the later one wins, in its own place
    doc->set(k, {std::string(trim(line.substr(eq + 1))), file, line_no});
  }
  return true;
}

}  // namespace

FlatDoc read_sysctl(std::string_view text, const std::string& file) {
  FlatDoc doc;
  if (!read_into(text, file, &doc)) {
    FlatDoc failed;
    failed.error = doc.error;
    failed.error_file = doc.error_file;
    failed.error_line = doc.error_line;
    return failed;
  }
  return doc;
}

FlatDoc read_sysctl_tree(const FileSource& files) {
  std::map<std::string, std::string> by_name;  // base name -> the path that wins
  for (const char* dir : kSysctlDirs) {
    for (const std::string& path : files.glob(std::string(dir) + "/*.conf")) by_name.emplace(base_name(path), path);
  }
  bool conf_linked = false;
  FlatDoc doc;
  for (const auto& [name, path] : by_name) {
    std::string target;
    if (files.read_link(path, &target)) {
      if (target == "/dev/null") continue;  // masked
      if (target == kSysctlConf || target == "../sysctl.conf") conf_linked = true;
    }
    std::string text, err;
    if (!files.read(path, &text, &err)) continue;  // vanished or unreadable: as systemd, skipped
    if (!read_into(text, path, &doc)) return read_sysctl(text, path);
  }
  std::string text, err;
  if (!conf_linked && files.read(kSysctlConf, &text, &err) && !read_into(text, kSysctlConf, &doc)) {
    return read_sysctl(text, kSysctlConf);
  }
  return doc;
}

}  // namespace drift
