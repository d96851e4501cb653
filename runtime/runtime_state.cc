// Reading the runtime state. Every source is a small text file the kernel
// generates on read; each is read with plain open/read (or pread on a held
// descriptor), bounded, and parsed here, since no library parses them:
//   proc/modules                  "name size refcount used-by state address [(taints)]";
//                                 refcount and used-by change by themselves and are never recorded
//   sys/module/NAME/srcversion    one line, for modules built with MODULE_VERSION or out of tree
//   proc/sys/kernel/tainted       a decimal bit mask (taint.h names the bits)
//   proc/sys/**                   one value per file, the sysctl name is the path with dots
//   proc/cmdline, proc/sys/kernel/osrelease, proc/sys/kernel/version
// A source that is missing or unreadable becomes one note and a glob of
// `unavailable`, never an entry: the check carries the baseline's entries for
// it over unchanged (carry_unavailable).
#include "runtime/runtime_state.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "runtime/taint.h"

namespace drift {
namespace {

constexpr size_t kMaxSourceBytes = 4u << 20;  // /proc/modules of thousands of modules fits
constexpr size_t kMaxSysctlBytes = 64u << 10;

// Reads a descriptor from offset 0 to its end (pread: a held sysctl file
// answers anew each time). False with errno set on a read error.
bool pread_all(int fd, size_t max, std::string* out) {
  out->clear();
  char buf[4096];
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out->size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) return true;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > max) { errno = EFBIG; return false; }
  }
}

// A sysctl's value: its handler answers as much of the value as fits, so a
// short read is the whole of it, and one pread of a small buffer is the usual
// cost of a look (a second read for the end, or a page-sized buffer the
// kernel allocates and clears for each read, doubled the poll's CPU).
bool pread_value(int fd, size_t max, std::string* out) {
  out->clear();
  char buf[512];
  for (;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out->size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    out->append(buf, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof buf) return true;
    if (out->size() > max) { errno = EFBIG; return false; }
  }
}

bool read_source(const std::string& path, size_t max, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return false;
  const bool ok = pread_all(fd, max, out);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

std::string trim_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s;
}

Entry runtime_entry(std::string path, std::string value, Severity severity, uint64_t size = 0) {
  Entry e;
  e.path = std::move(path);
  e.type = EntryType::kRuntime;
  e.target = std::move(value);
  e.severity = severity;
  e.size = size;
  return e;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::string unavailable_note(const std::string& what, const std::string& path) {
  return what + ": " + path + " not available (" + std::strerror(errno) + "); not recorded, not drift";
}

// Initial namespace inode numbers (include/linux/proc_ns.h, fixed since 3.8).
struct InitialNs { const char* name; unsigned long inode; };
constexpr InitialNs kInitialNs[] = {
    {"uts", 0xEFFFFFFEUL}, {"ipc", 0xEFFFFFFFUL}, {"user", 0xEFFFFFFDUL}, {"pid", 0xEFFFFFFCUL}};

// The literal part of a glob before its first wildcard.
std::string_view literal_prefix(std::string_view glob) {
  const size_t w = glob.find_first_of("*?[\\");
  return glob.substr(0, w);
}

// The namespaced sysctls of each namespace, as runtime path globs (`unavailable`).
struct NamespacedGlobs { const char* ns; std::vector<const char*> globs; };
const std::vector<NamespacedGlobs>& namespaced_globs() {
  static const std::vector<NamespacedGlobs> kGlobs = {
      {"uts", {"sysctl:kernel.hostname", "sysctl:kernel.domainname"}},
      {"ipc", {"sysctl:kernel.shm*", "sysctl:kernel.msg*", "sysctl:kernel.sem*", "sysctl:kernel.auto_msgmni",
               "sysctl:fs.mqueue.*"}},
      {"net", {"sysctl:net.*"}},
      {"user", {"sysctl:user.*"}},
  };
  return kGlobs;
}

}  // namespace

std::string module_name_of_file(std::string_view path) {
  const size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  for (std::string_view suffix : {".ko.xz", ".ko.zst", ".ko.gz", ".ko"}) {
    if (base.size() > suffix.size() && base.ends_with(suffix)) {
      std::string name(base.substr(0, base.size() - suffix.size()));
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    }
  }
  return "";
}

std::string module_value(std::string_view state, std::string_view taints, std::string_view srcversion) {
  std::string v = "state=" + std::string(state);
  if (!taints.empty()) v += " taint=" + std::string(taints);
  if (!srcversion.empty()) v += " srcversion=" + std::string(srcversion);
  return v;
}

std::string module_value_without_srcversion(std::string_view value) {
  const size_t at = value.find(" srcversion=");
  return std::string(at == std::string_view::npos ? value : value.substr(0, at));
}

