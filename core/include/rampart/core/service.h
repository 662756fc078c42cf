#pragma once
// What a packet carries above IP: protocol, ports, ICMP type and code.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rampart/core/interval_set.h"

namespace rampart::core {

using PortSet = IntervalSet<uint16_t>;
using ByteSet = IntervalSet<uint8_t>;

namespace proto {
inline constexpr uint8_t kIcmp = 1;
inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kUdp = 17;
inline constexpr uint8_t kDccp = 33;
inline constexpr uint8_t kGre = 47;
inline constexpr uint8_t kEsp = 50;
inline constexpr uint8_t kAh = 51;
inline constexpr uint8_t kIcmpV6 = 58;
inline constexpr uint8_t kSctp = 132;
inline constexpr uint8_t kUdpLite = 136;
}  // namespace proto

// Protocols whose packets carry source and destination ports.
bool has_ports(uint8_t protocol);
// Protocols whose packets carry an ICMP type and code (ICMP and ICMPv6).
bool has_icmp(uint8_t protocol);
std::optional<uint8_t> protocol_by_name(std::string_view name);
std::string protocol_name(uint8_t protocol);  // "tcp", or the number

// The client-port assumption (docs/cli.md): a client's source port ranges
// over 1024-65535 unless a zone or a question says otherwise.
inline constexpr uint16_t kClientPortLow = 1024;
inline constexpr uint16_t kClientPortHigh = 65535;
inline PortSet default_client_ports() { return PortSet::range(kClientPortLow, kClientPortHigh); }

// One product of field sets. Port sets constrain only port-bearing protocols
// and ICMP sets only ICMP protocols; for every other protocol they are ignored
// (and the binder rejects writing them).
struct ServiceMatch {
  ByteSet protocols = ByteSet::all();
  PortSet src_ports = PortSet::all();
  PortSet dst_ports = PortSet::all();
  ByteSet icmp_types = ByteSet::all();
  ByteSet icmp_codes = ByteSet::all();

  static ServiceMatch any() { return {}; }
  static ServiceMatch protocol(uint8_t p);
  static ServiceMatch tcp(uint16_t lo, uint16_t hi) { return ports(proto::kTcp, lo, hi); }
  static ServiceMatch udp(uint16_t lo, uint16_t hi) { return ports(proto::kUdp, lo, hi); }
  static ServiceMatch ports(uint8_t p, uint16_t lo, uint16_t hi);

  bool is_any() const;
  bool matches(uint8_t protocol, uint16_t src_port, uint16_t dst_port, uint8_t icmp_type,
               uint8_t icmp_code) const;
  std::string to_string() const;  // "tcp/22", "udp/1000-2000", "icmp/8:0", "any"
  friend bool operator==(const ServiceMatch&, const ServiceMatch&) = default;
};

// A union of products. An empty set matches nothing; use ServiceSet::any().
struct ServiceSet {
  std::vector<ServiceMatch> clauses;

  static ServiceSet any() { return ServiceSet{{ServiceMatch::any()}}; }
  static ServiceSet none() { return {}; }
  static ServiceSet of(ServiceMatch m) { return ServiceSet{{std::move(m)}}; }
  bool is_any() const;
  bool empty() const { return clauses.empty(); }
  bool matches(uint8_t protocol, uint16_t src_port, uint16_t dst_port, uint8_t icmp_type,
               uint8_t icmp_code) const;
  std::string to_string() const;
  friend bool operator==(const ServiceSet&, const ServiceSet&) = default;
};

// Parses `tcp/22`, `tcp/80-90`, `udp`, `icmp/8`, `icmp/3:4`, `icmpv6/128`,
// `proto/50` or `any`. Returns an error text.
struct ServiceParse {
  std::optional<ServiceMatch> service;
  std::string error;
};
ServiceParse parse_service(std::string_view text);

std::string port_set_to_string(const PortSet& s);  // "22", "80,443", "1024-65535"

}  // namespace rampart::core
