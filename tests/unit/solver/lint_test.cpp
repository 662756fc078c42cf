// Lint on rule sets whose anomalies are worked out by hand, and a
// differential check against the concrete evaluator on random first-match
// sets: a rule reported shadowed never decides any region representative,
// every other rule decides at least one; removing a rule reported redundant
// changes no representative's decision, removing any other reached rule
// changes one.

#include "rampart/solver/lint.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "rampart/core/evaluator.h"
#include "rampart/core/policy.h"
#include "rampart/core/regions.h"

namespace rampart::solver {
namespace {

using namespace core;

AddressSet set(const char* text) {
  return *AddressSet::parse(text).set;
}

Rule rule(uint32_t line, Action action, const char* src, ServiceSet services) {
  Rule r;
  r.name = "r" + std::to_string(line);
  r.action = action;
  r.match.src = AddressMatch::of(set(src));
  r.match.services = std::move(services);
  r.origin.kind = Origin::Kind::Policy;
  r.origin.file = "test.rampart";
  r.origin.line = line;
  return r;
}

ServiceSet tcp(uint16_t lo, uint16_t hi) {
  return ServiceSet::of(ServiceMatch::tcp(lo, hi));
}

Policy with_rules(std::vector<Rule> rules, Action fallback) {
  Policy p;
  RuleSet rs;
  rs.name = "fw";
  rs.default_action = fallback;
  rs.chains.push_back(Chain{"fw", std::move(rules), {}});
  p.add(rs);
  return p;
}

// pairwise: whether correlation is computed too (lists up to the limit),
// which takes the exact computation for every rule instead of the search.
Report lint_of(const Policy& p, bool pairwise = true) {
  Report report;
  LintOptions options;
  if (!pairwise) options.pairwise_limit = 0;
  lint(p, options, report);
  return report;
}

// The lines of the rules a finding kind names.
std::set<uint32_t> lines(const Report& r, const std::string& kind) {
  std::set<uint32_t> out;
  for (const auto& f : r.findings) {
    if (f.rule_id == kind) out.insert(f.origin.line);
  }
  return out;
}

TEST(Lint, ShadowedByTheUnionOfTwoEarlierRulesButByNeitherAlone) {
  // Both ways of computing it: exactly for every rule, and searching for
  // packets first (lists past the pairwise limit).
  for (bool pairwise : {true, false}) {
    SCOPED_TRACE(pairwise ? "pairwise" : "search first");
    // r3's sources 10.0.0.0/24 are split between r1 (lower half) and r2 (upper).
    Policy p = with_rules({rule(1, Action::Allow, "10.0.0.0/25", tcp(22, 22)),
                           rule(2, Action::Deny, "10.0.0.128/25", tcp(22, 22)),
                           rule(3, Action::Allow, "10.0.0.0/24", tcp(22, 22))},
                          Action::Deny);
    Report r = lint_of(p, pairwise);
    EXPECT_EQ(lines(r, "shadowed-rule"), (std::set<uint32_t>{3}));
    const Finding* f = nullptr;
    for (const auto& x : r.findings) {
      if (x.rule_id == "shadowed-rule") f = &x;
    }
    ASSERT_NE(f, nullptr);
    // Both earlier rules are named, and one of them has another action.
    EXPECT_EQ(f->related.size(), 2u);
    EXPECT_NE(f->message.find("2 earlier rules"), std::string::npos) << f->message;
    EXPECT_NE(f->message.find("another action"), std::string::npos) << f->message;
    EXPECT_NE(f->message.find("(proved)"), std::string::npos) << f->message;

    // Neither rule alone shadows it: drop either and r3 is reached.
    for (size_t drop : {0, 1}) {
      auto rules = p.rule_sets[0].chains[0].rules;
      rules.erase(rules.begin() + long(drop));
      EXPECT_TRUE(lines(lint_of(with_rules(rules, Action::Deny), pairwise), "shadowed-rule").empty())
          << "without r" << drop + 1;
    }
  }
}

TEST(Lint, RedundantRuleWhoseRemovalChangesNothing) {
  // Both ways of computing it: exactly for every rule, and searching for
  // packets first (lists past the pairwise limit).
  for (bool pairwise : {true, false}) {
    SCOPED_TRACE(pairwise ? "pairwise" : "search first");
    // r1 denies 10.0.0.5 tcp/22; the default denies it anyway and nothing after
    // r1 admits it: redundant. r2 admits the rest of the /24 and is not.
    Policy p = with_rules(
        {rule(1, Action::Deny, "10.0.0.5", tcp(22, 22)), rule(2, Action::Allow, "10.0.0.0/24", tcp(22, 22))},
        Action::Deny);
    Report r = lint_of(p, pairwise);
    EXPECT_TRUE(lines(r, "redundant-rule").empty()) << "r1 changes 10.0.0.5's decision: r2 would admit it";

    Policy q = with_rules(
        {rule(1, Action::Allow, "10.0.0.0/24", tcp(22, 22)), rule(2, Action::Deny, "10.0.1.5", tcp(22, 22))},
        Action::Deny);
    Report s = lint_of(q, pairwise);
    EXPECT_EQ(lines(s, "redundant-rule"), (std::set<uint32_t>{2}));
    for (const auto& f : s.findings) {
      if (f.rule_id == "redundant-rule") {
        EXPECT_NE(f.message.find("(proved)"), std::string::npos) << f.message;
      }
    }
  }
}

// The search for packets (lists past the pairwise limit) and the exact
// computation for every rule agree on longer lists, where the search has
// earlier rules to step out of: same shadowed and redundant rules, same
// rules named as taking a shadowed rule's packets, every verdict proved.
TEST(Lint, SearchAgreesWithExactComputationOnLongerLists) {
#ifdef RAMPART_SANITIZED
  const uint64_t seeds = 2;
#else
  const uint64_t seeds = 6;
#endif
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    std::mt19937_64 rng(seed);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<Rule> rules;
    for (uint32_t i = 0; i < 300; ++i) {
      // A small address and port space, so that rules overlap often.
      int len = pick(22, 32);
      uint32_t host = uint32_t(pick(0, 1023)) & ~((1u << (32 - len)) - 1);
      std::string src = pick(0, 7) == 0 ? "any" : fmt::format("10.0.{}.{}/{}", host >> 8, host & 255, len);
      ServiceSet services;
      switch (pick(0, 4)) {
        case 0: services = ServiceSet::any(); break;
        case 1: services = ServiceSet::of(ServiceMatch::protocol(proto::kUdp)); break;
        case 2: {
          uint16_t lo = uint16_t(pick(20, 40));
          services = tcp(lo, uint16_t(lo + pick(0, 10)));
          break;
        }
        default: services = tcp(22, 22); break;
      }
      Rule r = rule(i + 1, pick(0, 3) ? Action::Allow : Action::Deny, src.c_str(), services);
      if (pick(0, 2) == 0)
        r.match.dst = AddressMatch::of(set(fmt::format("10.1.0.{}/31", 2 * pick(0, 3)).c_str()));
      rules.push_back(r);
    }
    Policy p = with_rules(rules, pick(0, 1) ? Action::Allow : Action::Deny);
    Report exact = lint_of(p, true), search = lint_of(p, false);
    for (const char* kind : {"shadowed-rule", "redundant-rule"}) {
      EXPECT_EQ(lines(exact, kind), lines(search, kind)) << "seed " << seed << ", " << kind;
    }
    // The messages name the rules that take a rule's packets and those
    // that decide them after it: the same whichever way the verdict came.
    std::map<std::pair<std::string, uint32_t>, std::string> exact_messages, search_messages;
    auto related = [](const Finding& f) {
      std::string out = f.message;
      for (const auto& r : f.related)
        out += fmt::format("; {}:{} {}", r.origin.line, r.origin.column, r.message);
      return out;
    };
    for (const auto& f : exact.findings) {
      if (f.rule_id == "shadowed-rule" || f.rule_id == "redundant-rule")
        exact_messages[{f.rule_id, f.origin.line}] = related(f);
    }
    for (const auto& f : search.findings) {
      if (f.rule_id == "shadowed-rule" || f.rule_id == "redundant-rule")
        search_messages[{f.rule_id, f.origin.line}] = related(f);
    }
    EXPECT_EQ(exact_messages, search_messages) << "seed " << seed;
    EXPECT_FALSE(lines(exact, "shadowed-rule").empty()) << "seed " << seed << ": a list that tests nothing";
  }
}

TEST(Lint, CorrelationAndGeneralisation) {
  // r2 overlaps r1 partly with another action: correlated. r3 contains r1
  // with another action: r1 is its exception (generalisation).
  Policy p = with_rules(
      {rule(1, Action::Deny, "10.0.0.0/25", tcp(20, 30)), rule(2, Action::Allow, "10.0.0.64/26", tcp(25, 40)),
       rule(3, Action::Allow, "10.0.0.0/24", tcp(1, 100))},
      Action::Deny);
  Report r = lint_of(p);
  EXPECT_EQ(lines(r, "correlated-rules"), (std::set<uint32_t>{2}));
  EXPECT_EQ(lines(r, "generalization"), (std::set<uint32_t>{3}));
}

TEST(Lint, BlockOverridesAllow) {
  Policy p;
  RuleSet rs;
  rs.name = "wf";
  rs.combining = Combining::BlockOverridesAllow;
  rs.chains.push_back(Chain{"wf",
                            {rule(1, Action::Allow, "10.0.0.0/24", tcp(8080, 8080)),
                             rule(2, Action::Deny, "10.0.0.0/25", tcp(8080, 8080)),
                             rule(3, Action::Allow, "10.0.1.0/24", tcp(80, 80)),
                             rule(4, Action::Deny, "10.0.1.0/24", tcp(1, 1000))},
                            {}});
  p.add(rs);
  Report r = lint_of(p);
  std::map<uint32_t, std::string> found;
  for (const auto& f : r.findings) {
    if (f.rule_id == "overridden-allow") found[f.origin.line] = f.message;
  }
  ASSERT_EQ(found.size(), 2u);
  EXPECT_NE(found[1].find("partly"), std::string::npos) << found[1];
  EXPECT_NE(found[3].find("fully"), std::string::npos) << found[3];
}

// ---- differential -------------------------------------------------------------

struct Random {
  std::mt19937_64 rng;
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

