// The concrete evaluator along a path: ordered layers, united members,
// stateless filters and their replies, network-scope filters on the local
// path, listeners and bind addresses, and evaluate_all over unknown atoms.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "core_test_util.h"
#include "rampart/core/diagnostic.h"
#include "rampart/core/evaluator.h"

namespace rampart::core {
namespace {

using testing::add_filter;
using testing::addr;
using testing::bind_any;
using testing::bind_at;
using testing::bind_v4;
using testing::bind_v6;
using testing::from_network;
using testing::host_to_host;
using testing::icmp;
using testing::layer;
using testing::listener;
using testing::M;
using testing::outcome_of;
using testing::raw;
using testing::rule;
using testing::rule_set;
using testing::tcp;
using testing::udp;

// web1: eth0 10.0.1.10 + 2001:db8::10, eth1 10.0.2.10, and listeners
//   0 tcp/22 on *            (sshd)
//   1 tcp/8080 on 127.0.0.1  (myapp)
//   2 tcp/80 on *            (apache)
//   3 tcp/80 on 10.0.1.10    (nginx)
//   4 tcp/80 on 0.0.0.0      (lighttpd)
//   5 udp/53 on ::           (dnsd)
Host web_host() {
  Host h;
  h.name = "web1";
  h.interfaces.push_back(testing::iface("eth0", {"10.0.1.10", "2001:db8::10"}));
  h.interfaces.push_back(testing::iface("eth1", {"10.0.2.10"}));
  h.listeners = {listener(proto::kTcp, 22, 22, bind_any(), "sshd"),
                 listener(proto::kTcp, 8080, 8080, bind_at("127.0.0.1"), "myapp"),
                 listener(proto::kTcp, 80, 80, bind_any(), "apache"),
                 listener(proto::kTcp, 80, 80, bind_at("10.0.1.10"), "nginx"),
                 listener(proto::kTcp, 80, 80, bind_v4(), "lighttpd"),
                 listener(proto::kUdp, 53, 53, bind_v6(), "dnsd")};
  return h;
}

RuleSetId allow_all(Policy& p, std::string name = "allow-all") {
  return p.add(rule_set(std::move(name), Combining::FirstMatch, Action::Allow, {}));
}

std::string rule_name(const Policy& p, const RuleSetOutcome& o) {
  return o.rule ? p.rule(*o.rule).name : "default";
}

// ---------------------------------------------------------------- listeners

TEST(Listeners, MostSpecificBindWins) {
  Host h = web_host();
  std::string why;
  auto at = [&](const Packet& pk) -> int {
    why.clear();
    auto l = find_listener(h, pk, &why);
    return l ? int(l->value) : -1;
  };
  EXPECT_EQ(at(tcp("192.168.1.50", 40000, "10.0.1.10", 80)), 3);    // the address beats both wildcards
  EXPECT_EQ(at(tcp("192.168.1.50", 40000, "10.0.2.10", 80)), 4);    // 0.0.0.0 beats * for IPv4
  EXPECT_EQ(at(tcp("2001:db8::1", 40000, "2001:db8::10", 80)), 2);  // only * covers IPv6
  EXPECT_EQ(at(tcp("192.168.1.50", 40000, "10.0.1.10", 22)), 0);
  EXPECT_EQ(at(tcp("2001:db8::1", 40000, "2001:db8::10", 22)), 0);
  EXPECT_EQ(at(udp("2001:db8::1", 40000, "2001:db8::10", 53)), 5);
  EXPECT_EQ(at(tcp("127.0.0.1", 40000, "127.0.0.1", 8080)), 1);

  EXPECT_EQ(at(udp("192.168.1.50", 40000, "10.0.1.10", 53)), -1);  // bound to :: only
  EXPECT_NE(why.find("only on other addresses"), std::string::npos) << why;
  EXPECT_EQ(at(tcp("192.168.1.50", 40000, "10.0.1.10", 8080)), -1);  // bound to 127.0.0.1 only
  EXPECT_NE(why.find("only on other addresses"), std::string::npos) << why;
  EXPECT_EQ(at(tcp("127.0.0.1", 40000, "127.0.0.2", 8080)), -1);
  EXPECT_EQ(at(tcp("192.168.1.50", 40000, "10.0.1.10", 9999)), -1);
  EXPECT_EQ(why, "nothing listens on tcp/9999 on web1");
  EXPECT_EQ(at(udp("192.168.1.50", 40000, "10.0.1.10", 22)), -1);  // tcp/22 is not udp/22
  EXPECT_EQ(at(tcp("192.168.1.50", 40000, "10.9.9.9", 22)), -1);
  EXPECT_EQ(why, "10.9.9.9 is not an address of web1");
}

TEST(Listeners, OrderOfDeclarationDoesNotMatter) {
  Host a;
  a.name = "a";
  a.interfaces.push_back(testing::iface("eth0", {"10.0.1.10"}));
  a.listeners = {listener(proto::kTcp, 80, 80, bind_at("10.0.1.10")),
                 listener(proto::kTcp, 80, 80, bind_any())};
  Host b = a;
  std::swap(b.listeners[0], b.listeners[1]);
  Packet pk = tcp("192.168.1.50", 40000, "10.0.1.10", 80);
  ASSERT_TRUE(find_listener(a, pk).has_value());
  ASSERT_TRUE(find_listener(b, pk).has_value());
  EXPECT_EQ(find_listener(a, pk)->value, 0u);
  EXPECT_EQ(find_listener(b, pk)->value, 1u);
  // Port ranges.
  Host c = a;
  c.listeners = {listener(proto::kTcp, 8000, 8099, bind_any())};
  EXPECT_TRUE(find_listener(c, tcp("1.1.1.1", 4000, "10.0.1.10", 8000)).has_value());
  EXPECT_TRUE(find_listener(c, tcp("1.1.1.1", 4000, "10.0.1.10", 8099)).has_value());
  EXPECT_FALSE(find_listener(c, tcp("1.1.1.1", 4000, "10.0.1.10", 8100)).has_value());
  EXPECT_FALSE(find_listener(c, tcp("1.1.1.1", 4000, "10.0.1.10", 7999)).has_value());
}

TEST(Listeners, BindText) {
  EXPECT_EQ(bind_any().to_string(), "*");
  EXPECT_EQ(bind_v4().to_string(), "0.0.0.0");
  EXPECT_EQ(bind_v6().to_string(), "::");
  EXPECT_EQ(bind_at("127.0.0.1").to_string(), "127.0.0.1");
  EXPECT_TRUE(bind_at("127.0.0.1").is_loopback_only());
  EXPECT_TRUE(bind_at("::1").is_loopback_only());
  EXPECT_FALSE(bind_at("10.0.0.1").is_loopback_only());
  EXPECT_FALSE(bind_any().is_loopback_only());
  EXPECT_EQ(listener(proto::kTcp, 8080, 8080, bind_at("127.0.0.1"), "myapp").to_string(),
            "tcp/8080 on 127.0.0.1 (myapp)");
  EXPECT_EQ(listener(proto::kUdp, 1000, 2000, bind_any()).to_string(), "udp/1000-2000 on *");
}

TEST(HostTest, AddressesAndInterfaces) {
  Host h = web_host();
  h.interfaces.push_back(testing::iface("lo", {"127.0.0.1", "::1"}));
  h.loose_addresses.push_back(InterfaceAddress{addr("10.0.5.5"), 32});
  EXPECT_EQ(h.addresses().to_string(), "10.0.1.10/32, 10.0.2.10/32, 10.0.5.5/32, 2001:db8::10/128");
  EXPECT_EQ(h.interface_of(addr("10.0.1.10")), "eth0");
  EXPECT_EQ(h.interface_of(addr("2001:db8::10")), "eth0");
  EXPECT_EQ(h.interface_of(addr("10.0.2.10")), "eth1");
  EXPECT_EQ(h.interface_of(addr("127.0.0.53")), "lo");
  EXPECT_EQ(h.interface_of(addr("::1")), "lo");
  EXPECT_EQ(h.interface_of(addr("10.0.5.5")), "");  // not tied to a named interface
  EXPECT_EQ(h.interface_of(addr("10.9.9.9")), "");
}

// ---------------------------------------------------------------- layers

// web1 inbound: [sg (network scope, allow-union)], [fw (host, first-match)].
struct Layered {
  Policy p;
  HostId web;
  RuleSetId sg_in, fw_in;
  Layered() {
    sg_in = p.add(rule_set("sg-in", Combining::AllowUnion, Action::Deny,
                           {rule("sg-office-ssh", Action::Allow, M().src("192.168.1.0/24").service("tcp/22")),
                            rule("sg-web", Action::Allow, M().service("tcp/80")),
                            rule("sg-icmp", Action::Allow, M().service("icmp"))}));
    fw_in = p.add(rule_set("fw-in", Combining::FirstMatch, Action::Deny,
                           {rule("fw-deny-66", Action::Deny, M().src("192.168.1.66")),
                            rule("fw-ssh", Action::Allow, M().service("tcp/22")),
                            rule("fw-web", Action::Allow, M().service("tcp/80")),
                            rule("fw-ping", Action::Allow, M().service("icmp/8")),
                            rule("fw-app", Action::Allow, M().service("tcp/8080"))}));
    FilterId sg = add_filter(p, "sg", sg_in, {}, false, FilterScope::Network);
    FilterId fw = add_filter(p, "fw", fw_in, allow_all(p));
    Host h = web_host();
    h.inbound = {layer({sg}), layer({fw})};
    web = p.add(h);
  }
};

TEST(Layers, EveryLayerMustAdmit) {
  Layered s;
  auto ok =
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("192.168.1.50", 40000, "10.0.1.10", 22), {}));
  EXPECT_TRUE(ok.layers_admit);
  EXPECT_TRUE(ok.admitted);
  ASSERT_EQ(ok.steps.size(), 2u);
  EXPECT_EQ(ok.steps[0].layer_index, 0u);
  EXPECT_EQ(ok.steps[1].layer_index, 1u);
  EXPECT_EQ(ok.steps[0].direction, Direction::Inbound);
  EXPECT_EQ(ok.steps[0].host, s.web);
  EXPECT_EQ(rule_name(s.p, ok.steps[0].members[0].forward), "sg-office-ssh");
  EXPECT_EQ(rule_name(s.p, ok.steps[1].members[0].forward), "fw-ssh");
  ASSERT_TRUE(ok.listener.has_value());
  EXPECT_EQ(ok.listener->value, 0u);
  EXPECT_FALSE(ok.reply.has_value());  // no stateless layer

