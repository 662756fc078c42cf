#include "access_answers.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "access_encoder.h"
#include "rampart/core/dac.h"
#include "rampart/core/selinux_eval.h"

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
    return fmt::format("service {} ({})", c.name,
                       svc.user_name.empty() ? std::to_string(c.uid) : svc.user_name);
  }
  return fmt::format("user {}", c.name);
}

core::AccessWitness witness(const Credentials& who, Operation op, const std::string& path,
                            const AccessDecision& d) {
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

// What a subject's decision is: granted, denied, or unknown.
enum class Tri : uint8_t { Granted, Denied, Unknown };
Tri tri(const AccessDecision& d) {
  return d.granted ? Tri::Granted : d.unknown ? Tri::Unknown : Tri::Denied;
}
const char* tri_name(Tri t) {
  return t == Tri::Granted ? "granted" : t == Tri::Denied ? "denied" : "unknown";
}

// Replays a decision the solver claims (DAC ∧ SELinux); a mismatch is a bug in rampart.
AccessDecision replay(const core::FileTree& tree, const core::selinux::HostView* view, const Credentials& who,
                      Operation op, const std::string& path, Tri expect) {
  AccessDecision d = core::decide_file_access(tree, view, who, op, path);
  if (tri(d) != expect) {
    core::internal_error(
        fmt::format("access witness failed replay: the solver says {} {} {} is {}, the evaluator "
                    "says {} ({})",
                    who.name, core::operation_name(op), path, tri_name(expect), tri_name(tri(d)),
                    d.unknown ? d.unknown_reason : core::errno_name(d.error)));
  }
  return d;
}

AccessDecision replay(const core::FileTree& tree, const core::selinux::HostView* view, const Credentials& who,
                      Operation op, const std::string& path, bool expect_granted) {
  return replay(tree, view, who, op, path, expect_granted ? Tri::Granted : Tri::Denied);
}

std::string decision_reason(const AccessDecision& d) {
  if (d.unknown) return d.unknown_reason;
  std::string why = d.decisive.detail;
  if (!d.granted) why = fmt::format("{} ({})", why, core::errno_name(d.error));
  return why;
}

// For an SELinux denial: the other permissions the rules give on the pair,
// and the booleans that would allow the missing one.
std::string selinux_hint(const core::FileTree& tree, const core::selinux::HostView* view,
                         const core::selinux::SubjectContext& subject, Operation op,
                         const std::string& path) {
  if (!view || !subject.context) return {};
  core::selinux::SelinuxDecision s = core::selinux::decide_selinux(tree, *view, subject, op, path);
  const core::selinux::Step* st = s.first_denied();
  if (!st || !st->target.context || st->cls == 0) return {};
  const auto& p = view->policy();
  const core::selinux::Context& src = st->source ? *st->source : *subject.context;
  core::selinux::Explanation e =
      core::selinux::explain(*view, src, *st->target.context, st->cls, st->decision.missing());
  std::string out;
  uint32_t other = view->compute_av(src, *st->target.context, st->cls, 0).allowed;
  if (other) {
    out += fmt::format("; {} may {} on {}:{}", p.types.at(src.type).name, p.permissions_text(st->cls, other),
                       p.types.at(st->target.context->type).name, p.classes.at(st->cls).name);
  }
  for (size_t i = 0; i < e.booleans.size() && i < 2; ++i) out += "; " + e.booleans[i];
  return out;
}

core::Result answer_domain(z3::context& ctx, const core::Policy& policy, const core::Question& question,
                           const core::AccessQuestion& q, const Limits& limits, Statistics& stats);
core::SetAnswer who_can_domains(z3::context& ctx, const core::FileTree& tree,
                                const core::selinux::HostView& view, Operation op,
                                const std::vector<std::string>& paths, const Limits& limits,
                                Statistics& stats, bool& gave_up);

}  // namespace

