#include "rampart/core/regions.h"

#include "rampart/core/dac.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

namespace rampart::core {
namespace {

template <typename T>
void add_cuts(std::set<T>& cuts, const IntervalSet<T>& s) {
  for (const auto& r : s.intervals()) {
    cuts.insert(r.lo);
    cuts.insert(r.hi);
    if (r.lo > 0) cuts.insert(T(r.lo - 1));
    if (r.hi < std::numeric_limits<T>::max()) cuts.insert(T(r.hi + 1));
  }
}

struct Cuts {
  std::set<uint32_t> v4{0, 0xffffffffu};
  std::set<u128> v6{0, ~u128(0)};
  std::set<uint8_t> protocols{0, 255};
  std::set<uint16_t> ports{0, 65535};
  std::set<uint8_t> icmp{0, 255};

  void address(const AddressSet& a) {
    add_cuts(v4, a.v4());
    add_cuts(v6, a.v6());
  }
  void service(const ServiceMatch& m) {
    add_cuts(protocols, m.protocols);
    add_cuts(ports, m.src_ports);
    add_cuts(ports, m.dst_ports);
    add_cuts(icmp, m.icmp_types);
    add_cuts(icmp, m.icmp_codes);
  }
  void match(const Match& m, const Host* host) {
    address(m.src.set);
    address(m.dst.set);
    if (host) {
      for (const auto* am : {&m.src, &m.dst}) {
        for (const auto& s : am->symbols) {
          auto it = host->bindings.find(s);
          if (it != host->bindings.end()) address(it->second);
        }
      }
      for (const auto& pm : m.port_symbols) {
        for (const auto& s : pm.symbols) {
          auto it = host->port_bindings.find(s);
          if (it != host->port_bindings.end()) add_cuts(ports, it->second);
        }
      }
    }
    for (const auto& c : m.services.clauses) service(c);
  }
};

template <typename T>
std::vector<T> within(const std::set<T>& cuts, const IntervalSet<T>& bound) {
  std::set<T> pts = cuts;
  add_cuts(pts, bound);
  std::vector<T> out;
  for (T v : pts) {
    if (bound.contains(v)) out.push_back(v);
  }
  return out;
}

void collect_rule_set(Cuts& cuts, const Policy& policy, RuleSetId id, const Host* host) {
  if (!id.valid()) return;
  for (const auto& chain : policy.rule_set(id).chains) {
    for (const auto& r : chain.rules) cuts.match(r.match, host);
  }
}

}  // namespace

size_t Representatives::product_size() const {
  // Only packets the enumeration evaluates: same-family address pairs, and
  // per protocol only the fields that protocol carries.
  auto count = [](const std::vector<Address>& v, Family f) {
    return size_t(std::count_if(v.begin(), v.end(), [&](const Address& a) { return a.family == f; }));
  };
  size_t pairs = count(sources, Family::V4) * count(destinations, Family::V4) +
                 count(sources, Family::V6) * count(destinations, Family::V6);
  size_t per_pair = 0;
  for (uint8_t p : protocols) {
    if (has_ports(p)) {
      per_pair += src_ports.size() * dst_ports.size();
    } else if (has_icmp(p)) {
      per_pair += icmp_types.size() * icmp_codes.size();
    } else {
      per_pair += 1;
    }
  }
  if (per_pair != 0 && pairs > std::numeric_limits<size_t>::max() / per_pair) return std::numeric_limits<size_t>::max();
  return pairs * per_pair;
}

Representatives representatives(const Policy& policy, const NetworkPath& path,
                                const AddressSet& sources, const AddressSet& destinations,
                                const ServiceSet& services, const PortSet& client_ports) {
  Cuts cuts;
  for (const auto& hop : path.hops) {
    const Host& host = policy.host(hop.host);
    for (const auto* layers : {&host.inbound, &host.outbound}) {
      for (const auto& layer : *layers) {
        for (const auto& fid : layer.members) {
          const PacketFilter& f = policy.filter(fid);
          collect_rule_set(cuts, policy, f.inbound, &host);
          collect_rule_set(cuts, policy, f.outbound, &host);
        }
      }
    }
    for (const auto& [name, set] : host.bindings) cuts.address(set);
    for (const auto& [name, set] : host.port_bindings) add_cuts(cuts.ports, set);
    cuts.address(host.addresses());
    for (const auto& l : host.listeners) {
      add_cuts(cuts.ports, l.ports);
      cuts.protocols.insert(l.protocol);
      if (l.bind.kind == Bind::Kind::Address) cuts.address(AddressSet::of(l.bind.address));
    }
  }
  cuts.address(AddressSet::loopback());
  // Protocol classes the evaluator tells apart whether or not a rule names
  // them: a protocol with ports needs a listener, ICMP meets type and code
  // sets; and an echo request (ICMP 8, ICMPv6 128) has a reply to pass.
  for (unsigned p = 0; p <= 255; ++p) {
    if (has_ports(uint8_t(p)) || has_icmp(uint8_t(p))) add_cuts(cuts.protocols, ByteSet::single(uint8_t(p)));
  }
  add_cuts(cuts.icmp, ByteSet::single(8));
  add_cuts(cuts.icmp, ByteSet::single(128));
  for (const auto& c : services.clauses) cuts.service(c);
  add_cuts(cuts.ports, client_ports);

  Representatives r;
  auto addresses = [](const Cuts& c, const AddressSet& bound) {
    std::vector<Address> out;
    for (uint32_t v : within(c.v4, bound.v4())) out.push_back(Address::v4(v));
    for (u128 v : within(c.v6, bound.v6())) out.push_back(Address::v6(v));
    return out;
  };
  r.sources = addresses(cuts, sources);
  r.destinations = addresses(cuts, destinations);
  ByteSet protocols, icmp_types, icmp_codes;
  PortSet dst_ports;
  for (const auto& c : services.clauses) {
    protocols = protocols.unite(c.protocols);
    dst_ports = dst_ports.unite(c.dst_ports);
    icmp_types = icmp_types.unite(c.icmp_types);
    icmp_codes = icmp_codes.unite(c.icmp_codes);
  }
  r.protocols = within(cuts.protocols, protocols);
  r.src_ports = within(cuts.ports, client_ports);
  r.dst_ports = within(cuts.ports, dst_ports);
  r.icmp_types = within(cuts.icmp, icmp_types);
  r.icmp_codes = within(cuts.icmp, icmp_codes);
  return r;
}

std::vector<ListenerId> listeners_that_can(const Policy& policy, HostId host, Operation op, const std::string& path) {
  std::vector<ListenerId> out;
  FileTree tree(policy, host);
  const Host& h = policy.host(host);
  for (uint32_t i = 0; i < h.listeners.size(); ++i) {
    const Listener& l = h.listeners[i];
    if (!l.service.valid()) continue;
    Credentials who = credentials_of(policy, policy.service(l.service));
    bool all = true;
    std::vector<std::string> paths = tree.expand(path);
    for (const auto& p : paths) all &= decide_access(tree, who, op, p).granted;
    if (all && !paths.empty()) out.push_back(ListenerId(i));
  }
  return out;
}

QuestionSpace question_space(const Policy& policy, const NetworkQuestion& q, bool all_sources) {
  QuestionSpace s;
  s.path = path_for(policy, q.source, q.destination);
  if (q.that_can_operation && q.destination.kind == Destination::Kind::Host) {
    s.path.required_listeners = listeners_that_can(policy, q.destination.host, *q.that_can_operation, q.that_can_path);
  }
  s.services = q.services;
  s.client_ports = q.source.client_ports;
  if (q.destination.kind == Destination::Kind::Host) {
    const Host& dest = policy.host(q.destination.host);
    s.destinations = dest.addresses();
    if (s.path.local) s.destinations = s.destinations.unite(AddressSet::loopback());
  } else {
    s.destinations = q.destination.addresses;
  }
  if (q.source.kind == Endpoint::Kind::Host && !all_sources) {
    s.sources = policy.host(q.source.host).addresses();
    if (s.path.local) s.sources = s.sources.unite(AddressSet::loopback());
  } else {
    s.sources = all_sources ? AddressSet::any() : q.source.addresses;
    if (all_sources) {
      // `only` compares against every source: other hosts and the network.
      auto required = s.path.required_listeners;
      s.path = path_for(policy, Endpoint{}, q.destination);
      s.path.required_listeners = required;
    }
    if (q.destination.kind == Destination::Kind::Host) {
      // A host drops packets from the network that claim one of its own or a
      // loopback address as their source (Linux: martian source).
      s.sources = s.sources.subtract(policy.host(q.destination.host).addresses())
                      .subtract(AddressSet::loopback())
                      .subtract(martian_sources());
    }
  }
  return s;
}

namespace {

struct PacketVerdicts {
  std::optional<Packet> must_admitted;     // admitted under every valuation
  std::optional<Evaluation> may_admitted;  // admitted under some valuation
  std::optional<Evaluation> may_denied;    // denied under some valuation
  std::optional<Packet> must_denied;       // denied under every valuation
  std::optional<Evaluation> denied_example;
};

template <typename F>
bool for_each_packet(const Representatives& r, F&& f) {
  for (const auto& src : r.sources) {
    for (const auto& dst : r.destinations) {
      if (src.family != dst.family) continue;
      for (uint8_t proto : r.protocols) {
        Packet p;
        p.family = src.family;
        p.src = src;
        p.dst = dst;
        p.protocol = proto;
        if (has_ports(proto)) {
          for (uint16_t sp : r.src_ports) {
            for (uint16_t dp : r.dst_ports) {
              p.src_port = sp;
              p.dst_port = dp;
              if (!f(p)) return false;
            }
          }
        } else if (has_icmp(proto)) {
          if ((proto == proto::kIcmp) != (src.family == Family::V4)) continue;
          for (uint8_t t : r.icmp_types) {
            for (uint8_t c : r.icmp_codes) {
              p.icmp_type = t;
              p.icmp_code = c;
              if (!f(p)) return false;
            }
          }
        } else {
          if (!f(p)) return false;
        }
      }
    }
  }
  return true;
}

std::string assumptions_text(const Valuation& v) {
  std::string out;
  for (const auto& [k, b] : v.values) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} = {}", k, b ? "true" : "false");
  }
  return out;
}

}  // namespace

