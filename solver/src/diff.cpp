#include "rampart/solver/diff.h"

#include <fmt/format.h>
#include <z3++.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "encoder.h"
#include "rampart/core/dac.h"
#include "rampart/core/evaluator.h"
#include "rampart/core/regions.h"
#include "rampart/core/selinux_eval.h"
#include "set_engine.h"

namespace rampart::solver {
namespace {

bool gated(const DiffOptions& o, Gate g) {
  return std::find(o.fail_on.begin(), o.fail_on.end(), g) != o.fail_on.end() ||
         std::find(o.fail_on.begin(), o.fail_on.end(), Gate::AnyChange) != o.fail_on.end();
}

core::NetworkQuestion all_traffic_to(core::HostId host) {
  core::NetworkQuestion q;
  q.claim = core::NetworkClaim::QueryReach;
  q.source.addresses = core::AddressSet::any();
  q.destination.host = host;
  q.services = core::ServiceSet::any();
  return q;
}

std::vector<Dim> universe_of(core::Family f) {
  Dim addresses = f == core::Family::V4 ? Dim::range(0, 0xffffffffu) : Dim::all();
  return {
      addresses,          addresses,         Dim::range(0, 255), Dim::range(0, 65535), Dim::range(0, 65535),
      Dim::range(0, 255), Dim::range(0, 255)};
}

BoxSet rehome(const BoxSet& s, const std::vector<Dim>* universe) {
  BoxSet out(universe);
  for (const auto& b : s.boxes()) {
    std::vector<Dim> d;
    for (size_t i = 0; i < dim::kFields; ++i) d.push_back(b.at(i, s.universe()));
    out.add_disjoint(BoxSet::of(Box(std::move(d)), universe));
  }
  return out;
}

// One side's admitted traffic to a host, per family, in shared universes.
struct Side {
  const core::Policy* policy = nullptr;
  std::optional<core::HostId> host;
  std::optional<core::QuestionSpace> space;
  std::vector<FamilyFields> fields;
  bool atoms = false;
};

Side side(const core::Policy& policy, const std::string& host_name) {
  Side s;
  s.policy = &policy;
  s.host = policy.find_host(host_name);
  if (!s.host) return s;
  s.space = core::question_space(policy, all_traffic_to(*s.host), false);
  s.fields = admitted_fields(policy, *s.space);
  for (const auto& f : s.fields) s.atoms |= f.atoms;
  return s;
}

struct Change {
  // Per family, in the family's shared universe.
  std::vector<std::pair<core::Family, BoxSet>> must, may;
  bool empty() const {
    for (const auto& [f, s] : may) {
      if (!s.empty()) return false;
    }
    return true;
  }
  bool must_empty() const {
    for (const auto& [f, s] : must) {
      if (!s.empty()) return false;
    }
    return true;
  }
};

ExactSet merge(std::vector<ExactSet> parts) {
  ExactSet out;
  for (auto& p : parts) {
    out.must.insert(out.must.end(), p.must.begin(), p.must.end());
    out.may.insert(out.may.end(), p.may.begin(), p.may.end());
    out.must_pieces.insert(out.must_pieces.end(), p.must_pieces.begin(), p.must_pieces.end());
    out.may_pieces.insert(out.may_pieces.end(), p.may_pieces.begin(), p.may_pieces.end());
  }
  return out;
}

// Answer boxes of a change (for rendering): must and may.
ExactSet answer_of(const Change& c) {
  std::vector<ExactSet> must_parts, may_parts;
  for (const auto& [f, s] : c.must) must_parts.push_back(exact_from_fields(f, s));
  for (const auto& [f, s] : c.may) may_parts.push_back(exact_from_fields(f, s));
  ExactSet must = merge(std::move(must_parts));
  ExactSet may = merge(std::move(may_parts));
  ExactSet out;
  out.must = must.must;
  out.may = may.may;
  out.must_pieces = must.must_pieces;
  out.may_pieces = may.may_pieces;
  return out;
}

class NetworkDiff {
 public:
  NetworkDiff(const core::Policy& before, const core::Policy& after, const DiffOptions& options,
              core::Report& report)
      : before_(before), after_(after), options_(options), report_(report) {}

