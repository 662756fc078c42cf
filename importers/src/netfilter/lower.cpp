// From tables and chains to core rule sets: one first-match rule set per path
// through netfilter (input, output, forward), each holding every base chain
// on that path in the kernel's order, with the conditions that depend on the
// path (interfaces, address types) decided here. docs/importers/netfilter.md
// explains each step.

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "ir.h"

namespace rampart::importers::nf {
namespace {

using core::AddressMatch;
using core::AddressSet;
using core::Origin;

// Jumps nest at most this deep in what rampart evaluates (lowering inlines
// each level); real rule sets nest a handful.
constexpr int kMaxJumpDepth = 60;

const AddressSet& multicast() {
  static const AddressSet s = AddressSet::parse("224.0.0.0/4").set->unite(*AddressSet::parse("ff00::/8").set);
  return s;
}
const AddressSet& limited_broadcast() {
  static const AddressSet s = *AddressSet::parse("255.255.255.255").set;
  return s;
}

bool covers(const std::string& family, core::Family f) {
  if (family == "inet") return true;
  if (family == "ip") return f == core::Family::V4;
  if (family == "ip6") return f == core::Family::V6;
  return false;
}

// The hooks a path crosses, in order.
int hook_order(Path p, Hook h) {
  switch (p) {
    case Path::Input: return h == Hook::Prerouting ? 0 : h == Hook::Input ? 1 : -1;
    case Path::Output: return h == Hook::Output ? 0 : h == Hook::Postrouting ? 1 : -1;
    case Path::Forward:
      return h == Hook::Prerouting ? 0 : h == Hook::Forward ? 1 : h == Hook::Postrouting ? 2 : -1;
  }
  return -1;
}

std::string path_name(Path p) {
  switch (p) {
    case Path::Input: return "input";
    case Path::Output: return "output";
    case Path::Forward: return "forward";
  }
  return "";
}

// Which addresses arrive on (or leave by) which interface, per the
// interface map: each address belongs to the interfaces with the smallest
// range that holds it (the most specific wins, as in routing); several with
// ranges of one size make it ambiguous.
class InterfaceRegions {
 public:
  explicit InterfaceRegions(const InterfaceMap& map) {
    for (const auto& [name, set] : map.ranges) names_.push_back(name);
    build<uint32_t>(map, core::Family::V4);
    build<core::u128>(map, core::Family::V6);
  }

  bool empty() const { return names_.empty(); }
  const std::vector<std::string>& names() const { return names_; }

  // For the interfaces `matched` (indices into names()): where the packet
  // certainly is on one of them, and where it may be.
  void regions(const std::vector<bool>& matched, bool negated, AddressSet& on_out,
               AddressSet& maybe_out) const {
    std::vector<AddressSet> on, maybe;
    for (const auto& p : pieces_) {
      bool any = false, all = true;
      for (size_t w : p.winners) {
        any |= matched[w];
        all &= matched[w];
      }
      AddressSet piece = p.set;
      if (p.winners.empty()) {
        maybe.push_back(std::move(piece));
        continue;
      }
      bool yes = negated ? !any : all;
      bool unsure = any && !all;
      if (unsure)
        maybe.push_back(std::move(piece));
      else if (yes)
        on.push_back(std::move(piece));
    }
    on_out = unite_all(std::move(on));
    maybe_out = unite_all(std::move(maybe));
  }

 private:
  struct Piece {
    AddressSet set;
    std::vector<size_t> winners;
  };

  template <typename T>
  void build(const InterfaceMap& map, core::Family fam) {
    std::vector<T> cuts{0};
    std::vector<const core::IntervalSet<T>*> sets;
    for (const auto& [name, set] : map.ranges) {
      const core::IntervalSet<T>* s;
      if constexpr (std::is_same_v<T, uint32_t>)
        s = &set.v4();
      else
        s = &set.v6();
      sets.push_back(s);
      for (const auto& iv : s->intervals()) {
        cuts.push_back(iv.lo);
        if (iv.hi != core::IntervalSet<T>::kMax) cuts.push_back(T(iv.hi + 1));
      }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    for (size_t i = 0; i < cuts.size(); ++i) {
      T lo = cuts[i];
      T hi = i + 1 < cuts.size() ? T(cuts[i + 1] - 1) : core::IntervalSet<T>::kMax;
      std::vector<size_t> winners;
      core::u128 best = 0;
      for (size_t n = 0; n < sets.size(); ++n) {
        if (!sets[n]->contains(lo)) continue;
        core::u128 size = sets[n]->size();
        if (winners.empty() || size < best) {
          winners = {n};
          best = size;
        } else if (size == best) {
          winners.push_back(n);
        }
      }
      AddressSet piece;
      core::Address a{fam, lo}, b{fam, hi};
      piece = AddressSet::range(a, b);
      if (!pieces_.empty() && pieces_.back().winners == winners && !pieces_.back().set.only(fam).empty()) {
        pieces_.back().set = pieces_.back().set.unite(piece);
      } else {
        pieces_.push_back(Piece{piece, winners});
      }
    }
  }

  std::vector<std::string> names_;
  std::vector<Piece> pieces_;
};

struct Stage {
  size_t table = 0;
  size_t chain = 0;
  int order = 0;
  int priority = 0;
  size_t seq = 0;
  friend bool operator==(const Stage& a, const Stage& b) { return a.table == b.table && a.chain == b.chain; }
};

// Addresses the raw table may leave untracked on a path.
struct NoTrack {
  bool any = false;
  bool everything = false;
  AddressSet addresses;  // sources and destinations of NOTRACK rules
  Origin first;
};

class Lowerer {
 public:
  Lowerer(Ruleset& rs, const LowerOptions& options) : rs_(rs), options_(options), regions_(rs.interfaces) {}

