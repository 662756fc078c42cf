#include "rampart/solver/session.h"

#include <fmt/format.h>
#include <z3++.h>

#include <optional>

#include "access_answers.h"
#include "encoder.h"
#include "rampart/core/dac.h"
#include "rampart/core/evaluator.h"
#include "rampart/core/regions.h"
#include "set_engine.h"

namespace rampart::solver {

std::string backend_version() {
  unsigned major = 0, minor = 0, build = 0, revision = 0;
  Z3_get_version(&major, &minor, &build, &revision);
  return fmt::format("Z3 {}.{}.{}", major, minor, build);
}

namespace {

// One question's encoding: its packet terms, its space and its admission.
struct Encoding {
  std::unique_ptr<Encoder> encoder;
  PacketTerms packet;
  core::QuestionSpace space;
  z3::expr in_space;
  z3::expr admitted;
};

struct Outcome {
  z3::check_result result = z3::unknown;
  std::string reason;  // why unknown
  std::optional<core::Packet> packet;
  core::Valuation valuation;
};

}  // namespace

struct Session::Impl {
  const core::Policy& policy;
  Limits limits;
  FaultInjection faults;
  Statistics stats;
  z3::context ctx;
  unsigned question_counter = 0;

  Impl(const core::Policy& p, Limits l, FaultInjection f) : policy(p), limits(l), faults(f) {}

  z3::solver make_solver() {
    z3::solver s(ctx);
    z3::params params(ctx);
    if (limits.timeout_ms) params.set("timeout", limits.timeout_ms);
    if (limits.rlimit) params.set("rlimit", unsigned(std::min<uint64_t>(limits.rlimit, 0xffffffffu)));
    s.set(params);
    return s;
  }

  std::optional<std::vector<core::ListenerId>> required_listeners;  // set while answering `answer_through`

  core::Result answer(const core::Question& question, std::vector<core::ListenerId> listeners) {
    required_listeners = std::move(listeners);
    core::Result r;
    try {
      r = answer(question);
    } catch (...) {
      required_listeners.reset();
      throw;
    }
    required_listeners.reset();
    return r;
  }

  Encoding encode(const core::NetworkQuestion& q, bool all_sources) {
    core::QuestionSpace space = core::question_space(policy, q, all_sources);
    if (required_listeners) space.path.required_listeners = required_listeners;
    auto enc = std::make_unique<Encoder>(ctx, policy, stats);
    PacketTerms p = PacketTerms::fresh(ctx, fmt::format("q{}", question_counter++));
    z3::expr in = enc->in_space(p, space);
    z3::expr adm = enc->admitted(space.path, p, forward_bounds(space), reply_bounds(space));
    return Encoding{std::move(enc), p, std::move(space), in, adm};
  }

  // `admitted` for every value of the unknown atoms (and the auxiliary
  // constants their definitions fix).
  z3::expr for_all_atoms(const Encoding& e, const z3::expr& body) {
    if (e.encoder->atoms().empty()) return body;
    z3::expr_vector bound(ctx);
    for (const auto& [key, a] : e.encoder->atoms()) bound.push_back(a);
    for (const auto& aux : e.encoder->auxiliaries()) bound.push_back(aux);
    z3::expr defs = e.encoder->definitions().empty() ? ctx.bool_val(true) : mk_and(e.encoder->definitions());
    return z3::forall(bound, z3::implies(defs, body));
  }

  z3::expr mk_and(const std::vector<z3::expr>& v) {
    z3::expr_vector ev(ctx);
    for (const auto& x : v) ev.push_back(x);
    return z3::mk_and(ev);
  }

