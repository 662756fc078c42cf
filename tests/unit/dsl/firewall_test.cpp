// Firewalls: combining semantics, defaults, stateless / scope, rule labels,
// the ports of `from X port P` (source) and `to Y port P` (destination),
// states, interfaces and unknown conditions.

#include <gtest/gtest.h>

#include "dsl_test_util.h"

namespace rampart::testing {
namespace {

using core::Action;
using core::Combining;
using core::PortSet;
using core::ServiceMatch;

constexpr const char* kFirstMatch = R"(
zone office = 192.168.1.0/24;
firewall fw first-match default allow stateless scope network {
  ssh: allow tcp from office to any port 22;
  deny udp from any port 53 to 10.0.0.0/8;
  allow tcp port 80, 443;
  drop icmp/8:0;
  reject tcp from office port 1000-2000 to 10.0.0.1 port 25 state new, established in "eth0" out "eth1" if unknown "geo";
}
)";

TEST(DslFirewall, FirstMatchWithEveryOption) {
  auto p = load_ok(kFirstMatch);
  ASSERT_EQ(p.filters.size(), 1u);
  const auto& f = filter(p, "fw");
  EXPECT_EQ(f.kind, "firewall");
  EXPECT_TRUE(f.stateless);
  EXPECT_EQ(f.scope, core::FilterScope::Network);
  // A firewall of the language is one rule set for both directions.
  EXPECT_EQ(f.inbound, f.outbound);
  const auto& rs = p.rule_set(f.inbound);
  EXPECT_EQ(rs.combining, Combining::FirstMatch);
  EXPECT_EQ(rs.default_action, Action::Allow);
  // `default allow` starts at line 3, column 25.
  EXPECT_EQ(rs.default_origin.line, 3u);
  EXPECT_EQ(rs.default_origin.column, 25u);
  EXPECT_EQ(f.origin.line, 3u);
  EXPECT_EQ(f.origin.column, 1u);

  const auto& r = rs.rules();
  ASSERT_EQ(r.size(), 5u);

  // ssh: allow tcp from office to any port 22
  EXPECT_EQ(r[0].name, "ssh");
  EXPECT_EQ(r[0].action, Action::Allow);
  EXPECT_EQ(r[0].match.src, core::AddressMatch::of(addrs("192.168.1.0/24")));
  EXPECT_TRUE(r[0].match.dst.is_any());
  EXPECT_EQ(r[0].match.services.clauses, std::vector<ServiceMatch>{ServiceMatch::tcp(22, 22)});
  EXPECT_EQ(r[0].match.states, core::kAllConnStates);
  EXPECT_TRUE(r[0].match.unknowns.empty());
  EXPECT_EQ(r[0].origin.line, 4u);
  EXPECT_EQ(r[0].origin.column, 3u);

  // An unlabelled rule is named by its text, without the semicolon.
  EXPECT_EQ(r[1].name, "deny udp from any port 53 to 10.0.0.0/8");
  EXPECT_EQ(r[1].action, Action::Deny);
  EXPECT_TRUE(r[1].match.src.is_any());
  EXPECT_EQ(r[1].match.dst, core::AddressMatch::of(addrs("10.0.0.0/8")));
  // `from any port 53`: 53 is the SOURCE port; the destination port is open.
  ServiceMatch dns = ServiceMatch::protocol(17);
  dns.src_ports = PortSet::single(53);
  EXPECT_EQ(r[1].match.services.clauses, std::vector<ServiceMatch>{dns});

  // `port 80, 443` with no `to`: destination ports.
  EXPECT_EQ(r[2].name, "allow tcp port 80, 443");
  ServiceMatch web = ServiceMatch::protocol(6);
  web.dst_ports = PortSet::single(80);
  web.dst_ports.add(443);
  EXPECT_EQ(r[2].match.services.clauses, std::vector<ServiceMatch>{web});

  // `drop` is a deny.
  EXPECT_EQ(r[3].action, Action::Deny);
  ServiceMatch echo = ServiceMatch::protocol(1);
  echo.icmp_types = core::ByteSet::single(8);
  echo.icmp_codes = core::ByteSet::single(0);
  EXPECT_EQ(r[3].match.services.clauses, std::vector<ServiceMatch>{echo});

  // `reject` is a deny; both port refinements, states, interfaces, unknown.
  EXPECT_EQ(r[4].action, Action::Deny);
  ServiceMatch smtp = ServiceMatch::protocol(6);
  smtp.src_ports = PortSet::range(1000, 2000);
  smtp.dst_ports = PortSet::single(25);
  EXPECT_EQ(r[4].match.services.clauses, std::vector<ServiceMatch>{smtp});
  EXPECT_EQ(r[4].match.src, core::AddressMatch::of(addrs("192.168.1.0/24")));
  EXPECT_EQ(r[4].match.dst, core::AddressMatch::of(addrs("10.0.0.1")));
  EXPECT_EQ(r[4].match.states,
            core::conn_state_bit(core::ConnState::New) | core::conn_state_bit(core::ConnState::Established));
  EXPECT_EQ(r[4].match.in_interface.names, std::vector<std::string>{"eth0"});
  EXPECT_EQ(r[4].match.out_interface.names, std::vector<std::string>{"eth1"});
  ASSERT_EQ(r[4].match.unknowns.size(), 1u);
  const auto& c = p.condition(r[4].match.unknowns[0]);
  EXPECT_EQ(c.name, "geo");
  EXPECT_EQ(c.origin.line, 8u);
}

TEST(DslFirewall, DefaultsWhenNothingIsSaid) {
  auto p = load_ok("firewall plain { allow tcp/22; }");
  const auto& f = filter(p, "plain");
  EXPECT_FALSE(f.stateless);
  EXPECT_EQ(f.scope, core::FilterScope::Host);
  const auto& rs = p.rule_set(f.inbound);
  EXPECT_EQ(rs.combining, Combining::FirstMatch);
  EXPECT_EQ(rs.default_action, Action::Deny);
  // The implicit default points at the firewall itself.
  EXPECT_EQ(rs.default_origin, f.origin);
  ASSERT_EQ(rs.rules().size(), 1u);
  EXPECT_EQ(rs.rules()[0].name, "allow tcp/22");
  EXPECT_EQ(rs.rules()[0].match.services.clauses, std::vector<ServiceMatch>{ServiceMatch::tcp(22, 22)});
  EXPECT_TRUE(rs.rules()[0].match.src.is_any());
  EXPECT_TRUE(rs.rules()[0].match.dst.is_any());
}

TEST(DslFirewall, EmptyFirewallAndRuleWithoutService) {
  auto p = load_ok("firewall empty default deny { } firewall everything { allow; deny from 10.0.0.0/8; }");
  EXPECT_TRUE(rules(p, "empty").empty());
  const auto& r = rules(p, "everything");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[0].match.services.is_any());
  EXPECT_TRUE(r[0].match.src.is_any());
  EXPECT_EQ(r[1].match.src, core::AddressMatch::of(addrs("10.0.0.0/8")));
}