  // Returns whether the host's traffic changed (and whether that was proved).
  // The box computations are bounded as the exact set engine's are; past
  // the bound the host's change is not known (gave_up says why).
  bool host(const std::string& name, bool& certified) {
    BoxBudget budget;
    budget.max_cells = SetEngine::kMaxCells;
    if (options_.limits.timeout_ms)
      budget.deadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.limits.timeout_ms);
    BoxBudgetScope scope(budget);
    try {
      return host_within_budget(name, certified);
    } catch (const BoxBudgetExceeded& e) {
      certified = false;
      if (gave_up.empty()) gave_up = fmt::format("host `{}`: {}", name, e.what());
      return false;
    }
  }

 private:
  bool host_within_budget(const std::string& name, bool& certified) {
    Side b = side(before_, name), a = side(after_, name);
    std::vector<std::unique_ptr<std::vector<Dim>>> universes;
    Change added, removed;
    for (core::Family f : {core::Family::V4, core::Family::V6}) {
      universes.push_back(std::make_unique<std::vector<Dim>>(universe_of(f)));
      const std::vector<Dim>* u = universes.back().get();
      auto pick = [&](const Side& s, bool must) {
        for (const auto& ff : s.fields) {
          if (ff.family == f) return rehome(must ? ff.must : ff.may, u);
        }
        return BoxSet(u);
      };
      BoxSet must_a = pick(a, true), may_a = pick(a, false), must_b = pick(b, true), may_b = pick(b, false);
      BoxSet am = must_a.subtract(may_b), ay = may_a.subtract(must_b);
      BoxSet rm = must_b.subtract(may_a), ry = may_b.subtract(must_a);
      for (auto* s : {&am, &ay, &rm, &ry}) s->coalesce();
      added.must.emplace_back(f, am);
      added.may.emplace_back(f, ay);
      removed.must.emplace_back(f, rm);
      removed.may.emplace_back(f, ry);
    }
    bool exact = !a.atoms && !b.atoms;
    certified = exact;
    bool changed = false;
    if (!added.empty()) {
      changed = true;
      report(name, a, b, added, true, exact, certified);
    }
    if (!removed.empty()) {
      changed = true;
      report(name, b, a, removed, false, exact, certified);
    }
    if (!changed && exact) certified = prove_equal(a, b);
    return changed;
  }

  // Proves with Z3 that `to` admits nothing `from` does not (no atoms).
  bool certify(const Side& to, const Side& from, const ExactSet& reported) {
    z3::context ctx;
    Statistics stats;
    PacketTerms p = PacketTerms::fresh(ctx, "diff");
    Encoder et(ctx, *to.policy, stats), ef(ctx, *from.policy, stats);
    z3::expr in_to = to.space ? et.in_space(p, *to.space) : ctx.bool_val(false);
    z3::expr adm_to = to.space
                          ? et.admitted(to.space->path, p, forward_bounds(*to.space), reply_bounds(*to.space))
                          : ctx.bool_val(false);
    z3::expr in_from = from.space ? ef.in_space(p, *from.space) : ctx.bool_val(false);
    z3::expr adm_from =
        from.space ? ef.admitted(from.space->path, p, forward_bounds(*from.space), reply_bounds(*from.space))
                   : ctx.bool_val(false);
    z3::expr changed = in_to && adm_to && !(in_from && adm_from);
    Certifier cert(ctx, et, ef, p, et.well_formed(p), changed, options_.limits, stats);
    Certification c = cert.certify(reported);
    if (!c.certified && !c.unknown) core::internal_error("diff failed certification: " + c.reason);
    return c.certified;
  }

  bool prove_equal(const Side& a, const Side& b) {
    ExactSet nothing;
    return certify(a, b, nothing) && certify(b, a, nothing);
  }

