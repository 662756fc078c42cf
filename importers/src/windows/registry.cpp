// The firewall policy stores in the registry, and `.reg` exports of them
// (docs/importers/windows.md#registry-exports).

#include "windows/registry.h"

#include <fmt/format.h>

#include "rampart/importers/windows.h"
#include "windows/common.h"

namespace rampart::importers::windows {

// ---- the stores --------------------------------------------------------------

bool StoreCollector::key(const std::string& path) {
  current_.reset();
  std::string l = lower(path);
  while (!l.empty() && l.back() == '\\') l.pop_back();
  auto slash = l.rfind('\\');
  std::string last = slash == std::string::npos ? l : l.substr(slash + 1);
  Key k;
  // SOFTWARE\Policies\Microsoft\WindowsFirewall is the Group Policy store
  // (MS-GPFAS 2.2); SYSTEM\...\SharedAccess\Parameters\FirewallPolicy the
  // local one. A key of another path is taken by its last component, in
  // the Group Policy store when the path goes through `Policies`.
  k.group_policy = l.find("\\policies\\") != std::string::npos || istarts_with(l, "policies\\");
  if (last == "firewallrules")
    k.role = Role::Rules;
  else if (last == "domainprofile")
    k.role = Role::Domain;
  else if (last == "standardprofile")
    k.role = Role::Standard;
  else if (last == "privateprofile")
    k.role = Role::Private;
  else if (last == "publicprofile")
    k.role = Role::Public;
  else
    return false;
  if (k.group_policy && (k.role == Role::Private || k.role == Role::Public)) gp_private_or_public_ = true;
  current_ = k;
  any_key_ = true;
  return true;
}

void StoreCollector::setting(ProfileSettings& s, const RegValue& v, const std::string& where) {
  struct Field {
    const char* name;
    std::optional<bool> ProfileSettings::*value;
    core::Origin ProfileSettings::*at;
  };
  static const Field kFields[] = {
      {"EnableFirewall", &ProfileSettings::enabled, &ProfileSettings::enabled_at},
      {"DefaultInboundAction", &ProfileSettings::block_inbound, &ProfileSettings::inbound_at},
      {"DefaultOutboundAction", &ProfileSettings::block_outbound, &ProfileSettings::outbound_at},
      {"DoNotAllowExceptions", &ProfileSettings::shielded, &ProfileSettings::shielded_at},
      {"AllowLocalPolicyMerge", &ProfileSettings::allow_local_rules, &ProfileSettings::merge_at},
  };
  for (const auto& f : kFields) {
    if (!iequals(v.name, f.name)) continue;
    core::Origin at = v.origin;
    at.kind = core::Origin::Kind::NativeRule;
    at.native_id = fmt::format("{}\\{}", where, f.name);
    if (v.type != RegValue::Type::Dword) {
      diags_.error(codes::kBadSetting, at,
                   fmt::format("`{}` must be a REG_DWORD (dword:0 or dword:1)", f.name));
      return;
    }
    if (v.dword > 1) {
      diags_.error(codes::kBadSetting, at,
                   fmt::format("`{}` is 0 or 1 (MS-GPFAS 2.2.3); got {}", f.name, v.dword));
      return;
    }
    s.*(f.value) = v.dword == 1;
    s.*(f.at) = at;
    has_settings_ = true;
    return;
  }
  // Logging, notifications, stealth mode ...: no effect on what is admitted.
}

void StoreCollector::value(RegValue v) {
  if (!current_) return;
  const Key& k = *current_;
  static const char* kNames[] = {"FirewallRules", "DomainProfile", "StandardProfile", "PrivateProfile",
                                 "PublicProfile"};
  std::string where = kNames[size_t(k.role)];
  if (k.role == Role::Rules) {
    core::Origin at = v.origin;
    at.kind = core::Origin::Kind::NativeRule;
    at.native_id = v.name;
    if (v.name.empty()) {
      diags_.error(codes::kBadRule, at, "a firewall rule needs a value name: its rule id");
      return;
    }
    if (v.type != RegValue::Type::String) {
      diags_.error(codes::kBadRule, at, fmt::format("rule `{}` must be a REG_SZ string", v.name));
      return;
    }
    auto rule = parse_rule_string(v.name, v.text, at, k.group_policy, diags_);
    if (!rule) return;
    auto [it, inserted] = rule_index_.emplace(std::pair{k.group_policy, v.name}, rules_.size());
    if (inserted) {
      rules_.push_back(std::move(*rule));
    } else {
      rules_[it->second] = std::move(*rule);  // as regedit imports it: the later value wins
    }
    return;
  }
  if (k.group_policy) {
    switch (k.role) {
      case Role::Domain: setting(gp_[0], v, "GP " + where); break;
      case Role::Private: setting(gp_[1], v, "GP " + where); break;
      case Role::Public: setting(gp_[2], v, "GP " + where); break;
      case Role::Standard: setting(gp_standard_, v, "GP " + where); break;
      case Role::Rules: break;
    }
  } else {
    switch (k.role) {
      case Role::Domain: setting(local_[0], v, where); break;
      case Role::Standard:  // the local store keeps the private profile here
      case Role::Private: setting(local_[1], v, where); break;
      case Role::Public: setting(local_[2], v, where); break;
      case Role::Rules: break;
    }
  }
}

std::optional<FirewallInput> StoreCollector::finish(const std::string& format) {
  if (!any_key_) {
    diags_.error(
        codes::kEmpty, core::Origin::native_line(file_, 0),
        fmt::format("the {} holds no Windows Firewall key (FirewallRules, DomainProfile, StandardProfile, "
                    "PrivateProfile, PublicProfile)",
                    format));
    return std::nullopt;
  }
  FirewallInput in;
  in.format = format;
  in.rules = std::move(rules_);
  in.local = local_;
  in.group_policy = gp_;
  // MS-GPFAS 2.2.3: the Group Policy StandardProfile applies to the private
  // and public profiles when neither PrivateProfile nor PublicProfile exists.
  if (!gp_private_or_public_ && gp_standard_.any()) {
    in.group_policy[1] = gp_standard_;
    in.group_policy[2] = gp_standard_;
  }
  in.has_settings = has_settings_;
  return in;
}

// ---- .reg exports -----------------------------------------------------------

namespace {

// A `"..."` string of a .reg line starting at `pos` (at the quote): `\\`
// and `\"` are escapes. Returns the end (after the closing quote).
std::optional<size_t> reg_string(std::string_view line, size_t pos, std::string& out) {
  ++pos;
  while (pos < line.size()) {
    char c = line[pos];
    if (c == '\\' && pos + 1 < line.size() && (line[pos + 1] == '\\' || line[pos + 1] == '"')) {
      out += line[pos + 1];
      pos += 2;
      continue;
    }
    if (c == '"') return pos + 1;
    out += c;
    ++pos;
  }
  return std::nullopt;
}

std::optional<std::string> utf16le_bytes(const std::vector<uint8_t>& bytes) {
  std::string raw(bytes.begin(), bytes.end());
  while (raw.size() >= 2 && raw[raw.size() - 1] == 0 && raw[raw.size() - 2] == 0) raw.resize(raw.size() - 2);
  if (raw.empty()) return std::string();
  core::Diagnostics scratch;
  return decode_text("\xFF\xFE" + raw, "", scratch);
}

}  // namespace

void read_reg_text(std::string_view text, StoreCollector& collector, const std::string& file,
                   core::Diagnostics& diags) {
  auto lines = split_lines(text);
  size_t i = 0;
  while (i < lines.size() && trim(lines[i]).empty()) ++i;
  if (i == lines.size() ||
      (trim(lines[i]) != "Windows Registry Editor Version 5.00" && trim(lines[i]) != "REGEDIT4")) {
    diags.error(codes::kSyntax, core::Origin::native_line(file, uint32_t(i < lines.size() ? i + 1 : 1)),
                "a .reg export starts with `Windows Registry Editor Version 5.00` (or `REGEDIT4`)");
    return;
  }
  bool in_key = false, deleted = false;
  for (++i; i < lines.size(); ++i) {
    const auto line_no = uint32_t(i + 1);
    std::string_view raw = lines[i];
    std::string_view line = trim(raw);
    auto at = [&](size_t col = 0) { return core::Origin::native_line(file, line_no, uint32_t(col)); };
    if (line.empty() || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        diags.error(codes::kSyntax, at(1), "a key line is `[PATH]`");
        in_key = false;
        continue;
      }
      std::string_view path = line.substr(1, line.size() - 2);
      deleted = !path.empty() && path.front() == '-';
      in_key = !deleted && collector.key(std::string(path));
      continue;
    }
    // A value: "NAME"=DATA or @=DATA.
    RegValue v;
    size_t pos = 0;
    if (line.front() == '@') {
      pos = 1;
    } else if (line.front() == '"') {
      auto end = reg_string(line, 0, v.name);
      if (!end) {
        diags.error(codes::kSyntax, at(1), "the value name's closing `\"` is missing");
        continue;
      }
      pos = *end;
    } else {
      diags.error(codes::kSyntax, at(1),
                  "expected a key `[PATH]`, a value `\"NAME\"=DATA`, or a `;` comment");
      continue;
    }
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    if (pos >= line.size() || line[pos] != '=') {
      diags.error(codes::kSyntax, at(pos + 1), "expected `=` after the value name");
      continue;
    }
    ++pos;
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    std::string_view data = line.substr(pos);
    v.origin = at();
    if (!data.empty() && data.front() == '"') {
      std::string s;
      auto end = reg_string(data, 0, s);
      if (!end || !trim(data.substr(*end)).empty()) {
        diags.error(codes::kSyntax, at(pos + 1),
                    end ? "text after the closing `\"` of a string value"
                        : "the string value's closing `\"` is missing");
        continue;
      }
      v.type = RegValue::Type::String;
      v.text = std::move(s);
    } else if (istarts_with(data, "dword:")) {
      std::string_view hex = trim(data.substr(6));
      uint32_t n = 0;
      bool ok = !hex.empty() && hex.size() <= 8;
      for (char c : hex) {
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) ok = false;
        n = (n << 4) | uint32_t(d < 0 ? 0 : d);
      }
      if (!ok) {
        diags.error(codes::kSyntax, at(pos + 1), "a dword is `dword:` and up to 8 hex digits");
        continue;
      }
      v.type = RegValue::Type::Dword;
      v.dword = n;
    } else if (istarts_with(data, "hex")) {
      // hex:..., hex(N):... with `\` continuation lines.
      auto colon = data.find(':');
      std::string_view kind = data.substr(0, colon);
      std::string bytes_text(colon == std::string_view::npos ? std::string_view() : data.substr(colon + 1));
      while (!bytes_text.empty() && trim(bytes_text).back() == '\\' && i + 1 < lines.size()) {
        bytes_text = std::string(trim(bytes_text));
        bytes_text.pop_back();
        bytes_text += trim(lines[++i]);
      }
      std::vector<uint8_t> bytes;
      bool ok = colon != std::string_view::npos;
      if (!trim(bytes_text).empty()) {
        for (const auto& part : split(bytes_text, ',')) {
          if (part.empty() || part.size() > 2 ||
              part.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
            ok = false;
            break;
          }
          bytes.push_back(uint8_t(std::stoul(part, nullptr, 16)));
        }
      }
      if (!ok) {
        diags.error(codes::kSyntax, at(pos + 1), "hex data is `hex:` or `hex(N):` and comma-separated bytes");
        continue;
      }
      if (kind == "hex(1)" || kind == "hex(2)") {  // REG_SZ, REG_EXPAND_SZ as UTF-16LE bytes
        if (auto s = utf16le_bytes(bytes)) {
          v.type = RegValue::Type::String;
          v.text = *s;
        }
      } else if (kind == "hex(4)" && bytes.size() == 4) {  // REG_DWORD, little-endian
        v.type = RegValue::Type::Dword;
        v.dword = uint32_t(bytes[0]) | uint32_t(bytes[1]) << 8 | uint32_t(bytes[2]) << 16 |
                  uint32_t(bytes[3]) << 24;
      }
    } else if (data == "-") {
      continue;  // deletes the value
    } else {
      diags.error(codes::kSyntax, at(pos + 1), "a value is a `\"string\"`, `dword:...`, `hex:...` or `-`");
      continue;
    }
    if (in_key && !deleted) collector.value(std::move(v));
  }
}

}  // namespace rampart::importers::windows

namespace rampart::importers::windows {

core::ImportResult parse_reg(std::string_view bytes, const std::string& file) {
  core::ImportResult out;
  auto text = decode_text(bytes, file, out.diagnostics);
  if (!text) return out;
  StoreCollector collector(file, out.diagnostics);
  read_reg_text(*text, collector, file, out.diagnostics);
  if (out.diagnostics.has_errors()) return out;
  auto input = collector.finish("registry export");
  if (!input || out.diagnostics.has_errors()) return out;
  out = build_firewall(*input, file, std::move(out.diagnostics));
  out.fragment.source_files.push_back(file);
  return out;
}

}  // namespace rampart::importers::windows
