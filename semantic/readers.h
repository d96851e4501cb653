// The readers: a file's text to a FlatDoc of the values its owner uses. Each
// follows the owner's own rules (kubelet's flag parser, containerd's imports,
// OpenSSH's servconf.c, systemd-sysctl) or a well-kept library (yaml-cpp,
// toml++, nlohmann-json); every library exception stops in that reader's file
// and becomes FlatDoc::error with its line.
#pragma once

#include <string>
#include <string_view>

#include "semantic/flat_doc.h"

namespace drift {

/// Bounds that keep a hostile file (alias bombs, deep nesting) cheap.
inline constexpr int kMaxNesting = 64;
inline constexpr size_t kMaxFlatValues = 100000;

/// YAML (kubelet config.yaml, static pod manifests): one document; maps by
/// key, lists by `[name=...]` when every item has a unique `name`, else `[N]`.
FlatDoc read_yaml(std::string_view text);

/// JSON (CNI .conflist/.conf): lists by `[type=...]`, then `[name=...]`, else `[N]`.
FlatDoc read_json(std::string_view text);

/// TOML (containerd config.toml). With `files`, `imports` are read in
/// containerd's order (relative to `file`'s directory, globs sorted, the
/// imported files' own imports after them) and each imported file replaces
/// whole `plugins.<name>` tables and overrides other keys.
FlatDoc read_toml(std::string_view text, const std::string& file = "", const FileSource* files = nullptr);

/// kubelet flags in a shell-style env file (kubeadm-flags.env,
/// /etc/default/kubelet): `VAR.flag-name` -> value; `--a=b`, `--a b` unless
/// `a` is boolean, a bare boolean is "true"; the last of a repeated flag wins.
FlatDoc read_kubelet_flags(std::string_view text);

/// True for kubelet's boolean flags (the one list, kubelet_flags.cc).
bool kubelet_flag_is_boolean(std::string_view name);

/// sshd_config (sshd_config.cc has the rules). Keys are lowercase keywords,
/// as `sshd -T` prints them; Match blocks are `match."<criteria>".keyword`.
/// With `files`, Include globs are expanded (relative to /etc/ssh) and read.
FlatDoc read_sshd(std::string_view text, const std::string& file = "", const FileSource* files = nullptr);

/// One sysctl.d(5) file: `a.b.c` -> value; later lines win.
FlatDoc read_sysctl(std::string_view text, const std::string& file = "");

/// Every sysctl file systemd-sysctl reads, in its order, later ones winning.
FlatDoc read_sysctl_tree(const FileSource& files);

}  // namespace drift
