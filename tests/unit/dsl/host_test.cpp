// Hosts: interfaces, addresses, ordered layers (`a | b` united, `,` in
// order), listeners with bind addresses, `let` and `set`.

#include <gtest/gtest.h>

#include "dsl_test_util.h"

namespace rampart::testing {
namespace {

using core::Address;
using core::Bind;
using core::FilterId;
using core::PortSet;

constexpr const char* kHost = R"(
firewall a { allow tcp/22; }
firewall b { allow tcp/80; }
firewall c { allow; }
host web1 {
  interface eth0 address 10.0.1.10/24, 2001:db8::10 kind ethernet;
  interface wg0 address 10.8.0.1/32 kind vpn;
  interface lo address 127.0.0.1;
  address 192.0.2.5;
  inbound a | b, c;
  outbound c;
  listen tcp/22 by sshd;
  listen tcp/8080 on 127.0.0.1 by myapp;
  listen udp/53 on 10.0.1.10;
  listen tcp/80-81 on *;
  listen sctp/9 on any;
  listen tcp/1 on 0.0.0.0;
  listen tcp/2 on ::;
  let LocalSubnet = 10.0.1.0/24, 10.8.0.0/24;
  set windows.profile = "domain";
  set depth = 5;
}
)";

Address ip(const char* text) {
  return *Address::parse(text);
}

TEST(DslHost, InterfacesAndAddresses) {
  auto p = load_ok(kHost);
  ASSERT_EQ(p.hosts.size(), 1u);
  const auto& h = host(p, "web1");
  EXPECT_EQ(h.origin.line, 5u);
  EXPECT_EQ(h.origin.column, 1u);
  ASSERT_EQ(h.interfaces.size(), 3u);
  EXPECT_EQ(h.interfaces[0].name, "eth0");
  EXPECT_EQ(h.interfaces[0].kind, "ethernet");
  EXPECT_EQ(h.interfaces[0].addresses,
            (std::vector<core::InterfaceAddress>{{ip("10.0.1.10"), 24}, {ip("2001:db8::10"), 128}}));
  EXPECT_EQ(h.interfaces[1].name, "wg0");
  EXPECT_EQ(h.interfaces[1].kind, "vpn");
  EXPECT_EQ(h.interfaces[1].addresses, (std::vector<core::InterfaceAddress>{{ip("10.8.0.1"), 32}}));
  EXPECT_EQ(h.interfaces[2].name, "lo");
  EXPECT_EQ(h.loose_addresses, (std::vector<core::InterfaceAddress>{{ip("192.0.2.5"), 32}}));
  // Loopback addresses are not among the host's addresses.
  EXPECT_EQ(h.address_list(),
            (std::vector<Address>{ip("10.0.1.10"), ip("2001:db8::10"), ip("10.8.0.1"), ip("192.0.2.5")}));
  EXPECT_EQ(h.interface_of(ip("10.8.0.1")), "wg0");
}

TEST(DslHost, LayersAreOrderedAndMembersUnited) {
  auto p = load_ok(kHost);
  const auto& h = host(p, "web1");
  // Firewalls are bound in statement order: a = 0, b = 1, c = 2.
  ASSERT_EQ(h.inbound.size(), 2u);
  EXPECT_EQ(h.inbound[0].members, (std::vector<FilterId>{FilterId(0), FilterId(1)}));
  EXPECT_EQ(h.inbound[1].members, (std::vector<FilterId>{FilterId(2)}));
  EXPECT_EQ(p.layer_text(h.inbound[0]), "a | b");
  EXPECT_EQ(p.layer_text(h.inbound[1]), "c");
  EXPECT_EQ(h.inbound[0].origin.line, 10u);
  EXPECT_EQ(h.inbound[0].origin.column, 11u);
  EXPECT_EQ(h.inbound[1].origin.column, 18u);
  ASSERT_EQ(h.outbound.size(), 1u);
  EXPECT_EQ(h.outbound[0].members, (std::vector<FilterId>{FilterId(2)}));
}

TEST(DslHost, Listeners) {
  auto p = load_ok(kHost);
  const auto& l = host(p, "web1").listeners;
  ASSERT_EQ(l.size(), 7u);

  EXPECT_EQ(l[0].protocol, 6);
  EXPECT_EQ(l[0].ports, PortSet::single(22));
  EXPECT_EQ(l[0].bind.kind, Bind::Kind::Any);
  EXPECT_EQ(l[0].process, "sshd");
  EXPECT_FALSE(l[0].service.valid());
  EXPECT_EQ(l[0].origin.line, 12u);
  EXPECT_EQ(l[0].origin.column, 3u);

  EXPECT_EQ(l[1].ports, PortSet::single(8080));
  EXPECT_EQ(l[1].bind.kind, Bind::Kind::Address);
  EXPECT_EQ(l[1].bind.address, ip("127.0.0.1"));
  EXPECT_TRUE(l[1].bind.is_loopback_only());
  EXPECT_EQ(l[1].process, "myapp");

  EXPECT_EQ(l[2].protocol, 17);
  EXPECT_EQ(l[2].bind.kind, Bind::Kind::Address);
  EXPECT_EQ(l[2].bind.address, ip("10.0.1.10"));
  EXPECT_EQ(l[2].process, "");

  EXPECT_EQ(l[3].ports, PortSet::range(80, 81));
  EXPECT_EQ(l[3].bind.kind, Bind::Kind::Any);

  EXPECT_EQ(l[4].protocol, 132);
  EXPECT_EQ(l[4].bind.kind, Bind::Kind::Any);

  EXPECT_EQ(l[5].bind.kind, Bind::Kind::AnyV4);
  EXPECT_EQ(l[6].bind.kind, Bind::Kind::AnyV6);
}

TEST(DslHost, LetAndSet) {
  auto p = load_ok(kHost);
  const auto& h = host(p, "web1");
  ASSERT_EQ(h.bindings.size(), 1u);
  EXPECT_EQ(h.bindings.at("LocalSubnet"), addrs("10.0.1.0/24").unite(addrs("10.8.0.0/24")));
  EXPECT_EQ(h.settings, (std::map<std::string, std::string>{{"windows.profile", "domain"}, {"depth", "5"}}));
}

TEST(DslHost, HostsNameEachOtherAndKeepStatementOrder) {
  auto p = load_ok(R"(
firewall fw { allow tcp from db to web port 443; }
host web { address 10.0.0.1, 10.0.0.2; inbound fw; }
host db { address 10.0.0.9; outbound fw; }
)");
  ASSERT_EQ(p.hosts.size(), 2u);
  EXPECT_EQ(p.hosts[0].name, "web");
  EXPECT_EQ(p.hosts[1].name, "db");
  const auto& r = rules(p, "fw");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].match.src, core::AddressMatch::of(addrs("10.0.0.9")));
  EXPECT_EQ(r[0].match.dst, core::AddressMatch::of(addrs("10.0.0.1-10.0.0.2")));
}

