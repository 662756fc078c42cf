#pragma once
// Windows Firewall rules and profile settings as every export states them
// (registry rule strings, .wfw hives, PowerShell, netsh), and the one
// translation into rampart's model (docs/semantics/windows-firewall.md).

#include <array>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rampart/core/address.h"
#include "rampart/core/diagnostic.h"
#include "rampart/core/import.h"
#include "rampart/core/origin.h"
#include "rampart/core/rule.h"
#include "rampart/core/service.h"

namespace rampart::importers::windows {

// Profile bits as FW_PROFILE_TYPE (MS-FASP 2.2.2) has them.
inline constexpr unsigned kDomain = 1, kPrivate = 2, kPublic = 4, kAllProfiles = 7;
inline constexpr std::array<const char*, 3> kProfileIds = {"domain", "private", "public"};

// Ports of one side of a rule: explicit ranges and keywords; `present`
// false means any port.
struct PortList {
  bool present = false;
  core::PortSet ports;
  std::vector<std::string> keywords;  // canonical spelling (port_keyword)
};

// Addresses of one side of a rule: explicit items of both families and
// keywords per family; `present` false means any address.
struct AddressList {
  bool present = false;
  core::AddressSet items;
  std::set<std::string> v4_keywords, v6_keywords;
  void add_keyword(const std::string& symbol, std::optional<core::Family> family) {
    present = true;
    if (family != core::Family::V6) v4_keywords.insert(symbol);
    if (family != core::Family::V4) v6_keywords.insert(symbol);
  }
};

struct IcmpEntry {
  uint8_t type = 0;
  std::optional<uint8_t> code;  // nullopt: every code (`*`)
};

// A condition rampart cannot decide; it becomes an unknown atom shared by
// every rule that names the same condition.
struct Condition {
  std::string name;
  std::string description;
};

struct WinRule {
  std::string id;     // registry value name, PowerShell Name, netsh rule name
  std::string name;   // display name (Name=, DisplayName)
  std::string group;  // EmbedCtxt, DisplayGroup, Grouping
  core::Origin origin;
  bool inbound = true;
  core::Action action = core::Action::Allow;
  bool active = false;
  unsigned profiles = kAllProfiles;
  std::optional<uint8_t> protocol;  // nullopt: any protocol
  PortList local_ports, remote_ports;
  std::vector<IcmpEntry> icmp;
  AddressList local, remote;
  std::string program;             // normalised; empty: any
  std::string service;             // short name, `*` for any service; empty: any
  bool local_only_mapped = false;  // LOM: remote address and port ignored (allow rules)
  bool group_policy = false;       // from the Group Policy store
  std::vector<Condition> conditions;
};

// One store's values for one profile; nullopt = not configured there.
struct ProfileSettings {
  std::optional<bool> enabled, block_inbound, block_outbound, shielded, allow_local_rules;
  core::Origin enabled_at, inbound_at, outbound_at, shielded_at, merge_at;
  bool any() const { return enabled || block_inbound || block_outbound || shielded || allow_local_rules; }
};

struct FirewallInput {
  std::vector<WinRule> rules;
  std::array<ProfileSettings, 3> local, group_policy;  // domain, private, public
  bool has_settings = false;                           // the export holds profile settings at all
  std::string format;                                  // for messages: "registry export", ...
};

// Builds one filter per profile (objects "domain", "private", "public"):
// block-overrides-allow rule sets with the merged profile settings.
core::ImportResult build_firewall(const FirewallInput& input, const std::string& file,
                                  core::Diagnostics diags);

// Parses one MS-GPFAS 2.2.2.19 rule string. `origin` locates the value
// (file, line, rule id); errors are RP3203 there naming the token, unknown
// tokens RP3204 warnings that add a condition to the rule.
std::optional<WinRule> parse_rule_string(const std::string& id, std::string_view data,
                                         const core::Origin& origin, bool group_policy,
                                         core::Diagnostics& diags);

// Shared checks after a rule is read: ports only with TCP or UDP, ICMP
// types only with ICMP (MS-GPFAS 2.2.2.19). False (with an error) when the
// rule is inconsistent.
bool check_rule(const WinRule& rule, const core::Origin& origin, core::Diagnostics& diags);

}  // namespace rampart::importers::windows
