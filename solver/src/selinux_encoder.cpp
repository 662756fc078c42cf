#include "selinux_encoder.h"

#include <fmt/format.h>

#include <algorithm>

#include "rampart/core/diagnostic.h"

namespace rampart::solver {

namespace sel = core::selinux;
using core::FileNode;
using core::FileType;
using core::Operation;

namespace {
unsigned bits_for(size_t n) {
  unsigned b = 1;
  while ((size_t(1) << b) < n + 1) ++b;
  return b;
}
bool contains(const std::vector<uint32_t>& sorted, uint32_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}
std::string basename_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

SelinuxEncoder::SelinuxEncoder(z3::context& ctx, const sel::HostView& view, const core::FileTree& tree)
    : ctx_(ctx), view_(view), p_(view.policy()), tree_(tree) {
  type_bits_ = bits_for(p_.types.size());
  user_bits_ = bits_for(p_.users.size());
  role_bits_ = bits_for(p_.roles.size());
  level_bits_ = 8;
}

uint32_t SelinuxEncoder::level_index(const sel::Level& l) {
  for (uint32_t i = 0; i < levels_.size(); ++i) {
    if (levels_[i] == l) return i;
  }
  if (levels_.size() >= (size_t(1) << level_bits_))
    core::internal_error("too many distinct SELinux levels in one question");
  levels_.push_back(l);
  return uint32_t(levels_.size() - 1);
}

SelinuxEncoder::Sym SelinuxEncoder::concrete(const sel::Context& c) {
  return Sym{bv(c.type, type_bits_), bv(c.user, user_bits_), bv(c.role, role_bits_),
             bv(level_index(c.range.low), level_bits_), bv(level_index(c.range.high), level_bits_)};
}

SelinuxEncoder::Sym SelinuxEncoder::ite(const z3::expr& cond, const Sym& a, const Sym& b) {
  return Sym{z3::ite(cond, a.type, b.type), z3::ite(cond, a.user, b.user), z3::ite(cond, a.role, b.role),
             z3::ite(cond, a.low, b.low), z3::ite(cond, a.high, b.high)};
}

z3::expr SelinuxEncoder::domain_var(const std::string& name) {
  return ctx_.bv_const(name.c_str(), type_bits_);
}

uint32_t SelinuxEncoder::type_of(const z3::model& m, const z3::expr& d) const {
  return uint32_t(m.eval(d, true).get_numeral_uint64());
}

z3::expr SelinuxEncoder::in_set(const z3::expr& x, const std::vector<uint32_t>& sorted, unsigned bits) {
  if (x.is_numeral()) return ctx_.bool_val(contains(sorted, uint32_t(x.get_numeral_uint64())));
  z3::expr_vector terms(ctx_);
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    if (i == j)
      terms.push_back(x == bv(sorted[i], bits));
    else
      terms.push_back(z3::uge(x, bv(sorted[i], bits)) && z3::ule(x, bv(sorted[j], bits)));
    i = j + 1;
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

// `t ∈ a`: a's members when a is an attribute, else a itself.
z3::expr SelinuxEncoder::in_types(const z3::expr& t, uint32_t a) {
  if (t.is_numeral()) return ctx_.bool_val(p_.has_attribute(uint32_t(t.get_numeral_uint64()), a));
  auto key = std::make_pair(t.id(), a);
  if (auto it = in_types_cache_.find(key); it != in_types_cache_.end()) return it->second.second;
  z3::expr e = p_.types.at(a).attribute ? in_set(t, p_.members_of[a], type_bits_) : (t == bv(a, type_bits_));
  in_types_cache_.emplace(key, std::make_pair(t, e));  // the term stays alive, so its id is not reused
  return e;
}

z3::expr SelinuxEncoder::is_domain(const z3::expr& d) {
  return in_set(d, view_.domains(), type_bits_);
}

SelinuxEncoder::Sym SelinuxEncoder::domain(const z3::expr& d) {
  // As HostView::assumed_domain_context: roles that may hold the type,
  // system_r first; the first with a user (system_u preferred) decides.
  std::vector<uint32_t> roles;
  uint32_t system_r = p_.role("system_r");
  if (system_r != sel::kNone) roles.push_back(system_r);
  for (uint32_t r = 0; r < p_.roles.size(); ++r) {
    if (r != system_r) roles.push_back(r);
  }
  uint32_t system_u = p_.user("system_u");
  struct Case {
    uint32_t role, user;
  };
  std::vector<Case> cases;
  for (uint32_t role : roles) {
    if (role == p_.object_role) continue;
    uint32_t user = sel::kNone;
    if (system_u != sel::kNone && contains(p_.users[system_u].roles, role)) user = system_u;
    for (uint32_t u = 0; user == sel::kNone && u < p_.users.size(); ++u) {
      if (contains(p_.users[u].roles, role)) user = u;
    }
    if (user != sel::kNone) cases.push_back({role, user});
  }
  Sym out{d, bv(0, user_bits_), bv(p_.object_role, role_bits_), bv(level_index({}), level_bits_),
          bv(level_index({}), level_bits_)};
  for (size_t k = cases.size(); k-- > 0;) {
    const Case& c = cases[k];
    sel::Level lv = p_.mls ? p_.users[c.user].default_level : sel::Level{};
    Sym here{d, bv(c.user, user_bits_), bv(c.role, role_bits_), bv(level_index(lv), level_bits_),
             bv(level_index(lv), level_bits_)};
    out = ite(in_set(d, p_.roles[c.role].types, type_bits_), here, out);
  }
  return out;
}

z3::expr SelinuxEncoder::te(const Sym& s, uint32_t target, uint16_t cls, uint32_t bit) {
  z3::expr_vector terms(ctx_);
  for (uint32_t tt : p_.self_and_attributes(target)) {
    auto [lo, hi] = p_.allows_on(cls, tt);
    for (const sel::AllowRule* r = lo; r != hi; ++r) {
      if (!(r->permissions & bit) || !view_.rule_enabled(*r)) continue;
      terms.push_back(in_types(s.type, r->source));
    }
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

z3::expr SelinuxEncoder::level_cmp(const z3::expr& a, const z3::expr& b, sel::ConstraintNode::Op op) {
  using O = sel::ConstraintNode::Op;
  auto holds = [&](const sel::Level& x, const sel::Level& y) {
    switch (op) {
      case O::Eq: return x == y;
      case O::Neq: return !(x == y);
      case O::Dom: return sel::dominates(x, y);
      case O::DomBy: return sel::dominates(y, x);
      case O::Incomp: return sel::incomparable(y, x);
    }
    return false;
  };
  std::vector<uint32_t> as, bs;
  if (a.is_numeral())
    as.push_back(uint32_t(a.get_numeral_uint64()));
  else
    for (uint32_t i = 0; i < levels_.size(); ++i) as.push_back(i);
  if (b.is_numeral())
    bs.push_back(uint32_t(b.get_numeral_uint64()));
  else
    for (uint32_t i = 0; i < levels_.size(); ++i) bs.push_back(i);
  z3::expr_vector terms(ctx_);
  for (uint32_t i : as) {
    for (uint32_t j : bs) {
      if (!holds(levels_.at(i), levels_.at(j))) continue;
      z3::expr t = ctx_.bool_val(true);
      if (!a.is_numeral()) t = t && a == bv(i, level_bits_);
      if (!b.is_numeral()) t = t && b == bv(j, level_bits_);
      terms.push_back(t);
    }
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

z3::expr SelinuxEncoder::constraint(const Sym& s, const Sym& t, const sel::Constraint& c) {
  using K = sel::ConstraintNode::Kind;
  using O = sel::ConstraintNode::Op;
  std::vector<z3::expr> st;
  for (const auto& e : c.expr) {
    switch (e.kind) {
      case K::Not:
        if (st.empty()) return ctx_.bool_val(false);
        st.back() = !st.back();
        break;
      case K::And:
      case K::Or: {
        if (st.size() < 2) return ctx_.bool_val(false);
        z3::expr b = st.back();
        st.pop_back();
        st.back() = e.kind == K::And ? (st.back() && b) : (st.back() || b);
        break;
      }
      case K::Attr: {
        const z3::expr *l1 = nullptr, *l2 = nullptr;
        switch (e.attr) {
          case sel::ConstraintNode::kL1L2: l1 = &s.low, l2 = &t.low; break;
          case sel::ConstraintNode::kL1H2: l1 = &s.low, l2 = &t.high; break;
          case sel::ConstraintNode::kH1L2: l1 = &s.high, l2 = &t.low; break;
          case sel::ConstraintNode::kH1H2: l1 = &s.high, l2 = &t.high; break;
          case sel::ConstraintNode::kL1H1: l1 = &s.low, l2 = &s.high; break;
          case sel::ConstraintNode::kL2H2: l1 = &t.low, l2 = &t.high; break;
          default: break;
        }
        if (l1) {
          st.push_back(level_cmp(*l1, *l2, e.op));
          break;
        }
        const z3::expr *v1 = nullptr, *v2 = nullptr;
        if (e.attr == sel::ConstraintNode::kUser)
          v1 = &s.user, v2 = &t.user;
        else if (e.attr == sel::ConstraintNode::kType)
          v1 = &s.type, v2 = &t.type;
        else if (e.attr == sel::ConstraintNode::kRole)
          v1 = &s.role, v2 = &t.role;
        else
          return ctx_.bool_val(false);
        if (e.attr == sel::ConstraintNode::kRole &&
            (e.op == O::Dom || e.op == O::DomBy || e.op == O::Incomp)) {
          z3::expr_vector terms(ctx_);
          for (uint32_t r1 = 0; r1 < p_.roles.size(); ++r1) {
            for (uint32_t r2 = 0; r2 < p_.roles.size(); ++r2) {
              bool d12 = contains(p_.roles[r1].dominates, r2), d21 = contains(p_.roles[r2].dominates, r1);
              bool h = e.op == O::Dom ? d12 : e.op == O::DomBy ? d21 : (!d12 && !d21);
              if (h) terms.push_back(*v1 == bv(r1, role_bits_) && *v2 == bv(r2, role_bits_));
            }
          }
          st.push_back(terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms));
          break;
        }
        if (e.op == O::Eq)
          st.push_back(*v1 == *v2);
        else if (e.op == O::Neq)
          st.push_back(*v1 != *v2);
        else
          return ctx_.bool_val(false);
        break;
      }
      case K::Names: {
        if (e.attr & sel::ConstraintNode::kXTarget) return ctx_.bool_val(false);
        const Sym& x = (e.attr & sel::ConstraintNode::kTarget) ? t : s;
        z3::expr in = (e.attr & sel::ConstraintNode::kUser)   ? in_set(x.user, e.names, user_bits_)
                      : (e.attr & sel::ConstraintNode::kRole) ? in_set(x.role, e.names, role_bits_)
                                                              : in_set(x.type, e.names, type_bits_);
        if (e.op == O::Eq)
          st.push_back(in);
        else if (e.op == O::Neq)
          st.push_back(!in);
        else
          return ctx_.bool_val(false);
        break;
      }
    }
  }
  if (st.size() != 1) return ctx_.bool_val(false);
  return st[0];
}

z3::expr SelinuxEncoder::permissive(const Sym& s) {
  if (view_.mode() == sel::Mode::Permissive) return ctx_.bool_val(true);
  std::vector<uint32_t> types;
  for (uint32_t t = 0; t < p_.types.size(); ++t) {
    if (p_.types[t].permissive) types.push_back(t);
  }
  return in_set(s.type, types, type_bits_);
}

z3::expr SelinuxEncoder::allowed(const Sym& s, const Sym& t, uint16_t cls, uint32_t perms) {
  if (!t.type.is_numeral()) core::internal_error("SELinux encoding: a target type must be concrete");
  uint32_t target = uint32_t(t.type.get_numeral_uint64());
  const sel::Class& c = p_.classes.at(cls);
  uint32_t trans = c.name == "process" ? (c.bit("transition") | c.bit("dyntransition")) : 0;
  z3::expr all = ctx_.bool_val(true);
  for (unsigned b = 0; b < 32; ++b) {
    uint32_t bit = uint32_t(1) << b;
    if (!(perms & bit)) continue;
    z3::expr ok = te(s, target, cls, bit);
    for (const auto& k : c.constraints) {
      if (k.permissions & bit) ok = ok && constraint(s, t, k);
    }
    if (bit & trans) {
      z3::expr_vector ra(ctx_);
      ra.push_back(s.role == t.role);
      for (const auto& a : p_.role_allows)
        ra.push_back(s.role == bv(a.role, role_bits_) && t.role == bv(a.new_role, role_bits_));
      ok = ok && z3::mk_or(ra);
    }
    all = all && ok;
  }
  return all || permissive(s);
}

z3::expr SelinuxEncoder::capability(const Sym& s, core::Capability cap) {
  if (view_.mode() != sel::Mode::Enforcing) return ctx_.bool_val(true);
  auto [cls, bit] = view_.capability_permission(cap);
  if (!bit) return ctx_.bool_val(p_.handle_unknown == sel::CompiledPolicy::HandleUnknown::Allow);
  // selinux_capabilities: the access vector alone (a permissive domain keeps its capabilities).
  const sel::Class& c = p_.classes.at(cls);
  // The target is the subject itself: its type is symbolic, so the rules on
  // every type the subject may be are gathered by case over its attributes.
  z3::expr_vector terms(ctx_);
  for (uint32_t tt = 0; tt < p_.types.size(); ++tt) {
    auto [lo, hi] = p_.allows_on(cls, tt);
    for (const sel::AllowRule* r = lo; r != hi; ++r) {
      if (!(r->permissions & bit) || !view_.rule_enabled(*r)) continue;
      terms.push_back(in_types(s.type, r->source) && in_types(s.type, r->target));
    }
  }
  z3::expr granted = terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
  for (const auto& k : c.constraints) {
    if (k.permissions & bit) granted = granted && constraint(s, s, k);
  }
  std::vector<uint32_t> permissive_types;
  for (uint32_t t = 0; t < p_.types.size(); ++t) {
    if (p_.types[t].permissive) permissive_types.push_back(t);
  }
  return granted || in_set(s.type, permissive_types, type_bits_);
}

z3::expr SelinuxEncoder::role_holds(const z3::expr& role, uint32_t type) {
  z3::expr_vector terms(ctx_);
  for (uint32_t r = 0; r < p_.roles.size(); ++r) {
    if (contains(p_.roles[r].types, type)) terms.push_back(role == bv(r, role_bits_));
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

z3::expr SelinuxEncoder::user_has_role(const z3::expr& user, const z3::expr& role) {
  z3::expr_vector terms(ctx_);
  for (uint32_t u = 0; u < p_.users.size(); ++u) {
    for (uint32_t r : p_.users[u].roles)
      terms.push_back(user == bv(u, user_bits_) && role == bv(r, role_bits_));
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

z3::expr SelinuxEncoder::range_within_user(const z3::expr& user, const z3::expr& low, const z3::expr& high) {
  if (!p_.mls) return ctx_.bool_val(true);
  z3::expr_vector terms(ctx_);
  for (uint32_t u = 0; u < p_.users.size(); ++u) {
    const sel::Range& ur = p_.users[u].range;
    for (uint32_t i = 0; i < levels_.size(); ++i) {
      for (uint32_t j = 0; j < levels_.size(); ++j) {
        if (!sel::dominates(levels_[i], ur.low) || !sel::dominates(ur.high, levels_[j])) continue;
        terms.push_back(user == bv(u, user_bits_) && low == bv(i, level_bits_) && high == bv(j, level_bits_));
      }
    }
  }
  return terms.empty() ? ctx_.bool_val(false) : z3::mk_or(terms);
}

// ---- operations: the mirror of core's Planner ----------------------------------------

SelinuxEncoder::Outcome SelinuxEncoder::operation(const Sym& s, const z3::expr& known, Operation op,
                                                  const std::string& path,
                                                  const std::vector<FileNode>& overrides) {
  z3::expr t_ = ctx_.bool_val(true), f_ = ctx_.bool_val(false);
  std::vector<Outcome> steps;
  auto node = [&](const std::string& x) -> const FileNode* {
    for (const auto& o : overrides) {
      if (o.path == x) return &o;
    }
    return tree_.find(x);
  };
  auto conclude = [&](const std::vector<Outcome>& list) {
    z3::expr_vector g(ctx_), d(ctx_);
    for (const auto& o : list) {
      g.push_back(o.granted);
      d.push_back(o.denied);
    }
    return Outcome{g.empty() ? t_ : z3::mk_and(g), d.empty() ? f_ : z3::mk_or(d)};
  };
  std::vector<uint32_t> bounded;
  for (uint32_t t = 0; t < p_.types.size(); ++t) {
    if (p_.types[t].bounds != sel::kNone) bounded.push_back(t);
  }
  // One check (Planner::check): the source is `src` (known when `src_known`),
  // the target `target` (absent: unknown).
  auto check = [&](std::vector<Outcome>& out, const Sym& src, const z3::expr& src_known,
                   const std::optional<Sym>& target, std::string_view cls_name,
                   std::vector<std::string_view> perms) {
    uint32_t cls = p_.class_index(cls_name);
    bool allow_unknown = p_.handle_unknown == sel::CompiledPolicy::HandleUnknown::Allow;
    if (cls == sel::kNone) {
      out.push_back(allow_unknown ? Outcome{t_, f_} : Outcome{f_, t_});
      return;
    }
    uint32_t mask = 0;
    bool absent = false;
    for (auto n : perms) {
      uint32_t b = p_.classes[cls].bit(n);
      if (b)
        mask |= b;
      else
        absent = true;
    }
    if (absent && !allow_unknown) {
      out.push_back(Outcome{f_, t_});
      return;
    }
    if (!target) {
      out.push_back(Outcome{f_, f_});
      return;
    }
    z3::expr decided = src_known && !in_set(src.type, bounded, type_bits_);
    if (!mask) {
      out.push_back(Outcome{decided, f_});
      return;
    }
    z3::expr a = allowed(src, *target, uint16_t(cls), mask);
    out.push_back(Outcome{decided && a, decided && !a});
  };
  auto label_sym = [&](const std::string& x, const FileNode& n) -> std::optional<Sym> {
    sel::Label l = view_.label(x, n.type, &n);
    if (!l.context) return std::nullopt;
    return concrete(*l.context);
  };
  auto open_perms = [&](std::vector<std::string_view> base) {
    if (p_.has_capability("open_perms")) base.push_back("open");
    return base;
  };
  auto class_of = [&](FileType t) -> std::string_view {
    switch (t) {
      case FileType::Regular: return "file";
      case FileType::Directory: return "dir";
      case FileType::Symlink: return "lnk_file";
      case FileType::Socket: return "sock_file";
      case FileType::Fifo: return "fifo_file";
      case FileType::CharDevice: return "chr_file";
      case FileType::BlockDevice: return "blk_file";
    }
    return "file";
  };
  if (view_.mode() == sel::Mode::Disabled) return Outcome{t_, f_};

  std::vector<std::string> ancestors;
  for (std::string a = path; a != "/";) {
    a = core::parent_path(a);
    ancestors.push_back(a);
  }
  std::reverse(ancestors.begin(), ancestors.end());
  if (path == "/") ancestors.clear();
  for (const auto& a : ancestors) {
    const FileNode* n = node(a);
    if (!n || n->type != FileType::Directory) return conclude(steps);
    check(steps, s, known, label_sym(a, *n), "dir", {"search"});
  }
  const FileNode* target = node(path);
  switch (op) {
    case Operation::Read:
      if (target)
        check(steps, s, known, label_sym(path, *target), class_of(target->type), open_perms({"read"}));
      return conclude(steps);
    case Operation::List:
      if (target && target->type == FileType::Directory)
        check(steps, s, known, label_sym(path, *target), "dir", open_perms({"read"}));
      return conclude(steps);
    case Operation::Search:
      if (target && target->type == FileType::Directory)
        check(steps, s, known, label_sym(path, *target), "dir", {"search"});
      return conclude(steps);
    case Operation::Write:
      if (target)
        check(steps, s, known, label_sym(path, *target), class_of(target->type), open_perms({"write"}));
      return conclude(steps);
    case Operation::Append:
      if (target)
        check(steps, s, known, label_sym(path, *target), class_of(target->type), open_perms({"append"}));
      return conclude(steps);
    case Operation::Connect: {
      if (!target || target->type != FileType::Socket) return conclude(steps);
      check(steps, s, known, label_sym(path, *target), "sock_file", {"write"});
      steps.push_back(Outcome{f_, f_});  // connectto on the listening process: unknown
      return conclude(steps);
    }
    case Operation::Delete: {
      if (!target) return conclude(steps);
      std::string parent = core::parent_path(path);
      const FileNode* dir = node(parent);
      if (!dir) return conclude(steps);
      auto dl = label_sym(parent, *dir);
      check(steps, s, known, dl, "dir", {"write", "search"});
      check(steps, s, known, dl, "dir", {"search", "remove_name"});
      if (target->type == FileType::Directory)
        check(steps, s, known, label_sym(path, *target), "dir", {"rmdir"});
      else
        check(steps, s, known, label_sym(path, *target), class_of(target->type), {"unlink"});
      return conclude(steps);
    }
    case Operation::Create: {
      if (target) {
        check(steps, s, known, label_sym(path, *target), class_of(target->type), open_perms({"append"}));
        return conclude(steps);
      }
      std::string parent = core::parent_path(path);
      const FileNode* dir = node(parent);
      if (!dir || dir->type != FileType::Directory) return conclude(steps);
      sel::Label dlabel = view_.label(parent, dir->type, dir);
      std::optional<Sym> dl;
      if (dlabel.context) dl = concrete(*dlabel.context);
      check(steps, s, known, dl, "dir", {"write", "search"});
      check(steps, s, known, dl, "dir", {"add_name", "search"});
      uint32_t file_cls = p_.class_index("file");
      uint16_t fcls = uint16_t(file_cls == sel::kNone ? 0 : file_cls);
      std::optional<sel::Context> fs = view_.filesystem_context();
      std::optional<Sym> fs_sym;
      if (fs) fs_sym = concrete(*fs);
      if (!dlabel.context) {
        // The new file's label is unknown: create, associate and open are unknown.
        check(steps, s, known, std::nullopt, "file", {"create"});
        steps.push_back(Outcome{f_, f_});
        check(steps, s, known, std::nullopt, "file", open_perms({"append"}));
        return conclude(steps);
      }
      // The new type: per creator type (HostView::create_context), a name
      // transition, else a type transition, else the directory's type.
      const sel::Context& pc = *dlabel.context;
      std::string name = basename_of(path);
      std::vector<uint32_t> sources;
      // Not a structured binding: clang 14 cannot capture one in a lambda.
      const auto range = p_.transitions_on(fcls, pc.type);
      const auto* lo = range.first;
      const auto* hi = range.second;
      for (const auto* r = lo; r != hi; ++r) sources.push_back(r->source);
      for (const auto& nt : p_.name_transitions) {
        if (nt.target == pc.type && nt.cls == fcls && nt.name == name)
          sources.insert(sources.end(), nt.sources.begin(), nt.sources.end());
      }
      std::sort(sources.begin(), sources.end());
      sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
      auto result_for = [&](uint32_t src) {
        uint32_t type = pc.type;
        const sel::TypeTransition* found = nullptr;
        for (const auto* r = lo; r != hi; ++r) {
          if (r->source != src) continue;
          if (r->condition != sel::kNone && view_.condition_holds(r->condition) != r->when) continue;
          if (!found || (found->condition != sel::kNone && r->condition == sel::kNone)) found = r;
        }
        if (found) type = found->result;
        for (const auto& nt : p_.name_transitions) {
          if (nt.target == pc.type && nt.cls == fcls && nt.name == name && contains(nt.sources, src))
            type = nt.result;
        }
        return type;
      };
      std::vector<std::pair<uint32_t, uint32_t>> cases;  // (source type, new type)
      std::vector<uint32_t> results{pc.type};
      for (uint32_t src : sources) {
        uint32_t r = result_for(src);
        if (r != pc.type) cases.push_back({src, r});
        results.push_back(r);
      }
      std::sort(results.begin(), results.end());
      results.erase(std::unique(results.begin(), results.end()), results.end());
      z3::expr new_type = bv(pc.type, type_bits_);
      for (const auto& [src, r] : cases)
        new_type = z3::ite(s.type == bv(src, type_bits_), bv(r, type_bits_), new_type);
      z3::expr new_low = s.low, new_high = s.low;
      for (const auto& rt : p_.range_transitions) {
        if (rt.target != pc.type || rt.cls != fcls) continue;
        z3::expr hit = s.type == bv(rt.source, type_bits_);
        new_low = z3::ite(hit, bv(level_index(rt.range.low), level_bits_), new_low);
        new_high = z3::ite(hit, bv(level_index(rt.range.high), level_bits_), new_high);
      }
      auto new_ctx = [&](uint32_t type) {
        return Sym{bv(type, type_bits_), s.user, bv(p_.object_role, role_bits_), new_low, new_high};
      };
      // Each check on the new file, by case over its possible types.
      auto per_result = [&](std::string_view cls, std::vector<std::string_view> perms, bool as_source) {
        z3::expr g = f_, d = f_;
        for (uint32_t r : results) {
          std::vector<Outcome> one;
          if (as_source)
            check(one, new_ctx(r), known, fs_sym, cls, perms);
          else
            check(one, s, known, new_ctx(r), cls, perms);
          z3::expr here = new_type == bv(r, type_bits_);
          g = g || (here && one[0].granted);
          d = d || (here && one[0].denied);
        }
        steps.push_back(Outcome{g, d});
      };
      per_result("file", {"create"}, false);
      // associate: unknown while the creator's context (hence the new label) is.
      {
        z3::expr g = f_, d = f_;
        for (uint32_t r : results) {
          std::vector<Outcome> one;
          check(one, new_ctx(r), t_, fs_sym, "filesystem", {"associate"});
          z3::expr here = new_type == bv(r, type_bits_);
          g = g || (here && one[0].granted);
          d = d || (here && one[0].denied);
        }
        steps.push_back(Outcome{known && g, known && d});
      }
      per_result("file", open_perms({"append"}), false);
      return conclude(steps);
    }
    case Operation::Execute: {
      if (!target || target->type != FileType::Regular) return conclude(steps);
      sel::Label file = view_.label(path, target->type, target);
      std::optional<Sym> fsym;
      if (file.context) fsym = concrete(*file.context);
      check(steps, s, known, fsym, "file", open_perms({"execute", "read", "map"}));
      uint32_t process = p_.class_index("process");
      if (!file.context) {
        check(steps, s, known, fsym, "process", {"transition"});
        return conclude(steps);
      }
      // Subject unknown: the transition check is unknown too (core adds it
      // against the file's label with no source).
      std::vector<Outcome> unknown_branch;
      check(unknown_branch, s, ctx_.bool_val(false), fsym, "process", {"transition"});
      if (process == sel::kNone) {
        Outcome base = conclude(steps);
        Outcome u = unknown_branch[0];
        return Outcome{base.granted && z3::ite(known, t_, u.granted),
                       base.denied || z3::ite(known, f_, u.denied)};
      }
      uint32_t ftype = file.context->type;
      auto [lo, hi] = p_.transitions_on(uint16_t(process), ftype);
      std::vector<uint32_t> sources;
      for (const auto* r = lo; r != hi; ++r) sources.push_back(r->source);
      sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
      // Without a transition (or into the same type): execute_no_trans.
      std::vector<Outcome> none;
      check(none, s, known, fsym, "file", {"execute_no_trans"});
      z3::expr g = none[0].granted, d = none[0].denied;
      for (uint32_t src : sources) {
        std::optional<uint32_t> next;
        for (const auto* r = lo; r != hi; ++r) {
          if (r->source != src) continue;
          if (r->condition != sel::kNone && view_.condition_holds(r->condition) != r->when) continue;
          if (!next || r->condition == sel::kNone) next = r->result;
        }
        if (!next || *next == src) continue;
        std::vector<Outcome> branch;
        bool role_transition = false;
        z3::expr role_trans = f_;
        for (const auto& rt : p_.role_transitions) {
          if (rt.type == ftype && rt.cls == process) {
            role_transition = true;
            role_trans = role_trans || s.role == bv(rt.role, role_bits_);
          }
        }
        Sym n = s;
        n.type = bv(*next, type_bits_);
        bool range_const = false;
        sel::Range rt_range;
        for (const auto& rt : p_.range_transitions) {
          if (rt.source == src && rt.target == ftype && rt.cls == process) {
            range_const = true;
            rt_range = rt.range;
          }
        }
        if (range_const) {
          n.low = bv(level_index(rt_range.low), level_bits_);
          n.high = bv(level_index(rt_range.high), level_bits_);
        }
        // parse_context on the new context: the role may hold the type and
        // the user the role, within the user's range (object_r: no role check).
        bool range_ok =
            !range_const || (sel::dominates(rt_range.high, rt_range.low) &&
                             sel::level_valid(p_, rt_range.low) && sel::level_valid(p_, rt_range.high));
        z3::expr valid =
            ctx_.bool_val(range_ok) && (s.role == bv(p_.object_role, role_bits_) ||
                                        (role_holds(s.role, *next) && user_has_role(s.user, s.role) &&
                                         range_within_user(s.user, n.low, n.high)));
        check(branch, s, known, n, "process", {"transition"});
        Outcome trans = branch[0];
        std::vector<Outcome> entry;
        check(entry, n, known, fsym, "file", {"entrypoint"});
        z3::expr bg = valid && trans.granted && entry[0].granted;
        z3::expr bd = known && (!valid || trans.denied || (valid && entry[0].denied));
        if (role_transition) {
          bg = !role_trans && bg;
          bd = !role_trans && bd;
        }
        z3::expr hit = s.type == bv(src, type_bits_);
        g = z3::ite(hit, bg, g);
        d = z3::ite(hit, bd, d);
      }
      Outcome base = conclude(steps);
      Outcome u = unknown_branch[0];
      return Outcome{base.granted && z3::ite(known, g, u.granted),
                     base.denied || z3::ite(known, d, u.denied)};
    }
  }
  return conclude(steps);
}

}  // namespace rampart::solver
