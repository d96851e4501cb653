// audit/: the reader on real audit.log text captured from Debian's auditd
// (tests/audit_fixtures/enriched.log: `sed -i` and `>>` from a shell whose
// loginuid was 1000, then a write with no login uid), bad input, the window,
// correlation, the names fallback, the rules, and the log follower on real
// files (append, rename rotation, truncation, symlink and FIFO refused).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>
#include <sstream>

#include "audit/audit_reader.h"
#include "audit/audit_rules.h"
#include "audit/correlate.h"
#include "audit/event_window.h"
#include "audit/log_follower.h"
#include "audit/passwd_names.h"
#include "test_util.h"

using namespace drift;
using drift::test::TempDir;
using drift::test::write_file;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(DRIFTD_TEST_FIXTURES) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<AuditFileEvent> read_all(std::string_view text, AuditReaderOptions options = {}, size_t chunk = 0) {
  AuditReader r(options);
  REQUIRE(r.ok());
  if (chunk == 0) {
    r.feed(text);
  } else {
    for (size_t i = 0; i < text.size(); i += chunk) r.feed(text.substr(i, chunk));
  }
  r.flush();
  return r.take();
}

const AuditFileEvent* by_serial(const std::vector<AuditFileEvent>& events, uint64_t serial) {
  for (const auto& e : events) {
    if (e.serial == serial) return &e;
  }
  return nullptr;
}

const uint64_t kDev = makedev(0xfe, 0x00);

std::deque<AuditFileEvent> as_deque(std::vector<AuditFileEvent> v) { return {v.begin(), v.end()}; }

AttributionQuery query(const std::string& path, uint64_t inode = 0) {
  AttributionQuery q;
  q.path = path;
  q.inode = inode;
  q.device = inode ? kDev : 0;
  q.detected_ms = 1796168711366 + 500;
  q.window_ms = 600000;
  return q;
}

}  // namespace

TEST_CASE("the reader turns a real ENRICHED log into file events with names from the suffix") {
  const auto events = read_all(fixture("enriched.log"));
  // sed's openat, fchown, fsetxattr, rename; bash's and sh's >>; the write through the hard link.
  REQUIRE(events.size() == 7);
  const AuditFileEvent* rename = by_serial(events, 10);
  REQUIRE(rename);
  CHECK(rename->sec == 1796168711);
  CHECK(rename->milli == 362);
  CHECK(rename->syscall == "rename");
  CHECK(rename->success);
  CHECK(rename->auid == 1000);
  CHECK(rename->auid_name == "cloudsdk");
  CHECK(rename->uid == 0);
  CHECK(rename->uid_name == "root");
  CHECK(rename->euid_name == "root");
  CHECK(rename->ses == 1);
  CHECK(rename->pid == 3933);
  CHECK(rename->ppid == 3932);
  CHECK(rename->comm == "sed");
  CHECK(rename->exe == "/usr/bin/sed");
  CHECK(rename->tty.empty());
  CHECK(rename->key == "driftd");
  CHECK(rename->cwd == "/tmp/aud/w");
  REQUIRE(rename->paths.size() == 5);
  CHECK(rename->paths[1].name == "/tmp/aud/w");  // "./" joined with the CWD
  CHECK(rename->paths[2].name == "/tmp/aud/w/sedPD6YyD");
  CHECK(rename->paths[2].nametype == "DELETE");
  CHECK(rename->paths[3].name == "/tmp/aud/w/a");
  CHECK(rename->paths[3].inode == 10952882);
  CHECK(rename->paths[4].name == "/tmp/aud/w/a");
  CHECK(rename->paths[4].nametype == "CREATE");
  CHECK(rename->paths[4].inode == 10952940);
  CHECK(rename->paths[4].device == kDev);
  const AuditFileEvent* fchown = by_serial(events, 8);
  REQUIRE(fchown);
  CHECK(fchown->paths.at(0).name.empty());  // name=(null): the inode only
  CHECK(fchown->paths.at(0).inode == 10952940);
  const AuditFileEvent* unset = by_serial(events, 13);
  REQUIRE(unset);
  CHECK(unset->auid == kAuditUnset);
  CHECK(unset->auid_name.empty());  // AUID="unset" is no name
  CHECK(by_serial(events, 12)->exe == "/usr/bin/dash");
}

