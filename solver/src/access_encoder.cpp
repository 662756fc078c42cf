#include "access_encoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace rampart::solver {

using core::AclEntry;
using core::Capability;
using core::FileNode;
using core::FileType;

namespace {
constexpr uint8_t kRead = 4, kWrite = 2, kExec = 1;
constexpr uint16_t kSticky = 01000;

// Whether a directory has an entry in the model (declared, assumed, or an
// override), as core's evaluator decides it.
template <typename Encoder>
bool has_entries(const core::FileTree& tree, const std::vector<FileNode>& overrides, const std::string& dir,
                 const std::vector<core::Mount>& view, const Encoder& enc) {
  std::string prefix = dir == "/" ? "/" : dir + "/";
  auto below = [&](const std::string& p) {
    return p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0;
  };
  if (std::any_of(overrides.begin(), overrides.end(), [&](const FileNode& o) { return below(o.path); }))
    return true;
  if (!view.empty()) {
    for (const auto& m : view) {
      if (below(m.path)) return true;
    }
    for (const auto& p : tree.paths()) {
      if (below(p) && enc.visible(p, overrides)) return true;
    }
    return false;
  }
  std::vector<std::string> all = tree.paths();
  auto it = std::upper_bound(all.begin(), all.end(), prefix);
  return it != all.end() && below(*it);
}
}  // namespace

std::vector<AccessSubject> subjects_of(const core::Policy& policy, core::HostId host) {
  std::vector<AccessSubject> out;
  core::GroupMemberships memberships(policy, host);
  for (size_t i = 0; i < policy.users.size(); ++i) {
    if (policy.users[i].host != host) continue;
    core::Subject s{core::Subject::Kind::User, core::UserId(uint32_t(i)), {}};
    out.push_back(AccessSubject{s, memberships.credentials_of(policy.users[i])});
  }
  for (size_t i = 0; i < policy.services.size(); ++i) {
    if (policy.services[i].host != host) continue;
    core::Subject s{core::Subject::Kind::Service, {}, core::ServiceId(uint32_t(i))};
    out.push_back(AccessSubject{s, core::credentials_of(policy, policy.services[i])});
  }
  return out;
}

AccessEncoder::AccessEncoder(z3::context& ctx, const core::FileTree& tree,
                             const std::vector<AccessSubject>& subjects,
                             const core::selinux::HostView* selinux)
    : ctx_(ctx), tree_(tree), subjects_(subjects), bits_(1), subject_(ctx.bv_const("subject", 32)) {
  while ((size_t(1) << bits_) <= subjects.size()) ++bits_;
  bits_ = std::max(bits_, 1u);
  subject_ = ctx.bv_const(fmt::format("subject!{}", bits_).c_str(), bits_);
  if (selinux && selinux->mode() != core::selinux::Mode::Disabled && !subjects.empty()) {
    selinux_view_ = selinux;
    selinux_ = std::make_unique<SelinuxEncoder>(ctx, *selinux, tree);
    // Each subject's context (HostView::context_of), as an ite over subjects.
    std::vector<SelinuxEncoder::Sym> syms;
    z3::expr_vector known(ctx), caps_known(ctx);
    for (size_t i = 0; i < subjects.size(); ++i) {
      core::selinux::SubjectContext sc = selinux->context_of(subjects[i].credentials);
      syms.push_back(selinux_->concrete(sc.context ? *sc.context : core::selinux::Context{}));
      if (sc.context) known.push_back(is_subject(i));
      if (sc.context || subjects[i].credentials.capabilities == 0) caps_known.push_back(is_subject(i));
    }
    SelinuxEncoder::Sym src = syms.back();
    for (size_t i = syms.size() - 1; i-- > 0;) src = selinux_->ite(is_subject(i), syms[i], src);
    source_ = src;
    known_ = known.empty() ? ctx.bool_val(false) : z3::mk_or(known);
    caps_known_ = caps_known.empty() ? ctx.bool_val(false) : z3::mk_or(caps_known);
  }
}

