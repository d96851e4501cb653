// The reader: a line filter in front of auparse's feed interface, and the
// callback that turns a completed event into an AuditFileEvent. Only events
// with a SYSCALL record and at least one PATH record are kept (what a watch
// rule reports); logins, daemon records and the rest are counted and passed.
// Every field is read raw from its own record (a field of another record of
// the event never stands in), decoded by auparse only for the types whose
// decoding is pure (hex-encoded names, comm, exe, cwd, key, the syscall
// table): never for a uid.
#include "audit/audit_reader.h"

#include <auparse.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <utility>

namespace drift {

// The record types read (linux/audit.h; auparse.h does not export them).
namespace {
constexpr int kTypeSyscall = 1300, kTypePath = 1302, kTypeCwd = 1307, kTypeProctitle = 1327;
constexpr char kEnrichedSeparator = '\x1d';
}  // namespace

struct AuditReader::State {
  auparse_state_t* au = nullptr;
  std::string line;          // a line not complete yet
  bool discarding = false;   // inside a line longer than the bound
  std::vector<AuditFileEvent> ready;
  AuditReaderStats* stats = nullptr;
  const AuditReaderOptions* options = nullptr;
};

namespace {

// The field `name` of the current record only, leaving the cursor on it (for
// auparse_interpret_field); nullptr when the record has none.
const char* record_field(auparse_state_t* au, const char* name) {
  if (auparse_first_field(au) <= 0) return nullptr;
  do {
    const char* n = auparse_get_field_name(au);
    if (n && std::strcmp(n, name) == 0) return auparse_get_field_str(au);
  } while (auparse_next_field(au) > 0);
  return nullptr;
}

std::string unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return std::string(v.substr(1, v.size() - 2));
  return std::string(v);
}

// auditd's record header, `type=NAME msg=audit(SEC.MSEC:SERIAL): ` (NAME
// UNKNOWN[1338] for a type auditd does not know): checked before auparse sees
// a line, which leaks memory on a malformed one (libauparse 3.0.9, found by
// tests/fuzz). This only checks the fixed prefix; auparse parses the record.
bool is_record_header(std::string_view line) {
  if (!line.starts_with("type=")) return false;
  size_t i = 5;
  const size_t name_start = i;
  while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_' || line[i] == '[' ||
                             line[i] == ']' || line[i] == '-')) {
    ++i;
  }
  if (i == name_start || line.substr(i, 11) != " msg=audit(") return false;
  i += 11;
  auto digits = [&](char end) {
    const size_t start = i;
    while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
    if (i == start || i >= line.size() || line[i] != end) return false;
    ++i;
    return true;
  };
  return digits('.') && digits(':') && digits(')') && line.substr(i, 1) == ":";
}

bool is_null(std::string_view v) { return v.empty() || v == "(null)" || v == "(none)"; }

// A field auparse decodes without looking anything up: hex-encoded strings.
std::string decoded_field(auparse_state_t* au, const char* name) {
  const char* raw = record_field(au, name);
  if (!raw || is_null(raw)) return "";
  const char* v = auparse_interpret_field(au);
  std::string out = v ? v : unquote(raw);
  return is_null(out) ? "" : out;
}

template <typename T>
bool number_field(auparse_state_t* au, const char* name, T* out, int base = 10) {
  const char* raw = record_field(au, name);
  if (!raw) return false;
  const char* end = raw + std::strlen(raw);
  T v{};
  auto r = std::from_chars(raw, end, v, base);
  if (r.ec != std::errc() || r.ptr != end) return false;
  *out = v;
  return true;
}

// A name from the ENRICHED suffix: AUID="wizard". "unset" and auditd's
// "unknown(1234)" are no name.
std::string enriched_name(auparse_state_t* au, const char* name) {
  const char* raw = record_field(au, name);
  if (!raw) return "";
  std::string v = unquote(raw);
  if (v == "unset" || v.starts_with("unknown(") || v.find('"') != std::string::npos) return "";
  return v;
}

// dev=fe:00, major and minor in hex.
bool parse_dev(std::string_view v, uint64_t* out) {
  const size_t colon = v.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned major = 0, minor = 0;
  auto a = std::from_chars(v.data(), v.data() + colon, major, 16);
  auto b = std::from_chars(v.data() + colon + 1, v.data() + v.size(), minor, 16);
  if (a.ec != std::errc() || a.ptr != v.data() + colon || b.ec != std::errc() || b.ptr != v.data() + v.size()) {
    return false;
  }
  // st_dev's encoding, as glibc's and musl's makedev() compute it; spelled
  // out because an unoptimised glibc build calls gnu_dev_makedev, which musl
  // (the Alpine image) does not have.
  const uint64_t M = major, m = minor;
  *out = ((M & 0xfffff000ull) << 32) | ((M & 0xfffull) << 8) | ((m & 0xffffff00ull) << 12) | (m & 0xffull);
  return true;
}

void read_syscall(auparse_state_t* au, AuditFileEvent* e) {
  e->syscall = enriched_name(au, "SYSCALL");
  if (e->syscall.empty()) {
    // Not enriched: the number, named from auparse's table (no lookup in the system).
    if (const char* raw = record_field(au, "syscall")) {
      const char* v = auparse_interpret_field(au);
      e->syscall = v ? v : raw;
    }
  }
  if (const char* s = record_field(au, "success")) e->success = std::strcmp(s, "yes") == 0;
  number_field(au, "auid", &e->auid);
  number_field(au, "uid", &e->uid);
  number_field(au, "euid", &e->euid);
  number_field(au, "ses", &e->ses);
  number_field(au, "pid", &e->pid);
  number_field(au, "ppid", &e->ppid);
  e->auid_name = enriched_name(au, "AUID");
  e->uid_name = enriched_name(au, "UID");
  e->euid_name = enriched_name(au, "EUID");
  e->comm = decoded_field(au, "comm");
  e->exe = decoded_field(au, "exe");
  if (const char* tty = record_field(au, "tty"); tty && !is_null(tty)) e->tty = tty;
  e->key = decoded_field(au, "key");
}