TEST_CASE("the reader gives the same events whatever the chunking") {
  const std::string log = fixture("enriched.log");
  const auto whole = read_all(log);
  for (size_t chunk : {1, 7, 100, 4096}) {
    const auto pieces = read_all(log, {}, chunk);
    REQUIRE(pieces.size() == whole.size());
    for (size_t i = 0; i < whole.size(); ++i) {
      CHECK(pieces[i].serial == whole[i].serial);
      CHECK(pieces[i].paths.size() == whole[i].paths.size());
      CHECK(pieces[i].auid_name == whole[i].auid_name);
    }
  }
}

TEST_CASE("argv is never kept unless audit.argv asks for it") {
  const std::string log = fixture("enriched.log");
  for (const auto& e : read_all(log)) {
    CHECK(e.argv.empty());
    CHECK(e.exe.find("password") == std::string::npos);
  }
  AuditReaderOptions with_argv;
  with_argv.argv = true;
  bool seen = false;
  for (const auto& e : read_all(log, with_argv)) seen = seen || e.argv.find("password=hunter") != std::string::npos;
  CHECK(seen);  // the fixture's shell typed it: the opt-in shows it, decoded
}

TEST_CASE("the reader survives malformed, partial, unknown, huge and NUL lines") {
  const std::string good = fixture("enriched.log");
  std::string bad = "garbage without a type\n"
                    "type=NOT_A_TYPE msg=audit(1796168700.000:1): a=b\n"
                    "type=SYSCALL msg=audit(17961687\n"
                    "type=PATH msg=audit(1796168700.100:2): item=0 name=4142G inode=x dev=zz nametype=NORMAL\n"
                    "type=SYSCALL msg=audit(1796168700.100:2): arch=c000003e syscall=2 success=yes items=1 pid=- auid=abc\n"
                    "type=CWD msg=audit(1796168700.200:3): cwd=ZZZZ\n"
                    "type=CWD msg=audit(1796168700.200:3): cwd=\"a\" cwd=\"b\"\n"
                    "type=CWD\x1dmsg=audit(1796168700.200:3): cwd=a\x1d cwd=b\n"
                    "type= msg11.36i(98711.36i\n"
                    "type=UNKNOWN[1338] msg=audit(1796168700.400:5): x=y\n";
  bad += std::string(200000, 'x') + "\n";
  const char nul_line[] = "type=SYSCALL msg=audit(1796168700.300:4): a=\0b\n";
  bad += std::string(nul_line, sizeof nul_line - 1);
  AuditReader r;
  r.feed(bad);
  r.feed(good);
  r.flush();
  const auto events = r.take();
  CHECK(r.stats().long_lines == 1);
  // the NUL line, "garbage without a type", the cut header, two cwd= in a CWD record (twice), "type= msg11"
  CHECK(r.stats().bad_lines == 6);
  CHECK(by_serial(events, 10) != nullptr);  // the real events after the junk are all there
  CHECK(by_serial(events, 13) != nullptr);
  for (const auto& e : events) {
    if (e.serial != 2) continue;
    CHECK(e.auid == kAuditUnset);  // auid=abc is no number
    CHECK(e.pid == -1);
    CHECK_FALSE(e.paths.at(0).has_inode);
    CHECK_FALSE(e.paths.at(0).has_device);
  }
}

TEST_CASE("a partial last line waits for the rest of it") {
  const std::string log = fixture("enriched.log");
  const size_t cut = log.find("name=\"b\"");
  AuditReader r;
  r.feed(log.substr(0, cut));
  CHECK(by_serial(r.take(), 11) == nullptr);  // its PATH record is not complete yet
  r.feed(log.substr(cut));
  r.flush();
  const auto events = r.take();
  REQUIRE(by_serial(events, 11));
  CHECK(by_serial(events, 11)->paths.at(0).name == "/tmp/aud/w/b");
}

TEST_CASE("paths are joined with the CWD and normalised") {
  CHECK(join_audit_path("/tmp/w", "./") == "/tmp/w");
  CHECK(join_audit_path("/tmp/w", "a") == "/tmp/w/a");
  CHECK(join_audit_path("/tmp/w", "../x//y/.") == "/tmp/x/y");
  CHECK(join_audit_path("/", "/etc/../../passwd") == "/passwd");
  CHECK(join_audit_path("/a", "/etc/hosts") == "/etc/hosts");
}

