// The solver's answers on small policies whose answers are worked out by
// hand, and the safety nets: a corrupted exact set must fail certification, a
// mutated witness must fail replay, a tiny resource limit must give unknown.

#include "rampart/solver/session.h"

#include <gtest/gtest.h>

#include "rampart/core/policy.h"

namespace rampart::solver {
namespace {

using namespace core;

AddressSet set(const char* text) { return *AddressSet::parse(text).set; }

// web1 (10.0.1.10, 2001:db8:2::10) behind an allow-union group admitting
// tcp/22 from 192.168.1.0/24 and 2001:db8:1::/48, then a first-match host
// firewall denying 192.168.1.66 (default allow).
Policy layered() {
  Policy p;
  RuleSet sg;
  sg.name = "sg";
  sg.combining = Combining::AllowUnion;
  Rule allow;
  allow.name = "ssh";
  allow.match.src = AddressMatch::of(set("192.168.1.0/24").unite(set("2001:db8:1::/48")));
  allow.match.services = ServiceSet::of(ServiceMatch::tcp(22, 22));
  sg.chains.push_back(Chain{"sg", {allow}, {}});
  RuleSet fw;
  fw.name = "fw";
  fw.default_action = Action::Allow;
  Rule deny;
  deny.name = "block66";
  deny.action = Action::Deny;
  deny.match.src = AddressMatch::of(set("192.168.1.66"));
  fw.chains.push_back(Chain{"fw", {deny}, {}});
  PacketFilter sgf{"sg", "test", p.add(sg), {}, false, FilterScope::Network, {}};
  sgf.outbound = sgf.inbound;
  RuleSetId fwid = p.add(fw);
  PacketFilter fwf{"fw", "test", fwid, fwid, false, FilterScope::Host, {}};
  Host h;
  h.name = "web1";
  h.interfaces.push_back(Interface{"eth0", "ethernet",
                                   {{*Address::parse("10.0.1.10"), 24}, {*Address::parse("2001:db8:2::10"), 64}}, {}});
  h.inbound.push_back(Layer{{p.add(sgf)}, {}});
  h.inbound.push_back(Layer{{p.add(fwf)}, {}});
  Listener ssh;
  ssh.protocol = proto::kTcp;
  ssh.ports = PortSet::single(22);
  h.listeners.push_back(ssh);
  Listener backend;
  backend.protocol = proto::kTcp;
  backend.ports = PortSet::single(8080);
  backend.bind = Bind{Bind::Kind::Address, *Address::parse("127.0.0.1")};
  h.listeners.push_back(backend);
  p.add(h);
  return p;
}

Question network(NetworkClaim claim, AddressSet sources, ServiceMatch service) {
  Question q;
  NetworkQuestion n;
  n.claim = claim;
  n.source.addresses = std::move(sources);
  n.destination.host = HostId(0);
  n.services = ServiceSet::of(service);
  q.is_query = claim == NetworkClaim::QueryReach;
  q.text = "test";
  q.body = n;
  return q;
}

std::vector<std::string> blocks(const std::vector<SetEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) {
    for (const auto& c : e.sources.to_cidrs()) out.push_back(c.to_string());
  }
  return out;
}

TEST(Session, ExactSourceSetOfTheLayeredExample) {
  Policy p = layered();
  Session s(p);
  Result r = s.answer(network(NetworkClaim::QueryReach, AddressSet::any(), ServiceMatch::tcp(22, 22)));
  ASSERT_TRUE(r.set);
  EXPECT_TRUE(r.set->certified);
  EXPECT_EQ(r.verdict, Verdict::Holds);
  std::vector<std::string> expected{"192.168.1.0/26",  "192.168.1.64/31", "192.168.1.67/32",
                                    "192.168.1.68/30", "192.168.1.72/29", "192.168.1.80/28",
                                    "192.168.1.96/27", "192.168.1.128/25", "2001:db8:1::/48"};
  EXPECT_EQ(blocks(r.set->must), expected);
  EXPECT_EQ(blocks(r.set->may), expected);
  ASSERT_EQ(r.set->must.size(), 2u);  // one entry per family, both tcp/22
  EXPECT_EQ(r.set->must[0].services.to_string(), "tcp/22");
}

TEST(Session, ReachAndNotReach) {
  Policy p = layered();
  Session s(p);
  Result yes = s.answer(network(NetworkClaim::Reach, set("192.168.1.50"), ServiceMatch::tcp(22, 22)));
  EXPECT_EQ(yes.verdict, Verdict::Holds);
  ASSERT_TRUE(yes.network);
  EXPECT_TRUE(yes.network->admitted);
  EXPECT_EQ(yes.network->packet.src.to_string(), "192.168.1.50");
  EXPECT_EQ(yes.network->packet.dst_port, 22);

  Result blocked = s.answer(network(NetworkClaim::Reach, set("192.168.1.66"), ServiceMatch::tcp(22, 22)));
  EXPECT_EQ(blocked.verdict, Verdict::Violated);
  ASSERT_TRUE(blocked.network);  // where a packet of the question stops
  EXPECT_FALSE(blocked.network->admitted);
  ASSERT_EQ(blocked.network->steps.size(), 2u);
  EXPECT_EQ(blocked.network->steps[1].rule, "block66");

  Result outside = s.answer(network(NetworkClaim::NotReach, set("203.0.113.7"), ServiceMatch::tcp(22, 22)));
  EXPECT_EQ(outside.verdict, Verdict::Holds);
  EXPECT_FALSE(outside.network);
}

TEST(Session, LoopbackListenerIsUnreachableFromTheNetwork) {
  Policy p = layered();
  Session s(p);
  // Even from the office, which both layers admit for tcp/22 only; open
  // everything to be sure the proof does not lean on the firewall.
  p.rule_sets[0].chains[0].rules[0].match.services = ServiceSet::any();
  Session open(p);
  EXPECT_EQ(open.answer(network(NetworkClaim::NotReach, AddressSet::any(), ServiceMatch::tcp(8080, 8080))).verdict,
            Verdict::Holds);
  Question local = network(NetworkClaim::Reach, {}, ServiceMatch::tcp(8080, 8080));
  auto& n = std::get<NetworkQuestion>(local.body);
  n.source.kind = Endpoint::Kind::Host;
  n.source.host = HostId(0);
  Result r = open.answer(local);
  EXPECT_EQ(r.verdict, Verdict::Holds);
  ASSERT_TRUE(r.network);
  EXPECT_EQ(r.network->packet.dst.to_string(), "127.0.0.1");
}

TEST(Session, OnlyAndAllGiveCounterexamples) {
  Policy p = layered();
  Session s(p);
  Result only = s.answer(network(NetworkClaim::OnlyReach, set("192.168.1.0/25"), ServiceMatch::tcp(22, 22)));
  EXPECT_EQ(only.verdict, Verdict::Violated);
  ASSERT_TRUE(only.network);
  EXPECT_TRUE(only.network->admitted);
  EXPECT_FALSE(set("192.168.1.0/25").contains(only.network->packet.src));

  Result all = s.answer(network(NetworkClaim::AllReach, set("192.168.1.64/30"), ServiceMatch::tcp(22, 22)));
  EXPECT_EQ(all.verdict, Verdict::Violated);
  ASSERT_TRUE(all.network);
  EXPECT_FALSE(all.network->admitted);
  EXPECT_EQ(all.network->packet.src.to_string(), "192.168.1.66");

  EXPECT_EQ(s.answer(network(NetworkClaim::AllReach, set("192.168.1.0/26"), ServiceMatch::tcp(22, 22))).verdict,
            Verdict::Holds);
}

TEST(Session, UnknownConditionsGiveMustAndMay) {
  Policy p = layered();
  // The host firewall's block applies only if an unknown condition holds.
  p.rule_sets[1].chains[0].rules[0].match.unknowns.push_back(p.condition_named("rate-limited", "test", {}));
  Session s(p);
  Result reach66 = s.answer(network(NetworkClaim::Reach, set("192.168.1.66"), ServiceMatch::tcp(22, 22)));
  EXPECT_EQ(reach66.verdict, Verdict::Unknown);
  Result q = s.answer(network(NetworkClaim::QueryReach, set("192.168.1.64/30"), ServiceMatch::tcp(22, 22)));
  ASSERT_TRUE(q.set);
  EXPECT_EQ(q.verdict, Verdict::Unknown);
  EXPECT_EQ(blocks(q.set->must), (std::vector<std::string>{"192.168.1.64/31", "192.168.1.67/32"}));
  EXPECT_EQ(blocks(q.set->may), (std::vector<std::string>{"192.168.1.64/30"}));
}

TEST(SafetyNets, CorruptedSetFailsCertification) {
  Policy p = layered();
  Session s(p, {}, FaultInjection{true, false});
  EXPECT_THROW(s.answer(network(NetworkClaim::QueryReach, AddressSet::any(), ServiceMatch::tcp(22, 22))),
               InternalError);
  // Also when nothing is admitted (the corruption then adds a source).
  EXPECT_THROW(s.answer(network(NetworkClaim::QueryReach, set("203.0.113.0/24"), ServiceMatch::tcp(22, 22))),
               InternalError);
}

TEST(SafetyNets, MutatedWitnessFailsReplay) {
  Policy p = layered();
  Session s(p, {}, FaultInjection{false, true});
  EXPECT_THROW(s.answer(network(NetworkClaim::Reach, set("192.168.1.50"), ServiceMatch::tcp(22, 22))), InternalError);
}

TEST(SafetyNets, TinyResourceLimitGivesUnknown) {
  Policy p = layered();
  Session s(p, Limits{0, 1});
  Result r = s.answer(network(NetworkClaim::Reach, set("192.168.1.50"), ServiceMatch::tcp(22, 22)));
  EXPECT_EQ(r.verdict, Verdict::Unknown);
  EXPECT_NE(r.reason.find("resource"), std::string::npos) << r.reason;
  Result q = s.answer(network(NetworkClaim::QueryReach, AddressSet::any(), ServiceMatch::tcp(22, 22)));
  EXPECT_EQ(q.verdict, Verdict::Unknown);
  EXPECT_FALSE(q.set.has_value());
}

}  // namespace
}  // namespace rampart::solver