  // Is there a packet of the space satisfying `goal`? Reads the solver's
  // witness and the atoms' values.
  Outcome find(const Encoding& e, const z3::expr& goal) {
    z3::solver s = make_solver();
    for (const auto& d : e.encoder->definitions()) s.add(d);
    s.add(e.in_space);
    s.add(goal);
    Outcome out;
    ++stats.solver_calls;
    out.result = s.check();
    if (out.result == z3::unknown) {
      out.reason = s.reason_unknown();
      return out;
    }
    if (out.result == z3::unsat) return out;
    z3::model m = s.get_model();
    out.packet = e.encoder->packet_of(m, e.packet);
    for (const auto& [key, a] : e.encoder->atoms()) out.valuation.set(key, m.eval(a, true).is_true());
    return out;
  }

  // Replays a witness through the concrete evaluator. `expect_all` checks
  // every valuation of the atoms; otherwise the witness's own valuation.
  // Returns the reason it failed, or nothing when the reference agrees.
  std::optional<std::string> replays(const core::NetworkPath& path, core::Packet packet,
                                     const core::Valuation& valuation, bool expect_admitted, bool expect_all,
                                     std::vector<core::Evaluation>& evaluations) {
    if (faults.mutate_witness) {
      packet.protocol = 253;  // RFC 3692 experimental: no listener, no rule of ours
      packet.src_port = packet.dst_port = 0;
      packet.icmp_type = packet.icmp_code = 0;
    }
    evaluations.clear();
    if (expect_all) {
      evaluations = core::evaluate_all(policy, path, packet);
      for (const auto& ev : evaluations) {
        if (ev.outcome.admitted != expect_admitted) {
          return fmt::format("witness {} failed replay: expected {} for every unknown, the evaluator says {}",
                             packet.to_string(), expect_admitted ? "admitted" : "denied",
                             ev.outcome.admitted ? "admitted" : "denied");
        }
      }
      return std::nullopt;
    }
    auto r = core::evaluate_path(policy, path, packet, valuation);
    if (auto* need = std::get_if<core::AtomNeeded>(&r)) {
      return fmt::format(
          "witness {} failed replay: the evaluator consults `{}`, which the witness does not value",
          packet.to_string(), need->key);
    }
    auto& outcome = std::get<core::PathOutcome>(r);
    if (outcome.admitted != expect_admitted) {
      return fmt::format("witness {} failed replay: expected {}, the evaluator says {}", packet.to_string(),
                         expect_admitted ? "admitted" : "denied", outcome.admitted ? "admitted" : "denied");
    }
    evaluations.push_back(core::Evaluation{valuation, outcome});
    return std::nullopt;
  }

  // The witness shown: the set engine's canonical one when it replays, else
  // the solver's own (which must replay, or rampart has a bug).
  void choose_witness(core::Result& r, const Encoding& e, const std::optional<Witness>& canonical,
                      const Outcome& solver, bool expect_admitted, bool expect_all, bool engine_complete) {
    std::vector<core::Evaluation> evals;
    if (canonical &&
        !replays(e.space.path, canonical->packet, canonical->valuation, expect_admitted, expect_all, evals)) {
      set_witness(r, e.space, pick(evals));
      return;
    }
    if (engine_complete) ++stats.engine_disagreements;
    if (!solver.packet) core::internal_error("no witness to show");
    if (auto failure =
            replays(e.space.path, *solver.packet, solver.valuation, expect_admitted, expect_all, evals)) {
      core::internal_error(*failure);
    }
    set_witness(r, e.space, pick(evals));
  }

  static const core::Evaluation& pick(const std::vector<core::Evaluation>& evals) {
    const core::Evaluation* shown = &evals.front();
    for (const auto& ev : evals) {
      if (ev.valuation.values.size() < shown->valuation.values.size()) shown = &ev;
    }
    return *shown;
  }

  void set_witness(core::Result& r, const core::QuestionSpace& space, const core::Evaluation& ev) {
    r.network = core::describe(policy, ev.outcome, ev.valuation);
    r.network->client_ports = space.client_ports;
  }

  static std::vector<std::string> atom_names(const Encoding& e) {
    std::vector<std::string> out;
    for (const auto& [k, a] : e.encoder->atoms()) out.push_back(k);
    return out;
  }

