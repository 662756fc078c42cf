#include "rampart/core/evaluator.h"

#include "rampart/core/atoms.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace rampart::core {

AddressSet martian_sources() {
  static const AddressSet set = [] {
    AddressSet s;
    for (const char* block : {"0.0.0.0/8", "224.0.0.0/4", "255.255.255.255/32", "::/128", "ff00::/8"}) {
      s = s.unite(*AddressSet::parse(block).set);
    }
    return s;
  }();
  return set;
}

std::optional<bool> Valuation::get(const std::string& key) const {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

namespace {

// Three-valued truth: an Unknown carries the first atom that would decide it.
struct Tri {
  enum class Value : uint8_t { False, True, Unknown } value = Value::False;
  std::string atom;
  std::string description;

  static Tri of(bool b) { return Tri{b ? Value::True : Value::False, {}, {}}; }
  static Tri unknown(std::string atom, std::string description) {
    return Tri{Value::Unknown, std::move(atom), std::move(description)};
  }
  bool is_true() const { return value == Value::True; }
  bool is_false() const { return value == Value::False; }
  bool is_unknown() const { return value == Value::Unknown; }
};

constexpr int kMaxChainDepth = 64;

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out += char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class RuleSetEvaluator {
 public:
  RuleSetEvaluator(const Policy& policy, const Packet& packet, HostId host,
                   const std::map<std::string, std::string>& attributes, const std::string& occurrence,
                   const Valuation& valuation)
      : policy_(policy),
        packet_(packet),
        host_(host.valid() ? &policy.host(host) : nullptr),
        attributes_(attributes),
        occurrence_(occurrence),
        valuation_(valuation) {}

  std::variant<RuleSetOutcome, AtomNeeded> run(RuleSetId id) {
    const RuleSet& rs = policy_.rule_set(id);
    switch (rs.combining) {
      case Combining::FirstMatch: return first_match(id, rs);
      case Combining::AllowUnion: return allow_union(id, rs);
      case Combining::BlockOverridesAllow: return block_overrides(id, rs);
      case Combining::PriorityDenyWins: return priority(id, rs);
    }
    internal_error("unknown combining semantics");
  }

 private:
  // A key's value under the valuation, or Unknown naming the key.
  Tri atom(const std::string& key, const std::string& description) const {
    if (auto v = valuation_.get(key)) return Tri::of(*v);
    return Tri::unknown(key, description);
  }

  Tri address(const AddressMatch& m, const Address& a, const char* field) const {
    bool in = m.set.contains(a);
    std::vector<const std::string*> unbound;
    for (const auto& s : m.symbols) {
      if (in) break;
      auto it = host_ ? host_->bindings.find(s) : decltype(host_->bindings.end()){};
      if (host_ && it != host_->bindings.end()) {
        in = it->second.contains(a);
      } else {
        unbound.push_back(&s);
      }
    }
    if (!in) {
      for (const auto* s : unbound) {
        std::string host_name = host_ ? host_->name : "";
        Tri t = atom(symbol_atom(occurrence_, host_name, *s, field),
                     fmt::format("{} address in `{}`, which {} does not bind", field, *s,
                                 host_ ? host_->name : "no host"));
        if (t.is_unknown()) return t;
        if (t.is_true()) {
          in = true;
          break;
        }
      }
    }
    return Tri::of(in != m.negated);
  }

  Tri port_symbols(const PortSymbolMatch& m) const {
    const Packet& p = packet_;
    if (!has_ports(p.protocol)) return Tri::of(false);
    uint16_t port = m.source ? p.src_port : p.dst_port;
    const char* field = m.source ? "sport" : "dport";
    std::vector<const std::string*> unbound;
    for (const auto& s : m.symbols) {
      auto it = host_ ? host_->port_bindings.find(s) : decltype(host_->port_bindings.end()){};
      if (host_ && it != host_->port_bindings.end()) {
        if (it->second.contains(port)) return Tri::of(true);
      } else {
        unbound.push_back(&s);
      }
    }
    for (const auto* s : unbound) {
      std::string host_name = host_ ? host_->name : "";
      Tri t = atom(symbol_atom(occurrence_, host_name, *s, field),
                   fmt::format("{} port in `{}`, which {} does not bind", m.source ? "src" : "dst", *s,
                               host_ ? host_->name : "no host"));
      if (!t.is_false()) return t;
    }
    return Tri::of(false);
  }

  Tri interface(const InterfaceMatch& m, const std::string& name, const char* which) const {
    if (m.is_any()) return Tri::of(true);
    if (name.empty()) {
      std::string host_name = host_ ? host_->name : "";
      // The atom stands for the whole condition (negation included) matching.
      return atom(interface_atom(occurrence_, host_name, which, m),
                  fmt::format("the packet's {} interface on {} is not known", which, host_name));
    }
    return Tri::of(m.matches_name(name) != m.negated);
  }

  Tri attribute(const AttributeMatch& m) const {
    auto it = attributes_.find(m.attribute);
    if (it == attributes_.end()) {
      std::string host_name = host_ ? host_->name : "";
      return atom(attribute_atom(occurrence_, host_name, m),
                  fmt::format("the local {} is not known", m.attribute));
    }
    bool any = std::any_of(m.values.begin(), m.values.end(),
                           [&](const std::string& v) { return lower(v) == lower(it->second); });
    return Tri::of(any != m.negated);
  }

  // Concrete conditions first, so an atom is consulted only when it matters.
  Tri match(const Match& m) const {
    const Packet& p = packet_;
    if (m.family && *m.family != p.family) return Tri::of(false);
    if ((m.states & conn_state_bit(p.state)) == 0) return Tri::of(false);
    if (!m.services.matches(p.protocol, p.src_port, p.dst_port, p.icmp_type, p.icmp_code)) {
      return Tri::of(false);
    }
    Tri parts[] = {address(m.src, p.src, "src"), address(m.dst, p.dst, "dst"),
                   interface(m.in_interface, p.in_interface, "in"),
                   interface(m.out_interface, p.out_interface, "out")};
    for (const auto& t : parts) {
      if (t.is_false()) return t;
    }
    std::vector<Tri> rest;
    for (const auto& ps : m.port_symbols) {
      Tri t = port_symbols(ps);
      if (t.is_false()) return t;
      rest.push_back(std::move(t));
    }
    for (const auto& a : m.attributes) {
      Tri t = attribute(a);
      if (t.is_false()) return t;
      rest.push_back(std::move(t));
    }
    for (const auto& c : m.unknowns) {
      const UnknownCondition& cond = policy_.condition(c);
      Tri t = atom(condition_atom(occurrence_, cond.name), cond.description);
      if (t.is_false()) return t;
      rest.push_back(std::move(t));
    }
    for (const auto& t : parts) {
      if (t.is_unknown()) return t;
    }
    for (const auto& t : rest) {
      if (t.is_unknown()) return t;
    }
    return Tri::of(true);
  }

  static AtomNeeded need(const Tri& t) { return AtomNeeded{t.atom, t.description}; }

  struct ChainResult {
    enum class Kind : uint8_t { Decided, Returned, Need } kind = Kind::Returned;
    Decision decision = Decision::Deny;
    RuleRef rule;
    AtomNeeded needed;
  };

  ChainResult chain(RuleSetId id, const RuleSet& rs, uint32_t chain_index, int depth,
                    std::vector<RuleRef>& via) {
    if (depth > kMaxChainDepth) internal_error("chain nesting deeper than 64 (a jump cycle?)");
    const Chain& ch = rs.chains.at(chain_index);
    for (uint32_t i = 0; i < ch.rules.size(); ++i) {
      const Rule& r = ch.rules[i];
      Tri t = match(r.match);
      if (t.is_unknown()) return ChainResult{ChainResult::Kind::Need, {}, {}, need(t)};
      if (t.is_false()) continue;
      RuleRef ref{id, chain_index, i};
      switch (r.action) {
        case Action::Allow:
        case Action::Bypass:
          return ChainResult{ChainResult::Kind::Decided, Decision::Allow, ref, {}};
        case Action::Deny:
          return ChainResult{ChainResult::Kind::Decided, Decision::Deny, ref, {}};
        case Action::Continue:
          continue;
        case Action::Return:
          return ChainResult{ChainResult::Kind::Returned, {}, {}, {}};
        case Action::Jump:
        case Action::Goto: {
          if (r.target_chain >= rs.chains.size()) internal_error("jump to a chain that does not exist");
          via.push_back(ref);
          ChainResult sub = chain(id, rs, r.target_chain, depth + 1, via);
          if (sub.kind != ChainResult::Kind::Returned) return sub;
          via.pop_back();
          if (r.action == Action::Goto) return ChainResult{ChainResult::Kind::Returned, {}, {}, {}};
          continue;
        }
      }
    }
    return ChainResult{ChainResult::Kind::Returned, {}, {}, {}};
  }

  static Decision default_decision(const RuleSet& rs) {
    return rs.default_action == Action::Allow ? Decision::Allow : Decision::Deny;
  }

  std::variant<RuleSetOutcome, AtomNeeded> first_match(RuleSetId id, const RuleSet& rs) {
    std::vector<RuleRef> via;
    ChainResult r = chain(id, rs, 0, 0, via);
    switch (r.kind) {
      case ChainResult::Kind::Need: return r.needed;
      case ChainResult::Kind::Decided: return RuleSetOutcome{r.decision, r.rule, via};
      case ChainResult::Kind::Returned: return RuleSetOutcome{default_decision(rs), std::nullopt, {}};
    }
    internal_error("unreachable");
  }

  // Scans rules with `action`; a definite match wins over an unknown one.
  struct Scan {
    std::optional<RuleRef> definite;
    std::optional<Tri> unknown;
  };
  Scan scan(RuleSetId id, const RuleSet& rs, Action action,
            std::optional<int64_t> priority = std::nullopt) {
    Scan s;
    const auto& rules = rs.rules();
    for (uint32_t i = 0; i < rules.size(); ++i) {
      const Rule& r = rules[i];
      if (r.action != action) continue;
      if (priority && r.priority != *priority) continue;
      Tri t = match(r.match);
      if (t.is_true()) {
        s.definite = RuleRef{id, 0, i};
        return s;
      }
      if (t.is_unknown() && !s.unknown) s.unknown = t;
    }
    return s;
  }

  void require_single_chain(const RuleSet& rs) const {
    if (rs.chains.size() != 1) internal_error("only first-match rule sets may have several chains");
  }

  std::variant<RuleSetOutcome, AtomNeeded> allow_union(RuleSetId id, const RuleSet& rs) {
    require_single_chain(rs);
    for (const auto& r : rs.rules()) {
      if (r.action != Action::Allow) internal_error("an allow-union rule set holds a non-allow rule");
    }
    Scan s = scan(id, rs, Action::Allow);
    if (s.definite) return RuleSetOutcome{Decision::Allow, s.definite, {}};
    if (s.unknown) return need(*s.unknown);
    return RuleSetOutcome{Decision::Deny, std::nullopt, {}};
  }

  std::variant<RuleSetOutcome, AtomNeeded> block_overrides(RuleSetId id, const RuleSet& rs) {
    require_single_chain(rs);
    const std::pair<Action, Decision> order[] = {
        {Action::Bypass, Decision::Allow}, {Action::Deny, Decision::Deny}, {Action::Allow, Decision::Allow}};
    for (const auto& [action, decision] : order) {
      Scan s = scan(id, rs, action);
      if (s.definite) return RuleSetOutcome{decision, s.definite, {}};
      if (s.unknown) return need(*s.unknown);
    }
    return RuleSetOutcome{default_decision(rs), std::nullopt, {}};
  }

  std::variant<RuleSetOutcome, AtomNeeded> priority(RuleSetId id, const RuleSet& rs) {
    require_single_chain(rs);
    std::vector<int64_t> priorities;
    for (const auto& r : rs.rules()) priorities.push_back(r.priority);
    std::sort(priorities.begin(), priorities.end());
    priorities.erase(std::unique(priorities.begin(), priorities.end()), priorities.end());
    for (int64_t p : priorities) {
      Scan deny = scan(id, rs, Action::Deny, p);
      if (deny.definite) return RuleSetOutcome{Decision::Deny, deny.definite, {}};
      Scan allow = scan(id, rs, Action::Allow, p);
      if (deny.unknown) return need(*deny.unknown);
      if (allow.definite) return RuleSetOutcome{Decision::Allow, allow.definite, {}};
      if (allow.unknown) return need(*allow.unknown);
    }
    return RuleSetOutcome{default_decision(rs), std::nullopt, {}};
  }

  const Policy& policy_;
  const Packet& packet_;
  const Host* host_;
  const std::map<std::string, std::string>& attributes_;
  const std::string& occurrence_;
  const Valuation& valuation_;
};

}  // namespace

std::variant<RuleSetOutcome, AtomNeeded> evaluate_rule_set(
    const Policy& policy, RuleSetId rule_set, const Packet& packet, HostId host,
    const std::map<std::string, std::string>& local_attributes, const std::string& occurrence,
    const Valuation& valuation) {
  RuleSetEvaluator e(policy, packet, host, local_attributes, occurrence, valuation);
  return e.run(rule_set);
}

NetworkPath path_for(const Policy& policy, const Endpoint& source, const Destination& destination) {
  NetworkPath path;
  if (source.kind == Endpoint::Kind::Host) {
    path.hops.push_back(PathHop{source.host, Direction::Outbound});
  }
  if (destination.kind == Destination::Kind::Host) {
    path.destination = destination.host;
    path.hops.push_back(PathHop{destination.host, Direction::Inbound});
    path.local = source.kind == Endpoint::Kind::Host && source.host == destination.host;
  }
  (void)policy;
  return path;
}

std::optional<ListenerId> find_listener(const Host& host, const Packet& packet, std::string* reason) {
  bool local_address = packet.dst.is_loopback() || host.addresses().contains(packet.dst);
  if (!local_address) {
    if (reason) *reason = fmt::format("{} is not an address of {}", packet.dst.to_string(), host.name);
    return std::nullopt;
  }
  std::optional<ListenerId> best;
  int best_rank = -1;
  bool port_open_elsewhere = false;
  for (uint32_t i = 0; i < host.listeners.size(); ++i) {
    const Listener& l = host.listeners[i];
    if (l.protocol != packet.protocol || !l.ports.contains(packet.dst_port)) continue;
    if (!l.bind.covers(packet.dst)) {
      port_open_elsewhere = true;
      continue;
    }
    int rank = l.bind.kind == Bind::Kind::Address ? 2 : (l.bind.kind == Bind::Kind::Any ? 0 : 1);
    if (rank > best_rank) {
      best = ListenerId(i);
      best_rank = rank;
    }
  }
  if (!best && reason) {
    if (port_open_elsewhere) {
      *reason = fmt::format("{}/{} listens on {} only on other addresses, not {}",
                            protocol_name(packet.protocol), packet.dst_port, host.name,
                            packet.dst.to_string());
    } else {
      *reason = fmt::format("nothing listens on {}/{} on {}", protocol_name(packet.protocol),
                            packet.dst_port, host.name);
    }
  }
  return best;
}

std::map<std::string, std::string> listener_attributes(const Policy& policy, const Host& host,
                                                       const std::optional<ListenerId>& listener) {
  std::map<std::string, std::string> attrs;
  if (!listener) return attrs;
  const Listener& l = host.listeners.at(listener->index());
  if (!l.process.empty()) attrs["program"] = l.process;
  if (l.service.valid()) {
    const Service& s = policy.service(l.service);
    attrs["service"] = s.name;
    if (!s.program.empty()) attrs["program"] = s.program;
    if (!s.user_name.empty()) attrs["user"] = s.user_name;
  }
  return attrs;
}

namespace {

struct PathEvaluator {
  const Policy& policy;
  const NetworkPath& path;
  const Valuation& valuation;

  std::variant<RuleSetOutcome, AtomNeeded> rule_set(RuleSetId id, const Packet& p, HostId host,
                                                    const std::map<std::string, std::string>& attrs,
                                                    const std::string& occ) {
    if (!id.valid()) return RuleSetOutcome{Decision::Allow, std::nullopt, {}};
    return evaluate_rule_set(policy, id, p, host, attrs, occ, valuation);
  }

  std::variant<MemberOutcome, AtomNeeded> member(FilterId fid, Direction dir, const Packet& fwd,
                                                 HostId host,
                                                 const std::map<std::string, std::string>& attrs) {
    const PacketFilter& f = policy.filter(fid);
    RuleSetId forward_set = dir == Direction::Inbound ? f.inbound : f.outbound;
    RuleSetId reply_set = dir == Direction::Inbound ? f.outbound : f.inbound;
    MemberOutcome out;
    out.filter = fid;
    auto fo = rule_set(forward_set, fwd, host, attrs, "fwd");
    if (auto* n = std::get_if<AtomNeeded>(&fo)) return *n;
    out.forward = std::get<RuleSetOutcome>(fo);
    out.decision = out.forward.decision;
    if (out.decision == Decision::Allow && f.stateless) {
      if (auto reply = fwd.reply()) {
        auto ro = rule_set(reply_set, *reply, host, attrs, "reply");
        if (auto* n = std::get_if<AtomNeeded>(&ro)) return *n;
        out.reply = std::get<RuleSetOutcome>(ro);
        out.decision = out.reply->decision;
      }
    }
    return out;
  }

  // Why the destination host drops a packet arriving from the network before
  // any listener sees it (Linux: a loopback destination, or a loopback or
  // local source, is martian), or empty. The local path is exempt.
  std::string martian(const Packet& packet) const {
    if (path.local || !path.destination.valid()) return {};
    const Host& dest = policy.host(path.destination);
    if (packet.dst.is_loopback()) {
      return fmt::format("{} is a loopback address: only {} itself reaches it", packet.dst.to_string(),
                         dest.name);
    }
    if (packet.src.is_loopback()) {
      return fmt::format("{} drops packets from the network with a loopback source ({})", dest.name,
                         packet.src.to_string());
    }
    if (dest.addresses().contains(packet.src)) {
      return fmt::format("{} drops packets from the network that claim its own address {} as their source",
                         dest.name, packet.src.to_string());
    }
    if (martian_sources().contains(packet.src)) {
      return fmt::format("{} is not a valid source address (this-network, multicast or broadcast): the packet is "
                         "dropped as martian",
                         packet.src.to_string());
    }
    return {};
  }

  std::variant<PathOutcome, AtomNeeded> run(const Packet& packet) {
    PathOutcome out;
    out.packet = packet;
    out.destination = path.destination;
    std::map<std::string, std::string> dest_attrs;
    if (path.destination.valid()) {
      const Host& dest = policy.host(path.destination);
      out.listener = has_ports(packet.protocol)
                         ? find_listener(dest, packet, &out.listener_reason)
                         : std::nullopt;
      dest_attrs = listener_attributes(policy, dest, out.listener);
    }
    // A forwarded listener (a published container port): the destination's
    // host filters are not on the packet's way from another host.
    bool forwarded = false;
    if (!path.local && out.listener && path.destination.valid()) {
      forwarded = policy.host(path.destination).listeners.at(out.listener->index()).forwarded;
    }
    bool any_stateless_reply = false;
    for (const auto& hop : path.hops) {
      const Host& host = policy.host(hop.host);
      Packet p = packet;
      if (hop.direction == Direction::Inbound) {
        p.in_interface = path.local ? "lo" : host.interface_of(packet.dst);
        p.out_interface.clear();
      } else {
        p.out_interface = path.local ? "lo" : host.interface_of(packet.src);
        p.in_interface.clear();
      }
      const auto& layers = hop.direction == Direction::Inbound ? host.inbound : host.outbound;
      static const std::map<std::string, std::string> kNoAttributes;
      const auto& attrs = hop.host == path.destination ? dest_attrs : kNoAttributes;
      for (uint32_t li = 0; li < layers.size(); ++li) {
        StepOutcome step;
        step.host = hop.host;
        step.direction = hop.direction;
        step.layer_index = li;
        bool evaluated = false;
        bool bypass = forwarded && hop.host == path.destination && hop.direction == Direction::Inbound;
        for (const auto& fid : layers[li].members) {
          if (path.local && policy.filter(fid).scope == FilterScope::Network) continue;
          if (bypass && policy.filter(fid).scope == FilterScope::Host) continue;
          auto mo = member(fid, hop.direction, p, hop.host, attrs);
          if (auto* n = std::get_if<AtomNeeded>(&mo)) return *n;
          evaluated = true;
          step.members.push_back(std::get<MemberOutcome>(mo));
          const MemberOutcome& m = step.members.back();
          if (m.reply) any_stateless_reply = true;
          if (m.decision == Decision::Allow) {
            step.decision = Decision::Allow;
            step.deciding_member = int(step.members.size() - 1);
            break;
          }
        }
        if (!evaluated) continue;  // a layer of network filters on the local path
        if (step.deciding_member < 0) {
          step.decision = Decision::Deny;
          step.deciding_member = int(step.members.size() - 1);
        }
        out.steps.push_back(std::move(step));
        if (out.steps.back().decision == Decision::Deny) {
          out.layers_admit = false;
          if (any_stateless_reply) out.reply = packet.reply();
          return out;
        }
      }
    }
    out.layers_admit = true;
    if (any_stateless_reply) out.reply = packet.reply();
    if (std::string why = martian(packet); !why.empty()) {
      out.listener.reset();
      out.listener_reason = std::move(why);
      out.admitted = false;
    } else if (!path.destination.valid()) {
      out.admitted = true;
    } else if (!has_ports(packet.protocol)) {
      // No port: the destination's kernel itself answers (ICMP, ESP, ...),
      // provided the address is the host's.
      const Host& dest = policy.host(path.destination);
      out.admitted = packet.dst.is_loopback() || dest.addresses().contains(packet.dst);
      if (!out.admitted) {
        out.listener_reason = fmt::format("{} is not an address of {}", packet.dst.to_string(), dest.name);
      }
    } else {
      out.admitted = out.listener.has_value();
    }
    if (out.admitted && path.required_listeners) {
      const auto& allowed = *path.required_listeners;
      if (!out.listener || std::find(allowed.begin(), allowed.end(), *out.listener) == allowed.end()) {
        out.admitted = false;
        out.listener_reason = out.listener ? "the listener that accepts it is not one the question asks about"
                                           : "no listener the question asks about accepts it";
      }
    }
    return out;
  }
};

}  // namespace

std::variant<PathOutcome, AtomNeeded> evaluate_path(const Policy& policy, const NetworkPath& path,
                                                    const Packet& packet,
                                                    const Valuation& valuation) {
  PathEvaluator e{policy, path, valuation};
  return e.run(packet);
}

std::vector<Evaluation> evaluate_all(const Policy& policy, const NetworkPath& path,
                                     const Packet& packet, size_t max_branches) {
  std::vector<Evaluation> out;
  std::vector<Valuation> work{Valuation{}};
  size_t visited = 0;
  while (!work.empty()) {
    Valuation v = std::move(work.back());
    work.pop_back();
    if (++visited > max_branches) {
      internal_error(fmt::format("more than {} combinations of unknown conditions for one packet",
                                 max_branches));
    }
    auto r = evaluate_path(policy, path, packet, v);
    if (auto* n = std::get_if<AtomNeeded>(&r)) {
      Valuation f = v, t = v;
      f.set(n->key, false);
      t.set(n->key, true);
      work.push_back(std::move(f));
      work.push_back(std::move(t));
      continue;
    }
    out.push_back(Evaluation{std::move(v), std::move(std::get<PathOutcome>(r))});
  }
  return out;
}

namespace {

std::string rule_label(const Policy& policy, const std::optional<RuleRef>& ref) {
  if (!ref) return "default";
  const Rule& r = policy.rule(*ref);
  if (!r.name.empty()) return r.name;
  const RuleSet& rs = policy.rule_set(ref->rule_set);
  return fmt::format("{} {}#{}", rs.chains.at(ref->chain).name.empty() ? rs.name : rs.chains.at(ref->chain).name,
                     action_name(r.action), ref->index + 1);
}

LayerStep make_step(const Policy& policy, const StepOutcome& s, const MemberOutcome& m, bool reply) {
  const Host& host = policy.host(s.host);
  const auto& layers = s.direction == Direction::Inbound ? host.inbound : host.outbound;
  const PacketFilter& f = policy.filter(m.filter);
  const RuleSetOutcome& o = reply ? *m.reply : m.forward;
  RuleSetId set_id = (s.direction == Direction::Inbound) != reply ? f.inbound : f.outbound;
  LayerStep step;
  step.host = host.name;
  step.direction = s.direction;
  step.layer_index = s.layer_index;
  step.layer = policy.layer_text(layers.at(s.layer_index));
  step.filter = f.name;
  step.reply = reply;
  step.decision = o.decision;
  step.by_default = !o.rule.has_value();
  step.rule = rule_label(policy, o.rule);
  if (o.rule) {
    step.origin = policy.rule(*o.rule).origin;
  } else if (set_id.valid()) {
    step.origin = policy.rule_set(set_id).default_origin;
    if (!step.origin.known()) step.origin = policy.rule_set(set_id).origin;
  } else {
    step.rule = fmt::format("no {} rules", direction_name(reply ? (s.direction == Direction::Inbound
                                                                      ? Direction::Outbound
                                                                      : Direction::Inbound)
                                                                : s.direction));
    step.origin = f.origin;
  }
  for (const auto& v : o.via) step.via.push_back(rule_label(policy, v));
  return step;
}

}  // namespace

// What an atom of a witness stands for, in the words the evaluator uses
// when it asks for it (the atom names are those of atoms.h).
static std::string atom_description(const Policy& policy, const std::string& atom) {
  auto slash = atom.find('/');
  if (slash == std::string::npos) return "";
  std::string_view rest = std::string_view(atom).substr(slash + 1);
  auto colon = rest.find(':');
  if (colon == std::string_view::npos) return "";
  std::string_view kind = rest.substr(0, colon), body = rest.substr(colon + 1);
  if (kind == "cond") {
    for (const auto& c : policy.conditions) {
      if (c.name == body) return c.description;
    }
    return "";
  }
  if (kind == "sym") {
    // HOST:SYMBOL:FIELD; a host name has no colon, the field is src or dst.
    auto first = body.find(':'), last = body.rfind(':');
    if (first == std::string_view::npos || last == first) return "";
    std::string_view host = body.substr(0, first), field = body.substr(last + 1);
    // Port symbols (`let ports`) have the field sport or dport.
    std::string what = field == "sport"   ? "src port"
                       : field == "dport" ? "dst port"
                                          : fmt::format("{} address", field);
    return fmt::format("{} in `{}`, which {} does not bind", what, body.substr(first + 1, last - first - 1),
                       host.empty() ? "no host" : host);
  }
  if (kind == "attr") {
    // HOST:ATTRIBUTE=VALUES or HOST:ATTRIBUTE!=VALUES
    auto first = body.find(':');
    if (first == std::string_view::npos) return "";
    std::string_view attribute = body.substr(first + 1);
    return fmt::format("the local {} is not known", attribute.substr(0, attribute.find_first_of("!=")));
  }
  return "";
}

NetworkWitness describe(const Policy& policy, const PathOutcome& outcome, const Valuation& valuation) {
  NetworkWitness w;
  w.packet = outcome.packet;
  w.reply = outcome.reply;
  w.admitted = outcome.admitted;
  for (const auto& s : outcome.steps) {
    // Every member that was evaluated, in order: for an admitting layer that
    // is the denying members before the one that admitted.
    for (const auto& m : s.members) {
      w.steps.push_back(make_step(policy, s, m, false));
      if (m.reply) w.steps.push_back(make_step(policy, s, m, true));
    }
  }
  if (outcome.listener && outcome.destination.valid()) {
    const Listener& l = policy.host(outcome.destination).listeners.at(outcome.listener->index());
    w.listener = l.to_string();
    if (l.service.valid() && l.process.empty()) w.listener += fmt::format(" ({})", policy.service(l.service).name);
    w.listener_origin = l.origin;
  }
  w.listener_reason = outcome.listener_reason;
  for (const auto& [key, value] : valuation.values) {
    w.assumptions.push_back(Assumption{key, value, {}});
  }
  for (auto& a : w.assumptions) a.description = atom_description(policy, a.condition);
  return w;
}

}  // namespace rampart::core
