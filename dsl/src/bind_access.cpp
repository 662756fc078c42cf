// Binding of the file-access statements: groups, users, files, mounts and
// services, and the `can` / `who can` / `no conflicts` questions. Meaning:
// docs/semantics/linux-dac.md.

#include <fmt/format.h>

#include <algorithm>

#include "binder.h"
#include "codes.h"
#include "rampart/core/dac.h"

namespace rampart::dsl {

using core::Origin;

namespace {

std::optional<uint64_t> octal(const std::string& digits) {
  if (digits.empty() || digits.size() > 6) return std::nullopt;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '7') return std::nullopt;
    v = v * 8 + uint64_t(c - '0');
  }
  return v;
}

}  // namespace

std::optional<core::HostId> Binder::access_host(const std::optional<ast::Ident>& on, core::HostId enclosing,
                                                const Origin& where, const char* what) {
  if (enclosing.valid()) {
    if (on) diags_.error(codes::kBadQuestion, on->origin, fmt::format("a {} inside a host block needs no `on`", what));
    return enclosing;
  }
  if (on) {
    auto h = policy_.find_host(on->text);
    if (!h) {
      diags_.error(codes::kUndefined, on->origin, fmt::format("no host is named `{}`", on->text));
      return std::nullopt;
    }
    return *h;
  }
  if (policy_.hosts.size() == 1) return core::HostId(0);
  diags_.error(codes::kAmbiguous, where,
               policy_.hosts.empty() ? fmt::format("a {} belongs to a host, and the policy declares none", what)
                                     : fmt::format("say which host this {} is on: `on HOST`", what));
  return std::nullopt;
}

const core::Group* Binder::group_named(core::HostId host, const std::string& name) const {
  for (const auto& g : policy_.groups) {
    if (g.host == host && g.name == name) return &g;
  }
  return nullptr;
}

const core::User* Binder::user_named(core::HostId host, const std::string& name) const {
  for (const auto& u : policy_.users) {
    if (u.host == host && u.name == name) return &u;
  }
  return nullptr;
}

