#include "rampart/solver/lint.h"

#include <fmt/format.h>
#include <z3++.h>

#include <algorithm>
#include <map>
#include <set>

#include "bdd_space.h"
#include "encoder.h"
#include "rampart/core/evaluator.h"
#include "set_engine.h"

namespace rampart::solver {

const std::vector<std::pair<uint16_t, const char*>>& administrative_ports() {
  static const std::vector<std::pair<uint16_t, const char*>> ports = {
      {22, "SSH"},          {23, "telnet"},          {135, "MS RPC"},      {139, "NetBIOS"},
      {445, "SMB"},         {1433, "MS SQL"},        {2375, "Docker API"}, {2379, "etcd"},
      {3306, "MySQL"},      {3389, "RDP"},           {5432, "PostgreSQL"}, {5900, "VNC"},
      {5985, "WinRM"},      {5986, "WinRM"},         {6379, "Redis"},      {6443, "Kubernetes API"},
      {8080, "admin HTTP"}, {9200, "Elasticsearch"}, {10250, "kubelet"},   {11211, "memcached"},
      {27017, "MongoDB"}};
  return ports;
}

namespace {

bool deciding(core::Action a) {
  return a == core::Action::Allow || a == core::Action::Deny || a == core::Action::Bypass;
}
core::Decision decision_of(core::Action a) {
  return a == core::Action::Deny ? core::Decision::Deny : core::Decision::Allow;
}

std::string rule_label(const core::RuleSet& rs, uint32_t chain, uint32_t index) {
  const core::Rule& r = rs.chains[chain].rules[index];
  std::string name = r.name.empty() ? fmt::format("rule {}", index + 1) : r.name;
  return rs.chains.size() > 1 ? fmt::format("{}: {}", rs.chains[chain].name, name) : name;
}

// A bounding hull of a rule's boxes, for a cheap overlap pre-test.
struct Hull {
  bool empty = true;
  core::u128 lo[dim::kFields] = {}, hi[dim::kFields] = {};
  bool overlaps(const Hull& o) const {
    if (empty || o.empty) return false;
    // The fields that most often tell rules apart first.
    for (size_t d : {dim::kDport, dim::kDst, dim::kSrc, dim::kProto, dim::kSport, dim::kType, dim::kCode}) {
      if (hi[d] < o.lo[d] || o.hi[d] < lo[d]) return false;
    }
    return true;
  }
};

Hull hull_of(const BoxSet& s) {
  Hull h;
  for (const auto& b : s.boxes()) {
    for (size_t d = 0; d < dim::kFields; ++d) {
      const Dim& x = b.at(d, s.universe());
      core::u128 lo = x.intervals().front().lo, hi = x.intervals().back().hi;
      if (h.empty || lo < h.lo[d]) h.lo[d] = lo;
      if (h.empty || hi > h.hi[d]) h.hi[d] = hi;
    }
    h.empty = false;
  }
  return h;
}

// The hulls of a list's rules in compact columns, most selective field
// first, for the scan that finds the rules meeting one rule.
class HullIndex {
 public:
  explicit HullIndex(size_t n) : hulls_(n) {}
  void set(size_t pos, const Hull& h) { hulls_[pos] = h; }
  // The positions in [from, to) whose hulls meet the hull at `pos`, in order.
  void meeting(size_t pos, size_t from, size_t to, std::vector<size_t>& out) const {
    out.clear();
    const Hull& h = hulls_[pos];
    if (h.empty) return;
    for (size_t j = from; j < to; ++j) {
      if (j != pos && hulls_[j].overlaps(h)) out.push_back(j);
    }
  }