  void unknown(core::Result& r, const std::string& why) {
    r.verdict = core::Verdict::Unknown;
    r.reason = fmt::format("the solver gave up: {}", why.empty() ? "no reason given" : why);
  }

  // Exists a packet with `goal` admitted / denied, both ways over unknowns.
  core::Result existential(const core::Question& question, const core::NetworkQuestion& q, bool all_sources,
                           bool want_admitted, core::Verdict if_must, core::Verdict if_none,
                           const std::string& must_reason, const std::string& none_reason,
                           const std::string& may_reason) {
    core::Result r;
    r.text = question.text;
    r.kind = question.kind_name();
    r.is_query = question.is_query;
    r.origin = question.origin;
    Encoding e = encode(q, all_sources);
    z3::expr goal = want_admitted ? e.admitted : !e.admitted;
    Outcome may = find(e, goal);
    if (may.result == z3::unknown) {
      unknown(r, may.reason);
      return r;
    }
    // The engine's witnesses are preferred (they are canonical); when it
    // gives up, the solver's own packets are shown, replayed as always.
    SetEngine engine(policy, limits.timeout_ms);
    ExactSet sets = engine.admitted_set(e.space);
    const Witnesses& w = sets.witnesses;
    if (may.result == z3::unsat) {
      // The solver proves no such packet exists. Should the set engine hold
      // one that the reference evaluator confirms, the proof is wrong.
      const auto& contra = want_admitted ? w.may_admitted : w.may_denied;
      std::vector<core::Evaluation> evals;
      if (contra) {
        if (!replays(e.space.path, contra->packet, contra->valuation, want_admitted, false, evals)) {
          core::internal_error(fmt::format("the solver proved no packet is {}, but {} is",
                                           want_admitted ? "admitted" : "denied",
                                           contra->packet.to_string()));
        }
        ++stats.engine_disagreements;
      }
      r.verdict = if_none;
      r.reason = none_reason;
      if (want_admitted && if_none == core::Verdict::Violated && w.any) {
        // Show where a packet of the question stops.
        if (!replays(e.space.path, w.any->packet, {}, false, true, evals))
          set_witness(r, e.space, pick(evals));
      }
      return r;
    }
    Outcome must = may;
    if (!e.encoder->atoms().empty()) {
      must = find(e, for_all_atoms(e, goal));
      if (must.result == z3::unknown) {
        unknown(r, must.reason);
        return r;
      }
    }
    if (must.result == z3::sat) {
      choose_witness(r, e, want_admitted ? w.must_admitted : w.must_denied, must, want_admitted, true,
                     sets.incomplete.empty());
      r.verdict = if_must;
      r.reason = must_reason;
      return r;
    }
    choose_witness(r, e, want_admitted ? w.may_admitted : w.may_denied, may, want_admitted, false,
                   sets.incomplete.empty());
    r.verdict = core::Verdict::Unknown;
    r.reason = may_reason;
    r.unknowns = atom_names(e);
    return r;
  }

