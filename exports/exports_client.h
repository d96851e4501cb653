// Clients of an export as nfs-utils classifies them (client_gettype), and the
// IP networks they cover, for checking them against exports.allowed_clients.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace drift {

/// nfs-utils' client types, in its order of precedence.
enum class ClientKind { kHost, kSubnet, kWildcard, kNetgroup, kAnonymous, kGss };

/// A set of IPv4 or IPv6 addresses: those equal to `addr` under `mask`.
struct IpNetwork {
  int family = 0;  // 4 or 6
  std::array<uint8_t, 16> addr{};
  std::array<uint8_t, 16> mask{};
};

/// The client's type: "" and "*" are anonymous, "gss/..." GSS, "@..." a netgroup,
/// then the first '*', '?', '[' (wildcard) or '/' (subnet) decides; else a host.
ClientKind client_kind(std::string_view name);

/// A name for a kind, for messages: "host name", "subnet", "wildcard", ...
const char* client_kind_name(ClientKind kind);

/// The addresses a subnet or host client covers, read as nfs-utils reads them
/// ("10.0.20.0/22", "10.0.20.0/255.255.252.0", "fd00::/64", "192.168.1.5").
/// False (with the reason) for a host name or an invalid address or mask.
bool client_network(std::string_view name, IpNetwork* net, std::string* err);

/// Parses a config CIDR strictly: an address, optionally "/prefix", no host bits set.
bool parse_cidr(std::string_view text, IpNetwork* net, std::string* err);

/// True when every address of `inner` is in `outer`.
bool network_within(const IpNetwork& inner, const IpNetwork& outer);

/// The key a client is matched by between /etc/exports and etab: lowercase,
/// and "" (a line without clients) is "*", the anonymous client.
std::string client_key(std::string_view name);

}  // namespace drift
