// Real iptables-save dumps (tests/data/netfilter, from the shared corpus)
// through the language, the importer and the solver: must and may source sets
// worked out by hand from each dump, rule by rule (the reasoning is in the
// comments), and a few FORWARD questions for the company gateway.

#include "rampart/importers/netfilter.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "rampart/dsl/frontend.h"
#include "rampart/importers/registry.h"
#include "rampart/solver/session.h"

namespace rampart {
namespace {

const std::string kData = std::string(RAMPART_SOURCE_DIR) + "/tests/data/netfilter";

core::Policy load(const std::string& text, core::Diagnostics* diags = nullptr) {
  importers::Registry registry = importers::default_registry();
  auto r = dsl::load_policy_text(text, "test.rampart", kData, registry);
  std::string errors;
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == core::Severity::Error) errors += d.to_string() + "\n";
  }
  EXPECT_TRUE(r.policy.has_value()) << errors;
  if (diags) *diags = r.diagnostics;
  return r.policy ? *r.policy : core::Policy{};
}

core::AddressSet set(const std::string& text) {
  core::AddressSet out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    auto p = core::AddressSet::parse(item);
    EXPECT_TRUE(p.set) << item << ": " << p.error;
    if (p.set) out = out.unite(*p.set);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

// Every source the solver reports, united over services.
core::AddressSet sources(const std::vector<core::SetEntry>& entries) {
  core::AddressSet out;
  for (const auto& e : entries) out = out.unite(e.sources);
  return out;
}

struct Sets {
  core::AddressSet must, may;
};

Sets query(const core::Policy& p, const std::string& question) {
  auto q = dsl::parse_question(question, p);
  EXPECT_TRUE(q.question.has_value()) << question;
  if (!q.question) return {};
  solver::Session s(p);
  core::Result r = s.answer(*q.question);
  EXPECT_TRUE(r.set.has_value()) << question << ": " << r.reason;
  if (!r.set) return {};
  EXPECT_TRUE(r.set->certified) << question;
  return Sets{sources(r.set->must), sources(r.set->may)};
}

core::Verdict verdict(const core::Policy& p, const std::string& question) {
  auto q = dsl::parse_question(question, p);
  EXPECT_TRUE(q.question.has_value()) << question;
  if (!q.question) return core::Verdict::Unknown;
  solver::Session s(p);
  return s.answer(*q.question).verdict;
}

// Sources a question from `any` ranges over: every IPv4 address but the
// martians and the destination host's own.
core::AddressSet v4_sources(const std::string& own) {
  return core::AddressSet::any_v4().subtract(
      set("0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4, 255.255.255.255, " + own));
}
core::AddressSet v6_sources(const std::string& own) {
  return core::AddressSet::any_v6().subtract(set("::/128, ::1, ff00::/8, " + own));
}

std::string host_policy(const std::string& format, const std::string& file, const std::string& interface,
                        const std::string& address, const std::string& extra = "") {
  return "import " + format + " \"" + file + "\" as fw;\n" + "host h {\n  interface " + interface +
         " address " + address +
         ";\n  inbound fw[\"filter\"];\n  outbound fw[\"filter\"];\n  listen tcp/1-65535;\n  listen "
         "udp/1-65535;\n" +
         extra + "}\n";
}

TEST(NetfilterCorpus, EveryDumpImports) {
  struct Case {
    const char* format;
    const char* file;
    int min_warnings;
  };
  const Case cases[] = {
      {"netfilter.iptables-save", "tum-i8-2015-05-15.iptables-save", 1000},
      {"netfilter.iptables-save", "medium-sized-company.iptables-save", 3},
      {"netfilter.iptables-save", "mapped/medium-sized-company.iptables-save", 3},
      {"netfilter.iptables-save", "gopherproxy.iptables-save", 1},
      {"netfilter.iptables-save", "ufw-server.iptables-save", 1},
      {"netfilter.iptables-save", "sqrl-shorewall.iptables-save", 1},
      {"netfilter.iptables-save", "synology-ds414.iptables-save", 6},
      {"netfilter.ip6tables-save", "synology-ds414.ip6tables-save", 4},
  };
  for (const auto& c : cases) {
    core::Diagnostics d;
    core::Policy p = load(host_policy(c.format, c.file, "eth0", "10.99.0.1/24"), &d);
    int warnings = 0;
    for (const auto& x : d.items()) {
      EXPECT_NE(x.severity, core::Severity::Error) << x.to_string();
      if (x.severity == core::Severity::Warning) {
        ++warnings;
        EXPECT_TRUE(x.code == "RP3302" || x.code == "RP3303") << x.to_string();
      }
    }
    EXPECT_GE(warnings, c.min_warnings) << c.file;
    EXPECT_EQ(p.hosts.size(), 1u) << c.file;
  }
}

// synology-ds414.iptables-save: INPUT jumps to DOS_PROTECT, whose rules for
// eth0 let a SYN through only under a rate limit (unknown), then to
// DEFAULT_INPUT: tcp/22 accepted, a drop list of tcp and udp ports, then
// 192.168.0.0/16 accepted, everything else dropped.
TEST(NetfilterCorpus, SynologyNasIpv4) {
  core::Policy p =
      load(host_policy("netfilter.iptables-save", "synology-ds414.iptables-save", "eth0", "192.168.1.5/24"));
  auto ssh = query(p, "reach any -> h tcp/22");
  EXPECT_TRUE(ssh.must.empty());
  EXPECT_EQ(ssh.may, v4_sources("192.168.1.5"));
  auto web = query(p, "reach any -> h tcp/80");  // in the tcp drop list
  EXPECT_TRUE(web.may.empty());
  auto dns = query(p, "reach any -> h udp/53");  // no rate limit, not in the udp drop list
  EXPECT_EQ(dns.must, set("192.168.0.0/16").subtract(set("192.168.1.5")));
  EXPECT_EQ(dns.may, dns.must);
  auto nfs = query(p, "reach any -> h udp/2049");
  EXPECT_TRUE(nfs.may.empty());
}

// synology-ds414.ip6tables-save: INPUT_FIREWALL RETURNs to INPUT (whose
// policy accepts) for udp/1900 and tcp/443, drops tcp/22; DOS_PROTECT rate
// limits TCP SYNs on eth0.
TEST(NetfilterCorpus, SynologyNasIpv6) {
  core::Policy p = load(
      host_policy("netfilter.ip6tables-save", "synology-ds414.ip6tables-save", "eth0", "2001:db8::5/64"));
  auto upnp = query(p, "reach any -> h udp/1900");
  EXPECT_EQ(upnp.must, v6_sources("2001:db8::5"));
  EXPECT_EQ(upnp.may, upnp.must);
  auto https = query(p, "reach any -> h tcp/443");
  EXPECT_TRUE(https.must.empty());
  EXPECT_EQ(https.may, v6_sources("2001:db8::5"));
  auto ssh = query(p, "reach any -> h tcp/22");
  EXPECT_TRUE(ssh.may.empty());
}

// ufw-server.iptables-save: ufw-user-input accepts tcp/22 and udp/22 from
// anywhere, tcp/3306 from three addresses, and everything from 10.0.0.0/24,
// 188.95.233.220 and .200; ufw-not-local returns (the destination is local
// on the input path); the INPUT policy drops the rest.
TEST(NetfilterCorpus, UfwServer) {
  core::Policy p =
      load(host_policy("netfilter.iptables-save", "ufw-server.iptables-save", "eth0", "198.51.100.10/24"));
  auto ssh = query(p, "reach any -> h tcp/22");
  EXPECT_EQ(ssh.must, v4_sources("198.51.100.10"));
  EXPECT_EQ(ssh.may, ssh.must);
  auto mysql = query(p, "reach any -> h tcp/3306");
  EXPECT_EQ(mysql.must, set("188.95.233.38, 188.95.233.200, 188.95.233.220, 10.0.0.0/24"));
  EXPECT_EQ(mysql.may, mysql.must);
  auto smb = query(p, "reach any -> h tcp/445");
  EXPECT_EQ(smb.must, set("188.95.233.200, 188.95.233.220, 10.0.0.0/24"));
  EXPECT_EQ(smb.may, smb.must);
  auto ping = query(p, "reach any -> h icmp/8");
  EXPECT_EQ(ping.must, v4_sources("198.51.100.10"));
}

// gopherproxy.iptables-save: 241 distinct source blocks rejected: two /24
// blocks and 239 /32, of which two lie inside a /24 and one (231.244.62.81)
// is a multicast address, never a source: 512 + 236 = 748 addresses. Then
// tcp/22 (and a few other ports) is accepted for new connections; ping is
// dropped; the policy of OUTPUT accepts replies.
TEST(NetfilterCorpus, Gopherproxy) {
  core::Policy p =
      load(host_policy("netfilter.iptables-save", "gopherproxy.iptables-save", "eth0", "198.51.100.10/24"));
  auto ssh = query(p, "reach any -> h tcp/22");
  EXPECT_EQ(ssh.may, ssh.must);
  core::AddressSet blocked = v4_sources("198.51.100.10").subtract(ssh.must);
  EXPECT_EQ(blocked.v4().size(), 748u);
  EXPECT_TRUE(blocked.contains(*core::Address::parse("31.214.133.16")));
  EXPECT_TRUE(blocked.contains(*core::Address::parse("195.211.155.77")));
  EXPECT_FALSE(blocked.contains(*core::Address::parse("8.8.8.8")));
  EXPECT_TRUE(query(p, "reach any -> h tcp/8080").may.empty());
  EXPECT_TRUE(query(p, "reach any -> h icmp/8").may.empty());
}

// sqrl-shorewall.iptables-save, seen from a host on interface wg: the raw
// table drops every source outside 10.13.42.176/28 arriving on wg; INPUT
// accepts tcp/22 (through SSHLimit, whose `recent --set` always matches) and
// sends wg to BasicSvc, which accepts udp/53.
TEST(NetfilterCorpus, ShorewallSpoofingProtection) {
  core::Policy p =
      load(host_policy("netfilter.iptables-save", "sqrl-shorewall.iptables-save", "wg", "10.13.42.177/28"));
  auto ssh = query(p, "reach any -> h tcp/22");
  EXPECT_EQ(ssh.must, set("10.13.42.176/28").subtract(set("10.13.42.177")));
  EXPECT_EQ(ssh.may, ssh.must);
  auto dns = query(p, "reach any -> h udp/53");
  EXPECT_EQ(dns.must, ssh.must);
  EXPECT_TRUE(query(p, "reach any -> h udp/54").may.empty());
}

// medium-sized-company.iptables-save: the raw table drops what
// `rpfilter --invert` matches (unknown without an interface map); INPUT
// accepts everything arriving on eth0.
TEST(NetfilterCorpus, CompanyGatewayWithoutAMap) {
  core::Policy p = load(
      host_policy("netfilter.iptables-save", "medium-sized-company.iptables-save", "eth0", "172.16.2.1/24"));
  auto ssh = query(p, "reach any -> h tcp/22");
  EXPECT_TRUE(ssh.must.empty());
  EXPECT_EQ(ssh.may, v4_sources("172.16.2.1"));
}

// The same gateway with an interface map (eth0: 172.16.2.0/24, tun0:
// 192.168.255.0/24, ppp0: the rest): reverse-path filtering passes, `-i
// eth0` is the LAN. From outside, tcp/22 goes to the TCP chain (not 53 or
// 7122: returns) and is then rejected by the `recent --set` REJECT rule;
// tcp/7122 is accepted unless the port-scan list (unknown) rejects it.
TEST(NetfilterCorpus, CompanyGatewayInput) {
  core::Policy p = load(host_policy("netfilter.iptables-save", "mapped/medium-sized-company.iptables-save",
                                    "eth0", "172.16.2.1/24"));
  auto ssh = query(p, "reach any -> h tcp/22");
  EXPECT_EQ(ssh.must, set("172.16.2.0/24").subtract(set("172.16.2.1")));
  EXPECT_EQ(ssh.may, ssh.must);
  auto vpn = query(p, "reach any -> h tcp/7122");
  EXPECT_EQ(vpn.must, set("172.16.2.0/24").subtract(set("172.16.2.1")));
  EXPECT_EQ(vpn.may, v4_sources("172.16.2.1"));
}

// FORWARD of the company gateway, in front of a LAN server and a LAN client.
// FORWARD: accounting rules (no target), RELATED/ESTABLISHED accepted, FW
// rejects 46 destinations, FW-OPEN accepts tcp/4081 to 172.16.2.34, tcp/80,
// 443 and ping from eth0, everything from a few LAN sources and between the
// LAN and the VPN; the rest is rejected.
TEST(NetfilterCorpus, CompanyGatewayForward) {
  core::Policy p = load(R"(
import netfilter.iptables-save "mapped/medium-sized-company.iptables-save" as gw;
host srv {
  address 172.16.2.34;
  inbound gw["forward"];
  listen tcp/22;
  listen tcp/80;
  listen tcp/4081;
}
host pc {
  address 172.16.2.100;
  outbound gw["forward"];
}
)");
  auto port = query(p, "reach any -> srv tcp/4081");
  EXPECT_EQ(port.must, v4_sources("172.16.2.34"));
  EXPECT_EQ(port.may, port.must);
  auto ssh = query(p, "reach any -> srv tcp/22");
  EXPECT_EQ(ssh.must, set("172.16.2.0/28, 172.16.2.248/29, 172.16.2.247, 172.16.2.230, 192.168.255.0/24"));
  EXPECT_EQ(ssh.may, ssh.must);
  auto web = query(p, "reach any -> srv tcp/80");
  EXPECT_EQ(web.must, set("172.16.2.0/24, 192.168.255.0/24").subtract(set("172.16.2.34")));
  EXPECT_EQ(verdict(p, "reach pc -> 8.8.8.8 tcp/443"), core::Verdict::Holds);
  EXPECT_EQ(verdict(p, "not reach pc -> 93.184.220.20 tcp/443"), core::Verdict::Holds);  // in FW
  EXPECT_EQ(verdict(p, "not reach pc -> 8.8.8.8 tcp/25"), core::Verdict::Holds);
}

// tum-i8: INPUT (policy ACCEPT) first sends every packet through `recent
// --update --name DEFAULT` (unknown: it may drop any source), so nothing is
// certain, and every source may reach the firewall.
TEST(NetfilterCorpus, UniversityFirewall) {
  core::Policy p = load(
      host_policy("netfilter.iptables-save", "tum-i8-2015-05-15.iptables-save", "ext", "131.159.14.3/25"));
  for (const char* port : {"22", "80", "443", "3306", "8080"}) {
    auto s = query(p, std::string("reach any -> h tcp/") + port);
    EXPECT_TRUE(s.must.empty()) << port;
    EXPECT_EQ(s.may, v4_sources("131.159.14.3")) << port;
  }
}

// An nft ruleset, end to end, with a hand-worked answer.
TEST(NetfilterNftEndToEnd, InetTable) {
  std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/ruleset.nft") << R"(table inet filter {
	set admins {
		type ipv4_addr
		flags interval
		elements = { 192.168.1.0/28 }
	}
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iifname "lo" accept
		ip saddr @admins tcp dport 22 accept
		ip6 saddr 2001:db8:1::/48 tcp dport 22 accept
		tcp dport { 80, 443 } accept
	}
}
)";
  importers::Registry registry = importers::default_registry();
  auto r = dsl::load_policy_text(R"(
import netfilter.nft "ruleset.nft" as fw;
host web {
  interface eth0 address 192.168.1.20/24, 2001:db8:2::20/64;
  inbound fw["filter"];
  outbound fw["filter"];
  listen tcp/22;
  listen tcp/443;
}
)",
                                 "test.rampart", dir, registry);
  ASSERT_TRUE(r.policy.has_value());
  auto ssh = query(*r.policy, "reach any -> web tcp/22");
  EXPECT_EQ(ssh.must, set("192.168.1.0/28, 2001:db8:1::/48"));
  EXPECT_EQ(ssh.may, ssh.must);
  auto https = query(*r.policy, "reach any -> web tcp/443");
  EXPECT_EQ(https.must, v4_sources("192.168.1.20").unite(v6_sources("2001:db8:2::20")));
}

}  // namespace
}  // namespace rampart
