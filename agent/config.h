// The agent's configuration: one YAML schema shared by driftctl and driftd.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "exports/exports_config.h"
#include "runtime/runtime_config.h"
#include "baseline/selection.h"
#include "baseline/snapshot_policy.h"
#include "semantic/expectations.h"

namespace drift {

using Millis = std::chrono::milliseconds;

// Who changed it: attribution from the host's audit log (audit/).
struct AuditConfig {
  bool enabled = false;                           // driftctl check and driftd attribute drift
  std::string log = "/var/log/audit/audit.log";   // read under root, with its rotations .1, .2 ...
  Millis window{600000};                          // how far back an event may lie (driftd)
  uint64_t max_bytes = 16ull << 20;               // bound of the events held
  bool argv = false;                              // keep command lines (PROCTITLE): they can hold passwords
};

// Package causes (agent/package_cause.h, aptproof/).
struct PackagesConfig {
  /// true: on critical paths dpkg's database alone (no signed-archive proof)
  /// may explain drift. false (default): such a claim counts as unexplained.
  bool trust_dpkg_database = false;
};

struct Config {
  std::string node;                 // default: $NODE_NAME, then the hostname
  std::string root = "/";           // host filesystem prefix
  std::string state_dir = "/var/lib/driftd";
  std::string baseline = "/var/lib/driftd/baseline.drift";
  std::string public_key = "/etc/driftd/baseline.pub";
  std::vector<PathRule> paths;
  ContentPolicy content;
  int scan_threads = 0;             // 0 = all cores
  bool scan_page_cache_neutral = true;  // drop the pages a scan brought into the page cache (lib/page_cache.h)
  std::string pushgateway_url = "http://127.0.0.1:9091";
  std::string pushgateway_job = "driftd";
  Millis pushgateway_heartbeat{60000};
  std::string loki_url = "http://127.0.0.1:3100";
  uint64_t loki_max_diff_bytes = 16384;
  std::string listen = "127.0.0.1:9847";
  Millis rescan_interval{3600000};
  Millis debounce{200};
  uint64_t spool_max_bytes = 64ull << 20;
  int metrics_max_paths = 50;
  ExportsConfig exports;            // /etc/exports checks (exports_config.h)
  RuntimeConfig runtime;            // kernel modules, taint, sysctls, cmdline (runtime_config.h)
  std::vector<Expectation> expect;  // what must hold in config files (semantic/expectations.h)
  AuditConfig audit;                // audit log attribution
  PackagesConfig packages;          // how much a package cause must prove

  std::string source;               // file path, or "embedded default"
};

/// The default config file location.
inline constexpr const char* kDefaultConfigPath = "/etc/driftd/config.yaml";

/// Ranges of the duration and size keys (README, Configuration), and the
/// largest config file read.
inline constexpr Millis kMinRescanInterval{1000};
inline constexpr Millis kMaxRescanInterval{30LL * 24 * 3600 * 1000};
inline constexpr Millis kMaxDebounce{60000};
inline constexpr Millis kMinHeartbeat{1000};
inline constexpr Millis kMaxHeartbeat{24LL * 3600 * 1000};
inline constexpr uint64_t kMaxLokiDiffBytes = 1ull << 20;
inline constexpr uint64_t kMinSpoolBytes = 4096;
inline constexpr uint64_t kMaxSpoolBytes = 64ull << 30;
inline constexpr uint64_t kMaxConfigBytes = 4ull << 20;
inline constexpr Millis kMinAuditWindow{1000};
inline constexpr Millis kMaxAuditWindow{24LL * 3600 * 1000};
inline constexpr uint64_t kMinAuditBytes = 64ull << 10;
inline constexpr uint64_t kMaxAuditBytes = 1ull << 30;

/// The embedded default config, as YAML text (what `driftctl config show` prints).
const char* embedded_default_config();

/// Parses YAML text. Errors name the source, the line, the key, and for a wrong
/// type the type expected: "config.yaml:7: scan.threads: expected an integer".
bool parse_config(const std::string& yaml_text, const std::string& source, Config* config,
                  std::string* err);

/// Loads `path` if given; else /etc/driftd/config.yaml if it exists; else the
/// embedded default.
bool load_config(const std::string& path, Config* config, std::string* err);

/// The effective config as canonical YAML (every key, defaults filled in).
std::string dump_config(const Config& config);

/// SHA-256 (hex) of the canonical dump: recorded in baselines.
std::string config_digest(const Config& config);

/// Parses "200ms", "60s", "5m", "1h", "1h30m". Returns false on junk.
bool parse_duration(const std::string& text, Millis* out);
/// Parses "65536", "64KiB", "64MiB", "1GiB", "10MB", "16kB".
bool parse_size(const std::string& text, uint64_t* out);

}  // namespace drift
