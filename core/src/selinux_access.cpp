// File operations under SELinux: each operation mapped to the permissions the
// kernel checks (security/selinux/hooks.c: selinux_inode_permission,
// selinux_file_open, may_create, may_link, selinux_bprm_creds_for_exec,
// selinux_mmap_file, cred_has_capability), and DAC ∧ SELinux.
// Meaning: docs/semantics/selinux.md.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "rampart/core/diagnostic.h"
#include "rampart/core/selinux_eval.h"

namespace rampart::core::selinux {

namespace {

std::string basename_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

class Planner {
 public:
  Planner(const FileTree& tree, const HostView& view, const SubjectContext& subject,
          const std::vector<FileNode>& overrides)
      : tree_(tree), view_(view), p_(view.policy()), subject_(subject), overrides_(overrides) {
    d.subject = subject;
  }

  SelinuxDecision d;

  const FileNode* node(const std::string& path) const {
    for (const auto& o : overrides_) {
      if (o.path == path) return &o;
    }
    return tree_.find(path);
  }

  uint32_t cls(std::string_view name) const { return p_.class_index(name); }

  // One check: `perms` (names) of class `cls_name` on `target`.
  void check(const std::string& path, std::string what, const Label& target, uint32_t cls_index,
             std::vector<std::string_view> perms, std::optional<Context> source = std::nullopt) {
    Step st;
    st.path = path;
    st.what = std::move(what);
    st.target = target;
    st.source = source;
    std::vector<std::string> absent;
    if (cls_index == kNone) {
      st.cls = 0;
      bool allow = p_.handle_unknown == CompiledPolicy::HandleUnknown::Allow;
      st.note = fmt::format("the policy has no class for this check: handle_unknown {} it",
                            allow ? "allows" : "denies");
      if (!allow) {
        st.decision.requested = 1;
        st.decision.allowed = 0;
      }
      d.steps.push_back(std::move(st));
      return;
    }
    st.cls = uint16_t(cls_index);
    for (auto name : perms) {
      uint32_t bit = p_.classes[cls_index].bit(name);
      if (bit)
        st.perms |= bit;
      else
        absent.emplace_back(name);
    }
    if (!absent.empty() && p_.handle_unknown != CompiledPolicy::HandleUnknown::Allow) {
      st.note = fmt::format("the policy's class {} has no permission {}: handle_unknown denies it",
                            p_.classes[cls_index].name, absent.front());
      st.decision.requested = 1;
      d.steps.push_back(std::move(st));
      return;
    }
    if (!absent.empty()) {
      st.note = fmt::format("the policy's class {} has no permission {}: handle_unknown allows it",
                            p_.classes[cls_index].name, absent.front());
    }
    const std::optional<Context>& src = source ? source : subject_.context;
    if (!src) {
      st.unknown = true;
      st.note = subject_.how;
    } else if (!target.context) {
      st.unknown = true;
      st.note = target.note;
    } else if (p_.types.at(src->type).bounds != kNone) {
      st.unknown = true;
      st.note = fmt::format("{} is bounded by {} (typebounds), which rampart does not model",
                            p_.types[src->type].name, p_.types[p_.types[src->type].bounds].name);
    } else if (st.perms) {
      st.decision = view_.compute_av(*src, *target.context, st.cls, st.perms);
      if (!st.decision.granted()) {
        bool permissive_mode = view_.mode() == Mode::Permissive;
        bool permissive_type = p_.types.at(src->type).permissive;
        if (permissive_mode || permissive_type) {
          st.note = permissive_mode ? "denied by the policy, but the host is permissive: logged, not enforced"
                                    : fmt::format(
                                          "denied by the policy, but {} is a permissive domain: logged, not "
                                          "enforced",
                                          p_.types[src->type].name);
          st.decision.allowed |= st.decision.requested;
        }
      }
    }
    d.steps.push_back(std::move(st));
  }

  Label label_of(const std::string& path, const FileNode& n) const { return view_.label(path, n.type, &n); }

  std::vector<std::string_view> open_perms(std::vector<std::string_view> base) const {
    if (p_.has_capability("open_perms")) base.push_back("open");
    return base;
  }