std::optional<core::Acl> Binder::acl(const std::vector<std::pair<std::string, Origin>>& entries, core::HostId host,
                                     uint16_t& mode, bool is_default) {
  using Tag = core::AclEntry::Tag;
  std::vector<core::AclEntry> acl{{Tag::UserObj, core::kNoId, uint8_t((mode >> 6) & 7)},
                                  {Tag::GroupObj, core::kNoId, uint8_t((mode >> 3) & 7)},
                                  {Tag::Other, core::kNoId, uint8_t(mode & 7)}};
  bool ok = true, mask_given = false;
  for (const auto& [text, origin] : entries) {
    // getfacl / setfacl syntax: TAG:QUALIFIER:PERMS, e.g. `user:alice:rw-`, `g::r-x`, `mask::rwx`.
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i) {
      if (i == text.size() || text[i] == ':') {
        parts.push_back(text.substr(start, i - start));
        start = i + 1;
      }
    }
    std::string tag = parts.empty() ? "" : parts[0];
    if (tag == "default" || tag == "d") {
      diags_.error(codes::kBadAcl, origin, "write default entries with `default-acl`, without the `default:` prefix");
      ok = false;
      continue;
    }
    if (parts.size() != 3) {
      diags_.error(codes::kBadAcl, origin,
                   fmt::format("`{}` is not an ACL entry; write TAG:QUALIFIER:PERMS, e.g. `user:alice:rw-`", text));
      ok = false;
      continue;
    }
    uint8_t perms = 0;
    bool perms_ok = !parts[2].empty() && parts[2].size() <= 3;
    for (char c : parts[2]) {
      if (c == 'r') perms |= 4;
      else if (c == 'w') perms |= 2;
      else if (c == 'x') perms |= 1;
      else if (c != '-') perms_ok = false;
    }
    if (!perms_ok) {
      diags_.error(codes::kBadAcl, origin, fmt::format("`{}` is not a permission set (r, w, x or -)", parts[2]));
      ok = false;
      continue;
    }
    core::AclEntry e;
    e.perms = perms;
    const std::string& q = parts[1];
    auto numeric = [&]() -> std::optional<uint32_t> {
      if (q.empty() || q.find_first_not_of("0123456789") != std::string::npos || q.size() > 9) return std::nullopt;
      return uint32_t(std::stoul(q));
    };
    if (tag == "user" || tag == "u") {
      e.tag = q.empty() ? Tag::UserObj : Tag::User;
      if (!q.empty()) {
        if (const core::User* u = user_named(host, q)) e.qualifier = u->uid;
        else if (auto n = numeric()) e.qualifier = *n;
        else {
          diags_.error(codes::kUndefined, origin, fmt::format("no user `{}` on this host", q));
          ok = false;
          continue;
        }
      }
    } else if (tag == "group" || tag == "g") {
      e.tag = q.empty() ? Tag::GroupObj : Tag::Group;
      if (!q.empty()) {
        if (const core::Group* g = group_named(host, q)) e.qualifier = g->gid;
        else if (auto n = numeric()) e.qualifier = *n;
        else {
          diags_.error(codes::kUndefined, origin, fmt::format("no group `{}` on this host", q));
          ok = false;
          continue;
        }
      }
    } else if ((tag == "mask" || tag == "m" || tag == "other" || tag == "o") && q.empty()) {
      e.tag = tag[0] == 'm' ? Tag::Mask : Tag::Other;
      if (e.tag == Tag::Mask) mask_given = true;
    } else {
      diags_.error(codes::kBadAcl, origin,
                   fmt::format("`{}` is not an ACL entry (user, group, mask or other; mask and other take no "
                               "qualifier)",
                               text));
      ok = false;
      continue;
    }
    auto same = std::find_if(acl.begin(), acl.end(), [&](const core::AclEntry& x) {
      return x.tag == e.tag && x.qualifier == e.qualifier;
    });
    if (same != acl.end()) {
      *same = e;
    } else {
      acl.push_back(e);
    }
  }
  if (!ok) return std::nullopt;
  bool extended = std::any_of(acl.begin(), acl.end(), [](const core::AclEntry& e) {
    return e.tag == Tag::User || e.tag == Tag::Group || e.tag == Tag::Mask;
  });
  if (!extended && !is_default) {
    // Only the three base entries: the ACL is the mode, nothing more.
    for (const auto& e : acl) {
      if (e.tag == Tag::UserObj) mode = uint16_t((mode & ~0700) | (e.perms << 6));
      if (e.tag == Tag::GroupObj) mode = uint16_t((mode & ~0070) | (e.perms << 3));
      if (e.tag == Tag::Other) mode = uint16_t((mode & ~0007) | e.perms);
    }
    return core::Acl{};
  }
  if (!mask_given && extended) {
    // setfacl recalculates the mask as the union of the group class.
    uint8_t mask = 0;
    for (const auto& e : acl) {
      if (e.tag == Tag::User || e.tag == Tag::Group || e.tag == Tag::GroupObj) mask |= e.perms;
    }
    acl.push_back(core::AclEntry{Tag::Mask, core::kNoId, mask});
  }
  std::stable_sort(acl.begin(), acl.end(), [](const core::AclEntry& a, const core::AclEntry& b) {
    if (a.tag != b.tag) return a.tag < b.tag;
    return a.qualifier < b.qualifier;
  });
  if (!is_default) {
    // With an ACL the mode's group bits are the mask (acl(5)).
    for (const auto& e : acl) {
      if (e.tag == Tag::UserObj) mode = uint16_t((mode & ~0700) | (e.perms << 6));
      if (e.tag == Tag::Mask) mode = uint16_t((mode & ~0070) | (e.perms << 3));
      if (e.tag == Tag::Other) mode = uint16_t((mode & ~0007) | e.perms);
    }
  }
  return core::Acl{acl};
}

