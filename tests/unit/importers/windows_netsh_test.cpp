// windows.netsh: the synthetic `netsh advfirewall firewall show rule
// name=all verbose` sample of the shared corpus, profile settings from
// `show allprofiles`, and located errors. Expectations by hand from
// docs/importers/windows.md#netsh-output.

#include "windows_test_util.h"

namespace rampart::windows_test {
namespace {

using core::Action;

constexpr const char* kCorpus = "tests/data/windows/synthetic/synthetic_netsh_show_rule_verbose.txt";

TEST(WindowsNetsh, CorpusSample) {
  auto r = importers::windows::parse_netsh(read(kCorpus), "rules.txt");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  // Without `show allprofiles` output, Windows' defaults are assumed: said once.
  EXPECT_EQ(codes_of(r.diagnostics, core::Severity::Warning), (std::vector<std::string>{"rules.txt RP3209"}));
  // Web 8080 and Edge defer to app are in every profile, Ping v4 only in
  // Private and Public.
  EXPECT_EQ(rules_of(r, "domain", true).rules().size(), 2u);
  EXPECT_EQ(rules_of(r, "private", true).rules().size(), 3u);
  EXPECT_EQ(rules_of(r, "public", true).rules().size(), 3u);
  for (const char* p : {"domain", "private", "public"}) {
    EXPECT_EQ(rules_of(r, p, true).default_action, Action::Deny) << p;
    EXPECT_EQ(rules_of(r, p, false).default_action, Action::Allow) << p;
    EXPECT_TRUE(rules_of(r, p, false).rules().empty()) << p;
  }
  const core::Rule* web = rules_with_id(r, "private", true, "Web 8080").at(0);
  EXPECT_EQ(web->origin.to_string(), "rules.txt:6 [Web 8080]");
  EXPECT_EQ(web->name, "Web 8080");
  EXPECT_EQ(web->match.services.to_string(), "tcp/8080");
  EXPECT_TRUE(web->match.src.is_any());
  EXPECT_TRUE(web->match.attributes.empty());  // Program: Any

  const core::Rule* ping = rules_with_id(r, "public", true, "Ping v4").at(0);
  EXPECT_EQ(ping->origin.line, 25u);
  ASSERT_EQ(ping->match.services.clauses.size(), 1u);
  EXPECT_EQ(ping->match.services.clauses[0].icmp_types, core::ByteSet::single(8));
  EXPECT_TRUE(ping->match.services.clauses[0].icmp_codes.is_all());  // Code: Any
  EXPECT_TRUE(rules_with_id(r, "domain", true, "Ping v4").empty());

  const core::Rule* edge = rules_with_id(r, "domain", true, "Edge defer to app").at(0);
  EXPECT_EQ(edge->match.services.to_string(), "udp/3540");
  ASSERT_EQ(edge->match.attributes.size(), 2u);
  EXPECT_EQ(edge->match.attributes[0].values,
            (std::vector<std::string>{"C:\\Windows\\system32\\svchost.exe"}));
  EXPECT_EQ(edge->match.attributes[1].values, (std::vector<std::string>{"PNRPSvc"}));
  EXPECT_TRUE(edge->match.unknowns.empty());  // Defer to application: no effect on direct traffic

  EXPECT_EQ(decide(r, "domain", true, tcp("203.0.113.9", "10.0.0.5", 8080)).rule, "Web 8080");
  EXPECT_EQ(decide(r, "public", true, icmp("203.0.113.9", "10.0.0.5", 8, 3)).rule, "Ping v4");
  EXPECT_EQ(decide(r, "domain", true, icmp("203.0.113.9", "10.0.0.5", 8, 3)).what, "deny");
  // Programs compare without regard to case.
  auto pnrp = tcp("203.0.113.9", "10.0.0.5", 3540, 5000, core::proto::kUdp);
  EXPECT_EQ(decide(r, "domain", true, pnrp,
                   {{"program", "C:\\WINDOWS\\System32\\svchost.exe"}, {"service", "pnrpsvc"}})
                .rule,
            "Edge defer to app");
  EXPECT_EQ(decide(r, "domain", true, pnrp,
                   {{"program", "C:\\WINDOWS\\System32\\svchost.exe"}, {"service", "dnscache"}})
                .what,
            "deny");
  EXPECT_EQ(decide(r, "domain", true, pnrp).what,
            "unknown:fwd/attr::program=c:\\windows\\system32\\svchost.exe");
}

constexpr const char* kProfiles = R"(
Domain Profile Settings:
----------------------------------------------------------------------
State                                 ON
Firewall Policy                       BlockInbound,AllowOutbound
LocalFirewallRules                    N/A (GPO-store only)
LocalConSecRules                      N/A (GPO-store only)
InboundUserNotification               Disable
RemoteManagement                      Disable
UnicastResponseToMulticast            Enable

Logging:
LogAllowedConnections                 Disable
LogDroppedConnections                 Disable
FileName                              %systemroot%\system32\LogFiles\Firewall\pfirewall.log
MaxFileSize                           4096

Private Profile Settings:
----------------------------------------------------------------------
State                                 OFF
Firewall Policy                       BlockInbound,AllowOutbound

Public Profile Settings:
----------------------------------------------------------------------
State                                 ON
Firewall Policy                       BlockInboundAlways,BlockOutbound
Ok.

Rule Name:                            RDP
----------------------------------------------------------------------
Enabled:                              Yes
Direction:                            In
Profiles:                             Domain,Private,Public
Grouping:                             Remote Desktop
LocalIP:                              Any
RemoteIP:                             10.0.0.0/8,LocalSubnet,192.168.5.1-192.168.5.9
Protocol:                             TCP
LocalPort:                            3389
RemotePort:                           Any
Edge traversal:                       No
Program:                              System
InterfaceTypes:                       Any
Security:                             NotRequired
Rule source:                          Local Setting
Action:                               Allow

Rule Name:                            Block telnet out
----------------------------------------------------------------------
Enabled:                              Yes
Direction:                            Out
Profiles:                             Domain,Private,Public
Grouping:
LocalIP:                              Any
RemoteIP:                             Any
Protocol:                             TCP
LocalPort:                            Any
RemotePort:                           23
Edge traversal:                       No
InterfaceTypes:                       Any
Security:                             NotRequired
Rule source:                          Corp Baseline
Action:                               Block
Ok.
)";

TEST(WindowsNetsh, ProfilesFromShowAllprofiles) {
  auto r = importers::windows::parse_netsh(kProfiles, "fw.txt");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r.diagnostics);
  // Domain: on, inbound blocked, one allow rule.
  EXPECT_EQ(rules_of(r, "domain", true).rules().size(), 1u);
  EXPECT_EQ(rules_of(r, "domain", true).default_origin.to_string(), "fw.txt:5");
  // Private: State OFF admits everything.
  EXPECT_TRUE(rules_of(r, "private", true).rules().empty());
  EXPECT_EQ(rules_of(r, "private", true).default_action, Action::Allow);
  EXPECT_EQ(rules_of(r, "private", false).default_action, Action::Allow);
  EXPECT_EQ(rules_of(r, "private", true).default_origin.to_string(), "fw.txt:20");
  // Public: BlockInboundAlways is DoNotAllowExceptions; outbound blocked.
  EXPECT_TRUE(rules_of(r, "public", true).rules().empty());
  EXPECT_EQ(rules_of(r, "public", false).default_action, Action::Deny);
  EXPECT_EQ(rules_of(r, "public", false).rules().size(), 1u);
  const core::Rule* rdp = rules_with_id(r, "domain", true, "RDP").at(0);
  EXPECT_EQ(rdp->match.src.set.to_string(),
            "10.0.0.0/8, 192.168.5.1/32, 192.168.5.2/31, 192.168.5.4/30, 192.168.5.8/31");
  EXPECT_EQ(rdp->match.src.symbols, (std::vector<std::string>{"LocalSubnet"}));
  EXPECT_EQ(rdp->match.attributes.at(0).values, (std::vector<std::string>{"System"}));
  const core::Rule* telnet = rules_with_id(r, "domain", false, "Block telnet out").at(0);
  EXPECT_EQ(telnet->match.services.to_string(), "tcp/23");
  EXPECT_EQ(telnet->action, Action::Deny);
}