TEST_CASE("the window evicts by age and by bytes, and counts it") {
  auto event = [](int64_t sec, size_t name_bytes) {
    AuditFileEvent e;
    e.sec = sec;
    e.paths.push_back({std::string(name_bytes, 'n'), "NORMAL"});
    return e;
  };
  EventWindow w(std::chrono::minutes(10), 1 << 20);
  w.add(event(1000, 10));
  w.add(event(1300, 10));
  w.add(event(1700, 10));  // 1000 is more than 10 min older than the newest
  CHECK(w.events().size() == 2);
  CHECK(w.stats().evicted_age == 1);
  w.expire(2400 * 1000);  // a quiet log ages out too
  CHECK(w.events().empty());
  CHECK(w.bytes() == 0);
  EventWindow small(std::chrono::minutes(10), 3000);
  for (int i = 0; i < 10; ++i) small.add(event(5000 + i, 1000));
  CHECK(small.bytes() <= 3000);
  CHECK(small.stats().evicted_bytes >= 7);
  CHECK(small.events().back().sec == 5009);  // the newest stays
}

TEST_CASE("sed -i: the rename into place is attributed to the session by path and by the new inode") {
  const auto events = as_deque(read_all(fixture("enriched.log")));
  Attribution a = correlate(events, query("/tmp/aud/w/a", 10952940));
  CHECK(a.cls == ActorClass::kSession);
  CHECK_FALSE(a.interactive);  // no tty
  CHECK(a.last.serial == 10);
  CHECK(a.last.exe == "/usr/bin/sed");
  CHECK(a.last.auid_name == "cloudsdk");
  CHECK(a.writers == 1);  // four syscalls of one sed
  // by the inode alone (another name for the same file: a hard link)
  a = correlate(events, query("/elsewhere/other-name", 10952940));
  CHECK(a.cls == ActorClass::kSession);
  CHECK(a.last.serial == 10);
}

TEST_CASE(">> by two writers: the last one and the count; automation without a login uid") {
  const auto events = as_deque(read_all(fixture("enriched.log")));
  Attribution a = correlate(events, query("/tmp/aud/w/b", 10952939));
  CHECK(a.cls == ActorClass::kSession);
  CHECK(a.last.serial == 12);
  CHECK(a.last.exe == "/usr/bin/dash");
  CHECK(a.writers == 2);
  // the hard link written by a process with no login uid (inode of the old 'a')
  a = correlate(events, query("/tmp/aud/w/hard", 10952882));
  CHECK(a.cls == ActorClass::kAutomation);
  CHECK(a.last.serial == 13);
  CHECK(a.last.exe == "/usr/bin/bash");
}

TEST_CASE("package only from the caller, never from comm or exe; unknown with its reason") {
  auto events = as_deque(read_all(fixture("enriched.log")));
  for (auto& e : events) {
    e.comm = "dpkg";
    e.exe = "/usr/bin/dpkg";
  }
  AttributionQuery q = query("/tmp/aud/w/a");
  CHECK(correlate(events, q).cls == ActorClass::kSession);
  q.package_cause = true;
  CHECK(correlate(events, q).cls == ActorClass::kPackage);
  AttributionQuery none = query("/tmp/aud/w/nothing");
  Attribution a = correlate(events, none);
  CHECK(a.cls == ActorClass::kUnknown);
  CHECK(a.reason == UnattributedReason::kNoRecord);
  none.rule_covers = false;
  CHECK(correlate(events, none).reason == UnattributedReason::kNoRule);
  none.have_log = false;
  CHECK(correlate({}, none).reason == UnattributedReason::kNoAuditLog);
  CHECK(std::string(unattributed_reason_name(UnattributedReason::kNoAuditLog)) == "no-audit-log");
}

