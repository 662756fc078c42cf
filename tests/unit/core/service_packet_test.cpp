// Services (protocol, ports, ICMP type/code) and packets (text, reply).

#include <gtest/gtest.h>

#include "core_test_util.h"
#include "rampart/core/packet.h"
#include "rampart/core/service.h"

namespace rampart::core {
namespace {

using testing::addr;
using testing::icmp;
using testing::raw;
using testing::svc;
using testing::tcp;
using testing::udp;

// ---------------------------------------------------------------- protocols

TEST(Protocols, NamesAndNumbers) {
  EXPECT_EQ(protocol_by_name("icmp"), std::optional<uint8_t>(1));
  EXPECT_EQ(protocol_by_name("tcp"), std::optional<uint8_t>(6));
  EXPECT_EQ(protocol_by_name("udp"), std::optional<uint8_t>(17));
  EXPECT_EQ(protocol_by_name("gre"), std::optional<uint8_t>(47));
  EXPECT_EQ(protocol_by_name("esp"), std::optional<uint8_t>(50));
  EXPECT_EQ(protocol_by_name("ah"), std::optional<uint8_t>(51));
  EXPECT_EQ(protocol_by_name("icmpv6"), std::optional<uint8_t>(58));
  EXPECT_EQ(protocol_by_name("ipv6-icmp"), std::optional<uint8_t>(58));
  EXPECT_EQ(protocol_by_name("sctp"), std::optional<uint8_t>(132));
  EXPECT_EQ(protocol_by_name("nope"), std::nullopt);
  EXPECT_EQ(protocol_name(6), "tcp");
  EXPECT_EQ(protocol_name(17), "udp");
  EXPECT_EQ(protocol_name(58), "icmpv6");
  EXPECT_EQ(protocol_name(200), "200");
  EXPECT_EQ(protocol_name(0), "0");
}

TEST(Protocols, PortsAndIcmp) {
  for (uint8_t p : {proto::kTcp, proto::kUdp, proto::kSctp, proto::kDccp, proto::kUdpLite}) {
    EXPECT_TRUE(has_ports(p)) << int(p);
    EXPECT_FALSE(has_icmp(p)) << int(p);
  }
  for (uint8_t p : {proto::kIcmp, proto::kIcmpV6}) {
    EXPECT_FALSE(has_ports(p)) << int(p);
    EXPECT_TRUE(has_icmp(p)) << int(p);
  }
  for (int p : {0, 2, 4, 41, 47, 50, 51, 89, 255}) {
    EXPECT_FALSE(has_ports(uint8_t(p))) << p;
    EXPECT_FALSE(has_icmp(uint8_t(p))) << p;
  }
}

// ---------------------------------------------------------------- parse_service

TEST(ParseService, PortForms) {
  ServiceMatch ssh = svc("tcp/22");
  EXPECT_TRUE(ssh.protocols == ByteSet::single(6));
  EXPECT_TRUE(ssh.dst_ports == PortSet::single(22));
  EXPECT_TRUE(ssh.src_ports.is_all());
  EXPECT_TRUE(ssh == ServiceMatch::tcp(22, 22));

  ServiceMatch range = svc("tcp/80-90");
  EXPECT_TRUE(range.dst_ports == PortSet::range(80, 90));

  ServiceMatch list = svc("tcp/80,443,1000-2000");
  EXPECT_TRUE(list.dst_ports ==
              PortSet::single(80).unite(PortSet::single(443)).unite(PortSet::range(1000, 2000)));

  ServiceMatch edges = svc("udp/0,65535");
  EXPECT_TRUE(edges.protocols == ByteSet::single(17));
  EXPECT_TRUE(edges.dst_ports == PortSet::single(0).unite(PortSet::single(65535)));
  EXPECT_TRUE(svc("udp/0-65535").dst_ports.is_all());

  ServiceMatch bare = svc("udp");
  EXPECT_TRUE(bare.protocols == ByteSet::single(17));
  EXPECT_TRUE(bare.dst_ports.is_all());

  EXPECT_TRUE(svc("sctp/3868").protocols == ByteSet::single(132));
  EXPECT_TRUE(svc("any").is_any());
  EXPECT_TRUE(svc("ip").is_any());
}

TEST(ParseService, IcmpAndProtocolForms) {
  ServiceMatch echo = svc("icmp/8");
  EXPECT_TRUE(echo.protocols == ByteSet::single(1));
  EXPECT_TRUE(echo.icmp_types == ByteSet::single(8));
  EXPECT_TRUE(echo.icmp_codes.is_all());

  ServiceMatch unreach = svc("icmp/3:4");
  EXPECT_TRUE(unreach.icmp_types == ByteSet::single(3));
  EXPECT_TRUE(unreach.icmp_codes == ByteSet::single(4));

  ServiceMatch v6 = svc("icmpv6/128");
  EXPECT_TRUE(v6.protocols == ByteSet::single(58));
  EXPECT_TRUE(v6.icmp_types == ByteSet::single(128));

  ServiceMatch esp = svc("proto/50");
  EXPECT_TRUE(esp.protocols == ByteSet::single(50));
  EXPECT_TRUE(svc("proto/0").protocols == ByteSet::single(0));
  EXPECT_TRUE(svc("proto/255").protocols == ByteSet::single(255));
  EXPECT_TRUE(svc("gre").protocols == ByteSet::single(47));
  EXPECT_TRUE(svc("icmp/0:0").icmp_codes == ByteSet::single(0));
  EXPECT_TRUE(svc("icmp/255:255").icmp_types == ByteSet::single(255));
}

TEST(ParseService, Errors) {
  for (const char* text : {"",           "tcp/",   "tcp/65536",  "tcp/90-80", "tcp/a", "tcp/22,",   "tcp/,22",
                           "tcp/-5",     "tcp/5-", "tcp/1-2-3",  "tcp/ 22",   "icmp/", "icmp/256",  "icmp/3:",
                           "icmp/3:256", "icmp/a", "icmp/3:4:5", "foo",       "foo/1", "proto/256", "proto/",
                           "proto/x",    "gre/1",  "esp/5",      "tcp/22/23"}) {
    SCOPED_TRACE(text);
    auto p = parse_service(text);
    EXPECT_FALSE(p.service.has_value());
    EXPECT_FALSE(p.error.empty());
  }
}

// ---------------------------------------------------------------- matching

TEST(ServiceMatchTest, PortsAndProtocols) {
  ServiceMatch ssh = svc("tcp/22");
  EXPECT_TRUE(ssh.matches(6, 40000, 22, 0, 0));
  EXPECT_TRUE(ssh.matches(6, 0, 22, 0, 0));
  EXPECT_FALSE(ssh.matches(6, 40000, 23, 0, 0));
  EXPECT_FALSE(ssh.matches(6, 22, 40000, 0, 0));  // the source port is not the service
  EXPECT_FALSE(ssh.matches(17, 40000, 22, 0, 0));

  ServiceMatch from53 = svc("udp/1024-65535");
  from53.src_ports = PortSet::single(53);
  EXPECT_TRUE(from53.matches(17, 53, 5000, 0, 0));
  EXPECT_FALSE(from53.matches(17, 54, 5000, 0, 0));
  EXPECT_FALSE(from53.matches(17, 53, 1023, 0, 0));
}

TEST(ServiceMatchTest, PortsIgnoredForProtocolsWithoutPorts) {
  // Every protocol, destination port 22: ports constrain only port-bearing protocols.
  ServiceMatch any22;
  any22.dst_ports = PortSet::single(22);
  EXPECT_TRUE(any22.matches(6, 1, 22, 0, 0));
  EXPECT_FALSE(any22.matches(6, 1, 23, 0, 0));
  EXPECT_FALSE(any22.matches(17, 1, 23, 0, 0));
  EXPECT_FALSE(any22.matches(132, 1, 23, 0, 0));
  EXPECT_TRUE(any22.matches(47, 0, 0, 0, 0));  // GRE has no ports
  EXPECT_TRUE(any22.matches(50, 0, 0, 0, 0));  // ESP neither
  EXPECT_TRUE(any22.matches(1, 0, 0, 8, 0));   // ICMP neither

  // ICMP sets constrain only ICMP.
  ServiceMatch echo_only;
  echo_only.icmp_types = ByteSet::single(8);
  EXPECT_TRUE(echo_only.matches(1, 0, 0, 8, 0));
  EXPECT_FALSE(echo_only.matches(1, 0, 0, 0, 0));
  EXPECT_FALSE(echo_only.matches(58, 0, 0, 128, 0));
  EXPECT_TRUE(echo_only.matches(6, 1234, 80, 0, 0));
  EXPECT_TRUE(echo_only.matches(47, 0, 0, 0, 0));

  // A protocol-only match ignores whatever the packet carries.
  ServiceMatch gre = svc("gre");
  EXPECT_TRUE(gre.matches(47, 0, 0, 0, 0));
  EXPECT_TRUE(gre.matches(47, 5, 6, 7, 8));
  EXPECT_FALSE(gre.matches(6, 0, 0, 0, 0));
}

TEST(ServiceMatchTest, IcmpTypeAndCode) {
  ServiceMatch unreach = svc("icmp/3:4");
  EXPECT_TRUE(unreach.matches(1, 0, 0, 3, 4));
  EXPECT_FALSE(unreach.matches(1, 0, 0, 3, 3));
  EXPECT_FALSE(unreach.matches(1, 0, 0, 4, 4));
  EXPECT_FALSE(unreach.matches(58, 0, 0, 3, 4));  // ICMPv6 is another protocol

  ServiceMatch any_unreach = svc("icmp/3");
  for (int code = 0; code < 16; ++code) EXPECT_TRUE(any_unreach.matches(1, 0, 0, 3, uint8_t(code)));
  EXPECT_FALSE(any_unreach.matches(1, 0, 0, 8, 0));

  ServiceMatch all_icmp = svc("icmp");
  EXPECT_TRUE(all_icmp.matches(1, 0, 0, 0, 0));
  EXPECT_TRUE(all_icmp.matches(1, 0, 0, 255, 255));

  ServiceMatch v6echo = svc("icmpv6/128");
  EXPECT_TRUE(v6echo.matches(58, 0, 0, 128, 0));
  EXPECT_FALSE(v6echo.matches(58, 0, 0, 129, 0));
  EXPECT_FALSE(v6echo.matches(1, 0, 0, 128, 0));
}

TEST(ServiceSetTest, UnionAndEmpty) {
  EXPECT_FALSE(ServiceSet::none().matches(6, 1, 22, 0, 0));
  EXPECT_TRUE(ServiceSet::none().empty());
  EXPECT_FALSE(ServiceSet::none().is_any());
  EXPECT_TRUE(ServiceSet::any().matches(200, 0, 0, 0, 0));
  EXPECT_TRUE(ServiceSet::any().is_any());

  ServiceSet web{{svc("tcp/80"), svc("tcp/443"), svc("icmp/8")}};
  EXPECT_TRUE(web.matches(6, 5000, 80, 0, 0));
  EXPECT_TRUE(web.matches(6, 5000, 443, 0, 0));
  EXPECT_TRUE(web.matches(1, 0, 0, 8, 0));
  EXPECT_FALSE(web.matches(6, 5000, 8080, 0, 0));
  EXPECT_FALSE(web.matches(17, 5000, 80, 0, 0));
  EXPECT_FALSE(web.is_any());
  EXPECT_EQ(web.to_string(), "tcp/80, tcp/443, icmp/8");
  EXPECT_EQ(ServiceSet::none().to_string(), "none");
  EXPECT_EQ(ServiceSet::any().to_string(), "any");
}

TEST(ServiceMatchTest, ToString) {
  EXPECT_EQ(svc("tcp/22").to_string(), "tcp/22");
  EXPECT_EQ(svc("udp/1000-2000").to_string(), "udp/1000-2000");
  EXPECT_EQ(svc("tcp/80,443").to_string(), "tcp/80,443");
  EXPECT_EQ(svc("icmp/8:0").to_string(), "icmp/8:0");
  EXPECT_EQ(svc("icmp/3").to_string(), "icmp/3");
  EXPECT_EQ(svc("icmpv6/128").to_string(), "icmpv6/128");
  EXPECT_EQ(svc("udp").to_string(), "udp");
  EXPECT_EQ(svc("proto/200").to_string(), "proto/200");
  EXPECT_EQ(svc("any").to_string(), "any");
  EXPECT_EQ(port_set_to_string(PortSet::range(1024, 65535)), "1024-65535");
  EXPECT_EQ(port_set_to_string(PortSet::single(80).unite(PortSet::single(443))), "80,443");
  EXPECT_EQ(port_set_to_string(PortSet::all()), "any");
  EXPECT_EQ(port_set_to_string(PortSet::none()), "none");
}

TEST(ServiceMatchTest, ToStringOfWiderMatches) {
  ServiceMatch dns;
  dns.protocols = ByteSet::single(proto::kTcp).unite(ByteSet::single(proto::kUdp));
  dns.dst_ports = PortSet::single(53);
  EXPECT_EQ(dns.to_string(), "tcp/53, udp/53");
  ServiceMatch any22;
  any22.dst_ports = PortSet::single(22);
  EXPECT_EQ(any22.to_string(), "any port 22");
  ServiceMatch from53 = svc("udp");
  from53.src_ports = PortSet::single(53);
  EXPECT_EQ(from53.to_string(), "udp from port 53");
  ServiceMatch code = svc("icmp");
  code.icmp_codes = ByteSet::single(4);
  EXPECT_EQ(code.to_string(), "icmp code 4");
}

TEST(ClientPorts, Default) {
  EXPECT_TRUE(default_client_ports() == PortSet::range(1024, 65535));
  EXPECT_FALSE(default_client_ports().contains(1023));
  EXPECT_TRUE(default_client_ports().contains(65535));
}

// ---------------------------------------------------------------- packets

TEST(PacketReply, TcpSwapsEverything) {
  Packet p = tcp("192.168.1.50", 40000, "10.0.1.10", 22);
  p.in_interface = "eth0";
  p.out_interface = "";
  auto r = p.reply();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->src, addr("10.0.1.10"));
  EXPECT_EQ(r->dst, addr("192.168.1.50"));
  EXPECT_EQ(r->src_port, 22);
  EXPECT_EQ(r->dst_port, 40000);
  EXPECT_EQ(r->in_interface, "");
  EXPECT_EQ(r->out_interface, "eth0");
  EXPECT_EQ(r->protocol, proto::kTcp);
  EXPECT_EQ(r->family, Family::V4);
  EXPECT_EQ(r->state, ConnState::Established);
  EXPECT_EQ(p.state, ConnState::New);  // the forward packet is untouched
}

TEST(PacketReply, UdpAndV6) {
  Packet p = udp("2001:db8::1", 5353, "2001:db8::10", 53);
  auto r = p.reply();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->src, addr("2001:db8::10"));
  EXPECT_EQ(r->dst, addr("2001:db8::1"));
  EXPECT_EQ(r->src_port, 53);
  EXPECT_EQ(r->dst_port, 5353);
  EXPECT_EQ(r->state, ConnState::Established);
}