  Rule next(uint32_t line) {
    static const char* sources[] = {"any",      "10.0.0.0/30", "10.0.0.2/31",
                                    "10.0.0.1", "10.0.0.0/29", "10.0.0.4/30"};
    static const char* destinations[] = {"any", "10.0.1.0/30", "10.0.1.1"};
    Rule r = rule(line, pick(0, 2) ? Action::Allow : Action::Deny, sources[pick(0, 5)], ServiceSet::any());
    r.match.dst = AddressMatch::of(set(destinations[pick(0, 2)]));
    switch (pick(0, 5)) {
      case 0: break;  // any protocol
      case 1: r.match.services = ServiceSet::of(ServiceMatch::protocol(proto::kUdp)); break;
      case 2: r.match.services = tcp(20, 25); break;
      case 3: r.match.services = tcp(22, 22); break;
      case 4: r.match.services = tcp(22, 23); break;
      default: r.match.services = ServiceSet{{ServiceMatch::tcp(80, 80), ServiceMatch::tcp(22, 22)}}; break;
    }
    return r;
  }
};

// Every representative packet's deciding rule (-1: the default) and decision.
std::vector<std::pair<int, Decision>> decide_all(const Policy& p, const Representatives& reps) {
  std::vector<std::pair<int, Decision>> out;
  for (const auto& src : reps.sources) {
    for (const auto& dst : reps.destinations) {
      if (src.family != dst.family) continue;
      for (uint8_t pr : reps.protocols) {
        for (uint16_t dport : reps.dst_ports) {
          Packet pk;
          pk.family = src.family;
          pk.src = src;
          pk.dst = dst;
          pk.protocol = pr;
          pk.src_port = 40000;
          pk.dst_port = dport;
          auto o = evaluate_rule_set(p, RuleSetId(0), pk, HostId(), {}, "", Valuation{});
          const auto& outcome = std::get<RuleSetOutcome>(o);
          out.emplace_back(outcome.rule ? int(outcome.rule->index) : -1, outcome.decision);
        }
      }
    }
  }
  return out;
}

TEST(Lint, DifferentialAgainstRegionRepresentatives) {
#ifdef RAMPART_SANITIZED
  const uint64_t seeds = 8;
#else
  const uint64_t seeds = 40;
#endif
  for (uint64_t seed = 1; seed <= seeds; ++seed) {
    Random rnd{std::mt19937_64(seed)};
    int n = rnd.pick(3, 10);
    std::vector<Rule> rules;
    for (int i = 0; i < n; ++i) rules.push_back(rnd.next(uint32_t(i + 1)));
    Action fallback = rnd.pick(0, 1) ? Action::Allow : Action::Deny;
    Policy p = with_rules(rules, fallback);

    // The representatives of every region the rules tell apart (a host with
    // this set as its one layer, so the enumeration sees the rules).
    Policy hosted = p;
    PacketFilter f{"fw", "test", RuleSetId(0), RuleSetId(0), true, FilterScope::Host, {}};
    Host h;
    h.name = "web1";
    h.interfaces.push_back(Interface{"eth0", "ethernet", {{*Address::parse("10.0.1.1"), 24}}, {}});
    h.inbound.push_back(Layer{{hosted.add(f)}, {}});
    hosted.add(h);
    Endpoint any;
    Destination d;
    d.host = HostId(0);
    NetworkPath path = path_for(hosted, any, d);
    Representatives reps = representatives(hosted, path, AddressSet::any(), AddressSet::any(),
                                           ServiceSet::any(), PortSet::all());
    reps.src_ports = {40000};
    auto decided = decide_all(p, reps);

    // Odd seeds: the exact computation for every rule; even ones: the search
    // for packets first (as on lists past the pairwise limit).
    Report r = lint_of(p, seed % 2 == 1);
    std::set<uint32_t> shadowed = lines(r, "shadowed-rule"), redundant = lines(r, "redundant-rule");
    std::set<int> deciding;
    for (const auto& [k, dec] : decided) deciding.insert(k);
    for (int i = 0; i < n; ++i) {
      bool reported = shadowed.count(uint32_t(i + 1)) > 0;
      EXPECT_EQ(reported, !deciding.count(i)) << "seed " << seed << ": rule r" << i + 1
                                              << (reported ? " reported shadowed but decides a region"
                                                           : " never decides, yet not reported shadowed");
    }
    for (int i = 0; i < n; ++i) {
      if (shadowed.count(uint32_t(i + 1))) continue;
      auto fewer = rules;
      fewer.erase(fewer.begin() + i);
      auto after = decide_all(with_rules(fewer, fallback), reps);
      bool changes = false;
      for (size_t k = 0; k < decided.size(); ++k) changes |= decided[k].second != after[k].second;
      EXPECT_EQ(redundant.count(uint32_t(i + 1)) > 0, !changes)
          << "seed " << seed << ": rule r" << i + 1
          << (changes ? " reported redundant but its removal changes a decision"
                      : " removable, yet not reported redundant");
    }
  }
}

}  // namespace
}  // namespace rampart::solver
