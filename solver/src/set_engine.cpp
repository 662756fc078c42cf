#include "set_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "bounds.h"
#include "rampart/core/atoms.h"

namespace rampart::solver {

using core::u128;

namespace {

const core::ByteSet& port_protocols() {
  static const core::ByteSet set = [] {
    core::ByteSet s;
    for (unsigned p = 0; p < 256; ++p) {
      if (core::has_ports(uint8_t(p))) s.add(uint8_t(p));
    }
    return s;
  }();
  return set;
}

const core::ByteSet& icmp_protocols() {
  static const core::ByteSet set = [] {
    core::ByteSet s;
    s.add(core::proto::kIcmp);
    s.add(core::proto::kIcmpV6);
    return s;
  }();
  return set;
}

template <typename T>
Dim widen(const core::IntervalSet<T>& s) {
  Dim d;
  for (const auto& iv : s.intervals()) d.add(u128(iv.lo), u128(iv.hi));
  return d;
}

Dim single(u128 v) {
  return Dim::single(v);
}

}  // namespace

struct SetEngine::Run {
  const core::Policy& policy;
  const core::QuestionSpace& space;
  core::Family family;
  std::vector<Dim> universe;
  std::map<std::string, size_t> atom_dims;
  std::vector<std::string> atom_keys;
  size_t peak = 0;

  struct View {
    core::ConnState state;
    core::HostId host;
    bool local;
    bool incoming;
    bool reply;
    std::string occurrence;
    const core::Host* listener_host;
    const FieldBounds* bounds;
  };

  Run(const core::Policy& p, const core::QuestionSpace& s, core::Family f) : policy(p), space(s), family(f) {
    Dim addresses = f == core::Family::V4 ? Dim::range(0, 0xffffffffu) : Dim::all();
    universe = {
        addresses,          addresses,         Dim::range(0, 255), Dim::range(0, 65535), Dim::range(0, 65535),
        Dim::range(0, 255), Dim::range(0, 255)};
  }

  BoxSet all() { return BoxSet::of(Box(), &universe); }
  BoxSet none() { return BoxSet(&universe); }
  BoxSet with(std::initializer_list<std::pair<size_t, Dim>> dims) {
    Box b;
    for (const auto& [i, d] : dims) b.set(i, d, universe);
    return BoxSet::of(std::move(b), &universe);
  }

  size_t atom(const std::string& key) {
    auto it = atom_dims.find(key);
    if (it != atom_dims.end()) return it->second;
    universe.push_back(Dim::range(0, 1));
    atom_dims.emplace(key, universe.size() - 1);
    atom_keys.push_back(key);
    return universe.size() - 1;
  }
  BoxSet atom_true(const std::string& key) { return with({{atom(key), single(1)}}); }

  Dim addresses(const core::AddressSet& s) {
    return family == core::Family::V4 ? widen(s.v4()) : Dim(s.v6());
  }

  void note(const BoxSet& s) { peak = std::max(peak, s.size()); }

  BoxSet services(const core::ServiceSet& set) {
    BoxSet acc = none();
    for (const auto& c : set.clauses) {
      BoxSet cb = none();
      core::ByteSet ports = c.protocols.intersect(port_protocols());
      core::ByteSet icmp = c.protocols.intersect(icmp_protocols());
      core::ByteSet other = c.protocols.subtract(port_protocols()).subtract(icmp_protocols());
      if (!ports.empty()) {
        cb.add_disjoint(with({{dim::kProto, widen(ports)},
                              {dim::kSport, widen(c.src_ports)},
                              {dim::kDport, widen(c.dst_ports)}}));
      }
      if (!icmp.empty()) {
        cb.add_disjoint(with({{dim::kProto, widen(icmp)},
                              {dim::kType, widen(c.icmp_types)},
                              {dim::kCode, widen(c.icmp_codes)}}));
      }
      if (!other.empty()) cb.add_disjoint(with({{dim::kProto, widen(other)}}));
      acc.add(cb);
    }
    return acc;
  }

  const core::Host* host_of(const View& v) { return v.host.valid() ? &policy.host(v.host) : nullptr; }

  BoxSet address_match(const core::AddressMatch& m, size_t d, const View& v, const char* field) {
    const core::Host* host = host_of(v);
    Dim concrete = addresses(m.set);
    std::vector<size_t> unbound;
    for (const auto& s : m.symbols) {
      auto it = host ? host->bindings.find(s) : decltype(host->bindings.end()){};
      if (host && it != host->bindings.end()) {
        concrete = concrete.unite(addresses(it->second));
      } else {
        unbound.push_back(atom(core::symbol_atom(v.occurrence, host ? host->name : "", s, field)));
      }
    }
    if (!m.negated) {
      BoxSet r = with({{d, concrete}});
      for (size_t a : unbound) r.add(with({{a, single(1)}}));
      return r;
    }
    Box b;
    b.set(d, universe[d].subtract(concrete), universe);
    for (size_t a : unbound) b.set(a, single(0), universe);
    return BoxSet::of(std::move(b), &universe);
  }

  BoxSet port_symbol_match(const core::PortSymbolMatch& m, const View& v) {
    const core::Host* host = host_of(v);
    size_t d = m.source ? dim::kSport : dim::kDport;
    Dim concrete;
    std::vector<size_t> unbound;
    for (const auto& s : m.symbols) {
      auto it = host ? host->port_bindings.find(s) : decltype(host->port_bindings.end()){};
      if (host && it != host->port_bindings.end()) {
        concrete = concrete.unite(widen(it->second));
      } else {
        unbound.push_back(
            atom(core::symbol_atom(v.occurrence, host ? host->name : "", s, m.source ? "sport" : "dport")));
      }
    }
    Dim ports = widen(port_protocols());
    BoxSet r = with({{dim::kProto, ports}, {d, concrete}});
    for (size_t a : unbound) r.add(with({{dim::kProto, ports}, {a, single(1)}}));
    return r;
  }