TEST(PacketReply, IcmpEchoOnly) {
  // RFC 792: echo request 8 is answered by echo reply 0.
  auto r4 = icmp("10.0.0.1", "10.0.0.2", 8, 0).reply();
  ASSERT_TRUE(r4.has_value());
  EXPECT_EQ(r4->icmp_type, 0);
  EXPECT_EQ(r4->icmp_code, 0);
  EXPECT_EQ(r4->src, addr("10.0.0.2"));
  EXPECT_EQ(r4->dst, addr("10.0.0.1"));
  EXPECT_EQ(r4->protocol, proto::kIcmp);
  EXPECT_EQ(r4->state, ConnState::Established);

  // The code is kept.
  auto coded = icmp("10.0.0.1", "10.0.0.2", 8, 5).reply();
  ASSERT_TRUE(coded.has_value());
  EXPECT_EQ(coded->icmp_type, 0);
  EXPECT_EQ(coded->icmp_code, 5);

  // RFC 4443: echo request 128 is answered by echo reply 129.
  auto r6 = icmp("2001:db8::1", "2001:db8::2", 128, 0).reply();
  ASSERT_TRUE(r6.has_value());
  EXPECT_EQ(r6->icmp_type, 129);
  EXPECT_EQ(r6->protocol, proto::kIcmpV6);

  // Other ICMP messages are one-way.
  EXPECT_FALSE(icmp("10.0.0.1", "10.0.0.2", 0, 0).reply().has_value());        // echo reply
  EXPECT_FALSE(icmp("10.0.0.1", "10.0.0.2", 3, 4).reply().has_value());        // unreachable
  EXPECT_FALSE(icmp("10.0.0.1", "10.0.0.2", 11, 0).reply().has_value());       // time exceeded
  EXPECT_FALSE(icmp("10.0.0.1", "10.0.0.2", 128, 0).reply().has_value());      // not echo in ICMPv4
  EXPECT_FALSE(icmp("2001:db8::1", "2001:db8::2", 8, 0).reply().has_value());  // not echo in ICMPv6
  EXPECT_FALSE(icmp("2001:db8::1", "2001:db8::2", 129, 0).reply().has_value());
  EXPECT_FALSE(icmp("2001:db8::1", "2001:db8::2", 1, 0).reply().has_value());
}

