// The AWS family's inventory -> core elements (docs/importers/aws.md):
// security groups and network ACLs as filters, instances and interfaces as
// hosts with their layers, VPCs, subnets and prefix lists as zones.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "json_util.h"
#include "model.h"

namespace rampart::importers::aws {

core::AddressSet Eni::private_addresses() const {
  core::AddressSet out = prefixes;
  for (const auto& a : private4) out = out.unite(core::AddressSet::of(a));
  for (const auto& a : v6) out = out.unite(core::AddressSet::of(a));
  return out;
}

core::AddressSet Eni::addresses() const {
  core::AddressSet out = private_addresses();
  for (const auto& [priv, pub] : public4) out = out.unite(core::AddressSet::of(pub));
  return out;
}

namespace {

using core::AddressMatch;
using core::AddressSet;

bool is_port_protocol(uint8_t p) {
  return p == core::proto::kTcp || p == core::proto::kUdp;
}
bool is_icmp_protocol(uint8_t p) {
  return p == core::proto::kIcmp || p == core::proto::kIcmpV6;
}

core::ServiceSet to_services(const Services& s) {
  if (!s.protocol) return core::ServiceSet::any();
  core::ServiceMatch m = core::ServiceMatch::protocol(*s.protocol);
  if (is_port_protocol(*s.protocol)) {
    if (s.from >= 0) {
      int64_t to = s.to >= 0 ? s.to : s.from;
      m.dst_ports = core::PortSet::range(uint16_t(s.from), uint16_t(std::max(to, s.from)));
    }
  } else if (is_icmp_protocol(*s.protocol)) {
    if (s.from >= 0) {
      m.icmp_types = core::ByteSet::single(uint8_t(s.from));
      if (s.to >= 0) m.icmp_codes = core::ByteSet::single(uint8_t(s.to));
    }
  }
  return core::ServiceSet::of(m);
}

std::string services_text(const Services& s) {
  if (!s.protocol) return "all";
  std::string name = core::protocol_name(*s.protocol);
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])))
    name = fmt::format("proto/{}", *s.protocol);
  if (is_port_protocol(*s.protocol)) {
    if (s.from < 0 || (s.from == 0 && s.to == 65535)) return name;
    int64_t to = s.to >= 0 ? s.to : s.from;
    return to == s.from ? fmt::format("{}/{}", name, s.from) : fmt::format("{}/{}-{}", name, s.from, to);
  }
  if (is_icmp_protocol(*s.protocol)) {
    if (s.from < 0) return name;
    if (s.to < 0) return fmt::format("{}/{}", name, s.from);
    return fmt::format("{}/{}:{}", name, s.from, s.to);
  }
  return name;
}

struct Endpoint {
  std::string id;
  std::string name;  // Name tag
  std::string state;
  std::vector<Eni> enis;
  core::Origin origin;
};

struct UnknownRoute {
  AddressSet sources;        // the remote addresses the route covers
  bool public_side = false;  // toward public (and IPv6) addresses rather than private ones
  Unknown condition;
};

struct RouteClasses {
  bool known = false;
  std::string table;
  core::Origin origin;
  core::Origin internet_origin;
  std::string igw;
  AddressSet inbound_private;  // local, peering, VPN, transit, local and core-network gateways
  AddressSet internet;         // internet gateway
  AddressSet outbound_only;    // NAT and egress-only gateways, endpoints
  std::vector<UnknownRoute> unknown;
};

struct Membership {
  AddressSet members;
  bool complete = false;
  std::string why;
};

class Builder {
 public:
  Builder(Inventory inv, core::Diagnostics diags) : inv_(std::move(inv)) {
    out_.diagnostics = std::move(diags);
  }

  core::ImportResult run() {
    assemble_endpoints();
    for (const auto& [key, g] : inv_.groups) {
      core::FilterId id = security_group(g, nullptr, "");
      plain_groups_[key] = id;
      primary(key, core::ObjectKind::Filter, id.value, g.origin);
      aliases(g.aliases, core::ObjectKind::Filter, id.value);
      if (!g.name.empty()) alias(g.name, core::ObjectKind::Filter, id.value);
    }
    for (const auto& [key, n] : inv_.nacls) {
      core::FilterId id = nacl(n, nullptr, "", "");
      primary(key, core::ObjectKind::Filter, id.value, n.origin);
      aliases(n.aliases, core::ObjectKind::Filter, id.value);
    }
    for (const auto& ep : endpoints_) host(ep);
    zones();
    finish_objects();
    return std::move(out_);
  }

 private:
  core::Policy& frag() { return out_.fragment; }
  core::Diagnostics& diags() { return out_.diagnostics; }

  core::ConditionId condition(const Unknown& u) {
    return frag().condition_named(u.name, u.description, u.origin);
  }

  void warn_once(const std::string& key, const char* code, const core::Origin& at, std::string message) {
    if (!warned_.insert(key).second) return;
    diags().warning(code, at, std::move(message));
  }