  core::ImportResult run() {
    core::ImportResult out;
    notes();
    if (!rs_.diagnostics.has_errors()) {
      // Everything that reads the parsed rules to plan a path is done for all
      // three before any is lowered: lowering frees each chain's parsed rules
      // after their last translation.
      PathPlan input = plan(Path::Input), output = plan(Path::Output), forward = plan(Path::Forward);
      count_translations({&input, &output, &forward});
      if (lowers_too_large()) {
        out.diagnostics = std::move(rs_.diagnostics);
        return out;
      }
      core::RuleSetId in = lower_path(input);
      core::RuleSetId outp = lower_path(output);
      core::RuleSetId fwd = lower_path(forward);
      if (!rs_.diagnostics.has_errors()) {
        core::Policy& frag = rs_.fragment;
        core::PacketFilter f;
        f.name = "filter";
        f.kind = "netfilter";
        f.inbound = in;
        f.outbound = outp;
        f.stateless = true;
        f.scope = core::FilterScope::Host;
        f.origin = Origin::native_line(rs_.file, 0);
        core::FilterId fid = frag.add(f);
        out.objects.push_back(core::ImportedObject{"filter", core::ObjectKind::Filter, fid.value});
        core::PacketFilter g;
        g.name = "forward";
        g.kind = "netfilter";
        g.inbound = fwd;
        g.outbound = fwd;
        g.stateless = true;
        g.scope = core::FilterScope::Network;
        g.origin = f.origin;
        core::FilterId gid = frag.add(g);
        out.objects.push_back(core::ImportedObject{"forward", core::ObjectKind::Filter, gid.value});
        zones(out);
      }
    }
    out.diagnostics = std::move(rs_.diagnostics);
    if (!out.diagnostics.has_errors())
      out.fragment = std::move(rs_.fragment);
    else
      out.objects.clear();
    return out;
  }

 private:
  // ---- notes on what is not lowered ----------------------------------------------

  // The kernel refuses a rule set in which a chain can reach itself; and
  // lowering inlines jumps, so chains nested deeper than rampart evaluates
  // are refused here, before lowering recurses through them. One iterative
  // depth-first walk per table does both: a dump can chain 100,000 jumps.
  void loops() {
    for (const auto& t : rs_.tables) {
      const size_t n = t.chains.size();
      std::vector<uint8_t> state(n, 0);  // 1: on the path, 2: done
      std::vector<int> depth(n, 0);      // the deepest jump nesting below a done chain
      struct Frame {
        size_t chain;
        size_t next_rule = 0;
        int depth = 0;
      };
      std::vector<Frame> stack;
      for (size_t root = 0; root < n; ++root) {
        if (state[root] != 0) continue;
        state[root] = 1;
        stack.push_back({root});
        while (!stack.empty()) {
          Frame& top = stack.back();
          const Chain& c = t.chains[top.chain];
          if (top.next_rule < c.rules.size()) {
            const Rule& r = c.rules[top.next_rule++];
            if (r.verdict != Verdict::Jump && r.verdict != Verdict::Goto) continue;
            const Chain* next = t.find(r.target);
            if (!next) continue;
            auto k = size_t(next - t.chains.data());
            if (state[k] == 1) {
              rs_.diagnostics.error(
                  codes::kSyntax, r.origin,
                  fmt::format("`{}` jumps back to chain `{}`, which leads here: a loop, which the "
                              "kernel refuses",
                              r.name, r.target));
            } else if (state[k] == 2) {
              top.depth = std::max(top.depth, 1 + depth[k]);
            } else {
              state[k] = 1;
              stack.push_back({k});
            }
            continue;
          }
          state[top.chain] = 2;
          depth[top.chain] = top.depth;
          int done = top.depth;
          stack.pop_back();
          if (!stack.empty()) stack.back().depth = std::max(stack.back().depth, 1 + done);
        }
      }
      for (size_t k = 0; k < n; ++k) {
        const Chain& c = t.chains[k];
        if (c.base && depth[k] > kMaxJumpDepth) {
          rs_.diagnostics.error(
              codes::kModel, c.origin,
              fmt::format("jumps from chain `{}` nest {} deep; rampart evaluates at most {}", c.name,
                          depth[k], kMaxJumpDepth));
        }
      }
    }
  }

