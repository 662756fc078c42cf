// What imports inside a host block leave to the binder: names an importer
// read (run-as users, socket owners) resolved against the host's users and
// groups; the same fact from two sources (a declaration and an import, or
// two imports) merged when they agree and reported (RP2304, naming both
// origins) when they do not; the importing host's own interfaces and
// listeners (from `ss`, nginx, compose files) attached to it.

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>

#include "binder.h"
#include "codes.h"
#include "rampart/core/dac.h"

namespace rampart::dsl {

using core::Origin;

namespace {

bool imported(const Origin& o) {
  return o.kind != Origin::Kind::Policy;
}

std::optional<uint32_t> digits(const std::string& s) {
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  uint64_t v = std::stoull(s);
  if (v > 0xfffffffeu) return std::nullopt;
  return uint32_t(v);
}

std::string acl_text(const core::Acl& acl) {
  std::string out;
  for (const auto& e : acl.entries) {
    static const char* kTags[] = {"user:", "user:", "group:", "group:", "mask:", "other:"};
    std::string q = (e.tag == core::AclEntry::Tag::User || e.tag == core::AclEntry::Tag::Group)
                        ? std::to_string(e.qualifier)
                        : "";
    out += fmt::format("{}{}:{}{}{},", kTags[int(e.tag)], q, e.perms & 4 ? 'r' : '-', e.perms & 2 ? 'w' : '-',
                       e.perms & 1 ? 'x' : '-');
  }
  if (!out.empty()) out.pop_back();
  return out;
}

std::string file_text(const core::FileNode& n) {
  std::string s = fmt::format("{}:{} {}", n.uid, n.gid, core::mode_string(n.mode, n.type));
  if (!n.type_known) s = fmt::format("{}:{} mode {:04o}", n.uid, n.gid, n.mode);
  if (n.acl_known && !n.access_acl.empty()) s += " acl " + acl_text(n.access_acl);
  if (n.acl_known && !n.default_acl.empty()) s += " default acl " + acl_text(n.default_acl);
  return s;
}

std::string service_text(const core::Policy& p, const core::Service& s) {
  core::Credentials c = core::credentials_of(p, s);
  std::string groups;
  for (auto g : c.groups) {
    if (g != c.gid) groups += (groups.empty() ? "" : ",") + std::to_string(g);
  }
  std::string caps;
  for (unsigned i = 0; i < core::kCapabilityCount; ++i) {
    if (c.capabilities & (core::CapabilitySet(1) << i)) {
      caps += (caps.empty() ? "" : ",") + core::capability_name(core::Capability(i));
    }
  }
  return fmt::format("uid {} gid {} groups [{}] umask {:03o} capabilities [{}]", c.uid, c.gid, groups,
                     c.umask, caps.empty() ? "none" : caps);
}

// Removes the marked elements of a policy vector and renumbers what names
// them: imported objects of that kind, and for services the listeners.
template <typename T>
std::vector<uint32_t> erase_marked(std::vector<T>& items, const std::vector<bool>& drop) {
  // In place: a host's million file nodes are not copied to drop a few.
  std::vector<uint32_t> remap(items.size(), 0xffffffffu);
  size_t kept = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i < drop.size() && drop[i]) continue;
    remap[i] = uint32_t(kept);
    if (kept != i) items[kept] = std::move(items[i]);
    ++kept;
  }
  items.erase(items.begin() + long(kept), items.end());
  return remap;
}

}  // namespace

void Binder::disagree(const Origin& here, const Origin& there, const std::string& what,
                      const std::string& here_text, const std::string& there_text) {
  diags_
      .error(codes::kImportDisagrees, here,
             fmt::format("{} is {} here, but {} says {}", what, here_text, there.to_string(), there_text))
      .notes.push_back({there, "imported here"});
}

void Binder::keep_host_part(core::ImportResult& result, core::HostId host, const core::MergeOffsets& off,
                            std::vector<core::Host> own, const core::Origin& import_origin) {
  PendingImport p;
  p.host = host;
  for (auto& r : result.names) {
    bool service = r.target == core::NameRef::Target::ServiceUser ||
                   r.target == core::NameRef::Target::ServiceGroup ||
                   r.target == core::NameRef::Target::ServiceSupplementary;
    r.index += service ? off.services : off.files;
    p.names.push_back(std::move(r));
  }
  for (auto& h : own) {
    for (auto& i : h.interfaces) p.interfaces.push_back(std::move(i));
    for (auto& l : h.listeners) {
      if (l.service.valid()) l.service.value += off.services;
      if (!l.origin.known()) l.origin = import_origin;
      p.listeners.push_back(std::move(l));
    }
  }
  pending_imports_.push_back(std::move(p));
}