void Binder::bind_access_declarations() {
  using K = AccessDecl::Kind;
  reconcile_imported_identities();
  // Groups, then users (they name groups), then files, mounts and services.
  for (const auto& d : access_decls_) {
    if (d.kind != K::Group) continue;
    const ast::Group& g = *d.group;
    auto host = access_host(g.host, d.host, g.origin, "group");
    if (!host) continue;
    const core::Group* existing = group_named(*host, g.name.text);
    if (existing && existing->origin.kind == Origin::Kind::Policy) {
      diags_.error(codes::kDuplicate, g.name.origin, fmt::format("group `{}` is declared twice on this host", g.name.text));
      continue;
    }
    if (!g.gid) {
      diags_.error(codes::kBadNumber, g.origin, fmt::format("group `{}` needs `gid N`", g.name.text));
      continue;
    }
    auto gid = number(*g.gid, 0xfffffffeu, "gid");
    if (!gid) continue;
    core::Group out;
    out.host = *host;
    out.name = g.name.text;
    out.gid = uint32_t(*gid);
    for (const auto& m : g.members) out.members.push_back(m.text);
    out.origin = g.origin;
    if (existing) {
      agrees_with_import(out, *existing);  // an imported group: the declaration must agree
      continue;
    }
    policy_.groups.push_back(std::move(out));
  }
  for (const auto& d : access_decls_) {
    if (d.kind != K::User) continue;
    const ast::User& u = *d.user;
    auto host = access_host(u.host, d.host, u.origin, "user");
    if (!host) continue;
    const core::User* existing_user = user_named(*host, u.name.text);
    if (existing_user && existing_user->origin.kind == Origin::Kind::Policy) {
      diags_.error(codes::kDuplicate, u.name.origin, fmt::format("user `{}` is declared twice on this host", u.name.text));
      continue;
    }
    if (!u.uid) {
      diags_.error(codes::kBadNumber, u.origin, fmt::format("user `{}` needs `uid N`", u.name.text));
      continue;
    }
    auto uid = number(*u.uid, 0xfffffffeu, "uid");
    if (!uid) continue;
    core::User out;
    out.host = *host;
    out.name = u.name.text;
    out.uid = uint32_t(*uid);
    out.origin = u.origin;
    const std::string primary = u.primary_group ? u.primary_group->text : u.name.text;
    const core::Group* pg = group_named(*host, primary);
    if (!pg) {
      diags_.error(codes::kUndefined, u.primary_group ? u.primary_group->origin : u.origin,
                   u.primary_group ? fmt::format("no group `{}` on this host", primary)
                                   : fmt::format("user `{}` needs `group G` (there is no group named `{}`)",
                                                 u.name.text, primary));
      continue;
    }
    out.primary_gid = pg->gid;
    bool ok = true;
    for (const auto& g : u.groups) {
      const core::Group* sg = group_named(*host, g.text);
      if (!sg) {
        diags_.error(codes::kUndefined, g.origin, fmt::format("no group `{}` on this host", g.text));
        ok = false;
        continue;
      }
      out.supplementary_gids.push_back(sg->gid);
    }
    if (!ok) continue;
    std::sort(out.supplementary_gids.begin(), out.supplementary_gids.end());
    out.supplementary_gids.erase(std::unique(out.supplementary_gids.begin(), out.supplementary_gids.end()),
                                 out.supplementary_gids.end());
    if (existing_user) {
      agrees_with_import(out, *existing_user);  // an imported user: the declaration must agree
      continue;
    }
    policy_.users.push_back(std::move(out));
  }
  // Names the host's imports read (run-as users, socket owners) resolve
  // against its users and groups, now complete; then what two imports say
  // about one path or service is merged.
  resolve_import_names();
  reconcile_imported_contents();
  for (const auto& d : access_decls_) {
    if (d.kind == K::Mount) {
      const ast::Mount& m = *d.mount;
      auto host = access_host(m.host, d.host, m.origin, "mount");
      if (!host) continue;
      std::string path = core::normalise_path(m.path);
      if (path.empty()) {
        diags_.error(codes::kBadPath, m.path_origin, fmt::format("`{}` is not an absolute path", m.path));
        continue;
      }
      policy_.mounts.push_back(core::Mount{*host, path, m.read_only, m.origin});
      continue;
    }
    if (d.kind != K::File) continue;
    const ast::FileDecl& f = *d.file;
    auto host = access_host(f.host, d.host, f.origin, "file");
    if (!host) continue;
    std::string path = core::normalise_path(f.path);
    if (path.empty() || f.path.find_first_of("*?") != std::string::npos) {
      diags_.error(codes::kBadPath, f.path_origin, fmt::format("`{}` is not an absolute path", f.path));
      continue;
    }
    auto dup = std::find_if(policy_.files.begin(), policy_.files.end(),
                            [&](const core::FileNode& n) { return n.host == *host && n.path == path; });
    std::optional<size_t> imported_dup;
    if (dup != policy_.files.end() && dup->origin.kind != Origin::Kind::Policy) {
      imported_dup = size_t(dup - policy_.files.begin());
    } else if (dup != policy_.files.end()) {
      diags_.error(codes::kDuplicate, f.path_origin, fmt::format("`{}` is declared twice on this host", path))
          .notes.push_back({dup->origin, "first declared here"});
      continue;
    }
    core::FileNode n;
    n.host = *host;
    n.path = path;
    n.type = f.kind == "directory" ? core::FileType::Directory
                                   : (f.kind == "socket" ? core::FileType::Socket : core::FileType::Regular);
    n.origin = f.origin;
    bool ok = true;
    if (!f.owner) {
      diags_.error(codes::kBadRule, f.origin, fmt::format("`{}` needs an owner: `owner USER[:GROUP]`", path));
      ok = false;
    } else {
      const core::User* u = user_named(*host, f.owner->user.text);
      if (!u) {
        diags_.error(codes::kUndefined, f.owner->user.origin, fmt::format("no user `{}` on this host", f.owner->user.text));
        ok = false;
      } else {
        n.uid = u->uid;
        n.gid = u->primary_gid;
      }
      if (f.owner->group) {
        const core::Group* g = group_named(*host, f.owner->group->text);
        if (!g) {
          diags_.error(codes::kUndefined, f.owner->group->origin, fmt::format("no group `{}` on this host", f.owner->group->text));
          ok = false;
        } else {
          n.gid = g->gid;
        }
      }
    }
    if (!f.mode) {
      diags_.error(codes::kBadMode, f.origin, fmt::format("`{}` needs a mode, e.g. `mode 0640`", path));
      ok = false;
    } else if (auto m = octal(f.mode->text); !m || *m > 07777) {
      diags_.error(codes::kBadMode, f.mode->origin,
                   fmt::format("`{}` is not a file mode (octal digits, at most 07777)", f.mode->text));
      ok = false;
    } else {
      n.mode = uint16_t(*m);
    }
    if (!ok) continue;
    if (!f.acl.empty()) {
      auto a = acl(f.acl, *host, n.mode, false);
      if (!a) continue;
      n.access_acl = *a;
    }
    if (!f.default_acl.empty()) {
      if (n.type != core::FileType::Directory) {
        diags_.error(codes::kBadAcl, f.default_acl.front().second, "only a directory has a default ACL");
        continue;
      }
      uint16_t mode = n.mode;
      auto a = acl(f.default_acl, *host, mode, true);
      if (!a) continue;
      n.default_acl = *a;
    }
    n.immutable = f.immutable;
    n.append_only = f.append_only;
    if (f.label) n.selinux_label = *f.label;
    if (imported_dup) {
      agrees_with_import(n, policy_.files[*imported_dup]);  // an imported node: the declaration must agree
      continue;
    }
    policy_.files.push_back(std::move(n));
  }
  for (const auto& d : access_decls_) {
    if (d.kind != K::Service) continue;
    const ast::Service& s = *d.service;
    auto host = access_host(s.host, d.host, s.origin, "service");
    if (!host) continue;
    std::optional<core::ServiceId> existing_service = policy_.find_service(s.name.text, *host);
    if (existing_service && policy_.service(*existing_service).origin.kind == Origin::Kind::Policy) {
      diags_.error(codes::kDuplicate, s.name.origin, fmt::format("service `{}` is declared twice on this host", s.name.text));
      continue;
    }
    core::Service out;
    out.host = *host;
    out.name = s.name.text;
    out.origin = s.origin;
    const core::User* u = user_named(*host, s.run_as.user.text);
    if (!u) {
      diags_.error(codes::kUndefined, s.run_as.user.origin, fmt::format("no user `{}` on this host", s.run_as.user.text));
      continue;
    }
    out.user_name = u->name;
    out.uid = u->uid;
    out.gid = u->primary_gid;
    const core::Group* pg = nullptr;
    for (const auto& g : policy_.groups) {
      if (g.host == *host && g.gid == u->primary_gid) pg = &g;
    }
    out.group_name = pg ? pg->name : std::to_string(u->primary_gid);
    bool ok = true;
    if (s.run_as.group) {
      const core::Group* g = group_named(*host, s.run_as.group->text);
      if (!g) {
        diags_.error(codes::kUndefined, s.run_as.group->origin, fmt::format("no group `{}` on this host", s.run_as.group->text));
        ok = false;
      } else {
        out.gid = g->gid;
        out.group_name = g->name;
      }
    }
    if (!s.groups.empty()) {
      for (const auto& g : s.groups) {
        const core::Group* sg = group_named(*host, g.text);
        if (!sg) {
          diags_.error(codes::kUndefined, g.origin, fmt::format("no group `{}` on this host", g.text));
          ok = false;
        } else {
          out.supplementary_gids.push_back(sg->gid);
        }
      }
    } else {
      // Like initgroups(3): the user's supplementary groups.
      core::Credentials c = core::credentials_of(policy_, *u);
      out.supplementary_gids = c.groups;
      if (out.gid != u->primary_gid) out.supplementary_gids.push_back(u->primary_gid);
    }
    if (s.umask) {
      auto m = octal(s.umask->text);
      if (!m || *m > 0777) {
        diags_.error(codes::kBadMode, s.umask->origin, fmt::format("`{}` is not a umask (octal, at most 0777)", s.umask->text));
        ok = false;
      } else {
        out.umask = uint16_t(*m);
      }
    }
    if (s.capabilities_declared) {
      out.capabilities_declared = true;
      for (const auto& c : s.capabilities) {
        auto cap = core::capability_by_name(c.text);
        if (!cap) {
          diags_.error(codes::kBadCapability, c.origin, fmt::format("`{}` is not a Linux capability", c.text));
          ok = false;
          continue;
        }
        out.capabilities |= core::cap_bit(*cap);
      }
    }
    if (s.domain) out.domain = s.domain->text;
    if (s.program) out.program = *s.program;
    for (const auto& a : s.accesses) {
      static const std::pair<const char*, core::Operation> kVerbs[] = {
          {"reads", core::Operation::Read},       {"writes", core::Operation::Write},
          {"appends", core::Operation::Append},   {"executes", core::Operation::Execute},
          {"creates", core::Operation::Create},   {"deletes", core::Operation::Delete},
          {"lists", core::Operation::List},       {"searches", core::Operation::Search},
          {"connects", core::Operation::Connect}};
      core::Operation op = core::Operation::Read;
      for (const auto& [verb, o] : kVerbs) {
        if (a.verb == verb) op = o;
      }
      for (const auto& [path, origin] : a.paths) {
        if (path.empty() || path[0] != '/') {
          diags_.error(codes::kBadPath, origin, fmt::format("`{}` is not an absolute path", path));
          ok = false;
          continue;
        }
        std::string p = path.find_first_of("*?") == std::string::npos ? core::normalise_path(path) : path;
        core::DeclaredAccess da;
        da.operation = op;
        da.path = p;
        da.origin = origin;
        out.accesses.push_back(std::move(da));
      }
    }
    if (!ok) continue;
    if (existing_service) {
      // An imported service: the same identity, and the declaration adds accesses.
      agrees_with_import(out, policy_.services.at(existing_service->index()));
      continue;
    }
    policy_.services.push_back(std::move(out));
  }
}