  void notes() {
    loops();
    for (const auto& t : rs_.tables) {
      if (t.family != "ip" && t.family != "ip6" && t.family != "inet") {
        bool drops = false;
        for (const auto& c : t.chains) {
          for (const auto& r : c.rules)
            drops |= r.verdict == Verdict::Drop || r.verdict == Verdict::Undecided;
          drops |= c.base && c.policy == core::Action::Deny;
        }
        rs_.diagnostics.add(core::Diagnostic{
            drops ? core::Severity::Warning : core::Severity::Note,
            codes::kModel,
            fmt::format("table `{} {}` is not read: rampart models the ip, ip6 and inet families{}", t.family,
                        t.name, drops ? "; this table can drop packets, which answers do not show" : ""),
            t.origin,
            {},
            {}});
        continue;
      }
      for (const auto& c : t.chains) {
        if (c.base && c.type == "nat") {
          for (const auto& r : c.rules) {
            if (r.verdict == Verdict::Drop || r.verdict == Verdict::Undecided) {
              rs_.diagnostics.warning(
                  codes::kModel, r.origin,
                  "a nat chain that drops: rampart does not read nat chains, so this rule does "
                  "not show in answers");
            }
          }
        }
        for (const auto& r : c.rules) {
          if (r.dnat) {
            rs_.diagnostics.warning(
                codes::kModel, r.origin,
                "this rule rewrites destination addresses or ports; rampart does not model NAT, "
                "so packets it rewrites are judged with their original addresses");
          }
        }
      }
    }
  }

  // ---- stages ------------------------------------------------------------------

  bool can_deny(size_t table, const std::string& chain, std::set<std::string>& seen) {
    const Chain* c = rs_.tables[table].find(chain);
    if (!c || !seen.insert(chain).second) return false;
    if (c->base && c->policy == core::Action::Deny) return true;
    for (const auto& r : c->rules) {
      if (r.alts.empty()) continue;
      if (r.verdict == Verdict::Drop || r.verdict == Verdict::Undecided) return true;
      if ((r.verdict == Verdict::Jump || r.verdict == Verdict::Goto) && can_deny(table, r.target, seen))
        return true;
    }
    return false;
  }

  std::vector<Stage> stages(Path path, core::Family fam) {
    std::vector<Stage> out;
    size_t seq = 0;
    for (size_t ti = 0; ti < rs_.tables.size(); ++ti) {
      const Table& t = rs_.tables[ti];
      if (!covers(t.family, fam)) continue;
      for (size_t ci = 0; ci < t.chains.size(); ++ci) {
        const Chain& c = t.chains[ci];
        ++seq;
        if (!c.base || c.type == "nat") continue;
        int order = hook_order(path, c.hook);
        if (order < 0) continue;
        std::set<std::string> seen;
        if (!can_deny(ti, c.name, seen)) continue;
        out.push_back(Stage{ti, ci, order, c.priority, seq});
      }
    }
    std::stable_sort(out.begin(), out.end(), [](const Stage& a, const Stage& b) {
      if (a.order != b.order) return a.order < b.order;
      return a.priority < b.priority;
    });
    return out;
  }

  void collect_notrack(size_t table, const std::string& chain, std::set<std::string>& seen, NoTrack& nt) {
    const Chain* c = rs_.tables[table].find(chain);
    if (!c || !seen.insert(chain).second) return;
    for (const auto& r : c->rules) {
      if (r.notrack) {
        if (!nt.any) nt.first = r.origin;
        nt.any = true;
        for (const auto& a : r.alts) {
          bool src_plain = a.m.src.symbols.empty() && !a.m.src.negated;
          bool dst_plain = a.m.dst.symbols.empty() && !a.m.dst.negated;
          if (src_plain && !a.m.src.is_any())
            nt.addresses = nt.addresses.unite(a.m.src.set);
          else if (dst_plain && !a.m.dst.is_any())
            nt.addresses = nt.addresses.unite(a.m.dst.set);
          else
            nt.everything = true;
        }
      }
      if (r.verdict == Verdict::Jump || r.verdict == Verdict::Goto)
        collect_notrack(table, r.target, seen, nt);
    }
  }

  NoTrack notrack(Path path) {
    NoTrack nt;
    Hook first = path == Path::Output ? Hook::Output : Hook::Prerouting;
    for (size_t ti = 0; ti < rs_.tables.size(); ++ti) {
      for (const auto& c : rs_.tables[ti].chains) {
        // Before connection tracking (priority -200).
        if (!c.base || c.hook != first || c.priority >= -200) continue;
        std::set<std::string> seen;
        collect_notrack(ti, c.name, seen, nt);
      }
    }
    if (nt.any && !warned_notrack_) {
      warned_notrack_ = true;
      rs_.diagnostics.warning(
          codes::kModel, nt.first,
          "packets this rule matches are untracked in the kernel; rampart's packets are new or "
          "established, so the state matches of rules that could meet them are unknown");
    }
    return nt;
  }

  // ---- one path ------------------------------------------------------------------

  struct Build {
    Path path;
    core::RuleSet* set = nullptr;
    std::vector<Stage> stages;
    std::vector<uint32_t> stage_chain;  // core chain of each stage's base chain
    bool strict = false;                // stages must never return (several stages, or family dispatch)
    std::map<std::pair<size_t, std::pair<size_t, std::string>>, uint32_t> copies;  // (stage, (table, chain))
    std::set<std::pair<size_t, std::string>> in_progress;
    NoTrack nt;
  };