  // The host firewall denies after the security group admitted.
  auto bad =
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("192.168.1.66", 40000, "10.0.1.10", 22), {}));
  EXPECT_FALSE(bad.layers_admit);
  EXPECT_FALSE(bad.admitted);
  ASSERT_EQ(bad.steps.size(), 2u);
  EXPECT_EQ(bad.steps[0].decision, Decision::Allow);
  EXPECT_EQ(bad.steps[1].decision, Decision::Deny);
  EXPECT_EQ(rule_name(s.p, bad.steps[1].members[0].forward), "fw-deny-66");

  // The security group denies: the trace stops at the first deny.
  auto out =
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("203.0.113.7", 40000, "10.0.1.10", 22), {}));
  EXPECT_FALSE(out.admitted);
  ASSERT_EQ(out.steps.size(), 1u);
  EXPECT_EQ(out.steps[0].decision, Decision::Deny);
  EXPECT_EQ(out.steps[0].deciding_member, 0);
  EXPECT_FALSE(out.steps[0].members[0].forward.rule.has_value());

  auto web =
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("203.0.113.7", 40000, "10.0.1.10", 80), {}));
  EXPECT_TRUE(web.admitted);
  ASSERT_TRUE(web.listener.has_value());
  EXPECT_EQ(web.listener->value, 3u);  // nginx on 10.0.1.10

  auto web2 =
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("203.0.113.7", 40000, "10.0.2.10", 80), {}));
  EXPECT_TRUE(web2.admitted);
  EXPECT_EQ(web2.listener->value, 4u);  // lighttpd on 0.0.0.0
}

// A forwarded listener (a port docker publishes): the host filter (fw) is
// not on its way from the network, the security group (sg) still is, and
// on the local path nothing is forwarded.
TEST(Layers, ForwardedListenerSkipsHostFiltersOnly) {
  Layered s;
  Host& h = s.p.hosts.at(s.web.index());
  h.listeners.push_back(listener(proto::kTcp, 443, 443, bind_v4(), "web"));
  h.listeners.back().forwarded = true;
  // fw has no rule for 443 (its default denies); sg neither: denied at sg.
  auto sg_denies =
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("203.0.113.7", 40000, "10.0.1.10", 443), {}));
  EXPECT_FALSE(sg_denies.admitted);
  ASSERT_EQ(sg_denies.steps.size(), 1u);
  EXPECT_EQ(s.p.filter(sg_denies.steps[0].members[0].filter).name, "sg");
  // Through a security group that admits 443, fw is skipped: admitted.
  Layered open;
  RuleSetId all = open.p.add(rule_set("sg-all", Combining::FirstMatch, Action::Allow, {}));
  FilterId sg_all = add_filter(open.p, "sg-all", all, {}, false, FilterScope::Network);
  Host& oh = open.p.hosts.at(open.web.index());
  oh.inbound.at(0) = layer({sg_all});
  oh.listeners.push_back(listener(proto::kTcp, 443, 443, bind_v4(), "web"));
  oh.listeners.back().forwarded = true;
  auto fwd = outcome_of(
      evaluate_path(open.p, from_network(open.web), tcp("203.0.113.7", 40000, "10.0.1.10", 443), {}));
  EXPECT_TRUE(fwd.admitted);
  ASSERT_EQ(fwd.steps.size(), 1u);  // the security group alone: fw is not crossed
  EXPECT_EQ(open.p.filter(fwd.steps[0].members[0].filter).name, "sg-all");
  // Not forwarded, the same packet meets fw's default deny.
  oh.listeners.back().forwarded = false;
  auto plain = outcome_of(
      evaluate_path(open.p, from_network(open.web), tcp("203.0.113.7", 40000, "10.0.1.10", 443), {}));
  EXPECT_FALSE(plain.admitted);
  ASSERT_EQ(plain.steps.size(), 2u);
  EXPECT_EQ(plain.steps[1].decision, Decision::Deny);
  // On the local path a forwarded listener is not forwarded: fw decides.
  oh.listeners.back().forwarded = true;
  auto local = outcome_of(
      evaluate_path(open.p, host_to_host(open.web, open.web), tcp("10.0.1.10", 40000, "10.0.1.10", 443), {}));
  EXPECT_FALSE(local.admitted);
}

