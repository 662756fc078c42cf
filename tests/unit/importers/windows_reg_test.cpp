// windows.reg: the synthetic registry export of the shared corpus (MS-GPFAS
// 2.2.2.19 rule strings, profile keys of both stores), with every
// expectation worked out by hand from docs/semantics/windows-firewall.md,
// and every error path located at its line and rule id.

#include "windows_test_util.h"

namespace rampart::windows_test {
namespace {

using core::Action;
using core::Combining;

constexpr const char* kCorpus = "tests/data/windows/synthetic/synthetic_FirewallRules.reg.txt";

core::ImportResult corpus() {
  auto r = importers::windows::parse_reg(read(kCorpus), "fw.reg");
  EXPECT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  return r;
}

TEST(WindowsReg, CorpusImportsWithOneWarningForTheFutureToken) {
  auto r = corpus();
  // T20's LPort2_24 is not in MS-GPFAS 2.2.2.19: a warning at its line, and
  // the rule's match is unknown.
  EXPECT_EQ(codes_of(r.diagnostics, core::Severity::Warning),
            (std::vector<std::string>{"fw.reg:28 [T20-UnknownFutureToken] RP3204"}));
  ASSERT_EQ(r.objects.size(), 3u);
  EXPECT_EQ(r.objects[0].native_id, "domain");
  EXPECT_EQ(r.objects[1].native_id, "private");
  EXPECT_EQ(r.objects[2].native_id, "public");
  for (const auto& f : r.fragment.filters) {
    EXPECT_EQ(f.kind, "windows-firewall");
    EXPECT_FALSE(f.stateless);
    EXPECT_EQ(f.scope, core::FilterScope::Host);
    EXPECT_EQ(r.fragment.rule_set(f.inbound).combining, Combining::BlockOverridesAllow);
    EXPECT_EQ(r.fragment.rule_set(f.outbound).combining, Combining::BlockOverridesAllow);
  }
}

TEST(WindowsReg, DomainProfileHasOnlyGroupPolicyRulesBecauseMergeIsOff) {
  auto r = corpus();
  // GP DomainProfile: AllowLocalPolicyMerge=0, so the 18 local rules do not
  // apply; the GP RDP rule (no Profile token: every profile) does.
  const auto& in = rules_of(r, "domain", true);
  ASSERT_EQ(in.rules().size(), 1u);
  EXPECT_EQ(in.rules()[0].name, "GPO RDP from jump hosts");
  EXPECT_EQ(in.rules()[0].origin.native_id, "{6F1B3C52-0000-4000-8000-000000000001}");
  EXPECT_EQ(in.rules()[0].origin.to_string(), "fw.reg:43 [{6F1B3C52-0000-4000-8000-000000000001}]");
  EXPECT_EQ(in.default_action, Action::Deny);  // GP DefaultInboundAction=1
  EXPECT_EQ(in.default_origin.to_string(), "fw.reg:47 [GP DomainProfile\\DefaultInboundAction]");
  const auto& out = rules_of(r, "domain", false);
  EXPECT_TRUE(out.rules().empty());
  EXPECT_EQ(out.default_action, Action::Allow);  // GP DefaultOutboundAction=0

  EXPECT_EQ(decide(r, "domain", true, tcp("198.51.100.9", "10.0.0.5", 3389)).what, "allow");
  EXPECT_EQ(decide(r, "domain", true, tcp("198.51.101.9", "10.0.0.5", 3389)).what, "deny");
  EXPECT_EQ(decide(r, "domain", true, tcp("203.0.113.1", "10.0.0.5", 8080)).what, "deny");  // T01 is local
}

TEST(WindowsReg, PrivateProfileHoldsEveryActiveRuleOfIt) {
  auto r = corpus();
  const auto& in = rules_of(r, "private", true);
  // Active inbound rules for Private: T01-T04, T07-T12, T15-T20 and the GP
  // rule; T05 (Active=FALSE) and T06 (no Active: FALSE) are left out. T12
  // has two port keywords: two core rules.
  std::map<std::string, int> per_id;
  for (const auto& rule : in.rules()) ++per_id[rule.origin.native_id.str()];
  EXPECT_EQ(per_id, (std::map<std::string, int>{{"T01-SinglePort", 1},
                                                {"T02-PortListAndRange", 1},
                                                {"T03-RemoteAddrMixed", 1},
                                                {"T04-BlockOverrides", 1},
                                                {"T07-AnyProtocol", 1},
                                                {"T08-ICMPv4Echo", 1},
                                                {"T09-ICMPv6Specific", 1},
                                                {"T10-RpcKeyword", 1},
                                                {"T11-EpmapKeyword", 1},
                                                {"T12-IpHttps", 2},
                                                {"T15-EdgeTraversal", 1},
                                                {"T16-InterfaceType", 1},
                                                {"T17-AuthBypass", 1},
                                                {"T18-LocalAddr", 1},
                                                {"T19-Platform", 1},
                                                {"T20-UnknownFutureToken", 1},
                                                {"{6F1B3C52-0000-4000-8000-000000000001}", 1}}));
  // StandardProfile of the local store is the private profile: enabled, and
  // the defaults Windows uses where it sets nothing.
  EXPECT_EQ(in.default_action, Action::Deny);
  EXPECT_EQ(in.default_origin.to_string(),
            "fw.reg[private profile: DefaultInboundAction not set, Windows default on]");
  const auto& out = rules_of(r, "private", false);
  ASSERT_EQ(out.rules().size(), 2u);
  EXPECT_EQ(out.rules()[0].origin.native_id, "T13-RemotePortOut");
  EXPECT_EQ(out.rules()[1].origin.native_id, "T14-InternetKeyword");
  EXPECT_EQ(out.default_action, Action::Allow);
}

TEST(WindowsReg, PortsListsRangesAndUnions) {
  auto r = corpus();
  // T01: TCP 8080 from anywhere.
  auto d = decide(r, "private", true, tcp("203.0.113.50", "192.168.1.20", 8080));
  EXPECT_EQ(d.what, "allow");
  EXPECT_EQ(d.rule, "T01-SinglePort");
  EXPECT_EQ(decide(r, "private", true, tcp("203.0.113.50", "192.168.1.20", 8081)).what.substr(0, 7),
            "unknown");
  // T02: UDP 53, 123 and 5000-5010 (repeated LPort tokens are a union).
  for (uint16_t port : {53, 123, 5000, 5005, 5010}) {
    EXPECT_EQ(
        decide(r, "private", true, tcp("10.1.1.1", "192.168.1.20", port, 40000, core::proto::kUdp)).rule,
        "T02-PortListAndRange")
        << port;
  }
  // T13: outbound TCP to remote ports 25 and 465-587 is blocked.
  for (uint16_t port : {25, 465, 500, 587}) {
    auto o =
        decide(r, "private", false, tcp("192.168.1.20", "198.51.100.25", port), {{"program", "C:\\x.exe"}});
    EXPECT_EQ(o.what, "deny") << port;
    EXPECT_EQ(o.rule, "T13-RemotePortOut") << port;
  }
  EXPECT_EQ(
      decide(r, "private", false, tcp("192.168.1.20", "198.51.100.25", 588), {{"program", "C:\\x.exe"}}).what,
      "allow");
}

TEST(WindowsReg, RemoteAddressesAndBlockOverridesAllow) {
  auto r = corpus();
  core::Valuation no_subnet;  // LocalSubnet (T07) is unbound: decide it as false
  no_subnet.set("fwd/sym::LocalSubnet:src", false);
  // A listener of another program: the rules for svchost and System (T10,
  // T11, T12, T15) do not match.
  std::map<std::string, std::string> app = {{"program", "C:\\app.exe"}, {"service", "app"}};
  auto ssh = [&](const std::string& src) {
    return decide(r, "private", true,
                  tcp(src, src.find(':') == std::string::npos ? "192.168.1.20" : "2001:db8:9::1", 22), app,
                  no_subnet);
  };
  // T03: 10.0.0.0/255.0.0.0, 192.168.1.10-192.168.1.20, 203.0.113.7, 2001:db8::/32.
  EXPECT_EQ(ssh("10.200.0.1").what, "allow");
  EXPECT_EQ(ssh("192.168.1.10").what, "allow");
  EXPECT_EQ(ssh("192.168.1.20").what, "allow");
  EXPECT_EQ(ssh("192.168.1.21").what, "deny");
  EXPECT_EQ(ssh("203.0.113.7").what, "allow");
  EXPECT_EQ(ssh("203.0.113.8").what, "deny");
  EXPECT_EQ(ssh("2001:db8:ffff::1").what, "allow");
  EXPECT_EQ(ssh("2001:db9::1").what, "deny");
  // T04 blocks 10.9.0.0/16 although T03 allows all of 10/8: block wins.
  auto blocked = ssh("10.9.1.1");
  EXPECT_EQ(blocked.what, "deny");
  EXPECT_EQ(blocked.rule, "T04-BlockOverrides");
}

TEST(WindowsReg, KeywordsAreSymbolsAndUnknowns) {
  auto r = corpus();
  // T07: any protocol from LocalSubnet, both families: one rule naming the symbol.
  auto t07 = rules_with_id(r, "private", true, "T07-AnyProtocol");
  ASSERT_EQ(t07.size(), 1u);
  EXPECT_TRUE(t07[0]->match.services.is_any());
  EXPECT_EQ(t07[0]->match.src.symbols, (std::vector<std::string>{"LocalSubnet"}));
  EXPECT_TRUE(t07[0]->match.src.set.empty());
  EXPECT_FALSE(t07[0]->match.family.has_value());
  // Unbound, it is an unknown atom (no host binds it here).
  EXPECT_EQ(decide(r, "private", true, tcp("172.16.0.1", "192.168.1.20", 5555)).what,
            "unknown:fwd/sym::LocalSubnet:src");
  // T14: RA42=IntErnet, RA62=IntErnet: the destination of an outbound rule.
  auto t14 = rules_with_id(r, "private", false, "T14-InternetKeyword");
  ASSERT_EQ(t14.size(), 1u);
  EXPECT_EQ(t14[0]->match.dst.symbols, (std::vector<std::string>{"IntErnet"}));
  EXPECT_EQ(t14[0]->action, Action::Deny);
  ASSERT_EQ(t14[0]->match.attributes.size(), 1u);
  EXPECT_EQ(t14[0]->match.attributes[0].values, (std::vector<std::string>{"C:\\Tools\\updater.exe"}));
  // T10 / T11: RPC and RPC-EPMap are symbolic sets of the local port (the
  // destination of an inbound rule), with the program and service as
  // attributes (%SystemRoot% expanded). No unknown condition of their own.
  auto t10 = rules_with_id(r, "private", true, "T10-RpcKeyword");
  ASSERT_EQ(t10.size(), 1u);
  EXPECT_TRUE(condition_names(r.fragment, *t10[0]).empty());
  EXPECT_EQ(t10[0]->match.port_symbols, (std::vector<core::PortSymbolMatch>{{{"RPC"}, false}}));
  EXPECT_TRUE(t10[0]->match.services.clauses.at(0).dst_ports.is_all());
  ASSERT_EQ(t10[0]->match.attributes.size(), 2u);
  EXPECT_EQ(t10[0]->match.attributes[0].attribute, "program");
  EXPECT_EQ(t10[0]->match.attributes[0].values,
            (std::vector<std::string>{"C:\\Windows\\system32\\svchost.exe"}));
  EXPECT_EQ(t10[0]->match.attributes[1].attribute, "service");
  EXPECT_EQ(t10[0]->match.attributes[1].values, (std::vector<std::string>{"Schedule"}));
  auto t11 = rules_with_id(r, "private", true, "T11-EpmapKeyword");
  EXPECT_EQ(t11.at(0)->match.port_symbols, (std::vector<core::PortSymbolMatch>{{{"RPC-EPMap"}, false}}));
  // T12: two port keywords, a union: two rules, one symbol each.
  auto t12 = rules_with_id(r, "private", true, "T12-IpHttps");
  ASSERT_EQ(t12.size(), 2u);
  EXPECT_EQ(t12[0]->match.port_symbols, (std::vector<core::PortSymbolMatch>{{{"IPTLSIn"}, false}}));
  EXPECT_EQ(t12[1]->match.port_symbols, (std::vector<core::PortSymbolMatch>{{{"IPHTTPSIn"}, false}}));
  EXPECT_EQ(t12[0]->match.attributes.at(0).values, (std::vector<std::string>{"System"}));
}

TEST(WindowsReg, IcmpTypesAndCodes) {
  auto r = corpus();
  core::Valuation v;
  v.set("fwd/sym::LocalSubnet:src", false);
  // T08: ICMPv4 8:* (echo request, every code), Private and Public.
  EXPECT_EQ(decide(r, "private", true, icmp("203.0.113.1", "192.168.1.20", 8, 0), {}, v).rule,
            "T08-ICMPv4Echo");
  EXPECT_EQ(decide(r, "private", true, icmp("203.0.113.1", "192.168.1.20", 8, 5), {}, v).rule,
            "T08-ICMPv4Echo");
  EXPECT_EQ(decide(r, "private", true, icmp("203.0.113.1", "192.168.1.20", 0, 0), {}, v).what, "deny");
  // T09: ICMPv6 1:0, 1:3, 135:*, 136:*.
  auto six = [&](uint8_t type, uint8_t code) {
    return decide(r, "private", true, icmp("2001:db8::1", "2001:db8::2", type, code, true), {}, v).what;
  };
  EXPECT_EQ(six(1, 0), "allow");
  EXPECT_EQ(six(1, 3), "allow");
  EXPECT_EQ(six(1, 4), "deny");
  EXPECT_EQ(six(135, 0), "allow");
  EXPECT_EQ(six(136, 77), "allow");
  EXPECT_EQ(six(128, 0), "deny");
  auto t09 = rules_with_id(r, "private", true, "T09-ICMPv6Specific");
  EXPECT_EQ(t09.at(0)->match.services.clauses.size(), 4u);
}

TEST(WindowsReg, ProgramServiceAndUndecidableConditions) {
  auto r = corpus();
  core::Valuation v;
  v.set("fwd/sym::LocalSubnet:src", false);
  // T15: UDP 3540 to svchost hosting PNRPSvc. Edge traversal and Defer=App
  // do not narrow the rule for traffic that does not cross a NAT edge.
  auto pnrp = tcp("203.0.113.1", "192.168.1.20", 3540, 40000, core::proto::kUdp);
  std::map<std::string, std::string> svchost_pnrp = {{"program", "c:\\windows\\System32\\SVCHOST.EXE"},
                                                     {"service", "pnrpsvc"}};
  EXPECT_EQ(decide(r, "private", true, pnrp, svchost_pnrp, v).rule, "T15-EdgeTraversal");
  EXPECT_EQ(decide(r, "private", true, pnrp, {{"program", "C:\\other.exe"}, {"service", "x"}}, v).what,
            "deny");
  EXPECT_EQ(decide(r, "private", true, pnrp, {}, v).what,
            "unknown:fwd/attr::program=c:\\windows\\system32\\svchost.exe");
  // T16: TCP 443 only on Lan or RemoteAccess interfaces: unknown.
  auto t16 = rules_with_id(r, "private", true, "T16-InterfaceType");
  EXPECT_EQ(condition_names(r.fragment, *t16.at(0)),
            (std::vector<std::string>{"windows.iftype:Lan,RemoteAccess"}));
  // T17: authenticated bypass for 445: needs IPsec and the RMAuth group.
  auto t17 = rules_with_id(r, "private", true, "T17-AuthBypass");
  EXPECT_EQ(t17.at(0)->action, Action::Bypass);
  EXPECT_EQ(condition_names(r.fragment, *t17.at(0)),
            (std::vector<std::string>{
                "windows.security:Authenticate",
                "windows.rmauth:O:LSD:(A;;CC;;;S-1-5-21-1111111111-2222222222-3333333333-1105)"}));
  // T18: local addresses 192.0.2.10 and 2001:db8:1::10 (the destination).
  std::map<std::string, std::string> app = {{"program", "C:\\app.exe"}, {"service", "app"}};
  EXPECT_EQ(decide(r, "private", true, tcp("203.0.113.1", "192.0.2.10", 9000), app, v).rule, "T18-LocalAddr");
  EXPECT_EQ(decide(r, "private", true, tcp("203.0.113.1", "192.0.2.11", 9000), app, v).what, "deny");
  EXPECT_EQ(decide(r, "private", true, tcp("2001:db8::5", "2001:db8:1::10", 9000), app, v).rule,
            "T18-LocalAddr");
  // T19: valid from Windows 8 (NT 6.2) on: unknown which Windows this is.
  EXPECT_EQ(condition_names(r.fragment, *rules_with_id(r, "private", true, "T19-Platform").at(0)),
            (std::vector<std::string>{"windows.platform:2:6:2+"}));
  // T20: the unknown token is an unknown condition of the rule.
  EXPECT_EQ(condition_names(r.fragment, *rules_with_id(r, "private", true, "T20-UnknownFutureToken").at(0)),
            (std::vector<std::string>{"windows.token:LPort2_24=SomeFutureKeyword"}));
  EXPECT_EQ(decide(r, "private", true, tcp("203.0.113.1", "192.168.1.20", 7000), app, v).what,
            "unknown:fwd/cond:windows.token:LPort2_24=SomeFutureKeyword");
}

TEST(WindowsReg, PublicProfileIsShielded) {
  auto r = corpus();
  // DoNotAllowExceptions=1: inbound allow rules are ignored; block rules
  // stay (T04), and the default is block, from DoNotAllowExceptions.
  const auto& in = rules_of(r, "public", true);
  ASSERT_EQ(in.rules().size(), 1u);
  EXPECT_EQ(in.rules()[0].origin.native_id, "T04-BlockOverrides");
  EXPECT_EQ(in.default_action, Action::Deny);
  EXPECT_EQ(in.default_origin.to_string(), "fw.reg:40 [PublicProfile\\DoNotAllowExceptions]");
  EXPECT_EQ(decide(r, "public", true, tcp("203.0.113.50", "192.168.1.20", 8080)).what, "deny");
  EXPECT_EQ(decide(r, "public", true, icmp("203.0.113.50", "192.168.1.20", 8, 0)).what, "deny");
  EXPECT_EQ(rules_of(r, "public", false).rules().size(), 2u);  // outbound rules still apply
}

TEST(WindowsReg, Utf16LeWithBomAndCrlfReadsTheSame) {
  auto a = importers::windows::parse_reg(read(kCorpus), "fw.reg");
  auto b = importers::windows::parse_reg(as_reg_export(read(kCorpus)), "fw.reg");
  ASSERT_FALSE(b.diagnostics.has_errors()) << dump(b.diagnostics);
  EXPECT_EQ(dump(a.diagnostics), dump(b.diagnostics));
  ASSERT_EQ(a.fragment.rule_sets.size(), b.fragment.rule_sets.size());
  for (size_t i = 0; i < a.fragment.rule_sets.size(); ++i) {
    const auto& x = a.fragment.rule_sets[i].rules();
    const auto& y = b.fragment.rule_sets[i].rules();
    ASSERT_EQ(x.size(), y.size());
    for (size_t k = 0; k < x.size(); ++k) {
      EXPECT_EQ(x[k].match, y[k].match);
      EXPECT_EQ(x[k].origin, y[k].origin);
      EXPECT_EQ(x[k].name, y[k].name);
    }
  }
}

TEST(WindowsReg, DoubledBackslashesAndQuotesAreUnescaped) {
  std::string reg = R"(Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules]
"a \"quoted\" id"="v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=80|App=C:\\Program Files\\Web \"x\"\\w.exe|Name=N|"
)";
  auto r = importers::windows::parse_reg(reg, "q.reg");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  const auto& rules = rules_of(r, "domain", true).rules();
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].origin.native_id, "a \"quoted\" id");
  EXPECT_EQ(rules[0].match.attributes.at(0).values.at(0), "C:\\Program Files\\Web \"x\"\\w.exe");
}

