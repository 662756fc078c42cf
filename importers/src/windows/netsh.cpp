// `windows.netsh`: `netsh advfirewall firewall show rule name=all verbose`
// in English, optionally preceded by `netsh advfirewall show allprofiles`
// (docs/importers/windows.md#netsh-output).

#include <fmt/format.h>

#include <map>

#include "rampart/importers/windows.h"
#include "windows/common.h"
#include "windows/firewall.h"

namespace rampart::importers::windows {

namespace {

class NetshParser {
 public:
  NetshParser(const std::string& file, core::Diagnostics& diags) : file_(file), diags_(diags) {}

  std::optional<FirewallInput> run(std::string_view text) {
    in_.format = "netsh output";
    auto lines = split_lines(text);
    for (size_t i = 0; i < lines.size(); ++i) {
      line_ = uint32_t(i + 1);
      std::string_view raw = lines[i];
      std::string_view line = trim(raw);
      if (line.empty() || line.find_first_not_of('-') == std::string_view::npos) continue;
      if (line == "Ok." || line == "OK") {
        finish_rule();
        mode_ = Mode::None;
        continue;
      }
      if (line == "No rules match the specified criteria.") continue;
      if (int p = profile_header(line); p >= 0) {
        finish_rule();
        mode_ = Mode::Profile;
        profile_ = p;
        continue;
      }
      if (istarts_with(line, "Rule Name:")) {
        finish_rule();
        start_rule(trim(line.substr(10)));
        continue;
      }
      if (mode_ == Mode::Profile) {
        profile_line(line);
        continue;
      }
      // Outside a block: a preamble such as chcp's `Active code page: 437`.
      if (mode_ != Mode::Rule) continue;
      rule_line(raw, line);
    }
    finish_rule();
    if (diags_.has_errors()) return std::nullopt;
    if (in_.rules.empty() && !in_.has_settings && !saw_rule_) {
      diags_.error(
          codes::kEmpty, core::Origin::native_line(file_, 0),
          "no `Rule Name:` block: is this `netsh advfirewall firewall show rule name=all verbose` output "
          "in English?");
      return std::nullopt;
    }
    return std::move(in_);
  }

 private:
  enum class Mode : uint8_t { None, Profile, Rule };

  core::Origin at() const { return core::Origin::native_line(file_, line_); }
  core::Origin rule_at() const {
    core::Origin o = core::Origin::native_rule(file_, rule_.id, rule_.name);
    o.line = rule_line_;
    return o;
  }
  // At the line being read, or in finish_rule the line of the field read.
  void bad(const std::string& message) {
    core::Origin o = rule_at();
    o.line = line_;
    diags_.error(codes::kBadRule, o, message);
    rule_ok_ = false;
  }

  static int profile_header(std::string_view line) {
    if (line == "Domain Profile Settings:") return 0;
    if (line == "Private Profile Settings:") return 1;
    if (line == "Public Profile Settings:") return 2;
    return -1;
  }

  // `Label    value` lines of `show allprofiles`, label and value apart by
  // two or more blanks.
  void profile_line(std::string_view line) {
    auto gap = line.find("  ");
    std::string label(trim(line.substr(0, gap)));
    std::string value(gap == std::string_view::npos ? "" : trim(line.substr(gap)));
    ProfileSettings& s = in_.group_policy[size_t(profile_)];
    core::Origin o = at();
    if (label == "State") {
      if (value != "ON" && value != "OFF") return setting_error(label, value, "ON or OFF");
      s.enabled = value == "ON";
      s.enabled_at = o;
      in_.has_settings = true;
    } else if (label == "Firewall Policy") {
      auto parts = split(value, ',');
      if (parts.size() != 2) return setting_error(label, value, "INBOUND,OUTBOUND");
      const std::string& inbound = parts[0];
      const std::string& outbound = parts[1];
      if (inbound == "BlockInboundAlways") {
        s.block_inbound = true;
        s.shielded = true;
        s.shielded_at = o;
      } else if (inbound == "BlockInbound") {
        s.block_inbound = true;
      } else if (inbound == "AllowInbound") {
        s.block_inbound = false;
      } else if (inbound != "NotConfigured") {
        return setting_error(label, value, "BlockInbound, BlockInboundAlways or AllowInbound, then a comma");
      }
      if (outbound == "BlockOutbound")
        s.block_outbound = true;
      else if (outbound == "AllowOutbound")
        s.block_outbound = false;
      else if (outbound != "NotConfigured")
        return setting_error(label, value, "AllowOutbound or BlockOutbound");
      s.inbound_at = s.outbound_at = o;
      in_.has_settings = true;
    } else if (label == "LocalFirewallRules") {
      if (value == "Enable")
        s.allow_local_rules = true;
      else if (value == "Disable")
        s.allow_local_rules = false;
      else
        return;  // N/A (GPO-store only), NotConfigured
      s.merge_at = o;
    }
  }

