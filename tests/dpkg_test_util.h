// What the dpkg tests share: a fake root with dpkg's database directory, and a
// status file as dpkg writes it (a multi-line description, Multi-Arch: same,
// conffiles with an obsolete one, a package removed but for its config files).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace drift::test {

struct FakeRoot {
  std::string dir;
  FakeRoot() {
    char tmpl[] = "/tmp/driftd-dpkg.XXXXXX";
    dir = ::mkdtemp(tmpl);
    std::filesystem::create_directories(dir + "/var/lib/dpkg/info");
  }
  ~FakeRoot() { std::filesystem::remove_all(dir); }
  void write(const std::string& rel, const std::string& text) const {
    std::filesystem::create_directories(std::filesystem::path(dir + rel).parent_path());
    std::ofstream(dir + rel, std::ios::binary) << text;
  }
};

inline constexpr const char* kStatus =
    "Package: kubelet\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 1.34.1-1.1\n"
    "Description: node agent\n"
    " multi-line description\n"
    " .\n"
    "\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Multi-Arch: same\n"
    "Architecture: amd64\n"
    "Version: 2.36-9+deb12u10\n"
    "\n"
    "Package: openssh-client\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 1:9.2p1-2\n"
    "Conffiles:\n"
    " /etc/ssh/ssh_config 0123456789abcdef0123456789abcdef\n"
    " /etc/ssh/moduli 11111111111111111111111111111111 obsolete\n"
    "\n"
    "Package: removed-pkg\n"
    "Status: deinstall ok config-files\n"
    "Architecture: all\n"
    "Version: 3.0\n"
    "\n";

}  // namespace drift::test
