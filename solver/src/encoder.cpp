#include "encoder.h"

#include <fmt/format.h>

#include "rampart/core/atoms.h"

namespace rampart::solver {

using core::u128;

PacketTerms PacketTerms::fresh(z3::context& ctx, const std::string& prefix) {
  return PacketTerms{
      ctx.bool_const((prefix + ".v6").c_str()),      ctx.bv_const((prefix + ".src").c_str(), 128),
      ctx.bv_const((prefix + ".dst").c_str(), 128),  ctx.bv_const((prefix + ".proto").c_str(), 8),
      ctx.bv_const((prefix + ".sport").c_str(), 16), ctx.bv_const((prefix + ".dport").c_str(), 16),
      ctx.bv_const((prefix + ".itype").c_str(), 8),  ctx.bv_const((prefix + ".icode").c_str(), 8)};
}

// How one rule set sees the packet: which packet (forward or reply), in
// which state, on which host, and which interface field is known.
struct Encoder::View {
  PacketTerms p;
  core::ConnState state;
  core::HostId host;
  bool local;
  bool incoming;  // in_interface known (= owner of p.dst); else out_interface (= owner of p.src)
  std::string occurrence;
  const FieldBounds* bounds;
  const core::Host* listener_host;  // the destination, when attributes come from its listener
  const PacketTerms* forward;       // the forward packet (selects the listener)
};

Encoder::Encoder(z3::context& ctx, const core::Policy& policy, Statistics& stats)
    : ctx_(ctx), policy_(policy), stats_(stats) {}

z3::expr Encoder::addr_val(u128 v) {
  std::string digits = core::u128_to_string(v);
  return ctx_.bv_val(digits.c_str(), 128);
}

z3::expr Encoder::atom(const std::string& key) {
  auto it = atoms_.find(key);
  if (it != atoms_.end()) return it->second;
  z3::expr a = ctx_.bool_const(key.c_str());
  atoms_.emplace(key, a);
  return a;
}

z3::expr Encoder::has_ports(const z3::expr& proto) {
  return proto == value_of(core::proto::kTcp, 8) || proto == value_of(core::proto::kUdp, 8) ||
         proto == value_of(core::proto::kSctp, 8) || proto == value_of(core::proto::kDccp, 8) ||
         proto == value_of(core::proto::kUdpLite, 8);
}

z3::expr Encoder::has_icmp(const z3::expr& proto) {
  return proto == value_of(core::proto::kIcmp, 8) || proto == value_of(core::proto::kIcmpV6, 8);
}

z3::expr Encoder::well_formed(const PacketTerms& p) {
  z3::expr v4_src = z3::lshr(p.src, 32) == addr_val(0);
  z3::expr v4_dst = z3::lshr(p.dst, 32) == addr_val(0);
  z3::expr family = z3::implies(!p.v6, v4_src && v4_dst);
  z3::expr ports = z3::implies(!has_ports(p.proto), p.sport == value_of(0, 16) && p.dport == value_of(0, 16));
  z3::expr icmp = z3::implies(!has_icmp(p.proto), p.itype == value_of(0, 8) && p.icode == value_of(0, 8));
  z3::expr icmp_family = z3::implies(p.proto == value_of(core::proto::kIcmp, 8), !p.v6) &&
                         z3::implies(p.proto == value_of(core::proto::kIcmpV6, 8), p.v6);
  return family && ports && icmp && icmp_family;
}

namespace {

// log2 of the block size when [lo, hi] is one aligned CIDR block.
std::optional<unsigned> aligned_block(u128 lo, u128 hi) {
  u128 size_minus_one = hi - lo;
  if ((size_minus_one & (size_minus_one + 1)) != 0) return std::nullopt;  // size not a power of two
  if (size_minus_one == ~u128(0)) return 128u;
  if ((lo & size_minus_one) != 0) return std::nullopt;
  unsigned k = 0;
  while (k < 128 && ((size_minus_one >> k) & 1)) ++k;
  return k;
}

}  // namespace

z3::expr Encoder::in_addresses(const z3::expr& addr, const z3::expr& v6, const core::AddressSet& set) {
  auto ranges = [&](const auto& intervals, unsigned width) {
    z3::expr_vector terms(ctx_);
    for (const auto& iv : intervals) {
      u128 lo = iv.lo, hi = iv.hi;
      auto k = aligned_block(lo, hi);
      if (k && *k >= width) {
        terms.push_back(ctx_.bool_val(true));
      } else if (k && *k == 0) {
        terms.push_back(addr == addr_val(lo));
      } else if (k) {
        terms.push_back(addr.extract(127, *k) ==
                        ctx_.bv_val(core::u128_to_string(lo >> *k).c_str(), 128 - *k));
      } else {
        terms.push_back(z3::uge(addr, addr_val(lo)) && z3::ule(addr, addr_val(hi)));
      }
    }
    return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
  };
  z3::expr v4 = set.v4().is_all() ? ctx_.bool_val(true) : ranges(set.v4().intervals(), 32);
  z3::expr six = set.v6().is_all() ? ctx_.bool_val(true) : ranges(set.v6().intervals(), 128);
  return (!v6 && v4) || (v6 && six);
}

z3::expr Encoder::in_ports(const z3::expr& port, const core::PortSet& set) {
  if (set.is_all()) return ctx_.bool_val(true);
  z3::expr_vector terms(ctx_);
  for (const auto& iv : set.intervals()) {
    if (iv.lo == iv.hi) {
      terms.push_back(port == value_of(iv.lo, 16));
    } else {
      terms.push_back(z3::uge(port, value_of(iv.lo, 16)) && z3::ule(port, value_of(iv.hi, 16)));
    }
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

z3::expr Encoder::in_bytes(const z3::expr& byte, const core::ByteSet& set) {
  if (set.is_all()) return ctx_.bool_val(true);
  z3::expr_vector terms(ctx_);
  for (const auto& iv : set.intervals()) {
    if (iv.lo == iv.hi) {
      terms.push_back(byte == value_of(iv.lo, 8));
    } else {
      terms.push_back(z3::uge(byte, value_of(iv.lo, 8)) && z3::ule(byte, value_of(iv.hi, 8)));
    }
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

z3::expr Encoder::in_services(const PacketTerms& p, const core::ServiceSet& set) {
  z3::expr_vector clauses(ctx_);
  for (const auto& c : set.clauses) {
    z3::expr e = in_bytes(p.proto, c.protocols);
    if (!c.src_ports.is_all() || !c.dst_ports.is_all()) {
      e = e &&
          z3::implies(has_ports(p.proto), in_ports(p.sport, c.src_ports) && in_ports(p.dport, c.dst_ports));
    }
    if (!c.icmp_types.is_all() || !c.icmp_codes.is_all()) {
      e = e &&
          z3::implies(has_icmp(p.proto), in_bytes(p.itype, c.icmp_types) && in_bytes(p.icode, c.icmp_codes));
    }
    clauses.push_back(e);
  }
  return clauses.empty() ? ctx_.bool_val(false) : z3::mk_or(clauses);
}

z3::expr Encoder::in_space(const PacketTerms& p, const core::QuestionSpace& space) {
  return well_formed(p) && in_addresses(p.src, p.v6, space.sources) &&
         in_addresses(p.dst, p.v6, space.destinations) && in_services(p, space.services) &&
         z3::implies(has_ports(p.proto), in_ports(p.sport, space.client_ports));
}

z3::expr Encoder::address_match(const core::AddressMatch& m, const z3::expr& addr, const View& v,
                                const char* field) {
  z3::expr in = in_addresses(addr, v.p.v6, m.set);
  const core::Host* host = v.host.valid() ? &policy_.host(v.host) : nullptr;
  for (const auto& s : m.symbols) {
    auto it = host ? host->bindings.find(s) : decltype(host->bindings.end()){};
    if (host && it != host->bindings.end()) {
      in = in || in_addresses(addr, v.p.v6, it->second);
    } else {
      in = in || atom(core::symbol_atom(v.occurrence, host ? host->name : "", s, field));
    }
  }
  return m.negated ? !in : in;
}

z3::expr Encoder::port_symbol_match(const core::PortSymbolMatch& m, const View& v) {
  const core::Host* host = v.host.valid() ? &policy_.host(v.host) : nullptr;
  const z3::expr& port = m.source ? v.p.sport : v.p.dport;
  z3::expr in = ctx_.bool_val(false);
  for (const auto& s : m.symbols) {
    auto it = host ? host->port_bindings.find(s) : decltype(host->port_bindings.end()){};
    if (host && it != host->port_bindings.end()) {
      in = in || in_ports(port, it->second);
    } else {
      in = in ||
           atom(core::symbol_atom(v.occurrence, host ? host->name : "", s, m.source ? "sport" : "dport"));
    }
  }
  return has_ports(v.p.proto) && in;
}

z3::expr Encoder::interface_match(const core::InterfaceMatch& m, const View& v, bool incoming) {
  if (m.is_any()) return ctx_.bool_val(true);
  const core::Host* host = v.host.valid() ? &policy_.host(v.host) : nullptr;
  std::string host_name = host ? host->name : "";
  const char* which = incoming ? "in" : "out";
  z3::expr unknown = atom(core::interface_atom(v.occurrence, host_name, which, m));
  if (incoming != v.incoming || !host) return unknown;
  auto decides = [&](const std::string& name) { return ctx_.bool_val(m.matches_name(name) != m.negated); };
  if (v.local) return decides("lo");
  const z3::expr& addr = incoming ? v.p.dst : v.p.src;
  z3::expr loopback = in_addresses(addr, v.p.v6, core::AddressSet::loopback());
  z3::expr_vector owned(ctx_);
  z3::expr result = loopback && decides("lo");
  for (const auto& iface : host->interfaces) {
    for (const auto& ia : iface.addresses) {
      if (ia.address.is_loopback()) continue;
      z3::expr is = addr == addr_val(ia.address.bits) &&
                    (v.p.v6 == ctx_.bool_val(ia.address.family == core::Family::V6));
      owned.push_back(is);
      result = result || (is && decides(iface.name));
    }
  }
  z3::expr known = loopback;
  if (!owned.empty()) known = known || z3::mk_or(owned);
  return result || (!known && unknown);
}

z3::expr Encoder::listener_selected(const core::Host& host, uint32_t index, const PacketTerms& p,
                                    bool local) {
  auto candidate = [&](const core::Listener& l) {
    z3::expr e = p.proto == value_of(l.protocol, 8) && in_ports(p.dport, l.ports);
    switch (l.bind.kind) {
      case core::Bind::Kind::Any: break;
      case core::Bind::Kind::AnyV4: e = e && !p.v6; break;
      case core::Bind::Kind::AnyV6: e = e && p.v6; break;
      case core::Bind::Kind::Address:
        e = e && p.dst == addr_val(l.bind.address.bits) &&
            p.v6 == ctx_.bool_val(l.bind.address.family == core::Family::V6);
        break;
    }
    return e;
  };
  auto rank = [](const core::Listener& l) {
    return l.bind.kind == core::Bind::Kind::Address ? 2 : (l.bind.kind == core::Bind::Kind::Any ? 0 : 1);
  };
  const core::Listener& me = host.listeners.at(index);
  z3::expr sel = candidate(me);
  for (uint32_t j = 0; j < host.listeners.size(); ++j) {
    if (j == index) continue;
    const core::Listener& other = host.listeners[j];
    if (rank(other) > rank(me) || (rank(other) == rank(me) && j < index)) sel = sel && !candidate(other);
  }
  (void)local;
  z3::expr local_address = in_addresses(p.dst, p.v6, host.addresses().unite(core::AddressSet::loopback()));
  return sel && local_address;
}

z3::expr Encoder::listener_accepts(const core::Host& host, const PacketTerms& p, bool local) {
  z3::expr_vector any(ctx_);
  for (uint32_t i = 0; i < host.listeners.size(); ++i) any.push_back(listener_selected(host, i, p, local));
  return any.empty() ? ctx_.bool_val(false) : z3::mk_or(any);
}

z3::expr Encoder::attribute_match(const core::AttributeMatch& m, const View& v) {
  const core::Host* host = v.host.valid() ? &policy_.host(v.host) : nullptr;
  z3::expr unknown = atom(core::attribute_atom(v.occurrence, host ? host->name : "", m));
  if (!v.listener_host) return unknown;
  const core::Host& dest = *v.listener_host;
  z3::expr result = ctx_.bool_val(false);
  z3::expr_vector selected(ctx_);
  for (uint32_t i = 0; i < dest.listeners.size(); ++i) {
    z3::expr sel = listener_selected(dest, i, *v.forward, v.local) && has_ports(v.forward->proto);
    selected.push_back(sel);
    auto attrs = core::listener_attributes(policy_, dest, core::ListenerId(i));
    auto it = attrs.find(m.attribute);
    if (it == attrs.end()) {
      result = result || (sel && unknown);
    } else {
      bool any = false;
      for (const auto& val : m.values) {
        std::string a = val, b = it->second;
        for (auto& c : a) c = char(std::tolower(static_cast<unsigned char>(c)));
        for (auto& c : b) c = char(std::tolower(static_cast<unsigned char>(c)));
        any |= a == b;
      }
      result = result || (sel && ctx_.bool_val(any != m.negated));
    }
  }
  z3::expr none = selected.empty() ? ctx_.bool_val(true) : !z3::mk_or(selected);
  return result || (none && unknown);
}

z3::expr Encoder::match(const core::Match& m, const View& v) {
  if ((m.states & core::conn_state_bit(v.state)) == 0) return ctx_.bool_val(false);
  z3::expr e = ctx_.bool_val(true);
  if (m.family) e = e && (v.p.v6 == ctx_.bool_val(*m.family == core::Family::V6));
  if (!m.services.is_any()) e = e && in_services(v.p, m.services);
  if (!m.src.is_any()) e = e && address_match(m.src, v.p.src, v, "src");
  if (!m.dst.is_any()) e = e && address_match(m.dst, v.p.dst, v, "dst");
  e = e && interface_match(m.in_interface, v, true) && interface_match(m.out_interface, v, false);
  for (const auto& ps : m.port_symbols) e = e && port_symbol_match(ps, v);
  for (const auto& a : m.attributes) e = e && attribute_match(a, v);
  for (const auto& c : m.unknowns)
    e = e && atom(core::condition_atom(v.occurrence, policy_.condition(c).name));
  return e;
}

// Keeps the "no earlier rule matched" chain shallow: every few rules the
// running conjunction is named by a fresh constant and a definition.
z3::expr Encoder::keep_shallow(const z3::expr& e) {
  if (e.is_true() || e.is_false()) return e;
  z3::expr k = ctx_.bool_const(fmt::format("aux!{}", aux_counter_++).c_str());
  definitions_.push_back(k == e);
  auxiliaries_.push_back(k);
  return k;
}

Encoder::ChainResult Encoder::chain(core::RuleSetId id, uint32_t chain_index, const View& v, int depth) {
  if (depth > 64) core::internal_error("chain nesting deeper than 64 (a jump cycle?)");
  const core::RuleSet& rs = policy_.rule_set(id);
  const core::Chain& ch = rs.chains.at(chain_index);
  z3::expr cont = ctx_.bool_val(true);
  z3::expr_vector allow(ctx_), deny(ctx_), returned(ctx_);
  std::map<uint32_t, ChainResult> subs;
  unsigned since_named = 0;
  for (const auto& r : ch.rules) {
    if (!may_match(r.match, *v.bounds)) {
      ++stats_.rules_sliced_away;
      continue;
    }
    ++stats_.rules_encoded;
    z3::expr m = match(r.match, v);
    if (m.is_false()) continue;
    switch (r.action) {
      case core::Action::Allow:
      case core::Action::Bypass:
        allow.push_back(cont && m);
        cont = cont && !m;
        break;
      case core::Action::Deny:
        deny.push_back(cont && m);
        cont = cont && !m;
        break;
      case core::Action::Continue: continue;
      case core::Action::Return:
        returned.push_back(cont && m);
        cont = cont && !m;
        break;
      case core::Action::Jump:
      case core::Action::Goto: {
        auto it = subs.find(r.target_chain);
        if (it == subs.end())
          it = subs.emplace(r.target_chain, chain(id, r.target_chain, v, depth + 1)).first;
        const ChainResult& sub = it->second;
        allow.push_back(cont && m && sub.allow);
        deny.push_back(cont && m && sub.deny);
        if (r.action == core::Action::Jump) {
          cont = cont && (!m || sub.returned);
        } else {
          returned.push_back(cont && m && sub.returned);
          cont = cont && !m;
        }
        break;
      }
    }
    if (++since_named >= 24) {
      cont = keep_shallow(cont);
      since_named = 0;
    }
  }
  returned.push_back(cont);
  auto any = [&](z3::expr_vector& terms) { return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms); };
  return ChainResult{any(allow), any(deny), any(returned)};
}

z3::expr Encoder::scan_any(core::RuleSetId id, const core::RuleSet& rs, core::Action action, const View& v,
                           std::optional<int64_t> priority) {
  (void)id;
  z3::expr_vector terms(ctx_);
  for (const auto& r : rs.rules()) {
    if (r.action != action || (priority && r.priority != *priority)) continue;
    if (!may_match(r.match, *v.bounds)) {
      ++stats_.rules_sliced_away;
      continue;
    }
    ++stats_.rules_encoded;
    terms.push_back(match(r.match, v));
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

z3::expr Encoder::rule_set_allow(core::RuleSetId id, const View& v) {
  if (!id.valid()) return ctx_.bool_val(true);
  const core::RuleSet& rs = policy_.rule_set(id);
  z3::expr default_allow = ctx_.bool_val(rs.default_action == core::Action::Allow);
  switch (rs.combining) {
    case core::Combining::FirstMatch: {
      ChainResult r = chain(id, 0, v, 0);
      return r.allow || (r.returned && default_allow);
    }
    case core::Combining::AllowUnion: return scan_any(id, rs, core::Action::Allow, v);
    case core::Combining::BlockOverridesAllow: {
      z3::expr bypass = scan_any(id, rs, core::Action::Bypass, v);
      z3::expr deny = scan_any(id, rs, core::Action::Deny, v);
      z3::expr allow = scan_any(id, rs, core::Action::Allow, v);
      return bypass || (!deny && (allow || default_allow));
    }
    case core::Combining::PriorityDenyWins: {
      std::vector<int64_t> priorities;
      for (const auto& r : rs.rules()) priorities.push_back(r.priority);
      std::sort(priorities.begin(), priorities.end());
      priorities.erase(std::unique(priorities.begin(), priorities.end()), priorities.end());
      z3::expr_vector allowed(ctx_);
      z3::expr none_before = ctx_.bool_val(true);
      for (int64_t p : priorities) {
        z3::expr d = scan_any(id, rs, core::Action::Deny, v, p);
        z3::expr a = scan_any(id, rs, core::Action::Allow, v, p);
        allowed.push_back(none_before && !d && a);
        none_before = none_before && !d && !a;
      }
      allowed.push_back(none_before && default_allow);
      return z3::mk_or(allowed);
    }
  }
  core::internal_error("unknown combining semantics");
}

z3::expr Encoder::admitted(const core::NetworkPath& path, const PacketTerms& p, const FieldBounds& fwd,
                           const FieldBounds& reply_bounds) {
  z3::expr icmp4 = p.proto == value_of(core::proto::kIcmp, 8);
  z3::expr icmp6 = p.proto == value_of(core::proto::kIcmpV6, 8);
  z3::expr echo4 = icmp4 && p.itype == value_of(8, 8);
  z3::expr echo6 = icmp6 && p.itype == value_of(128, 8);
  z3::expr reply_exists = !has_icmp(p.proto) || echo4 || echo6;
  PacketTerms r{p.v6,
                p.dst,
                p.src,
                p.proto,
                p.dport,
                p.sport,
                z3::ite(echo4, value_of(0, 8), z3::ite(echo6, value_of(129, 8), p.itype)),
                p.icode};
  const core::Host* dest = path.destination.valid() ? &policy_.host(path.destination) : nullptr;

  // A forwarded listener selected (core::Listener::forwarded): the
  // destination's host filters are skipped, as the evaluator does.
  z3::expr forwarded = ctx_.bool_val(false);
  if (dest && !path.local) {
    z3::expr_vector f(ctx_);
    for (uint32_t i = 0; i < dest->listeners.size(); ++i) {
      if (dest->listeners[i].forwarded) f.push_back(listener_selected(*dest, i, p, false));
    }
    if (!f.empty()) forwarded = has_ports(p.proto) && z3::mk_or(f);
  }
  z3::expr_vector conjuncts(ctx_);
  for (const auto& hop : path.hops) {
    const core::Host& host = policy_.host(hop.host);
    bool inbound = hop.direction == core::Direction::Inbound;
    bool may_bypass = inbound && dest && hop.host == path.destination && !path.local;
    const core::Host* listener_host = hop.host == path.destination ? dest : nullptr;
    View fv{p, core::ConnState::New, hop.host, path.local, inbound, "fwd", &fwd, listener_host, &p};
    View rv{r,
            core::ConnState::Established,
            hop.host,
            path.local,
            !inbound,
            "reply",
            &reply_bounds,
            listener_host,
            &p};
    const auto& layers = inbound ? host.inbound : host.outbound;
    for (const auto& layer : layers) {
      z3::expr_vector members(ctx_), network_members(ctx_);
      bool has_host_member = false;
      for (const auto& fid : layer.members) {
        const core::PacketFilter& f = policy_.filter(fid);
        if (path.local && f.scope == core::FilterScope::Network) continue;
        core::RuleSetId forward_set = inbound ? f.inbound : f.outbound;
        core::RuleSetId reply_set = inbound ? f.outbound : f.inbound;
        z3::expr m = rule_set_allow(forward_set, fv);
        if (f.stateless) m = m && z3::implies(reply_exists, rule_set_allow(reply_set, rv));
        members.push_back(m);
        if (f.scope == core::FilterScope::Host)
          has_host_member = true;
        else
          network_members.push_back(m);
      }
      if (members.empty()) continue;
      if (may_bypass && has_host_member) {
        // Forwarded: only the layer's network members count (none: it is not crossed).
        z3::expr skipped = network_members.empty() ? ctx_.bool_val(true) : z3::mk_or(network_members);
        conjuncts.push_back(z3::ite(forwarded, skipped, z3::mk_or(members)));
      } else {
        conjuncts.push_back(z3::mk_or(members));
      }
    }
  }
  if (dest && path.required_listeners) {
    // Only the listeners the question asks about count (`that can`).
    z3::expr_vector chosen(ctx_);
    for (const auto& l : *path.required_listeners)
      chosen.push_back(listener_selected(*dest, l.value, p, path.local));
    conjuncts.push_back(has_ports(p.proto) && (chosen.empty() ? ctx_.bool_val(false) : z3::mk_or(chosen)));
  } else if (dest) {
    z3::expr own = in_addresses(p.dst, p.v6, dest->addresses().unite(core::AddressSet::loopback()));
    conjuncts.push_back(z3::ite(has_ports(p.proto), listener_accepts(*dest, p, path.local), own));
  }
  return conjuncts.empty() ? ctx_.bool_val(true) : z3::mk_and(conjuncts);
}

z3::expr Encoder::rule_match(const core::Match& m, const PacketTerms& p, core::ConnState state) {
  static const FieldBounds kAnything;
  View v{p, state, core::HostId{}, false, true, "fwd", &kAnything, nullptr, &p};
  return match(m, v);
}

namespace {
u128 parse_u128(const std::string& digits) {
  u128 v = 0;
  for (char c : digits) v = v * 10 + u128(c - '0');
  return v;
}
}  // namespace

core::Packet Encoder::packet_of(const z3::model& m, const PacketTerms& p) const {
  core::Packet out;
  bool v6 = m.eval(p.v6, true).is_true();
  out.family = v6 ? core::Family::V6 : core::Family::V4;
  out.src = core::Address{out.family, parse_u128(m.eval(p.src, true).get_decimal_string(0))};
  out.dst = core::Address{out.family, parse_u128(m.eval(p.dst, true).get_decimal_string(0))};
  out.protocol = uint8_t(m.eval(p.proto, true).get_numeral_uint());
  out.src_port = uint16_t(m.eval(p.sport, true).get_numeral_uint());
  out.dst_port = uint16_t(m.eval(p.dport, true).get_numeral_uint());
  out.icmp_type = uint8_t(m.eval(p.itype, true).get_numeral_uint());
  out.icmp_code = uint8_t(m.eval(p.icode, true).get_numeral_uint());
  return out;
}

}  // namespace rampart::solver