TEST_CASE("events outside the time window do not match; a PARENT record never does") {
  const auto events = as_deque(read_all(fixture("enriched.log")));
  AttributionQuery q = query("/tmp/aud/w/a");
  q.detected_ms = 1796168711362 - 5000;  // detection before the edit: the records are from later
  CHECK(correlate(events, q).cls == ActorClass::kUnknown);
  q.detected_ms = 1796168711362 + 3600000;  // an hour later, window 10 min
  CHECK(correlate(events, q).cls == ActorClass::kUnknown);
  CHECK(correlate(events, query("/tmp/aud/w")).cls == ActorClass::kUnknown);  // the directory: PARENT only
}

TEST_CASE("names fallback: root/etc/passwd read beneath the root, never through a symlink") {
  TempDir t;
  ::mkdir((t / "etc").c_str(), 0755);
  write_file(t / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwizard:x:1000:1000::/home/wizard:/bin/sh\n"
                               "broken line\nwizard2:x:1000:1000::/:/bin/sh\n");
  PasswdNames names;
  std::string err;
  REQUIRE_MESSAGE(names.load(t.path(), &err), err);
  CHECK(names.name_of(1000) == "wizard");
  CHECK(names.name_of(0) == "root");
  CHECK(names.name_of(7) == "");
  TempDir other;
  ::mkdir((other / "etc").c_str(), 0755);
  REQUIRE(::symlink((t / "etc/passwd").c_str(), (other / "etc/passwd").c_str()) == 0);
  PasswdNames refused;
  CHECK_FALSE(refused.load(other.path(), &err));
  CHECK(refused.size() == 0);
}

TEST_CASE("audit rules: existing paths only, nested ones left out, rule files compared") {
  TempDir t;
  for (const char* d : {"etc", "etc/ssh", "usr", "usr/bin", "opt", "etc/audit", "etc/audit/rules.d"}) {
    ::mkdir((t / d).c_str(), 0755);
  }
  write_file(t / "etc/audit/rules.d/10-x.rules",
             "# comment -w /nothing\n-w /etc -p wa -k mine\n-a always,exit -F dir=/usr/bin -F perm=wa -k b\n"
             "-w /opt -p r\n");
  write_file(t / "etc/audit/rules.d/.hidden.rules", "-w /opt -p wa\n");
  const RuleFiles files = read_rule_files(t.path());
  CHECK(files.files.size() == 1);  // no audit.rules, the dot file skipped
  CHECK(rule_files_cover(files, "/etc/ssh/sshd_config"));
  CHECK(rule_files_cover(files, "/usr/bin/kubelet"));
  CHECK_FALSE(rule_files_cover(files, "/opt/cni"));  // read permission only
  CHECK_FALSE(rule_files_cover(files, "/etcetera"));
  const std::string text = render_audit_rules(
      {{"/etc", "paths[]"}, {"/etc/ssh", "paths[]"}, {"/usr/bin", "paths[]"}, {"/opt", "paths[]"},
       {"/missing/x", "paths[]"}, {"/etc/with space", "paths[]"}, {t / "etc", "heartbeat", false}},
      t.path(), "config.yaml");
  CHECK(text.find("-w /etc -p wa -k driftd\n") != std::string::npos);
  CHECK(text.find("-w /etc/ssh ") == std::string::npos);
  CHECK(text.find("-w /usr/bin -p wa -k driftd\n") != std::string::npos);
  CHECK(text.find("-w /opt -p wa -k driftd\n") != std::string::npos);
  CHECK(text.find("# skipped: /missing/x (paths[], does not exist under the root)") != std::string::npos);
  CHECK(text.find("-w /missing") == std::string::npos);
  CHECK(text.find("-w " + t.path() + "/etc -p wa") != std::string::npos);  // state_dir: not under the root
  CHECK(text.find("# not covered by a rule file: /opt\n") != std::string::npos);
  CHECK(text.find("# not covered by a rule file: /etc\n") == std::string::npos);
  CHECK(text.find("CAP_AUDIT_CONTROL") != std::string::npos);
  for (size_t pos = 0, nl; pos < text.size(); pos = nl + 1) {  // loadable: rules or comments only
    nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos);
    CHECK_MESSAGE((line.starts_with("#") || line.starts_with("-w ")), line);
  }
}

