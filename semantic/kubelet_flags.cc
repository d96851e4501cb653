// kubelet flags from a shell-style env file (kubeadm-flags.env,
// /etc/default/kubelet), split as the kubelet sees them: systemd reads the
// file (EnvironmentFile=: `KEY=value`, double or single quotes, backslash
// escapes, `#` comments) and splits `$KUBELET_KUBEADM_ARGS` on white space;
// then spf13/pflag parses the words: `--a=b`; `--a b` takes the next word
// whatever it is, unless `a` is a boolean flag, where a bare `--a` means true;
// the last of a repeated flag wins (kubelet's flags are scalars or comma
// lists, set again by a repetition). A word that is not a flag is an error, as
// the kubelet refuses arguments. The booleans are listed once, below.
#include <algorithm>
#include <iterator>

#include "semantic/key_path.h"
#include "lib/split_words.h"
#include "semantic/readers.h"

namespace drift {
namespace {

// kubelet's boolean flags (kubelet --help, 1.28-1.34, and the klog flags it
// registers), sorted.
constexpr std::string_view kBooleanFlags[] = {
    "add-dir-header",
    "alsologtostderr",
    "anonymous-auth",
    "authentication-token-webhook",
    "cgroups-per-qos",
    "enable-controller-attach-detach",
    "enable-debugging-handlers",
    "enable-server",
    "exit-on-lock-contention",
    "experimental-check-node-capabilities-before-mount",
    "fail-cgroupv1",
    "fail-swap-on",
    "h",
    "help",
    "keep-terminated-pod-volumes",
    "kernel-memcg-notification",
    "local-storage-capacity-isolation",
    "log-json-split-stream",
    "log-text-split-stream",
    "logtostderr",
    "make-iptables-util-chains",
    "one-output",
    "protect-kernel-defaults",
    "register-node",
    "register-schedulable",
    "rotate-certificates",
    "rotate-server-certificates",
    "runonce",
    "seccomp-default",
    "serialize-image-pulls",
    "skip-headers",
    "skip-log-headers",
    "version",
};

// One EnvironmentFile= value: quotes and backslashes as systemd reads them;
// the result is then split on white space as `$VAR` expansion does.
bool unquote(std::string_view raw, std::string* out, std::string* err) {
  out->clear();
  char quote = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < raw.size()) {
        out->push_back(raw[++i]);
      } else {
        out->push_back(c);
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '\\' && i + 1 < raw.size()) {
      out->push_back(raw[++i]);
    } else if (c == '#' && (i == 0 || raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
      break;  // a comment after the value
    } else {
      out->push_back(c);
    }
  }
  if (quote) {
    *err = "unterminated quote";
    return false;
  }
  while (!out->empty() && (out->back() == ' ' || out->back() == '\t')) out->pop_back();
  return true;
}

bool valid_var(std::string_view v) {
  if (v.empty() || (v[0] >= '0' && v[0] <= '9')) return false;
  return std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

bool kubelet_flag_is_boolean(std::string_view name) {
  return std::binary_search(std::begin(kBooleanFlags), std::end(kBooleanFlags), name);
}

FlatDoc read_kubelet_flags(std::string_view text) {
  FlatDoc doc;
  auto fail = [&doc](int line, const std::string& why) {
    doc = FlatDoc::failed(why, line);
    return doc;
  };
  int line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return fail(line_no, "not an assignment (KEY=value)");
    std::string_view var = line.substr(0, eq);
    while (!var.empty() && (var.back() == ' ' || var.back() == '\t')) var.remove_suffix(1);
    if (!valid_var(var)) return fail(line_no, "invalid variable name '" + std::string(var) + "'");
    std::string value, err;
    std::string_view raw = line.substr(eq + 1);
    while (!raw.empty() && (raw.front() == ' ' || raw.front() == '\t')) raw.remove_prefix(1);
    if (!unquote(raw, &value, &err)) return fail(line_no, std::string(var) + ": " + err);
    const std::vector<std::string> words = split_words(value);
    const std::string prefix = join_key("", var);
    if (words.empty()) doc.set(prefix, {"", "", line_no});
    for (size_t i = 0; i < words.size(); ++i) {
      const std::string& w = words[i];
      if (w.size() < 2 || w[0] != '-' || w == "--") {
        return fail(line_no, std::string(var) + ": '" + w + "' is not a flag (the kubelet takes no arguments)");
      }
      const std::string body = w.substr(w[1] == '-' ? 2 : 1);
      const size_t e = body.find('=');
      std::string name = body.substr(0, e), flag_value;
      if (name.empty() || name[0] == '-') return fail(line_no, std::string(var) + ": bad flag syntax '" + w + "'");
      if (e != std::string::npos) {
        flag_value = body.substr(e + 1);
      } else if (kubelet_flag_is_boolean(name)) {
        flag_value = "true";
      } else if (i + 1 < words.size()) {
        flag_value = words[++i];
      } else {
        return fail(line_no, std::string(var) + ": flag needs an argument: --" + name);
      }
      const std::string key = join_key(prefix, name);
      doc.erase(key);  // the last one wins, in the place it was given
      doc.set(key, {flag_value, "", line_no});
    }
  }
  return doc;
}

}  // namespace drift
