#include "rampart/core/dac.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace rampart::core {

namespace {

constexpr uint8_t kMayRead = 4, kMayWrite = 2, kMayExec = 1;
constexpr uint16_t kSetUid = 04000, kSetGid = 02000, kSticky = 01000;
// errno values beyond those dac.h names, as Linux numbers them.
constexpr int kNoDevice = 6;       // ENXIO: open(2) of a socket
constexpr int kBusy = 16;          // EBUSY: removing a mount point
constexpr int kNotEmpty = 39;      // ENOTEMPTY: removing a directory that has entries
constexpr int kConnRefused = 111;  // ECONNREFUSED: connect(2) to a path that is no socket

std::string rwx(uint8_t bits) {
  std::string s = "---";
  if (bits & 4) s[0] = 'r';
  if (bits & 2) s[1] = 'w';
  if (bits & 1) s[2] = 'x';
  return s;
}

std::string want_name(uint8_t mask) {
  if (mask == kMayExec) return "--x";
  return rwx(mask);
}

}  // namespace

std::string mode_string(uint16_t mode, FileType type) {
  std::string s(10, '-');
  switch (type) {
    case FileType::Directory: s[0] = 'd'; break;
    case FileType::Symlink: s[0] = 'l'; break;
    case FileType::Socket: s[0] = 's'; break;
    case FileType::Fifo: s[0] = 'p'; break;
    case FileType::CharDevice: s[0] = 'c'; break;
    case FileType::BlockDevice: s[0] = 'b'; break;
    case FileType::Regular: break;
  }
  const char* letters = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) {
    if (mode & (0400 >> i)) s[1 + i] = letters[i];
  }
  if (mode & kSetUid) s[3] = (mode & 0100) ? 's' : 'S';
  if (mode & kSetGid) s[6] = (mode & 0010) ? 's' : 'S';
  if (mode & kSticky) s[9] = (mode & 0001) ? 't' : 'T';
  return s;
}

std::string errno_name(int e) {
  switch (e) {
    case err::kOk: return "granted";
    case err::kPerm: return "EPERM";
    case err::kNoEnt: return "ENOENT";
    case err::kAccess: return "EACCES";
    case err::kExist: return "EEXIST";
    case err::kNotDir: return "ENOTDIR";
    case err::kIsDir: return "EISDIR";
    case err::kReadOnly: return "EROFS";
    case kNoDevice: return "ENXIO";
    case kBusy: return "EBUSY";
    case kConnRefused: return "ECONNREFUSED";
    case kNotEmpty: return "ENOTEMPTY";
  }
  return fmt::format("errno {}", e);
}

bool Credentials::in_group(uint32_t g) const {
  return g == gid || std::find(groups.begin(), groups.end(), g) != groups.end();
}

SubjectInfo Credentials::info() const {
  SubjectInfo s;
  s.name = name;
  s.kind = kind;
  s.uid = uid;
  s.gid = gid;
  s.groups = groups;
  for (unsigned c = 0; c < kCapabilityCount; ++c) {
    if (capabilities & (CapabilitySet(1) << c)) s.capabilities.push_back(capability_name(Capability(c)));
  }
  s.domain = domain;
  return s;
}

namespace {
// A user's credentials, given the gids of the groups that name it.
Credentials user_credentials(const User& user, std::vector<uint32_t> member_of) {
  Credentials c;
  c.name = user.name;
  c.kind = "user";
  c.uid = user.uid;
  c.gid = user.primary_gid;
  std::vector<uint32_t>& groups = member_of;
  groups.insert(groups.end(), user.supplementary_gids.begin(), user.supplementary_gids.end());
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  groups.erase(std::remove(groups.begin(), groups.end(), user.primary_gid), groups.end());
  c.groups = std::move(groups);
  c.capabilities = user.uid == 0 ? kAllCapabilities : 0;
  return c;
}
}  // namespace