  // What lowering a path reads from the parsed rules besides translating them.
  struct PathPlan {
    Path path;
    NoTrack nt;
    std::vector<core::Family> fams;
    std::map<core::Family, std::vector<Stage>> per;  // stages of each family
    bool shared = false;                             // the same stages for every family
  };

  PathPlan plan(Path path) {
    PathPlan p;
    p.path = path;
    p.nt = notrack(path);
    if (options_.single_family)
      p.fams = {options_.family};
    else
      p.fams = {core::Family::V4, core::Family::V6};
    for (auto f : p.fams) p.per[f] = stages(path, f);
    p.shared = p.fams.size() == 1 || p.per[core::Family::V4] == p.per[core::Family::V6];
    return p;
  }

  // Each base chain (stage) gets its own copy of every chain it reaches, so
  // a big chain that many base chains jump to is lowered many times: 58 nft
  // prerouting chains jumping to one 100,000-rule chain are millions of
  // rules and several GB. Past a bound (at least 4 M, else 8 times the
  // parsed rules) on the count below, which is an upper bound, the import is
  // refused before lowering.
  bool lowers_too_large() {
    size_t parsed = 0, lowered = 0;
    for (size_t t = 0; t < rs_.tables.size(); ++t) {
      for (size_t c = 0; c < rs_.tables[t].chains.size(); ++c) {
        size_t n = rs_.tables[t].chains[c].rules.size();
        parsed += n;
        lowered += n * translations_left_[t][c];
      }
    }
    const size_t bound = std::max<size_t>(4'000'000, 8 * parsed);
    if (lowered <= bound) return false;
    rs_.diagnostics.error(
        codes::kModel, Origin::native_line(rs_.file, 0),
        fmt::format("the {} rules would lower to up to {} (chains reached from several base "
                    "chains are copied for each); rampart lowers at most {}",
                    parsed, lowered, bound));
    return true;
  }

  // A parsed chain is translated at most once per stage of each build that
  // reaches it (copy_chain's memo), so counting the stages whose base chain
  // reaches it by jumps and gotos bounds its translations from above. When
  // the last one is done, translate() frees its parsed rules: the parsed and
  // the lowered form of a large file then do not both live whole. A count
  // that is too high only keeps rules longer; it is never too low.
  void count_translations(const std::vector<const PathPlan*>& plans) {
    translations_left_.assign(rs_.tables.size(), {});
    for (size_t t = 0; t < rs_.tables.size(); ++t)
      translations_left_[t].assign(rs_.tables[t].chains.size(), 0);
    auto count_build = [&](const std::vector<Stage>& stages) {
      for (const Stage& s : stages) {
        std::vector<bool> reached(rs_.tables[s.table].chains.size(), false);
        std::vector<size_t> todo{s.chain};
        reached[s.chain] = true;
        while (!todo.empty()) {
          size_t ci = todo.back();
          todo.pop_back();
          ++translations_left_[s.table][ci];
          for (const Rule& r : rs_.tables[s.table].chains[ci].rules) {
            if (r.verdict != Verdict::Jump && r.verdict != Verdict::Goto) continue;
            const Chain* next = rs_.tables[s.table].find(r.target);
            if (!next) continue;
            size_t ni = size_t(next - rs_.tables[s.table].chains.data());
            if (!reached[ni]) {
              reached[ni] = true;
              todo.push_back(ni);
            }
          }
        }
      }
    };
    for (const PathPlan* p : plans) {
      if (p->shared) {
        count_build(p->per.at(p->fams[0]));
      } else {
        for (auto f : p->fams) count_build(p->per.at(f));
      }
    }
  }

  void translated(size_t table, const Chain& c) {
    size_t ci = size_t(&c - rs_.tables[table].chains.data());
    if (table >= translations_left_.size() || ci >= translations_left_[table].size()) return;
    size_t& left = translations_left_[table][ci];
    if (left > 0 && --left == 0) std::vector<Rule>().swap(rs_.tables[table].chains[ci].rules);
  }