  void setting_error(const std::string& label, const std::string& value, const char* expected) {
    diags_.error(codes::kBadSetting, at(), fmt::format("`{}` is {}; got `{}`", label, expected, value));
  }

  void start_rule(std::string_view name) {
    mode_ = Mode::Rule;
    saw_rule_ = true;
    rule_ = WinRule{};
    rule_.id = std::string(name);
    rule_.name = rule_.id;
    rule_line_ = line_;
    rule_ok_ = true;
    fields_.clear();
    field_lines_.clear();
    icmp_rows_ = false;
    last_field_.clear();
  }

  void rule_line(std::string_view raw, std::string_view line) {
    auto colon = line.find(':');
    // An ICMP type/code table under `Protocol: ICMPv4`: `Type    Code`,
    // then one `TYPE    CODE` row per entry.
    if (icmp_rows_ &&
        (colon == std::string_view::npos || raw.substr(0, raw.find_first_not_of(' ')).size() > 30)) {
      auto parts = split_blanks(line);
      if (parts.size() == 2 && parts[0] == "Type" && parts[1] == "Code") return;
      if (parts.size() == 2) {
        auto type = parts[0] == "Any" ? std::nullopt : to_number(parts[0], 255);
        auto code = parts[1] == "Any" ? std::nullopt : to_number(parts[1], 255);
        if ((parts[0] != "Any" && !type) || (parts[1] != "Any" && !code)) {
          return bad(fmt::format("`{}` is not an ICMP `TYPE CODE` row", line));
        }
        if (type) {
          rule_.icmp.push_back(
              IcmpEntry{uint8_t(*type), code ? std::optional<uint8_t>(uint8_t(*code)) : std::nullopt});
        }
        return;
      }
    }
    if (colon == std::string_view::npos) {
      // A wrapped value: it continues the previous field.
      if (!last_field_.empty()) fields_[last_field_] += " " + std::string(line);
      return;
    }
    icmp_rows_ = false;
    std::string label(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    static const std::set<std::string> kLabels = {"Description",     "Enabled",        "Direction",
                                                  "Profiles",        "Grouping",       "LocalIP",
                                                  "RemoteIP",        "Protocol",       "LocalPort",
                                                  "RemotePort",      "Edge traversal", "Program",
                                                  "Service",         "InterfaceTypes", "Security",
                                                  "Rule source",     "Action",         "RemoteComputerGroup",
                                                  "RemoteUserGroup", "LocalUserGroup", "Type"};
    if (!kLabels.count(label)) {
      diags_.warning(
          codes::kUnknownToken, at(),
          fmt::format("unknown field `{}` in rule `{}` (is the output in English?); the rule's match is "
                      "unknown",
                      label, rule_.id));
      rule_.conditions.push_back(Condition{fmt::format("windows.netsh-field:{}={}", label, value),
                                           fmt::format("netsh field `{}: {}` holds", label, value)});
      return;
    }
    fields_[label] = value;
    field_lines_[label] = line_;
    last_field_ = label;
    if (label == "Protocol" && (value == "ICMPv4" || value == "ICMPv6")) icmp_rows_ = true;
  }

  static std::vector<std::string> split_blanks(std::string_view s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      size_t start = i;
      while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
      if (i > start) out.emplace_back(s.substr(start, i - start));
    }
    return out;
  }