void Binder::resolve_import_names() {
  for (auto& p : pending_imports_) {
    for (const auto& r : p.names) {
      using T = core::NameRef::Target;
      bool wants_user = r.target == T::ServiceUser || r.target == T::FileOwner || r.target == T::AclUser;
      const core::User* u = wants_user ? user_named(p.host, r.name) : nullptr;
      const core::Group* g = wants_user ? nullptr : group_named(p.host, r.name);
      std::optional<uint32_t> id;
      if (u)
        id = u->uid;
      else if (g)
        id = g->gid;
      else if (auto n = digits(r.name))
        id = n;
      else if (r.fallback)
        id = r.fallback;
      if (!id) {
        diags_.error(codes::kUndefined, r.origin,
                     fmt::format("no {} `{}` on host `{}`", wants_user ? "user" : "group", r.name,
                                 policy_.host(p.host).name));
        continue;
      }
      auto group_name_of = [&](uint32_t gid) {
        for (const auto& grp : policy_.groups) {
          if (grp.host == p.host && grp.gid == gid) return grp.name;
        }
        return std::to_string(gid);
      };
      switch (r.target) {
        case T::ServiceUser: {
          core::Service& s = policy_.services.at(r.index);
          s.uid = *id;
          s.user_name = u ? u->name : r.name;
          if (r.primary_group) {
            s.gid = u ? u->primary_gid : *id;
            s.group_name = group_name_of(s.gid);
          }
          if (r.user_groups && u) {
            core::Credentials c = core::credentials_of(policy_, *u);
            s.supplementary_gids.insert(s.supplementary_gids.end(), c.groups.begin(), c.groups.end());
            s.supplementary_gids.push_back(u->primary_gid);
          }
          break;
        }
        case T::ServiceGroup: {
          core::Service& s = policy_.services.at(r.index);
          s.gid = *id;
          s.group_name = g ? g->name : r.name;
          break;
        }
        case T::ServiceSupplementary: policy_.services.at(r.index).supplementary_gids.push_back(*id); break;
        case T::FileOwner: {
          core::FileNode& f = policy_.files.at(r.index);
          f.uid = *id;
          if (r.primary_group) f.gid = u ? u->primary_gid : *id;
          break;
        }
        case T::FileGroup: policy_.files.at(r.index).gid = *id; break;
        case T::AclUser:
        case T::AclGroup: {
          auto& entries = policy_.files.at(r.index).access_acl.entries;
          if (r.entry < entries.size()) entries[r.entry].qualifier = *id;
          break;
        }
      }
    }
  }
  for (auto& s : policy_.services) {
    std::sort(s.supplementary_gids.begin(), s.supplementary_gids.end());
    s.supplementary_gids.erase(std::unique(s.supplementary_gids.begin(), s.supplementary_gids.end()),
                               s.supplementary_gids.end());
  }
  for (auto& f : policy_.files) {
    // The kernel keeps ACL entries sorted by tag, then qualifier.
    std::stable_sort(f.access_acl.entries.begin(), f.access_acl.entries.end(),
                     [](const core::AclEntry& a, const core::AclEntry& b) {
                       return a.tag != b.tag ? a.tag < b.tag : a.qualifier < b.qualifier;
                     });
  }
}

// Two imports naming the same user or group on one host: one entry if they
// agree, RP2304 if they do not.
void Binder::reconcile_imported_identities() {
  std::vector<bool> drop_groups(policy_.groups.size()), drop_users(policy_.users.size());
  // The first entry of each (host, name), by hash: a pairwise scan was
  // quadratic (100,000 imported users took 23 s).
  auto reconcile = [this](const auto& entries, std::vector<bool>& drop) {
    std::unordered_map<std::string, size_t> first;
    first.reserve(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& b = entries[i];
      if (!b.host.valid()) continue;
      std::string key = std::to_string(b.host.value) + '\0' + b.name;
      auto [it, inserted] = first.emplace(std::move(key), i);
      if (inserted) continue;
      agrees_with_import(b, entries[it->second]);  // reports RP2304 when they differ
      drop[i] = true;                              // one entry either way: the first
    }
  };
  reconcile(policy_.groups, drop_groups);
  reconcile(policy_.users, drop_users);
  auto gmap = erase_marked(policy_.groups, drop_groups);
  auto umap = erase_marked(policy_.users, drop_users);
  for (auto& n : policy_.named_objects) {
    if (n.kind == core::ObjectKind::Group && n.index < gmap.size()) n.index = gmap[n.index];
    if (n.kind == core::ObjectKind::User && n.index < umap.size()) n.index = umap[n.index];
  }
  for (auto& [scope, objects] : imported_) {
    for (auto& [id, n] : objects) {
      if (n.kind == core::ObjectKind::Group && n.index < gmap.size()) n.index = gmap[n.index];
      if (n.kind == core::ObjectKind::User && n.index < umap.size()) n.index = umap[n.index];
    }
  }
}

