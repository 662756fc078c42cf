#include "rampart/core/host.h"

#include <fmt/format.h>

namespace rampart::core {

std::string direction_name(Direction d) { return d == Direction::Inbound ? "inbound" : "outbound"; }

bool Bind::covers(const Address& local) const {
  switch (kind) {
    case Kind::Any: return true;
    case Kind::AnyV4: return local.family == Family::V4;
    case Kind::AnyV6: return local.family == Family::V6;
    case Kind::Address: return address == local;
  }
  return false;
}

std::string Bind::to_string() const {
  switch (kind) {
    case Kind::Any: return "*";
    case Kind::AnyV4: return "0.0.0.0";
    case Kind::AnyV6: return "::";
    case Kind::Address: return address.to_string();
  }
  return "*";
}

std::string Listener::to_string() const {
  std::string text = fmt::format("{}/{} on {}", protocol_name(protocol), port_set_to_string(ports),
                                 bind.to_string());
  if (!process.empty()) text += fmt::format(" ({})", process);
  return text;
}

AddressSet Host::addresses() const {
  AddressSet out;
  for (const auto& a : address_list()) out = out.unite(AddressSet::of(a));
  return out;
}

std::vector<Address> Host::address_list() const {
  std::vector<Address> out;
  for (const auto& i : interfaces) {
    for (const auto& a : i.addresses) {
      if (!a.address.is_loopback()) out.push_back(a.address);
    }
  }
  for (const auto& a : loose_addresses) {
    if (!a.address.is_loopback()) out.push_back(a.address);
  }
  return out;
}

std::string Host::interface_of(const Address& a) const {
  if (a.is_loopback()) return "lo";
  for (const auto& i : interfaces) {
    for (const auto& ia : i.addresses) {
      if (ia.address == a) return i.name;
    }
  }
  return {};
}

}  // namespace rampart::core