TEST(WindowsReg, GroupPolicyStandardProfileAndSettingsMerge) {
  // The GP StandardProfile applies to private and public when the GP store
  // has neither PrivateProfile nor PublicProfile (MS-GPFAS 2.2.3); GP
  // values win over local ones; DoNotAllowExceptions on in either wins.
  std::string reg = R"(Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\StandardProfile]
"DefaultInboundAction"=dword:00000001
"EnableFirewall"=dword:00000001

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy\DomainProfile]
"DoNotAllowExceptions"=dword:00000001

[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\WindowsFirewall\StandardProfile]
"EnableFirewall"=dword:00000000

[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\WindowsFirewall\DomainProfile]
"DefaultInboundAction"=dword:00000000
"DoNotAllowExceptions"=dword:00000000
)";
  auto r = importers::windows::parse_reg(reg, "m.reg");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  // Private and public: GP EnableFirewall=0 beats local 1: admit everything.
  for (const char* p : {"private", "public"}) {
    EXPECT_EQ(rules_of(r, p, true).default_action, Action::Allow) << p;
    EXPECT_EQ(rules_of(r, p, false).default_action, Action::Allow) << p;
    EXPECT_EQ(rules_of(r, p, true).default_origin.to_string(),
              "m.reg:11 [GP StandardProfile\\EnableFirewall]");
  }
  // Domain: shielded by the local store although GP says 0 and allows inbound.
  EXPECT_EQ(rules_of(r, "domain", true).default_action, Action::Deny);
  EXPECT_EQ(rules_of(r, "domain", true).default_origin.to_string(),
            "m.reg:8 [DomainProfile\\DoNotAllowExceptions]");
}

