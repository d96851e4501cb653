// Snapshot policy. Snapshots make diffs possible, and they are the one place a
// baseline could leak a secret, so every rule that protects the operator sits
// here: only world-readable files (what any local user could read anyway), only
// small text, never a name that looks like a secret, never content that looks
// like one (key material, token formats, credential assignments: see
// secret_content.cc), whatever the file is called. The built-in names apply
// even if the config's `never` list is emptied: they are a floor, not a default.
#include "baseline/snapshot_policy.h"

#include <sys/stat.h>

#include "baseline/secret_content.h"
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

// Text: no NUL, and at most 1/32 of the bytes control bytes other than the
// usual whitespace; anything else is binary data.
bool looks_like_text(std::string_view content) {
  if (content.find('\0') != std::string_view::npos) return false;
  size_t control = 0;
  for (unsigned char c : content) {
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r' && c != '\f') || c == 0x7f) ++control;
  }
  return control * 32 <= content.size();
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

std::string snapshot_content_refusal(std::string_view content) {
  if (!looks_like_text(content)) return "binary content";
  const SecretFinding secret = find_secret(content);
  if (!secret) return "";
  return std::string("content looks like a secret: ") + secret.kind + ", line " + std::to_string(secret.line);
}

bool snapshot_content_ok(std::string_view content) { return snapshot_content_refusal(content).empty(); }

}  // namespace drift
