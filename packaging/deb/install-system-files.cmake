# Install step for the files that live outside the prefix on a Debian system:
# the systemd unit and /etc/driftd/config.yaml. Where they go is decided here,
# at install time, because CPack installs with the package's prefix (/usr)
# while the build was configured with another (/usr/local): with /usr they go
# to /lib/systemd/system and /etc/driftd, with any other prefix under it, so a
# plain `cmake --install` never writes the real /etc/driftd/config.yaml, which
# every driftd and driftctl on the machine would then read.
# Set by the install(CODE) before this script: DRIFTD_SOURCE_DIR,
# DRIFTD_BINARY_DIR, DRIFTD_DRIFTCTL (the built driftctl).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(etc_dir /etc)
  set(unit_dir /lib/systemd/system)
else()
  set(etc_dir "${CMAKE_INSTALL_PREFIX}/etc")
  set(unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(stage "${DRIFTD_BINARY_DIR}/packaging-stage")
file(MAKE_DIRECTORY "${stage}")

# The unit, with the binary and the README where this prefix puts them.
file(READ "${DRIFTD_SOURCE_DIR}/packaging/driftd.service" unit)
string(REPLACE "ExecStart=/usr/bin/driftd" "ExecStart=${CMAKE_INSTALL_PREFIX}/bin/driftd" unit "${unit}")
string(REPLACE "file:/usr/share/doc/" "file:${CMAKE_INSTALL_PREFIX}/share/doc/" unit "${unit}")
file(WRITE "${stage}/driftd.service" "${unit}")
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE FILES "${stage}/driftd.service")

# The default config: driftd's embedded default spelled out, so that the
# operator edits a complete file and dpkg keeps those edits (a conffile).
# `--default` prints it whatever this build machine has installed.
execute_process(COMMAND "${DRIFTD_DRIFTCTL}" config show --default OUTPUT_VARIABLE default RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT default MATCHES "^# driftd embedded default config")
  message(FATAL_ERROR "cannot take driftd's embedded default config from "
                      "`${DRIFTD_DRIFTCTL} config show --default` (exit ${rc})")
endif()
string(REGEX REPLACE "^(#[^\n]*\n)+" "" default "${default}")  # its header speaks of itself
file(WRITE "${stage}/config.yaml"
  "# /etc/driftd/config.yaml: driftd's embedded default (`driftctl config show` without this\n"
  "# file), spelled out to edit. dpkg keeps your edits on upgrades. For a Proxmox host:\n"
  "#   cp /usr/share/driftd/pve.yaml /etc/driftd/config.yaml && systemctl restart driftd\n"
  "${default}")
file(INSTALL DESTINATION "${etc_dir}/driftd" TYPE FILE FILES "${stage}/config.yaml")