std::vector<std::string> errors(const std::string& text) {
  auto r = importers::windows::parse_netsh(text, "e.txt");
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == core::Severity::Error)
      out.push_back(d.origin.to_string() + " " + d.code + " " + d.message);
  }
  return out;
}

TEST(WindowsNetsh, ErrorsAreLocated) {
  EXPECT_EQ(errors("Rule Name: x\n---\nEnabled: Maybe\nDirection: In\nAction: Allow\n"),
            (std::vector<std::string>{"e.txt:3 [x] RP3203 `Enabled` is Yes or No; got `Maybe`"}));
  EXPECT_EQ(
      errors("Rule Name: x\nEnabled: Yes\nDirection: In\nAction: Allow\nProtocol: TCP\nLocalPort: 99999\n"),
      (std::vector<std::string>{"e.txt:6 [x] RP3203 `99999` is not a port or a port range (0-65535)"}));
  EXPECT_EQ(errors("Rule Name: x\nEnabled: Yes\nAction: Allow\n"),
            (std::vector<std::string>{"e.txt:1 [x] RP3203 rule `x` has no `Direction:` line"}));
  EXPECT_EQ(errors("Domain Profile Settings:\nState    MAYBE\n"),
            (std::vector<std::string>{"e.txt:2 RP3205 `State` is ON or OFF; got `MAYBE`"}));
  EXPECT_EQ(errors("Regelname: x\n"),
            (std::vector<std::string>{"e.txt RP3206 no `Rule Name:` block: is this `netsh advfirewall "
                                      "firewall show rule name=all verbose` output in English?"}));
  // A field rampart does not know is a warning, and the rule's match unknown.
  auto r = importers::windows::parse_netsh(
      "Rule Name: x\nEnabled: Yes\nDirection: In\nAction: Allow\nFoo: bar\n", "w.txt");
  EXPECT_EQ(codes_of(r.diagnostics, core::Severity::Warning),
            (std::vector<std::string>{"w.txt RP3209", "w.txt:5 RP3204"}));
  EXPECT_EQ(condition_names(r.fragment, *rules_with_id(r, "domain", true, "x").at(0)),
            (std::vector<std::string>{"windows.netsh-field:Foo=bar"}));
}

}  // namespace
}  // namespace rampart::windows_test