std::string cmdline_without_boot_image(std::string_view cmdline) {
  std::string out;
  for (std::string_view w : words(cmdline)) {
    if (w.starts_with("BOOT_IMAGE=")) continue;
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

std::string_view sysctl_namespace(std::string_view n) {
  if (n == "kernel.hostname" || n == "kernel.domainname") return "uts";
  if (n.starts_with("kernel.shm") || n.starts_with("kernel.msg") || n.starts_with("kernel.sem") ||
      n == "kernel.auto_msgmni" || n.starts_with("fs.mqueue.")) {
    return "ipc";
  }
  if (n.starts_with("net.")) return "net";
  if (n.starts_with("user.")) return "user";
  return "";
}

bool runtime_glob_match(const std::string& glob, const std::string& name) {
  return ::fnmatch(glob.c_str(), name.c_str(), 0) == 0;
}

std::set<std::string> host_namespaces_of(const RuntimeConfig& config, std::string* why) {
  if (config.host_namespaces != HostNamespaces::kAuto) {
    if (config.host_namespaces == HostNamespaces::kNo) {
      *why = "runtime.host_namespaces: false";
      return {};
    }
    *why = "";
    return {"uts", "ipc", "user", "net"};
  }
  const std::string dir = (config.proc_root == "/" ? std::string() : config.proc_root) + "/proc/self/ns/";
  std::set<std::string> host;
  std::vector<std::string> not_host;
  for (const InitialNs& ns : kInitialNs) {
    char link[128] = {};
    const ssize_t n = ::readlink((dir + ns.name).c_str(), link, sizeof link - 1);
    const std::string expected = std::string(ns.name) + ":[" + std::to_string(ns.inode) + "]";
    if (n > 0 && std::string(link, static_cast<size_t>(n)) == expected) {
      host.insert(std::string(ns.name) == "pid" ? "net" : ns.name);
    } else {
      not_host.push_back(std::string(ns.name) + (n > 0 ? " is " + std::string(link, static_cast<size_t>(n))
                                                       : " unreadable: " + std::string(std::strerror(errno))));
    }
  }
  *why = "";
  for (const std::string& w : not_host) *why += (why->empty() ? "not the host's: " : ", ") + w;
  return host;
}

RuntimeReader::RuntimeReader(RuntimeConfig config, KernelPackages packages)
    : config_(std::move(config)), packages_(std::move(packages)) {
  host_namespaces_ = host_namespaces_of(config_, &namespaces_why_);
}

RuntimeReader::~RuntimeReader() { close_sysctls(); }

std::string RuntimeReader::path(std::string_view rel) const {
  return (config_.proc_root == "/" ? std::string() : config_.proc_root) + "/" + std::string(rel);
}

void RuntimeReader::close_sysctls() {
  for (Sysctl& s : sysctls_) {
    if (s.fd >= 0) ::close(s.fd);
  }
  sysctls_.clear();
}

void RuntimeReader::read_modules(RuntimeRead* out, std::set<std::string>* names) {
  std::string text;
  const std::string file = path("proc/modules");
  if (!read_source(file, kMaxSourceBytes, &text)) {
    out->notes.push_back(unavailable_note("module", file));
    out->unavailable.push_back("module:*");
    return;
  }
  std::map<std::string, std::pair<uint64_t, std::string>> seen;
  size_t line_no = 0, malformed = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    const auto w = words(line);
    uint64_t size = 0;
    if (w.size() < 6 || std::from_chars(w[1].data(), w[1].data() + w[1].size(), size).ec != std::errc()) {
      ++malformed;
      continue;
    }
    const std::string name(w[0]);
    std::string taints;
    if (w.size() >= 7 && w[6].size() >= 2 && w[6].front() == '(' && w[6].back() == ')') {
      taints = std::string(w[6].substr(1, w[6].size() - 2));
    }
    // srcversion cannot change while the module stays loaded: kept while
    // name and size stay (a reader's first look reads every one).
    std::string srcversion;
    if (auto it = srcversions_.find(name); it != srcversions_.end() && it->second.first == size) {
      srcversion = it->second.second;
    } else if (read_source(path("sys/module/" + name + "/srcversion"), 4096, &srcversion)) {
      srcversion = trim_newline(srcversion);
    } else {
      srcversion.clear();
    }
    seen[name] = {size, srcversion};
    names->insert(name);
    Severity severity = packages_.known && packages_.modules.count(name) ? Severity::kWarning : Severity::kCritical;
    for (char letter : taints) {
      if (const TaintFlag* f = taint_flag_for_letter(letter); f && f->critical) severity = Severity::kCritical;
    }
    out->entries.push_back(runtime_entry("module:" + name, module_value(w[4], taints, srcversion), severity, size));
  }
  srcversions_ = std::move(seen);
  if (malformed) {
    out->notes.push_back("module: " + file + ": " + std::to_string(malformed) + " of " + std::to_string(line_no) +
                         " lines not in the kernel's format (skipped)");
  }
}

void RuntimeReader::read_taint(RuntimeRead* out) {
  std::string text;
  const std::string file = path("proc/sys/kernel/tainted");
  uint64_t value = 0;
  if (!read_source(file, 4096, &text)) {
    out->notes.push_back(unavailable_note("taint", file));
    out->unavailable.push_back("taint:*");
    return;
  }
  text = trim_newline(text);
  if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) {
    out->notes.push_back("taint: " + file + " is not a number (not recorded)");
    out->unavailable.push_back("taint:*");
    return;
  }
  for (const TaintFlag& f : decode_taint(value)) {
    const std::string letter = f.letter == '?' ? "" : std::string(1, f.letter) + " ";
    out->entries.push_back(runtime_entry("taint:" + f.name, letter + "(bit " + std::to_string(f.bit) + ")",
                                         f.critical ? Severity::kCritical : Severity::kWarning));
  }
}