 private:
  std::vector<Hull> hulls_;
};

// The connection states the rules of a set tell apart: one representative
// per class of states no rule distinguishes.
std::vector<core::ConnState> state_classes(const std::vector<const core::Rule*>& rules) {
  std::map<uint32_t, core::ConnState> classes;
  for (unsigned s = 0; s < core::kConnStateCount; ++s) {
    uint32_t signature = 0;
    size_t bit = 0;
    std::set<uint8_t> masks;
    for (const auto* r : rules) masks.insert(r->match.states);
    for (uint8_t m : masks) {
      if (m & core::conn_state_bit(core::ConnState(s))) signature |= 1u << (bit % 32);
      ++bit;
    }
    classes.emplace(signature, core::ConnState(s));
  }
  std::vector<core::ConnState> out;
  for (const auto& [sig, s] : classes) out.push_back(s);
  return out;
}

struct RuleFacts {
  bool reached = false;         // some packet reaches it (in some family / state)
  bool redundant = true;        // removing it changes no decision (all families / states)
  std::set<uint32_t> covering;  // earlier deciding rules that overlap it
  std::set<uint32_t> later;     // later rules whose hull overlaps it (all that can decide its packets)
  std::map<uint32_t, std::optional<Witness>>
      correlated;                  // earlier rule -> a packet they both match, decided by it
  std::set<uint32_t> generalised;  // earlier rules it generalises with another action
};

// Pairwise facts (correlation, generalisation) are computed for rule lists up
// to this size; beyond it only shadowing and redundancy (said in the report).
constexpr size_t kPairwiseLimit = 5000;

class Linter {
 public:
  Linter(const core::Policy& policy, const LintOptions& options, core::Report& report)
      : policy_(policy),
        options_(options),
        report_(report),
        enc_(ctx_, policy, stats_),
        p_(PacketTerms::fresh(ctx_, "lint")),
        solver_(ctx_) {
    // One context, one solver: every certification is a push/pop on it.
    solver_.add(enc_.well_formed(p_));
    z3::params params(ctx_);
    if (options.limits.timeout_ms) params.set("timeout", options.limits.timeout_ms);
    if (options.limits.rlimit)
      params.set("rlimit", unsigned(std::min<uint64_t>(options.limits.rlimit, 0xffffffffu)));
    solver_.set(params);
  }

  void run() {
    for (const auto& rs : policy_.rule_sets) total_ += rs.rule_count();
    for (uint32_t i = 0; i < policy_.rule_sets.size(); ++i) {
      const core::RuleSet& rs = policy_.rule_sets[i];
      switch (rs.combining) {
        case core::Combining::FirstMatch:
          for (uint32_t c = 0; c < rs.chains.size(); ++c) {
            std::vector<uint32_t> order(rs.chains[c].rules.size());
            for (uint32_t k = 0; k < order.size(); ++k) order[k] = k;
            first_match(core::RuleSetId(i), c, order, c == 0);
          }
          break;
        case core::Combining::PriorityDenyWins: {
          // Lowest priority first, deny before allow within one: first match.
          std::vector<uint32_t> order(rs.rules().size());
          for (uint32_t k = 0; k < order.size(); ++k) order[k] = k;
          std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
            const auto& ra = rs.rules()[a];
            const auto& rb = rs.rules()[b];
            if (ra.priority != rb.priority) return ra.priority < rb.priority;
            return ra.action == core::Action::Deny && rb.action != core::Action::Deny;
          });
          first_match(core::RuleSetId(i), 0, order, true);
          break;
        }
        case core::Combining::AllowUnion: unordered(core::RuleSetId(i)); break;
        case core::Combining::BlockOverridesAllow: overrides(core::RuleSetId(i)); break;
      }
      done_ += rs.rule_count();
      if (options_.progress) options_.progress(done_, total_);
    }
    exposures();
  }

 private:
  // ---- first-match lists ------------------------------------------------------
  // Sliced: each rule is compared only with the rules whose hulls meet it
  // (a linear scan of compact hulls), as interval boxes. What reaches a rule
  // is its packets minus the earlier deciding rules that meet it; it is
  // redundant when the later rules that meet what reaches it decide all of
  // it its way (or the default does). A difference that fragments into too
  // many boxes continues as a BDD. Whole-list BDDs (the union of everything
  // before each rule) were measured first and rejected: a rule open in one
  // field rewrites all the list's structure below that field, quadratic in
  // node work (docs/lint.md).
  struct Region {
    BoxSet boxes;
    std::optional<bdd> set;   // once the boxes fragment
    size_t coalesce_at = 32;  // merge boxes when there are more than this
    bool empty() const { return set ? *set == bddfalse : boxes.empty(); }
  };
  static constexpr size_t kFragmentLimit = 256;