  // ---- endpoints ---------------------------------------------------------------

  void assemble_endpoints() {
    std::map<std::string, size_t> by_id;
    for (auto& inst : inv_.instances) {
      if (inst.state == "terminated") continue;
      if (by_id.count(inst.id)) {
        diags().warning(codes::kInconsistent, inst.origin,
                        fmt::format("instance `{}` is described twice; the first is used", inst.id));
        continue;
      }
      if (inst.enis.empty()) {
        diags().warning(codes::kNotModelled, inst.origin,
                        fmt::format("instance `{}` has no network interface; it is not imported", inst.id));
        continue;
      }
      by_id[inst.id] = endpoints_.size();
      endpoints_.push_back(Endpoint{inst.id, inst.name, inst.state, inst.enis, inst.origin});
    }
    for (auto& e : inv_.enis) {
      if (!e.instance.empty()) {
        auto it = by_id.find(e.instance);
        if (it == by_id.end()) {
          by_id[e.instance] = endpoints_.size();
          endpoints_.push_back(Endpoint{e.instance, "", "", {e}, e.origin});
          continue;
        }
        auto& enis = endpoints_[it->second].enis;
        auto same = std::find_if(enis.begin(), enis.end(), [&](const Eni& x) { return x.id == e.id; });
        if (same == enis.end()) {
          enis.push_back(e);
        } else {
          merge_eni(*same, e);
        }
        continue;
      }
      if (e.status == "available") {
        detached_.push_back(e);  // no machine behind it, but a member of its groups
        continue;
      }
      if (by_id.count(e.id)) {
        diags().warning(codes::kInconsistent, e.origin,
                        fmt::format("network interface `{}` is described twice; the first is used", e.id));
        continue;
      }
      by_id[e.id] = endpoints_.size();
      endpoints_.push_back(Endpoint{e.id, "", "", {e}, e.origin});
    }
    for (const auto& eip : inv_.eips) {
      Eni* target = nullptr;
      for (auto& ep : endpoints_) {
        for (auto& e : ep.enis) {
          if ((!eip.eni.empty() && e.id == eip.eni) ||
              (eip.eni.empty() && !eip.instance.empty() && ep.id == eip.instance && !target))
            target = &e;
        }
      }
      if (!target || target->private4.empty()) continue;
      core::Address priv = eip.private_ip.value_or(target->private4.front());
      auto pair = std::make_pair(priv, eip.public_ip);
      if (std::find(target->public4.begin(), target->public4.end(), pair) == target->public4.end())
        target->public4.push_back(pair);
    }
    // An interface id on several machines (seen in sample data) is kept on each.
    std::map<std::string, std::vector<std::string>> owners;
    for (const auto& ep : endpoints_) {
      for (const auto& e : ep.enis) owners[e.id].push_back(ep.id);
    }
    for (const auto& [id, eps] : owners) {
      if (eps.size() < 2) continue;
      diags().warning(
          codes::kInconsistent, endpoints_[by_id[eps[1]]].origin,
          fmt::format("network interface `{}` appears on {} machines ({}); each keeps its own copy", id,
                      eps.size(), fmt::join(eps, ", ")));
    }
  }

  static void merge_eni(Eni& into, const Eni& from) {
    for (const auto& a : from.private4)
      if (std::find(into.private4.begin(), into.private4.end(), a) == into.private4.end())
        into.private4.push_back(a);
    for (const auto& a : from.public4)
      if (std::find(into.public4.begin(), into.public4.end(), a) == into.public4.end())
        into.public4.push_back(a);
    for (const auto& a : from.v6)
      if (std::find(into.v6.begin(), into.v6.end(), a) == into.v6.end()) into.v6.push_back(a);
    for (const auto& g : from.groups)
      if (std::find(into.groups.begin(), into.groups.end(), g) == into.groups.end()) into.groups.push_back(g);
    into.prefixes = into.prefixes.unite(from.prefixes);
    into.deny_igw = into.deny_igw || from.deny_igw;
    if (into.subnet.empty()) into.subnet = from.subnet;
    if (into.vpc.empty()) into.vpc = from.vpc;
  }

  // ---- group membership ----------------------------------------------------------

  const Membership& membership(const std::string& key) {
    auto it = members_.find(key);
    if (it != members_.end()) return it->second;
    Membership m;
    auto add = [&](const Eni& e) {
      if (std::find(e.groups.begin(), e.groups.end(), key) != e.groups.end())
        m.members = m.members.unite(e.private_addresses());
    };
    for (const auto& ep : endpoints_)
      for (const auto& e : ep.enis) add(e);
    for (const auto& e : detached_) add(e);
    bool known_group = inv_.groups.count(key) > 0;
    m.complete = inv_.have_enis && known_group;
    if (!known_group) {
      m.why = fmt::format(
          "security group `{}` is not among the imported files (another account or a peered VPC?)", key);
    } else if (!inv_.have_enis) {
      m.why = inv_.source == "terraform"
                  ? fmt::format("the members of `{}` are not in the plan", key)
                  : fmt::format(
                        "no `describe-network-interfaces` output was imported, so the members of `{}` "
                        "beyond the imported instances are unknown",
                        key);
    }
    return members_.emplace(key, std::move(m)).first->second;
  }