  core::RuleSetId lower_path(PathPlan& plan) {
    const Path path = plan.path;
    core::RuleSet set;
    set.name = path == Path::Forward ? "forward" : fmt::format("filter {}", path_name(path));
    set.combining = core::Combining::FirstMatch;
    set.origin = Origin::native_line(rs_.file, 0);
    set.default_origin = set.origin;
    const NoTrack& nt = plan.nt;
    const std::vector<core::Family>& fams = plan.fams;
    std::map<core::Family, std::vector<Stage>>& per = plan.per;
    bool shared = plan.shared;

    core::Chain entry;
    entry.name = path == Path::Forward ? "FORWARD" : path == Path::Input ? "INPUT" : "OUTPUT";
    entry.origin = set.origin;
    set.chains.push_back(entry);

    if (options_.single_family) {
      // The other family never meets these chains.
      core::Family other = options_.family == core::Family::V4 ? core::Family::V6 : core::Family::V4;
      core::Rule gate;
      gate.name = fmt::format("{} packets: not filtered by {}", other == core::Family::V6 ? "IPv6" : "IPv4",
                              rs_.tool);
      gate.action = core::Action::Allow;
      gate.match.family = other;
      gate.origin = Origin::native_line(rs_.file, 0);
      gate.origin.kind = Origin::Kind::NativeRule;
      gate.origin.native_id = other == core::Family::V6 ? "IPv6" : "IPv4";
      set.chains[0].rules.push_back(gate);
    }

    if (shared) {
      const auto& L = per[fams[0]];
      if (L.empty()) {
        set.default_action = core::Action::Allow;  // no chain can drop on this path
      } else if (L.size() == 1) {
        Build b{path, &set, L, {0}, false, {}, {}, nt};
        const Chain& c = rs_.tables[L[0].table].chains[L[0].chain];
        set.default_action = c.policy;
        set.default_origin = c.policy_origin;
        set.chains[0].name = chain_label(L[0]);
        set.chains[0].origin = c.origin;
        fill_base(b, 0);
      } else {
        Build b{path, &set, L, {}, true, {}, {}, nt};
        allocate_stages(b, /*first_is_entry=*/true);
        for (size_t k = 0; k < L.size(); ++k) fill_base(b, k);
      }
    } else {
      for (auto f : fams) {
        const auto& L = per[f];
        core::Rule dispatch;
        dispatch.match.family = f;
        dispatch.origin = Origin::native_line(rs_.file, 0);
        dispatch.origin.kind = Origin::Kind::NativeRule;
        dispatch.origin.native_id = f == core::Family::V4 ? "IPv4" : "IPv6";
        if (L.empty()) {
          dispatch.name = fmt::format("{} packets: no chain on this path can drop them",
                                      f == core::Family::V4 ? "IPv4" : "IPv6");
          dispatch.action = core::Action::Allow;
          set.chains[0].rules.push_back(dispatch);
          continue;
        }
        Build b{path, &set, L, {}, true, {}, {}, nt};
        allocate_stages(b, false);
        dispatch.name = fmt::format("{} packets", f == core::Family::V4 ? "IPv4" : "IPv6");
        dispatch.action = core::Action::Goto;
        dispatch.target_chain = b.stage_chain[0];
        set.chains[0].rules.push_back(dispatch);
        for (size_t k = 0; k < L.size(); ++k) fill_base(b, k);
      }
      set.default_action = core::Action::Deny;
    }
    check_depth(set);
    return rs_.fragment.add(std::move(set));
  }

  std::string chain_label(const Stage& s) const {
    const Table& t = rs_.tables[s.table];
    const Chain& c = t.chains[s.chain];
    if (rs_.tool == "nft") return fmt::format("{} {} {}", t.family, t.name, c.name);
    return t.name == "filter" ? c.name : fmt::format("{} {}", t.name, c.name);
  }

  void allocate_stages(Build& b, bool first_is_entry) {
    for (size_t k = 0; k < b.stages.size(); ++k) {
      const Chain& c = rs_.tables[b.stages[k].table].chains[b.stages[k].chain];
      if (k == 0 && first_is_entry) {
        b.stage_chain.push_back(0);
        b.set->chains[0].name = chain_label(b.stages[0]);
        b.set->chains[0].origin = c.origin;
        continue;
      }
      b.stage_chain.push_back(uint32_t(b.set->chains.size()));
      b.set->chains.push_back(core::Chain{chain_label(b.stages[k]), {}, c.origin});
    }
  }

  // What ACCEPT means in stage k: the next stage, or admission after the last.
  core::Rule accept_rule(const Build& b, size_t k) const {
    core::Rule r;
    if (k + 1 < b.stage_chain.size()) {
      r.action = core::Action::Goto;
      r.target_chain = b.stage_chain[k + 1];
    } else {
      r.action = core::Action::Allow;
    }
    return r;
  }
  core::Rule policy_rule(const Build& b, size_t k) const {
    const Chain& c = rs_.tables[b.stages[k].table].chains[b.stages[k].chain];
    core::Rule r = c.policy == core::Action::Allow ? accept_rule(b, k) : core::Rule{};
    if (c.policy != core::Action::Allow) r.action = core::Action::Deny;
    return r;
  }

  void fill_base(Build& b, size_t k) {
    const Stage& s = b.stages[k];
    const Chain& c = rs_.tables[s.table].chains[s.chain];
    uint32_t index = b.stage_chain[k];
    b.in_progress.insert({s.table, c.name});
    std::vector<core::Rule> rules = translate(b, k, s.table, c, c.hook, /*base=*/true);
    b.in_progress.erase({s.table, c.name});
    auto& dest = b.set->chains[index].rules;
    dest.insert(dest.end(), std::make_move_iterator(rules.begin()), std::make_move_iterator(rules.end()));
    if (b.strict) {
      core::Rule last = policy_rule(b, k);
      last.name =
          fmt::format("policy {} of {}", c.policy == core::Action::Allow ? "accept" : "drop", chain_label(s));
      last.origin = c.policy_origin;
      dest.push_back(last);
    }
  }

