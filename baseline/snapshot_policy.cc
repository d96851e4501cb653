// Snapshot policy. Snapshots make diffs possible, and they are the one place a
// baseline could leak a secret, so every rule that protects the operator sits
// here: only world-readable files (what any local user could read anyway), only
// small text, never a name that looks like a secret, never content holding a
// private key. The built-in names apply even if the config's `never` list is
// emptied: they are a floor, not a default.
#include "baseline/snapshot_policy.h"

#include <sys/stat.h>

#include "baseline/selection.h"

namespace drift {
namespace {

const std::vector<std::string>& builtin_secret_globs() {
  static const std::vector<std::string> kGlobs = {
      "/etc/shadow*", "/etc/gshadow*", "*.key", "*_key", "/etc/ssh/ssh_host_*",
      "/etc/kubernetes/pki/*", "/etc/kubernetes/*.conf", "/etc/ssl/private/*",
      "*kubeconfig*", "*token*", "*secret*", "*password*", "*credentials*", "*.kubeconfig",
  };
  return kGlobs;
}

}  // namespace

std::vector<std::string> default_never_snapshot_globs() { return builtin_secret_globs(); }

std::vector<std::string> default_snapshot_paths() {
  return {"/etc", "/var/lib/kubelet", "/usr/local/bin", "/usr/local/sbin"};
}

bool snapshot_candidate(const ContentPolicy& policy, const std::string& path, uint32_t mode,
                        uint64_t size) {
  if (!(mode & S_IROTH) || size > policy.max_bytes) return false;
  bool in_scope = false;
  for (const std::string& p : policy.paths) in_scope = in_scope || path_is_under(path, p);
  if (!in_scope) return false;
  for (const std::string& g : builtin_secret_globs()) {
    if (glob_matches(g, path)) return false;
  }
  for (const std::string& g : policy.never) {
    if (glob_matches(g, path)) return false;
  }
  return true;
}

bool snapshot_content_ok(std::string_view content) {
  if (content.find('\0') != std::string_view::npos) return false;
  if (content.find("PRIVATE KEY") != std::string_view::npos) return false;
  // Text check: allow at most 1/32 of the bytes to be control bytes other than
  // the usual whitespace; anything else is binary data.
  size_t control = 0;
  for (unsigned char c : content) {
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r' && c != '\f') || c == 0x7f) ++control;
  }
  return control * 32 <= content.size();
}

}  // namespace drift