// Two imports describing the same path, or the same service, on one host.
// Files: what one source does not know (a getfacl listing has no types, a
// find listing no ACLs) comes from the other; what both know must be equal.
// Services: the identity must be equal; the accesses add up (supervisord,
// named by every program file, is one service).
void Binder::reconcile_imported_contents() {
  std::vector<bool> drop_files(policy_.files.size()), drop_services(policy_.services.size());
  // Keys view the nodes' paths, which stay put while this loop runs.
  using HostPath = std::pair<uint32_t, std::string_view>;
  auto hash = [](const HostPath& k) { return std::hash<std::string_view>()(k.second) * 31 + k.first; };
  std::unordered_map<HostPath, size_t, decltype(hash)> first_file(policy_.files.size(), hash);
  for (size_t i = 0; i < policy_.files.size(); ++i) {
    core::FileNode& b = policy_.files[i];
    if (!b.host.valid() || !imported(b.origin)) continue;
    auto [it, inserted] = first_file.emplace(HostPath{b.host.value, b.path}, i);
    if (inserted) continue;
    core::FileNode& a = policy_.files[it->second];
    drop_files[i] = true;
    bool same =
        a.uid == b.uid && a.gid == b.gid && a.mode == b.mode &&
        (!a.type_known || !b.type_known || a.type == b.type) &&
        (!a.acl_known || !b.acl_known || (a.access_acl == b.access_acl && a.default_acl == b.default_acl));
    if (!same) {
      disagree(b.origin, a.origin, fmt::format("`{}`", b.path), file_text(b), file_text(a));
      continue;
    }
    if (!a.type_known && b.type_known) {
      a.type = b.type;
      a.type_known = true;
    }
    if (!a.acl_known && b.acl_known) {
      a.access_acl = b.access_acl;
      a.default_acl = b.default_acl;
      a.acl_known = true;
    }
    a.immutable = a.immutable || b.immutable;
    a.append_only = a.append_only || b.append_only;
    if (a.selinux_label.empty()) a.selinux_label = b.selinux_label;
  }
  for (size_t i = 0; i < policy_.services.size(); ++i) {
    for (size_t j = 0; j < i && !drop_services[i]; ++j) {
      core::Service& a = policy_.services[j];
      const core::Service& b = policy_.services[i];
      if (drop_services[j] || a.host != b.host || a.name != b.name || !a.host.valid()) continue;
      drop_services[i] = true;
      agrees_with_import(b, a);  // merges the accesses when they agree
    }
  }
  erase_marked(policy_.files, drop_files);
  auto smap = erase_marked(policy_.services, drop_services);
  auto remap = [&](core::ServiceId& s) {
    if (s.valid() && s.index() < smap.size()) s = core::ServiceId(smap[s.index()]);
  };
  for (auto& h : policy_.hosts) {
    for (auto& l : h.listeners) remap(l.service);
  }
  for (auto& p : pending_imports_) {
    for (auto& l : p.listeners) remap(l.service);
  }
  for (auto& n : policy_.named_objects) {
    if (n.kind == core::ObjectKind::Service && n.index < smap.size()) n.index = smap[n.index];
  }
  for (auto& [scope, objects] : imported_) {
    for (auto& [id, n] : objects) {
      if (n.kind == core::ObjectKind::Service && n.index < smap.size()) n.index = smap[n.index];
    }
  }
}

bool Binder::agrees_with_import(const core::Group& declared, const core::Group& imp) {
  auto a = declared.members, b = imp.members;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (declared.gid == imp.gid && a == b) return true;
  auto text = [](const core::Group& g) {
    std::string m;
    for (const auto& x : g.members) m += (m.empty() ? "" : ",") + x;
    return fmt::format("gid {} with members [{}]", g.gid, m);
  };
  disagree(declared.origin, imp.origin, fmt::format("group `{}`", declared.name), text(declared), text(imp));
  return false;
}