TEST(Layers, IcmpAndPortlessProtocolsNeedNoListener) {
  Layered s;
  auto ping = outcome_of(evaluate_path(s.p, from_network(s.web), icmp("203.0.113.7", "10.0.1.10", 8), {}));
  EXPECT_TRUE(ping.admitted);
  EXPECT_FALSE(ping.listener.has_value());
  // fw admits only echo requests among ICMP.
  auto unreach =
      outcome_of(evaluate_path(s.p, from_network(s.web), icmp("203.0.113.7", "10.0.1.10", 3, 1), {}));
  EXPECT_FALSE(unreach.admitted);

  Policy p;
  FilterId fw = add_filter(p, "fw", allow_all(p), allow_all(p));
  Host h = web_host();
  h.inbound = {layer({fw})};
  HostId web = p.add(h);
  EXPECT_TRUE(
      outcome_of(evaluate_path(p, from_network(web), raw(proto::kGre, "1.1.1.1", "10.0.1.10"), {})).admitted);
  EXPECT_TRUE(
      outcome_of(evaluate_path(p, from_network(web), raw(proto::kEsp, "1.1.1.1", "10.0.2.10"), {})).admitted);
  EXPECT_TRUE(
      outcome_of(evaluate_path(p, from_network(web), icmp("2001:db8::1", "2001:db8::10", 128), {})).admitted);
  // ... but only on the host's own addresses.
  auto elsewhere = outcome_of(evaluate_path(p, from_network(web), icmp("1.1.1.1", "10.0.1.11", 8), {}));
  EXPECT_TRUE(elsewhere.layers_admit);
  EXPECT_FALSE(elsewhere.admitted);
  EXPECT_NE(elsewhere.listener_reason.find("not an address of web1"), std::string::npos);
  // A port-bearing protocol needs a listener even when every layer admits.
  auto closed = outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 9999), {}));
  EXPECT_TRUE(closed.layers_admit);
  EXPECT_FALSE(closed.admitted);
  EXPECT_EQ(closed.listener_reason, "nothing listens on tcp/9999 on web1");
  auto sctp = raw(proto::kSctp, "1.1.1.1", "10.0.1.10");
  sctp.src_port = 4000;
  sctp.dst_port = 22;
  EXPECT_FALSE(outcome_of(evaluate_path(p, from_network(web), sctp, {})).admitted);  // tcp/22 is not sctp/22
}

TEST(Layers, UnitedMembers) {
  Policy p;
  RuleSetId a_in =
      p.add(rule_set("a-in", Combining::AllowUnion, Action::Deny,
                     {rule("a-ssh", Action::Allow, M().src("192.168.1.0/24").service("tcp/22"))}));
  RuleSetId b_in = p.add(rule_set("b-in", Combining::AllowUnion, Action::Deny,
                                  {rule("b-web", Action::Allow, M().service("tcp/80"))}));
  FilterId a = add_filter(p, "sg-a", a_in, {}, false, FilterScope::Network);
  FilterId b = add_filter(p, "sg-b", b_in, {}, false, FilterScope::Network);
  Host h = web_host();
  h.inbound = {layer({a, b})};
  HostId web = p.add(h);
  EXPECT_EQ(p.layer_text(h.inbound[0]), "sg-a | sg-b");

  auto web80 =
      outcome_of(evaluate_path(p, from_network(web), tcp("203.0.113.7", 40000, "10.0.1.10", 80), {}));
  EXPECT_TRUE(web80.admitted);
  ASSERT_EQ(web80.steps.size(), 1u);
  ASSERT_EQ(web80.steps[0].members.size(), 2u);
  EXPECT_EQ(web80.steps[0].members[0].decision, Decision::Deny);
  EXPECT_EQ(web80.steps[0].members[1].decision, Decision::Allow);
  EXPECT_EQ(web80.steps[0].members[1].filter, b);
  EXPECT_EQ(web80.steps[0].deciding_member, 1);
  EXPECT_EQ(web80.steps[0].decision, Decision::Allow);

  auto ssh = outcome_of(evaluate_path(p, from_network(web), tcp("192.168.1.50", 40000, "10.0.1.10", 22), {}));
  EXPECT_TRUE(ssh.admitted);
  ASSERT_EQ(ssh.steps[0].members.size(), 1u);  // the first member admitted: the second is not needed
  EXPECT_EQ(ssh.steps[0].deciding_member, 0);

  auto none = outcome_of(evaluate_path(p, from_network(web), tcp("203.0.113.7", 40000, "10.0.1.10", 22), {}));
  EXPECT_FALSE(none.admitted);
  ASSERT_EQ(none.steps[0].members.size(), 2u);
  EXPECT_EQ(none.steps[0].decision, Decision::Deny);
  EXPECT_EQ(none.steps[0].deciding_member, 1);
}

TEST(Layers, InvalidRuleSetAdmitsThatWay) {
  Policy p;
  FilterId open = add_filter(p, "no-rules", RuleSetId{}, RuleSetId{});
  Host h = web_host();
  h.inbound = {layer({open})};
  HostId web = p.add(h);
  auto o = outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 22), {}));
  EXPECT_TRUE(o.admitted);
  ASSERT_EQ(o.steps.size(), 1u);
  EXPECT_FALSE(o.steps[0].members[0].forward.rule.has_value());
}

// ---------------------------------------------------------------- stateless

struct Nacl {
  Policy p;
  HostId web;
  RuleSetId in, out;
  explicit Nacl(bool stateless, bool echo_reply = true) {
    in = p.add(rule_set("nacl-in", Combining::FirstMatch, Action::Deny,
                        {rule("in-ssh", Action::Allow, M().service("tcp/22")),
                         rule("in-icmp", Action::Allow, M().service("icmp"))}));
    std::vector<Rule> out_rules{rule("out-ephemeral", Action::Allow, M().service("tcp/1024-65535"))};
    if (echo_reply) out_rules.push_back(rule("out-echo-reply", Action::Allow, M().service("icmp/0")));
    out = p.add(rule_set("nacl-out", Combining::FirstMatch, Action::Deny, out_rules));
    FilterId f = add_filter(p, "nacl", in, out, stateless, FilterScope::Network);
    Host h = web_host();
    h.inbound = {layer({f})};
    web = p.add(h);
  }
};

