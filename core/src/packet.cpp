#include "rampart/core/packet.h"

#include <fmt/format.h>

namespace rampart::core {

std::string conn_state_name(ConnState s) {
  switch (s) {
    case ConnState::New: return "new";
    case ConnState::Established: return "established";
    case ConnState::Related: return "related";
    case ConnState::Invalid: return "invalid";
    case ConnState::Untracked: return "untracked";
  }
  return "new";
}

std::optional<Packet> Packet::reply() const {
  Packet r = *this;
  std::swap(r.src, r.dst);
  std::swap(r.src_port, r.dst_port);
  std::swap(r.in_interface, r.out_interface);
  r.state = ConnState::Established;
  if (has_icmp(protocol)) {
    if (protocol == proto::kIcmp && icmp_type == 8) {
      r.icmp_type = 0;
    } else if (protocol == proto::kIcmpV6 && icmp_type == 128) {
      r.icmp_type = 129;
    } else {
      return std::nullopt;
    }
  }
  return r;
}

namespace {
std::string endpoint(const Address& a, uint8_t protocol, uint16_t port) {
  if (!has_ports(protocol)) return a.to_string();
  if (a.family == Family::V6) return fmt::format("[{}]:{}", a.to_string(), port);
  return fmt::format("{}:{}", a.to_string(), port);
}
}  // namespace

std::string Packet::to_string() const {
  std::string out = fmt::format("{} {} -> {}", protocol_name(protocol),
                                endpoint(src, protocol, src_port), endpoint(dst, protocol, dst_port));
  if (has_icmp(protocol)) out += fmt::format(" type {} code {}", icmp_type, icmp_code);
  return out;
}

}  // namespace rampart::core