  uint32_t copy_chain(Build& b, size_t k, size_t table, const std::string& name, Hook hook,
                      const Origin& from) {
    auto key = std::make_pair(k, std::make_pair(table, name));
    if (b.in_progress.count({table, name})) {
      rs_.diagnostics.error(
          codes::kSyntax, from,
          fmt::format("chain `{}` is reached again from itself (a loop): the kernel refuses such a "
                      "rule set",
                      name));
      return 0;
    }
    auto it = b.copies.find(key);
    if (it != b.copies.end()) return it->second;
    const Chain* c = rs_.tables[table].find(name);
    uint32_t index = uint32_t(b.set->chains.size());
    std::string label = rs_.tool == "nft" ? name
                        : rs_.tables[table].name == "filter"
                            ? name
                            : fmt::format("{} {}", rs_.tables[table].name, name);
    b.set->chains.push_back(core::Chain{label, {}, c ? c->origin : from});
    b.copies.emplace(key, index);
    if (!c) return index;
    b.in_progress.insert({table, name});
    std::vector<core::Rule> rules = translate(b, k, table, *c, hook, /*base=*/false);
    b.in_progress.erase({table, name});
    b.set->chains[index].rules = std::move(rules);
    return index;
  }

  std::vector<core::Rule> translate(Build& b, size_t k, size_t table, const Chain& c, Hook hook, bool base) {
    std::vector<core::Rule> out = translate_rules(b, k, table, c, hook, base);
    translated(table, c);
    return out;
  }

  std::vector<core::Rule> translate_rules(Build& b, size_t k, size_t table, const Chain& c, Hook hook,
                                          bool base) {
    std::vector<core::Rule> out;
    out.reserve(c.rules.size());
    const Hook stage_hook = rs_.tables[b.stages[k].table].chains[b.stages[k].chain].hook;
    (void)hook;
    int stage_priority = rs_.tables[b.stages[k].table].chains[b.stages[k].chain].priority;
    bool after_conntrack =
        !(stage_priority < -200 && (stage_hook == Hook::Prerouting || stage_hook == Hook::Output));
    for (size_t i = 0; i < c.rules.size(); ++i) {
      const Rule& r = c.rules[i];
      if (r.verdict == Verdict::Continue) continue;  // decides nothing
      Origin origin = r.origin;
      origin.kind = Origin::Kind::NativeRule;
      origin.native_id = fmt::format("{}#{}", c.name, i + 1);
      cx_ = ConjContext{&rs_, origin, r.name};
      std::vector<core::Match> matches;
      for (const auto& alt : r.alts) {
        for (auto& m : resolve(alt, b.path, stage_hook)) {
          if (after_conntrack) {
            for (auto& m2 : untracked_split(m, b.nt)) matches.push_back(std::move(m2));
          } else {
            matches.push_back(std::move(m));
          }
        }
      }
      if (matches.empty()) continue;
      auto emit = [&](core::Rule proto) {
        for (const auto& m : matches) {
          core::Rule x = proto;
          x.name = r.name;
          x.origin = origin;
          x.match = m;
          out.push_back(std::move(x));
        }
      };
      auto emit_with = [&](core::Rule proto, core::ConditionId cond) {
        for (const auto& m : matches) {
          core::Rule x = proto;
          x.name = r.name;
          x.origin = origin;
          x.match = m;
          x.match.unknowns.push_back(cond);
          out.push_back(std::move(x));
        }
      };
      switch (r.verdict) {
        case Verdict::Accept: emit(accept_rule(b, k)); break;
        case Verdict::Drop: {
          core::Rule d;
          d.action = core::Action::Deny;
          emit(d);
          break;
        }
        case Verdict::Continue: break;
        case Verdict::Return: {
          if (base && b.strict) {
            emit(policy_rule(b, k));
          } else if (base) {
            core::Rule ret;
            ret.action = core::Action::Return;
            emit(ret);
          } else {
            core::Rule ret;
            ret.action = core::Action::Return;
            emit(ret);
          }
          break;
        }
        case Verdict::Jump:
        case Verdict::Goto: {
          uint32_t target = copy_chain(b, k, table, r.target, hook, origin);
          core::Rule j;
          j.target_chain = target;
          if (r.verdict == Verdict::Goto && base && b.strict) {
            // A base chain that a goto leaves ends there: its policy decides.
            j.action = core::Action::Jump;
            emit(j);
            emit(policy_rule(b, k));
          } else {
            j.action = r.verdict == Verdict::Goto ? core::Action::Goto : core::Action::Jump;
            emit(j);
          }
          break;
        }
        case Verdict::Undecided: {
          core::ConditionId accepts = rs_.condition(fmt::format("{}: {} accepts", origin.to_string(), r.name),
                                                    r.undecided + ": it accepts the packet", origin);
          core::ConditionId drops = rs_.condition(fmt::format("{}: {} drops", origin.to_string(), r.name),
                                                  r.undecided + ": it drops the packet", origin);
          emit_with(accept_rule(b, k), accepts);
          core::Rule d;
          d.action = core::Action::Deny;
          emit_with(d, drops);
          break;
        }
      }
    }
    return out;
  }