  // ---- security groups -----------------------------------------------------------

  // The core rules of one security-group rule (two when part of the peer is unknown).
  std::vector<core::Rule> sg_rules(const SgRule& r) {
    AddressSet certain;
    std::optional<std::pair<AddressSet, Unknown>> maybe;
    std::string peer_text = r.peer.text;
    switch (r.peer.kind) {
      case Peer::Kind::Cidr: certain = r.peer.cidr; break;
      case Peer::Kind::Any: certain = AddressSet::any(); break;
      case Peer::Kind::PrefixList: {
        auto it = inv_.prefix_lists.find(r.peer.ref);
        if (it != inv_.prefix_lists.end() && it->second.entries) {
          certain = *it->second.entries;
          if (!it->second.name.empty()) peer_text += " (" + it->second.name + ")";
        } else {
          std::string why =
              fmt::format("the entries of prefix list `{}` are not among the imported files", r.peer.ref);
          warn_once("pl:" + r.peer.ref, codes::kUnresolved, r.origin,
                    why + "; rules naming it match unknown addresses");
          maybe = {AddressSet::any(), Unknown{"aws:prefix-list:" + r.peer.ref, why, r.origin}};
        }
        break;
      }
      case Peer::Kind::Group: {
        const Membership& m = membership(r.peer.ref);
        certain = m.members;
        if (!m.complete) {
          warn_once("sg:" + r.peer.ref, codes::kUnresolved, r.origin,
                    m.why + "; rules naming it match unknown addresses");
          maybe = {AddressSet::any().subtract(m.members),
                   Unknown{"aws:sg-members:" + r.peer.ref, m.why, r.origin}};
        }
        break;
      }
    }
    std::string name =
        fmt::format("{} {} {}", services_text(r.services), r.egress ? "to" : "from", peer_text);
    if (!r.description.empty()) name += " (" + r.description + ")";
    if (!r.id.empty()) name = r.id + ": " + name;
    core::Rule base;
    base.action = core::Action::Allow;
    base.origin = r.origin;
    base.match.services = to_services(r.services);
    for (const auto& u : r.unknowns) base.match.unknowns.push_back(condition(u));
    std::vector<core::Rule> out;
    auto emit = [&](const AddressSet& peer, std::optional<core::ConditionId> cond, std::string rule_name) {
      core::Rule rule = base;
      rule.name = std::move(rule_name);
      (r.egress ? rule.match.dst : rule.match.src) = AddressMatch::of(peer);
      if (cond) rule.match.unknowns.push_back(*cond);
      out.push_back(std::move(rule));
    };
    if (!maybe || !certain.empty()) emit(certain, std::nullopt, name);
    if (maybe) {
      emit(maybe->first, condition(maybe->second),
           name + (certain.empty() ? " (addresses unknown)" : " (other members unknown)"));
    }
    return out;
  }

  core::RuleSet rule_set(const std::string& name, core::Combining combining, const core::Origin& origin) {
    core::RuleSet rs;
    rs.name = name;
    rs.combining = combining;
    rs.default_action = core::Action::Deny;
    rs.origin = origin;
    rs.default_origin = origin;
    rs.chains.push_back(core::Chain{name, {}, origin});
    return rs;
  }

  core::FilterId add_filter(std::string name, std::string kind, core::RuleSet in, core::RuleSet out,
                            bool stateless, const core::Origin& origin) {
    core::PacketFilter f;
    f.name = std::move(name);
    f.kind = std::move(kind);
    f.inbound = frag().add(std::move(in));
    f.outbound = frag().add(std::move(out));
    f.stateless = stateless;
    f.scope = core::FilterScope::Network;
    f.origin = origin;
    return frag().add(std::move(f));
  }

  // A group as a filter; with `restrict`, only for packets to (inbound) or
  // from (outbound) those addresses: one interface of a machine with several.
  core::FilterId security_group(const SecurityGroup& g, const AddressSet* restrict,
                                const std::string& suffix) {
    std::string name = g.key + suffix;
    auto in = rule_set(name + " inbound", core::Combining::AllowUnion, g.origin);
    auto out = rule_set(name + " outbound", core::Combining::AllowUnion, g.origin);
    for (const auto& r : g.rules) {
      for (auto& rule : sg_rules(r)) {
        if (restrict) (r.egress ? rule.match.src : rule.match.dst) = AddressMatch::of(*restrict);
        (r.egress ? out : in).rules().push_back(std::move(rule));
      }
    }
    if (g.partial) {
      core::ConditionId c = condition(*g.partial);
      for (auto* rs : {&in, &out}) {
        core::Rule rule;
        rule.name = "rules outside the input (unknown)";
        rule.origin = g.partial->origin;
        rule.match.unknowns.push_back(c);
        if (restrict) (rs == &in ? rule.match.dst : rule.match.src) = AddressMatch::of(*restrict);
        rs->rules().push_back(std::move(rule));
      }
    }
    return add_filter(name, "aws-security-group", std::move(in), std::move(out), false, g.origin);
  }