std::optional<core::Subject> Binder::subject(const ast::Subject& s, std::optional<core::HostId>& host) {
  if (s.kind == "domain") return domain_subject(s, host);
  auto find_in = [&](core::HostId h) -> std::pair<std::optional<core::ServiceId>, const core::User*> {
    return {s.kind != "user" ? policy_.find_service(s.name.text, h) : std::nullopt,
            s.kind != "service" ? user_named(h, s.name.text) : nullptr};
  };
  std::vector<core::HostId> candidates;
  if (host) {
    candidates.push_back(*host);
  } else {
    for (size_t i = 0; i < policy_.hosts.size(); ++i) candidates.push_back(core::HostId(uint32_t(i)));
  }
  std::vector<std::pair<core::HostId, core::Subject>> found;
  for (auto h : candidates) {
    auto [svc, user] = find_in(h);
    if (svc && user) {
      diags_.error(codes::kAmbiguous, s.origin,
                   fmt::format("`{0}` is both a user and a service; write `user {0}` or `service {0}`", s.name.text));
      return std::nullopt;
    }
    if (svc) found.push_back({h, core::Subject{core::Subject::Kind::Service, {}, *svc}});
    if (user) {
      auto id = core::UserId(uint32_t(user - policy_.users.data()));
      found.push_back({h, core::Subject{core::Subject::Kind::User, id, {}}});
    }
  }
  if (found.empty()) {
    diags_.error(codes::kUndefined, s.name.origin,
                 fmt::format("no {} named `{}`{}", s.kind.empty() ? "user or service" : s.kind, s.name.text,
                             host ? fmt::format(" on `{}`", policy_.host(*host).name) : ""));
    return std::nullopt;
  }
  if (found.size() > 1) {
    diags_.error(codes::kAmbiguous, s.origin,
                 fmt::format("`{}` exists on several hosts; add `on HOST`", s.name.text));
    return std::nullopt;
  }
  host = found[0].first;
  return found[0].second;
}