  BoxSet interface_match(const core::InterfaceMatch& m, const View& v, bool incoming) {
    if (m.is_any()) return all();
    const core::Host* host = host_of(v);
    std::string key = core::interface_atom(v.occurrence, host ? host->name : "", incoming ? "in" : "out", m);
    if (incoming != v.incoming || !host) return atom_true(key);
    auto decides = [&](const std::string& name) { return m.matches_name(name) != m.negated; };
    if (v.local) return decides("lo") ? all() : none();
    size_t d = incoming ? dim::kDst : dim::kSrc;
    Dim loopback = addresses(core::AddressSet::loopback());
    Dim matching = decides("lo") ? loopback : Dim();
    Dim owned = loopback;
    for (const auto& iface : host->interfaces) {
      for (const auto& ia : iface.addresses) {
        if (ia.address.is_loopback() || ia.address.family != family) continue;
        owned.add(ia.address.bits);
        if (decides(iface.name)) matching.add(ia.address.bits);
      }
    }
    // An address may sit on two interfaces; the evaluator takes the first.
    Dim first_owner;
    matching = Dim();
    if (decides("lo")) matching = loopback;
    Dim seen = loopback;
    for (const auto& iface : host->interfaces) {
      for (const auto& ia : iface.addresses) {
        if (ia.address.is_loopback() || ia.address.family != family || seen.contains(ia.address.bits))
          continue;
        seen.add(ia.address.bits);
        if (decides(iface.name)) matching.add(ia.address.bits);
      }
    }
    BoxSet r = with({{d, matching}});
    Box unknown;
    unknown.set(d, universe[d].subtract(owned), universe);
    unknown.set(atom(key), single(1), universe);
    r.add_disjoint(BoxSet::of(std::move(unknown), &universe));
    return r;
  }

  // Listener selection regions over (dst, proto, dport) for a destination.
  std::vector<BoxSet> listener_regions(const core::Host& host, BoxSet& no_listener) {
    Dim local = addresses(host.addresses().unite(core::AddressSet::loopback()));
    std::vector<uint32_t> order(host.listeners.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    auto rank = [&](uint32_t i) {
      const auto& b = host.listeners[i].bind;
      return b.kind == core::Bind::Kind::Address ? 2 : (b.kind == core::Bind::Kind::Any ? 0 : 1);
    };
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return rank(a) > rank(b); });
    std::vector<BoxSet> regions(host.listeners.size(), none());
    BoxSet taken = none();
    for (uint32_t i : order) {
      const core::Listener& l = host.listeners[i];
      Dim covered;
      switch (l.bind.kind) {
        case core::Bind::Kind::Any: covered = local; break;
        case core::Bind::Kind::AnyV4: covered = family == core::Family::V4 ? local : Dim(); break;
        case core::Bind::Kind::AnyV6: covered = family == core::Family::V6 ? local : Dim(); break;
        case core::Bind::Kind::Address:
          covered = l.bind.address.family == family ? single(l.bind.address.bits).intersect(local) : Dim();
          break;
      }
      if (!core::has_ports(l.protocol)) continue;
      BoxSet cand =
          with({{dim::kDst, covered}, {dim::kProto, single(l.protocol)}, {dim::kDport, widen(l.ports)}});
      regions[i] = cand.subtract(taken);
      taken.add(cand);
    }
    no_listener = all().subtract(taken);
    return regions;
  }

  BoxSet attribute_match(const core::AttributeMatch& m, const View& v) {
    const core::Host* host = host_of(v);
    std::string key = core::attribute_atom(v.occurrence, host ? host->name : "", m);
    if (!v.listener_host) return atom_true(key);
    BoxSet none_region = none();
    auto regions = listener_regions(*v.listener_host, none_region);
    BoxSet r = none();
    for (uint32_t i = 0; i < regions.size(); ++i) {
      auto attrs = core::listener_attributes(policy, *v.listener_host, core::ListenerId(i));
      auto it = attrs.find(m.attribute);
      if (it == attrs.end()) {
        r.add_disjoint(regions[i].intersect(atom_true(key)));
        continue;
      }
      auto lower = [](std::string s) {
        for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
        return s;
      };
      bool any = std::any_of(m.values.begin(), m.values.end(),
                             [&](const std::string& val) { return lower(val) == lower(it->second); });
      if (any != m.negated) r.add_disjoint(regions[i]);
    }
    r.add_disjoint(none_region.intersect(atom_true(key)));
    return r;
  }

  // Maps boxes from reply coordinates to forward coordinates.
  BoxSet to_forward(const BoxSet& reply) {
    BoxSet out = none();
    for (const auto& b : reply.boxes()) {
      Box f = b;
      f.set(dim::kSrc, b.at(dim::kDst, universe), universe);
      f.set(dim::kDst, b.at(dim::kSrc, universe), universe);
      f.set(dim::kSport, b.at(dim::kDport, universe), universe);
      f.set(dim::kDport, b.at(dim::kSport, universe), universe);
      const Dim& protos = b.at(dim::kProto, universe);
      const Dim& types = b.at(dim::kType, universe);
      Dim rest = protos.subtract(widen(icmp_protocols()));
      if (!rest.empty()) {
        Box r = f;
        r.set(dim::kProto, rest, universe);
        out.add_disjoint(BoxSet::of(std::move(r), &universe));
      }
      // An echo reply (type 0 / 129) answers an echo request (8 / 128).
      if (protos.contains(core::proto::kIcmp) && types.contains(0)) {
        Box r = f;
        r.set(dim::kProto, single(core::proto::kIcmp), universe);
        r.set(dim::kType, single(8), universe);
        out.add_disjoint(BoxSet::of(std::move(r), &universe));
      }
      if (protos.contains(core::proto::kIcmpV6) && types.contains(129)) {
        Box r = f;
        r.set(dim::kProto, single(core::proto::kIcmpV6), universe);
        r.set(dim::kType, single(128), universe);
        out.add_disjoint(BoxSet::of(std::move(r), &universe));
      }
    }
    return out;
  }

  BoxSet reply_exists() {
    BoxSet r = with({{dim::kProto, Dim::range(0, 255).subtract(widen(icmp_protocols()))}});
    r.add_disjoint(with({{dim::kProto, single(core::proto::kIcmp)}, {dim::kType, single(8)}}));
    r.add_disjoint(with({{dim::kProto, single(core::proto::kIcmpV6)}, {dim::kType, single(128)}}));
    return r;
  }

  std::map<std::pair<const core::Rule*, const View*>, BoxSet> rule_cache;

  const BoxSet& rule_match(const core::Rule& r, const View& v) {
    auto key = std::make_pair(&r, &v);
    auto it = rule_cache.find(key);
    if (it != rule_cache.end()) return it->second;
    const core::Match& m = r.match;
    BoxSet s = all();
    if ((m.states & core::conn_state_bit(v.state)) == 0 || (m.family && *m.family != family) ||
        !may_match(m, *v.bounds)) {
      s = none();
    } else {
      if (!m.services.is_any()) s = s.intersect(services(m.services));
      if (!m.src.is_any() && !s.empty()) s = s.intersect(address_match(m.src, dim::kSrc, v, "src"));
      if (!m.dst.is_any() && !s.empty()) s = s.intersect(address_match(m.dst, dim::kDst, v, "dst"));
      if (!s.empty()) s = s.intersect(interface_match(m.in_interface, v, true));
      if (!s.empty()) s = s.intersect(interface_match(m.out_interface, v, false));
      for (const auto& ps : m.port_symbols) {
        if (!s.empty()) s = s.intersect(port_symbol_match(ps, v));
      }
      for (const auto& c : m.unknowns) {
        if (!s.empty())
          s = s.intersect(atom_true(core::condition_atom(v.occurrence, policy.condition(c).name)));
      }
      if (v.reply) s = to_forward(s);
      for (const auto& a : m.attributes) {
        if (!s.empty()) s = s.intersect(attribute_match(a, v));
      }
    }
    return rule_cache.emplace(key, std::move(s)).first->second;
  }