TEST(PacketReply, PortlessProtocolsSwapAddresses) {
  auto r = raw(proto::kGre, "10.0.0.1", "10.0.0.2").reply();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->src, addr("10.0.0.2"));
  EXPECT_EQ(r->dst, addr("10.0.0.1"));
  EXPECT_EQ(r->protocol, proto::kGre);
}

TEST(PacketText, Forms) {
  EXPECT_EQ(tcp("192.168.1.50", 40000, "10.0.1.10", 22).to_string(),
            "tcp 192.168.1.50:40000 -> 10.0.1.10:22");
  EXPECT_EQ(udp("2001:db8::1", 5353, "2001:db8::10", 53).to_string(),
            "udp [2001:db8::1]:5353 -> [2001:db8::10]:53");
  EXPECT_EQ(icmp("10.0.0.1", "10.0.0.2", 8, 0).to_string(), "icmp 10.0.0.1 -> 10.0.0.2 type 8 code 0");
  EXPECT_EQ(icmp("::1", "::2", 128, 0).to_string(), "icmpv6 ::1 -> ::2 type 128 code 0");
  EXPECT_EQ(raw(proto::kGre, "10.0.0.1", "10.0.0.2").to_string(), "gre 10.0.0.1 -> 10.0.0.2");
  EXPECT_EQ(conn_state_name(ConnState::New), "new");
  EXPECT_EQ(conn_state_name(ConnState::Established), "established");
}

}  // namespace
}  // namespace rampart::core
