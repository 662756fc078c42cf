#include "access_answers.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "access_encoder.h"
#include "rampart/core/dac.h"

namespace rampart::solver {

using core::AccessDecision;
using core::Credentials;
using core::FileNode;
using core::Operation;

namespace {

std::string subject_label(const core::Policy& policy, const AccessSubject& s) {
  const Credentials& c = s.credentials;
  if (s.subject.kind == core::Subject::Kind::Service) {
    const core::Service& svc = policy.service(s.subject.service);
    return fmt::format("service {} ({})", c.name, svc.user_name.empty() ? std::to_string(c.uid) : svc.user_name);
  }
  return fmt::format("user {}", c.name);
}

core::AccessWitness witness(const Credentials& who, Operation op, const std::string& path, const AccessDecision& d) {
  core::AccessWitness w;
  w.subject = who.info();
  w.operation = op;
  w.path = path;
  w.granted = d.granted;
  w.decisive = d.decisive;
  w.checks = d.checks;
  return w;
}

size_t index_of(const std::vector<AccessSubject>& subjects, const core::Subject& s) {
  for (size_t i = 0; i < subjects.size(); ++i) {
    if (subjects[i].subject == s) return i;
  }
  core::internal_error("a question names a subject the host does not have");
}

z3::solver make_solver(z3::context& ctx, const Limits& limits) {
  z3::solver s(ctx);
  z3::params params(ctx);
  if (limits.timeout_ms) params.set("timeout", limits.timeout_ms);
  if (limits.rlimit) params.set("rlimit", unsigned(std::min<uint64_t>(limits.rlimit, 0xffffffffu)));
  s.set(params);
  return s;
}

// Replays a decision the solver claims; a mismatch is a bug in rampart.
AccessDecision replay(const core::FileTree& tree, const Credentials& who, Operation op, const std::string& path,
                      bool expect_granted) {
  AccessDecision d = core::decide_access(tree, who, op, path);
  if (d.granted != expect_granted) {
    core::internal_error(fmt::format("access witness failed replay: the solver says {} may {}{} {}, the evaluator "
                                     "says {}",
                                     who.name, expect_granted ? "" : "not ", core::operation_name(op), path,
                                     core::errno_name(d.error)));
  }
  return d;
}

std::string decision_reason(const AccessDecision& d) {
  std::string why = d.decisive.detail;
  if (!d.granted) why = fmt::format("{} ({})", why, core::errno_name(d.error));
  return why;
}

}  // namespace

core::Result answer_access(z3::context& ctx, const core::Policy& policy, const core::Question& question,
                           const core::AccessQuestion& q, const Limits& limits, Statistics& stats) {
  core::Result r;
  r.text = question.text;
  r.kind = question.kind_name();
  r.is_query = question.is_query;
  r.origin = question.origin;
  core::FileTree tree(policy, q.host);
  std::vector<AccessSubject> subjects = subjects_of(policy, q.host);
  std::vector<std::string> paths = tree.expand(q.path);
  std::string op = core::operation_name(q.operation);
  if (paths.empty()) {
    bool vacuous = q.claim != core::AccessClaim::Can;
    r.verdict = vacuous ? core::Verdict::Holds : core::Verdict::Violated;
    r.reason = fmt::format("no known file matches `{}`", q.path);
    if (q.claim == core::AccessClaim::WhoCan) r.set = core::SetAnswer{{}, {}, true, "subjects", {}, {}};
    return r;
  }
  AccessEncoder enc(ctx, tree, subjects);
  z3::expr path_var = ctx.bv_const("path!", 32);
  std::vector<z3::expr> allowed;
  for (const auto& p : paths) allowed.push_back(enc.allowed(q.operation, p));
  auto any_path = [&](bool want_allowed) {
    z3::expr_vector terms(ctx);
    for (size_t i = 0; i < paths.size(); ++i) {
      terms.push_back(path_var == ctx.bv_val(uint64_t(i), 32) && (want_allowed ? allowed[i] : !allowed[i]));
    }
    return z3::mk_or(terms);
  };
  auto check = [&](z3::solver& s) {
    ++stats.solver_calls;
    z3::check_result res = s.check();
    if (res == z3::unknown) {
      r.verdict = core::Verdict::Unknown;
      r.reason = fmt::format("the solver gave up: {}", s.reason_unknown());
    }
    return res;
  };
  auto model_path = [&](const z3::model& m) { return paths.at(m.eval(path_var, true).get_numeral_uint()); };
  auto model_subject = [&](const z3::model& m) { return size_t(m.eval(enc.subject(), true).get_numeral_uint64()); };

  switch (q.claim) {
    case core::AccessClaim::Can:
    case core::AccessClaim::CannotDo: {
      bool want = q.claim == core::AccessClaim::Can;
      size_t who = index_of(subjects, q.subjects.at(0));
      const Credentials& c = subjects[who].credentials;
      z3::solver s = make_solver(ctx, limits);
      s.add(enc.is_subject(who));
      s.add(any_path(!want));  // a path where the claim fails
      z3::check_result res = check(s);
      if (res == z3::unknown) return r;
      if (res == z3::sat) {
        std::string path = model_path(s.get_model());
        AccessDecision d = replay(tree, c, q.operation, path, !want);
        r.verdict = core::Verdict::Violated;
        r.reason = want ? fmt::format("{} cannot {} {}: {}", subject_label(policy, subjects[who]), op, path,
                                      decision_reason(d))
                        : fmt::format("{} can {} {}: {}", subject_label(policy, subjects[who]), op, path,
                                      decision_reason(d));
        r.access = witness(c, q.operation, path, d);
        return r;
      }
      AccessDecision shown;
      for (const auto& p : paths) shown = replay(tree, c, q.operation, p, want);
      r.verdict = core::Verdict::Holds;
      r.reason = fmt::format("proved: {} {} {} {}{}", subject_label(policy, subjects[who]), want ? "can" : "cannot",
                             op, paths.size() == 1 ? paths[0] : fmt::format("any of {} files", paths.size()),
                             want ? "" : fmt::format(" ({})", decision_reason(shown)));
      r.access = witness(c, q.operation, paths.back(), shown);
      return r;
    }
    case core::AccessClaim::OnlyCan: {
      z3::solver s = make_solver(ctx, limits);
      s.add(enc.valid_subject());
      for (const auto& allowed_subject : q.subjects) s.add(!enc.is_subject(index_of(subjects, allowed_subject)));
      s.add(any_path(true));
      z3::check_result res = check(s);
      if (res == z3::unknown) return r;
      if (res == z3::sat) {
        z3::model m = s.get_model();
        size_t who = model_subject(m);
        std::string path = model_path(m);
        AccessDecision d = replay(tree, subjects.at(who).credentials, q.operation, path, true);
        r.verdict = core::Verdict::Violated;
        r.reason = fmt::format("{} can {} {} too: {}", subject_label(policy, subjects[who]), op, path,
                               decision_reason(d));
        r.access = witness(subjects[who].credentials, q.operation, path, d);
        return r;
      }
      r.verdict = core::Verdict::Holds;
      r.reason = fmt::format("proved: nobody else among the host's {} users and services can {} it", subjects.size(),
                             op);
      return r;
    }
    case core::AccessClaim::WhoCan: {
      z3::solver s = make_solver(ctx, limits);
      s.add(enc.valid_subject());
      z3::expr_vector all(ctx);
      for (const auto& a : allowed) all.push_back(a);
      s.add(z3::mk_and(all));
      std::set<size_t> found;
      while (true) {
        z3::check_result res = check(s);
        if (res == z3::unknown) return r;
        if (res == z3::unsat) break;
        size_t who = model_subject(s.get_model());
        if (!found.insert(who).second) core::internal_error("who-can enumeration repeated a subject");
        s.add(!enc.is_subject(who));
      }
      core::SetAnswer set;
      set.projection = "subjects (users and services of the host)";
      set.certified = true;
      for (size_t i = 0; i < subjects.size(); ++i) {
        bool can = found.count(i) > 0;
        for (const auto& p : paths) {
          AccessDecision d = core::decide_access(tree, subjects[i].credentials, q.operation, p);
          if (can && !d.granted) core::internal_error("who-can: the evaluator denies a subject the solver admits");
          if (!can && !d.granted) break;
          if (!can && d.granted && p == paths.back()) {
            core::internal_error("who-can: the evaluator admits a subject the solver proved cannot");
          }
        }
        if (can) set.subjects.push_back(subject_label(policy, subjects[i]));
      }
      set.may_subjects = set.subjects;
      r.verdict = core::Verdict::Holds;
      r.reason = fmt::format("{} of the host's {} users and services can {} {} (the rest proved unable)",
                             set.subjects.size(), subjects.size(), op, q.path);
      r.set = std::move(set);
      return r;
    }
  }
  return r;
}

// ---- conflicts ---------------------------------------------------------------

namespace {

struct Access {
  const core::Service* service;
  core::ServiceId id;
  Credentials credentials;
  core::DeclaredAccess access;
};

// Who can perform an operation on a path (least-privilege check): the
// subjects, by name, with their uid.
std::map<std::string, uint32_t> who_can(const core::FileTree& tree, const std::vector<AccessSubject>& subjects,
                                        Operation op, const std::string& path, const std::vector<FileNode>& overrides) {
  std::map<std::string, uint32_t> out;
  for (const auto& s : subjects) {
    if (core::decide_access(tree, s.credentials, op, path, overrides).granted) {
      out.emplace(s.credentials.kind + " " + s.credentials.name, s.credentials.uid);
    }
  }
  return out;
}

struct Fix {
  std::string text;
  std::vector<FileNode> overrides;        // changed nodes
  std::optional<Credentials> creator;     // the creating service's new identity
};

std::string subject_name(const core::Policy& policy, const Access& a) {
  return fmt::format("{} ({}{})", a.service->name, a.service->user_name.empty() ? std::to_string(a.credentials.uid)
                                                                               : a.service->user_name,
                     a.service->group_name.empty() ? "" : ":" + a.service->group_name);
}

const core::Group* group_by_gid(const core::Policy& policy, core::HostId host, uint32_t gid) {
  for (const auto& g : policy.groups) {
    if (g.host == host && g.gid == gid) return &g;
  }
  return nullptr;
}
const core::User* user_by_uid(const core::Policy& policy, core::HostId host, uint32_t uid) {
  for (const auto& u : policy.users) {
    if (u.host == host && u.uid == uid) return &u;
  }
  return nullptr;
}
std::string group_name(const core::Policy& policy, core::HostId host, uint32_t gid) {
  const core::Group* g = group_by_gid(policy, host, gid);
  return g ? g->name : std::to_string(gid);
}
std::string user_name(const core::Policy& policy, core::HostId host, uint32_t uid) {
  const core::User* u = user_by_uid(policy, host, uid);
  return u ? u->name : std::to_string(uid);
}

uint8_t needed_bits(Operation op, bool on_parent) {
  if (on_parent) return 3;  // w+x on the directory
  switch (op) {
    case Operation::Read:
    case Operation::List: return 4;
    case Operation::Search:
    case Operation::Execute: return 1;
    default: return 2;
  }
}

std::string perms_text(uint8_t bits) {
  std::string s;
  if (bits & 4) s += 'r';
  if (bits & 2) s += 'w';
  if (bits & 1) s += 'x';
  return s;
}

}  // namespace

ConflictReport find_conflicts(const core::Policy& policy, std::optional<core::HostId> only_host) {
  ConflictReport report;
  std::vector<core::Finding>& findings = report.findings;
  for (size_t h = 0; h < policy.hosts.size(); ++h) {
    core::HostId host{uint32_t(h)};
    if (only_host && *only_host != host) continue;
    core::FileTree tree(policy, host);
    std::vector<AccessSubject> subjects = subjects_of(policy, host);
    const size_t first_finding = findings.size();
    std::vector<Access> accesses;
    for (size_t i = 0; i < policy.services.size(); ++i) {
      const core::Service& svc = policy.services[i];
      if (svc.host != host) continue;
      for (const auto& a : svc.accesses) {
        accesses.push_back(Access{&svc, core::ServiceId(uint32_t(i)), core::credentials_of(policy, svc), a});
      }
    }
    // Files created by one service: what they look like when it creates them.
    struct Created {
      const Access* creator;
      FileNode node;
    };
    std::vector<Created> created;
    for (const auto& a : accesses) {
      if (a.access.operation != Operation::Create) continue;
      for (const auto& p : tree.expand(a.access.path)) {
        if (tree.find(p)) continue;  // exists: creating it just opens it
        created.push_back(Created{&a, core::created_node(tree, a.credentials, p, core::FileType::Regular)});
      }
    }
    auto all_still_allowed = [&](const Credentials& who, const core::Service& svc, const std::vector<FileNode>& ov) {
      for (const auto& a : svc.accesses) {
        for (const auto& p : tree.expand(a.path)) {
          if (!core::decide_access(tree, who, a.operation, p, ov).granted) return false;
        }
      }
      return true;
    };
    // Least privilege: after the fix, no subject outside the identities
    // involved (the uids of the two services) gains any of read, write,
    // append or delete on the path. Root's capabilities already grant it all.
    auto least_privilege = [&](const std::string& path, const std::vector<FileNode>& before,
                               const std::vector<FileNode>& after, const std::set<uint32_t>& involved,
                               std::string& gained) {
      for (Operation op : {Operation::Read, Operation::Write, Operation::Append, Operation::Delete}) {
        auto b = who_can(tree, subjects, op, path, before);
        auto a = who_can(tree, subjects, op, path, after);
        for (const auto& [name, uid] : a) {
          if (!b.count(name) && !involved.count(uid)) {
            gained = fmt::format("{} would gain {}", name, core::operation_name(op));
            return false;
          }
        }
      }
      return true;
    };

    // 1. Declared accesses the model denies outright.
    for (const auto& a : accesses) {
      if (a.access.operation == Operation::Create) {
        // Creation: the parent must let the service add an entry.
        for (const auto& p : tree.expand(a.access.path)) {
          core::AccessDecision d = core::decide_access(tree, a.credentials, Operation::Create, p);
          if (d.granted) continue;
          core::Finding f;
          f.rule_id = "access-denied";
          f.severity = core::Severity::Error;
          f.message = fmt::format("{} cannot create {}: {} ({})", subject_name(policy, a), p, d.decisive.detail,
                                  core::errno_name(d.error));
          f.origin = a.access.origin;
          f.access = witness(a.credentials, Operation::Create, p, d);
          findings.push_back(std::move(f));
        }
        continue;
      }
      std::vector<std::string> paths = tree.expand(a.access.path);
      for (const auto& p : paths) {
        bool made_by_other = std::any_of(created.begin(), created.end(),
                                         [&](const Created& c) { return c.node.path == p; });
        if (made_by_other) continue;  // judged against the created file below
        core::AccessDecision d = core::decide_access(tree, a.credentials, a.access.operation, p);
        if (d.granted) continue;
        core::Finding f;
        f.rule_id = "access-denied";
        f.severity = core::Severity::Error;
        f.message = fmt::format("{} cannot {} {}: {} ({})", subject_name(policy, a),
                                core::operation_name(a.access.operation), p, d.decisive.detail,
                                core::errno_name(d.error));
        f.origin = a.access.origin;
        f.access = witness(a.credentials, a.access.operation, p, d);
        // A fix on the node that denied: its group gains the bits, or an ACL entry for the user.
        const FileNode* denying = tree.find(d.decisive.path);
        if (denying && (d.decisive.kind == "mode-bits" || d.decisive.kind == "acl-entry" || d.decisive.kind == "acl-mask")) {
          bool on_parent = d.decisive.path != p;
          uint8_t bits = on_parent ? uint8_t(d.decisive.path == core::parent_path(p) &&
                                                     (a.access.operation == Operation::Delete)
                                                 ? 3
                                                 : 1)
                                   : needed_bits(a.access.operation, false);
          std::string user = user_name(policy, host, a.credentials.uid);
          FileNode acl_fix = *denying;
          if (acl_fix.access_acl.empty()) {
            acl_fix.access_acl.entries = {{core::AclEntry::Tag::UserObj, core::kNoId, uint8_t((acl_fix.mode >> 6) & 7)},
                                          {core::AclEntry::Tag::GroupObj, core::kNoId, uint8_t((acl_fix.mode >> 3) & 7)},
                                          {core::AclEntry::Tag::Other, core::kNoId, uint8_t(acl_fix.mode & 7)}};
          }
          auto& entries = acl_fix.access_acl.entries;
          entries.erase(std::remove_if(entries.begin(), entries.end(),
                                       [&](const core::AclEntry& e) {
                                         return e.tag == core::AclEntry::Tag::Mask ||
                                                (e.tag == core::AclEntry::Tag::User && e.qualifier == a.credentials.uid);
                                       }),
                        entries.end());
          uint8_t mask = bits;
          for (const auto& e : entries) {
            if (e.tag == core::AclEntry::Tag::GroupObj || e.tag == core::AclEntry::Tag::Group ||
                e.tag == core::AclEntry::Tag::User) {
              mask |= e.perms;
            }
          }
          auto other = std::find_if(entries.begin(), entries.end(),
                                    [](const core::AclEntry& e) { return e.tag == core::AclEntry::Tag::Other; });
          auto group_end = std::find_if(entries.begin(), entries.end(),
                                        [](const core::AclEntry& e) { return e.tag == core::AclEntry::Tag::GroupObj; });
          entries.insert(group_end, core::AclEntry{core::AclEntry::Tag::User, a.credentials.uid, bits});
          other = std::find_if(entries.begin(), entries.end(),
                               [](const core::AclEntry& e) { return e.tag == core::AclEntry::Tag::Other; });
          entries.insert(other, core::AclEntry{core::AclEntry::Tag::Mask, core::kNoId, mask});
          acl_fix.mode = uint16_t((acl_fix.mode & ~070) | (uint16_t(mask) << 3));
          std::vector<FileNode> ov{acl_fix};
          std::string gained;
          if (core::decide_access(tree, a.credentials, a.access.operation, p, ov).granted &&
              least_privilege(d.decisive.path, {}, ov, {a.credentials.uid}, gained)) {
            f.fix = fmt::format("setfacl -m u:{}:{} {}   (verified: {} can then {} {}; nobody else gains access)", user,
                                perms_text(bits), d.decisive.path, a.service->name,
                                core::operation_name(a.access.operation), p);
          }
        }
        findings.push_back(std::move(f));
      }
    }

    // 2. Ownership drift: a file one service creates that another cannot use.
    for (const auto& c : created) {
      for (const auto& b : accesses) {
        if (&b == c.creator || b.access.operation == Operation::Create) continue;
        bool names_it = !tree.expand(b.access.path).empty() &&
                        (core::glob_match(b.access.path, c.node.path) || b.access.path == c.node.path);
        if (!names_it && b.access.path != c.node.path) continue;
        std::vector<FileNode> ov{c.node};
        core::AccessDecision d = core::decide_access(tree, b.credentials, b.access.operation, c.node.path, ov);
        if (d.granted) continue;
        core::Finding f;
        f.rule_id = "ownership-drift";
        f.severity = core::Severity::Error;
        f.message = fmt::format(
            "{} creates {} as {}:{} {}; {} then cannot {} it: {} ({})", subject_name(policy, *c.creator), c.node.path,
            user_name(policy, host, c.node.uid), group_name(policy, host, c.node.gid),
            core::mode_string(c.node.mode, c.node.type), subject_name(policy, b), core::operation_name(b.access.operation),
            d.decisive.detail, core::errno_name(d.error));
        f.origin = b.access.origin;
        f.related.push_back({c.creator->access.origin, fmt::format("{} creates it here", c.creator->service->name)});
        f.access = witness(b.credentials, b.access.operation, c.node.path, d);

        std::set<uint32_t> involved{c.creator->credentials.uid, b.credentials.uid};
        std::string parent = core::parent_path(c.node.path);
        const FileNode* dir = tree.find(parent);
        std::vector<Fix> candidates;
        // a. Run the creator as the user of the service that needs the file.
        {
          Credentials as = c.creator->credentials;
          as.uid = b.credentials.uid;
          as.gid = b.credentials.gid;
          as.groups = b.credentials.groups;
          as.capabilities = b.credentials.capabilities;
          FileNode n = core::created_node(tree, as, c.node.path, core::FileType::Regular);
          if (all_still_allowed(as, *c.creator->service, {n}) &&
              core::decide_access(tree, b.credentials, b.access.operation, n.path, {n}).granted) {
            candidates.push_back(Fix{fmt::format("run {} as {} (user={}): it creates {} as {}:{} {}", c.creator->service->name,
                                                 user_name(policy, host, as.uid), user_name(policy, host, as.uid), n.path,
                                                 user_name(policy, host, n.uid), group_name(policy, host, n.gid),
                                                 core::mode_string(n.mode, n.type)),
                                     {n}, as});
          }
        }
        // b. A setgid directory of the reader's group, and umask 002 for the creator.
        if (dir) {
          FileNode d2 = *dir;
          d2.gid = b.credentials.gid;
          d2.mode = uint16_t(d2.mode | 02000 | 0010);
          Credentials creator = c.creator->credentials;
          creator.umask = 002;
          FileNode n = core::created_node(tree, creator, c.node.path, core::FileType::Regular, {d2});
          if (core::decide_access(tree, creator, Operation::Create, c.node.path, {d2}).granted &&
              core::decide_access(tree, b.credentials, b.access.operation, n.path, {d2, n}).granted) {
            candidates.push_back(Fix{fmt::format("chgrp {0} {1} && chmod g+s {1}, and give {2} umask 002: it creates {3} as "
                                                 "{4}:{5} {6}",
                                                 group_name(policy, host, b.credentials.gid), parent,
                                                 c.creator->service->name, n.path, user_name(policy, host, n.uid),
                                                 group_name(policy, host, n.gid), core::mode_string(n.mode, n.type)),
                                     {d2, n}, creator});
          }
        }
        // c. A default ACL on the directory for the reader's user.
        if (dir) {
          FileNode d3 = *dir;
          uint8_t bits = needed_bits(b.access.operation, false);
          d3.default_acl.entries = {{core::AclEntry::Tag::UserObj, core::kNoId, uint8_t((dir->mode >> 6) & 7)},
                                    {core::AclEntry::Tag::User, b.credentials.uid, bits},
                                    {core::AclEntry::Tag::GroupObj, core::kNoId, uint8_t((dir->mode >> 3) & 7)},
                                    {core::AclEntry::Tag::Mask, core::kNoId, uint8_t(bits | ((dir->mode >> 3) & 7))},
                                    {core::AclEntry::Tag::Other, core::kNoId, uint8_t(dir->mode & 7)}};
          FileNode n = core::created_node(tree, c.creator->credentials, c.node.path, core::FileType::Regular, {d3});
          if (core::decide_access(tree, b.credentials, b.access.operation, n.path, {d3, n}).granted) {
            candidates.push_back(Fix{fmt::format("setfacl -d -m u:{}:{} {}: {} inherits the entry when {} creates it",
                                                 user_name(policy, host, b.credentials.uid), perms_text(bits), parent,
                                                 n.path, c.creator->service->name),
                                     {d3, n}, std::nullopt});
          }
        }
        // Keep the first fix that gives nobody else access (least privilege).
        for (const auto& fix : candidates) {
          std::string gained;
          if (!least_privilege(c.node.path, {c.node}, fix.overrides, involved, gained)) continue;
          if (!least_privilege(parent, {}, fix.overrides, involved, gained)) continue;
          f.fix = fix.text + fmt::format(" (verified: {} can then {} it; nobody else gains access)", b.service->name,
                                         core::operation_name(b.access.operation));
          break;
        }
        findings.push_back(std::move(f));
      }
    }

    // The per-file view of every file a finding touches.
    std::vector<std::string> touched;
    for (size_t i = first_finding; i < findings.size(); ++i) {
      const core::Finding& f = findings[i];
      if (f.access && std::find(touched.begin(), touched.end(), f.access->path) == touched.end()) {
        touched.push_back(f.access->path);
      }
    }
    for (const auto& path : touched) {
      core::ResourceReport rr;
      rr.host = policy.host(host).name;
      rr.path = path;
      std::vector<FileNode> ov;
      for (const auto& c : created) {
        if (c.node.path == path) {
          ov.push_back(c.node);
          rr.created_as = fmt::format("{}:{} {} (created by {})", user_name(policy, host, c.node.uid),
                                      group_name(policy, host, c.node.gid), core::mode_string(c.node.mode, c.node.type),
                                      c.creator->service->name);
        }
      }
      for (const auto& a : accesses) {
        auto paths = tree.expand(a.access.path);
        if (std::find(paths.begin(), paths.end(), path) == paths.end()) continue;
        bool creates_it = a.access.operation == Operation::Create && !ov.empty() && ov[0].path == path;
        core::AccessDecision d = core::decide_access(tree, a.credentials, a.access.operation, path,
                                                     creates_it ? std::vector<FileNode>{} : ov);
        core::ResourceAccess ra;
        ra.service = a.service->name;
        ra.run_as = fmt::format("{}:{}", user_name(policy, host, a.credentials.uid),
                                group_name(policy, host, a.credentials.gid));
        ra.operation = core::operation_name(a.access.operation);
        ra.granted = d.granted;
        ra.why = d.decisive.detail + (d.granted ? "" : fmt::format(" ({})", core::errno_name(d.error)));
        ra.origin = a.access.origin;
        rr.accesses.push_back(std::move(ra));
      }
      for (size_t i = first_finding; i < findings.size(); ++i) {
        const core::Finding& f = findings[i];
        if (f.access && f.access->path == path && !f.fix.empty() &&
            std::find(rr.fixes.begin(), rr.fixes.end(), f.fix) == rr.fixes.end()) {
          rr.fixes.push_back(f.fix);
        }
      }
      report.resources.push_back(std::move(rr));
    }
  }
  return report;
}

}  // namespace rampart::solver