  void plan(Operation op, const std::string& path) {
    if (view_.mode() == Mode::Disabled) return;
    // Path walk: dir search on every ancestor.
    std::vector<std::string> ancestors;
    for (std::string a = path; a != "/";) {
      a = parent_path(a);
      ancestors.push_back(a);
    }
    std::reverse(ancestors.begin(), ancestors.end());
    if (path == "/") ancestors.clear();
    for (const auto& a : ancestors) {
      const FileNode* n = node(a);
      if (!n || n->type != FileType::Directory) return;  // DAC: ENOENT / ENOTDIR
      check(a, fmt::format("search {}", a), label_of(a, *n), cls("dir"), {"search"});
    }
    const FileNode* target = node(path);
    auto target_cls = [&](const FileNode& n) { return view_.class_of(n.type); };
    switch (op) {
      case Operation::Read:
        if (!target) return;
        check(path, "open for reading", label_of(path, *target), target_cls(*target), open_perms({"read"}));
        return;
      case Operation::List:
        if (!target || target->type != FileType::Directory) return;
        check(path, "open the directory and read its entries", label_of(path, *target), cls("dir"),
              open_perms({"read"}));
        return;
      case Operation::Search:
        if (!target || target->type != FileType::Directory) return;
        check(path, fmt::format("search {}", path), label_of(path, *target), cls("dir"), {"search"});
        return;
      case Operation::Write:
        if (!target) return;
        check(path, "open for writing (O_WRONLY, no O_APPEND)", label_of(path, *target), target_cls(*target),
              open_perms({"write"}));
        return;
      case Operation::Append:
        if (!target) return;
        check(path, "open for appending (O_WRONLY|O_APPEND)", label_of(path, *target), target_cls(*target),
              open_perms({"append"}));
        return;
      case Operation::Execute: {
        if (!target || target->type != FileType::Regular) return;
        Label file = label_of(path, *target);
        check(path, "execve: open, read and map the program for execution", file, cls("file"),
              open_perms({"execute", "read", "map"}));
        if (!subject_.context || !file.context) {
          check(path, "execve: the domain transition", file, cls("process"), {"transition"});
          return;
        }
        const Context& s = *subject_.context;
        uint32_t process = cls("process");
        if (process == kNone) return;
        std::optional<uint32_t> next;
        auto [lo, hi] = p_.transitions_on(uint16_t(process), file.context->type);
        for (const TypeTransition* r = lo; r != hi; ++r) {
          if (r->source != s.type) continue;
          if (r->condition != kNone && view_.condition_holds(r->condition) != r->when) continue;
          if (!next || r->condition == kNone) next = r->result;
        }
        if (!next || *next == s.type) {
          check(path, "execve without a domain transition", file, cls("file"), {"execute_no_trans"});
          return;
        }
        for (const auto& rt : p_.role_transitions) {
          if (rt.role == s.role && rt.type == file.context->type && rt.cls == process) {
            Step st;
            st.path = path;
            st.what = "execve: the role transition";
            st.target = file;
            st.unknown = true;
            st.note = fmt::format("a role_transition from {} applies, which rampart does not model",
                                  p_.roles[s.role].name);
            d.steps.push_back(std::move(st));
            return;
          }
        }
        Context n = s;
        n.type = *next;
        for (const auto& rt : p_.range_transitions) {
          if (rt.source == s.type && rt.target == file.context->type && rt.cls == process) n.range = rt.range;
        }
        std::string err;
        Label self;
        self.source = Label::Source::Created;
        self.text = context_text(p_, n);
        self.note =
            fmt::format("the new process context (type_transition {} {}:process {};)", p_.types[s.type].name,
                        p_.types[file.context->type].name, p_.types[*next].name);
        if (parse_context(p_, self.text, &err))
          self.context = n;
        else
          self.note += fmt::format(", which is not a valid context ({}): execve fails", err);
        check(path,
              fmt::format("execve: transition from {} to {}", p_.types[s.type].name, p_.types[*next].name),
              self, process, {"transition"});
        if (!self.context) {
          d.steps.back().unknown = false;
          d.steps.back().decision.requested = 1;
          d.steps.back().decision.allowed = 0;
          return;
        }
        check(path, fmt::format("execve: {} entered through the program", p_.types[*next].name), file,
              cls("file"), {"entrypoint"}, n);
        return;
      }
      case Operation::Connect: {
        if (!target || target->type != FileType::Socket) return;
        check(path, "connect: write on the socket file", label_of(path, *target), cls("sock_file"),
              {"write"});
        Step st;
        st.path = path;
        st.what = "connect: unix_stream_socket connectto on the listening process";
        st.unknown = true;
        st.note = "the listening process's domain is not in the model (connectto is checked against it)";
        d.steps.push_back(std::move(st));
        return;
      }
      case Operation::Create: {
        if (target) {
          // O_CREAT on an existing file opens it (for append, as DAC models it).
          check(path, "open the existing file for appending (O_CREAT|O_APPEND)", label_of(path, *target),
                target_cls(*target), open_perms({"append"}));
          return;
        }
        std::string parent = parent_path(path);
        const FileNode* dir = node(parent);
        if (!dir || dir->type != FileType::Directory) return;
        Label dl = label_of(parent, *dir);
        check(parent, fmt::format("write and search {} (inode_permission)", parent), dl, cls("dir"),
              {"write", "search"});
        check(parent, fmt::format("add a name to {} (may_create)", parent), dl, cls("dir"),
              {"add_name", "search"});
        Label nl;
        nl.source = Label::Source::Created;
        if (subject_.context && dl.context) {
          std::string why;
          uint32_t file_cls = cls("file");
          Context n =
              view_.create_context(*subject_.context, *dl.context, uint16_t(file_cls == kNone ? 0 : file_cls),
                                   basename_of(path), &why);
          nl.context = n;
          nl.text = context_text(p_, n);
          nl.note = why;
        } else {
          nl.note = !subject_.context ? subject_.how : dl.note;
        }
        check(path, "create the new file", nl, cls("file"), {"create"});
        Label fs;
        fs.source = Label::Source::Declared;
        fs.context = view_.filesystem_context();
        fs.text = fs.context ? context_text(p_, *fs.context) : "";
        fs.note = fs.context
                      ? fmt::format("assumed: the file system is {} (fs_use_xattr; set selinux.filesystem)",
                                    view_.filesystem_name())
                      : fmt::format("the policy has no fs_use rule for {} (set selinux.filesystem)",
                                    view_.filesystem_name());
        check(path, "associate the new file with its file system", fs, cls("filesystem"), {"associate"},
              nl.context ? nl.context : std::optional<Context>{});
        if (!nl.context) d.steps.back().unknown = true;
        check(path, "open the new file for appending", nl, cls("file"), open_perms({"append"}));
        return;
      }
      case Operation::Delete: {
        if (!target) return;
        std::string parent = parent_path(path);
        const FileNode* dir = node(parent);
        if (!dir) return;
        Label dl = label_of(parent, *dir);
        check(parent, fmt::format("write and search {} (inode_permission)", parent), dl, cls("dir"),
              {"write", "search"});
        check(parent, fmt::format("remove a name from {} (may_link)", parent), dl, cls("dir"),
              {"search", "remove_name"});
        if (target->type == FileType::Directory) {
          check(path, "remove the directory", label_of(path, *target), cls("dir"), {"rmdir"});
        } else {
          check(path, "unlink the file", label_of(path, *target), target_cls(*target), {"unlink"});
        }
        return;
      }
    }
  }