TEST(Stateless, ReplyMustPassTheOppositeRuleSet) {
  Nacl s(true);
  auto ok =
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("192.168.1.50", 40000, "10.0.1.10", 22), {}));
  EXPECT_TRUE(ok.admitted);
  ASSERT_TRUE(ok.reply.has_value());
  EXPECT_EQ(ok.reply->src, addr("10.0.1.10"));
  EXPECT_EQ(ok.reply->dst_port, 40000);
  const MemberOutcome& m = ok.steps.at(0).members.at(0);
  EXPECT_EQ(rule_name(s.p, m.forward), "in-ssh");
  ASSERT_TRUE(m.reply.has_value());
  EXPECT_EQ(m.reply->decision, Decision::Allow);
  EXPECT_EQ(rule_name(s.p, *m.reply), "out-ephemeral");
  EXPECT_EQ(m.reply->rule->rule_set, s.out);

  // A client port below 1024: the reply's destination port is not ephemeral.
  auto low =
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("192.168.1.50", 1000, "10.0.1.10", 22), {}));
  EXPECT_FALSE(low.admitted);
  EXPECT_FALSE(low.layers_admit);
  ASSERT_TRUE(low.reply.has_value());
  const MemberOutcome& lm = low.steps.at(0).members.at(0);
  EXPECT_EQ(lm.forward.decision, Decision::Allow);
  ASSERT_TRUE(lm.reply.has_value());
  EXPECT_EQ(lm.reply->decision, Decision::Deny);
  EXPECT_FALSE(lm.reply->rule.has_value());
  EXPECT_EQ(lm.decision, Decision::Deny);
  EXPECT_EQ(low.steps[0].decision, Decision::Deny);

  // A forward denial does not look at the reply.
  auto web =
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("192.168.1.50", 40000, "10.0.1.10", 80), {}));
  EXPECT_FALSE(web.admitted);
  EXPECT_FALSE(web.steps[0].members[0].reply.has_value());
}

TEST(Stateless, StatefulFilterIgnoresTheReply) {
  Nacl s(false);
  auto low =
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("192.168.1.50", 1000, "10.0.1.10", 22), {}));
  EXPECT_TRUE(low.admitted);
  EXPECT_FALSE(low.reply.has_value());
  EXPECT_FALSE(low.steps[0].members[0].reply.has_value());
}

TEST(Stateless, IcmpEchoNeedsItsReplyOtherIcmpHasNone) {
  Nacl with_reply(true, true);
  auto echo = outcome_of(
      evaluate_path(with_reply.p, from_network(with_reply.web), icmp("1.1.1.1", "10.0.1.10", 8), {}));
  EXPECT_TRUE(echo.admitted);
  ASSERT_TRUE(echo.reply.has_value());
  EXPECT_EQ(echo.reply->icmp_type, 0);
  EXPECT_EQ(rule_name(with_reply.p, *echo.steps[0].members[0].reply), "out-echo-reply");

  Nacl no_reply(true, false);
  auto echo2 =
      outcome_of(evaluate_path(no_reply.p, from_network(no_reply.web), icmp("1.1.1.1", "10.0.1.10", 8), {}));
  EXPECT_FALSE(echo2.admitted);
  auto unreach = outcome_of(
      evaluate_path(no_reply.p, from_network(no_reply.web), icmp("1.1.1.1", "10.0.1.10", 3, 3), {}));
  EXPECT_TRUE(unreach.admitted);  // one-way: nothing comes back
  EXPECT_FALSE(unreach.reply.has_value());
  EXPECT_FALSE(unreach.steps[0].members[0].reply.has_value());
}

TEST(Stateless, ReplyIsEstablished) {
  Policy p;
  RuleSetId in = p.add(rule_set(
      "in", Combining::FirstMatch, Action::Deny,
      {rule("new-ssh", Action::Allow, M().service("tcp/22").states(conn_state_bit(ConnState::New)))}));
  RuleSetId out =
      p.add(rule_set("out", Combining::FirstMatch, Action::Deny,
                     {rule("est", Action::Allow, M().states(conn_state_bit(ConnState::Established)))}));
  FilterId f = add_filter(p, "f", in, out, true);
  Host h = web_host();
  h.inbound = {layer({f})};
  HostId web = p.add(h);
  auto o = outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 40000, "10.0.1.10", 22), {}));
  EXPECT_TRUE(o.admitted);
  EXPECT_EQ(rule_name(p, *o.steps[0].members[0].reply), "est");
}

// ---------------------------------------------------------------- local path and loopback

TEST(LocalPath, NetworkFiltersAreSkipped) {
  Layered s;
  NetworkPath local = host_to_host(s.web, s.web);
  ASSERT_TRUE(local.local);
  // The security group would deny tcp/8080; on the local path it does not apply.
  auto o = outcome_of(evaluate_path(s.p, local, tcp("127.0.0.1", 40000, "127.0.0.1", 8080), {}));
  EXPECT_TRUE(o.admitted);
  ASSERT_TRUE(o.listener.has_value());
  EXPECT_EQ(o.listener->value, 1u);
  ASSERT_EQ(o.steps.size(), 1u);  // only the host firewall
  EXPECT_EQ(o.steps[0].layer_index, 1u);

  // The listener on 127.0.0.1 does not accept packets to the host's other addresses.
  auto other = outcome_of(evaluate_path(s.p, local, tcp("10.0.1.10", 40000, "10.0.1.10", 8080), {}));
  EXPECT_TRUE(other.layers_admit);
  EXPECT_FALSE(other.admitted);
}

TEST(LocalPath, HostFiltersSeeLoopback) {
  Policy p;
  RuleSetId in = p.add(rule_set("fw-in", Combining::FirstMatch, Action::Allow,
                                {rule("no-lo-8080", Action::Deny, M().in({"lo"}).service("tcp/8080"))}));
  RuleSetId out = p.add(rule_set("fw-out", Combining::FirstMatch, Action::Allow,
                                 {rule("no-lo-out-22", Action::Deny, M().out({"lo"}).service("tcp/22"))}));
  FilterId fw = add_filter(p, "fw", in, out);
  Host h = web_host();
  h.inbound = {layer({fw})};
  h.outbound = {layer({fw})};
  HostId web = p.add(h);
  NetworkPath local = host_to_host(web, web);
  auto a = outcome_of(evaluate_path(p, local, tcp("127.0.0.1", 40000, "127.0.0.1", 8080), {}));
  EXPECT_FALSE(a.admitted);
  ASSERT_EQ(a.steps.size(), 2u);
  EXPECT_EQ(a.steps[0].direction, Direction::Outbound);
  EXPECT_EQ(a.steps[1].direction, Direction::Inbound);
  EXPECT_EQ(rule_name(p, a.steps[1].members[0].forward), "no-lo-8080");
  auto b = outcome_of(evaluate_path(p, local, tcp("10.0.1.10", 40000, "10.0.1.10", 22), {}));
  EXPECT_FALSE(b.admitted);
  ASSERT_EQ(b.steps.size(), 1u);
  EXPECT_EQ(rule_name(p, b.steps[0].members[0].forward), "no-lo-out-22");
  // From the network the same packets meet eth0, not lo.
  EXPECT_TRUE(
      outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 40000, "10.0.1.10", 22), {})).admitted);
}

TEST(LocalPath, OnlyNetworkLayersMeansNoSteps) {
  Nacl s(true, false);
  auto o = outcome_of(
      evaluate_path(s.p, host_to_host(s.web, s.web), tcp("127.0.0.1", 1000, "127.0.0.1", 8080), {}));
  EXPECT_TRUE(o.steps.empty());
  EXPECT_TRUE(o.layers_admit);
  EXPECT_TRUE(o.admitted);
}