  struct Split {
    BoxSet allowed, denied, returned;
  };

  void compact(BoxSet& s) {
    note(s);
    if (s.size() > 64) s.coalesce();
  }

  Split chain(core::RuleSetId id, uint32_t ci, const View& v, BoxSet x, int depth) {
    if (depth > 64) core::internal_error("chain nesting deeper than 64 (a jump cycle?)");
    const core::RuleSet& rs = policy.rule_set(id);
    Split out{none(), none(), none()};
    for (const auto& r : rs.chains.at(ci).rules) {
      if (x.empty()) break;
      const BoxSet& m = rule_match(r, v);
      if (m.empty()) continue;
      BoxSet hit = x.intersect(m);
      if (hit.empty()) continue;
      if (r.action == core::Action::Continue) continue;
      x = x.subtract(m);
      compact(x);
      switch (r.action) {
        case core::Action::Allow:
        case core::Action::Bypass: out.allowed.add_disjoint(hit); break;
        case core::Action::Deny: out.denied.add_disjoint(hit); break;
        case core::Action::Return: out.returned.add_disjoint(hit); break;
        case core::Action::Jump:
        case core::Action::Goto: {
          Split sub = chain(id, r.target_chain, v, std::move(hit), depth + 1);
          out.allowed.add_disjoint(sub.allowed);
          out.denied.add_disjoint(sub.denied);
          if (r.action == core::Action::Jump) {
            x.add_disjoint(sub.returned);
          } else {
            out.returned.add_disjoint(sub.returned);
          }
          break;
        }
        case core::Action::Continue: break;
      }
    }
    out.returned.add_disjoint(x);
    return out;
  }

  // Consumes `x` with the rules of one action; returns what they matched.
  BoxSet take(const core::RuleSet& rs, core::Action action, const View& v, BoxSet& x,
              std::optional<int64_t> priority = std::nullopt) {
    BoxSet hit_all = none();
    for (const auto& r : rs.rules()) {
      if (x.empty()) break;
      if (r.action != action || (priority && r.priority != *priority)) continue;
      const BoxSet& m = rule_match(r, v);
      if (m.empty()) continue;
      BoxSet hit = x.intersect(m);
      if (hit.empty()) continue;
      hit_all.add_disjoint(hit);
      x = x.subtract(m);
      compact(x);
    }
    return hit_all;
  }

  // The part of `x` the rule set allows.
  BoxSet allowed(core::RuleSetId id, const View& v, const BoxSet& x) {
    if (!id.valid()) return x;
    const core::RuleSet& rs = policy.rule_set(id);
    bool default_allow = rs.default_action == core::Action::Allow;
    BoxSet rem = x;
    BoxSet ok = none();
    switch (rs.combining) {
      case core::Combining::FirstMatch: {
        Split s = chain(id, 0, v, x, 0);
        ok = s.allowed;
        if (default_allow) ok.add_disjoint(s.returned);
        return ok;
      }
      case core::Combining::AllowUnion: return take(rs, core::Action::Allow, v, rem);
      case core::Combining::BlockOverridesAllow:
        ok = take(rs, core::Action::Bypass, v, rem);
        take(rs, core::Action::Deny, v, rem);
        ok.add_disjoint(take(rs, core::Action::Allow, v, rem));
        break;
      case core::Combining::PriorityDenyWins: {
        std::vector<int64_t> priorities;
        for (const auto& r : rs.rules()) priorities.push_back(r.priority);
        std::sort(priorities.begin(), priorities.end());
        priorities.erase(std::unique(priorities.begin(), priorities.end()), priorities.end());
        for (int64_t p : priorities) {
          take(rs, core::Action::Deny, v, rem, p);
          ok.add_disjoint(take(rs, core::Action::Allow, v, rem, p));
        }
        break;
      }
    }
    if (default_allow) ok.add_disjoint(rem);
    return ok;
  }

  BoxSet question() {
    BoxSet q = none();
    Dim src = addresses(space.sources), dst = addresses(space.destinations);
    if (src.empty() || dst.empty()) return q;
    for (const auto& c : space.services.clauses) {
      BoxSet cb = none();
      core::ByteSet ports = c.protocols.intersect(port_protocols());
      core::ByteSet icmp = c.protocols.intersect(
          core::ByteSet::single(family == core::Family::V4 ? core::proto::kIcmp : core::proto::kIcmpV6));
      core::ByteSet other = c.protocols.subtract(port_protocols()).subtract(icmp_protocols());
      Dim zero = single(0);
      if (!ports.empty()) {
        cb.add_disjoint(with({{dim::kSrc, src},
                              {dim::kDst, dst},
                              {dim::kProto, widen(ports)},
                              {dim::kSport, widen(c.src_ports.intersect(space.client_ports))},
                              {dim::kDport, widen(c.dst_ports)},
                              {dim::kType, zero},
                              {dim::kCode, zero}}));
      }
      if (!icmp.empty()) {
        cb.add_disjoint(with({{dim::kSrc, src},
                              {dim::kDst, dst},
                              {dim::kProto, widen(icmp)},
                              {dim::kSport, zero},
                              {dim::kDport, zero},
                              {dim::kType, widen(c.icmp_types)},
                              {dim::kCode, widen(c.icmp_codes)}}));
      }
      if (!other.empty()) {
        cb.add_disjoint(with({{dim::kSrc, src},
                              {dim::kDst, dst},
                              {dim::kProto, widen(other)},
                              {dim::kSport, zero},
                              {dim::kDport, zero},
                              {dim::kType, zero},
                              {dim::kCode, zero}}));
      }
      q.add(cb);
    }
    return q;
  }

