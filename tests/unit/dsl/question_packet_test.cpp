// dsl::parse_question (as `rampart query` uses it) and dsl::parse_packet (as
// `rampart explain` uses it), against a loaded policy.

#include <gtest/gtest.h>

#include "dsl_test_util.h"

namespace rampart::testing {
namespace {

using core::Address;
using core::NetworkClaim;
using core::PortSet;

constexpr const char* kPolicy = R"(
zone office = 192.168.1.0/24;
zone legacy client-ports 0-65535 = 10.9.0.0/16;
ports web = tcp/80, tcp/443;
host web1 { interface eth0 address 10.0.1.10/24, 2001:db8::10; listen tcp/22; }
host dual { address 10.0.2.1, 10.0.2.2; }
host v6only { address 2001:db8::20; }
)";

class DslQuestion : public ::testing::Test {
 protected:
  core::Policy policy = load_ok(kPolicy);

  const core::NetworkQuestion& net(const dsl::QuestionParse& q) {
    return std::get<core::NetworkQuestion>(q.question->body);
  }
  std::vector<std::string> errors(std::string_view text) {
    auto q = dsl::parse_question(text, policy);
    EXPECT_FALSE(q.question.has_value());
    return located_codes(q.diagnostics);
  }
};

TEST_F(DslQuestion, ReachIsAQuery) {
  auto q = dsl::parse_question("reach office -> web1 tcp/22", policy);
  ASSERT_TRUE(q.question) << dump(q.diagnostics);
  EXPECT_TRUE(q.question->is_query);
  EXPECT_EQ(net(q).claim, NetworkClaim::QueryReach);
  EXPECT_EQ(q.question->text, "reach office -> web1 tcp/22");
  EXPECT_EQ(q.question->origin.to_string(), "<question>:1:1");
  EXPECT_EQ(net(q).source.addresses, addrs("192.168.1.0/24"));
  EXPECT_EQ(net(q).source.client_ports, PortSet::range(1024, 65535));
  EXPECT_EQ(net(q).destination.kind, core::Destination::Kind::Host);
  EXPECT_EQ(net(q).destination.host, *policy.find_host("web1"));
}

TEST_F(DslQuestion, ClaimsAreAcceptedToo) {
  // docs/cli.md: `rampart query` takes the questions of `assert` as well.
  auto nr = dsl::parse_question("not reach 203.0.113.7 -> web1 tcp/22", policy);
  ASSERT_TRUE(nr.question) << dump(nr.diagnostics);
  EXPECT_FALSE(nr.question->is_query);
  EXPECT_EQ(net(nr).claim, NetworkClaim::NotReach);
  EXPECT_EQ(net(nr).source.addresses, addrs("203.0.113.7"));

  auto only = dsl::parse_question("only office reach web1 tcp/22", policy);
  ASSERT_TRUE(only.question) << dump(only.diagnostics);
  EXPECT_EQ(net(only).claim, NetworkClaim::OnlyReach);

  auto all = dsl::parse_question("all legacy reach web1 web", policy);
  ASSERT_TRUE(all.question) << dump(all.diagnostics);
  EXPECT_EQ(net(all).claim, NetworkClaim::AllReach);
  EXPECT_EQ(net(all).source.client_ports, PortSet::all());
  EXPECT_EQ(net(all).services.clauses.size(), 2u);
}

TEST_F(DslQuestion, SourcePortAndHostSource) {
  auto q = dsl::parse_question("reach office port 53 -> web1 udp/53", policy);
  ASSERT_TRUE(q.question) << dump(q.diagnostics);
  EXPECT_EQ(net(q).source.client_ports, PortSet::single(53));
  auto h = dsl::parse_question("reach dual -> 8.8.8.8 udp/53", policy);
  ASSERT_TRUE(h.question) << dump(h.diagnostics);
  EXPECT_EQ(net(h).source.kind, core::Endpoint::Kind::Host);
  EXPECT_EQ(net(h).source.host, *policy.find_host("dual"));
  EXPECT_EQ(net(h).destination.kind, core::Destination::Kind::Addresses);
}

TEST_F(DslQuestion, Errors) {
  EXPECT_EQ(errors("reach nowhere -> web1 tcp/22"), std::vector<std::string>{"<question>:1:7 RP2001"});
  EXPECT_EQ(errors("reach office -> office tcp/22"), std::vector<std::string>{"<question>:1:17 RP2401"});
  EXPECT_EQ(errors("reach office -> web1 tcp/70000"), std::vector<std::string>{"<question>:1:26 RP2104"});
  EXPECT_EQ(errors("reach office -> web1 tcp/22 extra"), std::vector<std::string>{"<question>:1:29 RP1001"});
  EXPECT_EQ(errors("reach office -> web1"), std::vector<std::string>{"<question>:1:21 RP1001"});
  EXPECT_EQ(errors("can alice read \"/etc/shadow\""), std::vector<std::string>{"<question>:1:5 RP2001"});
  EXPECT_EQ(errors(""), std::vector<std::string>{"<question>:1:1 RP1001"});
  EXPECT_EQ(errors("reach \xff"), std::vector<std::string>{"<question>:1:7 RP1002"});
}

class DslPacket : public DslQuestion {
 protected:
  std::vector<std::string> packet_errors(std::string_view text) {
    auto p = dsl::parse_packet(text, policy);
    EXPECT_FALSE(p.packet.has_value());
    return located_codes(p.diagnostics);
  }
};

TEST_F(DslPacket, TcpToAHostName) {
  auto p = dsl::parse_packet("tcp 192.168.1.50:40000 -> web1:22", policy);
  ASSERT_TRUE(p.packet) << dump(p.diagnostics);
  EXPECT_EQ(p.packet->family, core::Family::V4);
  EXPECT_EQ(p.packet->protocol, 6);
  EXPECT_EQ(p.packet->src, *Address::parse("192.168.1.50"));
  EXPECT_EQ(p.packet->src_port, 40000);
  // web1 has one IPv4 address: the family of the other end picks it.
  EXPECT_EQ(p.packet->dst, *Address::parse("10.0.1.10"));
  EXPECT_EQ(p.packet->dst_port, 22);
  EXPECT_EQ(p.packet->state, core::ConnState::New);
  EXPECT_EQ(p.destination, *policy.find_host("web1"));
  EXPECT_FALSE(p.source_host.valid());
}

TEST_F(DslPacket, Ipv6InBracketsAndBare) {
  auto p = dsl::parse_packet("udp [2001:db8::1]:5353 -> [2001:db8::10]:53", policy);
  ASSERT_TRUE(p.packet) << dump(p.diagnostics);
  EXPECT_EQ(p.packet->family, core::Family::V6);
  EXPECT_EQ(p.packet->protocol, 17);
  EXPECT_EQ(p.packet->src_port, 5353);
  EXPECT_EQ(p.packet->dst, *Address::parse("2001:db8::10"));
  EXPECT_EQ(p.destination, *policy.find_host("web1"));

  // A dual-stack host name takes the family of a literal source.
  auto named = dsl::parse_packet("tcp [2001:db8::1]:5353 -> web1:53", policy);
  ASSERT_TRUE(named.packet) << dump(named.diagnostics);
  EXPECT_EQ(named.packet->dst, *Address::parse("2001:db8::10"));

  auto bare = dsl::parse_packet("icmpv6 2001:db8::1 -> 2001:db8::20 type 128 code 0", policy);
  ASSERT_TRUE(bare.packet) << dump(bare.diagnostics);
  EXPECT_EQ(bare.packet->protocol, 58);
  EXPECT_EQ(bare.packet->icmp_type, 128);
  EXPECT_EQ(bare.packet->icmp_code, 0);
  EXPECT_EQ(bare.destination, *policy.find_host("v6only"));
}

TEST_F(DslPacket, IcmpAndHostSources) {
  auto p = dsl::parse_packet("icmp 10.0.0.1 -> web1 type 8", policy);
  ASSERT_TRUE(p.packet) << dump(p.diagnostics);
  EXPECT_EQ(p.packet->protocol, 1);
  EXPECT_EQ(p.packet->icmp_type, 8);
  EXPECT_EQ(p.packet->icmp_code, 0);  // the code defaults to 0
  EXPECT_EQ(p.packet->dst, *Address::parse("10.0.1.10"));
  EXPECT_EQ(p.packet->src_port, 0);

  // A source address owned by a host names that host as the sender.
  auto owned = dsl::parse_packet("tcp 10.0.2.2:1000 -> web1:22", policy);
  ASSERT_TRUE(owned.packet) << dump(owned.diagnostics);
  EXPECT_EQ(owned.source_host, *policy.find_host("dual"));
  auto named = dsl::parse_packet("tcp v6only:1000 -> [2001:db8::10]:22", policy);
  ASSERT_TRUE(named.packet) << dump(named.diagnostics);
  EXPECT_EQ(named.source_host, *policy.find_host("v6only"));
  EXPECT_EQ(named.packet->src, *Address::parse("2001:db8::20"));
}

TEST_F(DslPacket, Errors) {
  EXPECT_EQ(packet_errors("tcp 192.168.1.50 -> web1:22"), std::vector<std::string>{"<packet>:1:5 RP2102"});
  EXPECT_EQ(packet_errors("icmp 10.0.0.1:5 -> web1"), std::vector<std::string>{"<packet>:1:15 RP2102"});
  EXPECT_EQ(packet_errors("tcp 10.0.0.1:70000 -> web1:22"), std::vector<std::string>{"<packet>:1:14 RP2104"});
  EXPECT_EQ(packet_errors("tcp 1.2.3.4:1 -> 8.8.8.8:53"), std::vector<std::string>{"<packet>:1:18 RP2401"});
  EXPECT_EQ(packet_errors("tcp 10.0.0.1:1 -> [2001:db8::10]:22"),
            std::vector<std::string>{"<packet>:1:1 RP2105"});
  EXPECT_EQ(packet_errors("tcp 10.0.0.1:1 -> nohost:22"), std::vector<std::string>{"<packet>:1:19 RP2001"});
  EXPECT_EQ(packet_errors("tcp dual:1 -> 10.0.1.10:22"), std::vector<std::string>{"<packet>:1:5 RP2005"});
  EXPECT_EQ(packet_errors("udp 10.0.0.1:1 -> web1:22 type 8"),
            std::vector<std::string>{"<packet>:1:32 RP2103"});
  EXPECT_EQ(packet_errors("icmp [2001:db8::1] -> [2001:db8::10] type 128"),
            std::vector<std::string>{"<packet>:1:1 RP2105"});
  // web1 has an address of each family: with the other end wrong, it is not
  // also called ambiguous.
  EXPECT_EQ(packet_errors("tcp 10.0.0.256:1 -> web1:22"), std::vector<std::string>{"<packet>:1:5 RP2101"});
  // A mistake at each end: both are reported.
  EXPECT_EQ(packet_errors("tcp 203.0.113.7 -> web9:22"),
            (std::vector<std::string>{"<packet>:1:5 RP2102", "<packet>:1:20 RP2001"}));
  EXPECT_EQ(packet_errors("udp web1:53 -> 10.0.0.1"), std::vector<std::string>{"<packet>:1:16 RP2102"});
  EXPECT_EQ(packet_errors("udp web1:53 -> 10.0.0.1:53"), std::vector<std::string>{"<packet>:1:16 RP2401"});
  EXPECT_EQ(packet_errors("tcp 10.0.0.1:1 web1:22"), std::vector<std::string>{"<packet>:1:15 RP1001"});
  // Only the protocol keywords are protocols; the parser recovers and goes on.
  EXPECT_EQ(packet_errors("ftp 10.0.0.1:1 -> web1:22").at(0), "<packet>:1:1 RP1001");
}

}  // namespace
}  // namespace rampart::testing
