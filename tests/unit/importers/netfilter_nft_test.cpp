// The nft importer: `nft list ruleset` output as nftables 1.0.6 prints it,
// every construct checked on concrete packets through core's reference
// evaluator; errors at the FILE:LINE:COL to look at.

#include <gtest/gtest.h>

#include "netfilter_test_util.h"
#include "rampart/core/policy.h"

namespace rampart::importers {
namespace {

using namespace nftest;

constexpr const char* kHost = "10.0.0.1";
constexpr const char* kHost6 = "2001:db8::1";

// Printed by `nft list ruleset` after loading a hand-written file.
constexpr const char* kRuleset = R"(table inet filter {
	set allowed4 {
		type ipv4_addr
		flags interval
		elements = { 10.0.0.0/8, 172.16.0.1-172.16.0.9,
			     192.168.1.1 }
	}

	set ports {
		type inet_service
		elements = { 22, 80, 443 }
	}

	set pairs {
		type ipv4_addr . inet_service
		elements = { 192.168.5.1 . 22,
			     192.168.5.2 . 80 }
	}

	map vm {
		type inet_service : verdict
		elements = { 22 : accept, 23 : drop, 8080 : jump web }
	}

	chain web {
		tcp dport 8080 ip saddr 10.0.0.0/8 accept
		return
	}

	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		ct state invalid drop
		iifname "lo" accept
		iifname "eth*" tcp dport 2222 accept
		ip saddr @allowed4 tcp dport @ports accept
		ip saddr . tcp dport @pairs accept
		tcp dport vmap @vm
		udp dport { 53, 123 } counter packets 0 bytes 0 accept
		icmp type echo-request limit rate 5/second accept
		icmpv6 type { echo-request, nd-neighbor-solicit, nd-neighbor-advert } accept
		ip6 saddr fe80::/10 udp dport 546 accept
		tcp flags syn / fin,syn,rst,ack tcp dport 9000 accept
		tcp dport 7000-7100 accept
		ip protocol esp accept
		ip saddr != 10.0.0.0/8 tcp dport 25 reject with icmp admin-prohibited
		fib daddr type local tcp dport 5000 accept
		tcp dport 1234 ct state vmap { established : accept, new : accept }
		meta mark 0x00000001 accept
		log prefix "in: " drop
	}

	chain output {
		type filter hook output priority filter; policy accept;
		oifname "eth0" tcp dport 25 drop
	}

	chain forwarding {
		type filter hook forward priority filter + 10; policy drop;
		iifname "eth1" oifname "eth0" accept
	}
}
table ip nat {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		tcp dport 8080 dnat to 10.0.0.5:80
	}
}
table ip6 x {
	chain in6 {
		type filter hook input priority filter - 10; policy accept;
		ip6 nexthdr ipv6-icmp accept
		tcp dport 22 drop
	}
}
)";

Harness host(core::ImportResult r, const std::string& object = "filter") {
  return Harness(std::move(r), object, {{"eth0", kHost}, {"eth0", kHost6}, {"lo", ""}});
}

// An ip table adds a stage that IPv6 does not have, so each family is
// lowered on its own: the inet chain `common` is translated once per family
// and path, and must be whole every time (lowering frees parsed rules after
// their last translation).
TEST(NetfilterNft, ChainSharedByFamiliesAndPaths) {
  Harness h = host(nft(R"(table inet f {
	chain common {
		ct state established accept
		tcp dport 22 accept
	}

	chain input {
		type filter hook input priority filter; policy drop;
		jump common
	}

	chain output {
		type filter hook output priority filter; policy drop;
		jump common
	}
}
table ip g {
	chain input {
		type filter hook input priority 10; policy accept;
		ip saddr 203.0.113.0/24 drop
	}
}
)"));
  EXPECT_EQ(h.in(tcp("192.0.2.7", kHost, 22)), "allow");
  EXPECT_EQ(h.in(tcp("203.0.113.7", kHost, 22)), "deny");
  EXPECT_EQ(h.in(tcp("192.0.2.7", kHost, 23)), "deny");
  EXPECT_EQ(h.in(tcp("2001:db8:5::7", kHost6, 22)), "allow");
  EXPECT_EQ(h.in(tcp("2001:db8:5::7", kHost6, 23)), "deny");
  EXPECT_EQ(h.out(tcp(kHost, "192.0.2.9", 22)), "allow");
  EXPECT_EQ(h.out(tcp(kHost6, "2001:db8:5::9", 22)), "allow");
  EXPECT_EQ(h.out(tcp(kHost6, "2001:db8:5::9", 80)), "deny");
}

