// The default format table. One table, so the report's key diffs and the
// config's `expect:` agree on which file is which. Globs follow glob_matches
// (a glob with `/` matches the whole host path).
#include "semantic/formats.h"

#include "baseline/selection.h"
#include "semantic/key_path.h"
#include "semantic/readers.h"

namespace drift {
namespace {

struct FormatGlob {
  const char* glob;
  Format format;
};

constexpr FormatGlob kDefaultFormats[] = {
    {"/var/lib/kubelet/config.yaml", Format::kYaml},
    {"/etc/kubernetes/manifests/*.yaml", Format::kYaml},
    {"/var/lib/kubelet/kubeadm-flags.env", Format::kKubeletFlags},
    {"/etc/default/kubelet", Format::kKubeletFlags},
    {"/etc/containerd/config.toml", Format::kToml},
    {"/etc/containerd/conf.d/*.toml", Format::kToml},
    {"/etc/cni/net.d/*.conflist", Format::kJson},
    {"/etc/cni/net.d/*.conf", Format::kJson},
    {"/etc/ssh/sshd_config", Format::kSshd},
    {"/etc/ssh/sshd_config.d/*.conf", Format::kSshd},
    {"/etc/sysctl.conf", Format::kSysctl},
    {"/etc/sysctl.d/*.conf", Format::kSysctl},
    {"/run/sysctl.d/*.conf", Format::kSysctl},
    {"/usr/local/lib/sysctl.d/*.conf", Format::kSysctl},
    {"/usr/lib/sysctl.d/*.conf", Format::kSysctl},
    {"/lib/sysctl.d/*.conf", Format::kSysctl},
};

}  // namespace

const char* format_name(Format format) {
  switch (format) {
    case Format::kNone: return "none";
    case Format::kYaml: return "yaml";
    case Format::kKubeletFlags: return "kubelet-flags";
    case Format::kToml: return "toml";
    case Format::kJson: return "json";
    case Format::kSshd: return "sshd";
    case Format::kSysctl: return "sysctl";
  }
  return "none";
}

Format format_for_path(const std::string& host_path) {
  for (const FormatGlob& g : kDefaultFormats) {
    if (glob_matches(g.glob, host_path)) return g.format;
  }
  return Format::kNone;
}

FlatDoc read_format(Format format, std::string_view text, const std::string& file) {
  switch (format) {
    case Format::kYaml: return read_yaml(text);
    case Format::kKubeletFlags: return read_kubelet_flags(text);
    case Format::kToml: return read_toml(text, file);
    case Format::kJson: return read_json(text);
    case Format::kSshd: return read_sshd(text, file);
    case Format::kSysctl: return read_sysctl(text, file);
    case Format::kNone: break;
  }
  FlatDoc doc;
  doc.error = "not a format driftd reads";
  return doc;
}

FlatDoc read_effective(Format format, const std::string& path, const FileSource& files) {
  if (format == Format::kSysctl) return read_sysctl_tree(files);
  std::string text, err;
  if (!files.read(path, &text, &err)) {
    FlatDoc doc;
    doc.error = err;
    doc.error_file = path;
    return doc;
  }
  FlatDoc doc;
  switch (format) {
    case Format::kToml: doc = read_toml(text, path, &files); break;
    case Format::kSshd: doc = read_sshd(text, path, &files); break;
    default: doc = read_format(format, text, path); break;
  }
  for (auto& [key, v] : doc.values) {
    if (v.file.empty()) v.file = path;
  }
  if (!doc.ok() && doc.error_file.empty()) doc.error_file = path;
  return doc;
}

bool key_possible(Format format, const std::string& key, std::string* why) {
  KeyPath path;
  std::string err;
  if (!parse_key_path(key, &path, &err)) {
    *why = "key '" + key + "' is not a key path: " + err;
    return false;
  }
  auto names_only = [&path] {
    for (const KeySegment& s : path) {
      if (s.kind != KeySegment::Kind::kName) return false;
    }
    return true;
  };
  switch (format) {
    case Format::kSshd:
      if (path.size() == 2 && names_only() && sshd_canonical_keyword(path[0].name) == "subsystem") return true;
      if (path.size() != 1 || !names_only() || !sshd_keyword_known(path[0].name)) {
        *why = "key '" + key + "' is not an sshd_config keyword";
        return false;
      }
      return true;
    case Format::kKubeletFlags:
      if (path.size() != 2 || !names_only()) {
        *why = "key '" + key + "' is not VARIABLE.flag-name (like KUBELET_KUBEADM_ARGS.node-ip)";
        return false;
      }
      return true;
    case Format::kSysctl:
      if (!names_only()) {
        *why = "key '" + key + "' has a list item; sysctl keys are names";
        return false;
      }
      return true;
    case Format::kYaml:
    case Format::kToml:
    case Format::kJson:
      return true;
    case Format::kNone:
      break;
  }
  *why = "not a format driftd reads";
  return false;
}

std::string canonical_key(Format format, const std::string& key) {
  if (format != Format::kSshd) return key;
  KeyPath path;
  std::string err;
  if (!parse_key_path(key, &path, &err) || path.empty()) return key;
  path[0].name = sshd_canonical_keyword(path[0].name);
  return format_key_path(path);
}

}  // namespace drift