  core::Result answer(const core::Question& question) {
    if (const auto* a = std::get_if<core::AccessQuestion>(&question.body)) {
      return answer_access(ctx, policy, question, *a, limits, stats);
    }
    if (const auto* c = std::get_if<core::ConflictsQuestion>(&question.body))
      return no_conflicts(question, *c);
    const auto* q = std::get_if<core::NetworkQuestion>(&question.body);
    if (!q) core::internal_error("unhandled question kind");
    switch (q->claim) {
      case core::NetworkClaim::Reach:
        return existential(question, *q, false, true, core::Verdict::Holds, core::Verdict::Violated,
                           "this packet is admitted whatever the unknown conditions are",
                           "proved: no packet of the question is admitted",
                           "admitted only for some values of unknown conditions");
      case core::NetworkClaim::NotReach:
        return existential(question, *q, false, true, core::Verdict::Violated, core::Verdict::Holds,
                           "this packet is admitted", "proved: no packet of the question is admitted",
                           "admitted for some values of unknown conditions");
      case core::NetworkClaim::AllReach:
        return existential(question, *q, false, false, core::Verdict::Violated, core::Verdict::Holds,
                           "this packet is not admitted", "proved: every packet of the question is admitted",
                           "denied for some values of unknown conditions");
      case core::NetworkClaim::OnlyReach: {
        // Packets from outside the allowed sources must all be denied.
        core::NetworkQuestion outside = *q;
        outside.source.kind = core::Endpoint::Kind::Addresses;
        outside.source.addresses = q->source.addresses.complement();
        if (q->source.kind == core::Endpoint::Kind::Host) {
          outside.source.addresses = policy.host(q->source.host).addresses().complement();
        }
        return existential(question, outside, false, true, core::Verdict::Violated, core::Verdict::Holds,
                           "this packet from outside the allowed sources is admitted",
                           "proved: every admitted packet comes from the allowed sources",
                           "a packet from outside the allowed sources is admitted for some values of unknown "
                           "conditions");
      }
      case core::NetworkClaim::QueryReach: return exact_set(question, *q);
    }
    core::internal_error("unhandled question kind");
  }

  core::Result exact_set(const core::Question& question, const core::NetworkQuestion& q);