TEST(NetfilterNft, ABigChainCopiedForManyBaseChainsIsRefused) {
  // Every base chain gets its own copy of the chains it reaches: 50
  // prerouting chains jumping to one 100,000-rule chain lower to millions
  // of rules. Refused before lowering, with the counts; 2 such chains are
  // lowered as usual.
  auto ruleset = [](int base_chains) {
    std::string text = "table inet t {\n  chain big {\n";
    for (int i = 0; i < 100000; ++i)
      text +=
          fmt::format("    ip saddr 10.{}.{}.1 tcp dport {} drop\n", (i >> 8) & 255, i & 255, i % 60000 + 1);
    text += "  }\n";
    for (int b = 0; b < base_chains; ++b)
      text += fmt::format(
          "  chain b{} {{\n    type filter hook prerouting priority {}; policy accept;\n    jump big\n  }}\n",
          b, b);
    return text + "}\n";
  };
  auto many = nft(ruleset(50));
  auto errors = many.diagnostics.sorted();
  ASSERT_EQ(codes_of(many, core::Severity::Error), std::vector<std::string>{"ruleset.nft RP3303"})
      << dump(many.diagnostics);
  EXPECT_NE(errors[0].message.find("the 100050 rules would lower to up to"), std::string::npos)
      << errors[0].message;
  EXPECT_TRUE(many.objects.empty());
  auto two = nft(ruleset(2));
  EXPECT_FALSE(two.diagnostics.has_errors()) << dump(two.diagnostics);
  EXPECT_FALSE(two.objects.empty());
}

TEST(NetfilterNft, ListRuleset) {
  auto r = nft(kRuleset);
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_EQ(codes_of(r, core::Severity::Warning),
            (std::vector<std::string>{"ruleset.nft:40:3 RP3302", "ruleset.nft:49:3 RP3302",
                                      "ruleset.nft:66:3 RP3303"}))
      << dump(r.diagnostics);
  Harness h = host(std::move(r));
  // Sets, a concatenation, a verdict map and the chain it jumps to.
  EXPECT_EQ(h.in(tcp("10.1.2.3", kHost, 443)), "allow");
  EXPECT_EQ(h.in(tcp("172.16.0.9", kHost, 80)), "allow");
  EXPECT_EQ(h.in(tcp("192.168.5.2", kHost, 80)), "allow");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 22)), "allow");  // vmap: 22 : accept
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 23)), "deny");
  EXPECT_EQ(h.in(tcp("10.9.9.9", kHost, 8080)), "allow");  // vmap: jump web
  // After `web` returns, the unknown mark rule or the final drop decides.
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 8080)), "unknown");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 2222)), "allow");  // eth* wildcard
  EXPECT_EQ(h.in(udp("8.8.8.8", kHost, 123)), "allow");
  EXPECT_EQ(h.in(icmp("8.8.8.8", kHost, 8)), "unknown");  // limit rate
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 9000)), "allow");  // a SYN
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 7050)), "allow");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 25)), "deny");     // reject
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 5000)), "allow");  // fib daddr type local
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 1234)), "allow");  // ct state vmap
  // IPv6 meets table ip6 x first (priority -10): its drop is final, its
  // accept passes the packet on to inet filter.
  EXPECT_EQ(h.in(tcp("2001:db8:5::1", kHost6, 22)), "deny");
  EXPECT_EQ(h.in(tcp("2001:db8:5::1", kHost6, 7050)), "allow");
  EXPECT_EQ(h.in(icmp("2001:db8:5::1", kHost6, 128)), "allow");
  EXPECT_EQ(h.in(icmp("2001:db8:5::1", kHost6, 1)), "unknown");  // passes in6, then the mark rule
  EXPECT_EQ(h.in(udp("fe80::5", kHost6, 546)), "allow");
  // The output chain.
  EXPECT_EQ(h.out(tcp(kHost, "8.8.8.8", 25)), "deny");
  EXPECT_EQ(h.out(tcp(kHost, "8.8.8.8", 26)), "allow");
}