  void first_match(core::RuleSetId id, uint32_t chain, const std::vector<uint32_t>& order, bool entry) {
    const core::RuleSet& rs = policy_.rule_set(id);
    const auto& rules = rs.chains[chain].rules;
    if (rules.empty()) return;
    const size_t n = order.size();
    std::vector<const core::Rule*> ptrs;
    for (const auto& r : rules) ptrs.push_back(&r);
    std::vector<RuleFacts> facts(rules.size());
    BddSpace& space = BddSpace::instance();
    const bool pairwise = n <= kPairwiseLimit;
    // What the list decides past its end: the default, or (a user chain)
    // whatever its caller does next, which is not one decision.
    const bool has_fallback = entry;
    const core::Decision fallback = decision_of(rs.default_action);
    bool first_pass = true;
    for (core::Family family : {core::Family::V4, core::Family::V6}) {
      for (core::ConnState state : state_classes(ptrs)) {
        RuleBoxes boxes(policy_, family, state);
        std::vector<BoxSet> m;
        m.reserve(n);
        HullIndex hulls(n);
        for (size_t pos = 0; pos < n; ++pos) {
          m.push_back(boxes.match(rules[order[pos]]));
          hulls.set(pos, hull_of(m.back()));
        }
        const BoxSet everything = boxes.match(core::Rule{});
        auto as_bdd = [&](const BoxSet& b) { return space.of(b, boxes.atom_keys(), family); };
        auto meets = [&](const Region& r, const BoxSet& b) {
          return r.set ? space.intersects(*r.set, as_bdd(b)) : r.boxes.intersects(b);
        };
        auto take = [&](Region& r, const BoxSet& b) {
          if (!r.set) {
            r.boxes = r.boxes.subtract(b);
            if (r.boxes.size() <= r.coalesce_at) return;
            r.boxes.coalesce();
            r.coalesce_at = std::max<size_t>(32, 2 * r.boxes.size());
            if (r.boxes.size() <= kFragmentLimit) return;
            r.set = as_bdd(r.boxes);
            r.boxes = BoxSet(&r.boxes.universe());
            return;
          }
          *r.set &= !as_bdd(b);
        };
        std::vector<Region> reach(n);
        std::vector<size_t> earlier, later;
        for (size_t pos = 0; pos < n; ++pos) {
          const core::Rule& r = rules[order[pos]];
          RuleFacts& f = facts[order[pos]];
          if (m[pos].empty()) continue;
          if (options_.progress && first_pass && (pos & 1023) == 0) options_.progress(done_ + pos, total_);
          // What reaches it.
          hulls.meeting(pos, 0, pos, earlier);
          reach[pos].boxes = m[pos];
          for (size_t j : earlier) {
            if (!deciding(rules[order[j]].action) || !m[j].intersects(m[pos])) continue;
            take(reach[pos], m[j]);
            if (reach[pos].empty()) break;
          }
          bool reached = !reach[pos].empty();
          f.reached |= reached;
          if (reached && !deciding(r.action)) f.redundant = false;
          // Redundant: the later rules meeting what reaches it decide it its way.
          if (reached && f.redundant) {
            hulls.meeting(pos, pos + 1, n, later);
            Region rest = reach[pos];
            core::Decision want = decision_of(r.action);
            bool same = true;
            for (size_t k : later) {
              const core::Rule& next = rules[order[k]];
              if (next.action == core::Action::Continue || !meets(rest, m[k])) continue;
              if (!deciding(next.action) || decision_of(next.action) != want) {
                same = false;
                break;
              }
              take(rest, m[k]);
              if (rest.empty()) break;
            }
            if (!same || (!rest.empty() && (!has_fallback || fallback != want))) f.redundant = false;
            if (f.redundant) {
              // Every later rule that can decide its packets takes part in the proof.
              for (size_t k : later) {
                if (rules[order[k]].action != core::Action::Continue && m[pos].intersects(m[k]))
                  f.later.insert(order[k]);
              }
            }
          }
          // The earlier deciding rules that take its packets, and the pairs.
          if (!reached || f.redundant || pairwise) {
            for (size_t j : earlier) {
              const core::Rule& e = rules[order[j]];
              if (!deciding(e.action) || !meets(reach[j], m[pos])) continue;
              f.covering.insert(order[j]);
              if (!pairwise || !deciding(r.action) || decision_of(e.action) == decision_of(r.action))
                continue;
              bool inside_earlier = m[pos].inside(m[j]);  // shadowed by it: reported as shadowed
              bool covers_earlier = m[j].inside(m[pos]);
              // A catch-all after its exceptions is the idiom, not a finding.
              if (everything.inside(m[pos])) continue;
              if (covers_earlier && !inside_earlier) {
                f.generalised.insert(order[j]);
              } else if (!inside_earlier && !f.correlated.count(order[j])) {
                // One example packet per rule is enough for the report.
                std::optional<Witness> example;
                if (f.correlated.empty()) {
                  example = reach[j].set ? space.example(*reach[j].set & as_bdd(m[pos]), family)
                                         : boxes.lowest(reach[j].boxes.intersect(m[pos]));
                }
                f.correlated[order[j]] = example;
              }
            }
          }
        }
        first_pass = false;
      }
    }
    bool proved = !options_.certify || certify_all(id, chain, facts, order, entry);
    for (uint32_t k = 0; k < rules.size(); ++k) report_rule(id, chain, k, facts[k], proved);
  }

