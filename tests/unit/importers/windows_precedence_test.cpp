// Windows Firewall precedence and profile settings, decided packet by packet:
// authenticated bypass > block > allow > profile default whatever the order
// of the rules; DoNotAllowExceptions; a disabled profile; Windows' defaults
// when no store sets a value; the merge of the local and Group Policy
// stores. Expectations worked out by hand from
// docs/semantics/windows-firewall.md (MS-FASP 2.2.34, 2.2.38).

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "windows_test_util.h"

namespace rampart::windows_test {
namespace {

using core::Action;

constexpr const char* kHeader = "Windows Registry Editor Version 5.00\n\n";
constexpr const char* kLocalRules =
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\"
    "FirewallRules]\n";
constexpr const char* kGpRules =
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\FirewallRules]\n";

std::string local_key(const std::string& profile) {
  return "[HKEY_LOCAL_"
         "MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\" +
         profile + "]\n";
}
std::string gp_key(const std::string& profile) {
  return "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\" + profile + "]\n";
}

// SMB (tcp/445): allow 10/8, block 10.1/16 inside it, an authenticated
// bypass for 10.1.1/24 inside that.
const std::array<std::string, 3> kSmbRules = {
    "\"bypass\"=\"v2.33|Action=ByPass|Active=TRUE|Dir=In|Protocol=6|LPort=445|RA4=10.1.1.0/24|"
    "Security=Authenticate|Name=SMB admins|\"\n",
    "\"block\"=\"v2.33|Action=Block|Active=TRUE|Dir=In|Protocol=6|LPort=445|RA4=10.1.0.0/16|Name=Block "
    "lab|\"\n",
    "\"allow\"=\"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=445|RA4=10.0.0.0/8|Name=SMB "
    "corp|\"\n",
};
constexpr const char* kAuthenticated = "fwd/cond:windows.security:Authenticate";

core::ImportResult import(const std::string& text) {
  auto r = importers::windows::parse_reg(text, "fw.reg");
  EXPECT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  return r;
}

std::string smb_policy(const std::array<std::string, 3>& rules, const std::string& domain_values) {
  std::string text = std::string(kHeader) + kLocalRules;
  for (const auto& r : rules) text += r;
  return text + "\n" + local_key("DomainProfile") + domain_values;
}

core::Valuation authenticated(bool yes) {
  core::Valuation v;
  v.set(kAuthenticated, yes);
  return v;
}

std::string decided(const core::ImportResult& r, const std::string& src, const core::Valuation& v = {},
                    uint16_t port = 445) {
  auto d = decide(r, "domain", true, tcp(src, "10.5.0.20", port), {}, v);
  return d.what + (d.rule.empty() ? "" : " by " + d.rule);
}

TEST(WindowsPrecedence, BypassThenBlockThenAllowThenDefaultInEveryRuleOrder) {
  std::array<std::string, 3> rules = kSmbRules;
  std::sort(rules.begin(), rules.end());
  int orders = 0;
  do {
    ++orders;
    auto r = import(smb_policy(rules, "\"DefaultInboundAction\"=dword:00000001\n"));
    SCOPED_TRACE(rules[0] + rules[1] + rules[2]);
    // In the bypass range: the bypass admits when the connection is
    // authenticated, else the block refuses; unknown until it is known.
    EXPECT_EQ(decided(r, "10.1.1.9", authenticated(true)), "allow by bypass");
    EXPECT_EQ(decided(r, "10.1.1.9", authenticated(false)), "deny by block");
    EXPECT_EQ(decided(r, "10.1.1.9"), std::string("unknown:") + kAuthenticated);
    // Outside the bypass range the IPsec condition is never consulted.
    EXPECT_EQ(decided(r, "10.1.2.3"), "deny by block");
    EXPECT_EQ(decided(r, "10.2.0.1"), "allow by allow");
    EXPECT_EQ(decided(r, "11.0.0.1"), "deny by default");
    EXPECT_EQ(decided(r, "10.2.0.1", {}, 446), "deny by default");
  } while (std::next_permutation(rules.begin(), rules.end()));
  EXPECT_EQ(orders, 6);
}

