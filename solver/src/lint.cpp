#include "rampart/solver/lint.h"

#include <fmt/format.h>
#include <z3++.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <set>
#include <thread>

#include "bdd_space.h"
#include "encoder.h"
#include "flat_boxes.h"
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
  std::set<uint32_t> covering;  // earlier deciding rules that take some of its packets
  std::set<uint32_t> proof;     // earlier deciding rules that take all of them (shadowed)
  std::set<uint32_t> later;     // later rules whose hull overlaps it (all that can decide its packets)
  std::map<uint32_t, std::optional<Witness>>
      correlated;                  // earlier rule -> a packet they both match, decided by it
  std::set<uint32_t> generalised;  // earlier rules it generalises with another action
};

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
  // Each rule is compared only with the rules that can matter to it. What
  // reaches a rule is its packets minus the earlier deciding rules that meet
  // it; it is redundant when the later rules that meet what reaches it decide
  // all of it its way (or the default does). Sets are interval boxes; a
  // difference that fragments into too many boxes continues as a BDD.
  // Whole-list BDDs (the union of everything before each rule) were measured
  // first and rejected: a rule open in one field rewrites all the list's
  // structure below that field, quadratic in node work (docs/lint.md).
  struct Region {
    // User-provided: clang cannot default-construct a nested class with
    // member initializers before the enclosing class is complete.
    Region() {}
    BoxSet boxes;
    std::optional<bdd> set;   // once the boxes fragment
    size_t coalesce_at = 32;  // merge boxes when there are more than this
    bool empty() const { return set ? *set == bddfalse : boxes.empty(); }
  };
  static constexpr size_t kFragmentLimit = 256;

  // One list in one family and connection state.
  struct Pass {
    const std::vector<core::Rule>& rules;
    const std::vector<uint32_t>& order;
    core::Family family;
    RuleBoxes& boxes;
    std::vector<BoxSet> m;  // by position
    BoxSet everything;
    bool pairwise, has_fallback, first;
    core::Decision fallback;
    mutable std::vector<std::optional<bdd>> bdds;  // by position, once needed (rule_bdd)
    const core::Rule& rule(size_t pos) const { return rules[order[pos]]; }
  };

  void first_match(core::RuleSetId id, uint32_t chain, const std::vector<uint32_t>& order, bool entry) {
    const core::RuleSet& rs = policy_.rule_set(id);
    const auto& rules = rs.chains[chain].rules;
    if (rules.empty()) return;
    const size_t n = order.size();
    std::vector<const core::Rule*> ptrs;
    for (const auto& r : rules) ptrs.push_back(&r);
    std::vector<RuleFacts> facts(rules.size());
    bool first_pass = true;
    for (core::Family family : {core::Family::V4, core::Family::V6}) {
      for (core::ConnState state : state_classes(ptrs)) {
        RuleBoxes boxes(policy_, family, state);
        // What the list decides past its end (has_fallback): the default, or
        // (a user chain) whatever its caller does next, not one decision.
        Pass pass{rules,
                  order,
                  family,
                  boxes,
                  {},
                  boxes.match(core::Rule{}),
                  n <= options_.pairwise_limit,
                  entry,
                  first_pass,
                  decision_of(rs.default_action),
                  {}};
        pass.m.reserve(n);
        for (size_t pos = 0; pos < n; ++pos) pass.m.push_back(boxes.match(pass.rule(pos)));
        if (!flat_pass(pass, facts)) boxes_pass(pass, facts);
        first_pass = false;
      }
    }
    bool proved = options_.certify && certify_all(id, chain, facts, order, entry);
    for (uint32_t k = 0; k < rules.size(); ++k) report_rule(id, chain, k, facts[k], proved);
  }

  bdd as_bdd(const Pass& pass, const BoxSet& b) {
    return BddSpace::instance().of(b, pass.boxes.atom_keys(), pass.family);
  }
  // The rule at `k` as a BDD, built once per pass: a fragmented region
  // meets and takes the same earlier rules again and again.
  const bdd& rule_bdd(const Pass& pass, size_t k) {
    if (pass.bdds.size() != pass.m.size()) pass.bdds.resize(pass.m.size());
    if (!pass.bdds[k]) pass.bdds[k] = as_bdd(pass, pass.m[k]);
    return *pass.bdds[k];
  }
  bool region_meets(const Pass& pass, const Region& r, size_t k) {
    return r.set ? BddSpace::instance().intersects(*r.set, rule_bdd(pass, k)) : r.boxes.intersects(pass.m[k]);
  }
  void region_take(const Pass& pass, Region& r, size_t k) {
    if (!r.set) {
      r.boxes = r.boxes.subtract(pass.m[k]);
      if (r.boxes.size() <= r.coalesce_at) return;
      r.boxes.coalesce();
      r.coalesce_at = std::max<size_t>(32, 2 * r.boxes.size());
      if (r.boxes.size() <= kFragmentLimit) return;
      r.set = as_bdd(pass, r.boxes);
      r.boxes = BoxSet(&r.boxes.universe());
      return;
    }
    *r.set &= !rule_bdd(pass, k);
  }
  std::optional<Witness> region_example(const Pass& pass, const Region& r, size_t k) {
    return r.set ? BddSpace::instance().example(*r.set & rule_bdd(pass, k), pass.family)
                 : pass.boxes.lowest(r.boxes.intersect(pass.m[k]));
  }

  // ---- first-match lists as flat boxes ------------------------------------------
  // The common case: no unknown atoms, a few boxes per rule. Each rule first
  // looks for packets that settle what most rules are: reached (a packet of
  // the rule that no earlier deciding rule matches, found by stepping out of
  // the earlier rules that hold a candidate) and not redundant (such a
  // packet that a later rule or the default decides otherwise). A rule
  // without them is computed exactly: its packets minus the earlier deciding
  // rules that meet them, which also names the rules that take them. The
  // search only shortens the work: each verdict it gives rests on a
  // concrete packet, and every other verdict is computed exactly.
  enum Kind : uint8_t { kDeciding, kContinue, kOther };
  static constexpr size_t kMaxBoxesPerRule = 64;
  static constexpr size_t kFlatFragmentLimit = 4096;
  static constexpr int kWalkSteps = 8;
  static constexpr int kRedundancyTargets = 8;
  static constexpr size_t kSearchPieces = 20000;
  static constexpr size_t kSearchDepth = 256;
  static constexpr size_t kRulesPerClaim = 64;  // a thread's claim on the list

  // What is left of a rule's packets past some rules: flat boxes, or a
  // Region once the boxes fragment (rebuilt from the rule and the rules
  // taken so far, as the flat region is then unusable).
  struct Remainder {
    size_t origin = 0;
    std::vector<size_t> taken;
    FlatRegion flat;
    std::optional<Region> big;
    bool empty() const { return big ? big->empty() : flat.empty(); }
  };

  // What one thread reuses from rule to rule.
  struct Candidate {
    FlatBox box;
    bool earlier;
    bool differs;  // a later rule that decides otherwise (or jumps)
  };
  struct Scratch {
    FlatHoles holes;  // contributors_before
    std::vector<FlatBox> overlap;
    std::vector<size_t> contributors;
    std::vector<Candidate> candidates;  // decided_otherwise_somewhere
    Remainder reach, rest;
  };

  struct FlatList {
    FlatRules rules;
    std::vector<Kind> kind;
    std::vector<FlatBox> everything;
  };

  void start(Remainder& rem, const FlatList& list, size_t pos) {
    rem.origin = pos;
    rem.taken.clear();
    rem.big.reset();
    rem.flat.assign(list.rules.of(pos));
  }
  bool meets(const Pass& pass, const FlatList& list, const Remainder& rem, size_t k) {
    return rem.big ? region_meets(pass, *rem.big, k) : rem.flat.meets(list.rules.of(k));
  }
  void take(const Pass& pass, const FlatList& list, Remainder& rem, size_t k) {
    rem.taken.push_back(k);
    if (rem.big) {
      region_take(pass, *rem.big, k);
      return;
    }
    if (rem.flat.subtract(list.rules.of(k), kFlatFragmentLimit)) return;
    rem.big.emplace();
    rem.big->boxes = pass.m[rem.origin];
    for (size_t t : rem.taken) region_take(pass, *rem.big, t);
  }
  std::optional<Witness> example(const Pass& pass, const FlatList& list, const Remainder& rem, size_t k) {
    if (rem.big) return region_example(pass, *rem.big, k);
    std::vector<FlatBox> overlap;
    for (const auto& a : rem.flat.boxes()) {
      for (const auto& b : list.rules.of(k)) {
        if (a.meets(b)) overlap.push_back(a.meet(b));
      }
    }
    return pass.boxes.lowest(unflatten(overlap, &pass.m[k].universe()));
  }

  bool flat_pass(Pass& pass, std::vector<RuleFacts>& facts) {
    const size_t n = pass.m.size();
    if (!pass.boxes.atom_keys().empty()) return false;
    FlatList list;
    std::vector<FlatBox> boxes;
    for (size_t pos = 0; pos < n; ++pos) {
      if (!flatten(pass.m[pos], kMaxBoxesPerRule, boxes)) return false;
      list.rules.add_rule(boxes);
    }
    list.rules.index();
    if (!flatten(pass.everything, kMaxBoxesPerRule, list.everything)) return false;
    list.kind.resize(n);
    for (size_t pos = 0; pos < n; ++pos) {
      core::Action a = pass.rule(pos).action;
      list.kind[pos] = deciding(a) ? kDeciding : a == core::Action::Continue ? kContinue : kOther;
    }
    // Rule by rule, on every core for long lists: each rule's analysis only
    // reads the list and writes its own facts.
    const size_t workers = pass.pairwise ? 1 : worker_count(n);
    std::vector<Scratch> scratch(workers);
    std::vector<uint8_t> again(n, 0);  // rules to analyse alone, after the others
    std::atomic<size_t> next{0};
    std::vector<std::exception_ptr> failed(workers);
    auto work = [&](size_t w) {
      try {
        for (;;) {
          const size_t from = next.fetch_add(kRulesPerClaim);
          if (from >= n) return;
          if (w == 0 && options_.progress && pass.first) options_.progress(done_ + from, total_);
          for (size_t pos = from; pos < std::min(n, from + kRulesPerClaim); ++pos) {
            if (!analyse(pass, list, pos, facts[pass.order[pos]], scratch[w], workers == 1)) again[pos] = 1;
          }
        }
      } catch (...) {
        failed[w] = std::current_exception();
      }
    };
    std::vector<std::thread> threads;
    for (size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
    work(0);
    for (auto& t : threads) t.join();
    for (const auto& e : failed) {
      if (e) std::rethrow_exception(e);
    }
    for (size_t pos = 0; pos < n; ++pos) {
      if (again[pos]) analyse(pass, list, pos, facts[pass.order[pos]], scratch[0], true);
    }
    return true;
  }

  static size_t worker_count(size_t rules) {
    if (rules < 4 * kRulesPerClaim) return 1;
    return std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  }

  // What the rule at `pos` is: shadowed (and by which rules), redundant (and
  // why), or neither. False, with `f` only partly written, where it needs
  // the exact remainder and `exact_allowed` is false; facts only grow (set
  // members, reached, not redundant), so analysing it again is sound.
  bool analyse(const Pass& pass, const FlatList& list, size_t pos, RuleFacts& f, Scratch& scratch,
               bool exact_allowed) {
    const size_t n = pass.m.size();
    const FlatRules& flat = list.rules;
    const std::vector<Kind>& kind = list.kind;
    auto is_deciding = [&](size_t j) { return kind[j] == kDeciding; };
    auto decides = [&](size_t j) { return kind[j] != kContinue; };

    // A packet of `within` that no earlier deciding rule matches, found by
    // stepping upwards out of each earlier rule's box that holds the
    // candidate; none when the walk runs out of steps or of room.
    auto walk = [&](const FlatBox& within, size_t pos) -> std::optional<FlatPoint> {
      FlatPoint p = within.lo;
      for (int step = 0; step < kWalkSteps; ++step) {
        size_t b = flat.first_containing(p, 0, pos, is_deciding);
        if (b == FlatRules::npos) return p;
        const FlatBox& c = flat.box(b);
        bool moved = false;
        for (size_t d :
             {dim::kSrc, dim::kDst, dim::kDport, dim::kSport, dim::kProto, dim::kType, dim::kCode}) {
          if (c.hi[d] < within.hi[d]) {
            p[d] = c.hi[d] + 1;
            moved = true;
            break;
          }
        }
        if (!moved) return std::nullopt;
      }
      return std::nullopt;
    };
    // Whether removing the rule at `pos` changes the decision for `p`, a
    // packet that reaches it: the next rule to decide `p`, or the default.
    auto decided_otherwise = [&](const FlatPoint& p, size_t pos, core::Decision want) {
      size_t b = flat.first_containing(p, pos + 1, n, decides);
      if (b == FlatRules::npos) return !pass.has_fallback || pass.fallback != want;
      size_t k = flat.owner(b);
      return kind[k] == kOther || decision_of(pass.rule(k).action) != want;
    };

    const FlatBoxes mine = flat.of(pos);
    if (mine.empty()) return true;
    Remainder& reach = scratch.reach;
    Remainder& rest = scratch.rest;
    const core::Decision want = decision_of(pass.rule(pos).action);

    // Shadowed by an earlier rule that holds all of it: only the rules
    // before that one can take some of its packets first.
    if (!pass.pairwise) {
      size_t holder = flat.first_holding(mine, 0, pos, is_deciding);
      if (holder != FlatRules::npos) {
        for (size_t j : contributors_before(list, pos, holder, scratch)) f.covering.insert(pass.order[j]);
        f.proof.insert(pass.order[holder]);  // the shortest proof
        return true;
      }
    }
    // Reached: by a packet, or exactly.
    std::optional<FlatPoint> witness;
    if (!pass.pairwise) {
      for (size_t b = 0; b < mine.size() && b < 4 && !witness; ++b) witness = walk(mine[b], pos);
    }
    bool exact = false;
    // The exact remainder, where a thread of many may not build one (it
    // may continue as a BDD, and BuDDy is one table for the process): the
    // rule is then analysed again alone.
    auto compute_exact = [&]() {
      if (!exact_allowed) return false;
      if (!exact) exact_reach(pass, list, pos, f, reach);
      exact = true;
      return true;
    };
    if (!witness && !pass.pairwise) {
      // Shadowed by a union of earlier rules, most likely: decided on the
      // holes they make, widest first, before any remainder fragments.
      const auto& taken = contributors_before(list, pos, pos, scratch);
      if (scratch.holes.covers(mine)) {
        for (size_t j : taken) f.covering.insert(pass.order[j]);
        for (size_t j : taken) f.proof.insert(pass.order[j]);
        return true;
      }
    }
    if (!witness && !compute_exact()) return false;
    const bool reached = witness || !reach.empty();
    f.reached |= reached;
    if (reached && kind[pos] != kDeciding) f.redundant = false;
    if (exact && (!reached || pass.pairwise)) {
      for (size_t j : reach.taken) f.covering.insert(pass.order[j]);
      if (!reached) {
        for (size_t j : reach.taken) f.proof.insert(pass.order[j]);
      }
    }
    if (!reached || !f.redundant) return true;

    // Not redundant, by a packet: the one found, or one of an overlap with
    // a later rule that decides otherwise.
    std::optional<FlatPoint> p = witness;
    if (!p && !reach.big) p = reach.flat.boxes().front().lo;
    bool otherwise = p && decided_otherwise(*p, pos, want);
    bool any_differing = false;
    if (!otherwise) {
      int targets = 0;
      flat.for_each_meeting(mine, pos + 1, n, [&](size_t k) {
        if (kind[k] == kContinue || (kind[k] == kDeciding && decision_of(pass.rule(k).action) == want))
          return true;
        any_differing = true;
        for (const auto& a : mine) {
          for (const auto& c : flat.of(k)) {
            if (!a.meets(c)) continue;
            auto q = walk(a.meet(c), pos);
            if (q && decided_otherwise(*q, pos, want)) {
              otherwise = true;
              return false;
            }
          }
        }
        return ++targets < kRedundancyTargets;
      });
    }
    if (otherwise) {
      f.redundant = false;
      return true;
    }
    Search search = Search::kGaveUp;
    if ((any_differing || !pass.has_fallback || pass.fallback != want) && !exact) {
      FlatPoint q;
      search = decided_otherwise_somewhere(pass, list, pos, want, kSearchPieces, scratch, q);
      // The packet found must be one: unreached by the earlier rules and
      // decided otherwise past this one (else the exact way decides).
      if (search == Search::kFound && (flat.first_containing(q, 0, pos, is_deciding) != FlatRules::npos ||
                                       !decided_otherwise(q, pos, want)))
        search = Search::kGaveUp;
      if (search == Search::kFound) {
        f.redundant = false;
        return true;
      }
    } else if (!any_differing && pass.has_fallback && pass.fallback == want) {
      search = Search::kNone;
    }
    if (search == Search::kGaveUp) {
      // Exactly: what reaches it, past the later rules that decide it its way.
      if (!compute_exact()) return false;
      rest = reach;
      bool same = true;
      flat.for_each_meeting(mine, pos + 1, n, [&](size_t k) {
        if (kind[k] == kContinue || !meets(pass, list, rest, k)) return true;
        if (kind[k] == kOther || decision_of(pass.rule(k).action) != want) {
          same = false;
          return false;
        }
        take(pass, list, rest, k);
        return !rest.empty();
      });
      if (!same || (!rest.empty() && (!pass.has_fallback || pass.fallback != want))) {
        f.redundant = false;
        return true;
      }
    }
    // (Else no later rule that decides otherwise meets it, and the default
    // decides it its way.) Redundant here: the proof needs the earlier rules
    // that take its packets and every later rule that can decide them.
    if (exact) {
      for (size_t j : reach.taken) f.covering.insert(pass.order[j]);
    } else {
      for (size_t j : contributors_before(list, pos, pos, scratch)) f.covering.insert(pass.order[j]);
    }
    flat.for_each_meeting(mine, pos + 1, n, [&](size_t k) {
      if (kind[k] != kContinue) f.later.insert(pass.order[k]);
      return true;
    });
    return true;
  }

  // A packet of the rule at `pos` that reaches it and that the later rules
  // or the default decide otherwise than `want`: the search behind "not
  // redundant" for a rule too wide to compute as a remainder (subtracting
  // many small earlier rules from a wide box fragments it into thousands of
  // boxes). It splits the rule's box at the faces of the rules that meet a
  // piece, depth first: a piece that an earlier deciding rule holds is
  // settled; one that the first later rule meeting it holds is decided by
  // that rule; one that no rule meets is decided by the default. Exact;
  // kGaveUp once it has examined `budget` pieces.
  enum class Search { kFound, kNone, kGaveUp };
  Search decided_otherwise_somewhere(const Pass& pass, const FlatList& list, size_t pos, core::Decision want,
                                     size_t budget, Scratch& scratch, FlatPoint& found) const {
    std::vector<Candidate>& candidates_ = scratch.candidates;
    const FlatRules& flat = list.rules;
    const FlatBoxes mine = flat.of(pos);
    const size_t n = pass.m.size();
    candidates_.clear();
    auto add = [&](size_t k, bool earlier, bool differs) {
      for (const auto& c : flat.of(k)) {
        for (const auto& a : mine) {
          if (a.meets(c)) {
            candidates_.push_back({c, earlier, differs});
            break;
          }
        }
      }
    };
    flat.for_each_meeting(mine, 0, pos, [&](size_t j) {
      if (list.kind[j] == kDeciding) add(j, true, false);
      return true;
    });
    flat.for_each_meeting(mine, pos + 1, n, [&](size_t k) {
      if (list.kind[k] == kContinue) return true;
      add(k, false, list.kind[k] == kOther || decision_of(pass.rule(k).action) != want);
      return true;
    });
    const bool default_differs = !pass.has_fallback || pass.fallback != want;
    size_t pieces = 0;
    // Candidates are in list order: earlier rules first, then later ones.
    // Depth is bounded too, for the stack's sake (a thread's is 8 MB, and
    // crafted input could nest thousands of splits).
    auto search = [&](auto&& self, const FlatBox& x, const std::vector<uint32_t>& parent,
                      size_t depth) -> Search {
      if (++pieces > budget || depth > kSearchDepth) return Search::kGaveUp;
      std::vector<uint32_t> here;
      here.reserve(parent.size());
      const Candidate* first_later = nullptr;
      const Candidate* partial_earlier = nullptr;
      for (uint32_t c : parent) {
        const Candidate& cand = candidates_[c];
        if (!cand.box.meets(x)) continue;
        if (cand.earlier) {
          if (x.inside(cand.box)) return Search::kNone;  // taken before it
          if (!partial_earlier) partial_earlier = &cand;
        } else if (!first_later) {
          first_later = &cand;
        }
        here.push_back(c);
      }
      // Which later rule decides the packets of x that reach the rule, if one does.
      const Candidate* split_on = nullptr;
      bool differs = default_differs;
      if (first_later && x.inside(first_later->box)) {
        differs = first_later->differs;
      } else if (first_later) {
        split_on = first_later;
      }
      if (!split_on) {
        if (!differs) return Search::kNone;
        if (!partial_earlier) {
          found = x.lo;  // in no earlier rule, and decided otherwise
          return Search::kFound;
        }
        split_on = partial_earlier;  // is some of x left past the earlier rules?
      }
      // Two pieces at a face of split_on that lies inside x; the piece
      // outside it first, where the answer changes.
      for (size_t d = 0; d < dim::kFields; ++d) {
        const FlatBox& h = split_on->box;
        if (h.lo[d] > x.lo[d]) {
          FlatBox out = x, in = x;
          out.hi[d] = h.lo[d] - 1;
          in.lo[d] = h.lo[d];
          Search r = self(self, out, here, depth + 1);
          if (r != Search::kNone) return r;
          return self(self, in, here, depth + 1);
        }
        if (h.hi[d] < x.hi[d]) {
          FlatBox out = x, in = x;
          out.lo[d] = h.hi[d] + 1;
          in.hi[d] = h.hi[d];
          Search r = self(self, out, here, depth + 1);
          if (r != Search::kNone) return r;
          return self(self, in, here, depth + 1);
        }
      }
      return Search::kGaveUp;  // unreachable: split_on meets x without holding it
    };
    std::vector<uint32_t> all(candidates_.size());
    for (uint32_t c = 0; c < all.size(); ++c) all[c] = c;
    for (const auto& a : mine) {
      Search r = search(search, a, all, 0);
      if (r != Search::kNone) return r;
    }
    return Search::kNone;
  }

  // The earlier deciding rules that take some packets of the rule at `pos`,
  // which the rule at `holder` holds entirely (or none does: holder = pos):
  // each rule before `holder` whose overlap with it the earlier ones do not
  // cover, then `holder` if anything is left. scratch.holes is their union. Kept as a list of holes rather
  // than a remainder, as small earlier rules would fragment a remainder that `holder` then empties at once.
  static const std::vector<size_t>& contributors_before(const FlatList& list, size_t pos, size_t holder,
                                                        Scratch& scratch) {
    FlatHoles& holes_ = scratch.holes;
    std::vector<FlatBox>& overlap_ = scratch.overlap;
    std::vector<size_t>& contributors_ = scratch.contributors;
    const FlatRules& flat = list.rules;
    const FlatBoxes mine = flat.of(pos);
    holes_.clear();
    contributors_.clear();
    flat.for_each_meeting(mine, 0, holder, [&](size_t j) {
      if (list.kind[j] != kDeciding) return true;
      overlap_.clear();
      for (const auto& a : mine) {
        for (const auto& c : flat.of(j)) {
          if (a.meets(c)) overlap_.push_back(a.meet(c));
        }
      }
      if (holes_.covers(overlap_)) return true;
      contributors_.push_back(j);
      holes_.add(overlap_);
      return true;
    });
    if (holder < pos && !holes_.covers(mine)) contributors_.push_back(holder);
    return contributors_;
  }

  // The exact remainder of the rule at `pos` past the earlier deciding rules
  // that meet it; `reach.taken` are those that take some of its packets, in
  // order. On pairwise lists, also the correlation and generalisation facts.
  void exact_reach(const Pass& pass, const FlatList& list, size_t pos, RuleFacts& f, Remainder& reach) {
    const FlatRules& flat = list.rules;
    const FlatBoxes mine = flat.of(pos);
    const core::Rule& r = pass.rule(pos);
    start(reach, list, pos);
    // A catch-all after its exceptions is the idiom, not a finding.
    const bool pairs = pass.pairwise && list.kind[pos] == kDeciding && !inside(list.everything, mine);
    flat.for_each_meeting(mine, 0, pos, [&](size_t j) {
      if (list.kind[j] != kDeciding || !meets(pass, list, reach, j)) return true;
      const core::Rule& e = pass.rule(j);
      if (pairs && decision_of(e.action) != decision_of(r.action)) {
        bool inside_earlier = inside(mine, flat.of(j));  // shadowed by it: reported as shadowed
        bool covers_earlier = inside(flat.of(j), mine);
        if (covers_earlier && !inside_earlier) {
          f.generalised.insert(pass.order[j]);
        } else if (!inside_earlier && !f.correlated.count(pass.order[j])) {
          // One example packet per rule is enough for the report.
          std::optional<Witness> w;
          if (f.correlated.empty()) w = example(pass, list, reach, j);
          f.correlated[pass.order[j]] = w;
        }
      }
      take(pass, list, reach, j);
      return !reach.empty();
    });
  }

  // ---- first-match lists as general boxes -------------------------------------------
  // Lists whose rules carry unknown atoms (interfaces, symbolic sets,
  // attributes): the same computation over BoxSets, every rule exactly,
  // each compared with the rules whose hulls meet it.
  void boxes_pass(Pass& pass, std::vector<RuleFacts>& facts) {
    const size_t n = pass.m.size();
    const auto& m = pass.m;
    HullIndex hulls(n);
    for (size_t pos = 0; pos < n; ++pos) hulls.set(pos, hull_of(m[pos]));
    auto rule = [&](size_t pos) -> const core::Rule& { return pass.rule(pos); };
    std::vector<Region> reach(n);
    std::vector<size_t> earlier, later;
    for (size_t pos = 0; pos < n; ++pos) {
      const core::Rule& r = rule(pos);
      RuleFacts& f = facts[pass.order[pos]];
      if (m[pos].empty()) continue;
      if (options_.progress && pass.first && (pos & 1023) == 0) options_.progress(done_ + pos, total_);
      // What reaches it.
      hulls.meeting(pos, 0, pos, earlier);
      reach[pos].boxes = m[pos];
      for (size_t j : earlier) {
        if (!deciding(rule(j).action) || !m[j].intersects(m[pos])) continue;
        region_take(pass, reach[pos], j);
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
          const core::Rule& next = rule(k);
          if (next.action == core::Action::Continue || !region_meets(pass, rest, k)) continue;
          if (!deciding(next.action) || decision_of(next.action) != want) {
            same = false;
            break;
          }
          region_take(pass, rest, k);
          if (rest.empty()) break;
        }
        if (!same || (!rest.empty() && (!pass.has_fallback || pass.fallback != want))) f.redundant = false;
        if (f.redundant) {
          // Every later rule that can decide its packets takes part in the proof.
          for (size_t k : later) {
            if (rule(k).action != core::Action::Continue && m[pos].intersects(m[k]))
              f.later.insert(pass.order[k]);
          }
        }
      }
      // The earlier deciding rules that take its packets, and the pairs.
      if (!reached || f.redundant || pass.pairwise) {
        for (size_t j : earlier) {
          const core::Rule& e = rule(j);
          if (!deciding(e.action) || !region_meets(pass, reach[j], pos)) continue;
          f.covering.insert(pass.order[j]);
          if (!reached) f.proof.insert(pass.order[j]);
          if (!pass.pairwise || !deciding(r.action) || decision_of(e.action) == decision_of(r.action))
            continue;
          bool inside_earlier = m[pos].inside(m[j]);  // shadowed by it: reported as shadowed
          bool covers_earlier = m[j].inside(m[pos]);
          // A catch-all after its exceptions is the idiom, not a finding.
          if (pass.everything.inside(m[pos])) continue;
          if (covers_earlier && !inside_earlier) {
            f.generalised.insert(pass.order[j]);
          } else if (!inside_earlier && !f.correlated.count(pass.order[j])) {
            // One example packet per rule is enough for the report.
            std::optional<Witness> w;
            if (f.correlated.empty()) w = region_example(pass, reach[j], pos);
            f.correlated[pass.order[j]] = w;
          }
        }
      }
    }
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
  // Verdicts proved per solver call: measured at 10k rules, 32 took 19 s,
  // 256 took 24 s and all of them at once 155 s (docs/performance.md).
  static constexpr size_t kCertificationSlice = 32;
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
          for (uint32_t j : f.proof) reaches = reaches && !match[j];
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
      // In slices: one disjunction over thousands of verdicts makes the
      // solver carry all their rules through every case split.
      const size_t slice = kCertificationSlice;
      for (size_t from = 0; from < claims.size(); from += slice) {
        size_t to = std::min(claims.size(), from + slice);
        z3::expr_vector part(ctx_);
        for (size_t i = from; i < to; ++i) part.push_back(wrong[int(i)]);
        solver_.push();
        solver_.add(z3::mk_or(part));
        z3::check_result r = solver_.check();
        if (r == z3::sat) {
          z3::model m = solver_.get_model();
          std::string which;
          for (size_t i = from; i < to; ++i) {
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