  // A member of a machine's security-group layer.
  core::FilterId group_member(const std::string& key, const Eni& eni, const AddressSet* restrict,
                              const std::string& suffix) {
    std::string cache = key + suffix;
    if (auto it = members_filters_.find(cache); it != members_filters_.end()) return it->second;
    core::FilterId id;
    auto g = inv_.groups.find(key);
    if (g != inv_.groups.end()) {
      id = restrict ? security_group(g->second, restrict, suffix) : plain_groups_.at(key);
    } else {
      std::string why =
          fmt::format("security group `{}` of `{}` is not among the imported files", key, eni.id);
      warn_once("sg-rules:" + key, codes::kUnresolved, eni.origin, why + "; its rules are unknown");
      SecurityGroup unknown;
      unknown.key = key;
      unknown.origin = eni.origin;
      unknown.partial = Unknown{"aws:sg-rules:" + key, why, eni.origin};
      id = security_group(unknown, restrict, suffix);
    }
    members_filters_[cache] = id;
    return id;
  }

  // ---- network ACLs --------------------------------------------------------------

  // A network ACL as a filter. With a subnet, as its machines see it:
  // traffic within the subnet does not cross it. With `restrict`, only for
  // one interface of a machine with several.
  core::FilterId nacl(const Nacl& n, const Eni* eni, const std::string& subnet, const std::string& suffix,
                      const AddressSet* restrict = nullptr) {
    std::string name = n.key + suffix;
    auto in = rule_set(name + " inbound", core::Combining::FirstMatch, n.origin);
    auto out = rule_set(name + " outbound", core::Combining::FirstMatch, n.origin);
    if (restrict) {
      core::Rule deny;
      deny.name = fmt::format("not for {}", eni ? eni->id : "this interface");
      deny.action = core::Action::Deny;
      deny.origin = n.origin;
      deny.match.dst = AddressMatch::of(restrict->complement());
      in.rules().push_back(deny);
      deny.match.dst = AddressMatch::any();
      deny.match.src = AddressMatch::of(restrict->complement());
      out.rules().push_back(deny);
    }
    if (!subnet.empty()) {
      core::Rule same;
      same.name = fmt::format("within {}: not crossed", subnet);
      same.action = core::Action::Allow;
      auto s = inv_.subnets.find(subnet);
      if (s != inv_.subnets.end() && !s->second.cidrs.empty()) {
        same.origin = s->second.origin;
        same.match.src = AddressMatch::of(s->second.cidrs);
        in.rules().push_back(same);
        same.match.src = AddressMatch::any();
        same.match.dst = AddressMatch::of(s->second.cidrs);
        out.rules().push_back(same);
      } else {
        std::string why = fmt::format("the address range of `{}` is not among the imported files", subnet);
        warn_once("subnet:" + subnet, codes::kUnresolved, eni ? eni->origin : n.origin,
                  why + " (`describe-subnets`), so which traffic stays within it is unknown");
        same.origin = eni ? eni->origin : n.origin;
        same.match.unknowns.push_back(condition(Unknown{"aws:subnet-range:" + subnet, why, same.origin}));
        in.rules().push_back(same);
        out.rules().push_back(same);
      }
    }
    std::vector<const NaclEntry*> entries;
    for (const auto& e : n.entries) entries.push_back(&e);
    std::stable_sort(entries.begin(), entries.end(), [](const NaclEntry* a, const NaclEntry* b) {
      return std::tie(a->egress, a->number) < std::tie(b->egress, b->number);
    });
    for (size_t i = 1; i < entries.size() && suffix.empty(); ++i) {
      if (entries[i]->egress == entries[i - 1]->egress && entries[i]->number == entries[i - 1]->number) {
        diags().warning(
            codes::kInconsistent, entries[i]->origin,
            fmt::format("network ACL `{}` has two {} entries numbered {}; they keep their file order", n.key,
                        entries[i]->egress ? "egress" : "ingress", entries[i]->number));
      }
    }
    for (const NaclEntry* e : entries) {
      core::Rule rule;
      rule.action = e->allow ? core::Action::Allow : core::Action::Deny;
      rule.name = fmt::format("{} {} {} {} {}", e->number, e->allow ? "allow" : "deny",
                              services_text(e->services), e->egress ? "to" : "from", e->cidr_text);
      rule.origin = e->origin;
      rule.match.services = to_services(e->services);
      (e->egress ? rule.match.dst : rule.match.src) = AddressMatch::of(e->cidr);
      for (const auto& u : e->unknowns) rule.match.unknowns.push_back(condition(u));
      (e->egress ? out : in).rules().push_back(std::move(rule));
    }
    return add_filter(name, "aws-network-acl", std::move(in), std::move(out), true, n.origin);
  }