TEST(WindowsPrecedence, DefaultAllowOnlyDecidesWhatNoRuleMatches) {
  auto r = import(smb_policy(kSmbRules, "\"DefaultInboundAction\"=dword:00000000\n"));
  EXPECT_EQ(decided(r, "11.0.0.1"), "allow by default");
  EXPECT_EQ(decided(r, "10.1.2.3"), "deny by block");
  EXPECT_EQ(decided(r, "10.1.1.9", authenticated(false)), "deny by block");
  EXPECT_EQ(rules_of(r, "domain", true).default_origin.to_string(),
            "fw.reg:9 [DomainProfile\\DefaultInboundAction]");
}

TEST(WindowsPrecedence, ShieldedProfileIgnoresBypassAndAllowRules) {
  // DoNotAllowExceptions=1 with DefaultInboundAction=0: every inbound allow
  // and bypass rule is left out and the default is block; the block stays.
  auto r = import(smb_policy(
      kSmbRules, "\"DefaultInboundAction\"=dword:00000000\n\"DoNotAllowExceptions\"=dword:00000001\n"));
  EXPECT_EQ(decided(r, "10.1.1.9", authenticated(true)), "deny by block");
  EXPECT_EQ(decided(r, "10.2.0.1"), "deny by default");
  EXPECT_EQ(decided(r, "11.0.0.1"), "deny by default");
  EXPECT_EQ(rules_of(r, "domain", true).default_origin.to_string(),
            "fw.reg:10 [DomainProfile\\DoNotAllowExceptions]");
  // Shielding is about inbound traffic: the outbound default is unchanged.
  EXPECT_EQ(rules_of(r, "domain", false).default_action, Action::Allow);
  // The other profiles are not shielded: their allow rules apply.
  EXPECT_EQ(decide(r, "private", true, tcp("10.2.0.1", "10.5.0.20", 445)).what, "allow");
}

TEST(WindowsPrecedence, DisabledProfileAdmitsEverything) {
  auto r = import(
      smb_policy(kSmbRules,
                 "\"EnableFirewall\"=dword:00000000\n\"DefaultInboundAction\"=dword:00000001\n"
                 "\"DefaultOutboundAction\"=dword:00000001\n\"DoNotAllowExceptions\"=dword:00000001\n"));
  EXPECT_EQ(decided(r, "10.1.2.3"), "allow by default");
  EXPECT_EQ(decided(r, "11.0.0.1"), "allow by default");
  EXPECT_EQ(decide(r, "domain", false, tcp("10.5.0.20", "198.51.100.1", 25)).what, "allow");
  EXPECT_TRUE(rules_of(r, "domain", true).rules().empty());
  EXPECT_EQ(rules_of(r, "domain", true).default_origin.to_string(),
            "fw.reg:9 [DomainProfile\\EnableFirewall]");
  // Only the domain profile is off.
  EXPECT_EQ(decide(r, "public", true, tcp("10.1.2.3", "10.5.0.20", 445)).what, "deny");
}

TEST(WindowsPrecedence, WindowsDefaultsWhenNoStoreSetsAValue) {
  auto r = import(std::string(kHeader) + kLocalRules + kSmbRules[2]);
  for (const char* p : {"domain", "private", "public"}) {
    SCOPED_TRACE(p);
    const auto& in = rules_of(r, p, true);
    const auto& out = rules_of(r, p, false);
    EXPECT_EQ(in.default_action, Action::Deny);
    EXPECT_EQ(out.default_action, Action::Allow);
    EXPECT_EQ(in.default_origin.to_string(),
              fmt::format("fw.reg[{} profile: DefaultInboundAction not set, Windows default on]", p));
    EXPECT_EQ(out.default_origin.to_string(),
              fmt::format("fw.reg[{} profile: DefaultOutboundAction not set, Windows default off]", p));
    EXPECT_EQ(decide(r, p, true, tcp("10.2.0.1", "10.5.0.20", 445)).what, "allow");
    EXPECT_EQ(decide(r, p, true, tcp("11.0.0.1", "10.5.0.20", 445)).what, "deny");
  }
}