TEST(DslFirewall, EachCombiningSemantics) {
  auto p = load_ok(R"(
firewall sg allow-union stateful scope host { allow tcp/22; allow udp/53; }
firewall win block-overrides-allow default allow {
  bypass tcp/22 from 10.0.0.0/8;
  deny tcp;
  allow any;
}
firewall az priority-order default deny {
  a: priority 100 allow tcp/22;
  b: priority 200 deny tcp;
}
firewall dropper default drop { }
firewall rejecter default reject { }
)");
  const auto& sg = p.rule_set(filter(p, "sg").inbound);
  EXPECT_EQ(sg.combining, Combining::AllowUnion);
  EXPECT_EQ(sg.default_action, Action::Deny);
  EXPECT_FALSE(filter(p, "sg").stateless);
  EXPECT_EQ(filter(p, "sg").scope, core::FilterScope::Host);
  EXPECT_EQ(sg.rules().size(), 2u);

  const auto& win = p.rule_set(filter(p, "win").inbound);
  EXPECT_EQ(win.combining, Combining::BlockOverridesAllow);
  EXPECT_EQ(win.default_action, Action::Allow);
  ASSERT_EQ(win.rules().size(), 3u);
  EXPECT_EQ(win.rules()[0].action, Action::Bypass);
  EXPECT_EQ(win.rules()[1].action, Action::Deny);
  EXPECT_EQ(win.rules()[2].action, Action::Allow);
  EXPECT_TRUE(win.rules()[2].match.services.is_any());

  const auto& az = p.rule_set(filter(p, "az").inbound);
  EXPECT_EQ(az.combining, Combining::PriorityDenyWins);
  ASSERT_EQ(az.rules().size(), 2u);
  EXPECT_EQ(az.rules()[0].name, "a");
  EXPECT_EQ(az.rules()[0].priority, 100);
  EXPECT_EQ(az.rules()[1].name, "b");
  EXPECT_EQ(az.rules()[1].priority, 200);
  EXPECT_EQ(az.rules()[1].action, Action::Deny);

  EXPECT_EQ(p.rule_set(filter(p, "dropper").inbound).default_action, Action::Deny);
  EXPECT_EQ(p.rule_set(filter(p, "rejecter").inbound).default_action, Action::Deny);
}