  // What of `x` one layer of a non-local path admits; with `skip_host`, its
  // host filters are not consulted (a layer of host filters alone admits all).
  BoxSet layer_pass(const core::Layer& layer, const BoxSet& x, bool skip_host, bool inbound, const View& fv,
                    const View& rv, const BoxSet& echo_or_not_icmp) {
    BoxSet acc = none(), rem = x;
    bool evaluated = false;
    for (const auto& fid : layer.members) {
      const core::PacketFilter& f = policy.filter(fid);
      if (skip_host && f.scope == core::FilterScope::Host) continue;
      evaluated = true;
      core::RuleSetId forward_set = inbound ? f.inbound : f.outbound;
      core::RuleSetId reply_set = inbound ? f.outbound : f.inbound;
      BoxSet a = allowed(forward_set, fv, rem);
      if (f.stateless) {
        BoxSet needs_reply = a.intersect(echo_or_not_icmp);
        BoxSet one_way = a.subtract(echo_or_not_icmp);
        a = one_way;
        a.add_disjoint(allowed(reply_set, rv, needs_reply));
      }
      rem = rem.subtract(a);
      acc.add_disjoint(a);
      compact(acc);
    }
    return evaluated ? acc : x;
  }

  BoxSet admitted(const BoxSet& q) {
    const core::NetworkPath& path = space.path;
    FieldBounds fb = forward_bounds(space), rb = reply_bounds(space);
    const core::Host* dest = path.destination.valid() ? &policy.host(path.destination) : nullptr;
    std::vector<std::unique_ptr<View>> views;
    BoxSet x = q;
    BoxSet echo_or_not_icmp = reply_exists();
    // Packets a forwarded listener takes (core::Listener::forwarded): the
    // destination's host filters are skipped for them, as the evaluator does.
    BoxSet forwarded = none();
    if (dest && !path.local) {
      BoxSet none_region = none();
      auto regions = listener_regions(*dest, none_region);
      for (uint32_t i = 0; i < regions.size(); ++i) {
        if (dest->listeners[i].forwarded) forwarded.add_disjoint(regions[i]);
      }
    }
    for (const auto& hop : path.hops) {
      const core::Host& host = policy.host(hop.host);
      bool inbound = hop.direction == core::Direction::Inbound;
      const core::Host* listener_host = hop.host == path.destination ? dest : nullptr;
      views.push_back(std::make_unique<View>(
          View{core::ConnState::New, hop.host, path.local, inbound, false, "fwd", listener_host, &fb}));
      const View* fv = views.back().get();
      views.push_back(std::make_unique<View>(View{core::ConnState::Established, hop.host, path.local,
                                                  !inbound, true, "reply", listener_host, &rb}));
      const View* rv = views.back().get();
      const auto& layers = inbound ? host.inbound : host.outbound;
      bool may_bypass = inbound && dest && hop.host == path.destination && !path.local && !forwarded.empty();
      for (const auto& layer : layers) {
        if (may_bypass) {
          // The forwarded part crosses the layer's network members alone.
          BoxSet fwd_part = x.intersect(forwarded);
          BoxSet rest = x.subtract(forwarded);
          x = layer_pass(layer, rest, false, inbound, *fv, *rv, echo_or_not_icmp);
          x.add_disjoint(layer_pass(layer, fwd_part, true, inbound, *fv, *rv, echo_or_not_icmp));
          compact(x);
          continue;
        }
        BoxSet acc = none(), rem = x;
        bool evaluated = false;
        for (const auto& fid : layer.members) {
          const core::PacketFilter& f = policy.filter(fid);
          if (path.local && f.scope == core::FilterScope::Network) continue;
          evaluated = true;
          core::RuleSetId forward_set = inbound ? f.inbound : f.outbound;
          core::RuleSetId reply_set = inbound ? f.outbound : f.inbound;
          BoxSet a = allowed(forward_set, *fv, rem);
          if (f.stateless) {
            BoxSet needs_reply = a.intersect(echo_or_not_icmp);
            BoxSet one_way = a.subtract(echo_or_not_icmp);
            a = one_way;
            a.add_disjoint(allowed(reply_set, *rv, needs_reply));
          }
          rem = rem.subtract(a);
          acc.add_disjoint(a);
          compact(acc);
        }
        if (evaluated) x = acc;
      }
    }
    if (dest && path.required_listeners) {
      BoxSet none_region = none();
      auto regions = listener_regions(*dest, none_region);
      BoxSet accept = none();
      for (const auto& l : *path.required_listeners) accept.add_disjoint(regions.at(l.index()));
      x = x.intersect(accept);
    } else if (dest) {
      BoxSet none_region = none();
      listener_regions(*dest, none_region);
      BoxSet accept = all().subtract(none_region);  // some listener selected (port protocols)
      Dim own = addresses(dest->addresses().unite(core::AddressSet::loopback()));
      accept.add_disjoint(
          with({{dim::kProto, Dim::range(0, 255).subtract(widen(port_protocols()))}, {dim::kDst, own}}));
      x = x.intersect(accept);
    }
    compact(x);
    return x;
  }

  // Boxes with every dimension outside `keep` set to the full universe,
  // made disjoint again.
  BoxSet project(const BoxSet& s, const std::vector<size_t>& keep) {
    BoxSet out = none();
    for (const auto& b : s.boxes()) {
      Box p;
      for (size_t i = 0; i < dim::kFields; ++i) {
        bool kept = std::find(keep.begin(), keep.end(), i) != keep.end();
        p.set(i, kept ? b.at(i, universe) : universe[i], universe);
      }
      out.add(BoxSet::of(std::move(p), &universe));
    }
    out.coalesce();
    return out;
  }
};

namespace {

// The lexicographically lowest packet of a set, with atom values from the
// box it lies in.
std::optional<Witness> lowest(const BoxSet& s, core::Family family, const std::vector<Dim>& u,
                              const std::vector<std::string>& atom_keys) {
  if (s.empty()) return std::nullopt;
  std::vector<const Box*> cands;
  for (const auto& b : s.boxes()) cands.push_back(&b);
  u128 values[dim::kFields] = {};
  for (size_t d : {dim::kProto, dim::kDport, dim::kType, dim::kCode, dim::kDst, dim::kSport, dim::kSrc}) {
    u128 m = ~u128(0);
    for (const Box* b : cands) m = std::min(m, b->at(d, u).intervals().front().lo);
    values[d] = m;
    std::vector<const Box*> keep;
    for (const Box* b : cands) {
      if (b->at(d, u).contains(m)) keep.push_back(b);
    }
    cands = std::move(keep);
  }
  Witness w;
  w.packet.family = family;
  w.packet.src = core::Address{family, values[dim::kSrc]};
  w.packet.dst = core::Address{family, values[dim::kDst]};
  w.packet.protocol = uint8_t(values[dim::kProto]);
  w.packet.src_port = uint16_t(values[dim::kSport]);
  w.packet.dst_port = uint16_t(values[dim::kDport]);
  w.packet.icmp_type = uint8_t(values[dim::kType]);
  w.packet.icmp_code = uint8_t(values[dim::kCode]);
  for (size_t k = 0; k < atom_keys.size(); ++k) {
    w.valuation.set(atom_keys[k], cands.front()->at(dim::kFields + k, u).intervals().front().lo == 1);
  }
  return w;
}

void keep_first(std::optional<Witness>& into, std::optional<Witness> w) {
  if (!into && w) into = std::move(w);
}

}  // namespace

