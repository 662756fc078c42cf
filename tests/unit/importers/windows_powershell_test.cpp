// windows.powershell: Get-NetFirewallRule joined with its filters, as JSON
// (with Get-NetFirewallProfile) and as CSV; enum values as names and as
// the numbers Windows PowerShell 5.1's ConvertTo-Json writes. Expectations
// by hand from docs/importers/windows.md#powershell-exports.

#include "windows_test_util.h"

namespace rampart::windows_test {
namespace {

using core::Action;

core::ImportResult json() {
  auto r =
      importers::windows::parse_powershell(read("tests/data/windows/powershell/rules.json"), "rules.json");
  EXPECT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  return r;
}

const std::map<std::string, std::string> kSystem = {{"program", "System"}};
const std::map<std::string, std::string> kTermService = {{"program", "C:\\Windows\\System32\\svchost.exe"},
                                                         {"service", "TermService"}};

TEST(WindowsPowerShell, JsonWithProfiles) {
  auto r = json();
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r.diagnostics);
  // Domain: AllowLocalFirewallRules=False, so only the Group Policy rule.
  const auto& domain = rules_of(r, "domain", true);
  ASSERT_EQ(domain.rules().size(), 1u);
  EXPECT_EQ(domain.rules()[0].origin.native_id, "RemoteDesktop-UserMode-In-TCP");
  EXPECT_EQ(domain.rules()[0].name, "Remote Desktop - User Mode (TCP-In)");
  EXPECT_EQ(domain.rules()[0].origin.to_string(), "rules.json[RemoteDesktop-UserMode-In-TCP]");
  EXPECT_EQ(domain.rules()[0].origin.json_pointer, "/Rules/1");
  EXPECT_TRUE(rules_of(r, "domain", false).rules().empty());
  EXPECT_EQ(domain.default_origin.to_string(), "rules.json#/Profiles/0/DefaultInboundAction");
  // Private: every enabled local and GP rule of it; WINRM is disabled (2).
  std::vector<std::string> ids;
  for (const auto& rule : rules_of(r, "private", true).rules()) ids.push_back(rule.origin.native_id.str());
  EXPECT_EQ(ids, (std::vector<std::string>{"IIS-WebServerRole-HTTP-In-TCP", "RemoteDesktop-UserMode-In-TCP",
                                           "{0d5e7b62-1c4f-4a8e-9d53-33a1d5c10f66}", "SMB-Admins-Bypass"}));
  EXPECT_EQ(rules_of(r, "private", true).default_action, Action::Deny);  // NotConfigured: Windows default
  ASSERT_EQ(rules_of(r, "private", false).rules().size(), 1u);
  // Public: AllowInboundRules=0 (False) is "block all": only the block rule.
  ids.clear();
  for (const auto& rule : rules_of(r, "public", true).rules()) ids.push_back(rule.origin.native_id.str());
  EXPECT_EQ(ids, (std::vector<std::string>{"{0d5e7b62-1c4f-4a8e-9d53-33a1d5c10f66}"}));
  EXPECT_EQ(rules_of(r, "public", true).default_origin.to_string(),
            "rules.json#/Profiles/2/AllowInboundRules");
}

TEST(WindowsPowerShell, Decisions) {
  auto r = json();
  core::Valuation v;
  v.set("fwd/sym::LocalSubnet:src", false);
  EXPECT_EQ(decide(r, "private", true, tcp("203.0.113.9", "10.0.0.5", 80), kSystem, v).rule,
            "IIS-WebServerRole-HTTP-In-TCP");
  EXPECT_EQ(decide(r, "private", true, tcp("203.0.113.9", "10.0.0.5", 80), kTermService, v).what, "deny");
  // RDP: allowed from 10/8 (and LocalSubnet) for svchost/termservice; the
  // local block rule for 10.66/16 wins over it.
  EXPECT_EQ(decide(r, "private", true, tcp("10.1.2.3", "10.0.0.5", 3389), kTermService, v).rule,
            "RemoteDesktop-UserMode-In-TCP");
  auto lab = decide(r, "private", true, tcp("10.66.2.3", "10.0.0.5", 3389), kTermService, v);
  EXPECT_EQ(lab.what, "deny");
  EXPECT_EQ(lab.rule, "{0d5e7b62-1c4f-4a8e-9d53-33a1d5c10f66}");
  EXPECT_EQ(decide(r, "private", true, tcp("172.16.0.1", "10.0.0.5", 3389), kTermService, v).what, "deny");
  // The bypass rule: authenticated, and the machine in the SDDL: unknown.
  const core::Rule* smb = rules_with_id(r, "private", true, "SMB-Admins-Bypass").at(0);
  EXPECT_EQ(smb->action, Action::Bypass);
  EXPECT_EQ(condition_names(r.fragment, *smb),
            (std::vector<std::string>{
                "windows.security:Authenticate",
                "windows.rmauth:O:LSD:(A;;CC;;;S-1-5-21-1111111111-2222222222-3333333333-1105)"}));
  EXPECT_EQ(decide(r, "private", true, tcp("10.66.0.1", "10.0.0.5", 445), kSystem, v).what,
            "unknown:fwd/cond:windows.security:Authenticate");
  // Outbound: SMTP ports 25 and 465-587 blocked.
  EXPECT_EQ(decide(r, "private", false, tcp("10.0.0.5", "198.51.100.1", 465)).what, "deny");
  EXPECT_EQ(decide(r, "private", false, tcp("10.0.0.5", "198.51.100.1", 443)).what, "allow");
  // Numeric enums: the ICMPv4 echo rule is in Public only (4).
  EXPECT_TRUE(rules_with_id(r, "private", true, "CoreNet-ICMP4-EchoRequest-In").empty());
}

TEST(WindowsPowerShell, CsvReadsTheSameRules) {
  auto c = importers::windows::parse_powershell(read("tests/data/windows/powershell/rules.csv"), "rules.csv");
  ASSERT_FALSE(c.diagnostics.has_errors()) << dump(c.diagnostics);
  // No profiles in CSV: a warning, and Windows' defaults (local rules apply).
  EXPECT_EQ(codes_of(c.diagnostics, core::Severity::Warning), (std::vector<std::string>{"rules.csv RP3209"}));
  auto j = json();
  const auto& cr = rules_of(c, "private", true).rules();
  const auto& jr = rules_of(j, "private", true).rules();
  ASSERT_EQ(cr.size(), jr.size());
  for (size_t i = 0; i < cr.size(); ++i) {
    EXPECT_EQ(cr[i].match, jr[i].match) << cr[i].origin.native_id;
    EXPECT_EQ(cr[i].action, jr[i].action);
    EXPECT_EQ(cr[i].name, jr[i].name);
  }
  EXPECT_EQ(cr[0].origin.to_string(), "rules.csv:3 [IIS-WebServerRole-HTTP-In-TCP]");
  // The public profile is not shielded without profile settings.
  EXPECT_EQ(rules_of(c, "public", true).rules().size(), 4u);
}

std::vector<std::string> errors(const std::string& text) {
  auto r = importers::windows::parse_powershell(text, "e.json");
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) {
    if (d.severity == core::Severity::Error)
      out.push_back(d.origin.to_string() + " " + d.code + " " + d.message);
  }
  return out;
}