  // A field's value; errors about it are then located at its line.
  std::string get(const char* label) {
    auto it = fields_.find(label);
    if (it == fields_.end()) {
      line_ = rule_line_;
      return {};
    }
    line_ = field_lines_[label];
    return it->second;
  }

  void finish_rule() {
    if (mode_ != Mode::Rule) return;
    mode_ = Mode::None;
    uint32_t saved = line_;
    line_ = rule_line_;
    rule_.origin = rule_at();
    for (const char* required : {"Enabled", "Direction", "Action"}) {
      if (!fields_.count(required)) bad(fmt::format("rule `{}` has no `{}:` line", rule_.id, required));
    }
    if (!rule_ok_) {
      line_ = saved;
      return;
    }
    std::string v = get("Enabled");
    if (v == "Yes")
      rule_.active = true;
    else if (v == "No")
      rule_.active = false;
    else
      bad(fmt::format("`Enabled` is Yes or No; got `{}`", v));
    v = get("Direction");
    if (v == "In")
      rule_.inbound = true;
    else if (v == "Out")
      rule_.inbound = false;
    else
      bad(fmt::format("`Direction` is In or Out; got `{}`", v));
    v = get("Action");
    if (v == "Allow")
      rule_.action = core::Action::Allow;
    else if (v == "Block")
      rule_.action = core::Action::Deny;
    else if (v == "Bypass")
      rule_.action = core::Action::Bypass;
    else
      bad(fmt::format("`Action` is Allow, Block or Bypass; got `{}`", v));
    if (fields_.count("Profiles")) {
      unsigned bits = 0;
      for (const auto& p : split(get("Profiles"), ',')) {
        if (p == "Domain")
          bits |= kDomain;
        else if (p == "Private")
          bits |= kPrivate;
        else if (p == "Public")
          bits |= kPublic;
        else if (p == "Any")
          bits = kAllProfiles;
        else
          bad(fmt::format("`Profiles` lists Domain, Private, Public; got `{}`", p));
      }
      rule_.profiles = bits ? bits : kAllProfiles;
    }
    rule_.group = get("Grouping");
    addresses(get("LocalIP"), rule_.local);
    addresses(get("RemoteIP"), rule_.remote);
    v = get("Protocol");
    if (!v.empty() && v != "Any") {
      if (v == "TCP")
        rule_.protocol = core::proto::kTcp;
      else if (v == "UDP")
        rule_.protocol = core::proto::kUdp;
      else if (v == "ICMPv4")
        rule_.protocol = core::proto::kIcmp;
      else if (v == "ICMPv6")
        rule_.protocol = core::proto::kIcmpV6;
      else if (auto n = to_number(v, 255))
        rule_.protocol = uint8_t(*n);
      else
        bad(fmt::format("`Protocol` is TCP, UDP, ICMPv4, ICMPv6, Any or a number; got `{}`", v));
    }
    ports(get("LocalPort"), rule_.local_ports, true);
    ports(get("RemotePort"), rule_.remote_ports, false);
    v = get("Edge traversal");
    if (!v.empty() && v != "No" && v != "Yes" && v != "Defer to application" && v != "Defer to user") {
      bad(fmt::format("`Edge traversal` is No, Yes, Defer to application or Defer to user; got `{}`", v));
    }
    v = get("Program");
    if (!v.empty() && v != "Any") rule_.program = normalise_program(v);
    v = get("Service");
    if (!v.empty() && v != "Any") rule_.service = v == "All services" ? "*" : v;
    v = get("InterfaceTypes");
    if (!v.empty() && v != "Any") {
      rule_.conditions.push_back(Condition{fmt::format("windows.iftype:{}", v),
                                           fmt::format("the packet's interface is of type {}", v)});
    }
    v = get("Security");
    bool secured = false;
    if (!v.empty() && v != "NotRequired") {
      static const std::map<std::string, std::string> kSecurity = {{"Authenticate", "Authenticate"},
                                                                   {"AuthEnc", "AuthenticateEncrypt"},
                                                                   {"AuthDynEnc", "AnE-Nego"},
                                                                   {"AuthNoEncap", "An-NoEncap"}};
      auto it = kSecurity.find(v);
      if (it == kSecurity.end()) {
        bad(fmt::format(
            "`Security` is NotRequired, Authenticate, AuthEnc, AuthDynEnc or AuthNoEncap; got `{}`", v));
      } else {
        secured = true;
        rule_.conditions.push_back(
            Condition{fmt::format("windows.security:{}", it->second),
                      fmt::format("the connection is secured with IPsec as `{}` requires", v)});
      }
    }
    if (rule_.action == core::Action::Bypass && !secured)
      bad("a Bypass rule needs `Security` other than NotRequired");
    for (const auto& [label, prefix] :
         {std::pair{"RemoteComputerGroup", "rmauth"}, std::pair{"RemoteUserGroup", "ruauth"},
          std::pair{"LocalUserGroup", "luauth"}}) {
      v = get(label);
      if (!v.empty() && v != "Any") {
        rule_.conditions.push_back(
            Condition{fmt::format("windows.{}:{}", prefix, v),
                      fmt::format("the rule's `{}` authorises the connection", label)});
      }
    }
    v = get("Rule source");
    rule_.group_policy = !(v.empty() || v == "Local Setting");
    if (rule_ok_ && check_rule(rule_, rule_.origin, diags_)) in_.rules.push_back(std::move(rule_));
    line_ = saved;
  }