TEST(DslHost, AHostWithNothingIsFine) {
  auto p = load_ok("host bare { }");
  const auto& h = host(p, "bare");
  EXPECT_TRUE(h.interfaces.empty());
  EXPECT_TRUE(h.inbound.empty());
  EXPECT_TRUE(h.listeners.empty());
}

TEST(DslHost, QuestionsNameHostsAtEitherEnd) {
  auto p = load_ok(R"(
zone office = 192.168.1.0/24;
host web1 { interface eth0 address 10.0.1.10/24; listen tcp/22; }
host db { address 10.0.2.5; }
assert reach office -> web1 tcp/22;
assert not reach web1 -> 8.8.8.8 udp/53;
assert reach db -> web1 tcp/22;
query reach any -> web1 tcp/22;
assert only office reach web1 tcp/22;
assert all office port 1024-2000 reach web1 tcp/22;
)");
  ASSERT_EQ(p.questions.size(), 6u);
  using core::NetworkClaim;
  auto net = [&](size_t i) -> const core::NetworkQuestion& {
    return std::get<core::NetworkQuestion>(p.questions.at(i).body);
  };
  EXPECT_EQ(net(0).claim, NetworkClaim::Reach);
  EXPECT_FALSE(p.questions[0].is_query);
  EXPECT_EQ(p.questions[0].text, "reach office -> web1 tcp/22");
  EXPECT_EQ(p.questions[0].origin.line, 5u);
  EXPECT_EQ(p.questions[0].origin.column, 8u);
  EXPECT_EQ(net(0).source.kind, core::Endpoint::Kind::Addresses);
  EXPECT_EQ(net(0).source.addresses, addrs("192.168.1.0/24"));
  EXPECT_EQ(net(0).source.text, "office");
  EXPECT_EQ(net(0).destination.kind, core::Destination::Kind::Host);
  EXPECT_EQ(net(0).destination.host, *p.find_host("web1"));
  EXPECT_EQ(net(0).services.clauses, std::vector<core::ServiceMatch>{core::ServiceMatch::tcp(22, 22)});

  // A source that is one host name is that host sending; the destination may
  // then be plain addresses.
  EXPECT_EQ(net(1).claim, NetworkClaim::NotReach);
  EXPECT_EQ(net(1).source.kind, core::Endpoint::Kind::Host);
  EXPECT_EQ(net(1).source.host, *p.find_host("web1"));
  EXPECT_EQ(net(1).destination.kind, core::Destination::Kind::Addresses);
  EXPECT_EQ(net(1).destination.addresses, addrs("8.8.8.8"));

  EXPECT_EQ(net(2).source.kind, core::Endpoint::Kind::Host);
  EXPECT_EQ(net(2).source.host, *p.find_host("db"));
  EXPECT_EQ(net(2).destination.host, *p.find_host("web1"));

  EXPECT_TRUE(p.questions[3].is_query);
  EXPECT_EQ(net(3).claim, NetworkClaim::QueryReach);
  EXPECT_EQ(net(3).source.addresses, core::AddressSet::any());

  EXPECT_EQ(net(4).claim, NetworkClaim::OnlyReach);
  EXPECT_EQ(net(5).claim, NetworkClaim::AllReach);
  EXPECT_EQ(net(5).source.client_ports, PortSet::range(1024, 2000));
}