TEST(Loopback, ListenerOnLoopbackIsUnreachableFromOutside) {
  // "A listener bound to 127.0.0.1 is not reachable from another host,
  // whatever the firewall says" (DESIGN.md).
  Policy p;
  FilterId fw = add_filter(p, "fw", allow_all(p), allow_all(p));
  Host h = web_host();
  h.inbound = {layer({fw})};
  HostId web = p.add(h);
  auto a = outcome_of(evaluate_path(p, from_network(web), tcp("203.0.113.7", 40000, "10.0.1.10", 8080), {}));
  EXPECT_TRUE(a.layers_admit);
  EXPECT_FALSE(a.admitted);
  EXPECT_FALSE(a.listener.has_value());
  EXPECT_NE(a.listener_reason.find("only on other addresses"), std::string::npos) << a.listener_reason;
  // Addressing the loopback address from another host does not help: Linux
  // drops a packet from the network with a loopback destination.
  auto b = outcome_of(evaluate_path(p, from_network(web), tcp("203.0.113.7", 40000, "127.0.0.1", 8080), {}));
  EXPECT_FALSE(b.admitted);
  EXPECT_FALSE(b.listener.has_value());
  EXPECT_FALSE(b.listener_reason.empty());
  auto c = outcome_of(evaluate_path(p, from_network(web), icmp("203.0.113.7", "127.0.0.1", 8), {}));
  EXPECT_FALSE(c.admitted);
  auto d = outcome_of(evaluate_path(p, from_network(web), tcp("2001:db8::1", 40000, "::1", 22), {}));
  EXPECT_FALSE(d.admitted);
  // ... while the host itself reaches it.
  EXPECT_TRUE(
      outcome_of(evaluate_path(p, host_to_host(web, web), tcp("127.0.0.1", 40000, "127.0.0.1", 8080), {}))
          .admitted);
}

TEST(Loopback, MartianSourcesFromTheNetwork) {
  // A host drops, from the network, packets claiming a loopback source or
  // one of its own addresses (docs/cli.md).
  Policy p;
  FilterId fw = add_filter(p, "fw", allow_all(p), allow_all(p));
  Host h = web_host();
  h.inbound = {layer({fw})};
  HostId web = p.add(h);
  EXPECT_FALSE(
      outcome_of(evaluate_path(p, from_network(web), tcp("127.0.0.1", 40000, "10.0.1.10", 22), {})).admitted);
  EXPECT_FALSE(
      outcome_of(evaluate_path(p, from_network(web), tcp("10.0.2.10", 40000, "10.0.1.10", 22), {})).admitted);
  EXPECT_FALSE(
      outcome_of(evaluate_path(p, from_network(web), tcp("::1", 40000, "2001:db8::10", 22), {})).admitted);
  EXPECT_TRUE(
      outcome_of(evaluate_path(p, from_network(web), tcp("10.0.1.11", 40000, "10.0.1.10", 22), {})).admitted);
}

// ---------------------------------------------------------------- outbound hops

TEST(Outbound, SourceHostLayersComeFirst) {
  Policy p;
  RuleSetId out =
      p.add(rule_set("client-out", Combining::FirstMatch, Action::Allow,
                     {rule("no-ssh-out", Action::Deny, M().service("tcp/22")),
                      rule("eth0-only-https", Action::Allow, M().out({"eth0"}).service("tcp/443")),
                      rule("no-https", Action::Deny, M().service("tcp/443"))}));
  FilterId cfw = add_filter(p, "client-fw", RuleSetId{}, out);
  Host client;
  client.name = "client";
  client.interfaces.push_back(testing::iface("eth0", {"192.168.1.50"}));
  client.interfaces.push_back(testing::iface("wg0", {"172.16.0.50"}));
  client.outbound = {layer({cfw})};
  HostId c = p.add(client);
  FilterId wfw = add_filter(p, "web-fw", allow_all(p), allow_all(p));
  Host h = web_host();
  h.inbound = {layer({wfw})};
  HostId web = p.add(h);

  NetworkPath path = host_to_host(c, web);
  EXPECT_FALSE(path.local);
  auto ssh = outcome_of(evaluate_path(p, path, tcp("192.168.1.50", 40000, "10.0.1.10", 22), {}));
  EXPECT_FALSE(ssh.admitted);
  ASSERT_EQ(ssh.steps.size(), 1u);
  EXPECT_EQ(ssh.steps[0].host, c);
  EXPECT_EQ(ssh.steps[0].direction, Direction::Outbound);

  auto http = outcome_of(evaluate_path(p, path, tcp("192.168.1.50", 40000, "10.0.1.10", 80), {}));
  EXPECT_TRUE(http.admitted);
  ASSERT_EQ(http.steps.size(), 2u);
  EXPECT_EQ(http.steps[1].host, web);

  // Outside the model: no listener check.
  NetworkPath outside;
  outside.hops.push_back(PathHop{c, Direction::Outbound});
  auto https = outcome_of(evaluate_path(p, outside, tcp("192.168.1.50", 40000, "8.8.8.8", 443), {}));
  EXPECT_TRUE(https.admitted);  // leaves through eth0, the owner of its source
  EXPECT_FALSE(https.listener.has_value());
  auto vpn = outcome_of(evaluate_path(p, outside, tcp("172.16.0.50", 40000, "8.8.8.8", 443), {}));
  EXPECT_FALSE(vpn.admitted);
  EXPECT_EQ(rule_name(p, vpn.steps[0].members[0].forward), "no-https");
}

TEST(PathFor, Endpoints) {
  Policy p;
  HostId a = p.add(web_host());
  Host other = web_host();
  other.name = "other";
  HostId b = p.add(other);
  Endpoint net;
  Endpoint from_a;
  from_a.kind = Endpoint::Kind::Host;
  from_a.host = a;
  Destination to_a;
  to_a.host = a;
  Destination to_b;
  to_b.host = b;
  Destination outside;
  outside.kind = Destination::Kind::Addresses;
  outside.addresses = testing::aset("8.8.8.0/24");

  NetworkPath p1 = path_for(p, net, to_a);
  ASSERT_EQ(p1.hops.size(), 1u);
  EXPECT_EQ(p1.hops[0].host, a);
  EXPECT_EQ(p1.hops[0].direction, Direction::Inbound);
  EXPECT_EQ(p1.destination, a);
  EXPECT_FALSE(p1.local);

  NetworkPath p2 = path_for(p, from_a, to_b);
  ASSERT_EQ(p2.hops.size(), 2u);
  EXPECT_EQ(p2.hops[0].host, a);
  EXPECT_EQ(p2.hops[0].direction, Direction::Outbound);
  EXPECT_EQ(p2.hops[1].host, b);
  EXPECT_FALSE(p2.local);

  NetworkPath p3 = path_for(p, from_a, to_a);
  EXPECT_TRUE(p3.local);
  EXPECT_EQ(p3.hops.size(), 2u);

  NetworkPath p4 = path_for(p, from_a, outside);
  ASSERT_EQ(p4.hops.size(), 1u);
  EXPECT_FALSE(p4.destination.valid());
}

// ---------------------------------------------------------------- attributes through listeners