std::optional<Result> answer_by_enumeration(const Policy& policy, const Question& question,
                                            size_t max_packets) {
  const auto* q = std::get_if<NetworkQuestion>(&question.body);
  if (!q) return std::nullopt;
  if (q->claim == NetworkClaim::OnlyReach || q->claim == NetworkClaim::QueryReach) return std::nullopt;
  QuestionSpace space = question_space(policy, *q, false);
  Representatives reps = representatives(policy, space.path, space.sources, space.destinations,
                                         space.services, space.client_ports);
  if (reps.product_size() > max_packets) return std::nullopt;

  Result result;
  result.text = question.text;
  result.kind = question.kind_name();
  result.is_query = question.is_query;
  result.origin = question.origin;

  std::optional<Evaluation> must_yes, may_yes, may_no, must_no;
  std::set<std::string> unknowns;
  bool any_packet = false;
  for_each_packet(reps, [&](const Packet& p) {
    if (!space.services.matches(p.protocol, p.src_port, p.dst_port, p.icmp_type, p.icmp_code)) return true;
    any_packet = true;
    auto evals = evaluate_all(policy, space.path, p);
    bool all_yes = true, all_no = true;
    const Evaluation* yes = nullptr;
    const Evaluation* no = nullptr;
    for (const auto& e : evals) {
      for (const auto& [k, v] : e.valuation.values) unknowns.insert(k);
      if (e.outcome.admitted) {
        all_no = false;
        if (!yes) yes = &e;
      } else {
        all_yes = false;
        if (!no) no = &e;
      }
    }
    if (all_yes && !must_yes) must_yes = *yes;
    if (yes && !may_yes) may_yes = *yes;
    if (no && !may_no) may_no = *no;
    if (all_no && !must_no) must_no = *no;
    return true;
  });

  auto witness = [&](const Evaluation& e) { return describe(policy, e.outcome, e.valuation); };
  auto set_witness = [&](const Evaluation& e) {
    result.network = witness(e);
    result.network->client_ports = space.client_ports;
  };
  if (!any_packet) {
    // Vacuous truth: nothing is admitted, and every one of no packets is.
    result.verdict = q->claim == NetworkClaim::Reach ? Verdict::Violated : Verdict::Holds;
    result.reason = "the question ranges over no packet (no source or destination address of one family)";
    return result;
  }
  switch (q->claim) {
    case NetworkClaim::Reach:
      if (must_yes) {
        result.verdict = Verdict::Holds;
        result.reason = "this packet is admitted";
        set_witness(*must_yes);
      } else if (!may_yes) {
        result.verdict = Verdict::Violated;
        result.reason = "no packet of the question is admitted; this one shows where it stops";
        set_witness(*may_no);
      } else {
        result.verdict = Verdict::Unknown;
        result.reason = fmt::format("admitted only if unknown conditions hold ({})",
                                    assumptions_text(may_yes->valuation));
        set_witness(*may_yes);
      }
      break;
    case NetworkClaim::NotReach:
      if (!may_yes) {
        result.verdict = Verdict::Holds;
        result.reason = "no packet of the question is admitted (every region evaluated)";
      } else if (must_yes) {
        result.verdict = Verdict::Violated;
        result.reason = "this packet is admitted";
        set_witness(*must_yes);
      } else {
        result.verdict = Verdict::Unknown;
        result.reason = fmt::format("admitted if unknown conditions hold ({})",
                                    assumptions_text(may_yes->valuation));
        set_witness(*may_yes);
      }
      break;
    case NetworkClaim::AllReach:
      if (!may_no) {
        result.verdict = Verdict::Holds;
        result.reason = "every packet of the question is admitted (every region evaluated)";
      } else if (must_no) {
        result.verdict = Verdict::Violated;
        result.reason = "this packet is not admitted";
        set_witness(*must_no);
      } else {
        result.verdict = Verdict::Unknown;
        result.reason = fmt::format("denied if unknown conditions hold ({})",
                                    assumptions_text(may_no->valuation));
        set_witness(*may_no);
      }
      break;
    default:
      return std::nullopt;
  }
  if (result.verdict == Verdict::Unknown) result.unknowns.assign(unknowns.begin(), unknowns.end());
  return result;
}

}  // namespace rampart::core