  // Replays the lowest changed packet on both sides.
  void witness(core::Finding& f, const Side& to, const Side& from, const Change& c) {
    std::optional<Witness> w;
    bool certain = false;
    for (const auto& [fam, s] : c.must) {
      if (!w) {
        w = lowest_packet(s, fam);
        certain = w.has_value();
      }
    }
    for (const auto& [fam, s] : c.may) {
      if (!w) w = lowest_packet(s, fam);
    }
    if (!w) return;
    auto evaluate = [&](const Side& s) -> std::vector<core::Evaluation> {
      core::NetworkPath path;
      if (s.space) {
        path = s.space->path;
      } else {
        return {};
      }
      return core::evaluate_all(*s.policy, path, w->packet);
    };
    auto to_evals = evaluate(to), from_evals = evaluate(from);
    auto admitted = [](const std::vector<core::Evaluation>& e, bool all) {
      if (e.empty()) return false;
      bool any = false, every = true;
      for (const auto& ev : e) {
        any |= ev.outcome.admitted;
        every &= ev.outcome.admitted;
      }
      return all ? every : any;
    };
    bool ok = certain ? admitted(to_evals, true) && !admitted(from_evals, false)
                      : admitted(to_evals, false) && (from_evals.empty() || !admitted(from_evals, true));
    if (!ok) core::internal_error(fmt::format("diff witness {} failed replay", w->packet.to_string()));
    f.network = core::describe(*to.policy, to_evals.front().outcome, to_evals.front().valuation);
    if (!from_evals.empty())
      f.baseline = core::describe(*from.policy, from_evals.front().outcome, from_evals.front().valuation);
  }

  void report(const std::string& host, const Side& to, const Side& from, const Change& c, bool added,
              bool exact, bool& certified) {
    ExactSet set = answer_of(c);
    if (exact) certified &= certify(to, from, set);
    core::Finding f;
    f.rule_id = added ? "newly-admitted" : "newly-blocked";
    bool gate = gated(options_, Gate::AnyChange);
    f.severity = gate ? core::Severity::Error : core::Severity::Warning;
    core::QuestionSpace space = to.space ? *to.space : *from.space;
    f.set = to_answer(set, space);
    f.set->certified = exact && certified;
    f.message = fmt::format("{}: the change {} traffic{}", host, added ? "newly admits" : "newly blocks",
                            c.must_empty() ? " (only for some values of unknown conditions)" : "");
    const core::Policy& anchor = to.host ? *to.policy : *from.policy;
    core::HostId hid = to.host ? *to.host : *from.host;
    f.origin = anchor.host(hid).origin;
    witness(f, to, from, c);
    report_.findings.push_back(f);
    if (added) exposure(host, c, f);
  }

  // Newly admitted traffic from a zone the new policy marks untrusted.
  void exposure(const std::string& host, const Change& added, const core::Finding& base) {
    core::AddressSet untrusted;
    std::vector<std::string> zones;
    for (const auto& z : after_.zones) {
      if (z.untrusted) {
        untrusted = untrusted.unite(z.addresses);
        zones.push_back(z.name);
      }
    }
    if (untrusted.empty()) return;
    Change c;
    std::vector<std::unique_ptr<std::vector<Dim>>> keep;
    for (const auto* list : {&added.must, &added.may}) {
      for (const auto& [fam, s] : *list) {
        Dim src = fam == core::Family::V4 ? Dim() : Dim(untrusted.v6());
        if (fam == core::Family::V4) {
          for (const auto& iv : untrusted.v4().intervals()) src.add(iv.lo, iv.hi);
        }
        Box b;
        b.set(dim::kSrc, src, s.universe());
        BoxSet exposed = s.intersect(BoxSet::of(b, &s.universe()));
        (list == &added.must ? c.must : c.may).emplace_back(fam, exposed);
      }
    }
    if (c.empty()) return;
    core::Finding f = base;
    f.rule_id = "new-exposure";
    bool certain = !c.must_empty();
    f.severity =
        gated(options_, Gate::NewExposure) && certain ? core::Severity::Error : core::Severity::Warning;
    f.message = fmt::format("{}: the change newly admits traffic from untrusted zone{} {}{}", host,
                            zones.size() == 1 ? "" : "s", fmt::join(zones, ", "),
                            certain ? "" : " (only for some values of unknown conditions)");
    ExactSet set = answer_of(c);
    core::QuestionSpace space = *side(after_, host).space;
    f.set = to_answer(set, space);
    f.set->certified = base.set && base.set->certified;
    report_.findings.push_back(f);
    if (!certain && gated(options_, Gate::NewExposure)) unknown_gate = true;
  }