core::Result answer_access(z3::context& ctx, const core::Policy& policy, const core::Question& question,
                           const core::AccessQuestion& q, const Limits& limits, Statistics& stats) {
  if (!q.subjects.empty() && q.subjects[0].kind == core::Subject::Kind::Domain) {
    return answer_domain(ctx, policy, question, q, limits, stats);
  }
  core::Result r;
  r.text = question.text;
  r.kind = question.kind_name();
  r.is_query = question.is_query;
  r.origin = question.origin;
  core::FileTree tree(policy, q.host);
  std::optional<core::selinux::HostView> view = core::selinux::HostView::build(policy, q.host);
  const core::selinux::HostView* sv = view ? &*view : nullptr;
  std::vector<AccessSubject> subjects = subjects_of(policy, q.host);
  std::vector<std::string> paths = tree.expand(q.path);
  std::string op = core::operation_name(q.operation);
  if (paths.empty()) {
    bool vacuous = q.claim != core::AccessClaim::Can;
    r.verdict = vacuous ? core::Verdict::Holds : core::Verdict::Violated;
    r.reason = fmt::format("no known file matches `{}`", q.path);
    if (q.claim == core::AccessClaim::WhoCan)
      r.set = core::SetAnswer{{}, {}, true, "subjects", {}, {}, {}, true};
    return r;
  }
  AccessEncoder enc(ctx, tree, subjects, sv);
  z3::expr path_var = ctx.bv_const("path!", 32);
  std::vector<AccessEncoder::Decision> decided;
  for (const auto& p : paths) decided.push_back(enc.decide(q.operation, p));
  enum class Want { Granted, Denied, Unknown, Possible };
  auto formula = [&](size_t i, Want w) -> z3::expr {
    const auto& d = decided[i];
    switch (w) {
      case Want::Granted: return d.granted;
      case Want::Denied: return !d.granted && !d.unknown;
      case Want::Unknown: return d.unknown;
      case Want::Possible: return d.granted || d.unknown;
    }
    return d.granted;
  };
  auto any_path = [&](Want w) {
    z3::expr_vector terms(ctx);
    for (size_t i = 0; i < paths.size(); ++i)
      terms.push_back(path_var == ctx.bv_val(uint64_t(i), 32) && formula(i, w));
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
  auto model_subject = [&](const z3::model& m) {
    return size_t(m.eval(enc.subject(), true).get_numeral_uint64());
  };
  auto context_of = [&](const Credentials& c) {
    return sv ? sv->context_of(c) : core::selinux::SubjectContext{};
  };
  auto witness_of = [&](const Credentials& c, const std::string& path, const AccessDecision& d) {
    core::AccessWitness w = witness(c, q.operation, path, d);
    if (sv) {
      auto sc = sv->context_of(c);
      w.subject.domain = sc.context ? core::selinux::context_text(sv->policy(), *sc.context) : "unknown";
    }
    return w;
  };

  switch (q.claim) {
    case core::AccessClaim::Can:
    case core::AccessClaim::CannotDo: {
      bool want = q.claim == core::AccessClaim::Can;
      size_t who = index_of(subjects, q.subjects.at(0));
      const Credentials& c = subjects[who].credentials;
      // First a path where the claim is refuted, then one where it cannot be decided.
      for (Want w : {want ? Want::Denied : Want::Granted, Want::Unknown}) {
        z3::solver s = make_solver(ctx, limits);
        s.add(enc.is_subject(who));
        s.add(any_path(w));
        z3::check_result res = check(s);
        if (res == z3::unknown) return r;
        if (res == z3::unsat) continue;
        std::string path = model_path(s.get_model());
        AccessDecision d =
            replay(tree, sv, c, q.operation, path,
                   w == Want::Unknown ? Tri::Unknown : (w == Want::Granted ? Tri::Granted : Tri::Denied));
        r.access = witness_of(c, path, d);
        if (w == Want::Unknown) {
          r.verdict = core::Verdict::Unknown;
          r.reason = fmt::format("unknown whether {} can {} {}: {}", subject_label(policy, subjects[who]), op,
                                 path, d.unknown_reason);
          return r;
        }
        r.verdict = core::Verdict::Violated;
        std::string hint = d.selinux == false && d.dac_granted
                               ? selinux_hint(tree, sv, context_of(c), q.operation, path)
                               : "";
        r.reason = want ? fmt::format("{} cannot {} {}: {}{}", subject_label(policy, subjects[who]), op, path,
                                      decision_reason(d), hint)
                        : fmt::format("{} can {} {}: {}", subject_label(policy, subjects[who]), op, path,
                                      decision_reason(d));
        return r;
      }
      AccessDecision shown;
      for (const auto& p : paths) shown = replay(tree, sv, c, q.operation, p, want);
      r.verdict = core::Verdict::Holds;
      std::string hint = !want && shown.selinux == false && shown.dac_granted
                             ? selinux_hint(tree, sv, context_of(c), q.operation, paths.back())
                             : "";
      r.reason = fmt::format("proved: {} {} {} {}{}{}", subject_label(policy, subjects[who]),
                             want ? "can" : "cannot", op,
                             paths.size() == 1 ? paths[0] : fmt::format("any of {} files", paths.size()),
                             want ? "" : fmt::format(" ({})", decision_reason(shown)), hint);
      r.access = witness_of(c, paths.back(), shown);
      return r;
    }
    case core::AccessClaim::OnlyCan: {
      for (Want w : {Want::Granted, Want::Unknown}) {
        z3::solver s = make_solver(ctx, limits);
        s.add(enc.valid_subject());
        for (const auto& allowed_subject : q.subjects)
          s.add(!enc.is_subject(index_of(subjects, allowed_subject)));
        s.add(any_path(w));
        z3::check_result res = check(s);
        if (res == z3::unknown) return r;
        if (res == z3::unsat) continue;
        z3::model m = s.get_model();
        size_t who = model_subject(m);
        std::string path = model_path(m);
        AccessDecision d = replay(tree, sv, subjects.at(who).credentials, q.operation, path,
                                  w == Want::Granted ? Tri::Granted : Tri::Unknown);
        r.access = witness_of(subjects[who].credentials, path, d);
        if (w == Want::Unknown) {
          r.verdict = core::Verdict::Unknown;
          r.reason = fmt::format("unknown whether {} can {} {} too: {}", subject_label(policy, subjects[who]),
                                 op, path, d.unknown_reason);
          return r;
        }
        r.verdict = core::Verdict::Violated;
        r.reason = fmt::format("{} can {} {} too: {}", subject_label(policy, subjects[who]), op, path,
                               decision_reason(d));
        return r;
      }
      r.verdict = core::Verdict::Holds;
      r.reason = fmt::format("proved: nobody else among the host's {} users and services can {} it",
                             subjects.size(), op);
      return r;
    }
    case core::AccessClaim::WhoCan: {
      // must: granted on every path; may: granted or unknown on every path.
      // The evaluator decides each subject; Z3 then proves the two sets
      // exact with two calls each (nobody outside a set satisfies its
      // formula, everybody in it does). Enumerating subjects one model at a
      // time cost a solver call per subject, quadratic in the users.
      std::set<size_t> must, may;
      for (size_t i = 0; i < subjects.size(); ++i) {
        bool all_granted = true, all_possible = true;
        for (const auto& p : paths) {
          AccessDecision d = core::decide_file_access(tree, sv, subjects[i].credentials, q.operation, p);
          all_granted &= d.granted;
          all_possible &= d.granted || d.unknown;
        }
        if (all_granted) must.insert(i);
        if (all_possible) may.insert(i);
      }
      if (!sv) may = must;
      // Whether Z3 agrees that `found` is exactly the subjects satisfying `w`
      // on every path; nullopt when it gave up.
      auto certify = [&](Want w, const std::set<size_t>& found) -> std::optional<bool> {
        z3::expr_vector all(ctx), members(ctx);
        for (size_t i = 0; i < paths.size(); ++i) all.push_back(formula(i, w));
        for (size_t i : found) members.push_back(enc.is_subject(i));
        z3::expr holds = z3::mk_and(all);
        z3::expr in_found = members.empty() ? ctx.bool_val(false) : z3::mk_or(members);
        for (const z3::expr& claim : {enc.valid_subject() && holds && !in_found, in_found && !holds}) {
          z3::solver s = make_solver(ctx, limits);
          s.add(claim);
          z3::check_result res = check(s);
          if (res == z3::unknown) return std::nullopt;
          if (res == z3::sat) return false;
        }
        return true;
      };
      for (auto [w, found] : {std::pair{Want::Granted, &must}, std::pair{Want::Possible, &may}}) {
        if (w == Want::Possible && !sv) continue;
        auto ok = certify(w, *found);
        if (!ok) return r;
        if (!*ok) core::internal_error("who-can: the evaluator and the solver disagree on a subject");
      }
      core::SetAnswer set;
      set.projection = "subjects (users and services of the host)";
      set.certified = true;
      for (size_t i = 0; i < subjects.size(); ++i) {
        if (must.count(i)) set.subjects.push_back(subject_label(policy, subjects[i]));
        if (may.count(i)) set.may_subjects.push_back(subject_label(policy, subjects[i]));
      }
      r.verdict = core::Verdict::Holds;
      r.reason = fmt::format("{} of the host's {} users and services can {} {} (the rest proved unable{})",
                             set.subjects.size(), subjects.size(), op, q.path,
                             set.may_subjects.size() > set.subjects.size()
                                 ? fmt::format("; {} more may, SELinux's part is unknown for them",
                                               set.may_subjects.size() - set.subjects.size())
                                 : "");
      if (sv) {
        bool gave_up = false;
        core::SetAnswer domains = who_can_domains(ctx, tree, *sv, q.operation, paths, limits, stats, gave_up);
        if (gave_up) {
          r.verdict = core::Verdict::Unknown;
          r.reason = "the solver gave up listing the SELinux domains";
          return r;
        }
        set.domains = std::move(domains.domains);
        set.domains_known = domains.domains_known;
        r.reason += set.domains_known
                        ? fmt::format("; SELinux lets {} domain{} do it (DAC aside)", set.domains.size(),
                                      set.domains.size() == 1 ? "" : "s")
                        : "; the SELinux domains that can are unknown: a label on the path is unknown";
      }
      r.set = std::move(set);
      return r;
    }
  }
  return r;
}

namespace {

// `can domain D OP PATH`: SELinux's decision alone, for a process of D in
// its assumed context.
core::Result answer_domain(z3::context& ctx, const core::Policy& policy, const core::Question& question,
                           const core::AccessQuestion& q, const Limits& limits, Statistics& stats) {
  core::Result r;
  r.text = question.text;
  r.kind = question.kind_name();
  r.is_query = question.is_query;
  r.origin = question.origin;
  std::optional<core::selinux::HostView> view = core::selinux::HostView::build(policy, q.host);
  if (!view) core::internal_error("a domain question on a host without SELinux");
  const auto& p = view->policy();
  core::FileTree tree(policy, q.host);
  std::vector<std::string> paths = tree.expand(q.path);
  std::string op = core::operation_name(q.operation);
  const std::string& name = q.subjects.at(0).domain;
  uint32_t type = p.type(name);
  if (type == core::selinux::kNone) core::internal_error("a domain question names no type");
  core::selinux::SubjectContext sc = view->domain_context(type);
  if (paths.empty()) {
    r.verdict = q.claim == core::AccessClaim::Can ? core::Verdict::Violated : core::Verdict::Holds;
    r.reason = fmt::format("no known file matches `{}`", q.path);
    return r;
  }
  if (!sc.context) {
    r.verdict = core::Verdict::Unknown;
    r.reason = sc.how;
    return r;
  }
  SelinuxEncoder enc(ctx, *view, tree);
  SelinuxEncoder::Sym src = enc.concrete(*sc.context);
  z3::expr path_var = ctx.bv_const("path!", 32);
  std::vector<SelinuxEncoder::Outcome> outcomes;
  for (const auto& path : paths)
    outcomes.push_back(enc.operation(src, ctx.bool_val(true), q.operation, path));
  bool want = q.claim == core::AccessClaim::Can;
  auto replay_domain = [&](const std::string& path, Tri expect) {
    core::selinux::SelinuxDecision d = core::selinux::decide_selinux(tree, *view, sc, q.operation, path);
    Tri got = !d.known ? Tri::Unknown : d.granted ? Tri::Granted : Tri::Denied;
    if (got != expect) {
      core::internal_error(
          fmt::format("SELinux witness failed replay: the solver says {} {} {} is {}, the evaluator "
                      "says {}",
                      name, op, path, tri_name(expect), tri_name(got)));
    }
    return d;
  };
  auto describe = [&](const core::selinux::SelinuxDecision& d) {
    std::string out;
    for (const auto& st : d.steps) {
      if (st.unknown || !st.decision.granted()) {
        const core::selinux::Context& s = st.source ? *st.source : *sc.context;
        if (st.unknown || !st.target.context) return fmt::format("{}: {}", st.what, st.note);
        core::selinux::Explanation e =
            core::selinux::explain(*view, s, *st.target.context, st.cls, st.decision.missing());
        out = fmt::format("{}: denied", st.what);
        for (const auto& m : e.missing) out += fmt::format("; no rule `{}`", m);
        for (const auto& c : e.constraints) out += "; " + c;
        uint32_t other = view->compute_av(s, *st.target.context, st.cls, 0).allowed;
        if (other) {
          out += fmt::format("; {} may {} on {}:{}", p.types[s.type].name, p.permissions_text(st.cls, other),
                             p.types[st.target.context->type].name, p.classes[st.cls].name);
        }
        for (size_t i = 0; i < e.booleans.size() && i < 2; ++i) out += "; " + e.booleans[i];
        return out;
      }
    }
    std::string rules;
    for (const auto& st : d.steps) {
      if (st.decision.rules.empty()) continue;
      rules += (rules.empty() ? "" : " ") + p.rule_text(p.allows[st.decision.rules[0]]);
    }
    return fmt::format("every check granted ({})", rules);
  };
  for (int pass = 0; pass < 2; ++pass) {
    // A concrete domain on concrete labels makes each path's formula a
    // constant once Z3's simplifier has folded it: when every one is false
    // the claim is refuted nowhere (unsat), and a true one is a witness,
    // without a solver call (a trivial check costs about 10 ms of set-up).
    // Anything the simplifier leaves open goes to the solver.
    std::vector<z3::expr> refuted;
    std::optional<size_t> witness_path;
    bool settled = true;
    for (size_t i = 0; i < paths.size(); ++i) {
      const auto& o = outcomes[i];
      refuted.push_back(pass == 0 ? (want ? o.denied : o.granted) : (!o.granted && !o.denied));
      z3::expr folded = refuted.back().simplify();
      if (folded.is_true() && !witness_path) witness_path = i;
      if (!folded.is_true() && !folded.is_false()) settled = false;
    }
    std::string path;
    if (witness_path) {
      path = paths[*witness_path];
    } else if (settled) {
      continue;
    } else {
      z3::solver s = make_solver(ctx, limits);
      z3::expr_vector terms(ctx);
      for (size_t i = 0; i < paths.size(); ++i)
        terms.push_back(path_var == ctx.bv_val(uint64_t(i), 32) && refuted[i]);
      s.add(z3::mk_or(terms));
      ++stats.solver_calls;
      z3::check_result res = s.check();
      if (res == z3::unknown) {
        r.verdict = core::Verdict::Unknown;
        r.reason = fmt::format("the solver gave up: {}", s.reason_unknown());
        return r;
      }
      if (res == z3::unsat) continue;
      path = paths.at(s.get_model().eval(path_var, true).get_numeral_uint());
    }
    Tri expect = pass == 1 ? Tri::Unknown : (want ? Tri::Denied : Tri::Granted);
    core::selinux::SelinuxDecision d = replay_domain(path, expect);
    r.verdict = pass == 1 ? core::Verdict::Unknown : core::Verdict::Violated;
    r.reason =
        fmt::format("{}: domain {} {} {} {} ({}): {}", pass == 1 ? "unknown" : "SELinux", name,
                    pass == 1 ? "may or may not" : (want ? "cannot" : "can"), op, path, sc.how, describe(d));
    return r;
  }
  core::selinux::SelinuxDecision d;
  for (const auto& path : paths) d = replay_domain(path, want ? Tri::Granted : Tri::Denied);
  r.verdict = core::Verdict::Holds;
  r.reason = fmt::format(
      "proved: SELinux {} domain {} {} {} ({}): {}", want ? "lets" : "keeps", name, want ? op : "from " + op,
      paths.size() == 1 ? paths[0] : fmt::format("any of {} files", paths.size()), sc.how, describe(d));
  return r;
}

// Every domain SELinux lets perform `op` on all of `paths`, enumerated by the
// solver over a symbolic domain and checked against the evaluator on every
// domain of the policy.
core::SetAnswer who_can_domains(z3::context& ctx, const core::FileTree& tree,
                                const core::selinux::HostView& view, Operation op,
                                const std::vector<std::string>& paths, const Limits& limits,
                                Statistics& stats, bool& gave_up) {
  core::SetAnswer out;
  const auto& p = view.policy();
  SelinuxEncoder enc(ctx, view, tree);
  z3::expr d = enc.domain_var("domain!");
  SelinuxEncoder::Sym src = enc.domain(d);
  z3::expr_vector all(ctx), undecided(ctx);
  for (const auto& path : paths) {
    SelinuxEncoder::Outcome o = enc.operation(src, ctx.bool_val(true), op, path);
    all.push_back(o.granted);
    undecided.push_back(!o.granted && !o.denied);
  }
  z3::expr valid = enc.is_domain(d);
  {
    // Unknown for some domain (an unknown label): the list is not exact.
    z3::solver s = make_solver(ctx, limits);
    s.add(valid && z3::mk_or(undecided));
    ++stats.solver_calls;
    z3::check_result res = s.check();
    if (res == z3::unknown) {
      gave_up = true;
      return out;
    }
    if (res == z3::sat) out.domains_known = false;
  }
  z3::solver s = make_solver(ctx, limits);
  s.add(valid && z3::mk_and(all));
  std::set<uint32_t> found;
  while (true) {
    ++stats.solver_calls;
    z3::check_result res = s.check();
    if (res == z3::unknown) {
      gave_up = true;
      return out;
    }
    if (res == z3::unsat) break;
    uint32_t t = enc.type_of(s.get_model(), d);
    if (!found.insert(t).second) core::internal_error("who-can: the domain enumeration repeated a domain");
    s.add(d != ctx.bv_val(t, d.get_sort().bv_size()));
  }
  // The evaluator agrees on every domain of the policy.
  for (uint32_t t : view.domains()) {
    core::selinux::SubjectContext sc = view.domain_context(t);
    bool all_granted = true;
    for (const auto& path : paths) {
      core::selinux::SelinuxDecision dec = core::selinux::decide_selinux(tree, view, sc, op, path);
      all_granted &= dec.known && dec.granted;
    }
    if (all_granted != (found.count(t) > 0)) {
      core::internal_error(
          fmt::format("who-can: the evaluator and the solver disagree on domain {}", p.types[t].name));
    }
  }
  for (uint32_t t : found) out.domains.push_back(p.types[t].name);
  std::sort(out.domains.begin(), out.domains.end());
  return out;
}

}  // namespace

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
std::map<std::string, uint32_t> who_can(const core::FileTree& tree, const core::selinux::HostView* view,
                                        const std::vector<AccessSubject>& subjects, Operation op,
                                        const std::string& path, const std::vector<FileNode>& overrides) {
  std::map<std::string, uint32_t> out;
  for (const auto& s : subjects) {
    // Unknown counts as possible: a fix must not risk giving anyone access.
    core::AccessDecision d = core::decide_file_access(tree, view, s.credentials, op, path, overrides);
    if (d.granted || d.unknown) {
      out.emplace(s.credentials.kind + " " + s.credentials.name, s.credentials.uid);
    }
  }
  return out;
}

struct Fix {
  std::string text;
  std::vector<FileNode> overrides;     // changed nodes
  std::optional<Credentials> creator;  // the creating service's new identity
};

std::string subject_name(const core::Policy& policy, const Access& a) {
  std::string user = !a.service->user_name.empty()      ? a.service->user_name
                     : a.credentials.uid == core::kNoId ? "user unknown"
                                                        : std::to_string(a.credentials.uid);
  return fmt::format("{} ({}{})", a.service->name, user,
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
  return g ? g->name : gid == core::kNoId ? "unknown" : std::to_string(gid);
}
std::string user_name(const core::Policy& policy, core::HostId host, uint32_t uid) {
  const core::User* u = user_by_uid(policy, host, uid);
  return u ? u->name : uid == core::kNoId ? "unknown" : std::to_string(uid);
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

namespace {

// DAC's and SELinux's verdicts on one access, each on its own, for the
// conflict report (where they disagree is what an operator needs to see).
struct Layers {
  std::string dac, selinux;
};
Layers layers(const core::FileTree& tree, const core::selinux::HostView* sv, const Credentials& who,
              Operation op, const std::string& path, const std::vector<FileNode>& ov,
              const AccessDecision& d) {
  Layers out;
  if (!sv) return out;
  if (d.dac_granted) {
    out.dac = "granted";
  } else {
    AccessDecision dac = core::decide_access(tree, who, op, path, ov);
    out.dac = dac.granted ? "denied (a capability SELinux refuses)"
                          : fmt::format("denied: {} ({})", dac.decisive.detail, core::errno_name(dac.error));
  }
  core::selinux::SubjectContext sc = sv->context_of(who);
  core::selinux::SelinuxDecision s = core::selinux::decide_selinux(tree, *sv, sc, op, path, ov);
  if (!s.known)
    out.selinux = "unknown: " + s.unknown_reason;
  else if (s.granted)
    out.selinux = "granted";
  else {
    std::string why = core::selinux::describe(*sv, *s.first_denied(), sc);
    if (why.rfind("SELinux, ", 0) == 0) why.erase(0, 9);
    out.selinux = "denied: " + why;
  }
  return out;
}

// A verified fix for an access DAC grants and SELinux denies: a boolean
// whose flip grants it, else the allow rules a local policy module would
// add (`audit2allow`), each for the subject's own type only. Verified by the
// evaluator on the host's view with the change applied: the access is then
// granted and every declared access granted before still is. Empty when
// neither works (a constraint or MLS denies, or a label is unknown).
std::string selinux_fix(const core::Policy& policy, core::HostId host, const core::FileTree& tree,
                        const core::selinux::HostView& view, const Credentials& who, Operation op,
                        const std::string& path, const std::vector<FileNode>& ov,
                        const std::vector<Access>& declared) {
  namespace sel = core::selinux;
  const sel::CompiledPolicy& p = view.policy();
  sel::SubjectContext sc = view.context_of(who);
  if (!sc.context) return {};
  auto still_fine = [&](const sel::HostView& changed) {
    if (!core::decide_file_access(tree, &changed, who, op, path, ov).granted) return false;
    for (const auto& a : declared) {
      for (const auto& x : tree.expand(a.access.path)) {
        if (core::decide_file_access(tree, &view, a.credentials, a.access.operation, x).granted &&
            !core::decide_file_access(tree, &changed, a.credentials, a.access.operation, x).granted)
          return false;
      }
    }
    return true;
  };
  // 1. booleans of the conditional rules that would grant a missing permission.
  sel::SelinuxDecision s = sel::decide_selinux(tree, view, sc, op, path, ov);
  std::set<uint32_t> candidates;
  for (const auto& st : s.steps) {
    if (st.unknown || st.decision.granted() || !st.target.context || st.cls == 0) continue;
    const sel::Context& src = st.source ? *st.source : *sc.context;
    for (uint32_t tt : p.self_and_attributes(st.target.context->type)) {
      auto [lo, hi] = p.allows_on(st.cls, tt);
      for (const sel::AllowRule* r = lo; r != hi; ++r) {
        if (r->condition == sel::kNone || !(r->permissions & st.decision.missing()) ||
            !p.has_attribute(src.type, r->source))
          continue;
        for (const auto& n : p.conditions[r->condition].expr) {
          if (n.op == sel::CondNode::Op::Bool) candidates.insert(n.boolean);
        }
      }
    }
  }
  for (uint32_t b : candidates) {
    sel::HostView changed = view;
    bool now = view.booleans()[b];
    changed.set_boolean(b, !now);
    if (still_fine(changed)) {
      return fmt::format("setsebool -P {} {}   (verified: {} can then {} {}; no declared access is lost)",
                         p.booleans[b].name, now ? "off" : "on", who.name, core::operation_name(op), path);
    }
  }
  // 2. a local module: the missing permissions for the subject's type alone,
  // step by step until the evaluator grants (at most a few rounds).
  auto changed_policy = std::make_shared<sel::CompiledPolicy>(p);
  std::vector<std::string> rules;
  core::Policy model = policy;
  for (auto& f : model.selinux) {
    if (f.host == host && f.policy) f.policy = changed_policy;
  }
  for (int round = 0; round < 6; ++round) {
    changed_policy->index();
    std::optional<sel::HostView> changed = sel::HostView::build(model, host);
    if (!changed) return {};
    for (uint32_t b = 0; b < view.booleans().size(); ++b) changed->set_boolean(b, view.booleans()[b]);
    sel::SelinuxDecision d = sel::decide_selinux(tree, *changed, sc, op, path, ov);
    if (!d.known) return {};
    if (d.granted) {
      if (rules.empty() || !still_fine(*changed)) return {};
      return fmt::format("a local policy module with {}   (verified: {} can then {} {}; only {} gains)",
                         fmt::join(rules, " "), who.name, core::operation_name(op), path,
                         p.types[sc.context->type].name);
    }
    bool added = false;
    for (const auto& st : d.steps) {
      if (st.unknown || st.decision.granted() || !st.target.context || st.cls == 0) continue;
      // A constraint or the role check: no allow rule helps.
      if ((st.decision.te_allowed & st.decision.requested) == st.decision.requested) return {};
      const sel::Context& src = st.source ? *st.source : *sc.context;
      sel::AllowRule r;
      r.source = src.type;
      r.target = st.target.context->type;
      r.cls = st.cls;
      r.permissions = st.decision.requested & ~st.decision.te_allowed;
      changed_policy->allows.push_back(r);
      rules.push_back(fmt::format("`{}`", changed_policy->rule_text(r)));
      added = true;
    }
    if (!added) return {};
  }
  return {};
}

std::string layers_note(const Layers& l) {
  if (l.dac.empty()) return {};
  auto head = [](const std::string& s) { return s.substr(0, s.find(':')); };
  return fmt::format(" [DAC {}, SELinux {}]", head(l.dac), head(l.selinux));
}

}  // namespace

ConflictReport find_conflicts(const core::Policy& policy, std::optional<core::HostId> only_host) {
  ConflictReport report;
  std::vector<core::Finding>& findings = report.findings;
  for (size_t h = 0; h < policy.hosts.size(); ++h) {
    core::HostId host{uint32_t(h)};
    if (only_host && *only_host != host) continue;
    core::FileTree tree(policy, host);
    std::optional<core::selinux::HostView> view = core::selinux::HostView::build(policy, host);
    const core::selinux::HostView* sv = view ? &*view : nullptr;
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
    // The node a creation produces: DAC's owner and mode, and on an SELinux
    // host the label the kernel computes for it.
    auto make_created = [&](const Credentials& who, const std::string& p, const std::vector<FileNode>& ov) {
      FileNode n = core::created_node(tree, who, p, core::FileType::Regular, ov);
      if (sv) n.selinux_label = core::selinux::created_label(*sv, tree, who, p, ov);
      return n;
    };
    for (const auto& a : accesses) {
      if (a.access.operation != Operation::Create) continue;
      for (const auto& p : tree.expand(a.access.path)) {
        if (tree.find(p)) continue;  // exists: creating it just opens it
        created.push_back(Created{&a, make_created(a.credentials, p, {})});
      }
    }
    auto all_still_allowed = [&](const Credentials& who, const core::Service& svc,
                                 const std::vector<FileNode>& ov) {
      for (const auto& a : svc.accesses) {
        for (const auto& p : tree.expand(a.path)) {
          if (!core::decide_file_access(tree, sv, who, a.operation, p, ov).granted) return false;
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
        auto b = who_can(tree, sv, subjects, op, path, before);
        auto a = who_can(tree, sv, subjects, op, path, after);
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
          core::AccessDecision d = core::decide_file_access(tree, sv, a.credentials, Operation::Create, p);
          if (d.granted) continue;
          core::Finding f;
          f.rule_id = d.unknown ? "access-unknown" : "access-denied";
          f.severity = d.unknown ? core::Severity::Warning : core::Severity::Error;
          f.unknown = d.unknown;
          f.message =
              d.unknown
                  ? fmt::format("unknown whether {} can create {}: {}", subject_name(policy, a), p,
                                d.unknown_reason)
                  : fmt::format("{} cannot create {}: {} ({}){}", subject_name(policy, a), p,
                                d.decisive.detail, core::errno_name(d.error),
                                layers_note(layers(tree, sv, a.credentials, Operation::Create, p, {}, d)));
          f.origin = a.access.origin;
          f.access = witness(a.credentials, Operation::Create, p, d);
          if (sv && d.dac_granted && d.selinux == false) {
            f.fix = selinux_fix(policy, host, tree, *sv, a.credentials, Operation::Create, p, {}, accesses);
          }
          findings.push_back(std::move(f));
        }
        continue;
      }
      std::vector<std::string> paths = tree.expand(a.access.path);
      for (const auto& p : paths) {
        bool made_by_other =
            std::any_of(created.begin(), created.end(), [&](const Created& c) { return c.node.path == p; });
        if (made_by_other) continue;  // judged against the created file below
        core::AccessDecision d = core::decide_file_access(tree, sv, a.credentials, a.access.operation, p);
        if (d.granted) continue;
        core::Finding f;
        f.rule_id = d.unknown ? "access-unknown" : "access-denied";
        f.severity = d.unknown ? core::Severity::Warning : core::Severity::Error;
        f.unknown = d.unknown;
        f.message =
            d.unknown
                ? fmt::format("unknown whether {} can {} {}: {}", subject_name(policy, a),
                              core::operation_name(a.access.operation), p, d.unknown_reason)
                : fmt::format("{} cannot {} {}: {} ({}){}", subject_name(policy, a),
                              core::operation_name(a.access.operation), p, d.decisive.detail,
                              core::errno_name(d.error),
                              layers_note(layers(tree, sv, a.credentials, a.access.operation, p, {}, d)));
        f.origin = a.access.origin;
        f.access = witness(a.credentials, a.access.operation, p, d);
        // A fix on the node that denied: its group gains the bits, or an ACL entry for the user.
        const FileNode* denying = tree.find(d.decisive.path);
        if (denying && (d.decisive.kind == "mode-bits" || d.decisive.kind == "acl-entry" ||
                        d.decisive.kind == "acl-mask")) {
          bool on_parent = d.decisive.path != p;
          uint8_t bits = on_parent ? uint8_t(d.decisive.path == core::parent_path(p) &&
                                                     (a.access.operation == Operation::Delete)
                                                 ? 3
                                                 : 1)
                                   : needed_bits(a.access.operation, false);
          std::string user = user_name(policy, host, a.credentials.uid);
          FileNode acl_fix = *denying;
          if (acl_fix.access_acl.empty()) {
            acl_fix.access_acl.entries = {
                {core::AclEntry::Tag::UserObj, core::kNoId, uint8_t((acl_fix.mode >> 6) & 7)},
                {core::AclEntry::Tag::GroupObj, core::kNoId, uint8_t((acl_fix.mode >> 3) & 7)},
                {core::AclEntry::Tag::Other, core::kNoId, uint8_t(acl_fix.mode & 7)}};
          }
          auto& entries = acl_fix.access_acl.entries;
          entries.erase(std::remove_if(entries.begin(), entries.end(),
                                       [&](const core::AclEntry& e) {
                                         return e.tag == core::AclEntry::Tag::Mask ||
                                                (e.tag == core::AclEntry::Tag::User &&
                                                 e.qualifier == a.credentials.uid);
                                       }),
                        entries.end());
          uint8_t mask = bits;
          for (const auto& e : entries) {
            if (e.tag == core::AclEntry::Tag::GroupObj || e.tag == core::AclEntry::Tag::Group ||
                e.tag == core::AclEntry::Tag::User) {
              mask |= e.perms;
            }
          }
          auto other = std::find_if(entries.begin(), entries.end(), [](const core::AclEntry& e) {
            return e.tag == core::AclEntry::Tag::Other;
          });
          auto group_end = std::find_if(entries.begin(), entries.end(), [](const core::AclEntry& e) {
            return e.tag == core::AclEntry::Tag::GroupObj;
          });
          entries.insert(group_end, core::AclEntry{core::AclEntry::Tag::User, a.credentials.uid, bits});
          other = std::find_if(entries.begin(), entries.end(),
                               [](const core::AclEntry& e) { return e.tag == core::AclEntry::Tag::Other; });
          entries.insert(other, core::AclEntry{core::AclEntry::Tag::Mask, core::kNoId, mask});
          acl_fix.mode = uint16_t((acl_fix.mode & ~070) | (uint16_t(mask) << 3));
          std::vector<FileNode> ov{acl_fix};
          std::string gained;
          if (core::decide_file_access(tree, sv, a.credentials, a.access.operation, p, ov).granted &&
              least_privilege(d.decisive.path, {}, ov, {a.credentials.uid}, gained)) {
            f.fix =
                fmt::format("setfacl -m u:{}:{} {}   (verified: {} can then {} {}; nobody else gains access)",
                            user, perms_text(bits), d.decisive.path, a.service->name,
                            core::operation_name(a.access.operation), p);
          }
        }
        if (f.fix.empty() && sv && d.dac_granted && d.selinux == false) {
          f.fix = selinux_fix(policy, host, tree, *sv, a.credentials, a.access.operation, p, {}, accesses);
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
        core::AccessDecision d =
            core::decide_file_access(tree, sv, b.credentials, b.access.operation, c.node.path, ov);
        if (d.granted) continue;
        if (!c.creator->credentials.identity_known && !d.unknown) {
          // Owned by nobody it was denied; its real owner is not known, and
          // may be the one who needs it: neither granted nor denied.
          core::Finding f;
          f.rule_id = "access-unknown";
          f.severity = core::Severity::Warning;
          f.unknown = true;
          f.message = fmt::format(
              "unknown whether {} can {} {}: {} creates it, and the uid and gid it runs with "
              "are not known",
              subject_name(policy, b), core::operation_name(b.access.operation), c.node.path,
              subject_name(policy, *c.creator));
          f.origin = b.access.origin;
          f.related.push_back(
              {c.creator->access.origin, fmt::format("{} creates it here", c.creator->service->name)});
          findings.push_back(std::move(f));
          continue;
        }
        core::Finding f;
        f.rule_id = d.unknown ? "access-unknown" : "ownership-drift";
        f.severity = d.unknown ? core::Severity::Warning : core::Severity::Error;
        f.unknown = d.unknown;
        f.message = fmt::format(
            "{} creates {} as {}:{} {}; {} then cannot {} it: {} ({})", subject_name(policy, *c.creator),
            c.node.path, user_name(policy, host, c.node.uid), group_name(policy, host, c.node.gid),
            core::mode_string(c.node.mode, c.node.type), subject_name(policy, b),
            core::operation_name(b.access.operation), d.unknown ? d.unknown_reason : d.decisive.detail,
            d.unknown ? "unknown" : core::errno_name(d.error));
        f.message += layers_note(layers(tree, sv, b.credentials, b.access.operation, c.node.path, ov, d));
        f.origin = b.access.origin;
        f.related.push_back(
            {c.creator->access.origin, fmt::format("{} creates it here", c.creator->service->name)});
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
          FileNode n = make_created(as, c.node.path, {});
          if (all_still_allowed(as, *c.creator->service, {n}) &&
              core::decide_file_access(tree, sv, b.credentials, b.access.operation, n.path, {n}).granted) {
            candidates.push_back(
                Fix{fmt::format("run {} as {} (user={}): it creates {} as {}:{} {}", c.creator->service->name,
                                user_name(policy, host, as.uid), user_name(policy, host, as.uid), n.path,
                                user_name(policy, host, n.uid), group_name(policy, host, n.gid),
                                core::mode_string(n.mode, n.type)),
                    {n},
                    as});
          }
        }
        // b. A setgid directory of the reader's group, and umask 002 for the creator.
        if (dir) {
          FileNode d2 = *dir;
          d2.gid = b.credentials.gid;
          d2.mode = uint16_t(d2.mode | 02000 | 0010);
          Credentials creator = c.creator->credentials;
          creator.umask = 002;
          FileNode n = make_created(creator, c.node.path, {d2});
          if (core::decide_file_access(tree, sv, creator, Operation::Create, c.node.path, {d2}).granted &&
              core::decide_file_access(tree, sv, b.credentials, b.access.operation, n.path, {d2, n})
                  .granted) {
            candidates.push_back(
                Fix{fmt::format("chgrp {0} {1} && chmod g+s {1}, and give {2} umask 002: it creates {3} as "
                                "{4}:{5} {6}",
                                group_name(policy, host, b.credentials.gid), parent, c.creator->service->name,
                                n.path, user_name(policy, host, n.uid), group_name(policy, host, n.gid),
                                core::mode_string(n.mode, n.type)),
                    {d2, n},
                    creator});
          }
        }
        // c. A default ACL on the directory for the reader's user.
        if (dir) {
          FileNode d3 = *dir;
          uint8_t bits = needed_bits(b.access.operation, false);
          d3.default_acl.entries = {
              {core::AclEntry::Tag::UserObj, core::kNoId, uint8_t((dir->mode >> 6) & 7)},
              {core::AclEntry::Tag::User, b.credentials.uid, bits},
              {core::AclEntry::Tag::GroupObj, core::kNoId, uint8_t((dir->mode >> 3) & 7)},
              {core::AclEntry::Tag::Mask, core::kNoId, uint8_t(bits | ((dir->mode >> 3) & 7))},
              {core::AclEntry::Tag::Other, core::kNoId, uint8_t(dir->mode & 7)}};
          FileNode n = make_created(c.creator->credentials, c.node.path, {d3});
          if (core::decide_file_access(tree, sv, b.credentials, b.access.operation, n.path, {d3, n})
                  .granted) {
            candidates.push_back(
                Fix{fmt::format("setfacl -d -m u:{}:{} {}: {} inherits the entry when {} creates it",
                                user_name(policy, host, b.credentials.uid), perms_text(bits), parent, n.path,
                                c.creator->service->name),
                    {d3, n},
                    std::nullopt});
          }
        }
        // Keep the first fix that gives nobody else access (least privilege).
        for (const auto& fix : candidates) {
          std::string gained;
          if (!least_privilege(c.node.path, {c.node}, fix.overrides, involved, gained)) continue;
          if (!least_privilege(parent, {}, fix.overrides, involved, gained)) continue;
          f.fix = fix.text + fmt::format(" (verified: {} can then {} it; nobody else gains access)",
                                         b.service->name, core::operation_name(b.access.operation));
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
          rr.created_as = fmt::format(
              "{}:{} {}{} (created by {})", user_name(policy, host, c.node.uid),
              group_name(policy, host, c.node.gid), core::mode_string(c.node.mode, c.node.type),
              c.node.selinux_label.empty() ? "" : " " + c.node.selinux_label, c.creator->service->name);
        }
      }
      for (const auto& a : accesses) {
        auto paths = tree.expand(a.access.path);
        if (std::find(paths.begin(), paths.end(), path) == paths.end()) continue;
        bool creates_it = a.access.operation == Operation::Create && !ov.empty() && ov[0].path == path;
        core::AccessDecision d = core::decide_file_access(tree, sv, a.credentials, a.access.operation, path,
                                                          creates_it ? std::vector<FileNode>{} : ov);
        core::ResourceAccess ra;
        ra.service = a.service->name;
        ra.run_as = fmt::format("{}:{}", user_name(policy, host, a.credentials.uid),
                                group_name(policy, host, a.credentials.gid));
        ra.operation = core::operation_name(a.access.operation);
        ra.granted = d.granted;
        ra.unknown = d.unknown;
        ra.why = d.unknown
                     ? d.unknown_reason
                     : d.decisive.detail + (d.granted ? "" : fmt::format(" ({})", core::errno_name(d.error)));
        ra.origin = a.access.origin;
        Layers l = layers(tree, sv, a.credentials, a.access.operation, path,
                          creates_it ? std::vector<FileNode>{} : ov, d);
        ra.dac = l.dac;
        ra.selinux = l.selinux;
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