  void conclude() {
    bool any_unknown = false, any_denied = false;
    for (const auto& s : d.steps) {
      if (s.unknown)
        any_unknown = true;
      else if (!s.decision.granted())
        any_denied = true;
    }
    d.granted = !any_denied && !any_unknown;
    d.known = any_denied || !any_unknown;
    if (!d.known) {
      for (const auto& s : d.steps) {
        if (s.unknown) {
          d.unknown_reason = fmt::format("SELinux cannot be decided for {}: {}", s.what, s.note);
          break;
        }
      }
    }
    if (any_denied) d.granted = false;
  }

 private:
  const FileTree& tree_;
  const HostView& view_;
  const CompiledPolicy& p_;
  const SubjectContext& subject_;
  const std::vector<FileNode>& overrides_;
};

std::string type_name(const CompiledPolicy& p, uint32_t t) {
  return p.types.at(t).name;
}

// "httpd_t may { append open } on httpd_log_t:file (allow ...)" / "no rule allows ...".
std::string step_detail(const HostView& view, const Step& st, const SubjectContext& subject) {
  const CompiledPolicy& p = view.policy();
  if (st.unknown) return fmt::format("SELinux, {}: unknown: {}", st.what, st.note);
  const std::optional<Context>& src = st.source ? st.source : subject.context;
  if (!src || !st.target.context) return fmt::format("SELinux, {}: {}", st.what, st.note);
  std::string pair = fmt::format("{} {}:{}", type_name(p, src->type), type_name(p, st.target.context->type),
                                 p.classes.at(st.cls).name);
  if (st.decision.requested == 1 && st.perms == 0) return fmt::format("SELinux, {}: {}", st.what, st.note);
  if (st.decision.granted()) {
    std::string rules;
    for (size_t i = 0; i < st.decision.rules.size() && i < 2; ++i) {
      rules += (i ? "; " : "") + p.rule_text(p.allows[st.decision.rules[i]]);
    }
    if (st.decision.rules.size() > 2) rules += fmt::format("; and {} more", st.decision.rules.size() - 2);
    return fmt::format("SELinux, {}: {} {} granted ({}){}", st.what, pair,
                       p.permissions_text(st.cls, st.perms), rules, st.note.empty() ? "" : "; " + st.note);
  }
  uint32_t missing = st.decision.missing();
  uint32_t te_missing = missing & ~st.decision.te_allowed;
  std::string why;
  if (te_missing) {
    why = fmt::format("no allow rule gives {} {}", pair, p.permissions_text(st.cls, te_missing));
  }
  for (const auto& r : st.decision.constraints) {
    if (!why.empty()) why += "; ";
    why += fmt::format("{} removed by {}", p.permissions_text(st.cls, r.permissions),
                       p.constraint_text(st.cls, p.classes[st.cls].constraints[r.constraint]));
  }
  if (st.decision.rbac_removed) {
    if (!why.empty()) why += "; ";
    why += fmt::format("no `allow {} {};` for the role change", p.roles.at(src->role).name,
                       p.roles.at(st.target.context->role).name);
  }
  return fmt::format("SELinux, {}: denied: {}", st.what, why);
}

}  // namespace

std::string describe(const HostView& view, const Step& step, const SubjectContext& subject) {
  return step_detail(view, step, subject);
}

std::string created_label(const HostView& view, const FileTree& tree, const Credentials& creator,
                          const std::string& path, const std::vector<FileNode>& overrides) {
  SubjectContext s = view.context_of(creator);
  if (!s.context) return {};
  std::string parent = parent_path(path);
  const FileNode* dir = nullptr;
  for (const auto& o : overrides) {
    if (o.path == parent) dir = &o;
  }
  if (!dir) dir = tree.find(parent);
  if (!dir) return {};
  Label l = view.label(parent, dir->type, dir);
  uint32_t file = view.policy().class_index("file");
  if (!l.context || file == kNone) return {};
  return context_text(view.policy(),
                      view.create_context(*s.context, *l.context, uint16_t(file), basename_of(path)));
}

const Step* SelinuxDecision::first_denied() const {
  for (const auto& s : steps) {
    if (!s.unknown && !s.decision.granted()) return &s;
  }
  return nullptr;
}

SelinuxDecision decide_selinux(const FileTree& tree, const HostView& view, const SubjectContext& subject,
                               Operation op, const std::string& path,
                               const std::vector<FileNode>& overrides) {
  Planner planner(tree, view, subject, overrides);
  planner.plan(op, path);
  planner.conclude();
  return std::move(planner.d);
}

Credentials selinux_capabilities(const HostView& view, const SubjectContext& subject, const Credentials& who,
                                 bool* known, std::vector<std::string>* refused) {
  if (known) *known = true;
  if (view.mode() != Mode::Enforcing) return who;
  if (!subject.context) {
    if (known) *known = who.capabilities == 0;
    return who;
  }
  const CompiledPolicy& p = view.policy();
  const Context& s = *subject.context;
  if (p.types.at(s.type).permissive) return who;
  Credentials out = who;
  for (unsigned c = 0; c < kCapabilityCount; ++c) {
    if (!(who.capabilities & (CapabilitySet(1) << c))) continue;
    auto [cls, bit] = view.capability_permission(Capability(c));
    if (!bit) {
      if (p.handle_unknown != CompiledPolicy::HandleUnknown::Allow)
        out.capabilities &= ~(CapabilitySet(1) << c);
      continue;
    }
    AvDecision d = view.compute_av(s, s, cls, bit);
    if (!d.granted()) {
      out.capabilities &= ~(CapabilitySet(1) << c);
      if (refused) {
        std::string name = capability_name(Capability(c));
        refused->push_back(fmt::format("{}: no `allow {} self:{} {};`", name, p.types[s.type].name,
                                       p.classes[cls].name, p.permissions_text(cls, bit)));
      }
    }
  }
  return out;
}

Explanation explain(const HostView& view, const Context& s, const Context& t, uint16_t cls,
                    uint32_t requested) {
  const CompiledPolicy& p = view.policy();
  Explanation e;
  AvDecision d = view.compute_av(s, t, cls, requested);
  for (uint32_t r : d.rules) e.granting.push_back(p.rule_text(p.allows[r]));
  uint32_t te_missing = requested & ~d.te_allowed;
  if (te_missing) {
    e.missing.push_back(fmt::format("allow {} {}:{} {};", type_name(p, s.type), type_name(p, t.type),
                                    p.classes[cls].name, p.permissions_text(cls, te_missing)));
  }
  std::vector<uint32_t> sources = p.self_and_attributes(s.type);
  std::sort(sources.begin(), sources.end());
  std::set<std::string> seen_bool;
  for (uint32_t tt : p.self_and_attributes(t.type)) {
    auto [lo, hi] = p.allows_on(cls, tt);
    for (const AllowRule* r = lo; r != hi; ++r) {
      if (!std::binary_search(sources.begin(), sources.end(), r->source)) continue;
      bool enabled = view.rule_enabled(*r);
      if (enabled && !(r->permissions & requested)) e.other_permissions.push_back(p.rule_text(*r));
      if (!enabled && (r->permissions & te_missing)) {
        std::string state;
        std::set<uint32_t> bools;
        for (const auto& n : p.conditions.at(r->condition).expr) {
          if (n.op == CondNode::Op::Bool) bools.insert(n.boolean);
        }
        for (uint32_t b : bools) {
          state += fmt::format("{}{} is {}", state.empty() ? "" : ", ", p.booleans[b].name,
                               view.booleans()[b] ? "on" : "off");
        }
        std::string line = fmt::format("{} would grant {} when `{}` is {} (now: {})", p.rule_text(*r),
                                       p.permissions_text(cls, r->permissions & te_missing),
                                       p.condition_text(r->condition), r->when ? "true" : "false", state);
        if (seen_bool.insert(line).second) e.booleans.push_back(line);
      }
    }
  }
  for (const auto& r : d.constraints) {
    e.constraints.push_back(fmt::format("{} removed by {}", p.permissions_text(cls, r.permissions),
                                        p.constraint_text(cls, p.classes[cls].constraints[r.constraint])));
  }
  if (d.rbac_removed) {
    e.constraints.push_back(fmt::format("no `allow {} {};`: the role may not change", p.roles[s.role].name,
                                        p.roles[t.role].name));
  }
  // A created object's type comes from a transition rule, or else from its
  // directory: when creation was refused, name the transitions that would
  // label the new object with a type on which the subject may do all it
  // asked (the AVC's target is the type the object would have had).
  if (!d.granted() && (requested & p.classes[cls].bit("create"))) {
    std::set<std::string> lines;
    auto consider = [&](uint32_t directory, uint32_t result, const std::string& rule) {
      if (result == t.type || result >= p.types.size()) return;
      Context other = t;
      other.type = result;
      if (!view.compute_av(s, other, cls, requested).granted()) return;
      lines.insert(
          fmt::format("`{}` gives a {} that {} creates in a {} directory the type {}, on which it may {}",
                      rule, p.classes[cls].name, type_name(p, s.type), type_name(p, directory),
                      type_name(p, result), p.permissions_text(cls, requested)));
    };
    for (const TypeTransition& tt : p.type_transitions) {
      if (tt.source != s.type || tt.cls != cls) continue;
      if (tt.condition != kNone && view.condition_holds(tt.condition) != tt.when) continue;
      consider(tt.target, tt.result,
               fmt::format("type_transition {} {}:{} {};", type_name(p, s.type), type_name(p, tt.target),
                           p.classes[cls].name, type_name(p, tt.result)));
    }
    for (const NameTransition& nt : p.name_transitions) {
      if (nt.cls != cls || !std::binary_search(nt.sources.begin(), nt.sources.end(), s.type)) continue;
      consider(nt.target, nt.result,
               fmt::format("type_transition {} {}:{} {} \"{}\";", type_name(p, s.type),
                           type_name(p, nt.target), p.classes[cls].name, type_name(p, nt.result), nt.name));
    }
    e.transitions.assign(lines.begin(), lines.end());
  }
  if (p.types.at(s.type).permissive)
    e.notes.push_back(fmt::format("{} is a permissive domain", type_name(p, s.type)));
  return e;
}

}  // namespace rampart::core::selinux