  // ---- conditions that depend on the path -------------------------------------

  std::vector<core::Match> resolve(const Conj& alt, Path path, Hook hook) {
    Conj base = alt;
    base.ifaces.clear();
    base.addrtypes.clear();
    std::vector<Conj> cur{base};
    for (const auto& ic : alt.ifaces) {
      auto p = product(cur, iface_alts(ic, path, hook), cx_);
      cur = p ? std::move(*p) : std::vector<Conj>{};
      if (cur.empty()) return {};
    }
    for (const auto& at : alt.addrtypes) {
      auto p = product(cur, addrtype_alts(at, path), cx_);
      cur = p ? std::move(*p) : std::vector<Conj>{};
      if (cur.empty()) return {};
    }
    std::vector<core::Match> out;
    for (auto& c : cur) out.push_back(std::move(c.m));
    return out;
  }

  std::vector<Conj> iface_alts(const IfaceCond& ic, Path path, Hook hook) {
    bool known = ic.in ? (hook == Hook::Prerouting || hook == Hook::Input || hook == Hook::Forward)
                       : (hook == Hook::Forward || hook == Hook::Output || hook == Hook::Postrouting);
    const core::InterfaceMatch& im = ic.match;
    if (!known) {
      // No such interface at this hook: the name compared is empty.
      bool v = im.matches_name("") != im.negated;
      return v ? std::vector<Conj>{Conj{}} : std::vector<Conj>{};
    }
    const char* side = ic.in ? "in" : "out";
    std::string names = fmt::format("{}", fmt::join(im.names, ","));
    if (!regions_.empty()) {
      std::vector<bool> matched(regions_.names().size(), false);
      bool any = false;
      for (size_t n = 0; n < matched.size(); ++n) {
        matched[n] = im.matches_name(regions_.names()[n]);
        any |= matched[n];
      }
      bool lo = im.matches_name("lo");
      if (any || !lo) {
        AddressSet on, maybe;
        regions_.regions(matched, im.negated, on, maybe);
        std::vector<Conj> out;
        auto addr = [&](const AddressSet& s) {
          return ic.in ? conj_src(AddressMatch::of(s)) : conj_dst(AddressMatch::of(s));
        };
        if (!on.empty()) out.push_back(addr(on));
        if (!maybe.empty()) {
          Conj c = addr(maybe);
          c.m.unknowns.push_back(rs_.condition(
              fmt::format("{}: {} interface {}{} (interface map)", rs_.file, side, im.negated ? "not " : "",
                          names),
              fmt::format(
                  "the packet's {} interface is {}{}: the interface map ({}) gives its address to several "
                  "interfaces, or to none",
                  side, im.negated ? "not " : "", names, rs_.interfaces.file),
              cx_.origin));
          out.push_back(c);
        }
        if (lo) {
          // Loopback is not in the map: on a host's own paths the packet's
          // interface decides; nothing is forwarded from or to lo.
          core::InterfaceMatch lom;
          lom.names = {"lo"};
          lom.negated = im.negated;
          Conj l;
          if (path != Path::Forward) (ic.in ? l.m.in_interface : l.m.out_interface) = lom;
          if (!im.negated) {
            if (path != Path::Forward) out.push_back(l);
          } else if (path != Path::Forward) {
            for (auto& c : out) {
              auto x = intersect(c, l, cx_);
              if (x) c = *x;
            }
          }
        }
        return out;
      }
    }
    if (path == Path::Forward) {
      core::ConditionId c = rs_.condition(
          fmt::format("{}: forwarded packet's {} interface {}{}", rs_.file, side,
                      im.negated ? "is not " : "is ", names),
          fmt::format(
              "the forwarded packet's {} interface on the gateway is {}{} (give the gateway's interface map "
              "to decide it)",
              side, im.negated ? "not " : "", names),
          cx_.origin);
      return {conj_unknown(c)};
    }
    Conj c;
    (ic.in ? c.m.in_interface : c.m.out_interface) = im;
    return {c};
  }

  // The type of an address, as the kernel's routing tables give it (addrtype,
  // fib ... type), on the packets rampart knows:
  //  - the destination on the input path and the source on the output path
  //    are this host's: LOCAL;
  //  - the source on the input path and the destination on the output path
  //    are this host's exactly when the packet goes through `lo` (the local
  //    path), else a remote address: multicast and 255.255.255.255 by their
  //    address, anything else UNICAST;
  //  - on the forward path neither end is this host's: multicast and
  //    255.255.255.255 by their address, anything else UNICAST.
  std::vector<Conj> addrtype_alts(const AddrType& at, Path path) {
    using namespace addrtype;
    uint16_t T = at.negated ? uint16_t(kAll & ~at.types) : at.types;
    auto restrict_to = [&](const AddressSet& s) {
      return at.source ? conj_src(AddressMatch::of(s)) : conj_dst(AddressMatch::of(s));
    };
    bool local_only = (path == Path::Input && !at.source) || (path == Path::Output && at.source);
    if (local_only) return (T & kLocal) ? std::vector<Conj>{Conj{}} : std::vector<Conj>{};
    if (T == kAll) return {Conj{}};
    if (T == 0) return {};
    AddressSet special = multicast().unite(limited_broadcast());
    std::vector<Conj> remote;
    if (T & kMulticast) remote.push_back(restrict_to(multicast()));
    if (T & kBroadcast) remote.push_back(restrict_to(limited_broadcast()));
    if (T & kUnicast) remote.push_back(restrict_to(special.complement()));
    if (path == Path::Forward) return remote;
    // Through lo or not: the packet's in interface on the input path, its out
    // interface on the output path.
    bool in = path == Path::Input;
    core::InterfaceMatch lo;
    lo.names = {"lo"};
    std::vector<Conj> out;
    if (T & kLocal) {
      Conj c;
      (in ? c.m.in_interface : c.m.out_interface) = lo;
      out.push_back(c);
    }
    lo.negated = true;
    for (auto& c : remote) {
      (in ? c.m.in_interface : c.m.out_interface) = lo;
      out.push_back(c);
    }
    return out;
  }