TEST(WindowsReg, ProfilesAndOutboundBypass) {
  std::string reg = R"(Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\WindowsFirewall\FirewallRules]
"dom"="v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=17|LPort=161|Profile=Domain|"
"out"="v2.10|Action=Allow|Active=TRUE|Dir=Out|Protocol=6|RPort=445|Security=Authenticate|AuthByPassOut=TRUE|"
"lom"="v2.20|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=80|RA4=10.0.0.1|RPort=1|LOM=TRUE|"
)";
  auto r = importers::windows::parse_reg(reg, "p.reg");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_EQ(rules_with_id(r, "domain", true, "dom").size(), 1u);
  EXPECT_TRUE(rules_with_id(r, "private", true, "dom").empty());
  EXPECT_TRUE(rules_with_id(r, "public", true, "dom").empty());
  EXPECT_EQ(rules_with_id(r, "public", false, "out").at(0)->action, Action::Bypass);
  // LOM: the remote address and port of an allow rule are ignored.
  const core::Rule* lom = rules_with_id(r, "public", true, "lom").at(0);
  EXPECT_TRUE(lom->match.src.is_any());
  EXPECT_TRUE(lom->match.services.clauses.at(0).src_ports.is_all());
}

TEST(WindowsReg, FamilySpecificKeywordsSplitARule) {
  // RA4=LocalSubnet with RA6=2001:db8::/32: IPv4 packets need the symbol,
  // IPv6 packets the block; two rules, one per family.
  std::string reg = R"(Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\WindowsFirewall\FirewallRules]
"x"="v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=80|RA4=LocalSubnet|RA6=2001:db8::/32|"
"y"="v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=81|RA4=10.0.0.0/8|"
)";
  auto r = importers::windows::parse_reg(reg, "k.reg");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  auto x = rules_with_id(r, "domain", true, "x");
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(x[0]->match.family, core::Family::V4);
  EXPECT_EQ(x[0]->match.src.symbols, (std::vector<std::string>{"LocalSubnet"}));
  EXPECT_TRUE(x[0]->match.src.set.empty());
  EXPECT_EQ(x[1]->match.family, core::Family::V6);
  EXPECT_TRUE(x[1]->match.src.symbols.empty());
  EXPECT_EQ(x[1]->match.src.set.to_string(), "2001:db8::/32");
  // A v4-only list: IPv6 packets never match.
  EXPECT_EQ(decide(r, "domain", true, tcp("2001:db8::1", "2001:db8::2", 81)).what, "deny");
  EXPECT_EQ(decide(r, "domain", true, tcp("10.1.1.1", "10.2.2.2", 81)).what, "allow");
}