bool Binder::agrees_with_import(const core::User& declared, const core::User& imp) {
  core::Credentials c = core::credentials_of(policy_, imp);
  bool groups_ok = std::all_of(declared.supplementary_gids.begin(), declared.supplementary_gids.end(),
                               [&](uint32_t g) { return c.in_group(g); });
  if (declared.uid == imp.uid && declared.primary_gid == imp.primary_gid && groups_ok) return true;
  disagree(declared.origin, imp.origin, fmt::format("user `{}`", declared.name),
           fmt::format("uid {} group {}", declared.uid, declared.primary_gid),
           fmt::format("uid {} group {}", imp.uid, imp.primary_gid));
  return false;
}

bool Binder::agrees_with_import(const core::FileNode& declared, const core::FileNode& imp) {
  bool same = declared.uid == imp.uid && declared.gid == imp.gid && declared.mode == imp.mode &&
              (!imp.type_known || declared.type == imp.type) &&
              (!imp.acl_known ||
               (declared.access_acl == imp.access_acl && declared.default_acl == imp.default_acl)) &&
              declared.immutable == imp.immutable && declared.append_only == imp.append_only;
  if (same) return true;
  disagree(declared.origin, imp.origin, fmt::format("`{}`", declared.path), file_text(declared),
           file_text(imp));
  return false;
}

bool Binder::agrees_with_import(const core::Service& declared, core::Service& imp) {
  std::string a = service_text(policy_, declared), b = service_text(policy_, imp);
  if (a != b) {
    disagree(declared.origin, imp.origin, fmt::format("service `{}`", declared.name), a, b);
    return false;
  }
  // Same identity: the declaration (or the second import) adds accesses.
  for (const auto& acc : declared.accesses) {
    bool dup = std::any_of(imp.accesses.begin(), imp.accesses.end(), [&](const core::DeclaredAccess& x) {
      return x.operation == acc.operation && x.path == acc.path;
    });
    if (!dup) imp.accesses.push_back(acc);
  }
  if (imp.program.empty()) imp.program = declared.program;
  if (imp.domain.empty()) imp.domain = declared.domain;
  return true;
}

void Binder::attach_imported_network() {
  for (auto& p : pending_imports_) {
    core::Host& host = policy_.hosts.at(p.host.index());
    for (auto& iface : p.interfaces) {
      auto same = std::find_if(host.interfaces.begin(), host.interfaces.end(),
                               [&](const core::Interface& i) { return i.name == iface.name; });
      if (same == host.interfaces.end()) {
        host.interfaces.push_back(std::move(iface));
        continue;
      }
      auto key = [](const core::Interface& i) {
        std::set<std::string> out;
        for (const auto& a : i.addresses) out.insert(fmt::format("{}/{}", a.address.to_string(), a.prefix));
        return out;
      };
      auto text = [&](const core::Interface& i) {
        std::string s;
        for (const auto& a : key(i)) s += (s.empty() ? "" : ", ") + a;
        return s.empty() ? std::string("no address") : s;
      };
      if (key(*same) != key(iface)) {
        disagree(same->origin, iface.origin,
                 fmt::format("interface `{}` of host `{}`", iface.name, host.name), text(*same), text(iface));
      }
    }
    for (auto& l : p.listeners) {
      if (!l.service.valid() && !l.process.empty()) {
        if (auto s = policy_.find_service(l.process, p.host)) {
          l.service = *s;
        } else {
          // By program: only when one service of the host runs it (a
          // svchost.exe shared by several services stays unknown).
          std::optional<core::ServiceId> only;
          size_t matches = 0;
          for (size_t i = 0; i < policy_.services.size(); ++i) {
            const core::Service& svc = policy_.services[i];
            if (svc.host != p.host || svc.program.empty()) continue;
            std::string base = svc.program.substr(svc.program.find_last_of("/\\") + 1);
            if (base == l.process) {
              only = core::ServiceId(uint32_t(i));
              ++matches;
            }
          }
          if (matches == 1) l.service = *only;
        }
      }
      if (l.bind.kind == core::Bind::Kind::Address && !l.bind.address.is_loopback() &&
          !host.addresses().contains(l.bind.address)) {
        // As the kernel would: bound, but reachable from nowhere (main's rule
        // for netstat and IIS exports, kept for ss and nginx).
        diags_.warning(
            codes::kBadListener, l.origin,
            fmt::format("host `{}` has no address {}: the imported listener {} accepts nothing from "
                        "the network",
                        host.name, l.bind.address.to_string(), l.to_string()));
      }
      bool dup = std::any_of(host.listeners.begin(), host.listeners.end(), [&](const core::Listener& x) {
        return x.protocol == l.protocol && x.ports == l.ports && x.bind == l.bind && x.service == l.service &&
               x.process == l.process;
      });
      if (!dup) host.listeners.push_back(std::move(l));
    }
  }
}

}  // namespace rampart::dsl