  core::Result no_conflicts(const core::Question& question, const core::ConflictsQuestion& c) {
    core::Result r;
    r.text = question.text;
    r.kind = question.kind_name();
    r.is_query = question.is_query;
    r.origin = question.origin;
    auto findings = find_conflicts(policy, c.host).findings;
    if (findings.empty()) {
      r.verdict = core::Verdict::Holds;
      r.reason =
          "proved: every declared access of every service is granted, including on files other services "
          "create";
      return r;
    }
    r.verdict = core::Verdict::Violated;
    r.reason = fmt::format("{} conflict{}; the first: {}{}", findings.size(), findings.size() == 1 ? "" : "s",
                           findings.front().message,
                           findings.front().fix.empty() ? "" : "\nfix: " + findings.front().fix);
    r.access = findings.front().access;
    return r;
  }
};

core::Result Session::Impl::exact_set(const core::Question& question, const core::NetworkQuestion& q) {
  core::Result r;
  r.text = question.text;
  r.kind = question.kind_name();
  r.is_query = question.is_query;
  r.origin = question.origin;
  Encoding e = encode(q, false);
  SetEngine engine(policy, limits.timeout_ms);
  ExactSet set = engine.admitted_set(e.space);
  if (!set.incomplete.empty()) {
    unknown(r, "the set of admitted packets was not computed: " + set.incomplete);
    return r;
  }
  stats.boxes += set.boxes;
  if (faults.corrupt_exact_set) corrupt(set);
  // Certification: the reported sets are exactly the admitted ones.
  Certifier cert(ctx, *e.encoder, e.packet, e.in_space, e.admitted, limits, stats);
  auto verdict = cert.certify(set);
  if (!verdict.certified) {
    if (verdict.unknown) {
      unknown(r, verdict.reason);
      return r;
    }
    core::internal_error("exact set failed certification: " + verdict.reason);
  }
  r.set = to_answer(set, e.space);
  r.set->certified = true;
  bool exact = r.set->must == r.set->may;
  r.verdict = exact ? core::Verdict::Holds : core::Verdict::Unknown;
  if (set.may.empty()) {
    r.reason = "proved: no packet of the question is admitted";
  } else if (exact) {
    r.reason = "the admitted sources, exactly (certified)";
  } else {
    r.reason = "the answer depends on unknown conditions: must and may differ (both certified)";
    r.unknowns = atom_names(e);
  }
  // One witness from the may set, replayed.
  if (const auto& w = set.witnesses.may_admitted) {
    std::vector<core::Evaluation> evals;
    if (auto failure = replays(e.space.path, w->packet, w->valuation, true, false, evals)) {
      core::internal_error(*failure);
    }
    set_witness(r, e.space, evals.front());
  }
  return r;
}

Session::Session(const core::Policy& policy, Limits limits, FaultInjection faults)
    : impl_(std::make_unique<Impl>(policy, limits, faults)) {}
Session::~Session() = default;

core::Result Session::answer(const core::Question& question) {
  try {
    return impl_->answer(question);
  } catch (const z3::exception& e) {
    // Z3 reports resource exhaustion (and bugs) this way; neither is a pass.
    core::Result r;
    r.text = question.text;
    r.kind = question.kind_name();
    r.is_query = question.is_query;
    r.origin = question.origin;
    r.verdict = core::Verdict::Unknown;
    r.reason = fmt::format("the solver failed: {}", e.msg());
    return r;
  }
}

const Statistics& Session::statistics() const {
  return impl_->stats;
}

void Session::conflicts(core::Report& report, std::optional<core::HostId> host) {
  ConflictReport c = find_conflicts(impl_->policy, host);
  report.findings.insert(report.findings.end(), c.findings.begin(), c.findings.end());
  report.resources.insert(report.resources.end(), c.resources.begin(), c.resources.end());
  // Across layers: a service that runs as root (or holds CAP_DAC_OVERRIDE)
  // behind a listener an untrusted zone can reach.
  const core::Policy& policy = impl_->policy;
  for (size_t h = 0; h < policy.hosts.size(); ++h) {
    core::HostId hid{uint32_t(h)};
    if (host && *host != hid) continue;
    const core::Host& hh = policy.host(hid);
    for (uint32_t li = 0; li < hh.listeners.size(); ++li) {
      const core::Listener& l = hh.listeners[li];
      if (!l.service.valid()) continue;
      const core::Service& svc = policy.service(l.service);
      core::Credentials who = core::credentials_of(policy, svc);
      if (who.uid != 0 && !who.has(core::Capability::DacOverride)) continue;
      for (const auto& zone : policy.zones) {
        if (!zone.untrusted) continue;
        core::Question q;
        core::NetworkQuestion n;
        n.claim = core::NetworkClaim::Reach;
        n.source.addresses = zone.addresses;
        n.source.untrusted = true;
        n.source.client_ports = zone.client_ports;
        n.destination.host = hid;
        core::ServiceMatch m = core::ServiceMatch::protocol(l.protocol);
        m.dst_ports = l.ports;
        n.services = core::ServiceSet::of(m);
        q.text = fmt::format("reach {} -> {} {}", zone.name, hh.name, m.to_string());
        q.origin = l.origin;
        q.body = n;
        // Only this listener counts.
        core::Result r = answer_through(q, {core::ListenerId(li)});
        if (r.verdict == core::Verdict::Violated) continue;
        core::Finding f;
        f.rule_id = "privileged-exposure";
        f.severity = r.verdict == core::Verdict::Holds ? core::Severity::Error : core::Severity::Warning;
        f.message =
            fmt::format("{} runs {} and listens on {}, which untrusted zone `{}` {} reach", svc.name,
                        who.uid == 0 ? "as root" : "with CAP_DAC_OVERRIDE", l.to_string(), zone.name,
                        r.verdict == core::Verdict::Holds ? "can" : "may (depending on unknown conditions)");
        f.origin = l.origin;
        f.related.push_back({svc.origin, fmt::format("{} is declared here", svc.name)});
        f.related.push_back({zone.origin, fmt::format("`{}` is marked untrusted here", zone.name)});
        f.network = r.network;
        f.fix = fmt::format(
            "run {} as an unprivileged user (or drop CAP_DAC_OVERRIDE), or keep `{}` from reaching {}",
            svc.name, zone.name, l.to_string());
        report.findings.push_back(std::move(f));
      }
    }
  }
}

core::Result Session::answer_through(const core::Question& question,
                                     std::vector<core::ListenerId> listeners) {
  return impl_->answer(question, std::move(listeners));
}

}  // namespace rampart::solver