  const Nacl* nacl_of(const Eni& e) {
    for (const auto& [key, n] : inv_.nacls)
      if (std::find(n.subnets.begin(), n.subnets.end(), e.subnet) != n.subnets.end()) return &n;
    for (const auto& [key, n] : inv_.nacls)
      if (n.is_default && !e.vpc.empty() && n.vpc == e.vpc) return &n;
    return nullptr;
  }

  core::FilterId nacl_member(const Eni& e, const AddressSet* restrict) {
    std::string cache = e.subnet + "|" + (restrict ? e.id : "");
    if (auto it = nacl_members_.find(cache); it != nacl_members_.end()) return it->second;
    core::FilterId id;
    const Nacl* n = nacl_of(e);
    std::string where = e.subnet.empty() ? e.id : e.subnet;
    if (n) {
      std::string suffix = restrict ? fmt::format(" ({}, {})", where, e.id) : fmt::format(" ({})", where);
      id = nacl(*n, &e, e.subnet, suffix, restrict);
    } else {
      std::string why =
          inv_.have_nacls
              ? fmt::format("the network ACL of `{}` is not among the imported network ACLs", where)
              : fmt::format(
                    "no `describe-network-acls` output was imported, so the network ACL of `{}` "
                    "is unknown",
                    where);
      if (inv_.have_nacls) {
        warn_once("nacl:" + where, codes::kUnresolved, e.origin, why);
      } else {
        warn_once(
            "nacl:*", codes::kUnresolved, e.origin,
            "no `describe-network-acls` output was imported, so the network ACL of every subnet is unknown");
      }
      std::string name = where + "/network-acl" + (restrict ? " (" + e.id + ")" : "");
      auto in = rule_set(name + " inbound", core::Combining::FirstMatch, e.origin);
      auto out = rule_set(name + " outbound", core::Combining::FirstMatch, e.origin);
      core::Rule rule;
      rule.name = "the network ACL's rules (unknown)";
      rule.origin = e.origin;
      rule.match.unknowns.push_back(condition(Unknown{"aws:nacl:" + where, why, e.origin}));
      if (restrict) rule.match.dst = AddressMatch::of(*restrict);
      in.rules().push_back(rule);
      if (restrict) {
        rule.match.dst = AddressMatch::any();
        rule.match.src = AddressMatch::of(*restrict);
      }
      out.rules().push_back(rule);
      id = add_filter(name, "aws-network-acl", std::move(in), std::move(out), false, e.origin);
    }
    nacl_members_[cache] = id;
    return id;
  }

  // ---- routes --------------------------------------------------------------------

  const RouteTable* route_table_of(const Eni& e) {
    for (const auto& [id, t] : inv_.route_tables)
      if (std::find(t.subnets.begin(), t.subnets.end(), e.subnet) != t.subnets.end()) return &t;
    for (const auto& [id, t] : inv_.route_tables)
      if (t.main && !e.vpc.empty() && t.vpc == e.vpc) return &t;
    return nullptr;
  }

  AddressSet vpc_ranges(const Eni& e) {
    AddressSet out;
    if (auto v = inv_.vpcs.find(e.vpc); v != inv_.vpcs.end()) out = v->second.cidrs;
    if (auto s = inv_.subnets.find(e.subnet); s != inv_.subnets.end()) out = out.unite(s->second.cidrs);
    return out;
  }