  void addresses(const std::string& value, AddressList& out) {
    if (value.empty() || value == "Any") return;
    for (const auto& item : split(value, ',')) {
      if (item.empty()) continue;
      if (auto k = address_keyword(item)) {
        out.add_keyword(k->symbol, k->family);
        continue;
      }
      std::string err;
      auto set = parse_address_item(item, err);
      if (!set) {
        bad(err);
        continue;
      }
      out.present = true;
      out.items = out.items.unite(*set);
    }
  }

  void ports(const std::string& value, PortList& out, bool local) {
    if (value.empty() || value == "Any") return;
    for (const auto& item : split(value, ',')) {
      if (item.empty()) continue;
      std::string err;
      if (auto r = parse_port_range(item, err)) {
        out.present = true;
        out.ports.add(r->first, r->second);
        continue;
      }
      if (!err.empty()) {
        bad(err);
        continue;
      }
      auto k = port_keyword(item);
      if (!k) {
        diags_.warning(codes::kUnknownToken, rule_at(),
                       fmt::format("unknown port keyword `{}`; the rule's match is unknown", item));
        k = item;
      }
      // netsh prints IPHTTPS for both directions.
      if (!local && *k == "IPHTTPSIn") k = "IPHTTPSOut";
      if (!local && *k == "IPTLSIn") k = "IPTLSOut";
      out.present = true;
      out.keywords.push_back(*k);
    }
  }

  const std::string& file_;
  core::Diagnostics& diags_;
  FirewallInput in_;
  Mode mode_ = Mode::None;
  int profile_ = 0;
  uint32_t line_ = 0, rule_line_ = 0;
  WinRule rule_;
  bool rule_ok_ = true, saw_rule_ = false, icmp_rows_ = false;
  std::map<std::string, std::string> fields_;
  std::map<std::string, uint32_t> field_lines_;
  std::string last_field_;
};

}  // namespace

core::ImportResult parse_netsh(std::string_view bytes, const std::string& file) {
  core::ImportResult out;
  auto text = decode_text(bytes, file, out.diagnostics);
  if (!text) return out;
  auto input = NetshParser(file, out.diagnostics).run(*text);
  if (!input) return out;
  if (!input->has_settings) {
    out.diagnostics.warning(
        codes::kNotModelled, core::Origin::native_line(file, 0),
        "no `netsh advfirewall show allprofiles` output: every profile is taken as Windows' "
        "default (on, inbound blocked, outbound allowed)");
  }
  out = build_firewall(*input, file, std::move(out.diagnostics));
  out.fragment.source_files.push_back(file);
  return out;
}

}  // namespace rampart::importers::windows