  void report_rule(core::RuleSetId id, uint32_t chain, uint32_t k, const RuleFacts& f, bool certified) {
    const core::RuleSet& rs = policy_.rule_set(id);
    const core::Rule& r = rs.chains[chain].rules[k];
    std::string label = rule_label(rs, chain, k);
    if (!f.reached) {
      core::Finding out;
      out.rule_id = "shadowed-rule";
      out.severity = core::Severity::Warning;
      std::vector<std::string> covering;
      bool other_action = false;
      for (uint32_t j : f.covering) {
        const core::Rule& e = rs.chains[chain].rules[j];
        covering.push_back(rule_label(rs, chain, j));
        other_action |= decision_of(e.action) != decision_of(r.action);
        out.related.push_back(
            {e.origin,
             fmt::format("`{}` ({}) matches first{}", rule_label(rs, chain, j), core::action_name(e.action),
                         decision_of(e.action) != decision_of(r.action) ? ", with another action" : "")});
      }
      out.message =
          f.covering.empty()
              ? fmt::format("{}: `{}` can match no packet at all", rs.name, label)
              : fmt::format("{}: `{}` is shadowed: no packet reaches it past {} earlier rule{}{}{}", rs.name,
                            label, f.covering.size(), f.covering.size() == 1 ? "" : "s",
                            other_action ? " (some with another action: it never takes effect)" : "",
                            certified ? " (proved)" : "");
      out.origin = r.origin;
      report_.findings.push_back(std::move(out));
      return;
    }
    if (deciding(r.action) && f.redundant) {
      core::Finding out;
      out.rule_id = "redundant-rule";
      out.severity = core::Severity::Note;
      out.message = fmt::format("{}: `{}` is redundant: removing it changes no decision{}", rs.name, label,
                                certified ? " (proved)" : "");
      out.origin = r.origin;
      report_.findings.push_back(std::move(out));
    }
    if (!f.correlated.empty()) {
      core::Finding out;
      out.rule_id = "correlated-rules";
      out.severity = core::Severity::Note;
      std::optional<Witness> example;
      std::vector<std::string> names;
      for (const auto& [j, w] : f.correlated) {
        const core::Rule& e = rs.chains[chain].rules[j];
        if (w && !example) example = w;
        names.push_back(fmt::format("`{}` ({})", rule_label(rs, chain, j), core::action_name(e.action)));
        out.related.push_back({e.origin, "overlaps it with another action and decides the overlap"});
      }
      if (names.size() > 5) {
        size_t more = names.size() - 5;
        names.resize(5);
        names.push_back(fmt::format("{} more", more));
      }
      out.message = fmt::format(
          "{}: `{}` ({}) overlaps {} earlier rule{} with another action{}, which decide the overlap: "
          "{}{}",
          rs.name, label, core::action_name(r.action), f.correlated.size(),
          f.correlated.size() == 1 ? "" : "s", "", fmt::join(names, ", "),
          example ? ", e.g. " + example->packet.to_string() : "");
      out.origin = r.origin;
      report_.findings.push_back(std::move(out));
    }
    for (uint32_t j : f.generalised) {
      const core::Rule& e = rs.chains[chain].rules[j];
      core::Finding out;
      out.rule_id = "generalization";
      out.severity = core::Severity::Note;
      out.message =
          fmt::format("{}: `{}` ({}) generalises earlier `{}` ({}), an exception to it", rs.name, label,
                      core::action_name(r.action), rule_label(rs, chain, j), core::action_name(e.action));
      out.origin = r.origin;
      out.related.push_back({e.origin, "the exception"});
      report_.findings.push_back(std::move(out));
    }
  }