 public:
  bool unknown_gate = false;
  std::string gave_up;  // the first host whose admitted traffic was not computed, and why

 private:
  const core::Policy& before_;
  const core::Policy& after_;
  const DiffOptions& options_;
  core::Report& report_;
};

// Newly granted and revoked accesses of subjects present on both sides,
// decided as the kernel would on each side: DAC, and SELinux on a host with
// a compiled policy (so boolean, mode, label, domain and policy changes
// count through the accesses they change). An access whose decision is
// unknown on one side and differs from the other side's is no finding but
// keeps equivalence from being proved (`certain` cleared).
bool access_diff(const core::Policy& before, const core::Policy& after, const DiffOptions& options,
                 core::Report& report, bool& certain) {
  bool changed = false;
  for (const auto& ha : after.hosts) {
    auto hb_id = before.find_host(ha.name);
    auto ha_id = after.find_host(ha.name);
    if (!hb_id) continue;
    core::FileTree ta(after, *ha_id), tb(before, *hb_id);
    std::optional<core::selinux::HostView> va = core::selinux::HostView::build(after, *ha_id);
    std::optional<core::selinux::HostView> vb = core::selinux::HostView::build(before, *hb_id);
    std::set<std::string> paths;
    for (const auto& p : ta.paths()) paths.insert(p);
    for (const auto& p : tb.paths()) paths.insert(p);
    struct Subject {
      std::string key;
      core::Credentials a, b;
    };
    std::vector<Subject> subjects;
    core::GroupMemberships members_after(after, *ha_id), members_before(before, *hb_id);
    for (const auto& u : after.users) {
      if (u.host != *ha_id) continue;
      if (auto ub = before.find_user(u.name, *hb_id)) {
        subjects.push_back(Subject{"user " + u.name, members_after.credentials_of(u),
                                   members_before.credentials_of(before.user(*ub))});
      }
    }
    for (const auto& s : after.services) {
      if (s.host != *ha_id) continue;
      if (auto sb = before.find_service(s.name, *hb_id)) {
        subjects.push_back(Subject{"service " + s.name, core::credentials_of(after, s),
                                   core::credentials_of(before, before.service(*sb))});
      }
    }
    for (const auto& path : paths) {
      const core::FileNode* na = ta.find(path);
      const core::FileNode* nb = tb.find(path);
      const core::FileNode* n = na ? na : nb;
      std::vector<core::Operation> ops;
      switch (n->type) {
        case core::FileType::Directory:
          ops = {core::Operation::List, core::Operation::Search, core::Operation::Delete};
          break;
        case core::FileType::Socket: ops = {core::Operation::Connect, core::Operation::Delete}; break;
        default:
          ops = {core::Operation::Read, core::Operation::Write, core::Operation::Append,
                 core::Operation::Execute, core::Operation::Delete};
      }
      for (const auto& s : subjects) {
        for (core::Operation op : ops) {
          core::AccessDecision da = core::decide_file_access(ta, va ? &*va : nullptr, s.a, op, path);
          core::AccessDecision db = core::decide_file_access(tb, vb ? &*vb : nullptr, s.b, op, path);
          if (da.granted == db.granted && da.unknown == db.unknown) continue;
          if (da.unknown || db.unknown) {
            certain = false;
            continue;
          }
          changed = true;
          core::Finding f;
          f.rule_id = da.granted ? "newly-granted" : "revoked";
          f.severity = gated(options, Gate::AnyChange) ? core::Severity::Error : core::Severity::Warning;
          f.message =
              fmt::format("{}: {} {} {} {}: {}", ha.name, s.key, da.granted ? "can now" : "can no longer",
                          core::operation_name(op), path, (da.granted ? da : db).decisive.detail);
          f.origin = (na ? na->origin : nb->origin);
          auto witness = [&](const core::Credentials& c, const core::AccessDecision& d) {
            core::AccessWitness w;
            w.subject = c.info();
            w.operation = op;
            w.path = path;
            w.granted = d.granted;
            w.decisive = d.decisive;
            w.checks = d.checks;
            return w;
          };
          f.access = witness(s.a, da);
          f.access_baseline = witness(s.b, db);
          report.findings.push_back(std::move(f));
        }
      }
    }
  }
  return changed;
}

// Assertions matched by their text.
bool assert_diff(const core::Policy& before, const core::Policy& after, const DiffOptions& options,
                 core::Report& report) {
  Session sa(after, options.limits), sb(before, options.limits);
  std::map<std::string, core::Verdict> old_verdicts;
  for (const auto& q : before.questions) {
    if (!q.is_query) old_verdicts[q.text] = sb.answer(q).verdict;
  }
  bool changed = false;
  for (const auto& q : after.questions) {
    if (q.is_query) continue;
    core::Result r = sa.answer(q);
    auto it = old_verdicts.find(q.text);
    bool held = it != old_verdicts.end() && it->second == core::Verdict::Holds;
    bool holds = r.verdict == core::Verdict::Holds;
    if (held == holds && it != old_verdicts.end()) continue;
    if (it == old_verdicts.end() && holds) continue;  // a new assertion that holds changes nothing
    changed = true;
    core::Finding f;
    f.rule_id = holds ? "assert-fixed" : "assert-broken";
    f.severity = !holds && gated(options, Gate::BrokenAssert)
                     ? core::Severity::Error
                     : (holds ? core::Severity::Note : core::Severity::Warning);
    f.message = fmt::format(
        "`{}` {}: {}", q.text,
        holds ? "now holds" : (it == old_verdicts.end() ? "is new and does not hold" : "no longer holds"),
        r.reason);
    f.origin = q.origin;
    f.network = r.network;
    f.access = r.access;
    report.findings.push_back(std::move(f));
  }
  return changed;
}

}  // namespace