TEST(Attributes, ComeFromTheListener) {
  Policy p;
  RuleSetId in = p.add(rule_set("wf-in", Combining::BlockOverridesAllow, Action::Deny,
                                {rule("allow-sshd", Action::Allow, M().attribute("program", {"SSHD"}))}));
  FilterId fw = add_filter(p, "wf", in, allow_all(p));
  Host h = web_host();
  h.inbound = {layer({fw})};
  HostId web = p.add(h);
  EXPECT_TRUE(
      outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 22), {})).admitted);
  EXPECT_FALSE(
      outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 80), {})).admitted);
  // No listener: the program is unknown.
  auto r = evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 9999), {});
  ASSERT_TRUE(std::holds_alternative<AtomNeeded>(r));
  EXPECT_EQ(std::get<AtomNeeded>(r).key, "fwd/attr:web1:program=sshd");
  EXPECT_EQ(std::get<AtomNeeded>(r).description, "the local program is not known");
}

TEST(Attributes, ListenerAttributesPreferTheService) {
  Policy p;
  Host h = web_host();
  Service svc;
  svc.name = "web";
  svc.user_name = "www";
  svc.program = "/usr/sbin/nginx";
  p.services.push_back(svc);
  h.listeners.push_back(listener(proto::kTcp, 81, 81, bind_any(), "nginx-worker"));
  h.listeners.back().service = ServiceId(0);
  HostId web = p.add(h);
  const Host& host = p.host(web);
  auto attrs = listener_attributes(p, host, ListenerId(uint32_t(host.listeners.size() - 1)));
  EXPECT_EQ(attrs, (std::map<std::string, std::string>{
                       {"program", "/usr/sbin/nginx"}, {"service", "web"}, {"user", "www"}}));
  EXPECT_EQ(listener_attributes(p, host, ListenerId(0)),
            (std::map<std::string, std::string>{{"program", "sshd"}}));
  EXPECT_TRUE(listener_attributes(p, host, std::nullopt).empty());
}

// ---------------------------------------------------------------- interfaces on the path

TEST(Interfaces, PrefixWildcardOnThePath) {
  Policy p;
  RuleSetId in = p.add(rule_set("fw-in", Combining::FirstMatch, Action::Deny,
                                {rule("eth-any", Action::Allow, M().in({"eth+"}))}));
  FilterId fw = add_filter(p, "fw", in, allow_all(p));
  Host h = web_host();
  h.interfaces.push_back(testing::iface("wlan0", {"10.0.3.10"}));
  h.inbound = {layer({fw})};
  HostId web = p.add(h);
  EXPECT_TRUE(
      outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 22), {})).admitted);
  EXPECT_TRUE(
      outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.2.10", 22), {})).admitted);
  EXPECT_FALSE(
      outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.3.10", 22), {})).admitted);
  // The local path arrives on lo.
  EXPECT_FALSE(
      outcome_of(evaluate_path(p, host_to_host(web, web), tcp("10.0.1.10", 4000, "10.0.1.10", 22), {}))
          .admitted);
}

// ---------------------------------------------------------------- evaluate_all

std::string valuation_text(const Valuation& v) {
  std::string out;
  for (const auto& [k, b] : v.values) out += fmt::format("{}{}={}", out.empty() ? "" : " ", k, b ? 1 : 0);
  return out;
}

// Admitted / not admitted per valuation, as "valuation -> yes|no" lines, sorted.
std::set<std::string> outcomes(const std::vector<Evaluation>& evals) {
  std::set<std::string> out;
  for (const auto& e : evals) {
    out.insert(fmt::format("{} -> {}", valuation_text(e.valuation), e.outcome.admitted ? "yes" : "no"));
  }
  return out;
}

struct OneFirewall {
  Policy p;
  HostId web;
  ConditionId c, d;
  OneFirewall(std::vector<Rule> in_rules, Action default_action = Action::Deny) {
    c = p.condition_named("C", "condition C", {});
    d = p.condition_named("D", "condition D", {});
    for (auto& r : in_rules) {
      for (auto& u : r.match.unknowns) {
        if (u.value == 100) u = c;
        if (u.value == 101) u = d;
      }
    }
    RuleSetId in = p.add(rule_set("fw-in", Combining::FirstMatch, default_action, std::move(in_rules)));
    FilterId fw = add_filter(p, "fw", in, allow_all(p));
    Host h = web_host();
    h.inbound = {layer({fw})};
    web = p.add(h);
  }
};
const ConditionId kC{100};  // placeholders replaced by OneFirewall
const ConditionId kD{101};

TEST(EvaluateAll, NoUnknownsOneEvaluation) {
  OneFirewall s({rule("ssh", Action::Allow, M().service("tcp/22"))});
  auto evals = evaluate_all(s.p, from_network(s.web), tcp("1.1.1.1", 4000, "10.0.1.10", 22));
  ASSERT_EQ(evals.size(), 1u);
  EXPECT_TRUE(evals[0].valuation.values.empty());
  EXPECT_TRUE(evals[0].outcome.admitted);
}

TEST(EvaluateAll, TheSameAtomTakesOneValuePerPacket) {
  // deny if C; allow if C; default deny. With one value of C per packet the
  // allow rule can never decide: C true -> the deny, C false -> the default.
  OneFirewall s({rule("deny-if-c", Action::Deny, M().service("tcp/22").unknown(kC)),
                 rule("allow-if-c", Action::Allow, M().service("tcp/22").unknown(kC))});
  auto evals = evaluate_all(s.p, from_network(s.web), tcp("1.1.1.1", 4000, "10.0.1.10", 22));
  EXPECT_EQ(outcomes(evals), (std::set<std::string>{"fwd/cond:C=0 -> no", "fwd/cond:C=1 -> no"}));
  for (const auto& e : evals) {
    const auto& fwd = e.outcome.steps.at(0).members.at(0).forward;
    if (*e.valuation.get("fwd/cond:C")) {
      EXPECT_EQ(rule_name(s.p, fwd), "deny-if-c");
    } else {
      EXPECT_EQ(rule_name(s.p, fwd), "default");
    }
  }
}

TEST(EvaluateAll, BranchesOnlyOnConsultedAtoms) {
  OneFirewall s({rule("allow-if-c-and-d", Action::Allow, M().service("tcp/22").unknown(kC).unknown(kD)),
                 rule("udp-if-d", Action::Allow, M().service("udp").unknown(kD))});
  auto evals = evaluate_all(s.p, from_network(s.web), tcp("1.1.1.1", 4000, "10.0.1.10", 22));
  EXPECT_EQ(outcomes(evals), (std::set<std::string>{"fwd/cond:C=0 -> no", "fwd/cond:C=1 fwd/cond:D=0 -> no",
                                                    "fwd/cond:C=1 fwd/cond:D=1 -> yes"}));
  // A packet no conditional rule can match has no unknowns at all.
  auto web = evaluate_all(s.p, from_network(s.web), tcp("1.1.1.1", 4000, "10.0.1.10", 80));
  ASSERT_EQ(web.size(), 1u);
  EXPECT_TRUE(web[0].valuation.values.empty());
  EXPECT_FALSE(web[0].outcome.admitted);
}

TEST(EvaluateAll, OneAtomAcrossLayers) {
  // Layer 0 admits only if C; layer 1 denies if C. No packet gets through.
  Policy p;
  ConditionId c = p.condition_named("C", "C", {});
  RuleSetId a = p.add(
      rule_set("a", Combining::AllowUnion, Action::Deny, {rule("a-if-c", Action::Allow, M().unknown(c))}));
  RuleSetId b = p.add(rule_set("b", Combining::FirstMatch, Action::Allow,
                               {rule("b-deny-if-c", Action::Deny, M().unknown(c))}));
  FilterId fa = add_filter(p, "fa", a, {}, false, FilterScope::Network);
  FilterId fb = add_filter(p, "fb", b, {});
  Host h = web_host();
  h.inbound = {layer({fa}), layer({fb})};
  HostId web = p.add(h);
  auto evals = evaluate_all(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 22));
  EXPECT_EQ(outcomes(evals), (std::set<std::string>{"fwd/cond:C=0 -> no", "fwd/cond:C=1 -> no"}));
}