  // ---- unordered sets -----------------------------------------------------------
  // Allow-union: a rule is redundant when the others cover it.
  void unordered(core::RuleSetId id) {
    const core::RuleSet& rs = policy_.rule_set(id);
    const auto& rules = rs.rules();
    std::vector<bool> covered(rules.size(), true);
    for (core::Family family : {core::Family::V4, core::Family::V6}) {
      std::vector<const core::Rule*> ptrs;
      for (const auto& r : rules) ptrs.push_back(&r);
      for (core::ConnState state : state_classes(ptrs)) {
        RuleBoxes boxes(policy_, family, state);
        std::vector<BoxSet> m;
        std::vector<Hull> hulls;
        for (const auto& r : rules) {
          m.push_back(boxes.match(r));
          hulls.push_back(hull_of(m.back()));
        }
        for (size_t i = 0; i < rules.size(); ++i) {
          if (!covered[i] || m[i].empty()) continue;
          BoxSet rest = m[i];
          for (size_t j = 0; j < rules.size() && !rest.empty(); ++j) {
            if (j == i || !hulls[j].overlaps(hulls[i])) continue;
            // Equal rules cover each other; keep the first of them.
            if (j > i && m[j].subtract(m[i]).empty() && m[i].subtract(m[j]).empty()) continue;
            rest = rest.subtract(m[j]);
            rest.coalesce();
          }
          if (!rest.empty()) covered[i] = false;
        }
      }
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      if (!covered[i]) continue;
      core::Finding out;
      out.rule_id = "redundant-rule";
      out.severity = core::Severity::Note;
      out.message = fmt::format(
          "{}: `{}` is redundant: the other rules of this allow-union set admit everything it "
          "admits",
          rs.name, rule_label(rs, 0, uint32_t(i)));
      out.origin = rules[i].origin;
      report_.findings.push_back(std::move(out));
    }
  }

  // Block-overrides-allow: allow rules fully or partly overridden by blocks.
  void overrides(core::RuleSetId id) {
    const core::RuleSet& rs = policy_.rule_set(id);
    const auto& rules = rs.rules();
    for (size_t i = 0; i < rules.size(); ++i) {
      if (rules[i].action != core::Action::Allow) continue;
      bool full = true, partial = false;
      std::optional<Witness> example;
      std::set<size_t> blockers;
      for (core::Family family : {core::Family::V4, core::Family::V6}) {
        RuleBoxes boxes(policy_, family, core::ConnState::New);
        BoxSet a = boxes.match(rules[i]);
        if (a.empty()) continue;
        BoxSet rest = a;
        for (size_t j = 0; j < rules.size(); ++j) {
          if (rules[j].action != core::Action::Deny) continue;
          BoxSet overlap = rest.intersect(boxes.match(rules[j]));
          if (overlap.empty()) continue;
          blockers.insert(j);
          partial = true;
          if (!example) example = boxes.lowest(overlap);
          rest = rest.subtract(boxes.match(rules[j]));
        }
        // Bypass rules beat blocks: what a bypass admits is not overridden.
        if (!rest.empty()) full = false;
      }
      if (!partial) continue;
      core::Finding out;
      out.rule_id = "overridden-allow";
      out.severity = core::Severity::Warning;
      out.message =
          fmt::format("{}: allow rule `{}` is {} overridden by {} block rule{}{}", rs.name,
                      rule_label(rs, 0, uint32_t(i)), full ? "fully" : "partly", blockers.size(),
                      blockers.size() == 1 ? "" : "s",
                      example ? fmt::format(" (e.g. {} is blocked)", example->packet.to_string()) : "");
      out.origin = rules[i].origin;
      for (size_t j : blockers)
        out.related.push_back(
            {rules[j].origin, fmt::format("block rule `{}`", rule_label(rs, 0, uint32_t(j)))});
      report_.findings.push_back(std::move(out));
    }
  }

