// Export options as nfs-utils models them: the flag word, fsid, anonymous ids,
// security flavors. Options are applied in order over the defaults exactly as
// nfs-utils' parseopts() does, and rendered as exportfs writes them to etab.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace drift {

/// nfs-utils' export flag bits (support/include/nfs/export.h).
enum ExportFlag : uint32_t {
  kExpReadonly = 0x0001,
  kExpInsecurePort = 0x0002,
  kExpRootSquash = 0x0004,
  kExpAllSquash = 0x0008,
  kExpAsync = 0x0010,
  kExpGatheredWrites = 0x0020,
  kExpNoReaddirplus = 0x0040,
  kExpSecurityLabel = 0x0080,
  kExpSignFh = 0x0100,
  kExpNoHide = 0x0200,
  kExpNoSubtreeCheck = 0x0400,
  kExpNoAuthNlm = 0x0800,
  kExpFsid = 0x2000,
  kExpCrossmount = 0x4000,
  kExpNoAcl = 0x8000,
  kExpPnfs = 0x20000,
};

/// EXPORT_DEFAULT_FLAGS: ro, root_squash, wdelay, no_subtree_check (so sync, hide, secure, ...).
inline constexpr uint32_t kDefaultExportFlags = kExpReadonly | kExpRootSquash | kExpGatheredWrites | kExpNoSubtreeCheck;
/// The flags that may differ per security flavor (the kernel's NFSEXP_SECINFO_FLAGS).
inline constexpr uint32_t kSecinfoFlags = kExpReadonly | kExpRootSquash | kExpAllSquash | kExpInsecurePort;

/// One security flavor of an export and the flags that apply to it.
struct ExportSecFlavor {
  std::string name;  // as written ("unix" and "sys" are one flavor)
  int number = 0;    // RPC auth flavor number
  uint32_t flags = 0;
};

/// Everything nfs-utils records for one (path, client) export.
struct ExportOptions {
  uint32_t flags = kDefaultExportFlags;
  int32_t anonuid = 65534;
  int32_t anongid = 65534;
  int32_t fsid = 0;          // with kExpFsid: the number the kernel sees (32 bits)
  std::string uuid;          // fsid=<uuid> as written, "" for none
  bool has_mountpoint = false;
  std::string mountpoint;
  std::string fsloc;         // "refer" or "replicas", "" for none
  std::string fsloc_data;
  std::vector<std::pair<int, int>> squash_uids, squash_gids;
  std::vector<ExportSecFlavor> sec;  // empty: sec=sys with the export's flags
  std::vector<std::string> xprtsec;
  std::string reexport;      // "", "auto-fsidnum", "predefined-fsidnum", "none"
};

/// Applies a comma-separated option list over `opts` as nfs-utils' parseopts()
/// does: later options win, flags after `sec=` also apply to those flavors.
/// False with a reason naming the option nfs-utils refuses.
bool apply_export_options(std::string_view list, ExportOptions* opts, std::string* err);

/// The options as exportfs writes them to etab (putexportent), defaults spelled out.
std::string render_export_options(const ExportOptions& opts);

/// A form in which two entries compare equal exactly when mountd gets the same export:
/// the options as etab spells them, read back as mountd reads etab.
std::string canonical_export_options(const ExportOptions& opts);

/// The options in effect, one token each, for rules: "rw", "async", "fsid=1", "sec=sys";
/// UUID fsids as 32 lowercase hex digits.
std::vector<std::string> effective_option_tokens(const ExportOptions& opts);

/// The effective tokens a rule's option stands for ("fsid=root" -> "fsid=0",
/// "sec=krb5:sys" -> "sec=krb5", "sec=sys"). False for an option nfs-utils does not know.
bool normalise_rule_option(const std::string& option, std::vector<std::string>* tokens, std::string* err);

/// The 32 hex digits of a UUID fsid, lowercase, separators dropped.
std::string normalise_uuid(std::string_view uuid);

/// True when the export is the NFSv4 pseudo-root (a numeric fsid of 0: fsid=0, fsid=root, fsid=0x0).
inline bool is_pseudo_root_fsid(const ExportOptions& o) { return (o.flags & kExpFsid) && o.fsid == 0; }

}  // namespace drift