  const RouteClasses& routes(const Eni& e) {
    std::string key = e.subnet + "|" + e.vpc;
    if (auto it = route_cache_.find(key); it != route_cache_.end()) return it->second;
    RouteClasses rc;
    const RouteTable* t = route_table_of(e);
    std::string where = e.subnet.empty() ? e.id : e.subnet;
    if (!t) {
      std::string why = inv_.have_route_tables
                            ? fmt::format("no imported route table applies to `{}`", where)
                            : fmt::format(
                                  "no `describe-route-tables` output was imported, so the routes of `{}` are "
                                  "unknown",
                                  where);
      if (inv_.have_route_tables) {
        warn_once("routes:" + where, codes::kUnresolved, e.origin, why);
      } else {
        warn_once(
            "routes:*", codes::kUnresolved, e.origin,
            "no `describe-route-tables` output was imported, so the routes of every subnet are unknown");
      }
      rc.origin = e.origin;
      rc.inbound_private = vpc_ranges(e);  // the local route always exists
      AddressSet outside = AddressSet::any().subtract(rc.inbound_private);
      rc.unknown.push_back(
          UnknownRoute{outside, false, Unknown{"aws:routes:" + where + ":private", why, e.origin}});
      rc.unknown.push_back(
          UnknownRoute{outside, true, Unknown{"aws:routes:" + where + ":internet", why, e.origin}});
      return route_cache_.emplace(key, std::move(rc)).first->second;
    }
    rc.known = true;
    rc.table = t->id;
    rc.origin = t->origin;
    struct Candidate {
      AddressSet dest;
      unsigned prefix;
      const Route* route;
    };
    std::vector<Candidate> cands;
    for (const auto& r : t->routes) {
      if (r.prefix_list.empty()) {
        cands.push_back({r.destination, r.prefix, &r});
        continue;
      }
      auto pl = inv_.prefix_lists.find(r.prefix_list);
      if (pl == inv_.prefix_lists.end() || !pl->second.entries) {
        warn_once(
            "route-pl:" + t->id + r.prefix_list, codes::kUnresolved, r.origin,
            fmt::format("the entries of prefix list `{}` are not among the imported files; the route to it "
                        "is left out",
                        r.prefix_list));
        continue;
      }
      for (const auto& c : pl->second.entries->to_cidrs()) cands.push_back({AddressSet::of(c), c.prefix, &r});
    }
    std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
      bool la = a.route->target == RouteTarget::Local, lb = b.route->target == RouteTarget::Local;
      return a.prefix != b.prefix ? a.prefix > b.prefix : la > lb;
    });
    AddressSet taken;
    for (const auto& c : cands) {
      AddressSet part = c.dest.subtract(taken);
      taken = taken.unite(part);
      const Route& r = *c.route;
      if (part.empty() || !r.active) continue;
      switch (r.target) {
        case RouteTarget::Local:
        case RouteTarget::Peering:
        case RouteTarget::VpnGateway:
        case RouteTarget::TransitGateway:
        case RouteTarget::LocalGateway:
        case RouteTarget::CoreNetwork: rc.inbound_private = rc.inbound_private.unite(part); break;
        case RouteTarget::InternetGateway: {
          auto igw = inv_.igws.find(r.target_id);
          if (igw != inv_.igws.end() &&
              std::find(igw->second.vpcs.begin(), igw->second.vpcs.end(), t->vpc) == igw->second.vpcs.end()) {
            warn_once(
                "igw:" + r.target_id + t->id, codes::kInconsistent, r.origin,
                fmt::format("`{}` routes to `{}`, which is not attached to `{}`; the route carries nothing",
                            t->id, r.target_id, t->vpc));
            break;
          }
          rc.internet = rc.internet.unite(part);
          if (rc.igw.empty()) {
            rc.igw = r.target_id;
            rc.internet_origin = r.origin;
          }
          break;
        }
        case RouteTarget::NatGateway:
        case RouteTarget::EgressOnlyGateway:
        case RouteTarget::Endpoint: rc.outbound_only = rc.outbound_only.unite(part); break;
        case RouteTarget::Appliance:
        case RouteTarget::Other: {
          std::string why = fmt::format("`{}` sends {} to `{}`, which rampart does not model", t->id,
                                        r.destination_text, r.target_id);
          warn_once("route:" + t->id + r.destination_text, codes::kNotModelled, r.origin,
                    why + "; traffic on that route is unknown");
          Unknown u{fmt::format("aws:route:{}:{}", t->id, r.destination_text), why, r.origin};
          rc.unknown.push_back(UnknownRoute{part, false, u});
          rc.unknown.push_back(UnknownRoute{part, true, u});
          break;
        }
      }
    }
    return route_cache_.emplace(key, std::move(rc)).first->second;
  }

  std::string block_mode(const Eni& e) {
    if (auto s = inv_.subnets.find(e.subnet);
        s != inv_.subnets.end() && !s->second.igw_block.empty() && s->second.igw_block != "off")
      return s->second.igw_block;
    if (auto v = inv_.vpcs.find(e.vpc); v != inv_.vpcs.end() && !v->second.igw_block.empty())
      return v->second.igw_block;
    return "off";
  }

  // The synthesised filter of what routing lets reach a machine and leave it.
  core::FilterId reach_filter(const Endpoint& ep) {
    std::string name = ep.id + "/routes";
    auto in = rule_set(name + " inbound", core::Combining::AllowUnion, ep.origin);
    auto out = rule_set(name + " outbound", core::Combining::AllowUnion, ep.origin);
    for (const auto& e : ep.enis) {
      const RouteClasses& rc = routes(e);
      AddressSet priv = e.private_addresses();
      AddressSet pub4, mapped;
      for (const auto& [p, q] : e.public4) {
        pub4 = pub4.unite(AddressSet::of(q));
        mapped = mapped.unite(AddressSet::of(p));
      }
      AddressSet v6 = priv.only(core::Family::V6);
      std::string mode = block_mode(e);
      bool igw_in = !e.deny_igw && mode != "block-bidirectional" && mode != "block-ingress";
      bool igw_out = !e.deny_igw && mode != "block-bidirectional";
      std::string tag = ep.enis.size() > 1 ? " [" + e.id + "]" : "";
      auto add = [&](core::RuleSet& rs, const AddressSet& src, const AddressSet& dst, std::string rule_name,
                     const core::Origin& origin, const Unknown* u) {
        if (src.empty() || dst.empty()) return;
        core::Rule r;
        r.name = rule_name + tag;
        r.origin = origin;
        r.match.src = AddressMatch::of(src);
        r.match.dst = AddressMatch::of(dst);
        if (u) r.match.unknowns.push_back(condition(*u));
        rs.rules().push_back(std::move(r));
      };
      std::string table = rc.known ? rc.table : "the VPC";
      add(in, rc.inbound_private, priv, fmt::format("routed by {} (VPC, peerings, VPN, transit)", table),
          rc.origin, nullptr);
      add(out, priv, rc.inbound_private.unite(rc.outbound_only), fmt::format("routed by {}", table),
          rc.origin, nullptr);
      if (igw_in) {
        add(in, rc.internet.only(core::Family::V4), pub4,
            fmt::format("from the internet through {} to a public IPv4 address", rc.igw), rc.internet_origin,
            nullptr);
        add(in, rc.internet.only(core::Family::V6), v6,
            fmt::format("from the internet through {} (IPv6)", rc.igw), rc.internet_origin, nullptr);
      }
      if (igw_out) {
        add(out, pub4.unite(mapped), rc.internet.only(core::Family::V4),
            fmt::format("to the internet through {} from a public IPv4 address", rc.igw), rc.internet_origin,
            nullptr);
        add(out, v6, rc.internet.only(core::Family::V6),
            fmt::format("to the internet through {} (IPv6)", rc.igw), rc.internet_origin, nullptr);
      }
      for (const auto& u : rc.unknown) {
        if (u.public_side && !igw_in && !igw_out) continue;
        AddressSet local = u.public_side ? pub4.unite(v6) : priv;
        if (!u.public_side || igw_in)
          add(in, u.sources, local, u.condition.description, u.condition.origin, &u.condition);
        if (!u.public_side || igw_out)
          add(out, u.public_side ? local.unite(mapped) : local, u.sources, u.condition.description,
              u.condition.origin, &u.condition);
      }
    }
    return add_filter(name, "aws-routes", std::move(in), std::move(out), false, ep.origin);
  }

  // ---- hosts ---------------------------------------------------------------------

  unsigned subnet_prefix(const Eni& e, const core::Address& a) {
    auto s = inv_.subnets.find(e.subnet);
    if (s == inv_.subnets.end()) return a.family == core::Family::V4 ? 32 : 128;
    for (const auto& c : s->second.cidrs.to_cidrs())
      if (c.base.family == a.family && AddressSet::of(c).contains(a)) return c.prefix;
    return a.family == core::Family::V4 ? 32 : 128;
  }

  void host(const Endpoint& ep) {
    core::Host h;
    h.name = ep.id;
    h.origin = ep.origin;
    std::set<std::string> iface_names;
    std::set<core::Address> seen;
    for (const auto& e : ep.enis) {
      core::Interface iface;
      iface.name = e.id;
      for (int k = 2; !iface_names.insert(iface.name).second; ++k) iface.name = fmt::format("{}#{}", e.id, k);
      iface.kind = "aws-eni";
      iface.origin = e.origin;
      auto add = [&](const core::Address& a, unsigned prefix) {
        if (seen.insert(a).second) iface.addresses.push_back(core::InterfaceAddress{a, prefix});
      };
      for (const auto& a : e.private4) add(a, subnet_prefix(e, a));
      for (const auto& [p, q] : e.public4) add(q, 32);
      for (const auto& a : e.v6) add(a, subnet_prefix(e, a));
      auto v4prefixes = e.prefixes.only(core::Family::V4);
      if (!v4prefixes.empty()) {
        uint64_t count = 0;
        for (const auto& iv : v4prefixes.v4().intervals()) count += uint64_t(iv.hi) - iv.lo + 1;
        if (count <= 256) {
          for (const auto& iv : v4prefixes.v4().intervals())
            for (uint64_t x = iv.lo; x <= iv.hi; ++x) add(core::Address::v4(uint32_t(x)), 32);
        }
      }
      h.interfaces.push_back(std::move(iface));
    }
    bool multi = ep.enis.size() > 1;
    std::vector<AddressSet> restrict;
    for (const auto& e : ep.enis) restrict.push_back(e.addresses());

    core::Layer reach{{reach_filter(ep)}, ep.origin};
    primary(ep.id + "/routes", core::ObjectKind::Filter, reach.members[0].value, ep.origin);
    core::Layer acl{{}, ep.origin};
    core::Layer groups{{}, ep.origin};
    bool any_groups = false;
    for (size_t i = 0; i < ep.enis.size(); ++i) {
      const Eni& e = ep.enis[i];
      const AddressSet* r = multi ? & restrict[i] : nullptr;
      acl.members.push_back(nacl_member(e, r));
      if (e.groups.empty()) {
        if (!multi) continue;
        // A machine's interface without groups (e.g. a NAT gateway's) is not filtered.
        auto in = rule_set(e.id + " (no security group) inbound", core::Combining::AllowUnion, e.origin);
        auto out = rule_set(e.id + " (no security group) outbound", core::Combining::AllowUnion, e.origin);
        core::Rule pass;
        pass.name = "no security group";
        pass.origin = e.origin;
        pass.match.dst = AddressMatch::of(restrict[i]);
        in.rules().push_back(pass);
        pass.match.dst = AddressMatch::any();
        pass.match.src = AddressMatch::of(restrict[i]);
        out.rules().push_back(pass);
        groups.members.push_back(add_filter(e.id + " (no security group)", "aws-security-group",
                                            std::move(in), std::move(out), false, e.origin));
        continue;
      }
      any_groups = true;
      for (const auto& g : e.groups) {
        auto id = group_member(g, e, r, multi ? fmt::format(" ({})", e.id) : "");
        if (std::find(groups.members.begin(), groups.members.end(), id) == groups.members.end())
          groups.members.push_back(id);
      }
    }
    h.inbound.push_back(reach);
    h.inbound.push_back(acl);
    if (any_groups) h.inbound.push_back(groups);
    if (any_groups) h.outbound.push_back(groups);
    h.outbound.push_back(acl);
    h.outbound.push_back(reach);

    bool listens = std::any_of(ep.enis.begin(), ep.enis.end(), [](const Eni& e) {
      return e.type != "nat_gateway" && e.type != "transit_gateway";
    });
    if (listens) {
      for (uint8_t p : {core::proto::kTcp, core::proto::kUdp, core::proto::kSctp, core::proto::kDccp,
                        core::proto::kUdpLite}) {
        core::Listener l;
        l.protocol = p;
        l.ports = core::PortSet::all();
        l.bind = core::Bind{};
        l.process = "assumed: AWS does not say what listens";
        l.origin = ep.origin;
        h.listeners.push_back(std::move(l));
      }
    }
    core::HostId id = frag().add(std::move(h));
    primary(ep.id, core::ObjectKind::Host, id.value, ep.origin);
    if (!ep.name.empty()) alias(ep.name, core::ObjectKind::Host, id.value);
  }

  // ---- zones and objects ---------------------------------------------------------

  void zone(const std::string& id, const AddressSet& addrs, const core::Origin& origin) {
    if (addrs.empty()) return;
    core::Zone z;
    z.name = id;
    z.addresses = addrs;
    z.origin = origin;
    frag().zones.push_back(std::move(z));
    primary(id, core::ObjectKind::Zone, uint32_t(frag().zones.size() - 1), origin);
  }

  void zones() {
    for (const auto& [id, v] : inv_.vpcs) zone(id, v.cidrs, v.origin);
    for (const auto& [id, s] : inv_.subnets) zone(id, s.cidrs, s.origin);
    for (const auto& [id, pl] : inv_.prefix_lists)
      if (pl.entries) zone(id, *pl.entries, pl.origin);
  }

  void primary(const std::string& id, core::ObjectKind kind, uint32_t index, const core::Origin& origin) {
    if (!primary_ids_.insert(id).second) {
      diags().warning(codes::kInconsistent, origin,
                      fmt::format("two objects have the id `{}`; the first keeps it", id));
      return;
    }
    out_.objects.push_back(core::ImportedObject{id, kind, index});
  }
  void alias(const std::string& name, core::ObjectKind kind, uint32_t index) {
    alias_list_.push_back(core::ImportedObject{name, kind, index});
  }
  void aliases(const std::vector<std::string>& names, core::ObjectKind kind, uint32_t index) {
    for (const auto& n : names) alias(n, kind, index);
  }

  // Aliases (Name tags, group names, ids beside Terraform addresses) name
  // an object only when no other object has the same name.
  void finish_objects() {
    std::map<std::string, int> count;
    for (const auto& a : alias_list_) ++count[a.native_id];
    std::vector<core::ImportedObject> extra;
    for (const auto& a : alias_list_) {
      if (count[a.native_id] != 1 || primary_ids_.count(a.native_id)) continue;
      extra.push_back(a);
    }
    // Aliases first, so that a filter keeps its primary id as its name.
    extra.insert(extra.end(), out_.objects.begin(), out_.objects.end());
    out_.objects = std::move(extra);
  }

  Inventory inv_;
  core::ImportResult out_;
  std::vector<Endpoint> endpoints_;
  std::vector<Eni> detached_;
  std::map<std::string, Membership> members_;
  std::map<std::string, core::FilterId> plain_groups_;
  std::map<std::string, core::FilterId> members_filters_;
  std::map<std::string, core::FilterId> nacl_members_;
  std::map<std::string, RouteClasses> route_cache_;
  std::set<std::string> warned_;
  std::set<std::string> primary_ids_;
  std::vector<core::ImportedObject> alias_list_;
};

}  // namespace

core::ImportResult build(Inventory inventory, core::Diagnostics diags) {
  return Builder(std::move(inventory), std::move(diags)).run();
}

}  // namespace rampart::importers::aws