  // ---- certification ------------------------------------------------------------
  // One solver call per connection state proves every shadowed and every
  // redundant verdict of a list at once: the disjunction of "this verdict
  // is wrong" over all of them must be unsatisfiable. Only the rules that can
  // match a rule's packets take part (earlier covering ones, later ones whose
  // hulls meet it). A satisfiable disjunction is a bug in the set engine.
  bool certify_all(core::RuleSetId id, uint32_t chain, const std::vector<RuleFacts>& facts,
                   const std::vector<uint32_t>& order, bool entry) {
    const core::RuleSet& rs = policy_.rule_set(id);
    const auto& rules = rs.chains[chain].rules;
    bool any = false;
    for (const auto& f : facts) any |= !f.reached || (f.redundant && f.reached);
    if (!any) return true;
    std::vector<size_t> pos_of(rules.size());
    for (size_t i = 0; i < order.size(); ++i) pos_of[order[i]] = i;
    std::vector<const core::Rule*> ptrs;
    for (const auto& r : rules) ptrs.push_back(&r);
    // States no rule tells apart behave alike: one representative each.
    for (core::ConnState state : state_classes(ptrs)) {
      std::vector<z3::expr> match;
      match.reserve(rules.size());
      for (const auto& r : rules) match.push_back(enc_.rule_match(r.match, p_, state));
      z3::expr_vector wrong(ctx_);
      std::vector<std::pair<uint32_t, bool>> claims;  // rule, shadowed?
      for (uint32_t k = 0; k < rules.size(); ++k) {
        const RuleFacts& f = facts[k];
        if (!f.reached) {
          z3::expr reaches = match[k];
          for (uint32_t j : f.covering) reaches = reaches && !match[j];
          wrong.push_back(reaches);
          claims.emplace_back(k, true);
        } else if (f.redundant && deciding(rules[k].action)) {
          size_t pos = pos_of[k];
          z3::expr reached = match[k];
          for (uint32_t j : f.covering) reached = reached && !match[j];
          core::Decision want = decision_of(rules[k].action);
          z3::expr other = ctx_.bool_val(entry ? decision_of(rs.default_action) != want : true);
          for (size_t j = order.size(); j-- > pos + 1;) {
            const core::Rule& later = rules[order[j]];
            if (later.action == core::Action::Continue || !f.later.count(order[j])) continue;
            bool differs = !deciding(later.action) || decision_of(later.action) != want;
            other = z3::ite(match[order[j]], ctx_.bool_val(differs), other);
          }
          wrong.push_back(reached && other);
          claims.emplace_back(k, false);
        }
      }
      if (wrong.empty()) continue;
      while (definitions_added_ < enc_.definitions().size())
        solver_.add(enc_.definitions()[definitions_added_++]);
      solver_.push();
      solver_.add(z3::mk_or(wrong));
      z3::check_result r = solver_.check();
      if (r == z3::sat) {
        z3::model m = solver_.get_model();
        std::string which;
        for (size_t i = 0; i < claims.size(); ++i) {
          if (m.eval(wrong[int(i)], true).is_true()) {
            which = fmt::format("`{}` is not {} after all", rule_label(rs, chain, claims[i].first),
                                claims[i].second ? "shadowed" : "redundant");
            break;
          }
        }
        solver_.pop();
        core::internal_error(fmt::format("lint of {}: {}", rs.name, which));
      }
      solver_.pop();
      if (r == z3::unknown) return false;
    }
    return true;
  }