TEST(DslHost, LetPortsBindsASymbolicPortSet) {
  auto p = load_ok(R"(
host dc1 {
  interface eth0 address 10.0.0.10/24;
  let LocalSubnet = 10.0.0.0/24;
  let ports RPC = 49152-65535;
  let ports RPC-EPMap = 135, 593;
}
)");
  const auto& h = host(p, "dc1");
  EXPECT_EQ(h.port_bindings.size(), 2u);
  EXPECT_EQ(h.port_bindings.at("RPC"), PortSet::range(49152, 65535));
  PortSet epmap = PortSet::single(135);
  epmap.add(593, 593);
  EXPECT_EQ(h.port_bindings.at("RPC-EPMap"), epmap);
  EXPECT_EQ(h.bindings.size(), 1u);
}

TEST(DslHost, LetPortsMistakes) {
  // A name bound twice, as ports or once as addresses and once as ports;
  // a port out of range; a range that ends before it starts.
  EXPECT_EQ(load_errors(R"(host dc1 {
  let ports RPC = 49152-65535;
  let ports RPC = 135;
  let LocalSubnet = 10.0.0.0/24;
  let ports LocalSubnet = 1;
  let ports A = 70000;
  let ports B = 20-10;
}
)"),
            (std::vector<std::string>{"p.rampart:3:13 RP2002", "p.rampart:5:13 RP2002",
                                      "p.rampart:6:17 RP2104", "p.rampart:7:17 RP2102"}));
}

const std::string kAwsSsh = std::string(RAMPART_SOURCE_DIR) + "/examples/aws-ssh";

TEST(DslHost, BoundHostIsTheImportedOne) {
  auto p = load_ok(R"(import aws.account "aws" as aws;
firewall local first-match default allow { deny tcp port 23; }
host web1 is aws["web-1"] {
  inbound local;
  listen tcp/22 by sshd;
  let ports RPC = 135;
}
query reach any -> web1 tcp/22;
)",
                   kAwsSsh);
  const auto& h = host(p, "web1");
  // One host: the imported one, under the policy's name.
  EXPECT_FALSE(p.find_host("i-0a1b2c3d4e5f60001").has_value());
  EXPECT_EQ(h.addresses(), addrs("10.0.1.10").unite(addrs("192.0.2.10")));
  ASSERT_EQ(h.inbound.size(), 4u);
  EXPECT_EQ(p.filter(h.inbound[3].members.at(0)).name, "local");
  ASSERT_EQ(h.listeners.size(), 1u);
  EXPECT_EQ(h.listeners[0].process, "sshd");
  EXPECT_EQ(h.port_bindings.at("RPC"), PortSet::single(135));
  // The question's host is it, whichever name says so.
  const auto& n = std::get<core::NetworkQuestion>(p.questions.at(0).body);
  EXPECT_EQ(n.destination.host, p.find_host("web1"));
}

TEST(DslHost, BoundHostMistakes) {
  EXPECT_EQ(load_errors(R"(import aws.account "aws" as aws;
zone office = 198.51.100.0/24;
host a is aws["sg-0a1b2c3d4e5f60001"] { }
host b is office { }
host c is aws["web-1"] { }
host d is aws["i-0a1b2c3d4e5f60001"] { }
host e is aws["i-nope"] { }
host f is nosuch["x"] { }
host g is aws["db-1"] {
  interface eth0 address 10.0.2.20/24;
  interface eni-0a1b2c3d4e5f60002 address 10.0.2.21/24;
}
host h is aws["eni-0a1b2c3d4e5f60050"] {
  address 10.0.1.50, 10.0.1.51;
}
query reach office -> c tcp/22;
)",
                        kAwsSsh),
            (std::vector<std::string>{
                "p.rampart:3:11 RP2206",   // a security group is not a host
                "p.rampart:4:11 RP2206",   // nor is a zone
                "p.rampart:6:11 RP2002",   // web-1 is i-0a1b2c3d4e5f60001, bound to c already
                "p.rampart:7:11 RP2302",   // no such object
                "p.rampart:8:11 RP2001",   // no such import
                "p.rampart:10:3 RP2205",   // 10.0.2.20 is on the imported eni-...0002
                "p.rampart:11:3 RP2205",   // the imported eni-...0002 has 10.0.2.20/24, not .21
                "p.rampart:14:11 RP2205",  // the NAT gateway's 10.0.1.50 is imported; .51 is new
            }));
}

}  // namespace
}  // namespace rampart::testing
