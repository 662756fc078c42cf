#pragma once
// One concrete packet, as the concrete evaluator sees it.

#include <optional>
#include <string>

#include "rampart/core/address.h"
#include "rampart/core/service.h"

namespace rampart::core {

// Connection-tracking state as netfilter names it. A connection's first packet
// is New; the reply direction of an admitted connection is Established.
enum class ConnState : uint8_t { New = 0, Established = 1, Related = 2, Invalid = 3, Untracked = 4 };
inline constexpr unsigned kConnStateCount = 5;
std::string conn_state_name(ConnState s);

struct Packet {
  Family family = Family::V4;
  Address src;
  Address dst;
  uint8_t protocol = proto::kTcp;
  uint16_t src_port = 0;  // 0 unless the protocol carries ports
  uint16_t dst_port = 0;
  uint8_t icmp_type = 0;  // 0 unless the protocol is ICMP / ICMPv6
  uint8_t icmp_code = 0;
  std::string in_interface;   // empty = not known / not applicable
  std::string out_interface;  // empty = not known / not applicable
  ConnState state = ConnState::New;

  // The reply a stateless layer must also admit: addresses, ports and
  // interfaces swapped, state Established; an ICMP echo request (v4 type 8,
  // v6 type 128) is answered by an echo reply (0 / 129). Other ICMP messages
  // are one-way and have no reply (docs/semantics/network.md).
  std::optional<Packet> reply() const;
  // `tcp 192.168.1.50:40000 -> 10.0.1.10:22`, `icmp 10.0.0.1 -> 10.0.0.2 type 8 code 0`
  std::string to_string() const;
  friend bool operator==(const Packet&, const Packet&) = default;
};

}  // namespace rampart::core