  // ---- hosts --------------------------------------------------------------------
  void exposures() {
    Session session(policy_, options_.limits);
    for (size_t h = 0; h < policy_.hosts.size(); ++h) {
      core::HostId hid{uint32_t(h)};
      const core::Host& host = policy_.host(hid);
      if (host.addresses().empty()) continue;
      // Sources: every zone marked untrusted, and the addresses no trusted
      // zone names (all of them when the policy names none). A rule for a
      // named office network is a decision; one for the rest of the world
      // is an exposure.
      // Addresses in a trusted zone are trusted even inside a wider
      // untrusted one (an `internet = any` zone holding the office).
      std::vector<std::pair<std::string, core::AddressSet>> sources;
      core::AddressSet trusted;
      for (const auto& z : policy_.zones) {
        if (!z.untrusted) trusted = trusted.unite(z.addresses);
      }
      for (const auto& z : policy_.zones) {
        if (z.untrusted && !z.addresses.subtract(trusted).empty())
          sources.emplace_back(z.name, z.addresses.subtract(trusted));
      }
      core::AddressSet outside = core::AddressSet::any().subtract(trusted);
      if (!outside.empty()) sources.emplace_back("", outside);
      for (uint32_t li = 0; li < host.listeners.size(); ++li) {
        const core::Listener& l = host.listeners[li];
        auto ask = [&](const core::ServiceMatch& m, const std::string& zone,
                       const core::AddressSet& addresses) {
          core::Question q;
          core::NetworkQuestion n;
          n.claim = core::NetworkClaim::Reach;
          n.source.addresses = addresses;
          n.destination.host = hid;
          n.services = core::ServiceSet::of(m);
          q.text = fmt::format("reach {} -> {} {}", zone.empty() ? "any" : zone, host.name, m.to_string());
          q.origin = l.origin;
          q.body = n;
          return session.answer_through(q, {core::ListenerId(li)});
        };
        // Each administrative port the listener covers, on its own: an
        // importer's assumed `tcp/any` listener covers them all.
        for (const auto& [port, name] : administrative_ports()) {
          if (l.protocol != core::proto::kTcp || !l.ports.contains(port)) continue;
          core::ServiceMatch m = core::ServiceMatch::protocol(l.protocol);
          m.dst_ports = core::PortSet::single(port);
          for (const auto& [zone, addresses] : sources) {
            core::Result r = ask(m, zone, addresses);
            if (r.verdict == core::Verdict::Violated) continue;
            core::Finding f;
            f.rule_id = "exposure";
            if (r.verdict == core::Verdict::Unknown && r.reason.rfind("the solver gave up", 0) == 0) {
              // A solver limit decides nothing: an unknown answer (exit 3),
              // not an exposure "for some values of unknown conditions".
              f.severity = core::Severity::Warning;
              f.unknown = true;
              f.message = fmt::format(
                  "{}: whether {} (tcp/{}, {}) is admitted from {} is unknown: {}", host.name, name, port,
                  l.to_string(),
                  zone.empty() ? "addresses in no trusted zone" : "untrusted zone `" + zone + "`", r.reason);
              f.origin = l.origin;
              report_.findings.push_back(std::move(f));
              break;
            }
            f.severity = r.verdict == core::Verdict::Holds ? core::Severity::Error : core::Severity::Warning;
            std::string from = zone.empty() ? (addresses.is_any() ? "the internet (no zone is trusted)"
                                                                  : "addresses in no trusted zone")
                                            : "untrusted zone `" + zone + "`";
            if (r.network) from += ", e.g. " + r.network->packet.src.to_string();
            f.message = fmt::format(
                "{}: {} (tcp/{}, {}) is admitted from {}{}", host.name, name, port, l.to_string(), from,
                r.verdict == core::Verdict::Holds ? "" : " (for some values of unknown conditions)");
            f.origin = l.origin;
            f.network = r.network;
            if (r.network) {
              for (const auto& st : r.network->steps) {
                if (st.decision == core::Decision::Allow && st.origin.known()) {
                  f.related.push_back({st.origin, fmt::format("`{}` admits it", st.rule)});
                }
              }
            }
            report_.findings.push_back(std::move(f));
            break;
          }
        }
        // Listeners nobody can reach; not those an importer only assumed.
        if (l.bind.kind == core::Bind::Kind::Address || l.process.rfind("assumed", 0) == 0) continue;
        core::ServiceMatch all = core::ServiceMatch::protocol(l.protocol);
        all.dst_ports = l.ports;
        if (ask(all, "", core::AddressSet::any()).verdict != core::Verdict::Violated) continue;
        core::Finding f;
        f.rule_id = "unreachable-listener";
        f.severity = core::Severity::Note;
        f.message = fmt::format("{}: {} listens on every address, yet no rule admits anyone to it", host.name,
                                l.to_string());
        f.origin = l.origin;
        report_.findings.push_back(std::move(f));
      }
      if (!host.listeners.empty()) unused_port_rules(hid);
    }
  }

