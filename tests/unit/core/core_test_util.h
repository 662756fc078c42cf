#pragma once
// Small builders for hand-made core::Policy objects in the core unit tests.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "rampart/core/address.h"
#include "rampart/core/evaluator.h"
#include "rampart/core/packet.h"
#include "rampart/core/policy.h"
#include "rampart/core/rule.h"
#include "rampart/core/service.h"

namespace rampart::core::testing {

inline Address addr(std::string_view text) {
  auto a = Address::parse(text);
  EXPECT_TRUE(a.has_value()) << "bad address in test: " << text;
  return a.value_or(Address{});
}

inline AddressSet aset(std::string_view text) {
  auto p = AddressSet::parse(text);
  EXPECT_TRUE(p.set.has_value()) << "bad address set in test: " << text << ": " << p.error;
  return p.set.value_or(AddressSet{});
}

inline ServiceMatch svc(std::string_view text) {
  auto p = parse_service(text);
  EXPECT_TRUE(p.service.has_value()) << "bad service in test: " << text << ": " << p.error;
  return p.service.value_or(ServiceMatch{});
}

// A fluent Match builder.
struct M {
  Match m;
  M& src(std::string_view s) {
    m.src = AddressMatch::of(aset(s));
    return *this;
  }
  M& not_src(std::string_view s) {
    m.src = AddressMatch::of(aset(s));
    m.src.negated = true;
    return *this;
  }
  M& dst(std::string_view s) {
    m.dst = AddressMatch::of(aset(s));
    return *this;
  }
  M& src_symbol(std::string name, bool negated = false) {
    m.src = AddressMatch{AddressSet{}, {std::move(name)}, negated};
    return *this;
  }
  M& dst_symbol(std::string name, bool negated = false) {
    m.dst = AddressMatch{AddressSet{}, {std::move(name)}, negated};
    return *this;
  }
  M& service(std::string_view s) {
    m.services = ServiceSet::of(svc(s));
    return *this;
  }
  M& service(ServiceMatch s) {
    m.services = ServiceSet::of(std::move(s));
    return *this;
  }
  M& in(std::vector<std::string> names, bool negated = false) {
    m.in_interface = InterfaceMatch{std::move(names), negated};
    return *this;
  }
  M& out(std::vector<std::string> names, bool negated = false) {
    m.out_interface = InterfaceMatch{std::move(names), negated};
    return *this;
  }
  M& attribute(std::string name, std::vector<std::string> values, bool negated = false) {
    m.attributes.push_back(AttributeMatch{std::move(name), std::move(values), negated});
    return *this;
  }
  M& unknown(ConditionId c) {
    m.unknowns.push_back(c);
    return *this;
  }
  M& states(uint8_t s) {
    m.states = s;
    return *this;
  }
  M& family(Family f) {
    m.family = f;
    return *this;
  }
  operator Match() const { return m; }  // NOLINT(google-explicit-constructor)
};

inline Rule rule(std::string name, Action action, Match match = {}, int64_t priority = 0) {
  Rule r;
  r.name = std::move(name);
  r.action = action;
  r.match = std::move(match);
  r.priority = priority;
  return r;
}

inline Rule jump(std::string name, uint32_t target, Match match = {}, Action a = Action::Jump) {
  Rule r = rule(std::move(name), a, std::move(match));
  r.target_chain = target;
  return r;
}

inline RuleSet rule_set(std::string name, Combining c, Action default_action, std::vector<Rule> rules) {
  RuleSet rs;
  rs.name = std::move(name);
  rs.combining = c;
  rs.default_action = default_action;
  rs.chains.push_back(Chain{rs.name, std::move(rules), {}});
  return rs;
}

inline FilterId add_filter(Policy& p, std::string name, RuleSetId in, RuleSetId out, bool stateless = false,
                           FilterScope scope = FilterScope::Host) {
  PacketFilter f;
  f.name = std::move(name);
  f.kind = "firewall";
  f.inbound = in;
  f.outbound = out;
  f.stateless = stateless;
  f.scope = scope;
  return p.add(std::move(f));
}

inline Listener listener(uint8_t protocol, uint16_t lo, uint16_t hi, Bind bind = {},
                         std::string process = {}) {
  Listener l;
  l.protocol = protocol;
  l.ports = PortSet::range(lo, hi);
  l.bind = bind;
  l.process = std::move(process);
  return l;
}

inline Bind bind_any() {
  return Bind{};
}
inline Bind bind_v4() {
  return Bind{Bind::Kind::AnyV4, {}};
}
inline Bind bind_v6() {
  return Bind{Bind::Kind::AnyV6, {}};
}
inline Bind bind_at(std::string_view a) {
  return Bind{Bind::Kind::Address, addr(a)};
}

inline Interface iface(std::string name, std::vector<std::string_view> addresses) {
  Interface i;
  i.name = std::move(name);
  i.kind = "ethernet";
  for (auto a : addresses) {
    Address ad = addr(a);
    i.addresses.push_back(InterfaceAddress{ad, ad.family == Family::V4 ? 24u : 64u});
  }
  return i;
}

inline Layer layer(std::vector<FilterId> members) {
  return Layer{std::move(members), {}};
}

inline Packet tcp(std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport) {
  Packet p;
  p.src = addr(src);
  p.dst = addr(dst);
  p.family = p.src.family;
  p.protocol = proto::kTcp;
  p.src_port = sport;
  p.dst_port = dport;
  return p;
}

inline Packet udp(std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport) {
  Packet p = tcp(src, sport, dst, dport);
  p.protocol = proto::kUdp;
  return p;
}

inline Packet icmp(std::string_view src, std::string_view dst, uint8_t type, uint8_t code = 0) {
  Packet p;
  p.src = addr(src);
  p.dst = addr(dst);
  p.family = p.src.family;
  p.protocol = p.family == Family::V4 ? proto::kIcmp : proto::kIcmpV6;
  p.icmp_type = type;
  p.icmp_code = code;
  return p;
}

inline Packet raw(uint8_t protocol, std::string_view src, std::string_view dst) {
  Packet p;
  p.src = addr(src);
  p.dst = addr(dst);
  p.family = p.src.family;
  p.protocol = protocol;
  return p;
}

// The path of packets arriving from the network at `dest`.
inline NetworkPath from_network(HostId dest) {
  NetworkPath path;
  path.hops.push_back(PathHop{dest, Direction::Inbound});
  path.destination = dest;
  return path;
}

inline NetworkPath host_to_host(HostId src, HostId dest) {
  NetworkPath path;
  path.hops.push_back(PathHop{src, Direction::Outbound});
  path.hops.push_back(PathHop{dest, Direction::Inbound});
  path.destination = dest;
  path.local = src == dest;
  return path;
}

// The outcome of a path evaluation that must not need an unknown atom.
inline PathOutcome outcome_of(const std::variant<PathOutcome, AtomNeeded>& v) {
  if (const auto* n = std::get_if<AtomNeeded>(&v)) {
    ADD_FAILURE() << "unexpected unknown atom " << n->key;
    return PathOutcome{};
  }
  return std::get<PathOutcome>(v);
}

}  // namespace rampart::core::testing
