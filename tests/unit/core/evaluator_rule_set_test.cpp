// The concrete evaluator, one rule set at a time: the four combining
// semantics, chains (jump / goto / return / continue), defaults and the
// three-valued matching of unknown atoms. Expected decisions are worked out
// from netfilter, AWS, Windows Firewall and Azure/GCP semantics by hand.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core_test_util.h"
#include "rampart/core/diagnostic.h"
#include "rampart/core/evaluator.h"

namespace rampart::core {
namespace {

using testing::jump;
using testing::M;
using testing::rule;
using testing::rule_set;
using testing::tcp;
using testing::udp;

const std::map<std::string, std::string> kNoAttrs;

// The outcome of a rule set that must not need an atom.
RuleSetOutcome decide(const Policy& p, RuleSetId id, const Packet& pk, HostId host = {},
                      const Valuation& v = {}, const std::map<std::string, std::string>& attrs = kNoAttrs) {
  auto r = evaluate_rule_set(p, id, pk, host, attrs, "fwd", v);
  if (auto* n = std::get_if<AtomNeeded>(&r)) {
    ADD_FAILURE() << "unexpected unknown atom " << n->key;
    return {};
  }
  return std::get<RuleSetOutcome>(r);
}

// The atom a rule set needs (empty when it decided).
std::string needed(const Policy& p, RuleSetId id, const Packet& pk, HostId host = {}, const Valuation& v = {},
                   const std::map<std::string, std::string>& attrs = kNoAttrs) {
  auto r = evaluate_rule_set(p, id, pk, host, attrs, "fwd", v);
  if (auto* n = std::get_if<AtomNeeded>(&r)) return n->key;
  return {};
}

// "name" of the deciding rule, or "default".
std::string by(const Policy& p, const RuleSetOutcome& o) {
  return o.rule ? p.rule(*o.rule).name : "default";
}

std::string via(const Policy& p, const RuleSetOutcome& o) {
  std::string out;
  for (const auto& r : o.via) out += (out.empty() ? "" : ",") + p.rule(r).name;
  return out;
}

Valuation with(std::initializer_list<std::pair<const char*, bool>> values) {
  Valuation v;
  for (const auto& [k, b] : values) v.set(k, b);
  return v;
}

// ---------------------------------------------------------------- first match

TEST(FirstMatch, FirstMatchingRuleDecides) {
  Policy p;
  RuleSetId id = p.add(rule_set("fw", Combining::FirstMatch, Action::Deny,
                                {rule("deny-66", Action::Deny, M().src("10.0.0.66")),
                                 rule("ssh", Action::Allow, M().src("10.0.0.0/24").service("tcp/22")),
                                 rule("ssh-too", Action::Deny, M().service("tcp/22"))}));
  auto a = decide(p, id, tcp("10.0.0.66", 40000, "10.0.1.10", 22));
  EXPECT_EQ(a.decision, Decision::Deny);
  EXPECT_EQ(by(p, a), "deny-66");
  ASSERT_TRUE(a.rule.has_value());
  EXPECT_EQ(a.rule->rule_set, id);
  EXPECT_EQ(a.rule->chain, 0u);
  EXPECT_EQ(a.rule->index, 0u);

  auto b = decide(p, id, tcp("10.0.0.65", 40000, "10.0.1.10", 22));
  EXPECT_EQ(b.decision, Decision::Allow);
  EXPECT_EQ(by(p, b), "ssh");
  EXPECT_EQ(b.rule->index, 1u);

  auto c = decide(p, id, tcp("10.0.1.1", 40000, "10.0.1.10", 22));
  EXPECT_EQ(c.decision, Decision::Deny);
  EXPECT_EQ(by(p, c), "ssh-too");

  auto d = decide(p, id, tcp("10.0.0.65", 40000, "10.0.1.10", 23));
  EXPECT_EQ(d.decision, Decision::Deny);
  EXPECT_FALSE(d.rule.has_value());  // the default decided
  EXPECT_TRUE(d.via.empty());
}

TEST(FirstMatch, DefaultAllow) {
  Policy p;
  RuleSetId id = p.add(rule_set("fw", Combining::FirstMatch, Action::Allow,
                                {rule("no-telnet", Action::Deny, M().service("tcp/23"))}));
  auto a = decide(p, id, tcp("1.2.3.4", 5000, "10.0.0.1", 22));
  EXPECT_EQ(a.decision, Decision::Allow);
  EXPECT_FALSE(a.rule.has_value());
  EXPECT_EQ(decide(p, id, tcp("1.2.3.4", 5000, "10.0.0.1", 23)).decision, Decision::Deny);

  Policy empty;
  RuleSetId e = empty.add(rule_set("none", Combining::FirstMatch, Action::Deny, {}));
  auto x = decide(empty, e, tcp("1.2.3.4", 5000, "10.0.0.1", 23));
  EXPECT_EQ(x.decision, Decision::Deny);
  EXPECT_FALSE(x.rule.has_value());
}

TEST(FirstMatch, ContinueDecidesNothing) {
  Policy p;
  RuleSetId id =
      p.add(rule_set("fw", Combining::FirstMatch, Action::Allow,
                     {rule("log", Action::Continue), rule("log-ssh", Action::Continue, M().service("tcp/22")),
                      rule("deny-ssh", Action::Deny, M().service("tcp/22"))}));
  auto a = decide(p, id, tcp("1.2.3.4", 5000, "10.0.0.1", 22));
  EXPECT_EQ(a.decision, Decision::Deny);
  EXPECT_EQ(by(p, a), "deny-ssh");
  auto b = decide(p, id, tcp("1.2.3.4", 5000, "10.0.0.1", 80));
  EXPECT_EQ(b.decision, Decision::Allow);
  EXPECT_FALSE(b.rule.has_value());
}

// INPUT: jump CHK for tcp; deny 10.0.0.7; allow udp; policy ACCEPT.
// CHK:   deny 10.0.0.5; return for 10.0.0.0/24; allow.
Policy chains_policy(RuleSetId& id) {
  Policy p;
  RuleSet rs =
      rule_set("INPUT", Combining::FirstMatch, Action::Allow,
               {jump("to-chk", 1, M().service("tcp")), rule("deny-7", Action::Deny, M().src("10.0.0.7")),
                rule("allow-udp", Action::Allow, M().service("udp"))});
  rs.chains.push_back(
      Chain{"CHK",
            {rule("chk-deny-5", Action::Deny, M().src("10.0.0.5")),
             rule("chk-return", Action::Return, M().src("10.0.0.0/24")), rule("chk-allow", Action::Allow)},
            {}});
  id = p.add(std::move(rs));
  return p;
}

TEST(FirstMatch, JumpAndReturn) {
  RuleSetId id;
  Policy p = chains_policy(id);

  auto a = decide(p, id, tcp("10.0.0.5", 5000, "10.0.1.10", 22));
  EXPECT_EQ(a.decision, Decision::Deny);
  EXPECT_EQ(by(p, a), "chk-deny-5");
  EXPECT_EQ(a.rule->chain, 1u);
  EXPECT_EQ(a.rule->index, 0u);
  EXPECT_EQ(via(p, a), "to-chk");

  // RETURN goes back to the rule after the jump.
  auto b = decide(p, id, tcp("10.0.0.7", 5000, "10.0.1.10", 22));
  EXPECT_EQ(b.decision, Decision::Deny);
  EXPECT_EQ(by(p, b), "deny-7");
  EXPECT_EQ(b.rule->chain, 0u);
  EXPECT_EQ(via(p, b), "");  // the jump came back: not on the way to the deciding rule

  // Returned, nothing else matches: the entry chain's policy.
  auto c = decide(p, id, tcp("10.0.0.8", 5000, "10.0.1.10", 22));
  EXPECT_EQ(c.decision, Decision::Allow);
  EXPECT_FALSE(c.rule.has_value());
  EXPECT_TRUE(c.via.empty());

  auto d = decide(p, id, tcp("192.168.0.1", 5000, "10.0.1.10", 22));
  EXPECT_EQ(d.decision, Decision::Allow);
  EXPECT_EQ(by(p, d), "chk-allow");
  EXPECT_EQ(via(p, d), "to-chk");

  // No jump for udp.
  auto e = decide(p, id, udp("10.0.0.7", 5000, "10.0.1.10", 53));
  EXPECT_EQ(by(p, e), "deny-7");
  auto f = decide(p, id, udp("10.0.0.5", 5000, "10.0.1.10", 53));
  EXPECT_EQ(f.decision, Decision::Allow);
  EXPECT_EQ(by(p, f), "allow-udp");
}

// INPUT: jump A; deny.     (policy ACCEPT)
// A:     goto-or-jump B; allow.
// B:     return.
Policy goto_policy(Action a_to_b, RuleSetId& id) {
  Policy p;
  RuleSet rs = rule_set("INPUT", Combining::FirstMatch, Action::Allow,
                        {jump("input-to-a", 1), rule("input-deny", Action::Deny)});
  rs.chains.push_back(Chain{"A", {jump("a-to-b", 2, {}, a_to_b), rule("a-allow", Action::Allow)}, {}});
  rs.chains.push_back(Chain{"B", {rule("b-return", Action::Return)}, {}});
  id = p.add(std::move(rs));
  return p;
}

TEST(FirstMatch, GotoReturnsToTheCallerOfTheCallingChain) {
  // iptables -g: a RETURN in B continues in the chain that jumped to A.
  RuleSetId id;
  Policy p = goto_policy(Action::Goto, id);
  auto o = decide(p, id, tcp("1.1.1.1", 5000, "2.2.2.2", 80));
  EXPECT_EQ(o.decision, Decision::Deny);
  EXPECT_EQ(by(p, o), "input-deny");
  EXPECT_TRUE(o.via.empty());

  // With -j instead, the RETURN comes back into A.
  Policy q = goto_policy(Action::Jump, id);
  auto j = decide(q, id, tcp("1.1.1.1", 5000, "2.2.2.2", 80));
  EXPECT_EQ(j.decision, Decision::Allow);
  EXPECT_EQ(by(q, j), "a-allow");
  EXPECT_EQ(via(q, j), "input-to-a");
}

TEST(FirstMatch, GotoFromTheEntryChainEndsInThePolicy) {
  Policy p;
  RuleSet rs = rule_set("INPUT", Combining::FirstMatch, Action::Allow,
                        {jump("goto-b", 1, {}, Action::Goto), rule("never", Action::Deny)});
  rs.chains.push_back(Chain{"B", {rule("b-return", Action::Return, M().service("tcp/22"))}, {}});
  RuleSetId id = p.add(std::move(rs));
  auto a = decide(p, id, tcp("1.1.1.1", 5000, "2.2.2.2", 22));
  EXPECT_EQ(a.decision, Decision::Allow);  // back to INPUT's policy, "never" is not consulted
  EXPECT_FALSE(a.rule.has_value());
  // B falls off its end for tcp/80: the same.
  auto b = decide(p, id, tcp("1.1.1.1", 5000, "2.2.2.2", 80));
  EXPECT_EQ(b.decision, Decision::Allow);
  EXPECT_FALSE(b.rule.has_value());
}

TEST(FirstMatch, ReturnInTheEntryChainIsThePolicy) {
  Policy p;
  RuleSetId id =
      p.add(rule_set("INPUT", Combining::FirstMatch, Action::Deny,
                     {rule("ret", Action::Return, M().service("tcp/22")), rule("allow-all", Action::Allow)}));
  auto a = decide(p, id, tcp("1.1.1.1", 5000, "2.2.2.2", 22));
  EXPECT_EQ(a.decision, Decision::Deny);
  EXPECT_FALSE(a.rule.has_value());
  EXPECT_EQ(decide(p, id, tcp("1.1.1.1", 5000, "2.2.2.2", 80)).decision, Decision::Allow);
}

TEST(FirstMatch, NestedJumpsAreListedInOrder) {
  Policy p;
  RuleSet rs = rule_set("INPUT", Combining::FirstMatch, Action::Deny, {jump("j1", 1, M().service("tcp"))});
  rs.chains.push_back(Chain{"C1", {rule("c1-skip", Action::Allow, M().service("tcp/1")), jump("j2", 2)}, {}});
  rs.chains.push_back(Chain{"C2", {rule("c2-allow", Action::Allow, M().service("tcp/22"))}, {}});
  RuleSetId id = p.add(std::move(rs));
  auto a = decide(p, id, tcp("1.1.1.1", 5000, "2.2.2.2", 22));
  EXPECT_EQ(a.decision, Decision::Allow);
  EXPECT_EQ(by(p, a), "c2-allow");
  EXPECT_EQ(a.rule->chain, 2u);
  EXPECT_EQ(via(p, a), "j1,j2");
  auto b = decide(p, id, tcp("1.1.1.1", 5000, "2.2.2.2", 80));
  EXPECT_EQ(b.decision, Decision::Deny);
  EXPECT_FALSE(b.rule.has_value());
  EXPECT_TRUE(b.via.empty());
}

TEST(FirstMatch, JumpCycleAndBadTargetAreInternalErrors) {
  Policy p;
  RuleSet rs = rule_set("INPUT", Combining::FirstMatch, Action::Deny, {jump("to-a", 1)});
  rs.chains.push_back(Chain{"A", {jump("to-b", 2)}, {}});
  rs.chains.push_back(Chain{"B", {jump("to-a-again", 1)}, {}});
  RuleSetId cyc = p.add(std::move(rs));
  RuleSetId bad = p.add(rule_set("X", Combining::FirstMatch, Action::Deny, {jump("nowhere", 7)}));
  Packet pk = tcp("1.1.1.1", 5000, "2.2.2.2", 22);
  EXPECT_THROW(evaluate_rule_set(p, cyc, pk, {}, kNoAttrs, "fwd", {}), InternalError);
  EXPECT_THROW(evaluate_rule_set(p, bad, pk, {}, kNoAttrs, "fwd", {}), InternalError);
}

TEST(FirstMatch, StatesAndFamily) {
  Policy p;
  RuleSetId id = p.add(
      rule_set("fw", Combining::FirstMatch, Action::Deny,
               {rule("est", Action::Allow,
                     M().states(conn_state_bit(ConnState::Established) | conn_state_bit(ConnState::Related))),
                rule("v6-only", Action::Allow, M().family(Family::V6).service("tcp/22"))}));
  Packet fwd = tcp("10.0.0.1", 40000, "10.0.0.2", 22);
  EXPECT_EQ(decide(p, id, fwd).decision, Decision::Deny);  // New: neither rule
  Packet reply = *fwd.reply();
  auto r = decide(p, id, reply);
  EXPECT_EQ(r.decision, Decision::Allow);
  EXPECT_EQ(by(p, r), "est");
  auto v6 = decide(p, id, tcp("2001:db8::1", 40000, "2001:db8::2", 22));
  EXPECT_EQ(by(p, v6), "v6-only");
}

TEST(FirstMatch, NegatedAddress) {
  Policy p;
  RuleSetId id =
      p.add(rule_set("fw", Combining::FirstMatch, Action::Allow,
                     {rule("not-office", Action::Deny, M().not_src("192.168.1.0/24").service("tcp/22"))}));
  EXPECT_EQ(decide(p, id, tcp("192.168.1.5", 4000, "10.0.0.1", 22)).decision, Decision::Allow);
  EXPECT_EQ(decide(p, id, tcp("192.168.2.5", 4000, "10.0.0.1", 22)).decision, Decision::Deny);
  EXPECT_EQ(decide(p, id, tcp("2001:db8::5", 4000, "2001:db8::1", 22)).decision, Decision::Deny);
}

// ---------------------------------------------------------------- allow union

TEST(AllowUnion, AnyAllowAdmitsOtherwiseDeny) {
  Policy p;
  RuleSetId id = p.add(rule_set("sg", Combining::AllowUnion, Action::Deny,
                                {rule("office-ssh", Action::Allow, M().src("10.0.0.0/24").service("tcp/22")),
                                 rule("lab-ssh", Action::Allow, M().src("10.0.1.0/24").service("tcp/22")),
                                 rule("all-ssh-v6", Action::Allow, M().src("any6").service("tcp/22"))}));
  auto a = decide(p, id, tcp("10.0.1.5", 40000, "10.9.9.9", 22));
  EXPECT_EQ(a.decision, Decision::Allow);
  EXPECT_EQ(by(p, a), "lab-ssh");
  auto b = decide(p, id, tcp("10.0.2.5", 40000, "10.9.9.9", 22));
  EXPECT_EQ(b.decision, Decision::Deny);
  EXPECT_FALSE(b.rule.has_value());
  EXPECT_EQ(decide(p, id, tcp("10.0.0.5", 40000, "10.9.9.9", 80)).decision, Decision::Deny);
  EXPECT_EQ(decide(p, id, tcp("2001:db8::5", 40000, "2001:db8::9", 22)).decision, Decision::Allow);

  Policy q;
  RuleSetId empty = q.add(rule_set("sg", Combining::AllowUnion, Action::Deny, {}));
  EXPECT_EQ(decide(q, empty, tcp("10.0.0.5", 40000, "10.9.9.9", 22)).decision, Decision::Deny);
}

TEST(AllowUnion, NonAllowRuleIsAnInternalError) {
  Policy p;
  RuleSetId id = p.add(rule_set("sg", Combining::AllowUnion, Action::Deny, {rule("bad", Action::Deny)}));
  EXPECT_THROW(evaluate_rule_set(p, id, tcp("1.1.1.1", 1, "2.2.2.2", 2), {}, kNoAttrs, "fwd", {}),
               InternalError);
}

// ---------------------------------------------------------------- block overrides allow

TEST(BlockOverridesAllow, BypassBeatsBlockBeatsAllow) {
  Policy p;
  RuleSetId id = p.add(rule_set("wf", Combining::BlockOverridesAllow, Action::Deny,
                                {rule("allow-ssh", Action::Allow, M().service("tcp/22")),
                                 rule("block-lan", Action::Deny, M().src("10.0.0.0/24")),
                                 rule("bypass-admin", Action::Bypass, M().src("10.0.0.5"))}));
  auto a = decide(p, id, tcp("10.0.0.5", 40000, "10.9.9.9", 22));
  EXPECT_EQ(a.decision, Decision::Allow);
  EXPECT_EQ(by(p, a), "bypass-admin");
  auto b = decide(p, id, tcp("10.0.0.6", 40000, "10.9.9.9", 22));
  EXPECT_EQ(b.decision, Decision::Deny);
  EXPECT_EQ(by(p, b), "block-lan");  // listed after the allow, still wins
  auto c = decide(p, id, tcp("10.1.0.1", 40000, "10.9.9.9", 22));
  EXPECT_EQ(c.decision, Decision::Allow);
  EXPECT_EQ(by(p, c), "allow-ssh");
  auto d = decide(p, id, tcp("10.1.0.1", 40000, "10.9.9.9", 80));
  EXPECT_EQ(d.decision, Decision::Deny);
  EXPECT_FALSE(d.rule.has_value());
  // The bypass admits even where nothing allows.
  auto e = decide(p, id, tcp("10.0.0.5", 40000, "10.9.9.9", 80));
  EXPECT_EQ(e.decision, Decision::Allow);
  EXPECT_EQ(by(p, e), "bypass-admin");
}

TEST(BlockOverridesAllow, ProfileDefaultAllow) {
  Policy p;
  RuleSetId id = p.add(rule_set("wf-out", Combining::BlockOverridesAllow, Action::Allow,
                                {rule("block-smb", Action::Deny, M().service("tcp/445"))}));
  auto a = decide(p, id, tcp("10.0.0.5", 40000, "10.9.9.9", 80));
  EXPECT_EQ(a.decision, Decision::Allow);
  EXPECT_FALSE(a.rule.has_value());
  EXPECT_EQ(decide(p, id, tcp("10.0.0.5", 40000, "10.9.9.9", 445)).decision, Decision::Deny);
}

// ---------------------------------------------------------------- priority

TEST(PriorityDenyWins, LowestNumberDecidesDenyWinsTies) {
  Policy p;
  RuleSetId id = p.add(rule_set("nsg", Combining::PriorityDenyWins, Action::Deny,
                                {rule("allow-ssh-100", Action::Allow, M().service("tcp/22"), 100),
                                 rule("deny-all-200", Action::Deny, {}, 200),
                                 rule("deny-66-100", Action::Deny, M().src("10.0.0.66"), 100),
                                 rule("allow-9-50", Action::Allow, M().src("10.0.0.9"), 50),
                                 rule("allow-web-300", Action::Allow, M().service("tcp/80"), 300)}));
  auto a = decide(p, id, tcp("10.0.0.66", 40000, "10.9.9.9", 22));
  EXPECT_EQ(a.decision, Decision::Deny);
  EXPECT_EQ(by(p, a), "deny-66-100");  // tie at 100: deny wins
  auto b = decide(p, id, tcp("10.0.0.65", 40000, "10.9.9.9", 22));
  EXPECT_EQ(b.decision, Decision::Allow);
  EXPECT_EQ(by(p, b), "allow-ssh-100");
  auto c = decide(p, id, tcp("10.0.0.65", 40000, "10.9.9.9", 80));
  EXPECT_EQ(c.decision, Decision::Deny);
  EXPECT_EQ(by(p, c), "deny-all-200");  // 200 before 300
  auto d = decide(p, id, tcp("10.0.0.9", 40000, "10.9.9.9", 80));
  EXPECT_EQ(d.decision, Decision::Allow);
  EXPECT_EQ(by(p, d), "allow-9-50");  // listed last, lowest number
}

TEST(PriorityDenyWins, DefaultAndNegativePriorities) {
  Policy p;
  RuleSetId id =
      p.add(rule_set("fw", Combining::PriorityDenyWins, Action::Allow,
                     {rule("deny-ssh-0", Action::Deny, M().service("tcp/22"), 0),
                      rule("allow-ssh-neg", Action::Allow, M().service("tcp/22").src("10.0.0.0/8"), -5)}));
  auto a = decide(p, id, tcp("10.0.0.1", 4000, "10.9.9.9", 22));
  EXPECT_EQ(by(p, a), "allow-ssh-neg");
  EXPECT_EQ(a.decision, Decision::Allow);
  EXPECT_EQ(decide(p, id, tcp("11.0.0.1", 4000, "10.9.9.9", 22)).decision, Decision::Deny);
  auto c = decide(p, id, tcp("11.0.0.1", 4000, "10.9.9.9", 23));
  EXPECT_EQ(c.decision, Decision::Allow);
  EXPECT_FALSE(c.rule.has_value());
}

TEST(Combining, Names) {
  EXPECT_EQ(combining_name(Combining::FirstMatch), "first-match");
  EXPECT_EQ(combining_name(Combining::AllowUnion), "allow-union");
  EXPECT_EQ(combining_name(Combining::BlockOverridesAllow), "block-overrides-allow");
  EXPECT_EQ(combining_name(Combining::PriorityDenyWins), "priority");
  EXPECT_EQ(action_name(Action::Goto), "goto");
}

// ---------------------------------------------------------------- three-valued matching

TEST(Unknowns, DeclaredConditionFirstMatch) {
  Policy p;
  ConditionId c = p.condition_named("recent", "iptables -m recent is not modelled", {});
  RuleSetId id = p.add(rule_set("fw", Combining::FirstMatch, Action::Deny,
                                {rule("maybe-deny", Action::Deny, M().service("tcp/22").unknown(c)),
                                 rule("ssh", Action::Allow, M().service("tcp/22")),
                                 rule("udp-maybe", Action::Deny, M().service("udp").unknown(c)),
                                 rule("web", Action::Allow, M().service("tcp/80"))}));
  Packet ssh = tcp("1.1.1.1", 4000, "2.2.2.2", 22);
  auto r = evaluate_rule_set(p, id, ssh, {}, kNoAttrs, "fwd", {});
  ASSERT_TRUE(std::holds_alternative<AtomNeeded>(r));
  EXPECT_EQ(std::get<AtomNeeded>(r).key, "fwd/cond:recent");
  EXPECT_EQ(std::get<AtomNeeded>(r).description, "iptables -m recent is not modelled");

  auto t = decide(p, id, ssh, {}, with({{"fwd/cond:recent", true}}));
  EXPECT_EQ(by(p, t), "maybe-deny");
  auto f = decide(p, id, ssh, {}, with({{"fwd/cond:recent", false}}));
  EXPECT_EQ(by(p, f), "ssh");
  // The occurrence prefix matters: a reply atom says nothing of the forward packet.
  EXPECT_EQ(needed(p, id, ssh, {}, with({{"reply/cond:recent", true}})), "fwd/cond:recent");

  // A rule whose concrete part does not match never consults its atom.
  EXPECT_EQ(needed(p, id, tcp("1.1.1.1", 4000, "2.2.2.2", 80)), "");
  EXPECT_EQ(by(p, decide(p, id, tcp("1.1.1.1", 4000, "2.2.2.2", 80))), "web");
}

TEST(Unknowns, DefiniteAllowBeatsUnknownInUnion) {
  Policy p;
  ConditionId c = p.condition_named("grp", "unresolved group", {});
  RuleSetId id = p.add(rule_set("sg", Combining::AllowUnion, Action::Deny,
                                {rule("maybe", Action::Allow, M().src("10.0.0.0/24").unknown(c)),
                                 rule("sure", Action::Allow, M().src("10.0.0.5"))}));
  EXPECT_EQ(needed(p, id, tcp("10.0.0.5", 4000, "2.2.2.2", 22)), "");
  EXPECT_EQ(by(p, decide(p, id, tcp("10.0.0.5", 4000, "2.2.2.2", 22))), "sure");
  EXPECT_EQ(needed(p, id, tcp("10.0.0.6", 4000, "2.2.2.2", 22)), "fwd/cond:grp");
  EXPECT_EQ(decide(p, id, tcp("10.0.0.6", 4000, "2.2.2.2", 22), {}, with({{"fwd/cond:grp", false}})).decision,
            Decision::Deny);
  EXPECT_EQ(needed(p, id, tcp("10.0.1.6", 4000, "2.2.2.2", 22)), "");
}

TEST(Unknowns, BlockOverridesAndPriority) {
  Policy p;
  ConditionId c = p.condition_named("c", "c", {});
  RuleSetId wf =
      p.add(rule_set("wf", Combining::BlockOverridesAllow, Action::Deny,
                     {rule("allow", Action::Allow), rule("maybe-block", Action::Deny, M().unknown(c))}));
  Packet pk = tcp("10.0.0.5", 4000, "2.2.2.2", 22);
  EXPECT_EQ(needed(p, wf, pk), "fwd/cond:c");
  EXPECT_EQ(decide(p, wf, pk, {}, with({{"fwd/cond:c", true}})).decision, Decision::Deny);
  EXPECT_EQ(decide(p, wf, pk, {}, with({{"fwd/cond:c", false}})).decision, Decision::Allow);

  RuleSetId pr = p.add(rule_set(
      "nsg", Combining::PriorityDenyWins, Action::Deny,
      {rule("maybe-deny-100", Action::Deny, M().unknown(c), 100), rule("allow-100", Action::Allow, {}, 100),
       rule("allow-ssh-50", Action::Allow, M().service("tcp/22"), 50)}));
  EXPECT_EQ(needed(p, pr, pk), "");  // priority 50 decides before the unknown at 100
  EXPECT_EQ(by(p, decide(p, pr, pk)), "allow-ssh-50");
  Packet web = tcp("10.0.0.5", 4000, "2.2.2.2", 80);
  EXPECT_EQ(needed(p, pr, web), "fwd/cond:c");
  EXPECT_EQ(by(p, decide(p, pr, web, {}, with({{"fwd/cond:c", true}}))), "maybe-deny-100");
  EXPECT_EQ(by(p, decide(p, pr, web, {}, with({{"fwd/cond:c", false}}))), "allow-100");
}

Host plain_host(std::string name) {
  Host h;
  h.name = std::move(name);
  h.interfaces.push_back(testing::iface("eth0", {"10.0.1.10"}));
  return h;
}

TEST(Unknowns, SymbolicSets) {
  Policy p;
  RuleSetId id = p.add(rule_set("wf", Combining::FirstMatch, Action::Deny,
                                {rule("local-subnet", Action::Allow, M().src_symbol("LocalSubnet")),
                                 rule("not-dns-servers", Action::Deny, M().dst_symbol("DNS", true))}));
  Host bound = plain_host("bound");
  bound.bindings["LocalSubnet"] = testing::aset("10.0.1.0/24");
  HostId b = p.add(bound);
  HostId u = p.add(plain_host("unbound"));

  EXPECT_EQ(decide(p, id, tcp("10.0.1.99", 4000, "10.0.1.10", 22), b).decision, Decision::Allow);
  // Not in LocalSubnet; DNS unbound on "bound": the destination atom.
  EXPECT_EQ(needed(p, id, tcp("10.0.2.99", 4000, "10.0.1.10", 22), b), "fwd/sym:bound:DNS:dst");
  EXPECT_EQ(needed(p, id, tcp("10.0.1.99", 4000, "10.0.1.10", 22), u), "fwd/sym:unbound:LocalSubnet:src");
  EXPECT_EQ(needed(p, id, tcp("10.0.1.99", 4000, "10.0.1.10", 22), HostId{}), "fwd/sym::LocalSubnet:src");

  // The destination set is negated: the atom says "in DNS", the rule matches when it is false.
  auto in_dns =
      decide(p, id, tcp("10.0.2.99", 4000, "10.0.1.10", 22), b, with({{"fwd/sym:bound:DNS:dst", true}}));
  EXPECT_EQ(in_dns.decision, Decision::Deny);
  EXPECT_FALSE(in_dns.rule.has_value());
  auto not_dns =
      decide(p, id, tcp("10.0.2.99", 4000, "10.0.1.10", 22), b, with({{"fwd/sym:bound:DNS:dst", false}}));
  EXPECT_EQ(by(p, not_dns), "not-dns-servers");

  // A literal part of the set decides without the atom.
  Policy q;
  AddressMatch m{testing::aset("192.168.0.0/16"), {"Corp"}, false};
  Match mm;
  mm.src = m;
  RuleSetId id2 =
      q.add(rule_set("x", Combining::FirstMatch, Action::Deny, {rule("corp", Action::Allow, mm)}));
  EXPECT_EQ(needed(q, id2, tcp("192.168.3.4", 4000, "10.0.1.10", 22)), "");
  EXPECT_EQ(decide(q, id2, tcp("192.168.3.4", 4000, "10.0.1.10", 22)).decision, Decision::Allow);
  EXPECT_EQ(needed(q, id2, tcp("172.16.3.4", 4000, "10.0.1.10", 22)), "fwd/sym::Corp:src");
}

TEST(Unknowns, Attributes) {
  Policy p;
  RuleSetId id =
      p.add(rule_set("wf", Combining::FirstMatch, Action::Deny,
                     {rule("sshd-only", Action::Allow, M().attribute("program", {"SSHD", "dropbear"}))}));
  Packet pk = tcp("1.1.1.1", 4000, "10.0.1.10", 22);
  EXPECT_EQ(decide(p, id, pk, {}, {}, {{"program", "sshd"}}).decision, Decision::Allow);  // case-insensitive
  EXPECT_EQ(decide(p, id, pk, {}, {}, {{"program", "Dropbear"}}).decision, Decision::Allow);
  EXPECT_EQ(decide(p, id, pk, {}, {}, {{"program", "nginx"}}).decision, Decision::Deny);
  EXPECT_EQ(needed(p, id, pk), "fwd/attr::program=dropbear,sshd");  // values lower-cased and sorted

  RuleSetId neg =
      p.add(rule_set("wf2", Combining::FirstMatch, Action::Deny,
                     {rule("not-nginx", Action::Allow, M().attribute("service", {"nginx"}, true))}));
  EXPECT_EQ(decide(p, neg, pk, {}, {}, {{"service", "NGINX"}}).decision, Decision::Deny);
  EXPECT_EQ(decide(p, neg, pk, {}, {}, {{"service", "sshd"}}).decision, Decision::Allow);
}

TEST(Interfaces, PrefixWildcardAndNegation) {
  InterfaceMatch eth{{"eth+"}, false};
  EXPECT_TRUE(eth.matches_name("eth0"));
  EXPECT_TRUE(eth.matches_name("eth10"));
  EXPECT_TRUE(eth.matches_name("eth"));
  EXPECT_FALSE(eth.matches_name("et"));
  EXPECT_FALSE(eth.matches_name("wlan0"));
  EXPECT_FALSE(eth.matches_name("veth0"));
  InterfaceMatch exact{{"eth0"}, false};
  EXPECT_TRUE(exact.matches_name("eth0"));
  EXPECT_FALSE(exact.matches_name("eth01"));
  EXPECT_FALSE(exact.matches_name("eth"));
  InterfaceMatch all{{"+"}, false};
  EXPECT_TRUE(all.matches_name("lo"));
  EXPECT_TRUE(all.matches_name("wlan0"));
  InterfaceMatch two{{"lo", "tun+"}, false};
  EXPECT_TRUE(two.matches_name("tun3"));
  EXPECT_TRUE(two.matches_name("lo"));
  EXPECT_FALSE(two.matches_name("lo0"));
  EXPECT_TRUE(InterfaceMatch{}.is_any());
  EXPECT_FALSE((InterfaceMatch{{}, true}).is_any());

  Policy p;
  RuleSetId id = p.add(rule_set("fw", Combining::FirstMatch, Action::Deny,
                                {rule("not-wlan", Action::Deny, M().in({"wlan+"}, true).service("tcp/23")),
                                 rule("eth", Action::Allow, M().in({"eth+"}))}));
  Packet pk = tcp("1.1.1.1", 4000, "10.0.1.10", 22);
  pk.in_interface = "eth3";
  EXPECT_EQ(by(p, decide(p, id, pk)), "eth");
  pk.in_interface = "wlan0";
  EXPECT_EQ(decide(p, id, pk).decision, Decision::Deny);
  EXPECT_FALSE(decide(p, id, pk).rule.has_value());
  Packet telnet = tcp("1.1.1.1", 4000, "10.0.1.10", 23);
  telnet.in_interface = "eth0";
  EXPECT_EQ(by(p, decide(p, id, telnet)), "not-wlan");
  telnet.in_interface = "wlan1";
  EXPECT_EQ(decide(p, id, telnet).decision, Decision::Deny);
  EXPECT_FALSE(decide(p, id, telnet).rule.has_value());
  // An interface the packet does not name is an atom: the rule's whole
  // interface condition (negation included).
  pk.in_interface.clear();
  EXPECT_EQ(needed(p, id, pk, {}), "fwd/iface::in=eth+");
  telnet.in_interface.clear();
  EXPECT_EQ(needed(p, id, telnet, {}), "fwd/iface::in!=wlan+");
  EXPECT_EQ(by(p, decide(p, id, telnet, {}, with({{"fwd/iface::in!=wlan+", true}}))), "not-wlan");
  EXPECT_EQ(needed(p, id, telnet, {}, with({{"fwd/iface::in!=wlan+", false}})), "fwd/iface::in=eth+");
}

}  // namespace
}  // namespace rampart::core
