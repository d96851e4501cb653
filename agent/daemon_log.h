// The daemon's log and its systemd notifications. With libsystemd and stderr
// connected to the journal, lines go to the journal with structured fields
// (DRIFT_PATH=, DRIFT_KIND=, DRIFT_SEVERITY=); otherwise one plain line per
// event on stderr (the Alpine build, a terminal, kubectl logs).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace drift {

using LogFields = std::vector<std::pair<std::string, std::string>>;

/// Logs one line; fields are journal fields (names upper-case, values escaped).
void daemon_log(const std::string& message, const LogFields& fields = {});

/// sd_notify(state) when running under systemd's Type=notify; a no-op otherwise.
void notify_systemd(const std::string& state);
/// The watchdog interval systemd asks for, in microseconds (0: none).
uint64_t systemd_watchdog_usec();

}  // namespace drift