  // A state match that tells new (or established) from untracked packets is
  // unknown for packets the raw table may leave untracked.
  std::vector<core::Match> untracked_split(const core::Match& m, const NoTrack& nt) {
    if (!nt.any) return {m};
    using core::ConnState;
    auto has = [&](ConnState s) { return (m.states & core::conn_state_bit(s)) != 0; };
    bool u = has(ConnState::Untracked);
    if (has(ConnState::New) == u && has(ConnState::Established) == u) return {m};
    core::ConditionId cond = rs_.condition(
        fmt::format("{}: state of a packet the raw table may leave untracked", cx_.origin.to_string()),
        fmt::format("`{}` meets a packet that the raw table's NOTRACK rules may leave untracked",
                    cx_.rule_text),
        cx_.origin);
    Conj any_state;
    any_state.m = m;
    any_state.m.states = core::kAllConnStates;
    any_state.m.unknowns.push_back(cond);
    if (nt.everything || !m.src.symbols.empty() || !m.dst.symbols.empty()) return {any_state.m};
    std::vector<core::Match> out;
    Conj tracked;
    tracked.m = m;
    AddressMatch outside = AddressMatch::of(nt.addresses.complement());
    if (auto a = intersect(tracked, conj_src(outside), cx_)) {
      if (auto b2 = intersect(*a, conj_dst(outside), cx_)) out.push_back(b2->m);
    }
    AddressMatch inside = AddressMatch::of(nt.addresses);
    if (auto a = intersect(any_state, conj_src(inside), cx_)) out.push_back(a->m);
    if (auto a = intersect(any_state, conj_dst(inside), cx_)) out.push_back(a->m);
    return out;
  }

  // ---- checks and objects ---------------------------------------------------------

  void check_depth(const core::RuleSet& set) {
    std::vector<int> depth(set.chains.size(), -1);
    std::function<int(uint32_t)> visit = [&](uint32_t c) -> int {
      if (depth[c] >= 0) return depth[c];
      depth[c] = 0;  // guards against cycles (reported elsewhere)
      int d = 0;
      for (const auto& r : set.chains[c].rules) {
        if (r.action == core::Action::Jump || r.action == core::Action::Goto)
          d = std::max(d, 1 + visit(r.target_chain));
      }
      depth[c] = d;
      return d;
    };
    if (!set.chains.empty() && visit(0) > kMaxJumpDepth) {
      rs_.diagnostics.error(codes::kModel, Origin::native_line(rs_.file, 0),
                            fmt::format("chains nest {} deep on the {} path; rampart evaluates at most {}",
                                        visit(0), set.name, kMaxJumpDepth));
    }
  }

  void zones(core::ImportResult& out) {
    for (const auto& [name, set] : rs_.ipsets) {
      if (set.type != "hash:ip" && set.type != "hash:net" && set.type != "bitmap:ip") continue;
      std::vector<AddressSet> in, ex;
      bool ok = true;
      for (const auto& m : set.members) {
        std::string err;
        auto a = m.parts.size() == 1 ? parse_address(m.parts[0], set.family, err) : std::nullopt;
        if (!a) {
          ok = false;
          break;
        }
        (m.nomatch ? ex : in).push_back(std::move(*a));
      }
      if (!ok) continue;
      core::Zone z;
      z.name = "ipset:" + name;
      z.addresses = unite_all(std::move(in)).subtract(unite_all(std::move(ex)));
      z.origin = set.origin;
      rs_.fragment.zones.push_back(z);
      out.objects.push_back(
          core::ImportedObject{z.name, core::ObjectKind::Zone, uint32_t(rs_.fragment.zones.size() - 1)});
    }
  }

  Ruleset& rs_;
  LowerOptions options_;
  InterfaceRegions regions_;
  ConjContext cx_;
  bool warned_notrack_ = false;
  std::vector<std::vector<size_t>> translations_left_;  // per table, per chain
};

}  // namespace

core::ImportResult lower(Ruleset rs, const LowerOptions& options) {
  Lowerer l(rs, options);
  return l.run();
}

}  // namespace rampart::importers::nf