void read_path(auparse_state_t* au, AuditFileEvent* e) {
  AuditPath p;
  p.name = decoded_field(au, "name");
  if (const char* t = record_field(au, "nametype")) p.nametype = t;
  p.has_inode = number_field(au, "inode", &p.inode);
  if (const char* d = record_field(au, "dev")) p.has_device = parse_dev(d, &p.device);
  e->paths.push_back(std::move(p));
}

void on_event(auparse_state_t* au, auparse_cb_event_t type, void* user) {
  if (type != AUPARSE_CB_EVENT_READY) return;
  auto* st = static_cast<AuditReader::State*>(user);
  st->stats->events++;
  if (auparse_first_record(au) <= 0) return;
  AuditFileEvent e;
  bool syscall = false;
  do {
    switch (auparse_get_type(au)) {
      case kTypeSyscall:
        if (!syscall) read_syscall(au, &e);
        syscall = true;
        break;
      case kTypeCwd: e.cwd = decoded_field(au, "cwd"); break;
      case kTypePath: read_path(au, &e); break;
      case kTypeProctitle:
        if (st->options->argv) e.argv = decoded_field(au, "proctitle");
        break;
      default: break;
    }
  } while (auparse_next_record(au) > 0);
  if (!syscall || e.paths.empty()) return;
  if (const au_event_t* ts = auparse_get_timestamp(au)) {
    e.sec = static_cast<int64_t>(ts->sec);
    e.milli = ts->milli;
    e.serial = ts->serial;
  }
  for (AuditPath& p : e.paths) {
    if (!p.name.empty() && p.name[0] != '/' && !e.cwd.empty()) p.name = join_audit_path(e.cwd, p.name);
    else if (!p.name.empty() && p.name[0] == '/') p.name = join_audit_path("/", p.name);
  }
  st->stats->file_events++;
  st->ready.push_back(std::move(e));
}

}  // namespace

size_t AuditFileEvent::bytes() const {
  size_t n = sizeof(*this) + syscall.size() + auid_name.size() + uid_name.size() + euid_name.size() +
             comm.size() + exe.size() + tty.size() + key.size() + cwd.size() + argv.size();
  for (const AuditPath& p : paths) n += sizeof(p) + p.name.size() + p.nametype.size();
  return n;
}

std::string join_audit_path(std::string_view cwd, std::string_view name) {
  std::string joined = name.starts_with('/') ? std::string(name) : std::string(cwd) + "/" + std::string(name);
  std::vector<std::string_view> parts;
  std::string_view rest = joined;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (std::string_view p : parts) {
    out += '/';
    out += p;
  }
  return out.empty() ? "/" : out;
}

AuditReader::AuditReader(AuditReaderOptions options) : state_(std::make_unique<State>()), options_(options) {
  state_->stats = &stats_;
  state_->options = &options_;
  state_->au = auparse_init(AUSOURCE_FEED, nullptr);
  if (!state_->au) return;
  auparse_set_escape_mode(state_->au, AUPARSE_ESC_RAW);  // raw bytes; escape_bytes escapes them on the way out
  auparse_add_callback(state_->au, on_event, state_.get(), nullptr);
}

AuditReader::~AuditReader() {
  if (state_->au) auparse_destroy(state_->au);
}

bool AuditReader::ok() const { return state_->au != nullptr; }

void AuditReader::feed_line(std::string_view line) {
  std::string copy(line);
  for (char& c : copy) {
    if (c == kEnrichedSeparator) c = ' ';  // the ENRICHED names become fields of the record
  }
  // Every record auditd writes has its header, no NUL, and a CWD record has
  // one cwd= field. libauparse 3.0.9 leaks memory on a line that breaks the
  // first or the last (found by tests/fuzz) and cuts at a NUL: such a line
  // never reaches it.
  const size_t cwd = copy.starts_with("type=CWD") ? copy.find("cwd=") : std::string::npos;
  if (!is_record_header(copy) || copy.find('\0') != std::string::npos ||
      (cwd != std::string::npos && copy.find("cwd=", cwd + 1) != std::string::npos)) {
    stats_.bad_lines++;
    return;
  }
  copy += '\n';
  stats_.lines++;
  auparse_feed(state_->au, copy.data(), copy.size());
}

void AuditReader::feed(std::string_view bytes) {
  if (!state_->au) return;
  State& st = *state_;
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, nl);
    bytes = nl == std::string_view::npos ? std::string_view() : bytes.substr(nl + 1);
    if (!st.discarding) {
      if (st.line.size() + piece.size() > options_.max_line_bytes) {
        st.discarding = true;
        st.line.clear();
        stats_.long_lines++;
      } else {
        st.line.append(piece);
      }
    }
    if (nl == std::string_view::npos) break;  // the line goes on in the next chunk
    if (!st.discarding) feed_line(st.line);
    st.line.clear();
    st.discarding = false;
  }
}

void AuditReader::flush() {
  if (!state_->au) return;
  if (!state_->line.empty() && !state_->discarding) feed_line(state_->line);
  state_->line.clear();
  state_->discarding = false;
  auparse_flush_feed(state_->au);
}

void AuditReader::age() {
  if (state_->au) auparse_feed_age_events(state_->au);
}

std::vector<AuditFileEvent> AuditReader::take() { return std::exchange(state_->ready, {}); }

}  // namespace drift
