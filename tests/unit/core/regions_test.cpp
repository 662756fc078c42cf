// answer_by_enumeration on small hand-made policies: reach / not reach / all
// reach verdicts, unknown when must and may disagree, and the region
// representatives those answers rest on.

#include "rampart/core/regions.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core_test_util.h"

namespace rampart::core {
namespace {

using testing::add_filter;
using testing::addr;
using testing::aset;
using testing::bind_any;
using testing::bind_at;
using testing::layer;
using testing::listener;
using testing::M;
using testing::rule;
using testing::rule_set;
using testing::svc;

Endpoint from(std::string_view addresses) {
  Endpoint e;
  e.addresses = aset(addresses);
  e.text = std::string(addresses);
  return e;
}

Endpoint from_host(HostId h) {
  Endpoint e;
  e.kind = Endpoint::Kind::Host;
  e.host = h;
  return e;
}

Destination to(HostId h) {
  Destination d;
  d.host = h;
  return d;
}

Question question(NetworkClaim claim, Endpoint src, Destination dst, ServiceSet services) {
  NetworkQuestion nq;
  nq.claim = claim;
  nq.source = std::move(src);
  nq.destination = std::move(dst);
  nq.services = std::move(services);
  Question q;
  q.text = "test question";
  q.body = std::move(nq);
  return q;
}

ServiceSet services(std::string_view text) {
  return ServiceSet::of(svc(text));
}

Result answer(const Policy& p, const Question& q) {
  auto r = answer_by_enumeration(p, q);
  EXPECT_TRUE(r.has_value());
  return r.value_or(Result{});
}

// web1 (eth0 10.0.1.10) behind one host firewall; listeners tcp/22 on *,
// tcp/80 on *, tcp/443 on *, tcp/8080 on 127.0.0.1.
struct Site {
  Policy p;
  HostId web;
  explicit Site(std::vector<Rule> in_rules, Action default_action = Action::Deny) {
    RuleSetId in = p.add(rule_set("fw-in", Combining::FirstMatch, default_action, std::move(in_rules)));
    RuleSetId out = p.add(rule_set("fw-out", Combining::FirstMatch, Action::Allow, {}));
    FilterId fw = add_filter(p, "fw", in, out);
    Host h;
    h.name = "web1";
    h.interfaces.push_back(testing::iface("eth0", {"10.0.1.10"}));
    h.listeners = {listener(proto::kTcp, 22, 22, bind_any(), "sshd"),
                   listener(proto::kTcp, 80, 80, bind_any()), listener(proto::kTcp, 443, 443, bind_any()),
                   listener(proto::kTcp, 8080, 8080, bind_at("127.0.0.1"), "myapp")};
    h.inbound = {layer({fw})};
    web = p.add(h);
  }
};

TEST(Enumeration, ReachHoldsWithAnAdmittedWitness) {
  Site s({rule("office-ssh", Action::Allow, M().src("192.168.1.0/24").service("tcp/22"))});
  Result r =
      answer(s.p, question(NetworkClaim::Reach, from("192.168.1.0/24"), to(s.web), services("tcp/22")));
  EXPECT_EQ(r.verdict, Verdict::Holds);
  EXPECT_EQ(r.kind, "reach");
  ASSERT_TRUE(r.network.has_value());
  const NetworkWitness& w = *r.network;
  EXPECT_TRUE(w.admitted);
  EXPECT_TRUE(aset("192.168.1.0/24").contains(w.packet.src));
  EXPECT_EQ(w.packet.dst, addr("10.0.1.10"));
  EXPECT_EQ(w.packet.protocol, proto::kTcp);
  EXPECT_EQ(w.packet.dst_port, 22);
  EXPECT_GE(w.packet.src_port, 1024);  // a client port
  EXPECT_TRUE(w.client_ports == default_client_ports());
  ASSERT_EQ(w.steps.size(), 1u);
  EXPECT_EQ(w.steps[0].rule, "office-ssh");
  EXPECT_EQ(w.listener, "tcp/22 on * (sshd)");
  EXPECT_TRUE(r.unknowns.empty());
}

TEST(Enumeration, ReachViolatedWhenNothingGetsThrough) {
  Site s({rule("office-ssh", Action::Allow, M().src("192.168.1.0/24").service("tcp/22"))});
  Result r =
      answer(s.p, question(NetworkClaim::Reach, from("203.0.113.0/24"), to(s.web), services("tcp/22")));
  EXPECT_EQ(r.verdict, Verdict::Violated);
  ASSERT_TRUE(r.network.has_value());
  EXPECT_FALSE(r.network->admitted);
  EXPECT_TRUE(aset("203.0.113.0/24").contains(r.network->packet.src));
  // A port nothing listens on: admitted by the layers, not by the host.
  Site open({}, Action::Allow);
  Result r2 = answer(open.p, question(NetworkClaim::Reach, from("any"), to(open.web), services("tcp/9999")));
  EXPECT_EQ(r2.verdict, Verdict::Violated);
}

TEST(Enumeration, NotReach) {
  Site s({rule("office-ssh", Action::Allow, M().src("192.168.1.0/24").service("tcp/22"))});
  Result a =
      answer(s.p, question(NetworkClaim::NotReach, from("203.0.113.0/24"), to(s.web), services("tcp/22")));
  EXPECT_EQ(a.verdict, Verdict::Holds);
  EXPECT_EQ(a.kind, "not-reach");
  Result b = answer(s.p, question(NetworkClaim::NotReach, from("any"), to(s.web), services("tcp/22")));
  EXPECT_EQ(b.verdict, Verdict::Violated);
  ASSERT_TRUE(b.network.has_value());
  EXPECT_TRUE(b.network->admitted);
  EXPECT_TRUE(aset("192.168.1.0/24").contains(b.network->packet.src));
  // A neighbour of the allowed block is not admitted.
  Result c =
      answer(s.p, question(NetworkClaim::NotReach, from("192.168.0.0/24"), to(s.web), services("tcp/22")));
  EXPECT_EQ(c.verdict, Verdict::Holds);
  Result d =
      answer(s.p, question(NetworkClaim::NotReach, from("192.168.1.255"), to(s.web), services("tcp/22")));
  EXPECT_EQ(d.verdict, Verdict::Violated);
}

TEST(Enumeration, AllReach) {
  Site s({rule("office-ssh", Action::Allow, M().src("192.168.1.0/24").service("tcp/22"))});
  Result a =
      answer(s.p, question(NetworkClaim::AllReach, from("192.168.1.0/24"), to(s.web), services("tcp/22")));
  EXPECT_EQ(a.verdict, Verdict::Holds);
  EXPECT_EQ(a.kind, "all-reach");
  Result b =
      answer(s.p, question(NetworkClaim::AllReach, from("192.168.0.0/16"), to(s.web), services("tcp/22")));
  EXPECT_EQ(b.verdict, Verdict::Violated);
  ASSERT_TRUE(b.network.has_value());
  EXPECT_FALSE(b.network->admitted);
  EXPECT_TRUE(aset("192.168.0.0/16").contains(b.network->packet.src));
  EXPECT_FALSE(aset("192.168.1.0/24").contains(b.network->packet.src));
  // One address short at the top of the block.
  Result c = answer(
      s.p, question(NetworkClaim::AllReach, from("192.168.1.0-192.168.2.0"), to(s.web), services("tcp/22")));
  EXPECT_EQ(c.verdict, Verdict::Violated);
  EXPECT_EQ(c.network->packet.src, addr("192.168.2.0"));
  // Both ports of two services.
  Result d = answer(s.p, question(NetworkClaim::AllReach, from("192.168.1.0/24"), to(s.web),
                                  ServiceSet{{svc("tcp/22"), svc("tcp/80")}}));
  EXPECT_EQ(d.verdict, Verdict::Violated);
  EXPECT_EQ(d.network->packet.dst_port, 80);
}

TEST(Enumeration, SourcePortRegions) {
  // The rule admits client ports 2000-65535 only; the question ranges over 1024-65535.
  ServiceMatch m = svc("tcp/22");
  m.src_ports = PortSet::range(2000, 65535);
  Site s({rule("high-ports", Action::Allow, M().service(m))});
  Result a =
      answer(s.p, question(NetworkClaim::AllReach, from("192.168.1.0/24"), to(s.web), services("tcp/22")));
  EXPECT_EQ(a.verdict, Verdict::Violated);
  ASSERT_TRUE(a.network.has_value());
  EXPECT_GE(a.network->packet.src_port, 1024);
  EXPECT_LE(a.network->packet.src_port, 1999);
  Result b =
      answer(s.p, question(NetworkClaim::Reach, from("192.168.1.0/24"), to(s.web), services("tcp/22")));
  EXPECT_EQ(b.verdict, Verdict::Holds);
  EXPECT_GE(b.network->packet.src_port, 2000);
  // A zone whose clients use 1024-1999 only never gets in.
  Endpoint legacy = from("192.168.1.0/24");
  legacy.client_ports = PortSet::range(1024, 1999);
  Result c = answer(s.p, question(NetworkClaim::Reach, legacy, to(s.web), services("tcp/22")));
  EXPECT_EQ(c.verdict, Verdict::Violated);
  EXPECT_TRUE(c.network->client_ports == PortSet::range(1024, 1999));
}

TEST(Enumeration, UnknownWhenMustAndMayDisagree) {
  Policy scratch;
  ConditionId c = scratch.condition_named("C", "C", {});
  Site s({rule("maybe-https", Action::Allow, M().service("tcp/443").unknown(c))});
  s.p.conditions = scratch.conditions;
  for (auto claim : {NetworkClaim::Reach, NetworkClaim::NotReach, NetworkClaim::AllReach}) {
    Result r = answer(s.p, question(claim, from("any"), to(s.web), services("tcp/443")));
    EXPECT_EQ(r.verdict, Verdict::Unknown) << int(claim);
    EXPECT_EQ(r.unknowns, std::vector<std::string>{"fwd/cond:C"}) << int(claim);
    ASSERT_TRUE(r.network.has_value());
    ASSERT_EQ(r.network->assumptions.size(), 1u);
    EXPECT_EQ(r.network->assumptions[0].condition, "fwd/cond:C");
  }
  // The question asks about a port the unknown rule does not touch: exact answers.
  Result h = answer(s.p, question(NetworkClaim::NotReach, from("any"), to(s.web), services("tcp/22")));
  EXPECT_EQ(h.verdict, Verdict::Holds);
  EXPECT_TRUE(h.unknowns.empty());
}

TEST(Enumeration, DefinitePartDecidesDespiteUnknowns) {
  Policy scratch;
  ConditionId c = scratch.condition_named("C", "C", {});
  Site s({rule("sure", Action::Allow, M().src("10.1.0.0/16").service("tcp/443")),
          rule("maybe", Action::Allow, M().service("tcp/443").unknown(c))});
  s.p.conditions = scratch.conditions;
  EXPECT_EQ(
      answer(s.p, question(NetworkClaim::Reach, from("10.0.0.0/8"), to(s.web), services("tcp/443"))).verdict,
      Verdict::Holds);
  EXPECT_EQ(answer(s.p, question(NetworkClaim::NotReach, from("10.0.0.0/8"), to(s.web), services("tcp/443")))
                .verdict,
            Verdict::Violated);
  EXPECT_EQ(answer(s.p, question(NetworkClaim::AllReach, from("10.1.0.0/16"), to(s.web), services("tcp/443")))
                .verdict,
            Verdict::Holds);
  EXPECT_EQ(answer(s.p, question(NetworkClaim::AllReach, from("10.0.0.0/8"), to(s.web), services("tcp/443")))
                .verdict,
            Verdict::Unknown);
  // Everything outside the sure block depends on C.
  EXPECT_EQ(
      answer(s.p, question(NetworkClaim::Reach, from("10.2.0.0/16"), to(s.web), services("tcp/443"))).verdict,
      Verdict::Unknown);
}

TEST(Enumeration, LoopbackListenerOnlyOnTheLocalPath) {
  Site s({rule("app", Action::Allow, M().service("tcp/8080"))});
  Result local =
      answer(s.p, question(NetworkClaim::Reach, from_host(s.web), to(s.web), services("tcp/8080")));
  EXPECT_EQ(local.verdict, Verdict::Holds);
  ASSERT_TRUE(local.network.has_value());
  EXPECT_EQ(local.network->packet.dst, addr("127.0.0.1"));
  Result remote = answer(s.p, question(NetworkClaim::Reach, from("any"), to(s.web), services("tcp/8080")));
  EXPECT_EQ(remote.verdict, Verdict::Violated);
  Result remote_not =
      answer(s.p, question(NetworkClaim::NotReach, from("any"), to(s.web), services("tcp/8080")));
  EXPECT_EQ(remote_not.verdict, Verdict::Holds);
}

TEST(Enumeration, EveryPortBearingProtocolNeedsAListener) {
  // Everything admitted by the layers; listeners on every tcp and udp port.
  // SCTP, DCCP and UDP-Lite packets carry ports and find no listener.
  Policy p;
  FilterId fw =
      add_filter(p, "fw", p.add(rule_set("in", Combining::FirstMatch, Action::Allow, {})), RuleSetId{});
  Host h;
  h.name = "web1";
  h.interfaces.push_back(testing::iface("eth0", {"10.0.1.10"}));
  h.listeners = {listener(proto::kTcp, 0, 65535, bind_any()), listener(proto::kUdp, 0, 65535, bind_any())};
  h.inbound = {layer({fw})};
  HostId web = p.add(h);
  Result all = answer(p, question(NetworkClaim::AllReach, from("any4"), to(web), ServiceSet::any()));
  EXPECT_EQ(all.verdict, Verdict::Violated);
  ASSERT_TRUE(all.network.has_value());
  EXPECT_TRUE(has_ports(all.network->packet.protocol));
  EXPECT_NE(all.network->packet.protocol, proto::kTcp);
  EXPECT_NE(all.network->packet.protocol, proto::kUdp);
  Result tcp_udp = answer(p, question(NetworkClaim::AllReach, from("any4"), to(web),
                                      ServiceSet{{svc("tcp"), svc("udp"), svc("icmp"), svc("gre")}}));
  EXPECT_EQ(tcp_udp.verdict, Verdict::Holds);
}

TEST(Enumeration, EchoRequestRegionThroughAStatelessLayer) {
  // A network ACL admits every ICMP message inbound and nothing outbound:
  // one-way messages get in, an echo request does not (its reply is blocked).
  Policy p;
  RuleSetId in = p.add(rule_set("in", Combining::FirstMatch, Action::Deny,
                                {rule("icmp", Action::Allow, M().service("icmp"))}));
  RuleSetId out = p.add(rule_set("out", Combining::FirstMatch, Action::Deny, {}));
  FilterId nacl = add_filter(p, "nacl", in, out, true, FilterScope::Network);
  Host h;
  h.name = "web1";
  h.interfaces.push_back(testing::iface("eth0", {"10.0.1.10"}));
  h.inbound = {layer({nacl})};
  HostId web = p.add(h);
  Result all = answer(p, question(NetworkClaim::AllReach, from("192.168.1.0/24"), to(web), services("icmp")));
  EXPECT_EQ(all.verdict, Verdict::Violated);
  ASSERT_TRUE(all.network.has_value());
  EXPECT_EQ(all.network->packet.icmp_type, 8);
  EXPECT_TRUE(all.network->reply.has_value());
  Result echo =
      answer(p, question(NetworkClaim::NotReach, from("192.168.1.0/24"), to(web), services("icmp/8")));
  EXPECT_EQ(echo.verdict, Verdict::Holds);
  Result unreach =
      answer(p, question(NetworkClaim::AllReach, from("192.168.1.0/24"), to(web), services("icmp/3")));
  EXPECT_EQ(unreach.verdict, Verdict::Holds);
}

TEST(Enumeration, MartianSourcesAreLeftOut) {
  Site s({}, Action::Allow);
  // The host's own address and loopback are not sources from the network.
  Result own = answer(s.p, question(NetworkClaim::Reach, from("10.0.1.10"), to(s.web), services("tcp/22")));
  EXPECT_EQ(own.verdict, Verdict::Violated);
  EXPECT_FALSE(own.network.has_value());
  EXPECT_EQ(answer(s.p, question(NetworkClaim::NotReach, from("127.0.0.0/8"), to(s.web), services("tcp/22")))
                .verdict,
            Verdict::Holds);
  // An IPv6 source cannot reach an IPv4-only host.
  EXPECT_EQ(answer(s.p, question(NetworkClaim::Reach, from("2001:db8::/32"), to(s.web), services("tcp/22")))
                .verdict,
            Verdict::Violated);
  // A /30 around the host's address: only its neighbours are sources.
  Result around =
      answer(s.p, question(NetworkClaim::AllReach, from("10.0.1.8/30"), to(s.web), services("tcp/22")));
  EXPECT_EQ(around.verdict, Verdict::Holds);

  QuestionSpace qs = question_space(
      s.p,
      std::get<NetworkQuestion>(
          question(NetworkClaim::Reach, from("10.0.1.8/30"), to(s.web), ServiceSet::any()).body),
      false);
  EXPECT_EQ(qs.sources.to_string(), "10.0.1.8/31, 10.0.1.11/32");
  EXPECT_EQ(qs.destinations.to_string(), "10.0.1.10/32");
  QuestionSpace local =
      question_space(s.p,
                     std::get<NetworkQuestion>(
                         question(NetworkClaim::Reach, from_host(s.web), to(s.web), ServiceSet::any()).body),
                     false);
  EXPECT_TRUE(local.path.local);
  EXPECT_EQ(local.sources.to_string(), "10.0.1.10/32, 127.0.0.0/8, ::1/128");
  EXPECT_EQ(local.destinations.to_string(), "10.0.1.10/32, 127.0.0.0/8, ::1/128");
}

TEST(Enumeration, OnlyWidensTheSourceToTheNetwork) {
  Site s({}, Action::Allow);
  Host client;
  client.name = "client";
  client.interfaces.push_back(testing::iface("eth0", {"192.168.1.50"}));
  HostId c = s.p.add(client);
  auto nq = std::get<NetworkQuestion>(
      question(NetworkClaim::OnlyReach, from_host(c), to(s.web), ServiceSet::any()).body);
  QuestionSpace narrow = question_space(s.p, nq, false);
  EXPECT_EQ(narrow.sources.to_string(), "192.168.1.50/32");
  EXPECT_EQ(narrow.path.hops.size(), 2u);
  QuestionSpace wide = question_space(s.p, nq, true);
  EXPECT_TRUE(wide.sources ==
              AddressSet::any().subtract(aset("10.0.1.10")).subtract(AddressSet::loopback()).subtract(martian_sources()));
  ASSERT_EQ(wide.path.hops.size(), 1u);  // from the network: no outbound hop
  EXPECT_EQ(wide.path.hops[0].host, s.web);
  EXPECT_EQ(wide.path.hops[0].direction, Direction::Inbound);
}

TEST(Enumeration, DestinationOutsideTheModel) {
  Site s({}, Action::Allow);
  RuleSetId out = s.p.add(rule_set("web-out", Combining::FirstMatch, Action::Allow,
                                   {rule("no-dns-out", Action::Deny, M().service("udp/53").dst("8.8.8.8"))}));
  FilterId f = add_filter(s.p, "web-out", RuleSetId{}, out);
  s.p.hosts[s.web.index()].outbound = {layer({f})};
  Destination google;
  google.kind = Destination::Kind::Addresses;
  google.addresses = aset("8.8.8.0/24");
  EXPECT_EQ(
      answer(s.p, question(NetworkClaim::AllReach, from_host(s.web), google, services("udp/53"))).verdict,
      Verdict::Violated);
  Result r = answer(s.p, question(NetworkClaim::Reach, from_host(s.web), google, services("udp/53")));
  EXPECT_EQ(r.verdict, Verdict::Holds);
  EXPECT_NE(r.network->packet.dst, addr("8.8.8.8"));
  EXPECT_EQ(
      answer(s.p, question(NetworkClaim::NotReach, from_host(s.web), google, services("udp/9999"))).verdict,
      Verdict::Violated);  // no listener check outside the model
}

TEST(Enumeration, OutboundLayersOfASourceHost) {
  Site s({}, Action::Allow);
  RuleSetId cout = s.p.add(rule_set("client-out", Combining::FirstMatch, Action::Allow,
                                    {rule("no-ssh", Action::Deny, M().service("tcp/22"))}));
  FilterId cfw = add_filter(s.p, "client-fw", RuleSetId{}, cout);
  Host client;
  client.name = "client";
  client.interfaces.push_back(testing::iface("eth0", {"192.168.1.50"}));
  client.outbound = {layer({cfw})};
  HostId c = s.p.add(client);
  EXPECT_EQ(answer(s.p, question(NetworkClaim::Reach, from_host(c), to(s.web), services("tcp/22"))).verdict,
            Verdict::Violated);
  Result web = answer(s.p, question(NetworkClaim::Reach, from_host(c), to(s.web), services("tcp/80")));
  EXPECT_EQ(web.verdict, Verdict::Holds);
  EXPECT_EQ(web.network->packet.src, addr("192.168.1.50"));
}

TEST(Enumeration, NotAnsweredHere) {
  Site s({}, Action::Allow);
  EXPECT_FALSE(answer_by_enumeration(
                   s.p, question(NetworkClaim::OnlyReach, from("any"), to(s.web), services("tcp/22")))
                   .has_value());
  EXPECT_FALSE(answer_by_enumeration(
                   s.p, question(NetworkClaim::QueryReach, from("any"), to(s.web), services("tcp/22")))
                   .has_value());
  EXPECT_FALSE(
      answer_by_enumeration(s.p, question(NetworkClaim::Reach, from("any"), to(s.web), ServiceSet::any()), 1)
          .has_value());
  Question access;
  access.body = AccessQuestion{};
  EXPECT_FALSE(answer_by_enumeration(s.p, access).has_value());
}

// Every region of every port interval is represented: the set of
// memberships ("signatures") of the representatives equals that of all
// 65536 port values.
TEST(Representatives, CoverEveryPortRegion) {
  ServiceMatch m = svc("tcp/22,80-89");
  m.src_ports = PortSet::range(2000, 3000);
  Site s({rule("a", Action::Allow, M().service(m)), rule("b", Action::Deny, M().service("udp/53"))});
  NetworkPath path = path_for(s.p, Endpoint{}, to(s.web));
  Representatives r =
      representatives(s.p, path, aset("any"), aset("10.0.1.10"), ServiceSet::any(), default_client_ports());
  std::vector<PortSet> intervals{PortSet::single(22),   PortSet::range(80, 89), PortSet::range(2000, 3000),
                                 PortSet::single(53),   PortSet::single(80),    PortSet::single(443),
                                 PortSet::single(8080), default_client_ports()};
  auto signature = [&](uint16_t v) {
    std::string sig;
    for (const auto& iv : intervals) sig += iv.contains(v) ? '1' : '0';
    return sig;
  };
  std::set<std::string> all, dst, src;
  for (unsigned v = 0; v <= 65535; ++v) all.insert(signature(uint16_t(v)));
  for (auto v : r.dst_ports) dst.insert(signature(v));
  for (auto v : r.src_ports) {
    EXPECT_TRUE(default_client_ports().contains(v)) << v;
    src.insert(signature(v));
  }
  EXPECT_EQ(dst, all);
  std::set<std::string> client;
  for (unsigned v = 1024; v <= 65535; ++v) client.insert(signature(uint16_t(v)));
  EXPECT_EQ(src, client);
  // Destinations are restricted to the bound.
  ASSERT_EQ(r.destinations.size(), 1u);
  EXPECT_EQ(r.destinations[0], addr("10.0.1.10"));
  EXPECT_GT(r.product_size(), 0u);
}

TEST(Representatives, GapsBetweenNestedIntervals) {
  // 10-100 holds 10-30 and 60-100: the ports 31-59 are in the first only, a
  // region no interval end falls in. Its neighbours must be representatives.
  Site s({rule("low", Action::Deny, M().service("tcp/10-30")),
          rule("high", Action::Deny, M().service("tcp/60-100")),
          rule("wide", Action::Allow, M().service("tcp/10-100"))});
  NetworkPath path = path_for(s.p, Endpoint{}, to(s.web));
  Representatives r =
      representatives(s.p, path, aset("any"), aset("10.0.1.10"), ServiceSet::any(), default_client_ports());
  auto in = [&](uint16_t lo, uint16_t hi) {
    return std::any_of(r.dst_ports.begin(), r.dst_ports.end(),
                       [&](uint16_t v) { return v >= lo && v <= hi; });
  };
  EXPECT_TRUE(in(31, 59));
  EXPECT_TRUE(in(0, 9));
  EXPECT_TRUE(in(101, 65535));
  // And the answer sees it: only ports 31-59 get through.
  s.p.hosts[s.web.index()].listeners.push_back(listener(proto::kTcp, 0, 65535, bind_any()));
  Result reach = answer(s.p, question(NetworkClaim::Reach, from("any"), to(s.web), services("tcp/10-100")));
  EXPECT_EQ(reach.verdict, Verdict::Holds);
  ASSERT_TRUE(reach.network.has_value());
  EXPECT_TRUE(reach.network->packet.dst_port >= 31 && reach.network->packet.dst_port <= 59);
}

TEST(Representatives, ProductSize) {
  Representatives r;
  EXPECT_EQ(r.product_size(), 0u);
  r.sources = {addr("1.1.1.1"), addr("1.1.1.2")};
  r.destinations = {addr("2.2.2.2")};
  r.protocols = {6, 17, 1};
  r.src_ports = {1024, 2000};
  r.dst_ports = {22, 23, 24};
  r.icmp_types = {0};
  r.icmp_codes = {0};
  // Packets the enumeration evaluates: 2 same-family pairs, times
  // tcp 2 x 3 ports + udp 2 x 3 ports + icmp 1 x 1 type/code.
  EXPECT_EQ(r.product_size(), 2u * (6 + 6 + 1));
  r.destinations.push_back(addr("::1"));  // no IPv6 source: no more packets
  EXPECT_EQ(r.product_size(), 2u * (6 + 6 + 1));
  r.sources.push_back(addr("::2"));
  EXPECT_EQ(r.product_size(), 3u * (6 + 6 + 1));
}

}  // namespace
}  // namespace rampart::core