TEST(EvaluateAll, ReplyAtomsAreIndependent) {
  Policy p;
  ConditionId c = p.condition_named("C", "C", {});
  RuleSetId in = p.add(
      rule_set("in", Combining::FirstMatch, Action::Deny, {rule("in-if-c", Action::Allow, M().unknown(c))}));
  RuleSetId out = p.add(rule_set("out", Combining::FirstMatch, Action::Deny,
                                 {rule("out-if-c", Action::Allow, M().unknown(c))}));
  FilterId f = add_filter(p, "nacl", in, out, true, FilterScope::Network);
  Host h = web_host();
  h.inbound = {layer({f})};
  HostId web = p.add(h);
  auto evals = evaluate_all(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 22));
  EXPECT_EQ(outcomes(evals), (std::set<std::string>{"fwd/cond:C=0 -> no", "fwd/cond:C=1 reply/cond:C=0 -> no",
                                                    "fwd/cond:C=1 reply/cond:C=1 -> yes"}));
}

TEST(EvaluateAll, UnboundSymbolicSet) {
  Policy p;
  RuleSetId in =
      p.add(rule_set("wf-in", Combining::BlockOverridesAllow, Action::Deny,
                     {rule("local-subnet", Action::Allow, M().src_symbol("LocalSubnet").service("tcp/22"))}));
  FilterId f = add_filter(p, "wf", in, allow_all(p));
  Host h = web_host();
  h.inbound = {layer({f})};
  HostId web = p.add(h);
  Packet pk = tcp("192.168.1.50", 4000, "10.0.1.10", 22);
  EXPECT_EQ(outcomes(evaluate_all(p, from_network(web), pk)),
            (std::set<std::string>{"fwd/sym:web1:LocalSubnet:src=0 -> no",
                                   "fwd/sym:web1:LocalSubnet:src=1 -> yes"}));

  p.hosts[web.index()].bindings["LocalSubnet"] = testing::aset("192.168.1.0/24");
  EXPECT_EQ(outcomes(evaluate_all(p, from_network(web), pk)), (std::set<std::string>{" -> yes"}));
  EXPECT_EQ(outcomes(evaluate_all(p, from_network(web), tcp("192.168.2.50", 4000, "10.0.1.10", 22))),
            (std::set<std::string>{" -> no"}));
}

TEST(EvaluateAll, UnknownInterfaceOfALooseAddress) {
  Policy p;
  RuleSetId in = p.add(rule_set("fw-in", Combining::FirstMatch, Action::Deny,
                                {rule("eth0", Action::Allow, M().in({"eth0"}))}));
  FilterId f = add_filter(p, "fw", in, allow_all(p));
  Host h = web_host();
  h.loose_addresses.push_back(InterfaceAddress{addr("10.0.5.5"), 32});
  h.inbound = {layer({f})};
  HostId web = p.add(h);
  EXPECT_EQ(outcomes(evaluate_all(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.5.5", 22))),
            (std::set<std::string>{"fwd/iface:web1:in=eth0=0 -> no", "fwd/iface:web1:in=eth0=1 -> yes"}));
  // Known interface: no atom.
  EXPECT_EQ(outcomes(evaluate_all(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 22))),
            (std::set<std::string>{" -> yes"}));
}

TEST(EvaluateAll, DifferentInterfaceConditionsAreDifferentAtoms) {
  // deny in eth0; allow in eth1; default deny, at an address with no known
  // interface. Arriving on eth1 admits: some valuation must show it.
  Policy p;
  RuleSetId in = p.add(rule_set(
      "fw-in", Combining::FirstMatch, Action::Deny,
      {rule("no-eth0", Action::Deny, M().in({"eth0"})), rule("eth1", Action::Allow, M().in({"eth1"}))}));
  FilterId f = add_filter(p, "fw", in, allow_all(p));
  Host h = web_host();
  h.loose_addresses.push_back(InterfaceAddress{addr("10.0.5.5"), 32});
  h.inbound = {layer({f})};
  HostId web = p.add(h);
  EXPECT_EQ(outcomes(evaluate_all(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.5.5", 22))),
            (std::set<std::string>{"fwd/iface:web1:in=eth0=1 -> no",
                                   "fwd/iface:web1:in=eth0=0 fwd/iface:web1:in=eth1=0 -> no",
                                   "fwd/iface:web1:in=eth0=0 fwd/iface:web1:in=eth1=1 -> yes"}));
}

TEST(EvaluateAll, EvaluatePathNamesTheOpenAtom) {
  OneFirewall s({rule("allow-if-c", Action::Allow, M().unknown(kC))});
  auto r = evaluate_path(s.p, from_network(s.web), tcp("1.1.1.1", 4000, "10.0.1.10", 22), {});
  ASSERT_TRUE(std::holds_alternative<AtomNeeded>(r));
  EXPECT_EQ(std::get<AtomNeeded>(r).key, "fwd/cond:C");
  EXPECT_EQ(std::get<AtomNeeded>(r).description, "condition C");
  Valuation v;
  v.set("fwd/cond:C", true);
  EXPECT_TRUE(
      outcome_of(evaluate_path(s.p, from_network(s.web), tcp("1.1.1.1", 4000, "10.0.1.10", 22), v)).admitted);
}

TEST(EvaluateAll, BranchLimit) {
  OneFirewall s({rule("allow-if-c", Action::Allow, M().unknown(kC))});
  Packet pk = tcp("1.1.1.1", 4000, "10.0.1.10", 22);
  // One open evaluation plus its two branches: three visits.
  EXPECT_THROW(evaluate_all(s.p, from_network(s.web), pk, 2), InternalError);
  EXPECT_EQ(evaluate_all(s.p, from_network(s.web), pk, 3).size(), 2u);
}

TEST(Stateless, OutboundHopChecksTheReplyInbound) {
  // On the source host's outbound hop, a stateless filter checks the forward
  // packet outbound and its reply inbound.
  Policy p;
  RuleSetId out = p.add(rule_set("acl-out", Combining::FirstMatch, Action::Deny,
                                 {rule("out-web", Action::Allow, M().service("tcp/80"))}));
  RuleSetId in =
      p.add(rule_set("acl-in", Combining::FirstMatch, Action::Deny,
                     {rule("in-replies", Action::Allow, M().service("tcp/1024-65535").src("10.0.1.0/24"))}));
  FilterId acl = add_filter(p, "acl", in, out, true, FilterScope::Network);
  Host client;
  client.name = "client";
  client.interfaces.push_back(testing::iface("eth0", {"192.168.1.50"}));
  client.outbound = {layer({acl})};
  HostId c = p.add(client);
  Host h = web_host();
  HostId web = p.add(h);
  auto ok =
      outcome_of(evaluate_path(p, host_to_host(c, web), tcp("192.168.1.50", 40000, "10.0.1.10", 80), {}));
  EXPECT_TRUE(ok.admitted);
  const MemberOutcome& m = ok.steps.at(0).members.at(0);
  EXPECT_EQ(rule_name(p, m.forward), "out-web");
  ASSERT_TRUE(m.reply.has_value());
  EXPECT_EQ(rule_name(p, *m.reply), "in-replies");
  EXPECT_EQ(m.reply->rule->rule_set, in);
  // The reply of a packet to another network is refused inbound.
  NetworkPath outside;
  outside.hops.push_back(PathHop{c, Direction::Outbound});
  auto far = outcome_of(evaluate_path(p, outside, tcp("192.168.1.50", 40000, "8.8.8.8", 80), {}));
  EXPECT_FALSE(far.admitted);
  EXPECT_EQ(far.steps.at(0).members.at(0).reply->decision, Decision::Deny);
}

TEST(Layers, UnknownMemberBeforeADefiniteOne) {
  // Members are tried in order; an unknown first member splits, and the
  // second admits on the branch where the first does not.
  Policy p;
  ConditionId c = p.condition_named("C", "C", {});
  RuleSetId a = p.add(
      rule_set("a", Combining::AllowUnion, Action::Deny, {rule("a-if-c", Action::Allow, M().unknown(c))}));
  RuleSetId b = p.add(rule_set("b", Combining::AllowUnion, Action::Deny,
                               {rule("b-ssh", Action::Allow, M().service("tcp/22"))}));
  FilterId fa = add_filter(p, "fa", a, {}, false, FilterScope::Network);
  FilterId fb = add_filter(p, "fb", b, {}, false, FilterScope::Network);
  Host h = web_host();
  h.inbound = {layer({fa, fb})};
  HostId web = p.add(h);
  auto evals = evaluate_all(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 22));
  ASSERT_EQ(evals.size(), 2u);
  for (const auto& e : evals) {
    EXPECT_TRUE(e.outcome.admitted);
    bool c_true = *e.valuation.get("fwd/cond:C");
    EXPECT_EQ(e.outcome.steps[0].deciding_member, c_true ? 0 : 1);
    EXPECT_EQ(e.outcome.steps[0].members.size(), c_true ? 1u : 2u);
  }
}

TEST(FirstMatchOnThePath, BypassIsAnAllow) {
  Policy p;
  RuleSetId in =
      p.add(rule_set("fw", Combining::FirstMatch, Action::Deny,
                     {rule("bypass", Action::Bypass, M().service("tcp/22")), rule("deny", Action::Deny)}));
  FilterId f = add_filter(p, "fw", in, {});
  Host h = web_host();
  h.inbound = {layer({f})};
  HostId web = p.add(h);
  auto o = outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 22), {}));
  EXPECT_TRUE(o.admitted);
  EXPECT_EQ(rule_name(p, o.steps[0].members[0].forward), "bypass");
}