  // Allow rules of a host's inbound filters for ports nothing listens on.
  void unused_port_rules(core::HostId hid) {
    const core::Host& host = policy_.host(hid);
    std::set<std::pair<uint32_t, uint32_t>> seen;
    for (const auto& layer : host.inbound) {
      for (const auto& fid : layer.members) {
        const core::PacketFilter& filter = policy_.filter(fid);
        if (!filter.inbound.valid()) continue;
        const core::RuleSet& rs = policy_.rule_set(filter.inbound);
        for (uint32_t c = 0; c < rs.chains.size(); ++c) {
          for (uint32_t k = 0; k < rs.chains[c].rules.size(); ++k) {
            const core::Rule& r = rs.chains[c].rules[k];
            if (r.action != core::Action::Allow || r.match.services.is_any()) continue;
            if (!r.match.dst.is_any() && !r.match.dst.set.intersects(host.addresses()) &&
                r.match.dst.symbols.empty())
              continue;
            bool listened = false, has_ports = false;
            for (const auto& clause : r.match.services.clauses) {
              for (const auto& l : host.listeners) {
                if (!clause.protocols.contains(l.protocol)) continue;
                has_ports = true;
                if (clause.dst_ports.intersects(l.ports)) listened = true;
              }
              for (uint8_t p : {core::proto::kTcp, core::proto::kUdp, core::proto::kSctp})
                has_ports |= clause.protocols.contains(p);
            }
            if (!has_ports || listened || !seen.insert({filter.inbound.value, (c << 20) | k}).second)
              continue;
            core::Finding f;
            f.rule_id = "unused-port-rule";
            f.severity = core::Severity::Note;
            f.message = fmt::format("{}: `{}` of {} admits {} but nothing on {} listens there", host.name,
                                    rule_label(rs, c, k), rs.name, r.match.services.to_string(), host.name);
            f.origin = r.origin;
            report_.findings.push_back(std::move(f));
          }
        }
      }
    }
  }

  const core::Policy& policy_;
  const LintOptions& options_;
  core::Report& report_;
  z3::context ctx_;
  Statistics stats_;
  Encoder enc_;
  PacketTerms p_;
  z3::solver solver_;
  size_t definitions_added_ = 0;
  size_t total_ = 0, done_ = 0;  // rules, for the progress bar
};

}  // namespace

std::vector<uint32_t> shadowed_by_plain_solver_loop(const core::Policy& policy, core::RuleSetId rule_set) {
  z3::context ctx;
  Statistics stats;
  Encoder enc(ctx, policy, stats);
  PacketTerms p = PacketTerms::fresh(ctx, "plain");
  z3::solver solver(ctx);
  solver.add(enc.well_formed(p));
  const auto& rules = policy.rule_set(rule_set).chains[0].rules;
  std::vector<uint32_t> shadowed;
  size_t definitions = 0;
  for (uint32_t i = 0; i < rules.size(); ++i) {
    z3::expr match = enc.rule_match(rules[i].match, p, core::ConnState::New);
    while (definitions < enc.definitions().size()) solver.add(enc.definitions()[definitions++]);
    solver.push();
    solver.add(match);
    if (solver.check() == z3::unsat) shadowed.push_back(i);
    solver.pop();
    if (deciding(rules[i].action)) solver.add(!match);
  }
  return shadowed;
}

void lint(const core::Policy& policy, const LintOptions& options, core::Report& report) {
  Linter(policy, options, report).run();
}

}  // namespace rampart::solver