TEST(WindowsPrecedence, LocalAndGroupPolicyStoresMerge) {
  // Local rule L (tcp/80) and Group Policy rule G (tcp/443), with the same
  // id in both stores for tcp/8080 (two rules). GP turns local rules off in
  // the private profile only; AllowLocalPolicyMerge in the local store has
  // no effect. A GP value wins over the local one where it is configured;
  // an unconfigured GP value leaves the local one.
  std::string text =
      std::string(kHeader) + kLocalRules +
      "\"L\"=\"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=80|Name=local web|\"\n"
      "\"same\"=\"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=8080|Name=local alt|\"\n"
      "\n" +
      kGpRules +
      "\"G\"=\"v2.33|Action=Allow|Active=TRUE|Dir=In|Protocol=6|LPort=443|Name=gp https|\"\n"
      "\"same\"=\"v2.33|Action=Block|Active=TRUE|Dir=In|Protocol=6|LPort=8080|RA4=10.9.0.0/16|"
      "Name=gp alt block|\"\n"
      "\n" +
      local_key("DomainProfile") +
      "\"DefaultInboundAction\"=dword:00000001\n\"DefaultOutboundAction\"=dword:00000001\n"
      "\n" +
      local_key("PublicProfile") + "\"AllowLocalPolicyMerge\"=dword:00000000\n" + "\n" +
      gp_key("DomainProfile") +
      "\"DefaultInboundAction\"=dword:00000000\n\"AllowLocalPolicyMerge\"=dword:00000001\n" + "\n" +
      gp_key("PrivateProfile") + "\"AllowLocalPolicyMerge\"=dword:00000000\n";
  auto r = import(text);
  auto ids = [&](const char* p) {
    std::vector<std::string> out;
    for (const auto& rule : rules_of(r, p, true).rules()) out.push_back(rule.origin.native_id.str());
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(ids("domain"), (std::vector<std::string>{"G", "L", "same", "same"}));
  EXPECT_EQ(ids("private"), (std::vector<std::string>{"G", "same"}));
  EXPECT_EQ(ids("public"), (std::vector<std::string>{"G", "L", "same", "same"}));
  // Domain: GP DefaultInboundAction=0 beats the local 1; the outbound
  // default is the local 1, GP not configuring it.
  EXPECT_EQ(decide(r, "domain", true, tcp("203.0.113.1", "10.5.0.20", 9999)).what, "allow");
  EXPECT_EQ(rules_of(r, "domain", true).default_origin.to_string(),
            "fw.reg:19 [GP DomainProfile\\DefaultInboundAction]");
  EXPECT_EQ(decide(r, "domain", false, tcp("10.5.0.20", "203.0.113.1", 443)).what, "deny");
  EXPECT_EQ(rules_of(r, "domain", false).default_origin.to_string(),
            "fw.reg:13 [DomainProfile\\DefaultOutboundAction]");
  // Private: the local rules are out; the GP ones are in.
  EXPECT_EQ(decide(r, "private", true, tcp("203.0.113.1", "10.5.0.20", 80)).what, "deny");
  EXPECT_EQ(decide(r, "private", true, tcp("203.0.113.1", "10.5.0.20", 443)).what, "allow");
  // The id in both stores: the local allow and the GP block both apply.
  EXPECT_EQ(decide(r, "public", true, tcp("203.0.113.1", "10.5.0.20", 8080)).what, "allow");
  auto blocked = decide(r, "public", true, tcp("10.9.0.1", "10.5.0.20", 8080));
  EXPECT_EQ(blocked.what, "deny");
  EXPECT_EQ(blocked.rule, "same");
  // In the private profile only the GP block of `same` is left.
  EXPECT_EQ(decide(r, "private", true, tcp("203.0.113.1", "10.5.0.20", 8080)).what, "deny");
}

}  // namespace
}  // namespace rampart::windows_test