// Lists proc/sys below the configured globs, leaving out excluded and (without
// the host's namespaces) namespaced names without opening them, and opens
// each readable file once.
void RuntimeReader::list_sysctls(std::vector<std::string>* unreadable) {
  close_sysctls();
  unopened_.clear();
  const std::string top = path("proc/sys");
  auto wanted = [&](const std::string& name) {
    if (const std::string_view ns = sysctl_namespace(name); !ns.empty() && !host_namespaces_.count(std::string(ns))) return false;
    for (const std::string& x : config_.exclude) {
      if (runtime_glob_match(x, name)) return false;
    }
    for (const std::string& g : config_.sysctls) {
      if (runtime_glob_match(g, name)) return true;
    }
    return false;
  };
  // A directory ("kernel.random.") is walked when some glob could match below it.
  auto walk_into = [&](const std::string& prefix) {
    if (const std::string_view ns = sysctl_namespace(prefix); !ns.empty() && !host_namespaces_.count(std::string(ns))) return false;
    for (const std::string& x : config_.exclude) {
      if (runtime_glob_match(x, prefix)) return false;  // "fs.binfmt_misc.*" matches "fs.binfmt_misc."
    }
    for (const std::string& g : config_.sysctls) {
      const std::string_view lit = literal_prefix(g);
      if (lit.starts_with(prefix) || std::string_view(prefix).starts_with(lit)) return true;
    }
    return false;
  };
  std::vector<std::pair<std::string, std::string>> dirs = {{top, ""}};  // (directory, name prefix)
  while (!dirs.empty()) {
    auto [dir, prefix] = std::move(dirs.back());
    dirs.pop_back();
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      // A directory that cannot be listed (Landlock, a mount over it): what
      // the baseline has below it is not available, never removed.
      if (errno != ENOENT) {
        unreadable->push_back((prefix.empty() ? std::string("proc/sys") : prefix + "*") + ": " + std::strerror(errno));
        unopened_.push_back("sysctl:" + prefix + "*");
      }
      continue;
    }
    while (const dirent* de = ::readdir(d)) {
      std::string component = de->d_name;
      if (component == "." || component == "..") continue;
      std::string child = dir + "/" + component;
      std::replace(component.begin(), component.end(), '.', '/');  // as sysctl(8) names "eth0.1"
      const std::string name = prefix + component;
      struct stat st;
      if (::fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        if (walk_into(name + ".")) dirs.emplace_back(std::move(child), name + ".");
        continue;
      }
      if (!S_ISREG(st.st_mode) || !wanted(name)) continue;
      if (!(st.st_mode & S_IRUSR)) continue;  // write-only: an action, not a value
      const int fd = ::openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
      if (fd < 0) {
        unreadable->push_back(name + ": " + std::strerror(errno));
        unopened_.push_back("sysctl:" + name);
        continue;
      }
      sysctls_.push_back({name, fd});
    }
    ::closedir(d);
  }
  std::sort(sysctls_.begin(), sysctls_.end(), [](const Sysctl& a, const Sysctl& b) { return a.name < b.name; });
  listed_ = true;
}