ExactSet SetEngine::admitted_set(const core::QuestionSpace& space) {
  BoxBudget budget;
  budget.max_cells = kMaxCells;
  if (timeout_ms_)
    budget.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  BoxBudgetScope scope(budget);
  try {
    return compute(space);
  } catch (const BoxBudgetExceeded& e) {
    ExactSet gave_up;
    gave_up.incomplete = e.what();
    return gave_up;
  }
}

ExactSet SetEngine::compute(const core::QuestionSpace& space) {
  ExactSet out;
  const std::vector<size_t> fields{dim::kSrc,   dim::kDst,  dim::kProto, dim::kSport,
                                   dim::kDport, dim::kType, dim::kCode};
  const std::vector<size_t> answer{dim::kSrc, dim::kProto, dim::kDport, dim::kType, dim::kCode};
  bool have_witness = false;
  for (core::Family family : {core::Family::V4, core::Family::V6}) {
    Run run(policy_, space, family);
    BoxSet q = run.question();
    if (q.empty()) continue;
    BoxSet a = run.admitted(q);
    a.coalesce();
    BoxSet denied = q.subtract(a);
    denied.coalesce();
    BoxSet may_fields = run.project(a, fields);
    BoxSet must_fields = run.project(q, fields).subtract(run.project(denied, fields));
    must_fields.coalesce();
    BoxSet may_answer = run.project(may_fields, answer);
    BoxSet must_answer = run.project(must_fields, answer);
    for (const auto& b : may_answer.boxes()) out.may.push_back(FamilyBox{family, b});
    for (const auto& b : must_answer.boxes()) out.must.push_back(FamilyBox{family, b});
    auto fixed_packet = [&](const Box& b) {
      core::Packet p;
      p.family = family;
      p.src = core::Address{family, b.at(dim::kSrc, run.universe).intervals().front().lo};
      p.dst = core::Address{family, b.at(dim::kDst, run.universe).intervals().front().lo};
      p.protocol = uint8_t(b.at(dim::kProto, run.universe).intervals().front().lo);
      p.src_port = uint16_t(b.at(dim::kSport, run.universe).intervals().front().lo);
      p.dst_port = uint16_t(b.at(dim::kDport, run.universe).intervals().front().lo);
      p.icmp_type = uint8_t(b.at(dim::kType, run.universe).intervals().front().lo);
      p.icmp_code = uint8_t(b.at(dim::kCode, run.universe).intervals().front().lo);
      return p;
    };
    auto answer_box = [&](const Box& b) {
      Box p;
      for (size_t i = 0; i < dim::kFields; ++i) {
        bool kept = std::find(answer.begin(), answer.end(), i) != answer.end();
        p.set(i, kept ? b.at(i, run.universe) : run.universe[i], run.universe);
      }
      return p;
    };
    for (const auto& b : a.boxes()) {
      core::Valuation v;
      for (size_t k = 0; k < run.atom_keys.size(); ++k) {
        v.set(run.atom_keys[k], b.at(dim::kFields + k, run.universe).intervals().front().lo == 1);
      }
      core::Packet fixed = fixed_packet(b);
      out.may_pieces.push_back(Piece{family, answer_box(b), fixed, v});
      if (!have_witness) {
        out.may_witness = Witness{fixed, v};
        have_witness = true;
      }
    }
    for (const auto& b : must_fields.boxes()) {
      out.must_pieces.push_back(Piece{family, answer_box(b), fixed_packet(b), std::nullopt});
    }
    Witnesses& w = out.witnesses;
    const std::vector<std::string> none;
    keep_first(w.must_admitted, lowest(must_fields, family, run.universe, none));
    keep_first(w.may_admitted, lowest(a, family, run.universe, run.atom_keys));
    keep_first(w.must_denied,
               lowest(run.project(q, fields).subtract(may_fields), family, run.universe, none));
    keep_first(w.may_denied, lowest(denied, family, run.universe, run.atom_keys));
    keep_first(w.any, lowest(q, family, run.universe, none));
    for (const auto& k : run.atom_keys) out.atoms.push_back(k);
    out.boxes = std::max(out.boxes, run.peak);
  }
  return out;
}

void corrupt(ExactSet& set) {
  if (!set.may.empty()) {
    set.may.erase(set.may.begin());
    if (!set.must.empty()) set.must.erase(set.must.begin());
    return;
  }
  // Nothing admitted: claim one source is.
  Box b;
  std::vector<Dim> u{Dim::range(0, 0xffffffffu), Dim::range(0, 0xffffffffu), Dim::range(0, 255),
                     Dim::range(0, 65535),       Dim::range(0, 65535),       Dim::range(0, 255),
                     Dim::range(0, 255)};
  for (size_t i = 0; i < dim::kFields; ++i) b.set(i, u[i], u);
  b.set(dim::kSrc, Dim::single(0x0a000001u), u);
  set.may.push_back(FamilyBox{core::Family::V4, b});
  set.must.push_back(FamilyBox{core::Family::V4, b});
}

// ---- certification ----------------------------------------------------------

Certifier::Certifier(z3::context& ctx, Encoder& encoder, const PacketTerms& packet, const z3::expr& in_space,
                     const z3::expr& admitted, const Limits& limits, Statistics& stats)
    : ctx_(ctx),
      encoder_(encoder),
      p_(packet),
      in_space_(in_space),
      admitted_(admitted),
      limits_(limits),
      stats_(stats),
      definitions_(encoder.definitions()),
      auxiliaries_(encoder.auxiliaries()),
      atoms_(encoder.atoms()) {}

Certifier::Certifier(z3::context& ctx, Encoder& encoder, const Encoder& other, const PacketTerms& packet,
                     const z3::expr& in_space, const z3::expr& admitted, const Limits& limits,
                     Statistics& stats)
    : Certifier(ctx, encoder, packet, in_space, admitted, limits, stats) {
  definitions_.insert(definitions_.end(), other.definitions().begin(), other.definitions().end());
  auxiliaries_.insert(auxiliaries_.end(), other.auxiliaries().begin(), other.auxiliaries().end());
  for (const auto& [k, a] : other.atoms()) atoms_.emplace(k, a);
}

