#include "random_policy.h"

#include <fmt/format.h>

namespace rampart::testing {

using namespace rampart::core;

namespace {
AddressSet parse(const std::string& s) { return *AddressSet::parse(s, false).set; }
}  // namespace

AddressSet RandomPolicy::address_set() {
  switch (pick(0, 9)) {
    case 0: return AddressSet::any();
    case 1: return AddressSet::any_v4();
    case 2: return AddressSet::any_v6();
    case 3:
    case 4: {
      int len = pick(24, 32);
      uint32_t base = 0x0a000000u | uint32_t(pick(0, 255));
      return parse(fmt::format("{}.{}.{}.{}/{}", base >> 24, (base >> 16) & 255, (base >> 8) & 255, base & 255, len));
    }
    case 5: {
      int a = pick(0, 255), b = pick(0, 255);
      if (a > b) std::swap(a, b);
      return parse(fmt::format("10.0.0.{}-10.0.0.{}", a, b));
    }
    case 6: {
      int len = pick(120, 128);
      return parse(fmt::format("2001:db8::{:x}/{}", pick(0, 255), len));
    }
    case 7: {
      int a = pick(0, 255), b = pick(0, 255);
      if (a > b) std::swap(a, b);
      return parse(fmt::format("2001:db8::{:x}-2001:db8::{:x}", a, b));
    }
    case 8: return parse("10.0.0.10").unite(parse("2001:db8::10"));
    default: return parse(fmt::format("10.0.{}.0/24", pick(0, 1)));
  }
}

ServiceSet RandomPolicy::service_set(bool for_question) {
  auto one = [&]() -> ServiceMatch {
    static const uint16_t kPorts[] = {22, 53, 80, 443, 8080};
    switch (pick(0, for_question ? 8 : 10)) {
      case 0:
      case 1:
      case 2: {
        uint16_t p = kPorts[pick(0, 4)];
        return ServiceMatch::tcp(p, p);
      }
      case 3: {
        uint16_t p = kPorts[pick(0, 4)];
        return ServiceMatch::udp(p, p);
      }
      case 4: {
        ServiceMatch m = ServiceMatch::protocol(proto::kIcmp);
        m.icmp_types = ByteSet::single(chance(0.7) ? 8 : uint8_t(pick(0, 16)));
        return m;
      }
      case 5: {
        ServiceMatch m = ServiceMatch::protocol(proto::kIcmpV6);
        m.icmp_types = ByteSet::single(chance(0.7) ? 128 : 129);
        return m;
      }
      case 6: return ServiceMatch::protocol(proto::kEsp);
      case 7: {
        int a = pick(0, 100), b = pick(0, 100);
        if (a > b) std::swap(a, b);
        return ServiceMatch::tcp(uint16_t(a), uint16_t(b));
      }
      case 8: {
        uint16_t p = kPorts[pick(0, 4)];
        ServiceMatch m = ServiceMatch::tcp(p, p);
        m.protocols.add(proto::kUdp);
        return m;
      }
      case 9: {
        // A source-port condition, as replies and stateless rules have.
        ServiceMatch m = ServiceMatch::protocol(chance(0.5) ? proto::kTcp : proto::kUdp);
        m.src_ports = chance(0.5) ? PortSet::range(1024, 65535) : PortSet::range(uint16_t(pick(0, 100)), 2000);
        return m;
      }
      default: return ServiceMatch::any();
    }
  };
  ServiceSet s;
  int n = for_question ? 1 : pick(1, 2);
  for (int i = 0; i < n; ++i) {
    ServiceMatch m = one();
    if (m.dst_ports.empty()) m.dst_ports = PortSet::all();
    s.clauses.push_back(m);
  }
  return s;
}

int RandomPolicy::rule_count() {
  double r = std::uniform_real_distribution<double>(0, 1)(rng_);
  int cap = options_.max_rules;
  if (r < 0.7) return pick(1, std::min(cap, 10));
  if (r < 0.95) return pick(1, std::min(cap, 50));
  return pick(1, cap);
}

Rule RandomPolicy::rule(Combining c, int chains, int chain_index, Policy& policy) {
  Rule r;
  switch (c) {
    case Combining::AllowUnion: r.action = Action::Allow; break;
    case Combining::BlockOverridesAllow: {
      int a = pick(0, 9);
      r.action = a < 5 ? Action::Allow : (a < 9 ? Action::Deny : Action::Bypass);
      break;
    }
    case Combining::PriorityDenyWins:
      r.action = chance(0.5) ? Action::Allow : Action::Deny;
      r.priority = pick(0, 5);
      break;
    case Combining::FirstMatch: {
      int a = pick(0, 19);
      r.action = a < 9 ? Action::Allow : (a < 16 ? Action::Deny : Action::Continue);
      if (chains > 1 && a >= 16) {
        if (chain_index + 1 < chains && chance(0.6)) {
          r.action = chance(0.7) ? Action::Jump : Action::Goto;
          r.target_chain = uint32_t(pick(chain_index + 1, chains - 1));
        } else if (chain_index > 0) {
          r.action = Action::Return;
        }
      }
      break;
    }
  }
  Match& m = r.match;
  if (chance(0.6)) m.src = AddressMatch::of(address_set());
  if (chance(0.3)) m.dst = AddressMatch::of(address_set());
  if (chance(0.1)) m.src.negated = true;
  if (chance(0.7)) m.services = service_set(false);
  if (chance(0.1)) m.states = chance(0.5) ? conn_state_bit(ConnState::New) : conn_state_bit(ConnState::Established);
  if (options_.interfaces && chance(0.08)) {
    static const char* kNames[] = {"eth0", "eth1", "eth+", "lo"};
    (chance(0.5) ? m.in_interface : m.out_interface).names.push_back(kNames[pick(0, 3)]);
  }
  if (options_.unknowns && chance(0.08)) {
    std::string name = fmt::format("u{}", pick(1, 3));
    m.unknowns.push_back(policy.condition_named(name, "random unknown", {}));
  }
  if (options_.unknowns && chance(0.04)) m.src.symbols.push_back(chance(0.5) ? "LocalSubnet" : "Unbound");
  if (chance(0.05)) m.family = chance(0.5) ? Family::V4 : Family::V6;
  return r;
}

RuleSet RandomPolicy::rule_set(Policy& policy, const std::string& name) {
  RuleSet rs;
  rs.name = name;
  int kind = pick(0, 3);
  rs.combining = Combining(kind);
  rs.default_action = rs.combining == Combining::AllowUnion ? Action::Deny : (chance(0.5) ? Action::Allow : Action::Deny);
  int chains = rs.combining == Combining::FirstMatch && options_.chains && chance(0.3) ? pick(2, 3) : 1;
  int total = rule_count();
  for (int ci = 0; ci < chains; ++ci) {
    Chain ch;
    ch.name = fmt::format("{}-c{}", name, ci);
    int n = ci == 0 ? total : std::max(1, total / 4);
    for (int i = 0; i < n; ++i) ch.rules.push_back(rule(rs.combining, chains, ci, policy));
    rs.chains.push_back(std::move(ch));
  }
  return rs;
}

Policy RandomPolicy::policy() {
  Policy p;
  Host h;
  h.name = "web1";
  Interface eth0{"eth0", "ethernet", {{*Address::parse("10.0.0.10"), 24}, {*Address::parse("2001:db8::10"), 64}}, {}};
  h.interfaces.push_back(eth0);
  if (chance(0.5)) h.interfaces.push_back(Interface{"eth1", "ethernet", {{*Address::parse("10.0.1.20"), 24}}, {}});
  if (chance(0.3)) h.loose_addresses.push_back({*Address::parse("10.0.0.99"), 32});
  if (chance(0.5)) h.bindings["LocalSubnet"] = *AddressSet::parse("10.0.0.0/26").set;
  auto listen = [&](uint8_t proto, uint16_t port, Bind bind) {
    Listener l;
    l.protocol = proto;
    l.ports = PortSet::single(port);
    l.bind = bind;
    l.process = fmt::format("p{}", port);
    h.listeners.push_back(l);
  };
  listen(proto::kTcp, 22, Bind{});
  if (chance(0.8)) listen(proto::kTcp, 80, Bind{Bind::Kind::AnyV4, {}});
  if (chance(0.8)) listen(proto::kTcp, 8080, Bind{Bind::Kind::Address, *Address::parse("127.0.0.1")});
  if (chance(0.8)) listen(proto::kUdp, 53, Bind{Bind::Kind::AnyV6, {}});
  if (chance(0.5)) listen(proto::kTcp, 443, Bind{Bind::Kind::Address, *Address::parse("10.0.0.10")});
  if (chance(0.3)) listen(proto::kTcp, 443, Bind{});

  int layers = pick(1, options_.max_layers);
  for (int li = 0; li < layers; ++li) {
    Layer layer;
    int members = chance(0.25) ? 2 : 1;
    for (int mi = 0; mi < members; ++mi) {
      PacketFilter f;
      f.name = fmt::format("f{}-{}", li, mi);
      f.stateless = chance(0.3);
      f.scope = chance(0.5) ? FilterScope::Host : FilterScope::Network;
      RuleSetId in = p.add(rule_set(p, f.name + "-in"));
      f.inbound = in;
      f.outbound = chance(0.5) ? in : p.add(rule_set(p, f.name + "-out"));
      layer.members.push_back(p.add(std::move(f)));
    }
    h.inbound.push_back(layer);
  }
  if (chance(0.3)) {
    PacketFilter f;
    f.name = "egress";
    f.stateless = chance(0.5);
    f.inbound = p.add(rule_set(p, "egress-in"));
    f.outbound = p.add(rule_set(p, "egress-out"));
    h.outbound.push_back(Layer{{p.add(std::move(f))}, {}});
  }
  p.add(std::move(h));
  return p;
}

Question RandomPolicy::question(const Policy& policy) {
  Question q;
  NetworkQuestion n;
  n.claim = NetworkClaim(pick(0, 4));
  n.destination.kind = Destination::Kind::Host;
  n.destination.host = HostId(0);
  if (chance(0.1) && n.claim != NetworkClaim::OnlyReach) {
    n.source.kind = Endpoint::Kind::Host;
    n.source.host = HostId(0);
    n.source.addresses = policy.host(HostId(0)).addresses();
  } else {
    n.source.addresses = address_set();
  }
  if (chance(0.1)) n.source.client_ports = PortSet::range(uint16_t(pick(0, 60)), 2000);
  n.services = service_set(true);
  q.is_query = n.claim == NetworkClaim::QueryReach;
  q.text = fmt::format("random {}", int(n.claim));
  q.body = n;
  return q;
}

}  // namespace rampart::testing