// ---- errors -------------------------------------------------------------------

std::vector<std::string> errors(const std::string& body) {
  std::string reg =
      "Windows Registry Editor Version 5.00\n\n"
      "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\FirewallRules]\n" +
      body;
  auto r = importers::windows::parse_reg(reg, "e.reg");
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted())
    out.push_back(d.origin.to_string() + " " + d.code + " " + d.message);
  return out;
}

TEST(WindowsReg, BadTokensAreLocatedByLineRuleIdAndToken) {
  EXPECT_EQ(errors("\"r1\"=\"v2.10|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=70000|\"\n"),
            (std::vector<std::string>{
                "e.reg:4 [r1] RP3203 `LPort=70000`: `70000` is not a port or a port range (0-65535)"}));
  EXPECT_EQ(errors("\"r2\"=\"v2.10|Action=Permit|Dir=In|\"\n"),
            (std::vector<std::string>{
                "e.reg:4 [r2] RP3203 `Action=Permit`: expected `Allow`, `Block` or `ByPass`"}));
  EXPECT_EQ(errors("\"r3\"=\"v2.10|Action=Allow|Dir=In|RA4=10.0.0.0/255.0.255.0|\"\n"),
            (std::vector<std::string>{"e.reg:4 [r3] RP3203 `RA4=10.0.0.0/255.0.255.0`: `255.0.255.0` is not "
                                      "a prefix length or a contiguous subnet mask"}));
  EXPECT_EQ(
      errors("\"r4\"=\"Action=Allow|Dir=In|\"\n"),
      (std::vector<std::string>{
          "e.reg:4 [r4] RP3203 a rule string starts with its version, like `v2.33|`; got `Action=Allow`"}));
  EXPECT_EQ(errors("\"r5\"=\"v2.10|Action=Allow|\"\n"),
            (std::vector<std::string>{"e.reg:4 [r5] RP3203 the rule has no `Dir=` token"}));
  EXPECT_EQ(errors("\"r6\"=\"v2.10|Action=Allow|Dir=In|LPort=80|\"\n"),
            (std::vector<std::string>{"e.reg:4 [r6] RP3203 rule `r6` has ports but its protocol is any: "
                                      "ports need TCP (6) or UDP (17)"}));
  EXPECT_EQ(errors("\"r7\"=\"v2.10|Action=Allow|Dir=In|Protocol=6|ICMP4=8:*|\"\n"),
            (std::vector<std::string>{"e.reg:4 [r7] RP3203 `ICMP4=` needs `Protocol=1`"}));
  EXPECT_EQ(
      errors("\"r8\"=\"v2.10|Action=ByPass|Dir=In|\"\n"),
      (std::vector<std::string>{"e.reg:4 [r8] RP3203 a `Action=ByPass` rule needs `Security=Authenticate` or "
                                "`Security=AuthenticateEncrypt` (MS-FASP 2.2.34)"}));
  EXPECT_EQ(
      errors("\"r9\"=\"v2.10|Action=Allow|Action=Block|Dir=In|\"\n"),
      (std::vector<std::string>{"e.reg:4 [r9] RP3203 `Action=Block`: `Action=` may appear once in a rule"}));
  EXPECT_EQ(errors("\"r10\"=dword:00000001\n"),
            (std::vector<std::string>{"e.reg:4 [r10] RP3203 rule `r10` must be a REG_SZ string"}));
  // Several mistakes are all reported.
  EXPECT_EQ(
      errors(
          "\"a\"=\"v2.10|Action=Allow|Dir=Sideways|\"\n\"b\"=\"v2.10|Action=Allow|Dir=In|Protocol=300|\"\n")
          .size(),
      2u);
}