TEST(NetfilterNft, ForwardChainInterfacesAreUnknownWithoutAMap) {
  Harness h(nft(kRuleset), "forward", {{"eth0", "192.168.9.9"}});
  EXPECT_EQ(h.in(tcp("8.8.8.8", "192.168.9.9", 80)), "unknown");
  NetfilterCompanions c;
  c.ipassmt_file = "ruleset.nft.ipassmt";
  c.ipassmt_text = "eth0 = [192.168.9.0/24]\neth1 = all_but_those_ips [192.168.9.0/24]\n";
  Harness m(nft(kRuleset, c), "forward", {{"eth0", "192.168.9.9"}});
  // The request passes; its reply (in on eth0, out on eth1) does not.
  EXPECT_EQ(m.in(tcp("8.8.8.8", "192.168.9.9", 80)), "deny");
}

TEST(NetfilterNft, EveryBaseChainOnAHookMustAccept) {
  const char* text = R"(table ip a {
	chain in {
		type filter hook input priority filter; policy accept;
		tcp dport 22 accept
		ct state established accept
	}
}
table ip b {
	chain in {
		type filter hook input priority filter + 10; policy drop;
		ct state established accept
		tcp dport 80 accept
		jump more
	}
	chain more {
		tcp dport 443 accept
		tcp dport 444 goto last
		return
	}
	chain last {
		ip saddr 10.0.0.0/8 accept
	}
}
)";
  Harness h = host(nft(text));
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 22)), "deny");  // accepted by a, dropped by b's policy
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 80)), "allow");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 443)), "allow");
  EXPECT_EQ(h.in(tcp("10.1.1.1", kHost, 444)), "allow");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 444)), "deny");
  // No ip6 or inet table: IPv6 passes.
  EXPECT_EQ(h.in(tcp("2001:db8:5::1", kHost6, 22)), "allow");
}

TEST(NetfilterNft, Expressions) {
  const char* text = R"(table inet t {
	set blocked6 {
		type ipv6_addr
		flags interval
		elements = { 2001:db8:bad::/48 }
	}
	chain input {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		ip6 saddr @blocked6 drop
		meta l4proto { tcp, udp } th dport 53 accept
		meta nfproto ipv6 tcp dport 22 accept
		tcp dport < 100 tcp dport >= 90 accept
		tcp dport != { 1-1000 } ip saddr 192.168.0.0/16 accept
		icmp type { echo-request, destination-unreachable } icmp code 0 accept
		iifname != "eth0" tcp dport 3306 accept
		tcp dport 8443 queue num 1
		ct direction original tcp dport 4443 accept
		ip daddr 10.0.0.1 meta skuid 0 tcp dport 4444 accept
		xt match "recent" tcp dport 5555 accept
		tcp dport 6666 counter name "x" accept comment "a comment"
		ip saddr . ip daddr . tcp dport { 10.5.5.5 . 10.0.0.1 . 7777 } accept
	}
}
)";
  auto r = nft(text);
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  Harness h = host(std::move(r));
  EXPECT_EQ(h.in(udp("8.8.8.8", kHost, 53)), "allow");
  EXPECT_EQ(h.in(tcp("2001:db8:5::1", kHost6, 53)), "allow");
  EXPECT_EQ(h.in(tcp("2001:db8:bad::1", kHost6, 53)), "deny");
  EXPECT_EQ(h.in(tcp("2001:db8:5::1", kHost6, 22)), "allow");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 22)), "deny");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 95)), "allow");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 100)), "deny");
  EXPECT_EQ(h.in(tcp("192.168.3.3", kHost, 1001)), "allow");
  EXPECT_EQ(h.in(tcp("192.168.3.3", kHost, 999)), "deny");
  EXPECT_EQ(h.in(icmp("8.8.8.8", kHost, 3, 0)), "allow");
  EXPECT_EQ(h.in(icmp("8.8.8.8", kHost, 3, 1)), "deny");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 3306)), "deny");     // arrives on eth0
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 8443)), "unknown");  // queue
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 4443)), "allow");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 4444)), "unknown");  // meta skuid
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 5555)), "unknown");  // xt match
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 6666)), "allow");
  EXPECT_EQ(h.in(tcp("10.5.5.5", kHost, 7777)), "allow");
  EXPECT_EQ(h.in(tcp("10.5.5.6", kHost, 7777)), "deny");
}