z3::expr Certifier::dim_in(const z3::expr& term, const Dim& d, unsigned bits) {
  z3::expr_vector terms(ctx_);
  for (const auto& iv : d.intervals()) {
    auto val = [&](u128 v) { return ctx_.bv_val(core::u128_to_string(v).c_str(), bits); };
    if (iv.lo == iv.hi) {
      terms.push_back(term == val(iv.lo));
    } else {
      terms.push_back(z3::uge(term, val(iv.lo)) && z3::ule(term, val(iv.hi)));
    }
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

z3::expr Certifier::in_box(const FamilyBox& fb) {
  static const std::vector<Dim> kNoUniverse;
  const Box& b = fb.box;
  if (b.size() < dim::kFields) core::internal_error("an answer box without every field");
  z3::expr e = p_.v6 == ctx_.bool_val(fb.family == core::Family::V6);
  e = e && dim_in(p_.src, b.at(dim::kSrc, kNoUniverse), 128);
  e = e && dim_in(p_.proto, b.at(dim::kProto, kNoUniverse), 8);
  e = e && dim_in(p_.dport, b.at(dim::kDport, kNoUniverse), 16);
  e = e && dim_in(p_.itype, b.at(dim::kType, kNoUniverse), 8);
  e = e && dim_in(p_.icode, b.at(dim::kCode, kNoUniverse), 8);
  return e;
}

z3::expr Certifier::in_answer(const std::vector<FamilyBox>& boxes) {
  z3::expr_vector terms(ctx_);
  for (const auto& b : boxes) terms.push_back(in_box(b));
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

void Certifier::limit(z3::solver& s) {
  z3::params params(ctx_);
  if (limits_.timeout_ms) params.set("timeout", limits_.timeout_ms);
  if (limits_.rlimit) params.set("rlimit", unsigned(std::min<uint64_t>(limits_.rlimit, 0xffffffffu)));
  s.set(params);
}

std::optional<Certification> Certifier::outcome(z3::solver& s, z3::check_result r, const std::string& what) {
  switch (r) {
    case z3::unsat: return std::nullopt;
    case z3::sat: {
      core::Packet p = encoder_.packet_of(s.get_model(), p_);
      return Certification{false, false, fmt::format("{}: {}", what, p.to_string())};
    }
    case z3::unknown: return Certification{false, true, s.reason_unknown()};
  }
  return Certification{false, true, "no answer"};
}

std::optional<Certification> Certifier::unsat_or_fail(const z3::expr& formula, const std::string& what,
                                                      bool definitions) {
  z3::solver s(ctx_);
  limit(s);
  if (definitions) {
    for (const auto& d : definitions_) s.add(d);
  }
  s.add(formula);
  ++stats_.solver_calls;
  return outcome(s, s.check(), what);
}

// Whether some packet of the space outside `must` is admitted for every
// value of the atoms: an exists-forall question. Asked directly, Z3 answers
// it by model-based quantifier instantiation, which took seconds on rule
// sets of a few thousand rules. Answered here by counterexample-guided
// instantiation, which gives the same answer: candidates are packets
// admitted under every atom valuation collected so far; a candidate denied
// under no valuation is a genuine counterexample, otherwise the valuation
// that denies it joins the collection. Valuations are finite and each is
// new (the candidate was admitted under all earlier ones), so it ends; after
// kMaxRounds the quantified question is asked after all.
std::optional<Certification> Certifier::nothing_certain_outside(const z3::expr& must) {
  const std::string what = "a packet admitted for every unknown value is missing from the must set";
  constexpr int kMaxRounds = 48;
  z3::expr_vector bound(ctx_);
  for (const auto& [key, a] : atoms_) bound.push_back(a);
  for (const auto& aux : auxiliaries_) bound.push_back(aux);
  z3::expr_vector defs(ctx_);
  for (const auto& d : definitions_) defs.push_back(d);
  // Given the atoms, the definitions fix every auxiliary (each names an
  // expression over the packet, the atoms and earlier auxiliaries), so
  // "admitted under this valuation" is a copy of definitions and admission
  // with the atoms replaced by constants and the auxiliaries by fresh ones.
  z3::expr admitted_with_defs = defs.empty() ? admitted_ : z3::mk_and(defs) && admitted_;
  int copies = 0;
  auto instance = [&](const std::vector<bool>& values) {
    z3::expr_vector to(ctx_);
    size_t k = 0;
    for (; k < atoms_.size(); ++k) to.push_back(ctx_.bool_val(values[k]));
    for (const auto& aux : auxiliaries_)
      to.push_back(
          ctx_.constant(fmt::format("{}!v{}", aux.decl().name().str(), copies).c_str(), aux.get_sort()));
    ++copies;
    z3::expr_vector from = bound;
    return admitted_with_defs.substitute(from, to);
  };
  z3::solver candidates(ctx_);
  limit(candidates);
  for (const auto& d : definitions_) candidates.add(d);  // as unsat_or_fail does, for the formula's own terms
  candidates.add(in_space_ && !must);
  // Seeds: every atom false, every atom true (a rule under an unknown
  // condition does not match / matches).
  candidates.add(instance(std::vector<bool>(atoms_.size(), false)));
  if (!atoms_.empty()) candidates.add(instance(std::vector<bool>(atoms_.size(), true)));
  z3::solver denial(ctx_);
  limit(denial);
  for (const auto& d : definitions_) denial.add(d);
  denial.add(!admitted_);
  for (int round = 0; round < kMaxRounds; ++round) {
    ++stats_.solver_calls;
    z3::check_result r = candidates.check();
    if (r == z3::unsat) return std::nullopt;
    if (r == z3::unknown) return Certification{false, true, candidates.reason_unknown()};
    z3::model m = candidates.get_model();
    denial.push();
    for (const z3::expr* t :
         {&p_.v6, &p_.src, &p_.dst, &p_.proto, &p_.sport, &p_.dport, &p_.itype, &p_.icode})
      denial.add(*t == m.eval(*t, true));
    ++stats_.solver_calls;
    z3::check_result d = denial.check();
    if (d == z3::unsat) {
      denial.pop();
      // Admitted under every valuation: a genuine counterexample.
      core::Packet p = encoder_.packet_of(m, p_);
      return Certification{false, false, fmt::format("{}: {}", what, p.to_string())};
    }
    if (d == z3::unknown) {
      std::string reason = denial.reason_unknown();
      denial.pop();
      return Certification{false, true, reason};
    }
    z3::model dm = denial.get_model();
    std::vector<bool> values;
    for (const auto& [key, a] : atoms_) values.push_back(dm.eval(a, true).is_true());
    denial.pop();
    candidates.add(instance(values));
  }
  z3::expr body = defs.empty() ? admitted_ : z3::implies(z3::mk_and(defs), admitted_);
  return unsat_or_fail(in_space_ && !must && z3::forall(bound, body), what);
}

Certification Certifier::certify(const ExactSet& set) {
  auto pieces = [&](const std::vector<Piece>& list, bool fix_atoms) {
    z3::expr_vector terms(ctx_);
    for (const auto& pc : list) {
      z3::expr e = in_box(FamilyBox{pc.family, pc.answer});
      e = e && p_.dst == ctx_.bv_val(core::u128_to_string(pc.fixed.dst.bits).c_str(), 128);
      e = e && p_.sport == ctx_.bv_val(pc.fixed.src_port, 16);
      if (fix_atoms && pc.atoms) {
        for (const auto& [key, value] : pc.atoms->values) {
          auto it = atoms_.find(key);
          if (it != atoms_.end()) e = e && (it->second == ctx_.bool_val(value));
        }
      }
      terms.push_back(e);
    }
    return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
  };
  auto projections = [&](const std::vector<Piece>& list) {
    z3::expr_vector terms(ctx_);
    for (const auto& pc : list) terms.push_back(in_box(FamilyBox{pc.family, pc.answer}));
    return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
  };
  z3::expr may = in_answer(set.may);
  z3::expr must = in_answer(set.must);
  // 1. Nothing admitted lies outside the may set.
  if (auto f = unsat_or_fail(in_space_ && admitted_ && !may, "an admitted packet is missing from the set"))
    return *f;
  // 2. Every point of the may set is admitted (through its piece's witness fields).
  // (Answer boxes and their projections speak of the packet terms only.)
  if (auto f = unsat_or_fail(may && !projections(set.may_pieces), "a reported point has no witness", false))
    return *f;
  if (auto f = unsat_or_fail(pieces(set.may_pieces, true) && !(in_space_ && admitted_),
                             "a reported packet is not admitted")) {
    return *f;
  }
  if (atoms_.empty()) {
    // Without unknowns, must is may: proved equal, the checks above cover it.
    if (auto f = unsat_or_fail(must != may, "must and may differ without unknowns", false)) return *f;
    return Certification{true, false, {}};
  }
  // 3. Every point of the must set is admitted whatever the unknown atoms are.
  if (auto f = unsat_or_fail(must && !projections(set.must_pieces), "a must point has no witness", false))
    return *f;
  if (auto f = unsat_or_fail(pieces(set.must_pieces, false) && !(in_space_ && admitted_),
                             "a must packet is denied for some unknown values")) {
    return *f;
  }
  // 4. Nothing admitted for every value of the atoms lies outside the must set.
  if (auto f = nothing_certain_outside(must)) return *f;
  return Certification{true, false, {}};
}

// ---- field sets (diffs) -------------------------------------------------------

namespace {
std::vector<Dim> field_universe(core::Family f) {
  Dim addresses = f == core::Family::V4 ? Dim::range(0, 0xffffffffu) : Dim::all();
  return {
      addresses,          addresses,         Dim::range(0, 255), Dim::range(0, 65535), Dim::range(0, 65535),
      Dim::range(0, 255), Dim::range(0, 255)};
}

// Copies a field-projected set into another universe of the same shape.
BoxSet rehome(const BoxSet& s, const std::vector<Dim>* universe) {
  BoxSet out(universe);
  std::vector<Dim> dims;
  for (const auto& b : s.boxes()) {
    std::vector<Dim> d;
    for (size_t i = 0; i < dim::kFields; ++i) d.push_back(b.at(i, s.universe()));
    out.add_disjoint(BoxSet::of(Box(std::move(d)), universe));
  }
  return out;
}
}  // namespace

std::vector<FamilyFields> admitted_fields(const core::Policy& policy, const core::QuestionSpace& space) {
  std::vector<FamilyFields> out;
  const std::vector<size_t> fields{dim::kSrc,   dim::kDst,  dim::kProto, dim::kSport,
                                   dim::kDport, dim::kType, dim::kCode};
  for (core::Family family : {core::Family::V4, core::Family::V6}) {
    FamilyFields ff;
    ff.family = family;
    ff.universe = std::make_unique<std::vector<Dim>>(field_universe(family));
    ff.space = BoxSet(ff.universe.get());
    ff.must = BoxSet(ff.universe.get());
    ff.may = BoxSet(ff.universe.get());
    SetEngine::Run run(policy, space, family);
    BoxSet q = run.question();
    if (!q.empty()) {
      BoxSet a = run.admitted(q);
      a.coalesce();
      BoxSet denied = q.subtract(a);
      BoxSet may = run.project(a, fields);
      BoxSet must = run.project(q, fields).subtract(run.project(denied, fields));
      must.coalesce();
      ff.space = rehome(run.project(q, fields), ff.universe.get());
      ff.must = rehome(must, ff.universe.get());
      ff.may = rehome(may, ff.universe.get());
      ff.atoms = !run.atom_keys.empty();
    }
    out.push_back(std::move(ff));
  }
  return out;
}

ExactSet exact_from_fields(core::Family family, const BoxSet& fields) {
  ExactSet out;
  const auto& u = fields.universe();
  for (const auto& b : fields.boxes()) {
    Box answer;
    for (size_t i = 0; i < dim::kFields; ++i) {
      bool kept =
          i == dim::kSrc || i == dim::kProto || i == dim::kDport || i == dim::kType || i == dim::kCode;
      answer.set(i, kept ? b.at(i, u) : u[i], u);
    }
    core::Packet fixed;
    fixed.family = family;
    fixed.dst = core::Address{family, b.at(dim::kDst, u).intervals().front().lo};
    fixed.src_port = uint16_t(b.at(dim::kSport, u).intervals().front().lo);
    out.must_pieces.push_back(Piece{family, answer, fixed, std::nullopt});
    out.may_pieces.push_back(Piece{family, answer, fixed, core::Valuation{}});
  }
  // The answer boxes, made disjoint after projection.
  BoxSet projected(&u);
  for (const auto& pc : out.may_pieces) projected.add(BoxSet::of(pc.answer, &u));
  projected.coalesce();
  for (const auto& b : projected.boxes()) {
    Box full;
    for (size_t i = 0; i < dim::kFields; ++i) full.set(i, b.at(i, u), u);
    out.must.push_back(FamilyBox{family, full});
    out.may.push_back(FamilyBox{family, full});
  }
  return out;
}

std::optional<Witness> lowest_packet(const BoxSet& fields, core::Family family) {
  return lowest(fields, family, fields.universe(), {});
}

// ---- rule boxes (lint) ----------------------------------------------------------

struct RuleBoxes::Impl {
  core::QuestionSpace space;  // unused by rule matching; the Run needs one
  FieldBounds bounds;
  SetEngine::Run run;
  SetEngine::Run::View view;
  BoxSet domain;
  core::Family family;
  Impl(const core::Policy& policy, core::Family f, core::ConnState state)
      : run(policy, space, f),
        view{state, core::HostId{}, false, true, false, "fwd", nullptr, &bounds},
        domain(nullptr),
        family(f) {
    // Well-formed packets: each protocol class with its own fields.
    Dim zero = Dim::single(0);
    core::ByteSet other = core::ByteSet::all().subtract(port_protocols()).subtract(icmp_protocols());
    domain = run.with({{dim::kProto, widen(port_protocols())}, {dim::kType, zero}, {dim::kCode, zero}});
    domain.add_disjoint(run.with(
        {{dim::kProto, Dim::single(f == core::Family::V4 ? core::proto::kIcmp : core::proto::kIcmpV6)},
         {dim::kSport, zero},
         {dim::kDport, zero}}));
    domain.add_disjoint(run.with({{dim::kProto, widen(other)},
                                  {dim::kSport, zero},
                                  {dim::kDport, zero},
                                  {dim::kType, zero},
                                  {dim::kCode, zero}}));
  }
};

RuleBoxes::RuleBoxes(const core::Policy& policy, core::Family family, core::ConnState state)
    : impl_(std::make_unique<Impl>(policy, family, state)) {}
RuleBoxes::~RuleBoxes() = default;

BoxSet RuleBoxes::match(const core::Rule& rule) {
  BoxSet m = impl_->run.rule_match(rule, impl_->view).intersect(impl_->domain);
  m.coalesce();
  return m;
}

BoxSet RuleBoxes::none() {
  return impl_->run.none();
}

const std::vector<std::string>& RuleBoxes::atom_keys() const {
  return impl_->run.atom_keys;
}

std::optional<Witness> RuleBoxes::lowest(const BoxSet& s) {
  return solver::lowest(s, impl_->family, impl_->run.universe, impl_->run.atom_keys);
}

// ---- rendering --------------------------------------------------------------

namespace {

struct ServiceKey {
  std::map<uint8_t, core::PortSet> ports;                    // port protocols
  std::map<uint8_t, std::map<uint8_t, core::ByteSet>> icmp;  // protocol -> type -> codes
  core::ByteSet other;
  bool operator==(const ServiceKey&) const = default;
};

core::ServiceSet render_services(const ServiceKey& k) {
  core::ServiceSet s;
  for (const auto& [p, ports] : k.ports) {
    core::ServiceMatch m = core::ServiceMatch::protocol(p);
    m.dst_ports = ports;
    s.clauses.push_back(m);
  }
  for (const auto& [p, types] : k.icmp) {
    // Types sharing the same codes render together.
    std::map<std::vector<std::pair<uint8_t, uint8_t>>, core::ByteSet> by_codes;
    for (const auto& [t, codes] : types) {
      std::vector<std::pair<uint8_t, uint8_t>> key;
      for (const auto& iv : codes.intervals()) key.emplace_back(iv.lo, iv.hi);
      by_codes[key].add(t);
    }
    for (const auto& [codes, ts] : by_codes) {
      core::ServiceMatch m = core::ServiceMatch::protocol(p);
      m.icmp_types = ts;
      for (const auto& [lo, hi] : codes) m.icmp_codes.add(lo, hi);
      if (m.icmp_codes.is_all()) m.icmp_codes = core::ByteSet::all();
      s.clauses.push_back(m);
    }
  }
  if (!k.other.empty()) {
    core::ServiceMatch m;
    m.protocols = k.other;
    s.clauses.push_back(m);
  }
  return s;
}

std::vector<core::SetEntry> render(const std::vector<FamilyBox>& boxes) {
  static const std::vector<Dim> kNoUniverse;
  std::vector<core::SetEntry> entries;
  for (core::Family family : {core::Family::V4, core::Family::V6}) {
    // Cut the source axis where any box starts or ends.
    std::vector<u128> cuts;
    for (const auto& fb : boxes) {
      if (fb.family != family) continue;
      for (const auto& iv : fb.box.at(dim::kSrc, kNoUniverse).intervals()) {
        cuts.push_back(iv.lo);
        if (iv.hi != ~u128(0)) cuts.push_back(iv.hi + 1);
      }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<std::pair<ServiceKey, core::AddressSet>> groups;
    for (size_t i = 0; i < cuts.size(); ++i) {
      u128 lo = cuts[i];
      u128 hi =
          i + 1 < cuts.size() ? cuts[i + 1] - 1 : (family == core::Family::V4 ? u128(0xffffffffu) : ~u128(0));
      ServiceKey key;
      bool any = false;
      for (const auto& fb : boxes) {
        if (fb.family != family || !fb.box.at(dim::kSrc, kNoUniverse).contains(lo)) continue;
        any = true;
        const Dim& protos = fb.box.at(dim::kProto, kNoUniverse);
        for (const auto& iv : protos.intervals()) {
          for (u128 p = iv.lo; p <= iv.hi; ++p) {
            uint8_t proto = uint8_t(p);
            if (core::has_ports(proto)) {
              core::PortSet& ps = key.ports[proto];
              for (const auto& d : fb.box.at(dim::kDport, kNoUniverse).intervals())
                ps.add(uint16_t(d.lo), uint16_t(d.hi));
            } else if (core::has_icmp(proto)) {
              for (const auto& t : fb.box.at(dim::kType, kNoUniverse).intervals()) {
                for (u128 ty = t.lo; ty <= t.hi; ++ty) {
                  core::ByteSet& codes = key.icmp[proto][uint8_t(ty)];
                  for (const auto& c : fb.box.at(dim::kCode, kNoUniverse).intervals())
                    codes.add(uint8_t(c.lo), uint8_t(c.hi));
                }
              }
            } else {
              key.other.add(proto);
            }
          }
        }
      }
      if (!any) continue;
      core::AddressSet src = core::AddressSet::range(core::Address{family, lo}, core::Address{family, hi});
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == key; });
      if (it == groups.end()) {
        groups.emplace_back(key, src);
      } else {
        it->second = it->second.unite(src);
      }
    }
    for (auto& [key, sources] : groups) entries.push_back(core::SetEntry{sources, render_services(key)});
  }
  std::stable_sort(entries.begin(), entries.end(), [](const core::SetEntry& a, const core::SetEntry& b) {
    auto first = [](const core::AddressSet& s) { return s.to_cidrs().front().base; };
    return first(a.sources) < first(b.sources);
  });
  return entries;
}

}  // namespace

core::SetAnswer to_answer(const ExactSet& set, const core::QuestionSpace& space) {
  core::SetAnswer a;
  a.projection = "source address x service (some client port, some address of the destination)";
  a.must = render(set.must);
  a.may = render(set.may);
  (void)space;
  return a;
}

}  // namespace rampart::solver