namespace rampart::core {

AccessDecision decide_file_access(const FileTree& tree, const selinux::HostView* view, const Credentials& who,
                                  Operation op, const std::string& path,
                                  const std::vector<FileNode>& overrides) {
  using namespace selinux;
  if (!who.identity_known) {
    // No uid or gid to check with: neither granted nor denied.
    AccessDecision d = decide_access(tree, who, op, path, overrides);
    d.granted = d.dac_granted = false;
    d.selinux.reset();
    d.unknown = true;
    d.unknown_reason = fmt::format("the uid and gid {} {} runs with are not known", who.kind, who.name);
    return d;
  }
  if (!view || view->mode() == Mode::Disabled) {
    AccessDecision d = decide_access(tree, who, op, path, overrides);
    d.dac_granted = d.granted;
    return d;
  }
  SubjectContext subject = view->context_of(who);
  bool caps_known = true;
  std::vector<std::string> refused;
  Credentials filtered = selinux_capabilities(*view, subject, who, &caps_known, &refused);
  AccessDecision d = decide_access(tree, filtered, op, path, overrides);
  if (!refused.empty()) {
    // Only the capabilities whose refusal changed the outcome are worth a word.
    AccessDecision unfiltered = decide_access(tree, who, op, path, overrides);
    if (unfiltered.granted != d.granted) {
      for (const auto& r : refused) {
        d.checks.push_back(
            AccessCheck{"selinux", path, fmt::format("SELinux refuses the capability {}", r), {}});
      }
      if (!d.granted) d.decisive = d.checks.back();
    }
  }
  d.dac_granted = d.granted;
  SelinuxDecision s = decide_selinux(tree, *view, subject, op, path, overrides);
  std::string who_text = subject.context
                             ? fmt::format("SELinux subject {} ({})",
                                           context_text(view->policy(), *subject.context), subject.how)
                             : fmt::format("SELinux subject unknown: {}", subject.how);
  d.checks.push_back(AccessCheck{"selinux", path, who_text, {}});
  for (const auto& st : s.steps) {
    d.checks.push_back(AccessCheck{"selinux", st.path, step_detail(*view, st, subject), st.target.origin});
  }
  if (!s.known || !caps_known) {
    d.selinux.reset();
    if (d.granted) {
      d.granted = false;
      d.unknown = true;
      d.unknown_reason =
          !s.known ? s.unknown_reason : fmt::format("SELinux subject unknown: {}", subject.how);
    }
    return d;
  }
  d.selinux = s.granted;
  if (d.granted && !s.granted) {
    d.granted = false;
    d.error = err::kAccess;
    const Step* st = s.first_denied();
    d.decisive = AccessCheck{"selinux", st->path, step_detail(*view, *st, subject), st->target.origin};
  }
  return d;
}

}  // namespace rampart::core