void diff(const core::Policy& before, const core::Policy& after, const DiffOptions& options,
          core::Report& report) {
  std::set<std::string> hosts;
  for (const auto& h : before.hosts) hosts.insert(h.name);
  for (const auto& h : after.hosts) hosts.insert(h.name);
  NetworkDiff net(before, after, options, report);
  bool changed = false, certified = true;
  for (const auto& name : hosts) {
    bool host_certified = true;
    changed |= net.host(name, host_certified);
    certified &= host_certified;
  }
  changed |= access_diff(before, after, options, report, certified);
  bool asserts_changed = assert_diff(before, after, options, report);
  core::Result r;
  r.text = "semantic equivalence";
  r.kind = "equivalent";
  r.is_query = true;
  if (!changed && !asserts_changed) {
    r.verdict = certified ? core::Verdict::Holds : core::Verdict::Unknown;
    r.reason =
        certified
            ? "equivalent, proved: every host admits exactly the same traffic (certified by the solver) "
              "and every user and service keeps exactly the same file accesses"
            : "no difference found, but unknown conditions (a packet's, or an SELinux decision "
              "rampart cannot make) keep equivalence from being proved";
  } else {
    r.verdict = core::Verdict::Violated;
    r.reason = "not equivalent: the change alters what is admitted or granted (the findings say what)";
  }
  if (net.unknown_gate) {
    r.verdict = core::Verdict::Unknown;
    r.reason = "a gated exposure depends on unknown conditions";
  }
  if (!net.gave_up.empty()) {
    r.verdict = core::Verdict::Unknown;
    r.reason = "the admitted traffic of a host was not computed, so its change is unknown: " + net.gave_up;
  }
  report.results.push_back(std::move(r));
}

}  // namespace rampart::solver
