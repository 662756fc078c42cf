// Zones and ports definitions: parse + bind into core::Policy. Every expected
// set is worked out by hand from the language's meaning.

#include <gtest/gtest.h>

#include "dsl_test_util.h"

namespace rampart::testing {
namespace {

using core::PortSet;
using core::ServiceMatch;

TEST(DslZones, PlainZonesKeepTheirAddressesAndDefaults) {
  auto p = load_ok(R"(
zone office = 192.168.1.0/24;
zone internet untrusted = any;
zone v4 = any4;
zone v6 = any6;
zone one = 203.0.113.7;
)");
  ASSERT_EQ(p.zones.size(), 5u);
  EXPECT_EQ(zone(p, "office").addresses, addrs("192.168.1.0/24"));
  EXPECT_FALSE(zone(p, "office").untrusted);
  // A zone without `client-ports` assumes clients use 1024-65535.
  EXPECT_EQ(zone(p, "office").client_ports, PortSet::range(1024, 65535));
  EXPECT_EQ(zone(p, "internet").addresses, core::AddressSet::any());
  EXPECT_TRUE(zone(p, "internet").untrusted);
  EXPECT_EQ(zone(p, "v4").addresses, core::AddressSet::any_v4());
  EXPECT_TRUE(zone(p, "v4").addresses.v6().empty());
  EXPECT_EQ(zone(p, "v6").addresses, core::AddressSet::any_v6());
  EXPECT_TRUE(zone(p, "v6").addresses.v4().empty());
  EXPECT_EQ(zone(p, "one").addresses, core::AddressSet::of(*core::Address::parse("203.0.113.7")));
  // A zone's origin is its statement: line 2, column 1.
  EXPECT_EQ(zone(p, "office").origin.line, 2u);
  EXPECT_EQ(zone(p, "office").origin.column, 1u);
  EXPECT_EQ(zone(p, "office").origin.file, "p.rampart");
}

TEST(DslZones, ClientPorts) {
  auto p = load_ok(R"(
zone legacy client-ports 0-65535 = 10.9.0.0/16;
zone odd untrusted client-ports 1024-2048, 3000 = 10.8.0.0/16;
)");
  EXPECT_EQ(zone(p, "legacy").client_ports, PortSet::all());
  PortSet odd = PortSet::range(1024, 2048);
  odd.add(3000);
  EXPECT_EQ(zone(p, "odd").client_ports, odd);
  EXPECT_TRUE(zone(p, "odd").untrusted);
}

TEST(DslZones, ExceptBindsTighterThanComma) {
  auto p = load_ok(R"(
zone lab = 10.0.0.0/8 except 10.1.0.0/16, 172.16.0.0/12;
zone prec = 10.1.0.0/16, 10.0.0.0/8 except 10.1.0.0/16;
zone chain = 10.0.0.0/8 except 10.0.0.0/9 except 10.128.0.0/10;
zone nested = (192.168.1.0/24, 10.0.0.0/8) except (10.0.0.0/9 except 10.0.0.0/10);
)");
  // (10/8 - 10.1/16) + 172.16/12
  EXPECT_EQ(zone(p, "lab").addresses,
            addrs("10.0.0.0/8").subtract(addrs("10.1.0.0/16")).unite(addrs("172.16.0.0/12")));
  // 10.1/16 + (10/8 - 10.1/16) = 10/8
  EXPECT_EQ(zone(p, "prec").addresses, addrs("10.0.0.0/8"));
  // (10/8 - 10.0/9) - 10.128/10 = 10.192.0.0/10
  EXPECT_EQ(zone(p, "chain").addresses, addrs("10.192.0.0/10"));
  // (192.168.1/24 + 10/8) - (10.0/9 - 10.0/10) = 192.168.1/24 + 10.0/10 + 10.128/9
  EXPECT_EQ(zone(p, "nested").addresses,
            addrs("192.168.1.0/24").unite(addrs("10.0.0.0/10")).unite(addrs("10.128.0.0/9")));
}

TEST(DslZones, RangesListsAndBothFamilies) {
  auto p = load_ok(R"(
zone r = 10.0.0.1-10.0.0.3;
zone mixed = 10.0.0.1-10.0.0.3, 2001:db8::/32, 2001:db9::1-2001:db9::2;
)");
  EXPECT_EQ(zone(p, "r").addresses, addrs("10.0.0.1/32").unite(addrs("10.0.0.2/31")));
  EXPECT_EQ(zone(p, "mixed").addresses, addrs("10.0.0.1-10.0.0.3")
                                            .unite(addrs("2001:db8::/32"))
                                            .unite(addrs("2001:db9::1/128"))
                                            .unite(addrs("2001:db9::2/128")));
}

TEST(DslZones, LongListsUniteEveryTerm) {
  auto p = load_ok(R"(
zone five = 10.0.0.5, 10.0.0.1, 10.0.0.3-10.0.0.4, 10.0.0.2, 10.0.0.0;
zone seven = 1.0.0.7, 1.0.0.1, 1.0.0.3, 1.0.0.5, 1.0.0.2, 1.0.0.6, 1.0.0.4;
)");
  EXPECT_EQ(zone(p, "five").addresses, addrs("10.0.0.0-10.0.0.5"));
  EXPECT_EQ(zone(p, "seven").addresses, addrs("1.0.0.1-1.0.0.7"));
}

TEST(DslZones, ZonesNameZonesAndHostsInAnyOrder) {
  auto p = load_ok(R"(
zone both = office, lab except web1;
zone office = 192.168.1.0/24;
zone lab = 10.0.0.0/8;
host web1 { interface eth0 address 10.0.1.10/24; }
)");
  EXPECT_EQ(zone(p, "both").addresses,
            addrs("192.168.1.0/24").unite(addrs("10.0.0.0/8").subtract(addrs("10.0.1.10/32"))));
}

TEST(DslZones, UntrustedSurvivesIntoQuestions) {
  auto p = load_ok(R"(
zone internet untrusted = any;
zone legacy client-ports 0-65535 = 10.9.0.0/16;
host web1 { interface eth0 address 10.0.1.10; }
assert not reach internet -> web1 tcp/22;
assert not reach legacy -> web1 tcp/22;
assert not reach legacy port 53 -> web1 tcp/22;
)");
  ASSERT_EQ(p.questions.size(), 3u);
  const auto& q0 = std::get<core::NetworkQuestion>(p.questions[0].body);
  EXPECT_TRUE(q0.source.untrusted);
  EXPECT_EQ(q0.source.client_ports, PortSet::range(1024, 65535));
  const auto& q1 = std::get<core::NetworkQuestion>(p.questions[1].body);
  EXPECT_FALSE(q1.source.untrusted);
  // The zone's client ports are the question's assumption...
  EXPECT_EQ(q1.source.client_ports, PortSet::all());
  // ...unless the question names the source port itself.
  const auto& q2 = std::get<core::NetworkQuestion>(p.questions[2].body);
  EXPECT_EQ(q2.source.client_ports, PortSet::single(53));
}

TEST(DslPorts, DefinitionsAndReferences) {
  auto p = load_ok(R"(
ports web = tcp/80, tcp/443;
ports mgmt = web, tcp/22-23;
ports ping = icmp/8:0;
ports unreachable = icmp/3;
ports types = icmp/0-8;
ports ipsec = esp, proto/51;
ports anything = any;
ports dns = udp/53, tcp/53;
)");
  auto find = [&](const std::string& name) -> const core::ServiceSet& {
    for (const auto& d : p.ports) {
      if (d.name == name) return d.services;
    }
    throw std::runtime_error("no ports " + name);
  };
  ASSERT_EQ(p.ports.size(), 8u);
  EXPECT_EQ(find("web").clauses,
            (std::vector<ServiceMatch>{ServiceMatch::tcp(80, 80), ServiceMatch::tcp(443, 443)}));
  EXPECT_EQ(find("mgmt").clauses,
            (std::vector<ServiceMatch>{ServiceMatch::tcp(80, 80), ServiceMatch::tcp(443, 443),
                                       ServiceMatch::tcp(22, 23)}));
  ServiceMatch ping = ServiceMatch::protocol(1);
  ping.icmp_types = core::ByteSet::single(8);
  ping.icmp_codes = core::ByteSet::single(0);
  EXPECT_EQ(find("ping").clauses, std::vector<ServiceMatch>{ping});
  ServiceMatch unreachable = ServiceMatch::protocol(1);
  unreachable.icmp_types = core::ByteSet::single(3);  // every code
  EXPECT_EQ(find("unreachable").clauses, std::vector<ServiceMatch>{unreachable});
  ServiceMatch types = ServiceMatch::protocol(1);
  types.icmp_types = core::ByteSet::range(0, 8);
  EXPECT_EQ(find("types").clauses, std::vector<ServiceMatch>{types});
  EXPECT_EQ(find("ipsec").clauses,
            (std::vector<ServiceMatch>{ServiceMatch::protocol(50), ServiceMatch::protocol(51)}));
  EXPECT_EQ(find("anything").clauses, std::vector<ServiceMatch>{ServiceMatch::any()});
  EXPECT_EQ(find("dns").clauses,
            (std::vector<ServiceMatch>{ServiceMatch::udp(53, 53), ServiceMatch::tcp(53, 53)}));
}

TEST(DslPorts, UsedInRulesAndQuestions) {
  auto p = load_ok(R"(
ports web = tcp/80, tcp/443;
firewall fw { allow web from 10.0.0.0/8; }
host h { interface eth0 address 10.0.1.10; listen web; }
assert reach 10.0.0.1 -> h web;
)");
  const auto& r = rules(p, "fw");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].match.services.clauses,
            (std::vector<ServiceMatch>{ServiceMatch::tcp(80, 80), ServiceMatch::tcp(443, 443)}));
  // `listen web` opens one listener per service of the definition.
  const auto& h = host(p, "h");
  ASSERT_EQ(h.listeners.size(), 2u);
  EXPECT_EQ(h.listeners[0].ports, PortSet::single(80));
  EXPECT_EQ(h.listeners[1].ports, PortSet::single(443));
  const auto& q = std::get<core::NetworkQuestion>(p.questions.at(0).body);
  EXPECT_EQ(q.services.clauses.size(), 2u);
  EXPECT_EQ(q.services_text, "web");
}

}  // namespace
}  // namespace rampart::testing
