#include "rampart/solver/session.h"

#include <fmt/format.h>
#include <z3++.h>

#include <optional>

#include "encoder.h"
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

  Encoding encode(const core::NetworkQuestion& q, bool all_sources) {
    core::QuestionSpace space = core::question_space(policy, q, all_sources);
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

  // Is there a packet of the space satisfying `goal`? Reads the witness and
  // the atoms' values, and pins fields to canonical values so witnesses do not
  // depend on the solver's whims.
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
    canonicalise(s, e);
    z3::model m = s.get_model();
    out.packet = e.encoder->packet_of(m, e.packet);
    for (const auto& [key, a] : e.encoder->atoms()) out.valuation.set(key, m.eval(a, true).is_true());
    return out;
  }

  // Witnesses are canonical: the lowest value of each field (in a fixed
  // order) that still shows the answer, so they do not depend on the solver's
  // whims and read the same on every machine.
  void canonicalise(z3::solver& s, const Encoding& e) {
    const PacketTerms& p = e.packet;
    auto holds = [&](const z3::expr& constraint) {
      s.push();
      s.add(constraint);
      ++stats.solver_calls;
      if (s.check() == z3::sat) return true;
      s.pop();
      return false;
    };
    auto restore = [&] {
      ++stats.solver_calls;
      if (s.check() != z3::sat) core::internal_error("lost the witness while canonicalising it");
    };
    holds(p.v6 == s.get_model().eval(p.v6, true));
    holds(p.proto == s.get_model().eval(p.proto, true));
    auto lowest = [&](const z3::expr& field, unsigned bits) {
      // Bisection on [0, current]: each step halves the range that may
      // still hold a lower value. Bounded, so huge ranges stop early.
      z3::model m = s.get_model();
      std::string cur = m.eval(field, true).get_decimal_string(0);
      core::u128 best = 0;
      for (char c : cur) best = best * 10 + core::u128(c - '0');
      core::u128 lo = 0;
      auto val = [&](core::u128 v) { return ctx.bv_val(core::u128_to_string(v).c_str(), bits); };
      for (int step = 0; step < 24 && lo < best; ++step) {
        core::u128 mid = lo + (best - lo) / 2;
        s.push();
        s.add(z3::ule(field, val(mid)));
        ++stats.solver_calls;
        if (s.check() == z3::sat) {
          std::string v = s.get_model().eval(field, true).get_decimal_string(0);
          best = 0;
          for (char c : v) best = best * 10 + core::u128(c - '0');
        } else {
          lo = mid + 1;
        }
        s.pop();
      }
      if (!holds(field == val(best))) restore();
    };
    lowest(p.dport, 16);
    lowest(p.itype, 8);
    lowest(p.icode, 8);
    lowest(p.dst, 128);
    lowest(p.sport, 16);
    lowest(p.src, 128);
  }

  // Replays a witness through the concrete evaluator. `expect_all` checks
  // every valuation of the atoms; otherwise the solver's own valuation.
  void replay(const core::NetworkPath& path, core::Packet packet, const core::Valuation& valuation,
              bool expect_admitted, bool expect_all, std::vector<core::Evaluation>& evaluations) {
    if (faults.mutate_witness) {
      packet.protocol = 253;  // RFC 3692 experimental: no listener, no rule of ours
      packet.src_port = packet.dst_port = 0;
      packet.icmp_type = packet.icmp_code = 0;
    }
    if (expect_all) {
      evaluations = core::evaluate_all(policy, path, packet);
      for (const auto& ev : evaluations) {
        if (ev.outcome.admitted != expect_admitted) {
          core::internal_error(fmt::format("witness {} failed replay: the solver says {} for every unknown, the "
                                           "evaluator says {}",
                                           packet.to_string(), expect_admitted ? "admitted" : "denied",
                                           ev.outcome.admitted ? "admitted" : "denied"));
        }
      }
      return;
    }
    auto r = core::evaluate_path(policy, path, packet, valuation);
    if (auto* need = std::get_if<core::AtomNeeded>(&r)) {
      core::internal_error(fmt::format("witness {} failed replay: the evaluator consults `{}`, which the solver "
                                       "did not encode",
                                       packet.to_string(), need->key));
    }
    auto& outcome = std::get<core::PathOutcome>(r);
    if (outcome.admitted != expect_admitted) {
      core::internal_error(fmt::format("witness {} failed replay: the solver says {}, the evaluator says {}",
                                       packet.to_string(), expect_admitted ? "admitted" : "denied",
                                       outcome.admitted ? "admitted" : "denied"));
    }
    evaluations.push_back(core::Evaluation{valuation, outcome});
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
    if (may.result == z3::unsat) {
      r.verdict = if_none;
      r.reason = none_reason;
      if (want_admitted && if_none == core::Verdict::Violated) {
        // Show where a packet of the question stops.
        Outcome example = find(e, ctx.bool_val(true));
        if (example.result == z3::sat) {
          std::vector<core::Evaluation> evals;
          replay(e.space.path, *example.packet, example.valuation, false, true, evals);
          set_witness(r, e.space, evals.front());
        }
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
    std::vector<core::Evaluation> evals;
    if (must.result == z3::sat) {
      replay(e.space.path, *must.packet, must.valuation, want_admitted, true, evals);
      r.verdict = if_must;
      r.reason = must_reason;
      const core::Evaluation* shown = &evals.front();
      for (const auto& ev : evals) {
        if (ev.valuation.values.size() < shown->valuation.values.size()) shown = &ev;
      }
      set_witness(r, e.space, *shown);
      return r;
    }
    replay(e.space.path, *may.packet, may.valuation, want_admitted, false, evals);
    r.verdict = core::Verdict::Unknown;
    r.reason = may_reason;
    set_witness(r, e.space, evals.front());
    r.unknowns = atom_names(e);
    return r;
  }

  core::Result answer(const core::Question& question) {
    const auto* q = std::get_if<core::NetworkQuestion>(&question.body);
    if (!q) core::internal_error("the solver answers network questions only");
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
      case core::NetworkClaim::QueryReach:
        return exact_set(question, *q);
    }
    core::internal_error("unhandled question kind");
  }

  core::Result exact_set(const core::Question& question, const core::NetworkQuestion& q);
};

core::Result Session::Impl::exact_set(const core::Question& question, const core::NetworkQuestion& q) {
  core::Result r;
  r.text = question.text;
  r.kind = question.kind_name();
  r.is_query = question.is_query;
  r.origin = question.origin;
  Encoding e = encode(q, false);
  SetEngine engine(policy);
  ExactSet set = engine.admitted_set(e.space);
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
  if (!set.may.empty()) {
    auto w = set.may_witness;
    std::vector<core::Evaluation> evals;
    replay(e.space.path, w.packet, w.valuation, true, false, evals);
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

const Statistics& Session::statistics() const { return impl_->stats; }

}  // namespace rampart::solver