TEST(DslFirewall, SourcePortVersusDestinationPort) {
  auto p = load_ok(R"(
firewall fw {
  src_only: allow tcp from 10.0.0.0/8 port 22;
  dst_to: allow tcp from 10.0.0.0/8 to any port 22;
  dst_bare: allow tcp from 10.0.0.0/8 port 1024-65535 to 10.0.0.1 port 22;
  both_protocols: allow tcp, udp to any port 53;
  service_and_source: allow tcp/443 from any port 5000;
}
)");
  const auto& r = rules(p, "fw");
  ASSERT_EQ(r.size(), 5u);
  ServiceMatch src_only = ServiceMatch::protocol(6);
  src_only.src_ports = PortSet::single(22);
  EXPECT_EQ(r[0].match.services.clauses, std::vector<ServiceMatch>{src_only});
  EXPECT_EQ(r[1].match.services.clauses, std::vector<ServiceMatch>{ServiceMatch::tcp(22, 22)});
  ServiceMatch both = ServiceMatch::tcp(22, 22);
  both.src_ports = PortSet::range(1024, 65535);
  EXPECT_EQ(r[2].match.services.clauses, std::vector<ServiceMatch>{both});
  EXPECT_EQ(r[3].match.services.clauses,
            (std::vector<ServiceMatch>{ServiceMatch::tcp(53, 53), ServiceMatch::udp(53, 53)}));
  ServiceMatch https = ServiceMatch::tcp(443, 443);
  https.src_ports = PortSet::single(5000);
  EXPECT_EQ(r[4].match.services.clauses, std::vector<ServiceMatch>{https});
}

TEST(DslFirewall, StatesAndInterfaces) {
  auto p = load_ok(R"(
firewall fw {
  allow tcp state established, related;
  allow state invalid, untracked;
  allow in "eth+" out "wg0";
  allow tcp state new state established;
  allow in "eth0" in "wg0";
}
)");
  const auto& r = rules(p, "fw");
  ASSERT_EQ(r.size(), 5u);
  using core::conn_state_bit;
  using core::ConnState;
  EXPECT_EQ(r[0].match.states, conn_state_bit(ConnState::Established) | conn_state_bit(ConnState::Related));
  EXPECT_EQ(r[1].match.states, conn_state_bit(ConnState::Invalid) | conn_state_bit(ConnState::Untracked));
  EXPECT_EQ(r[2].match.states, core::kAllConnStates);
  EXPECT_EQ(r[2].match.in_interface.names, std::vector<std::string>{"eth+"});
  EXPECT_FALSE(r[2].match.in_interface.negated);
  EXPECT_EQ(r[2].match.out_interface.names, std::vector<std::string>{"wg0"});
  // docs/language.md: several `state` options must all match (new and
  // established at once is no state at); several `in` options match any.
  EXPECT_EQ(r[3].match.states, 0);
  EXPECT_EQ(r[4].match.in_interface.names, (std::vector<std::string>{"eth0", "wg0"}));
}

TEST(DslFirewall, UnknownConditionsAreInternedByName) {
  auto p = load_ok(R"(
firewall a { allow tcp/22 if unknown "geo"; allow tcp/23 if unknown "other"; }
firewall b { allow tcp/24 if unknown "geo"; allow tcp/25 if unknown "geo" if unknown "other"; }
)");
  ASSERT_EQ(p.conditions.size(), 2u);
  const auto& a = rules(p, "a");
  const auto& b = rules(p, "b");
  ASSERT_EQ(a[0].match.unknowns.size(), 1u);
  ASSERT_EQ(b[0].match.unknowns.size(), 1u);
  EXPECT_EQ(a[0].match.unknowns[0], b[0].match.unknowns[0]);
  EXPECT_NE(a[0].match.unknowns[0], a[1].match.unknowns[0]);
  EXPECT_EQ(b[1].match.unknowns,
            (std::vector<core::ConditionId>{a[0].match.unknowns[0], a[1].match.unknowns[0]}));
  const auto& geo = p.condition(a[0].match.unknowns[0]);
  EXPECT_EQ(geo.name, "geo");
  EXPECT_EQ(geo.description, "declared unknown in the policy: \"geo\"");
  // The first use names it: line 2, `if` at column 27.
  EXPECT_EQ(geo.origin.line, 2u);
  EXPECT_EQ(geo.origin.column, 27u);
  EXPECT_EQ(p.condition(a[1].match.unknowns[0]).name, "other");
}

TEST(DslFirewall, RulesNameZonesHostsAndRanges) {
  auto p = load_ok(R"(
zone office = 192.168.1.0/24;
host web1 { interface eth0 address 10.0.1.10/24; }
firewall fw {
  allow tcp from office except 192.168.1.66 to web1 port 22;
  allow udp from 10.0.0.1-10.0.0.3, 2001:db8::/32 to (web1, office);
}
)");
  const auto& r = rules(p, "fw");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].match.src, core::AddressMatch::of(addrs("192.168.1.0/24").subtract(addrs("192.168.1.66"))));
  EXPECT_EQ(r[0].match.dst, core::AddressMatch::of(addrs("10.0.1.10")));
  EXPECT_EQ(r[1].match.src, core::AddressMatch::of(addrs("10.0.0.1-10.0.0.3").unite(addrs("2001:db8::/32"))));
  EXPECT_EQ(r[1].match.dst, core::AddressMatch::of(addrs("10.0.1.10").unite(addrs("192.168.1.0/24"))));
}

}  // namespace
}  // namespace rampart::testing