TEST(WindowsReg, BadFilesAreLocatedByLine) {
  auto located = [](const std::string& text) {
    auto r = importers::windows::parse_reg(text, "f.reg");
    std::vector<std::string> out;
    for (const auto& d : r.diagnostics.sorted()) out.push_back(d.origin.to_string() + " " + d.code);
    return out;
  };
  EXPECT_EQ(located("REGEDIT5\n"), (std::vector<std::string>{"f.reg:1 RP3202"}));
  EXPECT_EQ(located("Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\X\n"),
            (std::vector<std::string>{"f.reg:3:1 RP3202"}));
  EXPECT_EQ(located("Windows Registry Editor Version 5.00\n[A\\FirewallRules]\n\"x\"=\"v2.10|Action=Allow\n"),
            (std::vector<std::string>{"f.reg:3:5 RP3202"}));
  EXPECT_EQ(
      located("Windows Registry Editor Version 5.00\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\"
              "WindowsFirewall\\DomainProfile]\n\"EnableFirewall\"=dword:2\n"),
      (std::vector<std::string>{"f.reg:3 [GP DomainProfile\\EnableFirewall] RP3205"}));
  EXPECT_EQ(located("Windows Registry Editor Version 5.00\n[HKEY_CURRENT_USER\\Software]\n\"a\"=\"b\"\n"),
            (std::vector<std::string>{"f.reg RP3206"}));
  EXPECT_EQ(located(std::string("\xFF\xFE\x41", 3)), (std::vector<std::string>{"f.reg RP3201"}));
  EXPECT_EQ(located("Windows Registry Editor Version 5.00\n\xC3\x28\n"),
            (std::vector<std::string>{"f.reg:2 RP3201"}));
}

TEST(WindowsReg, ThroughTheRegistryAsAnImport) {
  importers::Registry registry = importers::default_registry();
  for (const char* f : {"windows.reg", "windows.wfw", "windows.powershell", "windows.netsh",
                        "windows.services", "windows.listeners", "windows.iis"}) {
    EXPECT_TRUE(registry.supports(f)) << f;
  }
  core::ImportRequest req;
  req.format = "windows.reg";
  req.path = std::string(RAMPART_SOURCE_DIR) + "/" + kCorpus;
  req.display_path = "corpus.reg";
  auto r = registry.import(req);
  EXPECT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_EQ(r.objects.size(), 3u);
  req.path = "/nonexistent/fw.reg";
  req.origin = core::Origin::policy("p.rampart", 2, 1);
  r = registry.import(req);
  EXPECT_EQ(codes_of(r.diagnostics, core::Severity::Error),
            (std::vector<std::string>{"p.rampart:2:1 RP0001"}));
}

}  // namespace
}  // namespace rampart::windows_test