Credentials credentials_of(const Policy& policy, const User& user) {
  std::vector<uint32_t> member_of;
  for (const auto& g : policy.groups) {
    if (g.host != user.host) continue;
    if (std::find(g.members.begin(), g.members.end(), user.name) != g.members.end())
      member_of.push_back(g.gid);
  }
  return user_credentials(user, std::move(member_of));
}

GroupMemberships::GroupMemberships(const Policy& policy, HostId host) {
  for (const auto& g : policy.groups) {
    if (g.host != host) continue;
    for (const auto& m : g.members) gids_[m].push_back(g.gid);
  }
}

Credentials GroupMemberships::credentials_of(const User& user) const {
  auto it = gids_.find(user.name);
  return user_credentials(user, it == gids_.end() ? std::vector<uint32_t>{} : it->second);
}

Credentials credentials_of(const Policy& policy, const Service& service) {
  Credentials c;
  c.name = service.name;
  c.kind = "service";
  c.uid = service.uid;
  c.gid = service.gid;
  c.groups = service.supplementary_gids;
  std::sort(c.groups.begin(), c.groups.end());
  c.groups.erase(std::unique(c.groups.begin(), c.groups.end()), c.groups.end());
  c.capabilities =
      service.capabilities_declared ? service.capabilities : (service.uid == 0 ? kAllCapabilities : 0);
  c.umask = service.umask;
  c.domain = service.domain;
  c.view = service.view;
  c.identity_known = service.uid != kNoId && service.gid != kNoId;
  (void)policy;
  return c;
}

std::string normalise_path(const std::string& path) {
  if (path.empty() || path[0] != '/') return {};
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t start = i;
    while (i < path.size() && path[i] != '/') ++i;
    std::string part = path.substr(start, i - start);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string parent_path(const std::string& path) {
  if (path == "/") return "/";
  auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash);
}

// `*` (within a component), `**` (across components) and `?` (one character
// but `/`), matched by running the pattern as an automaton over the path:
// O(pattern x path). Backtracking was exponential in the stars of a pattern
// someone wrote (`/**a**a**a...b`).
bool glob_match(const std::string& pattern, const std::string& path) {
  enum class Token : uint8_t { Star, DeepStar, AnyChar, Literal };
  std::vector<std::pair<Token, char>> tokens;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '*') {
      bool deep = i + 1 < pattern.size() && pattern[i + 1] == '*';
      tokens.emplace_back(deep ? Token::DeepStar : Token::Star, '\0');
      i += deep ? 1 : 0;
    } else {
      tokens.emplace_back(pattern[i] == '?' ? Token::AnyChar : Token::Literal, pattern[i]);
    }
  }
  const size_t n = tokens.size();
  // live[i]: the path read so far can end where token i starts; a star may
  // also match nothing, so it lets the next token start at once.
  std::vector<char> live(n + 1, 0), next(n + 1, 0);
  auto close = [&](std::vector<char>& set) {
    for (size_t i = 0; i < n; ++i) {
      if (set[i] && (tokens[i].first == Token::Star || tokens[i].first == Token::DeepStar)) set[i + 1] = 1;
    }
  };
  live[0] = 1;
  close(live);
  for (char c : path) {
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (size_t i = 0; i < n; ++i) {
      if (!live[i]) continue;
      auto [token, literal] = tokens[i];
      bool stays = token == Token::Star || token == Token::DeepStar;  // a star goes on matching
      bool step = token == Token::DeepStar || (token == Token::Literal ? c == literal : c != '/');
      if (step) {
        next[stays ? i : i + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    live.swap(next);
  }
  return live[n] != 0;
}

// ---- the tree ---------------------------------------------------------------

FileTree::FileTree(const Policy& policy, HostId host) : host_(host) {
  for (const auto& f : policy.files) {
    if (f.host == host) nodes_.push_back(&f);
  }
  std::sort(nodes_.begin(), nodes_.end(),
            [](const FileNode* a, const FileNode* b) { return a->path < b->path; });
  for (const auto& m : policy.mounts) {
    if (m.host == host) mounts_.push_back(&m);
  }
  std::sort(mounts_.begin(), mounts_.end(),
            [](const Mount* a, const Mount* b) { return a->path.size() < b->path.size(); });
  std::vector<std::string> implied;
  for (const auto* n : nodes_) {
    std::string p = n->path;
    while (p != "/") {
      p = parent_path(p);
      implied.push_back(p);
    }
  }
  std::sort(implied.begin(), implied.end());
  implied.erase(std::unique(implied.begin(), implied.end()), implied.end());
  for (const auto& p : implied) {
    auto it = std::lower_bound(nodes_.begin(), nodes_.end(), p,
                               [](const FileNode* n, const std::string& x) { return n->path < x; });
    if (it == nodes_.end() || (*it)->path != p) implied_.push_back(p);
  }
  for (const auto& p : implied_) {
    FileNode n;
    n.host = host;
    n.path = p;
    n.type = FileType::Directory;
    n.uid = 0;
    n.gid = 0;
    n.mode = 0755;
    assumed_nodes_.push_back(n);
  }
}

const FileNode* FileTree::find(const std::string& path) const {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), path,
                             [](const FileNode* n, const std::string& x) { return n->path < x; });
  if (it != nodes_.end() && (*it)->path == path) return *it;
  auto jt = std::lower_bound(implied_.begin(), implied_.end(), path);
  if (jt != implied_.end() && *jt == path) return &assumed_nodes_.at(size_t(jt - implied_.begin()));
  return nullptr;
}