TEST(WindowsPowerShell, ErrorsAreLocated) {
  EXPECT_EQ(errors(R"([{"Name":"a","Enabled":"True","Direction":"Sideways","Action":"Allow"}])"),
            (std::vector<std::string>{
                "e.json#/0/Direction RP3203 `Direction` is Inbound or Outbound; got `Sideways`"}));
  EXPECT_EQ(
      errors(
          R"({"Name":"a","Enabled":"True","Direction":"Inbound","Action":"Allow","Protocol":"TCP","LocalPort":"80-70"})"),
      (std::vector<std::string>{"e.json#/LocalPort RP3203 port range `80-70` ends before it starts"}));
  EXPECT_EQ(errors("[{\"Name\": \"a\",\n \"Enabled\": tru}]"),
            (std::vector<std::string>{"e.json:2 RP3202 malformed JSON"}));
  EXPECT_EQ(errors("[\n" + std::string(257, '{') + std::string(257, '}') + "]"),
            (std::vector<std::string>{"e.json:2:256 RP3202 JSON nested deeper than 256 levels"}));
  EXPECT_EQ(
      errors("\"Name\",\"Enabled\"\n\"a\",\"True\"\n"),
      (std::vector<std::string>{
          "e.json:1 RP3202 the CSV header has no `Action` column: is this a Get-NetFirewallRule export?",
          "e.json:1 RP3202 the CSV header has no `Direction` column: is this a Get-NetFirewallRule "
          "export?"}));
  EXPECT_EQ(errors("\"Name\",\"Enabled\",\"Direction\",\"Action\",\"RemoteAddress\"\n\"a\",\"True\","
                   "\"Inbound\",\"Allow\",\"10.0.0.300\"\n"),
            (std::vector<std::string>{"e.json:2 [a] RP3203 `10.0.0.300` is not an IPv4 address"}));
  EXPECT_EQ(errors("[]"), (std::vector<std::string>{"e.json RP3206 the export holds no firewall rule"}));
}

}  // namespace
}  // namespace rampart::windows_test