TEST_CASE("the log files, oldest first") {
  TempDir t;
  ::mkdir((t / "log").c_str(), 0755);
  for (const char* f : {"log/audit.log", "log/audit.log.1", "log/audit.log.2", "log/audit.log.4"}) write_file(t / f, "x\n");
  UniqueFd root(::open(t.path().c_str(), O_PATH | O_DIRECTORY));
  const auto files = audit_log_files(root.get(), "/log/audit.log");
  CHECK(files == std::vector<std::string>{"log/audit.log.2", "log/audit.log.1", "log/audit.log"});
}

TEST_CASE("the follower reads appends, a rename rotation and a truncation, in order") {
  TempDir t;
  ::mkdir((t / "log").c_str(), 0755);
  const std::string log = t / "log/audit.log";
  write_file(log, "one\n");
  AuditLogFollower f(t.path(), "/log/audit.log");
  std::string out, err;
  bool more = false;
  REQUIRE(f.poll(&out, &more, &err) == FollowStatus::kOk);
  CHECK(out == "one\n");
  out.clear();
  CHECK(f.poll(&out, &more, &err) == FollowStatus::kOk);
  CHECK(out.empty());
  std::ofstream(log, std::ios::app) << "two\n";
  CHECK(f.poll(&out, &more, &err) == FollowStatus::kOk);
  CHECK(out == "two\n");
  out.clear();
  // auditd rotates: a last write, rename to .1, a fresh file
  std::ofstream(log, std::ios::app) << "three\n";
  REQUIRE(::rename(log.c_str(), (log + ".1").c_str()) == 0);
  write_file(log, "four\n");
  CHECK(f.poll(&out, &more, &err) == FollowStatus::kOk);
  CHECK(out == "three\nfour\n");
  CHECK(f.stats().rotations == 1);
  out.clear();
  // truncated in place, then written again
  REQUIRE(::truncate(log.c_str(), 0) == 0);
  std::ofstream(log, std::ios::app) << "v\n";
  CHECK(f.poll(&out, &more, &err) == FollowStatus::kOk);
  CHECK(out == "v\n");
  CHECK(f.stats().truncations == 1);
  out.clear();
  // renamed away, no new file yet: nothing lost, the next poll finds it
  REQUIRE(::rename(log.c_str(), (log + ".2").c_str()) == 0);
  CHECK(f.poll(&out, &more, &err) == FollowStatus::kOk);
  CHECK(f.poll(&out, &more, &err) == FollowStatus::kMissing);
  write_file(log, "six\n");
  CHECK(f.poll(&out, &more, &err) == FollowStatus::kOk);
  CHECK(out == "six\n");
}

TEST_CASE("the follower reads a bounded amount per poll") {
  TempDir t;
  write_file(t / "audit.log", std::string(10000, 'a'));
  AuditLogFollower f(t.path(), "/audit.log", 4096);
  std::string out, err;
  bool more = false;
  CHECK(f.poll(&out, &more, &err) == FollowStatus::kOk);
  CHECK(out.size() == 4096);
  CHECK(more);
  while (more) f.poll(&out, &more, &err);
  CHECK(out.size() == 10000);
}

TEST_CASE("a log that is a symlink or a FIFO is refused, never followed or blocked on") {
  TempDir t;
  write_file(t / "real.log", "secret\n");
  REQUIRE(::symlink((t / "real.log").c_str(), (t / "audit.log").c_str()) == 0);
  REQUIRE(::mkfifo((t / "fifo.log").c_str(), 0600) == 0);
  std::string out, err;
  bool more = false;
  AuditLogFollower link(t.path(), "/audit.log");
  CHECK(link.poll(&out, &more, &err) == FollowStatus::kRefused);
  AuditLogFollower fifo(t.path(), "/fifo.log");
  CHECK(fifo.poll(&out, &more, &err) == FollowStatus::kRefused);
  CHECK(out.empty());
  UniqueFd root(::open(t.path().c_str(), O_PATH | O_DIRECTORY));
  std::string data;
  CHECK_FALSE(read_regular_beneath(root.get(), "fifo.log", 1 << 20, &data, &err));
  CHECK_FALSE(read_regular_beneath(root.get(), "audit.log", 1 << 20, &data, &err));
  AuditLogFollower missing(t.path(), "/none.log");
  CHECK(missing.poll(&out, &more, &err) == FollowStatus::kMissing);
}