template <typename F>
z3::expr AccessEncoder::per_subject(F&& f) {
  z3::expr_vector terms(ctx_);
  for (size_t i = 0; i < subjects_.size(); ++i) {
    if (f(subjects_[i].credentials)) terms.push_back(is_subject(i));
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

z3::expr AccessEncoder::uid_is(uint32_t uid) {
  return per_subject([&](const core::Credentials& c) { return c.uid == uid; });
}
z3::expr AccessEncoder::in_group(uint32_t gid) {
  return per_subject([&](const core::Credentials& c) { return c.in_group(gid); });
}
z3::expr AccessEncoder::has(Capability cap) {
  z3::expr held = per_subject([&](const core::Credentials& c) { return c.has(cap); });
  if (!selinux_) return held;
  // core::selinux::selinux_capabilities: SELinux must grant `capability
  // CAP` on the subject itself; a subject of unknown context keeps them.
  return held && (!*known_ || selinux_->capability(*source_, cap));
}

z3::expr AccessEncoder::acl_check(const FileNode& n, uint8_t want) {
  const auto& e = n.access_acl.entries;
  auto perms_ok = [&](uint8_t p) { return ctx_.bool_val((p & want) == want); };
  auto masked = [&](size_t i) {
    for (size_t k = i + 1; k < e.size(); ++k) {
      if (e[k].tag == AclEntry::Tag::Mask) return perms_ok(uint8_t(e[i].perms & e[k].perms));
    }
    return perms_ok(e[i].perms);
  };
  // Built from the last entry back, so each entry's expression can refer to
  // what happens when it does not decide; `found` flows forward and is
  // therefore threaded as a list of the group conditions seen before.
  std::vector<z3::expr> found_before;
  z3::expr found = ctx_.bool_val(false);
  for (const auto& entry : e) {
    found_before.push_back(found);
    if (entry.tag == AclEntry::Tag::GroupObj) found = found || in_group(n.gid);
    if (entry.tag == AclEntry::Tag::Group) found = found || in_group(entry.qualifier);
  }
  z3::expr result = ctx_.bool_val(false);  // malformed ACL: no `other`
  for (size_t k = e.size(); k-- > 0;) {
    const AclEntry& entry = e[k];
    switch (entry.tag) {
      case AclEntry::Tag::UserObj: result = z3::ite(uid_is(n.uid), perms_ok(entry.perms), result); break;
      case AclEntry::Tag::User: result = z3::ite(uid_is(entry.qualifier), masked(k), result); break;
      case AclEntry::Tag::GroupObj:
        if ((entry.perms & want) == want) result = z3::ite(in_group(n.gid), masked(k), result);
        break;
      case AclEntry::Tag::Group:
        if ((entry.perms & want) == want) result = z3::ite(in_group(entry.qualifier), masked(k), result);
        break;
      case AclEntry::Tag::Mask: break;
      case AclEntry::Tag::Other:
        result = z3::ite(found_before[k], ctx_.bool_val(false), perms_ok(entry.perms));
        break;
    }
  }
  return result;
}

z3::expr AccessEncoder::generic_permission(const FileNode& n, uint8_t want) {
  z3::expr owner = uid_is(n.uid);
  auto bits_ok = [&](int shift) { return ctx_.bool_val((want & ~((n.mode >> shift) & 7)) == 0); };
  z3::expr dac = ctx_.bool_val(false);
  if (!n.access_acl.empty() && (n.mode & 070)) {
    dac = z3::ite(owner, bits_ok(6), acl_check(n, want));
  } else {
    dac = z3::ite(owner, bits_ok(6), z3::ite(in_group(n.gid), bits_ok(3), bits_ok(0)));
  }
  z3::expr override_ = ctx_.bool_val(false);
  if (n.type == FileType::Directory) {
    if (!(want & kWrite)) override_ = override_ || has(Capability::DacReadSearch);
    override_ = override_ || has(Capability::DacOverride);
  } else {
    if (want == kRead) override_ = override_ || has(Capability::DacReadSearch);
    if (!(want & kExec) || (n.mode & 0111)) override_ = override_ || has(Capability::DacOverride);
  }
  return dac || override_;
}

z3::expr AccessEncoder::inode_permission(const FileNode& n, uint8_t want) {
  if ((want & kWrite) && n.immutable) return ctx_.bool_val(false);
  return generic_permission(n, want);
}

const FileNode* AccessEncoder::node(const std::string& path, const std::vector<FileNode>& overrides) const {
  return core::node_in_view(tree_, *view_, overrides, path, scratch_);
}

bool AccessEncoder::read_only(const std::string& path) const {
  return core::read_only_mount(tree_, *view_, path) != nullptr;
}

namespace {
// Subjects with the same own mounts see the same tree.
std::string view_key(const std::vector<core::Mount>& view) {
  std::string k;
  for (const auto& m : view) {
    k += fmt::format("{}|{}|", m.path, m.read_only);
    if (m.cover)
      k += fmt::format("{}:{}:{}:{}", int(m.cover->type), m.cover->uid, m.cover->gid, m.cover->mode);
    k += '\n';
  }
  return k;
}
}  // namespace

// DAC alone, for the symbolic subject, in the view of the tree it has.
z3::expr AccessEncoder::dac(core::Operation op, const std::string& path,
                            const std::vector<FileNode>& overrides) {
  std::map<std::string, std::vector<size_t>> views;
  for (size_t i = 0; i < subjects_.size(); ++i) views[view_key(subjects_[i].credentials.view)].push_back(i);
  if (views.size() <= 1) {
    view_ = subjects_.empty() ? &no_view_ : &subjects_[0].credentials.view;
    return allowed_in_view(op, path, overrides);
  }
  // A service with its own mounts sees its own tree: one encoding per view,
  // each for the subjects that have it.
  z3::expr_vector terms(ctx_);
  for (const auto& [key, members] : views) {
    view_ = &subjects_[members.front()].credentials.view;
    z3::expr_vector who(ctx_);
    for (size_t i : members) who.push_back(is_subject(i));
    terms.push_back(z3::mk_or(who) && allowed_in_view(op, path, overrides));
  }
  view_ = &no_view_;
  return z3::mk_or(terms);
}

z3::expr AccessEncoder::walk(const std::string& path, const std::vector<FileNode>& overrides, bool& exists) {
  z3::expr ok = ctx_.bool_val(true);
  exists = true;
  for (std::string p = path; p != "/";) {
    p = core::parent_path(p);
    const FileNode* d = node(p, overrides);
    if (!d || d->type != FileType::Directory) {
      exists = false;
      return ctx_.bool_val(false);
    }
    ok = ok && inode_permission(*d, kExec);
  }
  return ok;
}

z3::expr AccessEncoder::open_existing(const FileNode& n, uint8_t want, bool append, bool exec) {
  if (n.type == FileType::Directory && ((want & kWrite) || exec)) return ctx_.bool_val(false);
  z3::expr ok = inode_permission(n, want);
  if ((want & kWrite) && n.append_only && !append) return ctx_.bool_val(false);
  if (exec && n.type != FileType::Regular) return ctx_.bool_val(false);
  if (n.type == FileType::Socket) return ctx_.bool_val(false);  // ENXIO: sockets are connected to, not opened
  if ((want & kWrite) &&
      (n.type == FileType::Regular || n.type == FileType::Directory || n.type == FileType::Symlink) &&
      read_only(n.path)) {
    return ctx_.bool_val(false);
  }
  return ok;
}

z3::expr AccessEncoder::allowed(core::Operation op, const std::string& path,
                                const std::vector<FileNode>& overrides) {
  return decide(op, path, overrides).granted;
}

AccessEncoder::Decision AccessEncoder::decide(core::Operation op, const std::string& path,
                                              const std::vector<FileNode>& overrides) {
  z3::expr d = dac(op, path, overrides);
  // core::decide_file_access: a subject whose uid or gid is not known gets
  // unknown, whatever DAC and SELinux say.
  z3::expr id_known = per_subject([](const core::Credentials& c) { return c.identity_known; });
  if (!selinux_) return Decision{d && id_known, !id_known};
  // core::decide_file_access: DAC (capabilities filtered) ∧ SELinux; unknown
  // when DAC grants and SELinux's part, or the subject's capabilities, cannot
  // be decided.
  SelinuxEncoder::Outcome s = selinux_->operation(*source_, *known_, op, path, overrides);
  z3::expr known = (s.granted || s.denied) && *caps_known_;
  return Decision{id_known && d && known && s.granted, !id_known || (d && !known)};
}

z3::expr AccessEncoder::allowed_in_view(core::Operation op, const std::string& path,
                                        const std::vector<FileNode>& overrides) {
  using core::Operation;
  if (path == "/" && (op == Operation::Create || op == Operation::Delete)) return ctx_.bool_val(false);
  const FileNode* target = node(path, overrides);
  bool ancestors_exist = true;
  z3::expr walked = walk(path, overrides, ancestors_exist);
  if (!ancestors_exist) return ctx_.bool_val(false);
  switch (op) {
    case Operation::Read:
      return target ? walked && open_existing(*target, kRead, false, false) : ctx_.bool_val(false);
    case Operation::List:
      if (!target || target->type != FileType::Directory) return ctx_.bool_val(false);
      return walked && open_existing(*target, kRead, false, false);
    case Operation::Search:
      if (!target || target->type != FileType::Directory) return ctx_.bool_val(false);
      return walked && inode_permission(*target, kExec);
    case Operation::Write:
      return target ? walked && open_existing(*target, kWrite, false, false) : ctx_.bool_val(false);
    case Operation::Append:
      return target ? walked && open_existing(*target, kWrite, true, false) : ctx_.bool_val(false);
    case Operation::Execute:
      return target ? walked && open_existing(*target, kExec, false, true) : ctx_.bool_val(false);
    case Operation::Connect:
      if (!target || target->type != FileType::Socket) return ctx_.bool_val(false);
      return walked && inode_permission(*target, kWrite);
    case Operation::Create: {
      std::string parent = core::parent_path(path);
      if (target) {
        // As core's evaluator: may_create_in_sticky for sockets and devices.
        const FileNode& dir = *node(parent, overrides);
        bool guarded = target->type == FileType::Socket || target->type == FileType::CharDevice ||
                       target->type == FileType::BlockDevice;
        z3::expr ok = walked && open_existing(*target, kWrite, true, false);
        if (guarded && (dir.mode & kSticky) && (dir.mode & 0002) && target->uid != dir.uid)
          ok = ok && uid_is(target->uid);
        return ok;
      }
      if (read_only(parent)) return ctx_.bool_val(false);
      return walked && inode_permission(*node(parent, overrides), kWrite | kExec);
    }
    case Operation::Delete: {
      // As core's evaluator: EROFS is the parent's mount; a mount point is
      // busy and a directory with entries cannot go, whoever asks.
      std::string parent = core::parent_path(path);
      if (read_only(parent) || !target) return ctx_.bool_val(false);
      if (core::mount_point(tree_, *view_, path)) return ctx_.bool_val(false);
      if (target->type == FileType::Directory && has_entries(tree_, overrides, path, *view_, *this))
        return ctx_.bool_val(false);
      const FileNode& dir = *node(parent, overrides);
      z3::expr ok = walked && inode_permission(dir, kWrite | kExec);
      if (dir.append_only || target->append_only || target->immutable) return ctx_.bool_val(false);
      if (dir.mode & kSticky) ok = ok && (uid_is(target->uid) || uid_is(dir.uid) || has(Capability::FOwner));
      return ok;
    }
  }
  return ctx_.bool_val(false);
}

}  // namespace rampart::solver