std::vector<std::string> FileTree::paths() const {
  std::vector<std::string> out;
  for (const auto* n : nodes_) out.push_back(n->path);
  out.insert(out.end(), implied_.begin(), implied_.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> FileTree::expand(const std::string& pattern) const {
  if (pattern.find_first_of("*?") == std::string::npos) return {normalise_path(pattern)};
  std::vector<std::string> out;
  for (const auto& p : paths()) {
    if (glob_match(pattern, p)) out.push_back(p);
  }
  return out;
}

bool FileTree::assumed(const std::string& path) const {
  return std::binary_search(implied_.begin(), implied_.end(), path);
}

const Mount* FileTree::mount_of(const std::string& path) const {
  const Mount* best = nullptr;
  for (const auto* m : mounts_) {
    if (path == m->path || m->path == "/" ||
        (path.size() > m->path.size() && path.compare(0, m->path.size(), m->path) == 0 &&
         path[m->path.size()] == '/')) {
      best = m;  // mounts_ is sorted by length: the last match is the innermost
    }
  }
  return best;
}

// ---- a service's own view ------------------------------------------------------

namespace {
bool at_or_below(const std::string& path, const std::string& top) {
  return path == top || top == "/" ||
         (path.size() > top.size() && path.compare(0, top.size(), top) == 0 && path[top.size()] == '/');
}
// The innermost view mount holding `path`, among covers or among the others.
const Mount* innermost(const std::vector<Mount>& view, const std::string& path, bool covers) {
  const Mount* best = nullptr;
  for (const auto& m : view) {
    if (m.cover.has_value() != covers || !at_or_below(path, m.path)) continue;
    if (!best || m.path.size() > best->path.size()) best = &m;
  }
  return best;
}
}  // namespace

const FileNode* node_in_view(const FileTree& tree, const std::vector<Mount>& view,
                             const std::vector<FileNode>& overrides, const std::string& path,
                             std::deque<FileNode>& scratch) {
  for (const auto& o : overrides) {
    if (o.path == path) return &o;
  }
  if (const Mount* c = innermost(view, path, true)) {
    const Mount* exposed = innermost(view, path, false);
    if (!exposed || exposed->path.size() <= c->path.size()) {
      if (path == c->path) return &*c->cover;
      // A directory between the cover and a view mount below it that exposes
      // the host's tree again looks like the cover.
      for (const auto& m : view) {
        if (!m.cover && at_or_below(m.path, path) && m.path != path && at_or_below(m.path, c->path)) {
          FileNode n = *c->cover;
          n.path = path;
          n.type = FileType::Directory;
          scratch.push_back(std::move(n));
          return &scratch.back();
        }
      }
      return nullptr;
    }
  }
  return tree.find(path);
}

const Mount* read_only_mount(const FileTree& tree, const std::vector<Mount>& view, const std::string& path) {
  // A view mount's own flag when it is read-only (systemd remounts
  // recursively); under a writable one, the host's mounts decide
  // (ReadWritePaths=: "the same access modes as from outside").
  const Mount* v = nullptr;
  for (const auto& m : view) {
    if (at_or_below(path, m.path) && (!v || m.path.size() > v->path.size())) v = &m;
  }
  if (v && v->read_only) return v;
  const Mount* h = tree.mount_of(path);
  return h && h->read_only ? h : nullptr;
}

const Mount* mount_point(const FileTree& tree, const std::vector<Mount>& view, const std::string& path) {
  for (const auto& m : view) {
    if (m.path == path) return &m;
  }
  const Mount* h = tree.mount_of(path);
  return h && h->path == path ? h : nullptr;
}

// ---- permission checks -------------------------------------------------------

namespace {

class Decider {
 public:
  Decider(const FileTree& tree, const Credentials& who, const std::vector<FileNode>& overrides)
      : tree_(tree), who_(who), overrides_(overrides) {}

  const FileNode* node(const std::string& path) const {
    if (who_.view.empty()) {
      for (const auto& o : overrides_) {
        if (o.path == path) return &o;
      }
      return tree_.find(path);
    }
    return node_in_view(tree_, who_.view, overrides_, path, scratch_);
  }

  AccessDecision decision;

  void record(std::string kind, const FileNode& n, std::string detail) {
    decision.checks.push_back(AccessCheck{std::move(kind), n.path, std::move(detail), n.origin});
  }
  void record_path(std::string kind, const std::string& path, std::string detail, Origin origin = {}) {
    decision.checks.push_back(AccessCheck{std::move(kind), path, std::move(detail), std::move(origin)});
  }
  int fail(int error) {
    decision.granted = false;
    decision.error = error;
    decision.decisive = decision.checks.back();
    return error;
  }

  std::string describe(const FileNode& n) const {
    return fmt::format("{} {}:{} {}", n.path, n.uid, n.gid, mode_string(n.mode, n.type));
  }

  // posix_acl_permission (fs/posix_acl.c). Returns 0 or EACCES.
  int check_acl(const FileNode& n, uint8_t want) {
    const auto& e = n.access_acl.entries;
    auto mask_after = [&](size_t i) -> const AclEntry* {
      for (size_t k = i + 1; k < e.size(); ++k) {
        if (e[k].tag == AclEntry::Tag::Mask) return &e[k];
      }
      return nullptr;
    };
    auto masked = [&](size_t i, const std::string& entry) {
      const AclEntry* m = mask_after(i);
      uint8_t perms = m ? uint8_t(e[i].perms & m->perms) : e[i].perms;
      bool ok = (perms & want) == want;
      std::string detail =
          m ? fmt::format("ACL entry `{}` is {}, mask is {}: effective {}; needs {}", entry, rwx(e[i].perms),
                          rwx(m->perms), rwx(perms), want_name(want))
            : fmt::format("ACL entry `{}` is {}; needs {}", entry, rwx(e[i].perms), want_name(want));
      record(m && (e[i].perms & want) == want && !ok ? "acl-mask" : "acl-entry", n, detail);
      return ok ? 0 : err::kAccess;
    };
    bool found = false;
    for (size_t i = 0; i < e.size(); ++i) {
      switch (e[i].tag) {
        case AclEntry::Tag::UserObj:
          if (n.uid == who_.uid) {
            record("acl-entry", n,
                   fmt::format("ACL entry `user::{}`; needs {}", rwx(e[i].perms), want_name(want)));
            return (e[i].perms & want) == want ? 0 : err::kAccess;
          }
          break;
        case AclEntry::Tag::User:
          if (e[i].qualifier == who_.uid) return masked(i, fmt::format("user:{}", e[i].qualifier));
          break;
        case AclEntry::Tag::GroupObj:
          if (who_.in_group(n.gid)) {
            found = true;
            if ((e[i].perms & want) == want) return masked(i, "group::");
          }
          break;
        case AclEntry::Tag::Group:
          if (who_.in_group(e[i].qualifier)) {
            found = true;
            if ((e[i].perms & want) == want) return masked(i, fmt::format("group:{}", e[i].qualifier));
          }
          break;
        case AclEntry::Tag::Mask: break;
        case AclEntry::Tag::Other:
          if (found) {
            record("acl-entry", n,
                   fmt::format("the ACL's matching group entries do not grant {}", want_name(want)));
            return err::kAccess;
          }
          record("acl-entry", n,
                 fmt::format("ACL entry `other::{}`; needs {}", rwx(e[i].perms), want_name(want)));
          return (e[i].perms & want) == want ? 0 : err::kAccess;
      }
    }
    record("acl-entry", n, "malformed ACL (no `other` entry)");
    return err::kAccess;
  }

  // acl_permission_check (fs/namei.c).
  int acl_permission_check(const FileNode& n, uint8_t want) {
    if (n.uid == who_.uid) {
      uint8_t bits = uint8_t((n.mode >> 6) & 7);
      record("mode-bits", n,
             fmt::format("owner class ({}) has {}; needs {}", describe(n), rwx(bits), want_name(want)));
      return (want & ~bits) ? err::kAccess : 0;
    }
    if (!n.access_acl.empty() && (n.mode & 070)) return check_acl(n, want);
    bool group = who_.in_group(n.gid);
    uint8_t bits = uint8_t(group ? (n.mode >> 3) & 7 : n.mode & 7);
    record("mode-bits", n,
           fmt::format("{} class ({}) has {}; needs {}", group ? "group" : "other", describe(n), rwx(bits),
                       want_name(want)));
    return (want & ~bits) ? err::kAccess : 0;
  }

  // generic_permission (fs/namei.c): DAC, then the capabilities that override it.
  int generic_permission(const FileNode& n, uint8_t want) {
    if (acl_permission_check(n, want) == 0) return 0;
    auto granted_by = [&](Capability c) {
      record("capability", n, fmt::format("{} overrides it", capability_name(c)));
      return 0;
    };
    if (n.type == FileType::Directory) {
      if (!(want & kMayWrite) && who_.has(Capability::DacReadSearch))
        return granted_by(Capability::DacReadSearch);
      if (who_.has(Capability::DacOverride)) return granted_by(Capability::DacOverride);
      return err::kAccess;
    }
    if (want == kMayRead && who_.has(Capability::DacReadSearch)) return granted_by(Capability::DacReadSearch);
    if ((!(want & kMayExec) || (n.mode & 0111)) && who_.has(Capability::DacOverride)) {
      return granted_by(Capability::DacOverride);
    }
    if ((want & kMayExec) && !(n.mode & 0111) && who_.has(Capability::DacOverride)) {
      record("mode-bits", n, "no execute bit is set, so CAP_DAC_OVERRIDE cannot grant execution");
    }
    return err::kAccess;
  }

  // inode_permission (fs/namei.c) without the read-only superblock case:
  // read-only mounts are bind mounts, checked where the kernel checks them.
  int inode_permission(const FileNode& n, uint8_t want) {
    if ((want & kMayWrite) && n.immutable) {
      record("flag", n, "the immutable flag forbids writing, even to root");
      return err::kPerm;
    }
    return generic_permission(n, want);
  }

  bool read_only(const std::string& path) {
    const Mount* m = read_only_mount(tree_, who_.view, path);
    if (m) {
      record_path("mount", path, fmt::format("{} is on a read-only mount ({})", path, m->path), m->origin);
      return true;
    }
    return false;
  }

  // Path walk: search permission on every ancestor directory.
  int walk(const std::string& path) {
    std::vector<std::string> ancestors;
    for (std::string p = path; p != "/";) {
      p = parent_path(p);
      ancestors.push_back(p);
    }
    std::reverse(ancestors.begin(), ancestors.end());
    for (const auto& a : ancestors) {
      const FileNode* d = node(a);
      if (!d) {
        record_path("lookup", a, fmt::format("{} does not exist", a));
        return fail(err::kNoEnt);
      }
      if (tree_.assumed(a) && !overridden(a) && d == tree_.find(a)) {
        std::string note = fmt::format("{} is not declared: assumed root:root drwxr-xr-x", a);
        if (std::find(decision.assumptions.begin(), decision.assumptions.end(), note) ==
            decision.assumptions.end()) {
          decision.assumptions.push_back(note);
        }
      }
      if (d->type != FileType::Directory) {
        record("lookup", *d, fmt::format("{} is not a directory", a));
        return fail(err::kNotDir);
      }
      if (int e = inode_permission(*d, kMayExec); e != 0) return fail(e);
    }
    return 0;
  }

  // may_create_in_sticky (fs/namei.c): O_CREAT of an existing node in a
  // world-writable sticky directory is refused, whatever the capabilities,
  // unless the node belongs to the opener or to the directory's owner.
  // Regular files and FIFOs only under fs.protected_regular /
  // fs.protected_fifos, which rampart takes as the kernel's default, 0;
  // sockets and devices always.
  bool sticky_create_refused(const FileNode& dir, const FileNode& n) {
    bool guarded =
        n.type == FileType::Socket || n.type == FileType::CharDevice || n.type == FileType::BlockDevice;
    if (!guarded || !(dir.mode & kSticky) || !(dir.mode & 0002)) return false;
    if (n.uid == dir.uid || n.uid == who_.uid) return false;
    record("sticky", dir,
           fmt::format("{} is sticky and world-writable: O_CREAT of {} ({}, owner {}) is refused unless it "
                       "belongs to the opener or to the directory's owner ({}), whatever the capabilities",
                       dir.path, n.path, file_type_name(n.type), n.uid, dir.uid));
    return true;
  }

  // Whether a directory has an entry in the model (declared, assumed, or
  // given as an override).
  bool has_entries(const std::string& dir) const {
    std::string prefix = dir == "/" ? "/" : dir + "/";
    auto below = [&](const std::string& p) {
      return p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0;
    };
    if (std::any_of(overrides_.begin(), overrides_.end(), [&](const FileNode& o) { return below(o.path); }))
      return true;
    if (!who_.view.empty()) {
      // Seen through the view: any known path below that the process sees.
      for (const auto& m : who_.view) {
        if (below(m.path)) return true;
      }
      for (const auto& p : tree_.paths()) {
        if (below(p) && node(p)) return true;
      }
      return false;
    }
    std::vector<std::string> all = tree_.paths();
    auto it = std::upper_bound(all.begin(), all.end(), prefix);
    return it != all.end() && below(*it);
  }

  bool overridden(const std::string& path) const {
    return std::any_of(overrides_.begin(), overrides_.end(),
                       [&](const FileNode& o) { return o.path == path; });
  }

  int granted() {
    decision.granted = true;
    decision.error = err::kOk;
    if (!decision.checks.empty()) decision.decisive = decision.checks.back();
    return 0;
  }

  // open(2) of an existing node with the given access.
  int open_existing(const FileNode& n, uint8_t want, bool append, bool exec) {
    if (n.type == FileType::Directory) {
      if (want & kMayWrite) {
        record("type", n, fmt::format("{} is a directory", n.path));
        return fail(err::kIsDir);
      }
      if (exec) {
        record("type", n, fmt::format("{} is a directory", n.path));
        return fail(err::kAccess);
      }
    }
    if (int e = inode_permission(n, want); e != 0) return fail(e);
    if ((want & kMayWrite) && n.append_only && !append) {
      record("flag", n, "the append-only flag allows writing only in append mode");
      return fail(err::kPerm);
    }
    if (exec && n.type != FileType::Regular) {
      record("type", n, fmt::format("{} is not a regular file", n.path));
      return fail(err::kAccess);
    }
    // do_dentry_open: a socket has no open (sock_no_open); it is reached
    // with connect(2). After may_open's checks, and never EROFS.
    if (n.type == FileType::Socket) {
      record("type", n,
             fmt::format("{} is a socket: open(2) fails with ENXIO; connect to it instead", n.path));
      return fail(kNoDevice);
    }
    if ((want & kMayWrite) && n.type != FileType::Socket && n.type != FileType::Fifo &&
        n.type != FileType::CharDevice && n.type != FileType::BlockDevice && read_only(n.path)) {
      return fail(err::kReadOnly);
    }
    return granted();
  }

  int decide(Operation op, const std::string& path) {
    if (path == "/" && (op == Operation::Create || op == Operation::Delete)) {
      record_path("lookup", path, "the root directory cannot be created or removed");
      return fail(err::kPerm);
    }
    const FileNode* target = node(path);
    switch (op) {
      case Operation::Read:
      case Operation::List:
      case Operation::Search:
      case Operation::Write:
      case Operation::Append:
      case Operation::Execute:
      case Operation::Connect: {
        if (int e = walk(path); e != 0) return e;
        if (!target) {
          record_path("lookup", path, fmt::format("{} does not exist", path));
          return fail(err::kNoEnt);
        }
        switch (op) {
          case Operation::Read: return open_existing(*target, kMayRead, false, false);
          case Operation::List:
            if (target->type != FileType::Directory) {
              record("type", *target, fmt::format("{} is not a directory", path));
              return fail(err::kNotDir);
            }
            return open_existing(*target, kMayRead, false, false);
          case Operation::Search:
            if (target->type != FileType::Directory) {
              record("type", *target, fmt::format("{} is not a directory", path));
              return fail(err::kNotDir);
            }
            if (int e = inode_permission(*target, kMayExec); e != 0) return fail(e);
            return granted();
          case Operation::Write: return open_existing(*target, kMayWrite, false, false);
          case Operation::Append: return open_existing(*target, kMayWrite, true, false);
          case Operation::Execute: return open_existing(*target, kMayExec, false, true);
          case Operation::Connect:
            // unix_find_bsd (net/unix/af_unix.c): write permission on the
            // node first, then whether it is a socket at all.
            if (int e = inode_permission(*target, kMayWrite); e != 0) return fail(e);
            if (target->type != FileType::Socket) {
              record("type", *target, fmt::format("{} is not a socket", path));
              return fail(kConnRefused);
            }
            return granted();
          default: break;
        }
        break;
      }
      case Operation::Create: {
        if (int e = walk(path); e != 0) return e;
        std::string parent = parent_path(path);
        if (target) {
          // O_CREAT on an existing node opens it (do_open): a directory is
          // EISDIR, then may_create_in_sticky, then may_open as an append.
          const FileNode& dir = *node(parent);
          if (target->type != FileType::Directory && sticky_create_refused(dir, *target))
            return fail(err::kAccess);
          return open_existing(*target, kMayWrite, true, false);
        }
        const FileNode* dir = node(parent);
        if (read_only(parent)) return fail(err::kReadOnly);
        if (int e = inode_permission(*dir, kMayWrite | kMayExec); e != 0) return fail(e);
        return granted();
      }
      case Operation::Delete: {
        // do_unlinkat / do_rmdir (fs/namei.c): the walk to the parent
        // (search on every ancestor), then mnt_want_write on the parent's
        // mount (EROFS), then the lookup of the entry (ENOENT), then
        // may_delete, then the mount-point and emptiness checks.
        if (int e = walk(path); e != 0) return e;
        std::string parent = parent_path(path);
        if (read_only(parent)) return fail(err::kReadOnly);
        if (!target) {
          record_path("lookup", path, fmt::format("{} does not exist", path));
          return fail(err::kNoEnt);
        }
        const FileNode& dir = *node(parent);
        if (int e = inode_permission(dir, kMayWrite | kMayExec); e != 0) return fail(e);
        if (dir.append_only) {
          record("flag", dir, "the directory's append-only flag forbids removing entries");
          return fail(err::kPerm);
        }
        if ((dir.mode & kSticky) && target->uid != who_.uid && dir.uid != who_.uid) {
          if (!who_.has(Capability::FOwner)) {
            record("sticky", dir,
                   fmt::format("{} is sticky: only the owner of {} ({}), of the directory ({}) or "
                               "CAP_FOWNER may remove it",
                               dir.path, path, target->uid, dir.uid));
            return fail(err::kPerm);
          }
          record("capability", dir, "CAP_FOWNER overrides the sticky directory");
        }
        if (target->append_only || target->immutable) {
          record("flag", *target,
                 fmt::format("{} is {}", path, target->immutable ? "immutable" : "append-only"));
          return fail(err::kPerm);
        }
        // vfs_unlink / vfs_rmdir: a mount point is busy; then the file
        // system refuses to remove a directory that still has entries.
        if (const Mount* m = mount_point(tree_, who_.view, path)) {
          record_path("mount", path,
                      fmt::format("{} is a mount point: it cannot be removed while mounted", path),
                      m->origin);
          return fail(kBusy);
        }
        if (target->type == FileType::Directory && has_entries(path)) {
          record("type", *target, fmt::format("{} is a directory that is not empty", path));
          return fail(kNotEmpty);
        }
        return granted();
      }
    }
    return granted();
  }

 private:
  const FileTree& tree_;
  const Credentials& who_;
  const std::vector<FileNode>& overrides_;
  mutable std::deque<FileNode> scratch_;
};

}  // namespace

AccessDecision decide_access(const FileTree& tree, const Credentials& who, Operation op,
                             const std::string& path, const std::vector<FileNode>& overrides) {
  Decider d(tree, who, overrides);
  d.decide(op, path);
  return std::move(d.decision);
}

FileNode created_node(const FileTree& tree, const Credentials& who, const std::string& path, FileType type,
                      const std::vector<FileNode>& overrides) {
  std::string pp = parent_path(path);
  std::deque<FileNode> scratch;
  const FileNode* parent = node_in_view(tree, who.view, overrides, pp, scratch);
  FileNode n;
  n.host = tree.host();
  n.path = path;
  n.type = type;
  n.uid = who.uid;
  n.gid = who.gid;
  uint16_t requested = type == FileType::Regular ? 0666 : 0777;
  if (parent && (parent->mode & kSetGid)) {
    n.gid = parent->gid;
    if (type == FileType::Directory) n.mode |= kSetGid;
  }
  if (parent && !parent->default_acl.empty()) {
    // acl(5): the default ACL becomes the access ACL, intersected with the
    // requested mode; the umask is not applied.
    n.access_acl = parent->default_acl;
    bool has_mask = std::any_of(n.access_acl.entries.begin(), n.access_acl.entries.end(),
                                [](const AclEntry& e) { return e.tag == AclEntry::Tag::Mask; });
    uint16_t mode = n.mode & 07000;
    for (auto& e : n.access_acl.entries) {
      switch (e.tag) {
        case AclEntry::Tag::UserObj:
          e.perms &= uint8_t((requested >> 6) & 7);
          mode |= uint16_t(e.perms) << 6;
          break;
        case AclEntry::Tag::Mask:
          e.perms &= uint8_t((requested >> 3) & 7);
          mode |= uint16_t(e.perms) << 3;
          break;
        case AclEntry::Tag::GroupObj:
          if (!has_mask) {
            e.perms &= uint8_t((requested >> 3) & 7);
            mode |= uint16_t(e.perms) << 3;
          }
          break;
        case AclEntry::Tag::Other:
          e.perms &= uint8_t(requested & 7);
          mode |= e.perms;
          break;
        default: break;
      }
    }
    n.mode = mode;
    if (type == FileType::Directory) n.default_acl = parent->default_acl;
    // An ACL equivalent to the mode bits is no extended ACL at all.
    if (!has_mask && n.access_acl.entries.size() <= 3) n.access_acl = Acl{};
  } else {
    n.mode = uint16_t((n.mode & 07000) | (requested & ~who.umask & 0777));
  }
  return n;
}

}  // namespace rampart::core
