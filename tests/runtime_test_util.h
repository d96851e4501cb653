// A proc-like tree for the runtime tests: proc/modules from a Debian 12
// kubeadm node (6.1.0-18-amd64, nf_tables and the container networking
// modules; refcounts and used-by as the kernel prints them, addresses zeroed
// as for a reader without CAP_SYSLOG), its sysctls, taint mask, command line,
// release and version, sys/module/NAME/srcversion, and proc/self/ns links.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/runtime_config.h"

namespace drift::test {

inline constexpr const char* kDebian12Modules =
    "nft_chain_nat 16384 3 - Live 0x0000000000000000\n"
    "xt_MASQUERADE 20480 2 - Live 0x0000000000000000\n"
    "nf_nat 57344 2 nft_chain_nat,xt_MASQUERADE, Live 0x0000000000000000\n"
    "nf_conntrack_netlink 57344 0 - Live 0x0000000000000000\n"
    "xt_addrtype 16384 4 - Live 0x0000000000000000\n"
    "nft_compat 20480 12 - Live 0x0000000000000000\n"
    "br_netfilter 36864 0 - Live 0x0000000000000000\n"
    "bridge 311296 1 br_netfilter, Live 0x0000000000000000\n"
    "stp 16384 1 bridge, Live 0x0000000000000000\n"
    "llc 16384 2 bridge,stp, Live 0x0000000000000000\n"
    "overlay 163840 14 - Live 0x0000000000000000\n"
    "nf_tables 290816 173 nft_chain_nat,nft_compat, Live 0x0000000000000000\n"
    "nfnetlink 20480 4 nf_conntrack_netlink,nft_compat,nf_tables, Live 0x0000000000000000\n"
    "nf_conntrack 188416 3 xt_MASQUERADE,nf_nat,nf_conntrack_netlink, Live 0x0000000000000000\n"
    "nf_defrag_ipv6 24576 1 nf_conntrack, Live 0x0000000000000000\n"
    "nf_defrag_ipv4 16384 1 nf_conntrack, Live 0x0000000000000000\n"
    "libcrc32c 16384 3 nf_nat,nf_tables,nf_conntrack, Live 0x0000000000000000\n"
    "ip_tables 32768 0 - Live 0x0000000000000000\n"
    "x_tables 57344 4 xt_MASQUERADE,xt_addrtype,nft_compat,ip_tables, Live 0x0000000000000000\n"
    "autofs4 53248 2 - Live 0x0000000000000000\n"
    "ext4 1007616 1 - Live 0x0000000000000000\n"
    "crc16 16384 1 ext4, Live 0x0000000000000000\n"
    "mbcache 16384 1 ext4, Live 0x0000000000000000\n"
    "jbd2 167936 1 ext4, Live 0x0000000000000000\n"
    "virtio_net 65536 0 - Live 0x0000000000000000\n"
    "net_failover 24576 1 virtio_net, Live 0x0000000000000000\n"
    "failover 16384 1 net_failover, Live 0x0000000000000000\n"
    "virtio_blk 24576 2 - Live 0x0000000000000000\n";

inline constexpr int kDebian12ModuleCount = 28;

inline constexpr const char* kDebian12Cmdline =
    "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=6b1f0c4e-2a77-4f7e-9d0e-5c1a2b3c4d5e ro quiet\n";

struct ProcTree {
  std::string dir;
  ProcTree() {
    char tmpl[] = "/tmp/driftd-proc.XXXXXX";
    dir = ::mkdtemp(tmpl);
    write("proc/modules", kDebian12Modules);
    write("proc/cmdline", kDebian12Cmdline);
    write("proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
    write("proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n");
    write("proc/sys/kernel/tainted", "0\n");
    write("proc/sys/kernel/kptr_restrict", "1\n");
    write("proc/sys/kernel/printk", "4\t4\t1\t7\n");
    write("proc/sys/kernel/printk_ratelimit", "5\n");
    write("proc/sys/kernel/hostname", "node-a\n");
    write("proc/sys/kernel/shmmax", "18446744073692774399\n");
    write("proc/sys/kernel/random/uuid", "5a1b...changes on every read\n");
    write("proc/sys/kernel/random/poolsize", "256\n");
    write("proc/sys/vm/swappiness", "60\n");
    write("proc/sys/vm/drop_caches", "0\n", 0200);
    write("proc/sys/vm/stat_refresh", "", 0600);
    write("proc/sys/fs/file-nr", "2208\t0\t9223372036854775807\n");
    write("proc/sys/fs/protected_symlinks", "1\n");
    write("proc/sys/fs/mqueue/msg_max", "10\n");
    write("proc/sys/fs/binfmt_misc/status", "enabled\n");
    write("proc/sys/net/ipv4/ip_forward", "1\n");
    write("proc/sys/user/max_user_namespaces", "63429\n");
    write("sys/module/nf_tables/srcversion", "7E5AE7E8D3FCC0D8C3A1A3B\n");
    write("sys/module/overlay/srcversion", "0C1B7D9F1E2A3B4C5D6E7F8\n");
    namespaces(true);
  }
  ~ProcTree() { std::filesystem::remove_all(dir); }
  void write(const std::string& rel, const std::string& text, mode_t mode = 0644) const {
    const std::string p = dir + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    ::chmod(p.c_str(), 0644);
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    ::chmod(p.c_str(), mode);
  }
  void append(const std::string& rel, const std::string& text) const {
    std::ofstream(dir + "/" + rel, std::ios::binary | std::ios::app) << text;
  }
  // proc/self/ns as the host's (the kernel's initial namespaces) or a pod's.
  void namespaces(bool host) const {
    const std::string ns = dir + "/proc/self/ns/";
    std::filesystem::create_directories(ns);
    const std::pair<const char*, unsigned long> links[] = {
        {"uts", 0xEFFFFFFEUL}, {"ipc", 0xEFFFFFFFUL}, {"user", 0xEFFFFFFDUL}, {"pid", 0xEFFFFFFCUL}};
    for (const auto& [name, inode] : links) {
      std::filesystem::remove(ns + name);
      const unsigned long n = host || std::string(name) == "user" ? inode : 4026532301UL;
      std::filesystem::create_symlink(std::string(name) + ":[" + std::to_string(n) + "]", ns + name);
    }
  }
  RuntimeConfig config() const {
    RuntimeConfig c;
    c.proc_root = dir;
    c.exclude = default_sysctl_excludes();
    return c;
  }
};

}  // namespace drift::test
