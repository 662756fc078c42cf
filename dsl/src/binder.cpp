#include "binder.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "codes.h"
#include "rampart/core/dac.h"

namespace rampart::dsl {
namespace fs = std::filesystem;
using core::Origin;

Binder::Binder(const core::ImportResolver* resolver, core::Diagnostics& diags)
    : resolver_(resolver), diags_(diags) {}

std::string Binder::kind_name(NameKind k) {
  switch (k) {
    case NameKind::Zone: return "zone";
    case NameKind::Ports: return "ports definition";
    case NameKind::Firewall: return "firewall";
    case NameKind::Host: return "host";
    case NameKind::Import: return "import";
  }
  return "name";
}

bool Binder::declare(const std::string& name, Name entry) {
  auto [it, inserted] = names_.emplace(name, entry);
  if (!inserted) {
    auto& d = diags_.error(codes::kDuplicate, entry.origin,
                           fmt::format("`{}` is already defined as a {}", name, kind_name(it->second.kind)));
    d.notes.push_back({it->second.origin, "first defined here"});
    return false;
  }
  return true;
}

bool Binder::missing_scope(const ast::Ident& scope) {
  if (imported_.count(scope.text)) return false;
  // An import whose file failed to load: its own errors say why, so
  // references to its objects are not reported again.
  if (failed_imports_.count(scope.text)) return true;
  diags_.error(codes::kUndefined, scope.origin, fmt::format("no import is named `{}`", scope.text));
  return true;
}

bool Binder::deeper(Name& entry, const char* kind, const std::string& name) {
  // Each definition resolved in terms of another is a level of recursion;
  // thousands would exhaust the stack.
  if (depth_ >= kMaxDefinitionDepth) {
    // Reported once: the other links of a long chain would repeat it.
    if (!depth_reported_) {
      diags_.error(codes::kNestingTooDeep, entry.origin,
                   fmt::format("{} `{}` is reached through a chain of more than {} definitions", kind, name,
                               kMaxDefinitionDepth));
    }
    depth_reported_ = true;
    entry.failed = true;
    return false;
  }
  ++depth_;
  return true;
}

Binder::Name* Binder::lookup(const ast::Ident& id) {
  auto it = names_.find(id.text);
  if (it == names_.end()) {
    diags_.error(codes::kUndefined, id.origin, fmt::format("`{}` is not defined", id.text));
    return nullptr;
  }
  return &it->second;
}

std::optional<uint64_t> Binder::number(const ast::Number& n, uint64_t max, const char* what) {
  uint64_t v = 0;
  if (n.text.empty() || n.text.size() > 19) {
    diags_.error(codes::kBadNumber, n.origin,
                 fmt::format("{} `{}` is out of range (0-{})", what, n.text, max));
    return std::nullopt;
  }
  for (char c : n.text) v = v * 10 + uint64_t(c - '0');
  if (v > max) {
    diags_.error(codes::kBadNumber, n.origin,
                 fmt::format("{} `{}` is out of range (0-{})", what, n.text, max));
    return std::nullopt;
  }
  return v;
}

std::optional<core::PortSet> Binder::ports(const std::vector<ast::PortRange>& ranges) {
  core::PortSet out;
  bool ok = true;
  for (const auto& r : ranges) {
    auto lo = number(r.low, 65535, "port");
    auto hi = r.high ? number(*r.high, 65535, "port") : lo;
    if (!lo || !hi) {
      ok = false;
      continue;
    }
    if (*hi < *lo) {
      diags_.error(codes::kBadPort, r.origin,
                   fmt::format("port range `{}-{}` ends before it starts", *lo, *hi));
      ok = false;
      continue;
    }
    out.add(uint16_t(*lo), uint16_t(*hi));
  }
  if (!ok) return std::nullopt;
  return out;
}

// ---- addresses -------------------------------------------------------------

std::optional<core::AddressSet> Binder::resolve_zone(Name& entry, const std::string& name) {
  if (entry.resolved) return policy_.zones.at(entry.index).addresses;
  if (entry.failed) return std::nullopt;
  if (entry.resolving) {
    diags_.error(codes::kCycle, entry.origin, fmt::format("zone `{}` is defined in terms of itself", name));
    entry.failed = true;
    return std::nullopt;
  }
  if (!deeper(entry, "zone", name)) return std::nullopt;
  entry.resolving = true;
  const ast::Zone& z = *entry.zone;
  AddressInfo info;
  auto set = addresses(z.addresses, &info);
  std::optional<core::PortSet> client;
  if (z.has_client_ports) client = ports(z.client_ports);
  entry.resolving = false;
  --depth_;
  if (!set || (z.has_client_ports && !client)) {
    entry.failed = true;
    return std::nullopt;
  }
  if (z.untrusted && z.trusted) {
    diags_.error(codes::kBadRule, z.origin,
                 fmt::format("zone `{}` cannot be both trusted and untrusted", name));
  }
  core::Zone zone;
  zone.name = name;
  zone.addresses = *set;
  zone.untrusted = z.untrusted;
  if (client) zone.client_ports = *client;
  zone.origin = z.origin;
  policy_.zones.push_back(std::move(zone));
  entry.index = uint32_t(policy_.zones.size() - 1);
  entry.resolved = true;
  return policy_.zones.back().addresses;
}

std::optional<core::AddressSet> Binder::address_atom(const ast::AddrAtom& a, AddressInfo* info) {
  using K = ast::AddrAtom::Kind;
  switch (a.kind) {
    case K::Any: return core::AddressSet::any();
    case K::Any4: return core::AddressSet::any_v4();
    case K::Any6: return core::AddressSet::any_v6();
    case K::Literal: {
      auto r = core::AddressSet::parse(a.text);
      if (!r.set) diags_.error(codes::kBadAddress, a.origin, r.error);
      return r.set;
    }
    case K::Range: {
      auto r = core::AddressSet::parse(a.text + "-" + a.high);
      if (!r.set) diags_.error(codes::kBadAddress, a.origin, r.error);
      return r.set;
    }
    case K::Group: return addresses(*a.group, info);
    case K::Ref: break;
  }
  const ast::ObjectRef& ref = a.ref;
  if (ref.native_id) {
    if (missing_scope(ref.name)) return std::nullopt;
    auto scope = imported_.find(ref.name.text);
    auto obj = scope->second.find(*ref.native_id);
    if (obj == scope->second.end()) {
      diags_.error(codes::kUnknownObject, ref.origin,
                   fmt::format("`{}` has no object `{}`", ref.name.text, *ref.native_id));
      return std::nullopt;
    }
    if (obj->second.kind == core::ObjectKind::Zone) {
      const core::Zone& z = policy_.zones.at(obj->second.index);
      if (info) {
        info->zones.push_back(&z);
        info->untrusted |= z.untrusted;
      }
      return z.addresses;
    }
    if (obj->second.kind == core::ObjectKind::Host) {
      // An imported host (an AWS instance, a collected Linux host) is a host
      // endpoint like a declared one.
      if (info) info->single_host = core::HostId(obj->second.index);
      return policy_.hosts.at(obj->second.index).addresses();
    }
    diags_.error(codes::kWrongKind, ref.origin,
                 fmt::format("`{}` is a {}, not a set of addresses", ref.text,
                             core::object_kind_name(obj->second.kind)));
    return std::nullopt;
  }
  Name* entry = lookup(ref.name);
  if (!entry) return std::nullopt;
  switch (entry->kind) {
    case NameKind::Zone: {
      auto set = resolve_zone(*entry, ref.name.text);
      if (set && info && entry->resolved) {
        const core::Zone& z = policy_.zones.at(entry->index);
        info->zones.push_back(&z);
        info->untrusted |= z.untrusted;
      }
      return set;
    }
    case NameKind::Host: {
      if (!entry->resolved) return std::nullopt;  // a binding that failed, reported already
      const core::Host& h = policy_.hosts.at(entry->index);
      if (info) info->single_host = core::HostId(entry->index);
      auto set = h.addresses();
      if (set.empty()) {
        diags_.error(codes::kEmptySet, ref.origin, fmt::format("host `{}` has no address", ref.name.text));
        return std::nullopt;
      }
      return set;
    }
    default:
      diags_.error(
          codes::kWrongKind, ref.origin,
          fmt::format("`{}` is a {}, not a set of addresses", ref.name.text, kind_name(entry->kind)));
      return std::nullopt;
  }
}

std::optional<core::AddressSet> Binder::addresses(const ast::AddrExpr& e, AddressInfo* info) {
  std::vector<core::AddressSet> terms;
  bool ok = true;
  size_t host_refs = 0;
  size_t atoms = 0;
  for (const auto& term : e.terms) {
    auto base = address_atom(term.base, info);
    ++atoms;
    if (term.base.kind == ast::AddrAtom::Kind::Ref && info && info->single_host) ++host_refs;
    if (!base) {
      ok = false;
      continue;
    }
    core::AddressSet t = *base;
    for (const auto& ex : term.excepts) {
      ++atoms;
      auto minus = address_atom(ex, nullptr);
      if (!minus) {
        ok = false;
        continue;
      }
      t = t.subtract(*minus);
    }
    terms.push_back(std::move(t));
  }
  if (info && (atoms != 1 || host_refs != 1)) info->single_host.reset();
  if (!ok) return std::nullopt;
  // United pairwise, so a list of n addresses costs n log n, not n^2.
  if (terms.empty()) return core::AddressSet{};
  for (size_t step = 1; step < terms.size(); step *= 2) {
    for (size_t i = 0; i + step < terms.size(); i += 2 * step) terms[i] = terms[i].unite(terms[i + step]);
  }
  return std::move(terms[0]);
}

// ---- services --------------------------------------------------------------

std::optional<core::ServiceSet> Binder::resolve_ports(Name& entry, const std::string& name) {
  if (entry.resolved) return policy_.ports.at(entry.index).services;
  if (entry.failed) return std::nullopt;
  if (entry.resolving) {
    diags_.error(codes::kCycle, entry.origin, fmt::format("ports `{}` is defined in terms of itself", name));
    entry.failed = true;
    return std::nullopt;
  }
  if (!deeper(entry, "ports", name)) return std::nullopt;
  entry.resolving = true;
  auto set = services(entry.ports->services);
  entry.resolving = false;
  --depth_;
  if (!set) {
    entry.failed = true;
    return std::nullopt;
  }
  policy_.ports.push_back(core::PortsDefinition{name, *set, entry.ports->origin});
  entry.index = uint32_t(policy_.ports.size() - 1);
  entry.resolved = true;
  return set;
}

std::optional<core::ServiceMatch> Binder::service_atom_match(const ast::ServiceAtom& a) {
  using K = ast::ServiceAtom::Kind;
  if (a.kind == K::Any) return core::ServiceMatch::any();
  if (a.kind == K::ProtocolNumber) {
    auto n = number(a.number, 255, "protocol number");
    if (!n) return std::nullopt;
    return core::ServiceMatch::protocol(uint8_t(*n));
  }
  if (a.kind != K::Protocol) core::internal_error("service_atom_match on a name");
  auto p = core::protocol_by_name(a.protocol);
  if (!p) {
    diags_.error(codes::kBadProtocol, a.origin, fmt::format("unknown protocol `{}`", a.protocol));
    return std::nullopt;
  }
  core::ServiceMatch m = core::ServiceMatch::protocol(*p);
  if (core::has_icmp(*p)) {
    if (a.icmp_type) {
      auto t = number(*a.icmp_type, 255, "ICMP type");
      auto c = number(*a.icmp_code, 255, "ICMP code");
      if (!t || !c) return std::nullopt;
      m.icmp_types = core::ByteSet::single(uint8_t(*t));
      m.icmp_codes = core::ByteSet::single(uint8_t(*c));
    } else if (!a.ports.empty()) {
      core::ByteSet types;
      for (const auto& r : a.ports) {
        auto lo = number(r.low, 255, "ICMP type");
        auto hi = r.high ? number(*r.high, 255, "ICMP type") : lo;
        if (!lo || !hi) return std::nullopt;
        if (*hi < *lo) {
          diags_.error(codes::kBadPort, r.origin, "ICMP type range ends before it starts");
          return std::nullopt;
        }
        types.add(uint8_t(*lo), uint8_t(*hi));
      }
      m.icmp_types = types;
    }
    return m;
  }
  if (a.icmp_type) {
    diags_.error(codes::kBadPort, a.origin,
                 fmt::format("`type:code` applies to icmp and icmpv6, not `{}`", a.protocol));
    return std::nullopt;
  }
  if (!a.ports.empty()) {
    if (!core::has_ports(*p)) {
      diags_.error(codes::kBadPort, a.origin, fmt::format("protocol `{}` has no ports", a.protocol));
      return std::nullopt;
    }
    auto ps = ports(a.ports);
    if (!ps) return std::nullopt;
    m.dst_ports = *ps;
  }
  return m;
}

std::optional<core::ServiceSet> Binder::services(const ast::ServiceList& l) {
  core::ServiceSet out;
  bool ok = true;
  for (const auto& a : l.atoms) {
    if (a.kind == ast::ServiceAtom::Kind::Name) {
      Name* entry = lookup(a.name);
      if (!entry) {
        ok = false;
        continue;
      }
      if (entry->kind != NameKind::Ports) {
        diags_.error(codes::kWrongKind, a.origin,
                     fmt::format("`{}` is a {}, not a service (tcp/22, udp, icmp/8, or a `ports` name)",
                                 a.name.text, kind_name(entry->kind)));
        ok = false;
        continue;
      }
      auto set = resolve_ports(*entry, a.name.text);
      if (!set) {
        ok = false;
        continue;
      }
      out.clauses.insert(out.clauses.end(), set->clauses.begin(), set->clauses.end());
      continue;
    }
    auto m = service_atom_match(a);
    if (!m) {
      ok = false;
      continue;
    }
    out.clauses.push_back(*m);
  }
  if (!ok) return std::nullopt;
  return out;
}

// ---- imports ---------------------------------------------------------------

// Takes the hosts without a name out of an import's fragment. Elements of the
// fragment on such a host are left without a host (the binder adopts them),
// and the ids of the named hosts after them shift down.
std::vector<core::Host> Binder::take_unnamed_hosts(core::ImportResult& result) {
  std::vector<core::Host> out;
  auto& hosts = result.fragment.hosts;
  if (std::none_of(hosts.begin(), hosts.end(), [](const core::Host& h) { return h.name.empty(); }))
    return out;
  std::vector<core::HostId> remap;
  std::vector<core::Host> kept;
  for (auto& h : hosts) {
    if (h.name.empty()) {
      remap.emplace_back();
      out.push_back(std::move(h));
    } else {
      remap.emplace_back(uint32_t(kept.size()));
      kept.push_back(std::move(h));
    }
  }
  hosts = std::move(kept);
  auto fix = [&](core::HostId& id) {
    if (id.valid() && id.index() < remap.size()) id = remap[id.index()];
  };
  for (auto& u : result.fragment.users) fix(u.host);
  for (auto& g : result.fragment.groups) fix(g.host);
  for (auto& f : result.fragment.files) fix(f.host);
  for (auto& m : result.fragment.mounts) fix(m.host);
  for (auto& s : result.fragment.services) fix(s.host);
  std::vector<core::ImportedObject> objects;
  for (auto& o : result.objects) {
    if (o.kind == core::ObjectKind::Host) {
      if (o.index >= remap.size() || !remap[o.index].valid()) continue;
      o.index = remap[o.index].value;
    }
    objects.push_back(std::move(o));
  }
  result.objects = std::move(objects);
  return out;
}

void Binder::run_import(const ast::Import& imp, core::HostId host) {
  if (imp.name && !host.valid()) {
    auto it = names_.find(imp.name->text);
    if (it == names_.end() || it->second.kind != NameKind::Import || it->second.origin != imp.name->origin) {
      return;  // the name is taken: reported as a duplicate already
    }
  }
  // Until it succeeds, references to the import's objects stay quiet.
  if (imp.name && !imported_.count(imp.name->text)) failed_imports_.insert(imp.name->text);
  if (!resolver_ || !resolver_->supports(imp.format)) {
    std::string known;
    if (resolver_) {
      for (const auto& f : resolver_->formats()) known += (known.empty() ? "" : ", ") + f;
    }
    diags_
        .error(codes::kUnknownFormat, imp.format_origin,
               fmt::format("unknown import format `{}`", imp.format))
        .help = known.empty() ? "no importers are available" : "known formats: " + known;
    return;
  }
  fs::path base = fs::path(imp.origin.file.str()).parent_path();
  core::ImportRequest req;
  req.format = imp.format;
  req.path = (base / imp.path).lexically_normal().string();
  req.display_path = req.path;
  req.origin = imp.origin;
  req.host = host;
  core::ImportResult result;
  try {
    result = resolver_->import(req);
  } catch (const core::InternalError&) {
    throw;
  } catch (const std::exception& e) {
    diags_.error(codes::kImportFailed, imp.origin,
                 fmt::format("import of `{}` failed: {}", imp.path, e.what()));
    return;
  }
  diags_.append(result.diagnostics);
  const size_t result_mounts = result.fragment.mounts.size();
  if (result.diagnostics.has_errors()) return;
  // The importing host's own part (interfaces, listeners) is not a new host.
  std::vector<core::Host> here = take_unnamed_hosts(result);
  core::MergeOffsets off = core::merge(policy_, std::move(result.fragment));
  policy_.source_files.push_back(req.display_path);
  // Host contents an importer leaves without a host (passwd, file
  // snapshots, service units) belong to the host block that imports them.
  bool orphans = false;
  auto adopt = [&](auto& items, uint32_t first) {
    for (size_t i = first; i < items.size(); ++i) {
      if (items[i].host.valid()) continue;
      if (host.valid())
        items[i].host = host;
      else
        orphans = true;
    }
  };
  adopt(policy_.users, off.users);
  adopt(policy_.groups, off.groups);
  adopt(policy_.files, off.files);
  adopt(policy_.services, off.services);
  adopt(policy_.mounts, uint32_t(policy_.mounts.size() - result_mounts));
  adopt(policy_.selinux, off.selinux);
  // A fragment host without a name stands for the host block the import
  // sits in (an ss, netstat or IIS export): its interfaces and listeners
  // join it once every name is bound (resolve_import_names).
  if (host.valid())
    keep_host_part(result, host, off, std::move(here), imp.origin);
  else if (!here.empty() || !result.names.empty())
    orphans = true;
  if (orphans) {
    diags_.error(
        codes::kImportFailed, imp.origin,
        fmt::format("`{}` describes the contents of one host: import it inside a host block", imp.format));
  }
  if (!imp.name) return;
  failed_imports_.erase(imp.name->text);
  auto& scope = imported_[imp.name->text];
  for (const auto& obj : result.objects) {
    core::NamedObject named{imp.name->text, obj.native_id, obj.kind, obj.index};
    switch (obj.kind) {
      case core::ObjectKind::Filter: named.index += off.filters; break;
      case core::ObjectKind::Zone: named.index += off.zones; break;
      case core::ObjectKind::Host: named.index += off.hosts; break;
      case core::ObjectKind::Service: named.index += off.services; break;
      case core::ObjectKind::User: named.index += off.users; break;
      case core::ObjectKind::Group: named.index += off.groups; break;
    }
    if (obj.kind == core::ObjectKind::Filter) {
      policy_.filters.at(named.index).name = fmt::format("{}[\"{}\"]", imp.name->text, obj.native_id);
    }
    if (!scope.emplace(obj.native_id, named).second) {
      diags_.error(codes::kImportFailed, imp.origin,
                   fmt::format("the importer returned `{}` twice", obj.native_id));
    }
    policy_.named_objects.push_back(named);
  }
}

// ---- firewalls -------------------------------------------------------------

std::optional<core::Rule> Binder::rule(const ast::Rule& r, core::Combining combining) {
  core::Rule out;
  out.origin = r.origin;
  out.name = r.label ? r.label->text : r.text.substr(0, r.text.find_last_not_of("; \t") + 1);
  bool ok = true;
  if (r.action == "allow") {
    out.action = core::Action::Allow;
  } else if (r.action == "bypass") {
    out.action = core::Action::Bypass;
    if (combining != core::Combining::BlockOverridesAllow) {
      diags_.error(codes::kBadRule, r.action_origin,
                   "`bypass` rules exist only in block-overrides-allow firewalls");
      ok = false;
    }
  } else {
    out.action = core::Action::Deny;
  }
  if (combining == core::Combining::AllowUnion && out.action != core::Action::Allow) {
    diags_.error(codes::kBadRule, r.action_origin,
                 fmt::format("an allow-union firewall holds only `allow` rules, not `{}`", r.action));
    ok = false;
  }
  if (combining == core::Combining::PriorityDenyWins) {
    if (!r.priority) {
      diags_.error(codes::kBadRule, r.action_origin,
                   "a rule of a priority-order firewall needs `priority N`");
      ok = false;
    } else if (auto p = number(*r.priority, 0xffffffffu, "priority")) {
      out.priority = int64_t(*p);
    } else {
      ok = false;
    }
  } else if (r.priority) {
    diags_.error(codes::kBadRule, r.priority->origin, "`priority` applies only to priority-order firewalls");
    ok = false;
  }

  core::ServiceSet svc = core::ServiceSet::any();
  if (r.services) {
    auto s = services(*r.services);
    if (s)
      svc = *s;
    else
      ok = false;
  }
  // Port refinements from `from X port P` / `to Y port P` / `port P`.
  auto refine = [&](const std::vector<ast::PortRange>& ranges, const Origin& where, bool source) {
    auto ps = ports(ranges);
    if (!ps) {
      ok = false;
      return;
    }
    if (!r.services) {
      diags_.error(codes::kBadPort, where,
                   "a port needs a protocol: write `tcp`, `udp` or `sctp` after the action");
      ok = false;
      return;
    }
    for (auto& c : svc.clauses) {
      bool port_protocols = !c.protocols.empty();
      for (const auto& iv : c.protocols.intervals()) {
        for (unsigned p = iv.lo; p <= iv.hi; ++p) port_protocols &= core::has_ports(uint8_t(p));
      }
      if (!port_protocols) {
        diags_.error(codes::kBadPort, where,
                     fmt::format("`{}` has no ports; ports apply to tcp, udp and sctp", c.to_string()));
        ok = false;
        return;
      }
      core::PortSet& target = source ? c.src_ports : c.dst_ports;
      if (!target.is_all()) {
        diags_.error(codes::kBadPort, where,
                     fmt::format("the {} port of `{}` is given twice", source ? "source" : "destination",
                                 c.to_string()));
        ok = false;
        return;
      }
      target = *ps;
    }
  };
  if (r.from) {
    if (auto a = addresses(r.from->addresses))
      out.match.src = core::AddressMatch::of(*a);
    else
      ok = false;
    if (r.from->has_ports) refine(r.from->ports, r.from->origin, true);
  }
  if (r.to) {
    if (auto a = addresses(r.to->addresses))
      out.match.dst = core::AddressMatch::of(*a);
    else
      ok = false;
    if (r.to->has_ports) refine(r.to->ports, r.to->origin, false);
  }
  if (r.has_dst_ports) refine(r.dst_ports, r.origin, false);
  out.match.services = svc;

  for (const auto& o : r.options) {
    switch (o.kind) {
      case ast::RuleOption::Kind::State: {
        uint8_t states = 0;
        for (const auto& s : o.states) {
          if (s == "new") states |= core::conn_state_bit(core::ConnState::New);
          if (s == "established") states |= core::conn_state_bit(core::ConnState::Established);
          if (s == "related") states |= core::conn_state_bit(core::ConnState::Related);
          if (s == "invalid") states |= core::conn_state_bit(core::ConnState::Invalid);
          if (s == "untracked") states |= core::conn_state_bit(core::ConnState::Untracked);
        }
        out.match.states &= states;
        break;
      }
      case ast::RuleOption::Kind::InInterface:
      case ast::RuleOption::Kind::OutInterface: {
        if (o.text.empty()) {
          diags_.error(codes::kBadInterface, o.origin, "an interface name cannot be empty");
          ok = false;
          break;
        }
        auto& m =
            o.kind == ast::RuleOption::Kind::InInterface ? out.match.in_interface : out.match.out_interface;
        m.names.push_back(o.text);
        break;
      }
      case ast::RuleOption::Kind::Unknown: {
        if (o.text.empty()) {
          diags_.error(codes::kBadRule, o.origin, "an unknown condition needs a name");
          ok = false;
          break;
        }
        out.match.unknowns.push_back(policy_.condition_named(
            o.text, fmt::format("declared unknown in the policy: \"{}\"", o.text), o.origin));
        break;
      }
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

void Binder::bind_firewall(const ast::Firewall& fw, Name& entry) {
  core::RuleSet rs;
  rs.name = fw.name.text;
  rs.origin = fw.origin;
  core::PacketFilter f;
  f.name = fw.name.text;
  f.kind = "firewall";
  f.origin = fw.origin;
  std::optional<Origin> combining_at, default_at;
  for (const auto& o : fw.options) {
    std::optional<core::Combining> c;
    if (o.keyword == "first-match") c = core::Combining::FirstMatch;
    if (o.keyword == "allow-union") c = core::Combining::AllowUnion;
    if (o.keyword == "block-overrides-allow") c = core::Combining::BlockOverridesAllow;
    if (o.keyword == "priority-order") c = core::Combining::PriorityDenyWins;
    if (c) {
      if (combining_at) {
        diags_
            .error(codes::kBadCombining, o.origin,
                   fmt::format("firewall `{}` names two combining semantics", fw.name.text))
            .notes.push_back({*combining_at, "first named here"});
      }
      combining_at = o.origin;
      rs.combining = *c;
    } else if (o.keyword == "default") {
      if (default_at) {
        diags_
            .error(codes::kBadCombining, o.origin,
                   fmt::format("firewall `{}` has two defaults", fw.name.text))
            .notes.push_back({*default_at, "first given here"});
      }
      default_at = o.origin;
      rs.default_action = o.value == "allow" ? core::Action::Allow : core::Action::Deny;
      rs.default_origin = o.origin;
      if (o.value == "bypass") {
        diags_.error(codes::kBadCombining, o.origin, "a firewall's default is `allow` or `deny`");
      }
    } else if (o.keyword == "stateless") {
      f.stateless = true;
    } else if (o.keyword == "stateful") {
      f.stateless = false;
    } else if (o.keyword == "scope") {
      f.scope = o.value == "network" ? core::FilterScope::Network : core::FilterScope::Host;
    }
  }
  if (rs.combining == core::Combining::AllowUnion && rs.default_action == core::Action::Allow) {
    diags_.error(codes::kBadCombining, default_at.value_or(fw.origin),
                 "an allow-union firewall denies what no rule allows; its default cannot be `allow`");
  }
  if (!default_at) rs.default_origin = fw.origin;
  core::Chain chain;
  chain.name = fw.name.text;
  chain.origin = fw.origin;
  for (const auto& r : fw.rules) {
    if (auto bound = rule(r, rs.combining)) chain.rules.push_back(std::move(*bound));
  }
  rs.chains.push_back(std::move(chain));
  core::RuleSetId id = policy_.add(std::move(rs));
  f.inbound = id;
  f.outbound = id;
  entry.index = policy_.add(std::move(f)).value;
  entry.resolved = true;
}

std::optional<core::FilterId> Binder::filter_ref(const ast::ObjectRef& ref) {
  if (ref.native_id) {
    if (missing_scope(ref.name)) return std::nullopt;
    auto scope = imported_.find(ref.name.text);
    auto obj = scope->second.find(*ref.native_id);
    if (obj == scope->second.end()) {
      auto& d = diags_.error(codes::kUnknownObject, ref.origin,
                             fmt::format("`{}` has no object `{}`", ref.name.text, *ref.native_id));
      std::string known;
      size_t shown = 0;
      for (const auto& [id, o] : scope->second) {
        if (o.kind != core::ObjectKind::Filter || shown++ >= 8) continue;
        known += (known.empty() ? "" : ", ") + fmt::format("\"{}\"", id);
      }
      if (!known.empty()) d.help = "filters it has: " + known;
      return std::nullopt;
    }
    if (obj->second.kind != core::ObjectKind::Filter) {
      diags_.error(
          codes::kWrongKind, ref.origin,
          fmt::format("`{}` is a {}, not a filter", ref.text, core::object_kind_name(obj->second.kind)));
      return std::nullopt;
    }
    return core::FilterId(obj->second.index);
  }
  Name* entry = lookup(ref.name);
  if (!entry) return std::nullopt;
  if (entry->kind == NameKind::Import) {
    diags_.error(codes::kWrongKind, ref.origin,
                 fmt::format("`{}` is an import; name one of its objects, e.g. `{}[\"id\"]`", ref.name.text,
                             ref.name.text));
    return std::nullopt;
  }
  if (entry->kind != NameKind::Firewall) {
    diags_.error(codes::kWrongKind, ref.origin,
                 fmt::format("`{}` is a {}, not a firewall", ref.name.text, kind_name(entry->kind)));
    return std::nullopt;
  }
  if (!entry->resolved) return std::nullopt;  // its own errors are reported already
  return core::FilterId(entry->index);
}

// ---- hosts -----------------------------------------------------------------

void Binder::bind_host_addresses(const ast::Host& h, core::Host& host) {
  auto parse_if_addr = [&](const ast::InterfaceAddress& a) -> std::optional<core::InterfaceAddress> {
    auto slash = a.text.find('/');
    auto addr = core::Address::parse(a.text.substr(0, slash));
    if (!addr) {
      diags_.error(codes::kBadAddress, a.origin,
                   fmt::format("`{}` is not an IP address", a.text.substr(0, slash)));
      return std::nullopt;
    }
    unsigned width = core::family_bits(addr->family);
    unsigned prefix = width;
    if (slash != std::string::npos) {
      auto digits = a.text.substr(slash + 1);
      if (digits.empty() || digits.size() > 3 || std::stoul(digits) > width) {
        diags_.error(codes::kBadAddress, a.origin,
                     fmt::format("`/{}` is not a prefix length for {}", digits, addr->to_string()));
        return std::nullopt;
      }
      prefix = unsigned(std::stoul(digits));
    }
    return core::InterfaceAddress{*addr, prefix};
  };
  std::map<std::string, Origin> interface_names;
  std::map<core::Address, Origin> seen;
  auto check_unique = [&](const core::InterfaceAddress& ia, const Origin& o) {
    auto [it, inserted] = seen.emplace(ia.address, o);
    if (!inserted) {
      diags_
          .error(codes::kDuplicate, o,
                 fmt::format("address {} is given twice on host `{}`", ia.address.to_string(), h.name.text))
          .notes.push_back({it->second, "first given here"});
    }
  };
  for (const auto& item : h.items) {
    if (item.kind == ast::HostItem::Kind::Interface) {
      auto [it, inserted] = interface_names.emplace(item.interface_name.text, item.origin);
      if (!inserted) {
        diags_
            .error(codes::kDuplicate, item.interface_name.origin,
                   fmt::format("interface `{}` is declared twice on host `{}`", item.interface_name.text,
                               h.name.text))
            .notes.push_back({it->second, "first declared here"});
        continue;
      }
      core::Interface iface;
      iface.name = item.interface_name.text;
      iface.kind = item.interface_kind ? item.interface_kind->text : "ethernet";
      iface.origin = item.origin;
      for (const auto& a : item.addresses) {
        if (auto ia = parse_if_addr(a)) {
          check_unique(*ia, a.origin);
          iface.addresses.push_back(*ia);
        }
      }
      host.interfaces.push_back(std::move(iface));
    } else if (item.kind == ast::HostItem::Kind::Address) {
      for (const auto& a : item.addresses) {
        if (auto ia = parse_if_addr(a)) {
          check_unique(*ia, a.origin);
          host.loose_addresses.push_back(*ia);
        }
      }
    }
  }
}

void Binder::bind_to_import(const ast::Host& h, Name& entry) {
  const ast::ObjectRef& ref = *h.bound;
  entry.failed = true;
  if (!ref.native_id) {
    auto it = names_.find(ref.name.text);
    if (it == names_.end()) {
      diags_.error(codes::kUndefined, ref.origin, fmt::format("`{}` is not defined", ref.name.text));
      return;
    }
    diags_
        .error(codes::kBadHostBinding, ref.origin,
               fmt::format("`{}` is a {}, not an imported host", ref.name.text, kind_name(it->second.kind)))
        .help = "bind a host to an instance or interface of an import: `host web1 is aws[\"web-1\"] {...}`";
    return;
  }
  if (missing_scope(ref.name)) return;
  const auto& scope = imported_.at(ref.name.text);
  auto obj = scope.find(*ref.native_id);
  if (obj == scope.end()) {
    auto& d = diags_.error(codes::kUnknownObject, ref.origin,
                           fmt::format("`{}` has no object `{}`", ref.name.text, *ref.native_id));
    std::string known;
    size_t shown = 0;
    for (const auto& [id, o] : scope) {
      if (o.kind != core::ObjectKind::Host || shown++ >= 8) continue;
      known += (known.empty() ? "" : ", ") + fmt::format("\"{}\"", id);
    }
    if (!known.empty()) d.help = "hosts it has: " + known;
    return;
  }
  if (obj->second.kind != core::ObjectKind::Host) {
    diags_
        .error(codes::kBadHostBinding, ref.origin,
               fmt::format("`{}` is a {}, not an imported host", ref.text,
                           core::object_kind_name(obj->second.kind)))
        .help = "bind a host to an instance or interface of an import: `host web1 is aws[\"web-1\"] {...}`";
    return;
  }
  uint32_t index = obj->second.index;
  auto [bound, inserted] = bound_hosts_.emplace(index, BoundHost{h.name.text, h.name.origin});
  if (!inserted) {
    diags_
        .error(codes::kDuplicate, ref.origin,
               fmt::format("`{}` is already bound to host `{}`", ref.text, bound->second.host))
        .notes.push_back({bound->second.origin, "bound here"});
    return;
  }
  core::Host& host = policy_.hosts.at(index);
  bound->second.inbound = host.inbound.size();
  bound->second.outbound = host.outbound.size();
  // Declared interfaces and addresses merge with the imported ones: an
  // interface of the same name must restate its addresses exactly, and an
  // address the import gives cannot be declared again elsewhere.
  core::Host declared;
  bind_host_addresses(h, declared);
  auto owner = [&](const core::Address& a) -> std::optional<std::string> {
    for (const auto& i : host.interfaces)
      for (const auto& ia : i.addresses)
        if (ia.address == a) return i.name;
    for (const auto& ia : host.loose_addresses)
      if (ia.address == a) return std::string();
    return std::nullopt;
  };
  auto conflict = [&](const core::Origin& where, const std::string& what, const std::string& why) {
    diags_
        .error(codes::kBadInterface, where,
               fmt::format("{} conflicts with the imported host `{}`: {}", what, ref.text, why))
        .help = "a bound host takes its addresses from the import; declare only what it does not know";
  };
  std::vector<core::Interface> added;
  for (auto& iface : declared.interfaces) {
    auto same = std::find_if(host.interfaces.begin(), host.interfaces.end(),
                             [&](const core::Interface& i) { return i.name == iface.name; });
    if (same != host.interfaces.end()) {
      auto key = [](const core::Interface& i) {
        std::set<std::string> out;
        for (const auto& a : i.addresses) out.insert(fmt::format("{}/{}", a.address.to_string(), a.prefix));
        return out;
      };
      if (key(*same) != key(iface)) {
        std::string text;
        for (const auto& a : key(*same)) text += (text.empty() ? "" : ", ") + a;
        conflict(iface.origin, fmt::format("interface `{}`", iface.name),
                 fmt::format("it has {} there", text.empty() ? "no address" : text));
      }
      continue;  // restated exactly: adds nothing
    }
    bool ok = true;
    for (const auto& ia : iface.addresses) {
      if (auto o = owner(ia.address)) {
        conflict(iface.origin, fmt::format("address {}", ia.address.to_string()),
                 o->empty() ? "it is an address of the import" : fmt::format("it is on interface `{}`", *o));
        ok = false;
      }
    }
    if (ok) added.push_back(std::move(iface));
  }
  auto written_at = [&](const core::Address& a) {
    for (const auto& item : h.items) {
      if (item.kind != ast::HostItem::Kind::Address) continue;
      for (const auto& w : item.addresses) {
        auto parsed = core::Address::parse(w.text.substr(0, w.text.find('/')));
        if (parsed && *parsed == a) return w.origin;
      }
    }
    return h.origin;
  };
  for (const auto& ia : declared.loose_addresses) {
    if (auto o = owner(ia.address)) {
      conflict(written_at(ia.address), fmt::format("address {}", ia.address.to_string()),
               o->empty() ? "it is an address of the import" : fmt::format("it is on interface `{}`", *o));
      continue;
    }
    host.loose_addresses.push_back(ia);
  }
  for (auto& i : added) host.interfaces.push_back(std::move(i));
  // The language's name, origin and listeners: the import's "assumed:
  // every port" listeners give way to those the host block declares.
  host.name = h.name.text;
  host.origin = h.origin;
  host.listeners.clear();
  entry.index = index;
  entry.resolved = true;
  entry.failed = false;
}

void Binder::bind_host(const ast::Host& h) {
  Name& entry = names_.at(h.name.text);
  core::HostId id(entry.index);
  for (const auto& item : h.items) {
    using K = ast::HostItem::Kind;
    switch (item.kind) {
      case K::Interface:
      case K::Address: break;  // bound up front: zones and questions may name the host
      case K::Inbound:
      case K::Outbound: {
        std::vector<core::Layer> layers;
        for (const auto& members : item.layers) {
          core::Layer layer;
          layer.origin = members.empty() ? item.origin : members.front().origin;
          for (const auto& ref : members) {
            if (auto f = filter_ref(ref)) layer.members.push_back(*f);
          }
          if (layer.members.size() == members.size()) layers.push_back(std::move(layer));
        }
        auto& host = policy_.hosts.at(id.index());
        auto& dest = item.kind == K::Inbound ? host.inbound : host.outbound;
        // A bound host keeps the imported layers: the declared ones come
        // after them inbound and before them outbound (a host firewall is
        // nearest to the host both ways).
        auto bound = bound_hosts_.find(id.value);
        size_t imported = 0;
        if (bound != bound_hosts_.end())
          imported = item.kind == K::Inbound ? bound->second.inbound : bound->second.outbound;
        if (dest.size() > imported) {
          diags_.error(codes::kDuplicate, item.origin,
                       fmt::format("host `{}` lists its {} layers twice; put them in one list", h.name.text,
                                   item.kind == K::Inbound ? "inbound" : "outbound"));
        }
        dest.insert(item.kind == K::Inbound ? dest.end() : dest.end() - std::ptrdiff_t(imported),
                    layers.begin(), layers.end());
        break;
      }
      case K::Listen: {
        std::vector<core::ServiceMatch> matches;
        if (item.listen_service.kind == ast::ServiceAtom::Kind::Name) {
          ast::ServiceList l;
          l.atoms.push_back(ast::ServiceAtom{});
          l.atoms.back().kind = ast::ServiceAtom::Kind::Name;
          l.atoms.back().name = item.listen_service.name;
          l.atoms.back().origin = item.listen_service.origin;
          if (auto s = services(l)) matches = s->clauses;
        } else if (auto m = service_atom_match(item.listen_service)) {
          matches.push_back(*m);
        }
        core::Bind bind;
        bool ok = true;
        if (item.bind && *item.bind != "*" && *item.bind != "any") {
          auto a = core::Address::parse(*item.bind);
          if (!a) {
            diags_.error(codes::kBadAddress, item.bind_origin,
                         fmt::format("`{}` is not an IP address", *item.bind));
            ok = false;
          } else if (a->bits == 0) {
            bind.kind = a->family == core::Family::V4 ? core::Bind::Kind::AnyV4 : core::Bind::Kind::AnyV6;
          } else {
            bind.kind = core::Bind::Kind::Address;
            bind.address = *a;
            const auto& host = policy_.hosts.at(id.index());
            if (!a->is_loopback() && !host.addresses().contains(*a)) {
              diags_.error(codes::kBadListener, item.bind_origin,
                           fmt::format("host `{}` has no address {}", h.name.text, a->to_string()));
              ok = false;
            }
          }
        }
        for (const auto& m : matches) {
          bool single = m.protocols.intervals().size() == 1 &&
                        m.protocols.intervals()[0].lo == m.protocols.intervals()[0].hi;
          uint8_t proto = single ? m.protocols.intervals()[0].lo : 0;
          if (!single || !core::has_ports(proto) || m.dst_ports.is_all()) {
            diags_.error(codes::kBadListener, item.listen_service.origin,
                         fmt::format("a listener needs one protocol with ports, like `tcp/80`; got `{}`",
                                     m.to_string()));
            ok = false;
            continue;
          }
          if (!ok) continue;
          core::Listener l;
          l.protocol = proto;
          l.ports = m.dst_ports;
          l.bind = bind;
          l.origin = item.origin;
          if (item.owner) {
            if (auto s = policy_.find_service(item.owner->text, id)) {
              l.service = *s;
            } else {
              l.process = item.owner->text;
            }
          }
          policy_.hosts.at(id.index()).listeners.push_back(std::move(l));
        }
        break;
      }
      case K::Let:
      case K::LetPorts: {
        // One name, one binding: an address set or (`let ports`) a port set.
        auto& host = policy_.hosts.at(id.index());
        bool twice = host.bindings.count(item.symbol.text) || host.port_bindings.count(item.symbol.text);
        if (item.kind == K::Let) {
          auto set = addresses(item.value);
          if (set && !twice) host.bindings.emplace(item.symbol.text, *set);
        } else {
          auto set = ports(item.port_value);
          if (set && !twice) host.port_bindings.emplace(item.symbol.text, *set);
        }
        if (twice) {
          diags_.error(codes::kDuplicate, item.symbol.origin,
                       fmt::format("`{}` is bound twice on host `{}`", item.symbol.text, h.name.text));
        }
        break;
      }
      case K::Set:
        policy_.hosts.at(id.index()).settings[item.setting_key] = item.setting_value;
        check_selinux_setting(id, item);
        break;
      case K::Import: break;  // run in the declaration pass
      case K::Service:
      case K::User:
      case K::Group:
      case K::File:
      case K::Mount: break;  // bound with the other file-access declarations, before hosts
    }
  }
}

// ---- questions -------------------------------------------------------------

std::optional<core::Question> Binder::question(const ast::Question& q, bool is_query) {
  core::Question out;
  out.is_query = is_query;
  out.text = q.text;
  out.origin = q.origin;
  using K = ast::Question::Kind;
  switch (q.kind) {
    case K::Reach:
    case K::NotReach:
    case K::OnlyReach:
    case K::AllReach: {
      core::NetworkQuestion n;
      bool ok = true;
      if (q.kind == K::Reach) n.claim = is_query ? core::NetworkClaim::QueryReach : core::NetworkClaim::Reach;
      if (q.kind == K::NotReach) n.claim = core::NetworkClaim::NotReach;
      if (q.kind == K::OnlyReach) n.claim = core::NetworkClaim::OnlyReach;
      if (q.kind == K::AllReach) n.claim = core::NetworkClaim::AllReach;
      if (is_query && q.kind != K::Reach) {
        diags_.error(codes::kBadQuestion, q.origin,
                     "a query asks `reach SRC -> HOST SERVICE` or `who can OP PATH`; "
                     "use `assert` for claims");
        return std::nullopt;
      }
      AddressInfo src_info;
      auto src = addresses(q.source->addresses, &src_info);
      if (!src) ok = false;
      n.source.text = q.source->addresses.text;
      if (src_info.single_host) {
        n.source.kind = core::Endpoint::Kind::Host;
        n.source.host = *src_info.single_host;
      }
      if (src) n.source.addresses = *src;
      n.source.untrusted = src_info.untrusted;
      if (q.source->has_ports) {
        if (auto ps = ports(q.source->ports))
          n.source.client_ports = *ps;
        else
          ok = false;
      } else if (src_info.zones.size() == 1) {
        n.source.client_ports = src_info.zones[0]->client_ports;
      }
      AddressInfo dst_info;
      auto dst = addresses(*q.target, &dst_info);
      if (!dst) ok = false;
      n.destination.text = q.target->text;
      if (dst_info.single_host) {
        n.destination.kind = core::Destination::Kind::Host;
        n.destination.host = *dst_info.single_host;
      } else {
        n.destination.kind = core::Destination::Kind::Addresses;
        if (dst) n.destination.addresses = *dst;
        if (ok && q.kind == K::OnlyReach) {
          diags_.error(codes::kBadQuestion, q.target->origin,
                       fmt::format("`only` compares every source outside the set with the one inside: the "
                                   "destination must be a host, not `{}`",
                                   q.target->text));
          ok = false;
        } else if (ok && n.source.kind != core::Endpoint::Kind::Host) {
          diags_.error(codes::kBadQuestion, q.target->origin,
                       fmt::format("`{}` is not a host: a question needs a host at one end or the other",
                                   q.target->text));
          ok = false;
        }
      }
      if (auto s = services(*q.services)) {
        n.services = *s;
        n.services_text = q.services->text;
      } else {
        ok = false;
      }
      if (q.that_can_operation) {
        n.that_can_operation = core::operation_by_name(*q.that_can_operation);
        n.that_can_path = *q.that_can_path;
        if (n.that_can_path.empty() || n.that_can_path[0] != '/') {
          diags_.error(codes::kBadPath, q.origin,
                       fmt::format("`{}` is not an absolute path", n.that_can_path));
          ok = false;
        } else if (n.that_can_path.find_first_of("*?") == std::string::npos) {
          n.that_can_path = core::normalise_path(n.that_can_path);
        }
        if (n.destination.kind != core::Destination::Kind::Host) {
          diags_.error(codes::kBadQuestion, q.origin,
                       "`that can` asks about the listeners of a host: the target must be a host");
          ok = false;
        }
      }
      if (!ok) return std::nullopt;
      out.body = std::move(n);
      return out;
    }
    case K::Can:
    case K::NotCan:
    case K::OnlyCan:
    case K::WhoCan:
    case K::NoConflicts: return access_question(q, is_query);
  }
  return std::nullopt;
}

// ---- whole files -------------------------------------------------------------

void Binder::declare_statements(const ast::SourceFile& file) {
  using K = ast::Statement::Kind;
  for (const auto& st : file.statements) {
    switch (st.kind) {
      case K::Zone: {
        Name n{NameKind::Zone, st.zone->name.origin};
        n.zone = st.zone.get();
        declare(st.zone->name.text, n);
        break;
      }
      case K::Ports: {
        Name n{NameKind::Ports, st.ports->name.origin};
        n.ports = st.ports.get();
        declare(st.ports->name.text, n);
        break;
      }
      case K::Firewall:
        declare(st.firewall->name.text, Name{NameKind::Firewall, st.firewall->name.origin});
        break;
      case K::Host: {
        Name n{NameKind::Host, st.host->name.origin};
        if (st.host->bound) {
          // Bound once the imports have run (bind_to_import).
          n.host = st.host.get();
          declare(st.host->name.text, n);
          break;
        }
        if (declare(st.host->name.text, n)) {
          core::Host host;
          host.name = st.host->name.text;
          host.origin = st.host->origin;
          bind_host_addresses(*st.host, host);
          names_.at(st.host->name.text).index = policy_.add(std::move(host)).value;
          names_.at(st.host->name.text).resolved = true;
        }
        break;
      }
      case K::Import:
        if (st.import->name) declare(st.import->name->text, Name{NameKind::Import, st.import->name->origin});
        break;
      default: break;
    }
  }
}

std::optional<core::Policy> Binder::bind(std::vector<std::pair<std::string, const ast::SourceFile*>> files) {
  files_ = std::move(files);
  for (const auto& [path, file] : files_) policy_.source_files.push_back(path);
  for (const auto& [path, file] : files_) declare_statements(*file);

  using K = ast::Statement::Kind;
  // Imports first: everything else may name what they bring.
  for (const auto& [path, file] : files_) {
    for (const auto& st : file->statements) {
      if (st.kind == K::Import) run_import(*st.import, core::HostId{});
      if (st.kind == K::Host) {
        auto it = names_.find(st.host->name.text);
        // A bound host's own imports run once it is bound, below.
        if (it == names_.end() || it->second.kind != NameKind::Host || it->second.host ||
            !it->second.resolved || policy_.hosts.at(it->second.index).origin != st.host->origin) {
          continue;
        }
        for (const auto& item : st.host->items) {
          if (item.kind == ast::HostItem::Kind::Import)
            run_import(*item.import, core::HostId(it->second.index));
        }
      }
    }
  }
  // Hosts bound to imported ones (`host NAME is aws["..."]`), then their
  // own imports.
  for (const auto& [path, file] : files_) {
    for (const auto& st : file->statements) {
      if (st.kind != K::Host || !st.host->bound) continue;
      auto it = names_.find(st.host->name.text);
      if (it == names_.end() || it->second.host != st.host.get()) continue;
      bind_to_import(*st.host, it->second);
      if (!it->second.resolved) continue;
      for (const auto& item : st.host->items) {
        if (item.kind == ast::HostItem::Kind::Import)
          run_import(*item.import, core::HostId(it->second.index));
      }
    }
  }
  for (const auto& [path, file] : files_) {
    for (const auto& st : file->statements) {
      switch (st.kind) {
        case K::Zone: {
          Name& n = names_.at(st.zone->name.text);
          if (n.zone == st.zone.get()) resolve_zone(n, st.zone->name.text);
          break;
        }
        case K::Ports: {
          Name& n = names_.at(st.ports->name.text);
          if (n.ports == st.ports.get()) resolve_ports(n, st.ports->name.text);
          break;
        }
        case K::Firewall: {
          Name& n = names_.at(st.firewall->name.text);
          if (n.kind == NameKind::Firewall && n.origin == st.firewall->name.origin)
            bind_firewall(*st.firewall, n);
          break;
        }
        default: break;
      }
    }
  }
  // File-access declarations, top level and in host blocks: before the
  // hosts' listeners, which name services.
  for (const auto& [path, file] : files_) {
    for (const auto& st : file->statements) {
      using AK = AccessDecl::Kind;
      switch (st.kind) {
        case K::Service:
          access_decls_.push_back(
              AccessDecl{AK::Service, {}, nullptr, nullptr, nullptr, nullptr, st.service.get()});
          break;
        case K::User: access_decls_.push_back(AccessDecl{AK::User, {}, nullptr, st.user.get()}); break;
        case K::Group: access_decls_.push_back(AccessDecl{AK::Group, {}, st.group.get()}); break;
        case K::File:
          access_decls_.push_back(AccessDecl{AK::File, {}, nullptr, nullptr, st.file.get()});
          break;
        case K::Mount:
          access_decls_.push_back(AccessDecl{AK::Mount, {}, nullptr, nullptr, nullptr, st.mount.get()});
          break;
        case K::Host: {
          auto it = names_.find(st.host->name.text);
          if (it == names_.end() || it->second.kind != NameKind::Host ||
              it->second.origin != st.host->name.origin || !it->second.resolved)
            break;
          core::HostId h(it->second.index);
          for (const auto& item : st.host->items) {
            using HK = ast::HostItem::Kind;
            if (item.kind == HK::Service)
              access_decls_.push_back(
                  AccessDecl{AK::Service, h, nullptr, nullptr, nullptr, nullptr, item.service.get()});
            if (item.kind == HK::User)
              access_decls_.push_back(AccessDecl{AK::User, h, nullptr, item.user.get()});
            if (item.kind == HK::Group) access_decls_.push_back(AccessDecl{AK::Group, h, item.group.get()});
            if (item.kind == HK::File)
              access_decls_.push_back(AccessDecl{AK::File, h, nullptr, nullptr, item.file.get()});
            if (item.kind == HK::Mount)
              access_decls_.push_back(AccessDecl{AK::Mount, h, nullptr, nullptr, nullptr, item.mount.get()});
          }
          break;
        }
        default: break;
      }
    }
  }
  bind_access_declarations();
  attach_imported_network();
  for (const auto& [path, file] : files_) {
    for (const auto& st : file->statements) {
      if (st.kind != K::Host) continue;
      Name& n = names_.at(st.host->name.text);
      if (n.kind == NameKind::Host && n.origin == st.host->name.origin && n.resolved) bind_host(*st.host);
    }
  }
  check_selinux();
  for (const auto& [path, file] : files_) {
    for (const auto& st : file->statements) {
      if (st.kind == K::Assert || st.kind == K::Query) {
        if (auto q = question(*st.question, st.kind == K::Query)) policy_.questions.push_back(std::move(*q));
      }
    }
  }
  if (diags_.has_errors()) return std::nullopt;
  return std::move(policy_);
}

std::optional<core::Question> Binder::bind_question(const core::Policy& policy, const ast::Question& q,
                                                    bool is_query) {
  policy_ = policy;
  names_.clear();
  imported_.clear();
  for (size_t i = 0; i < policy_.zones.size(); ++i) {
    Name n{NameKind::Zone, policy_.zones[i].origin};
    n.index = uint32_t(i);
    n.resolved = true;
    names_.emplace(policy_.zones[i].name, n);
  }
  for (size_t i = 0; i < policy_.ports.size(); ++i) {
    Name n{NameKind::Ports, policy_.ports[i].origin};
    n.index = uint32_t(i);
    n.resolved = true;
    names_.emplace(policy_.ports[i].name, n);
  }
  for (size_t i = 0; i < policy_.hosts.size(); ++i) {
    Name n{NameKind::Host, policy_.hosts[i].origin};
    n.index = uint32_t(i);
    n.resolved = true;
    names_.emplace(policy_.hosts[i].name, n);
  }
  for (size_t i = 0; i < policy_.filters.size(); ++i) {
    if (policy_.filters[i].kind != "firewall") continue;
    Name n{NameKind::Firewall, policy_.filters[i].origin};
    n.index = uint32_t(i);
    n.resolved = true;
    names_.emplace(policy_.filters[i].name, n);
  }
  for (const auto& named : policy_.named_objects) {
    imported_[named.scope].emplace(named.native_id, named);
    names_.emplace(named.scope, Name{NameKind::Import, {}});
  }
  return question(q, is_query);
}

std::optional<Binder::BoundPacket> Binder::bind_packet(const core::Policy& policy, const ast::Packet& p) {
  BoundPacket out;
  auto proto = core::protocol_by_name(p.protocol);
  if (!proto) {
    diags_.error(codes::kBadProtocol, p.origin, fmt::format("unknown protocol `{}`", p.protocol));
    return std::nullopt;
  }
  out.packet.protocol = *proto;
  bool ok = true;
  auto end = [&](const ast::PacketEnd& e, core::Address& addr, uint16_t& port, core::HostId& host,
                 const core::Address* other, bool quiet_ambiguity) {
    if (e.host) {
      auto h = policy.find_host(e.host->text);
      if (!h) {
        diags_.error(codes::kUndefined, e.host->origin, fmt::format("`{}` is not a host", e.host->text));
        ok = false;
        return;
      }
      host = *h;
      auto list = policy.host(*h).address_list();
      std::vector<core::Address> fit;
      for (const auto& a : list) {
        if (!other || a.family == other->family) fit.push_back(a);
      }
      if (fit.size() != 1) {
        ok = false;
        if (quiet_ambiguity && fit.size() > 1) return;
        diags_.error(codes::kAmbiguous, e.host->origin,
                     fmt::format("host `{}` has {} addresses{}; write the address instead", e.host->text,
                                 fit.size(), fit.size() != list.size() ? " of that family" : ""));
        ok = false;
        return;
      }
      addr = fit[0];
    } else {
      auto a = core::Address::parse(e.address);
      if (!a) {
        diags_.error(codes::kBadAddress, e.origin, fmt::format("`{}` is not an IP address", e.address));
        ok = false;
        return;
      }
      addr = *a;
      for (size_t i = 0; i < policy.hosts.size(); ++i) {
        if (policy.hosts[i].addresses().contains(addr)) host = core::HostId(uint32_t(i));
      }
    }
    if (e.port) {
      if (!core::has_ports(*proto)) {
        diags_.error(codes::kBadPort, e.port->origin, fmt::format("protocol `{}` has no ports", p.protocol));
        ok = false;
      } else if (auto n = number(*e.port, 65535, "port")) {
        port = uint16_t(*n);
      } else {
        ok = false;
      }
    } else if (core::has_ports(*proto)) {
      diags_.error(codes::kBadPort, e.origin, "give the port: `ADDRESS:PORT`");
      ok = false;
    }
  };
  core::Address src, dst;
  // A host name stands for its only address of the other end's family, so an
  // end written as an address is resolved first. Both ends are checked, so a
  // mistake in each is reported; a host name is not called ambiguous when
  // the other end, which would have chosen its family, is wrong itself.
  bool src_first = p.dst.host && !p.src.host;
  const ast::PacketEnd& first = src_first ? p.src : p.dst;
  const ast::PacketEnd& second = src_first ? p.dst : p.src;
  core::Address& first_addr = src_first ? src : dst;
  core::Address& second_addr = src_first ? dst : src;
  end(first, first_addr, src_first ? out.packet.src_port : out.packet.dst_port,
      src_first ? out.source_host : out.destination, nullptr, false);
  bool first_ok = ok;
  end(second, second_addr, src_first ? out.packet.dst_port : out.packet.src_port,
      src_first ? out.destination : out.source_host, first_ok ? &first_addr : nullptr, !first_ok);
  if (!ok) return std::nullopt;
  if (src.family != dst.family) {
    diags_.error(codes::kMixedFamilies, p.origin,
                 "the two ends of a packet must be of the same address family");
    return std::nullopt;
  }
  out.packet.family = src.family;
  out.packet.src = src;
  out.packet.dst = dst;
  if (p.icmp_type) {
    if (!core::has_icmp(*proto)) {
      diags_.error(codes::kBadProtocol, p.icmp_type->origin, "`type` applies to icmp and icmpv6");
      return std::nullopt;
    }
    auto t = number(*p.icmp_type, 255, "ICMP type");
    auto c = p.icmp_code ? number(*p.icmp_code, 255, "ICMP code") : std::optional<uint64_t>(0);
    if (!t || !c) return std::nullopt;
    out.packet.icmp_type = uint8_t(*t);
    out.packet.icmp_code = uint8_t(*c);
  }
  if (*proto == core::proto::kIcmp && src.family == core::Family::V6) {
    diags_.error(codes::kMixedFamilies, p.origin, "ICMP over IPv6 is `icmpv6`");
    return std::nullopt;
  }
  if (!out.destination.valid()) {
    diags_.error(codes::kBadQuestion, p.dst.origin,
                 fmt::format("{} is not an address of any host in the policy", dst.to_string()));
    return std::nullopt;
  }
  return out;
}

}  // namespace rampart::dsl