std::optional<core::Question> Binder::access_question(const ast::Question& q, bool is_query) {
  using K = ast::Question::Kind;
  core::Question out;
  out.is_query = is_query;
  out.text = q.text;
  out.origin = q.origin;
  if (q.kind == K::NoConflicts) {
    core::ConflictsQuestion c;
    if (q.host) {
      auto h = policy_.find_host(q.host->text);
      if (!h) {
        diags_.error(codes::kUndefined, q.host->origin, fmt::format("no host is named `{}`", q.host->text));
        return std::nullopt;
      }
      c.host = *h;
    }
    out.body = c;
    return out;
  }
  core::AccessQuestion a;
  auto op = core::operation_by_name(q.operation);
  if (!op) core::internal_error("the grammar admitted an unknown operation");
  a.operation = *op;
  if (q.path.empty() || q.path[0] != '/') {
    diags_.error(codes::kBadPath, q.path_origin, fmt::format("`{}` is not an absolute path", q.path));
    return std::nullopt;
  }
  a.path = q.path.find_first_of("*?") == std::string::npos ? core::normalise_path(q.path) : q.path;
  std::optional<core::HostId> host;
  if (q.host) {
    host = policy_.find_host(q.host->text);
    if (!host) {
      diags_.error(codes::kUndefined, q.host->origin, fmt::format("no host is named `{}`", q.host->text));
      return std::nullopt;
    }
  }
  switch (q.kind) {
    case K::Can:
    case K::NotCan: {
      a.claim = q.kind == K::Can ? core::AccessClaim::Can : core::AccessClaim::CannotDo;
      if (is_query) {
        diags_.error(codes::kBadQuestion, q.origin, "a query asks `who can OP PATH`; use `assert` for `can`");
        return std::nullopt;
      }
      auto s = subject(q.subjects.at(0), host);
      if (!s) return std::nullopt;
      a.subjects.push_back(*s);
      break;
    }
    case K::OnlyCan: {
      a.claim = core::AccessClaim::OnlyCan;
      for (const auto& sub : q.subjects) {
        if (sub.kind == "domain") {
          diags_.error(
              codes::kSelinuxDomainSubject, sub.origin,
              "`only { ... } can` lists users and services; ask `query who can` for the SELinux domains");
          return std::nullopt;
        }
        auto s = subject(sub, host);
        if (!s) return std::nullopt;
        a.subjects.push_back(*s);
      }
      break;
    }
    case K::WhoCan: {
      a.claim = core::AccessClaim::WhoCan;
      if (!is_query) {
        diags_.error(codes::kBadQuestion, q.origin, "`who can` is a query: write `query who can ...`");
        return std::nullopt;
      }
      if (!host) {
        if (policy_.hosts.size() != 1) {
          diags_.error(codes::kAmbiguous, q.origin, "say which host: `who can OP PATH on HOST`");
          return std::nullopt;
        }
        host = core::HostId(0);
      }
      break;
    }
    default:
      core::internal_error("not an access question");
  }
  a.host = *host;
  out.body = std::move(a);
  return out;
}

}  // namespace rampart::dsl