void RuntimeReader::read_sysctls(RuntimeRead* out, bool modules_changed) {
  std::vector<std::string> unreadable;
  if (!listed_ || modules_changed) {
    struct stat st;
    if (::stat(path("proc/sys").c_str(), &st) != 0) {
      out->notes.push_back(unavailable_note("sysctl", path("proc/sys")));
      out->unavailable.push_back("sysctl:*");
      return;
    }
    list_sysctls(&unreadable);
  }
  // Those that would not open stay not available until the next listing.
  out->unavailable.insert(out->unavailable.end(), unopened_.begin(), unopened_.end());
  bool vanished = false;
  std::string value;
  for (const Sysctl& s : sysctls_) {
    if (!pread_value(s.fd, kMaxSysctlBytes, &value)) {
      if (errno == ENOENT || errno == ENODEV) vanished = true;  // unregistered since it was opened
      unreadable.push_back(s.name + ": " + std::strerror(errno));
      out->unavailable.push_back("sysctl:" + s.name);
      continue;
    }
    out->entries.push_back(runtime_entry("sysctl:" + s.name, trim_newline(value), Severity::kWarning));
  }
  if (vanished) listed_ = false;  // list afresh next time
  if (!unreadable.empty()) {
    std::string note = "sysctl: " + std::to_string(unreadable.size()) + " could not be read (" + unreadable.front();
    if (unreadable.size() > 1) note += ", ...";
    out->notes.push_back(note + "); not recorded, not drift");
  }
  // Namespaced sysctls the globs select but this reader may not read: one note.
  std::vector<std::string> skipped;
  for (const NamespacedGlobs& n : namespaced_globs()) {
    if (host_namespaces_.count(n.ns)) continue;
    for (const char* glob : n.globs) {
      const std::string_view lit = literal_prefix(std::string_view(glob).substr(7));
      const bool covered = std::any_of(config_.sysctls.begin(), config_.sysctls.end(), [&](const std::string& g) {
        return literal_prefix(g).starts_with(lit) || lit.starts_with(literal_prefix(g));
      });
      if (!covered) continue;
      skipped.push_back(std::string(glob).substr(7));
      out->unavailable.push_back(glob);
    }
  }
  if (!skipped.empty()) {
    std::string list;
    for (const std::string& g : skipped) list += (list.empty() ? "" : ", ") + g;
    out->notes.push_back("sysctl: " + list + " not available without host namespaces (" + namespaces_why_ + ")");
  }
}

void RuntimeReader::read_boot_constants(RuntimeRead* out) {
  if (!constants_read_) {
    // Nothing but a reboot changes these, and a reader lives within one boot.
    constants_read_ = true;
    struct Source { const char* rel; const char* entry; const char* what; };
    for (const Source& s : {Source{"proc/cmdline", "cmdline:", "cmdline"},
                            Source{"proc/sys/kernel/osrelease", "kernel:release", "kernel"},
                            Source{"proc/sys/kernel/version", "kernel:version", "kernel"}}) {
      std::string text;
      if (!read_source(path(s.rel), kMaxSysctlBytes, &text)) {
        constant_notes_.push_back(unavailable_note(s.what, path(s.rel)));
        constant_unavailable_.push_back(s.entry);
        continue;
      }
      constants_.push_back(runtime_entry(s.entry, trim_newline(text), Severity::kWarning));
    }
  }
  out->entries.insert(out->entries.end(), constants_.begin(), constants_.end());
  out->notes.insert(out->notes.end(), constant_notes_.begin(), constant_notes_.end());
  out->unavailable.insert(out->unavailable.end(), constant_unavailable_.begin(), constant_unavailable_.end());
}

RuntimeRead RuntimeReader::read() {
  RuntimeRead out;
  out.entries.reserve(sysctls_.size() + module_names_.size() + 16);
  std::set<std::string> names;
  read_modules(&out, &names);
  const bool modules_changed = names != module_names_;
  module_names_ = std::move(names);
  read_taint(&out);
  read_sysctls(&out, modules_changed);
  read_boot_constants(&out);
  // Each source is in order already; the namespaces interleave.
  sort_entries(&out.entries);
  return out;
}

RuntimeRead read_runtime_state(const RuntimeConfig& config, const KernelPackages& packages) {
  RuntimeReader reader(config, packages);
  return reader.read();
}

void carry_unavailable(const std::vector<Entry>& baseline, const std::vector<std::string>& unavailable,
                       std::vector<Entry>* entries) {
  if (unavailable.empty()) return;
  bool added = false;
  for (auto it = baseline.rbegin(); it != baseline.rend() && is_runtime_path(it->path); ++it) {
    for (const std::string& glob : unavailable) {
      if (runtime_glob_match(glob, it->path)) {
        entries->push_back(*it);
        added = true;
        break;
      }
    }
  }
  if (added) sort_entries(entries);
}

std::string runtime_not_compared_note(size_t only_before, size_t only_after) {
  if (only_after) {
    return "runtime kernel state (" + std::to_string(only_after) +
           " entries: modules, taint, sysctls, command line, kernel) is not in the baseline, not compared; "
           "record it with `driftctl accept --path '*:*' --output NEW` (or --path 'module:*', 'sysctl:*', ...)";
  }
  if (only_before) {
    return "the baseline records runtime kernel state (" + std::to_string(only_before) +
           " entries) and this scan read none (runtime.enabled: false?), not compared";
  }
  return "";
}

}  // namespace drift
