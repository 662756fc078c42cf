#pragma once
// Hosts, their interfaces, the ordered layers in front of them and what
// listens on them.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rampart/core/address.h"
#include "rampart/core/ids.h"
#include "rampart/core/origin.h"
#include "rampart/core/service.h"

namespace rampart::core {

struct InterfaceAddress {
  Address address;
  unsigned prefix = 0;  // length of the attached subnet (32 / 128 = host only)
  friend bool operator==(const InterfaceAddress&, const InterfaceAddress&) = default;
};

struct Interface {
  std::string name;
  std::string kind;  // "ethernet", "wireless", "vpn", "loopback", ...; free text
  std::vector<InterfaceAddress> addresses;
  Origin origin;
};

// ONE layer: its member filters are united (a connection crosses the layer
// when some member admits it). Layers of a path are crossed in order and
// must all admit.
struct Layer {
  std::vector<FilterId> members;
  Origin origin;
};

enum class Direction : uint8_t { Inbound, Outbound };
std::string direction_name(Direction d);

struct Bind {
  enum class Kind : uint8_t { Any, AnyV4, AnyV6, Address };
  Kind kind = Kind::Any;
  Address address;  // Kind::Address only

  bool covers(const Address& local) const;
  bool is_loopback_only() const { return kind == Kind::Address && address.is_loopback(); }
  std::string to_string() const;  // "*", "0.0.0.0", "::", "127.0.0.1"
  friend bool operator==(const Bind&, const Bind&) = default;
};

struct Listener {
  uint8_t protocol = 6;
  PortSet ports;
  Bind bind;
  ServiceId service;    // the owning service, when declared
  std::string process;  // executable or process name, when known
  // Reached through destination NAT to another network namespace (a port
  // docker publishes): from other hosts the packet crosses the host's
  // FORWARD path, not INPUT, so the host's own (FilterScope::Host) inbound
  // filters do not see it; network filters (security groups) still do.
  // Traffic from the host itself is not forwarded (docker-proxy listens).
  // docs/semantics/network.md#forwarded-listeners.
  bool forwarded = false;
  Origin origin;

  std::string to_string() const;  // "tcp/8080 on 127.0.0.1"
};

struct Host {
  std::string name;
  std::vector<Interface> interfaces;
  std::vector<InterfaceAddress> loose_addresses;  // addresses not tied to a named interface
  std::vector<Layer> inbound;
  std::vector<Layer> outbound;
  std::vector<Listener> listeners;
  // Symbolic address sets bound on this host (e.g. Windows' LocalSubnet).
  std::map<std::string, AddressSet> bindings;
  // Symbolic port sets bound on this host (e.g. Windows' RPC).
  std::map<std::string, PortSet> port_bindings;
  // Free-form settings importers read, e.g. "windows.profile" = "domain".
  std::map<std::string, std::string> settings;
  Origin origin;

  // Every non-loopback address of the host.
  AddressSet addresses() const;
  std::vector<Address> address_list() const;
  // The interface that owns `a` ("lo" for loopback; empty if not known).
  std::string interface_of(const Address& a) const;
};

}  // namespace rampart::core
