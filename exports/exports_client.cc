// Client classification and address arithmetic. The reading of a subnet
// follows nfs-utils' init_subnetwork(): a strict address (inet_pton), then
// a dotted mask (any bits) or a prefix length, where "10.0.0.0/" means
// prefix 0 because strtoul("") is 0. Networks are kept as address and mask
// so a non-contiguous dotted mask is still checked exactly.
#include "exports/exports_client.h"

#include <arpa/inet.h>

#include <cctype>

#include "baseline/escape.h"

namespace drift {
namespace {

bool parse_address(const std::string& text, IpNetwork* net) {
  net->addr.fill(0);
  if (text.find('\0') != std::string::npos) return false;
  if (inet_pton(AF_INET, text.c_str(), net->addr.data()) == 1) {
    net->family = 4;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), net->addr.data()) == 1) {
    net->family = 6;
    return true;
  }
  return false;
}

void set_prefix(IpNetwork* net, unsigned prefix) {
  net->mask.fill(0);
  for (unsigned i = 0; i < prefix; ++i) net->mask[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
}

size_t address_bytes(const IpNetwork& net) { return net.family == 4 ? 4 : 16; }

// The prefix of nfs-utils' init_netmask4/6: digits, "" reads as 0.
bool parse_prefix(std::string_view text, unsigned max, unsigned* prefix) {
  unsigned long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > max) return false;
  }
  *prefix = static_cast<unsigned>(v);
  return true;
}

}  // namespace

ClientKind client_kind(std::string_view name) {
  if (name.empty() || name == "*") return ClientKind::kAnonymous;
  if (name.substr(0, 4) == "gss/") return ClientKind::kGss;
  if (name[0] == '@') return ClientKind::kNetgroup;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '*' || c == '?' || c == '[') return ClientKind::kWildcard;
    if (c == '/') return ClientKind::kSubnet;
    if (c == '\\' && i + 1 < name.size()) ++i;
  }
  return ClientKind::kHost;
}

const char* client_kind_name(ClientKind kind) {
  switch (kind) {
    case ClientKind::kHost: return "host name";
    case ClientKind::kSubnet: return "subnet";
    case ClientKind::kWildcard: return "wildcard";
    case ClientKind::kNetgroup: return "netgroup";
    case ClientKind::kAnonymous: return "anonymous client";
    case ClientKind::kGss: return "gss/ client";
  }
  return "host name";
}

bool client_network(std::string_view name, IpNetwork* net, std::string* err) {
  const size_t slash = name.find('/');
  const std::string address(name.substr(0, slash));
  if (!parse_address(address, net)) {
    *err = slash == std::string_view::npos ? "'" + escape_bytes(address) + "' is a host name, not an address"
                                           : "invalid IP address '" + escape_bytes(address) + "'";
    return false;
  }
  const unsigned bits = net->family == 4 ? 32 : 128;
  if (slash == std::string_view::npos) {
    set_prefix(net, bits);
    return true;
  }
  const std::string mask(name.substr(slash + 1));
  if (mask.find(net->family == 4 ? '.' : ':') != std::string::npos) {
    IpNetwork m;
    if (!parse_address(mask, &m) || m.family != net->family) {
      *err = "invalid netmask '" + escape_bytes(mask) + "'";
      return false;
    }
    net->mask = m.addr;
    return true;
  }
  unsigned prefix;
  if (!parse_prefix(mask, bits, &prefix)) {
    *err = "invalid prefix '" + escape_bytes(mask) + "'";
    return false;
  }
  set_prefix(net, prefix);
  return true;
}

bool parse_cidr(std::string_view text, IpNetwork* net, std::string* err) {
  const size_t slash = text.find('/');
  if (!parse_address(std::string(text.substr(0, slash)), net)) {
    *err = "expected a CIDR like 10.0.20.0/22 or fd00::/8, got '" + std::string(text) + "'";
    return false;
  }
  const unsigned bits = net->family == 4 ? 32 : 128;
  unsigned prefix = bits;
  if (slash != std::string_view::npos &&
      (slash + 1 == text.size() || !parse_prefix(text.substr(slash + 1), bits, &prefix))) {
    *err = "invalid prefix length in '" + std::string(text) + "'";
    return false;
  }
  set_prefix(net, prefix);
  for (size_t i = 0; i < address_bytes(*net); ++i) {
    if (net->addr[i] & ~net->mask[i]) {
      *err = "'" + std::string(text) + "' has host bits set (did you mean the network address?)";
      return false;
    }
  }
  return true;
}

bool network_within(const IpNetwork& inner, const IpNetwork& outer) {
  if (inner.family != outer.family) return false;
  for (size_t i = 0; i < address_bytes(inner); ++i) {
    if (outer.mask[i] & ~inner.mask[i]) return false;
    if ((inner.addr[i] & outer.mask[i]) != (outer.addr[i] & outer.mask[i])) return false;
  }
  return true;
}

std::string client_key(std::string_view name) {
  if (name.empty()) return "*";
  std::string key(name);
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace drift