// A set update is a statement; one that carries a limit (a meter) stops the
// rule when the limit is exceeded, so it is a match rampart does not model.
TEST(NetfilterNft, SetUpdatesWithLimitsAreUnknown) {
  const char* text = R"(table inet t {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 22 add @seen { ip saddr limit rate over 10/second } drop
		tcp dport 23 meter flood { ip saddr ct count over 3 } drop
		tcp dport 24 update @seen { ip saddr } drop
		tcp dport 25 add @seen { ip saddr timeout 1m } accept
	}
}
)";
  auto r = nft(text);
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  Harness h = host(std::move(r));
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 22)), "unknown");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 23)), "unknown");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 24)), "deny");  // no stateful part: always goes on
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 25)), "allow");
  EXPECT_EQ(h.in(tcp("8.8.8.8", kHost, 26)), "allow");  // the policy
}

std::vector<std::string> errors(std::string_view text) {
  return codes_of(nft(text), core::Severity::Error);
}

TEST(NetfilterNftErrors, EachAtItsPlace) {
  EXPECT_EQ(errors("table inet t {\n\tchain c {\n\t\tjump nowhere\n\t}\n}\n"),
            std::vector<std::string>{"ruleset.nft:3:3 RP3301"});
  EXPECT_EQ(errors("table inet t {\n\tchain c {\n\t\tip saddr @nope accept\n\t}\n}\n"),
            std::vector<std::string>{"ruleset.nft:3:12 RP3301"});
  EXPECT_EQ(errors("table inet t {\n\tchain c {\n\t\ttcp dport 99999 accept\n\t}\n}\n"),
            std::vector<std::string>{"ruleset.nft:3:13 RP3301"});
  EXPECT_EQ(
      errors("table inet t {\n\tchain c {\n\t\ttype filter hook input priority lots; policy drop;\n\t}\n}\n"),
      std::vector<std::string>{"ruleset.nft:3:35 RP3301"});
  EXPECT_EQ(errors("table inet t {\n\tchain c {\n\t\taccept\n"),
            std::vector<std::string>{"ruleset.nft:2:2 RP3301"});
  EXPECT_EQ(errors("define x = 1\n"), std::vector<std::string>{"ruleset.nft:1:1 RP3301"});
  EXPECT_EQ(errors("*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"),
            std::vector<std::string>{"ruleset.nft:1:1 RP3301"});
  EXPECT_EQ(errors(""), std::vector<std::string>{"ruleset.nft:1 RP3301"});
  EXPECT_EQ(errors("table inet t {\n\tchain c {\n\t\tiifname \"eth0 accept\n\t}\n}\n"),
            std::vector<std::string>{"ruleset.nft:3:11 RP3301"});
  EXPECT_EQ(errors("table inet t {\n\tchain a {\n\t\tjump b\n\t}\n\tchain b {\n\t\tjump a\n\t}\n}\n"),
            std::vector<std::string>{"ruleset.nft:6:3 RP3301"});
}

}  // namespace
}  // namespace rampart::importers