// ---------------------------------------------------------------- describe

TEST(Describe, StatelessDenialShowsTheReply) {
  Nacl s(true);
  Packet pk = tcp("192.168.1.50", 1000, "10.0.1.10", 22);
  auto o = outcome_of(evaluate_path(s.p, from_network(s.web), pk, {}));
  NetworkWitness w = describe(s.p, o, {});
  EXPECT_FALSE(w.admitted);
  ASSERT_TRUE(w.reply.has_value());
  ASSERT_EQ(w.steps.size(), 2u);
  EXPECT_EQ(w.steps[0].host, "web1");
  EXPECT_EQ(w.steps[0].filter, "nacl");
  EXPECT_EQ(w.steps[0].layer, "nacl");
  EXPECT_FALSE(w.steps[0].reply);
  EXPECT_EQ(w.steps[0].decision, Decision::Allow);
  EXPECT_EQ(w.steps[0].rule, "in-ssh");
  EXPECT_FALSE(w.steps[0].by_default);
  EXPECT_TRUE(w.steps[1].reply);
  EXPECT_EQ(w.steps[1].decision, Decision::Deny);
  EXPECT_TRUE(w.steps[1].by_default);
  EXPECT_EQ(w.steps[1].rule, "default");
}

TEST(Describe, MissingRuleSetAndDefaults) {
  Policy p;
  RuleSetId out = p.add(rule_set("out", Combining::FirstMatch, Action::Deny, {}));
  FilterId nacl = add_filter(p, "nacl", RuleSetId{}, out, true, FilterScope::Network);
  Host h = web_host();
  h.inbound = {layer({nacl})};
  HostId web = p.add(h);
  auto o = outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 22), {}));
  EXPECT_FALSE(o.admitted);
  NetworkWitness w = describe(p, o, {});
  ASSERT_EQ(w.steps.size(), 2u);
  EXPECT_EQ(w.steps[0].rule, "no inbound rules");
  EXPECT_EQ(w.steps[0].decision, Decision::Allow);
  EXPECT_TRUE(w.steps[0].by_default);
  EXPECT_EQ(w.steps[1].rule, "default");
  EXPECT_TRUE(w.steps[1].reply);
  // The listener the packet would reach is named even though the layers
  // stopped it ("would be accepted by" in text output).
  EXPECT_FALSE(w.admitted);
  EXPECT_EQ(w.listener, "tcp/22 on * (sshd)");
}

TEST(Describe, ListenerViaAndAssumptions) {
  Policy p;
  ConditionId c = p.condition_named("C", "an unsupported match", {});
  RuleSet rs = rule_set("INPUT", Combining::FirstMatch, Action::Deny, {testing::jump("to-svc", 1)});
  Rule unnamed = rule("", Action::Allow, M().service("tcp/22").unknown(c));
  rs.chains.push_back(Chain{"SVC", {rule("skip", Action::Deny, M().service("udp")), unnamed}, {}});
  RuleSetId in = p.add(std::move(rs));
  FilterId f = add_filter(p, "fw", in, allow_all(p));
  Host h = web_host();
  h.inbound = {layer({f})};
  HostId web = p.add(h);
  Valuation v;
  v.set("fwd/cond:C", true);
  auto o = outcome_of(evaluate_path(p, from_network(web), tcp("1.1.1.1", 4000, "10.0.1.10", 22), v));
  ASSERT_TRUE(o.admitted);
  NetworkWitness w = describe(p, o, v);
  ASSERT_EQ(w.steps.size(), 1u);
  EXPECT_EQ(w.steps[0].rule, "SVC allow#2");
  EXPECT_EQ(w.steps[0].via, std::vector<std::string>{"to-svc"});
  EXPECT_EQ(w.listener, "tcp/22 on * (sshd)");
  ASSERT_EQ(w.assumptions.size(), 1u);
  EXPECT_EQ(w.assumptions[0].condition, "fwd/cond:C");
  EXPECT_TRUE(w.assumptions[0].value);
  EXPECT_EQ(w.assumptions[0].description, "an unsupported match");
}

}  // namespace
}  // namespace rampart::core
