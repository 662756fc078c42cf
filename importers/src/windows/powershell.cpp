// `windows.powershell`: Get-NetFirewallRule joined with its port, address,
// application, service, interface-type and security filters, as JSON
// (ConvertTo-Json) or CSV (Export-Csv), with the profiles of
// Get-NetFirewallProfile in the JSON form
// (docs/importers/windows.md#powershell-exports).

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "rampart/importers/windows.h"
#include "windows/common.h"
#include "windows/firewall.h"

namespace rampart::importers::windows {

namespace {

using Json = nlohmann::json;

// One rule (or profile) as field name -> values, whatever the container.
struct Field {
  std::vector<std::string> values;  // a JSON array, or a cell split at `,` for list fields
  core::Origin origin;
};
struct Record {
  std::map<std::string, Field> fields;  // lower-case names
  core::Origin origin;
  const Field* get(const char* name) const {
    auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  }
  // The first value, or empty.
  std::string one(const char* name) const {
    const Field* f = get(name);
    return f && !f->values.empty() ? f->values.front() : std::string();
  }
};

const std::set<std::string>& list_fields() {
  static const std::set<std::string> kList = {"localport",     "remoteport", "icmptype",     "localaddress",
                                              "remoteaddress", "profile",    "interfacetype"};
  return kList;
}

std::string json_scalar(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  return {};
}

std::string pointer_escape(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

void add_cell(Record& r, const std::string& key, const std::string& text, const core::Origin& at) {
  Field f;
  f.origin = at;
  std::string k = lower(key);
  if (list_fields().count(k)) {
    for (auto& part : split(text, ',')) {
      if (!part.empty()) f.values.push_back(part);
    }
  } else if (!text.empty()) {
    f.values.push_back(text);
  }
  r.fields[k] = std::move(f);
}

Record record_of_json(const Json& obj, const std::string& file, const std::string& pointer) {
  Record r;
  r.origin = core::Origin::native_json(file, pointer);
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    core::Origin at = core::Origin::native_json(file, pointer + "/" + pointer_escape(it.key()));
    if (it.value().is_array()) {
      Field f;
      f.origin = at;
      for (const auto& e : it.value()) {
        std::string s = json_scalar(e);
        if (list_fields().count(lower(it.key()))) {
          for (auto& part : split(s, ',')) {
            if (!part.empty()) f.values.push_back(part);
          }
        } else if (!s.empty()) {
          f.values.push_back(s);
        }
      }
      r.fields[lower(it.key())] = std::move(f);
    } else {
      add_cell(r, it.key(), json_scalar(it.value()), at);
    }
  }
  return r;
}

// RFC 4180 CSV over the whole text (quoted fields may hold newlines).
struct CsvRow {
  std::vector<std::string> cells;
  uint32_t line = 0;
};
std::optional<std::vector<CsvRow>> parse_csv(std::string_view text, const std::string& file,
                                             core::Diagnostics& diags) {
  std::vector<CsvRow> rows;
  uint32_t line = 1;
  size_t i = 0;
  while (i < text.size()) {
    CsvRow row;
    row.line = line;
    std::string cell;
    bool quoted = false, was_quoted = false;
    while (i < text.size()) {
      char c = text[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            cell += '"';
            i += 2;
            continue;
          }
          quoted = false;
          ++i;
          continue;
        }
        if (c == '\n') ++line;
        cell += c;
        ++i;
        continue;
      }
      if (c == '"' && cell.empty() && !was_quoted) {
        quoted = was_quoted = true;
        ++i;
        continue;
      }
      if (c == ',') {
        row.cells.push_back(was_quoted ? cell : std::string(trim(cell)));
        cell.clear();
        was_quoted = false;
        ++i;
        continue;
      }
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
        continue;
      }
      if (c == '\n') {
        ++i;
        break;
      }
      if (was_quoted && c != ' ' && c != '\t' && c != '\r') {
        diags.error(codes::kSyntax, core::Origin::native_line(file, line),
                    "text after a closing `\"` in a CSV cell");
        return std::nullopt;
      }
      cell += c;
      ++i;
    }
    if (quoted) {
      diags.error(codes::kSyntax, core::Origin::native_line(file, row.line),
                  "a quoted CSV cell is not closed");
      return std::nullopt;
    }
    row.cells.push_back(was_quoted ? cell : std::string(trim(cell)));
    ++line;
    bool blank = row.cells.size() == 1 && row.cells[0].empty();
    if (!blank) rows.push_back(std::move(row));
  }
  return rows;
}

class Reader {
 public:
  Reader(const std::string& file, core::Diagnostics& diags) : file_(file), diags_(diags) {}

  void bad(const core::Origin& at, std::string message) {
    diags_.error(codes::kBadRule, at, std::move(message));
  }

  const core::Origin& where(const Record& r, const char* name) const {
    const Field* f = r.get(name);
    return f ? f->origin : r.origin;
  }

  static bool is_any(const std::string& v) { return v.empty() || iequals(v, "Any") || v == "*"; }

  std::optional<WinRule> rule(const Record& r) {
    WinRule w;
    w.id = r.one("name");
    w.name = r.one("displayname");
    if (w.id.empty()) w.id = w.name;
    w.group = r.one("displaygroup");
    if (w.group.empty()) w.group = r.one("group");
    w.origin = r.origin;
    w.origin.kind = core::Origin::Kind::NativeRule;
    w.origin.native_id = w.id;
    w.origin.native_name = w.name;
    size_t errors = diags_.error_count();
    if (w.id.empty()) bad(r.origin, "a rule needs `Name` (its rule id) or `DisplayName`");

    std::string enabled = r.one("enabled");
    if (iequals(enabled, "True") || enabled == "1")
      w.active = true;
    else if (iequals(enabled, "False") || enabled == "2")
      w.active = false;
    else
      bad(where(r, "enabled"), fmt::format("`Enabled` is True or False; got `{}`", enabled));

    std::string dir = r.one("direction");
    if (iequals(dir, "Inbound") || iequals(dir, "In") || dir == "1")
      w.inbound = true;
    else if (iequals(dir, "Outbound") || iequals(dir, "Out") || dir == "2")
      w.inbound = false;
    else
      bad(where(r, "direction"), fmt::format("`Direction` is Inbound or Outbound; got `{}`", dir));

    std::string action = r.one("action");
    if (iequals(action, "Allow") || action == "2")
      w.action = core::Action::Allow;
    else if (iequals(action, "Block") || action == "4")
      w.action = core::Action::Deny;
    else
      bad(where(r, "action"), fmt::format("`Action` is Allow or Block; got `{}`", action));

    if (const Field* f = r.get("profile")) {
      unsigned bits = 0;
      for (const auto& v : f->values) {
        if (iequals(v, "Any") || v == "0")
          bits = kAllProfiles;
        else if (iequals(v, "Domain"))
          bits |= kDomain;
        else if (iequals(v, "Private"))
          bits |= kPrivate;
        else if (iequals(v, "Public"))
          bits |= kPublic;
        else if (auto n = to_number(v, 7))
          bits |= unsigned(*n);
        else
          bad(f->origin, fmt::format("`Profile` names Any, Domain, Private or Public; got `{}`", v));
      }
      w.profiles = bits ? bits : kAllProfiles;
    }
    std::string store = r.one("policystoresourcetype");
    w.group_policy = !(iequals(store, "Local") || store == "1");

    std::string proto = r.one("protocol");
    if (!is_any(proto)) {
      if (iequals(proto, "TCP"))
        w.protocol = core::proto::kTcp;
      else if (iequals(proto, "UDP"))
        w.protocol = core::proto::kUdp;
      else if (iequals(proto, "ICMPv4"))
        w.protocol = core::proto::kIcmp;
      else if (iequals(proto, "ICMPv6"))
        w.protocol = core::proto::kIcmpV6;
      else if (auto n = to_number(proto, 255))
        w.protocol = uint8_t(*n);
      else
        bad(where(r, "protocol"),
            fmt::format("`Protocol` is TCP, UDP, ICMPv4, ICMPv6, Any or 0-255; got `{}`", proto));
    }
    ports(r, "localport", w.local_ports);
    ports(r, "remoteport", w.remote_ports);
    if (const Field* f = r.get("icmptype")) {
      for (const auto& v : f->values) {
        if (is_any(v)) continue;
        auto colon = v.find(':');
        auto type = to_number(trim(std::string_view(v).substr(0, colon)), 255);
        std::string code_text =
            colon == std::string::npos ? "*" : std::string(trim(std::string_view(v).substr(colon + 1)));
        auto code = code_text == "*" || iequals(code_text, "Any") ? std::nullopt : to_number(code_text, 255);
        if (!type || (!code && code_text != "*" && !iequals(code_text, "Any"))) {
          bad(f->origin, fmt::format("`IcmpType` entries are TYPE or TYPE:CODE; got `{}`", v));
          continue;
        }
        w.icmp.push_back(
            IcmpEntry{uint8_t(*type), code ? std::optional<uint8_t>(uint8_t(*code)) : std::nullopt});
      }
    }
    addresses(r, "localaddress", w.local);
    addresses(r, "remoteaddress", w.remote);
    if (std::string p = r.one("program"); !is_any(p)) w.program = normalise_program(p);
    if (std::string s = r.one("service"); !s.empty() && !iequals(s, "Any")) w.service = s;
    auto cond = [&](const char* field, const char* prefix, const char* description) {
      std::string v = r.one(field);
      if (is_any(v) || iequals(v, "NotRequired") || v == "0" || iequals(v, "False")) return false;
      w.conditions.push_back(Condition{fmt::format("windows.{}:{}", prefix, v), description});
      return true;
    };
    cond("package", "package", "the local process is the rule's app package");
    if (std::string it = r.one("interfacetype"); !is_any(it) && it != "0") {
      std::string names;
      for (const auto& v : r.get("interfacetype")->values) names += (names.empty() ? "" : ",") + v;
      w.conditions.push_back(Condition{fmt::format("windows.iftype:{}", names),
                                       fmt::format("the packet's interface is of type {}", names)});
    }
    bool secured = false;
    std::string auth = r.one("authentication");
    if (iequals(auth, "Required") || auth == "1") {
      secured = true;
      w.conditions.push_back(
          Condition{"windows.security:Authenticate",
                    "the connection is secured with IPsec as `Authentication=Required` requires"});
    } else if (iequals(auth, "NoEncap") || auth == "2") {
      secured = true;
      w.conditions.push_back(
          Condition{"windows.security:An-NoEncap",
                    "the connection is secured with IPsec as `Authentication=NoEncap` requires"});
    }
    std::string enc = r.one("encryption");
    if (iequals(enc, "Required") || enc == "1") {
      secured = true;
      w.conditions.push_back(
          Condition{"windows.security:AuthenticateEncrypt",
                    "the connection is encrypted with IPsec as `Encryption=Required` requires"});
    } else if (iequals(enc, "Dynamic") || enc == "2") {
      secured = true;
      w.conditions.push_back(
          Condition{"windows.security:AnE-Nego",
                    "the connection is secured with IPsec as `Encryption=Dynamic` requires"});
    }
    cond("remotemachine", "rmauth", "the remote machine is authorised by the rule's remote machine list");
    cond("remoteuser", "ruauth", "the remote user is authorised by the rule's remote user list");
    cond("localuser", "luauth", "the local user is authorised by the rule's local user list");
    std::string over = r.one("overrideblockrules");
    if ((iequals(over, "True") || over == "1") && w.action == core::Action::Allow) {
      if (!secured) {
        bad(where(r, "overrideblockrules"),
            "`OverrideBlockRules` needs `Authentication` or `Encryption` required");
      }
      w.action = core::Action::Bypass;
    }
    if (std::string lom = r.one("localonlymapping"); iequals(lom, "True") || lom == "1")
      w.local_only_mapped = true;
    if (diags_.error_count() != errors) return std::nullopt;
    if (!check_rule(w, w.origin, diags_)) return std::nullopt;
    return w;
  }

  void ports(const Record& r, const char* name, PortList& out) {
    const Field* f = r.get(name);
    if (!f) return;
    for (const auto& v : f->values) {
      if (is_any(v)) continue;
      std::string err;
      if (auto range = parse_port_range(v, err)) {
        out.present = true;
        out.ports.add(range->first, range->second);
      } else if (!err.empty()) {
        bad(f->origin, err);
      } else if (auto k = port_keyword(v)) {
        out.present = true;
        out.keywords.push_back(*k);
      } else {
        diags_.warning(codes::kUnknownToken, f->origin,
                       fmt::format("unknown port keyword `{}`; the rule's match is unknown", v));
        out.present = true;
        out.keywords.push_back(v);
      }
    }
  }

  void addresses(const Record& r, const char* name, AddressList& out) {
    const Field* f = r.get(name);
    if (!f) return;
    for (const auto& v : f->values) {
      if (is_any(v)) continue;
      if (auto k = address_keyword(v)) {
        out.add_keyword(k->symbol, k->family);
        continue;
      }
      std::string err;
      auto set = parse_address_item(v, err);
      if (!set) {
        bad(f->origin, err);
        continue;
      }
      out.present = true;
      out.items = out.items.unite(*set);
    }
  }

  void profile(const Record& r, FirewallInput& in) {
    std::string name = r.one("name");
    int p = iequals(name, "Domain") ? 0 : iequals(name, "Private") ? 1 : iequals(name, "Public") ? 2 : -1;
    if (p < 0) {
      diags_.error(codes::kBadSetting, where(r, "name"),
                   fmt::format("a profile is Domain, Private or Public; got `{}`", name));
      return;
    }
    ProfileSettings& s = in.group_policy[size_t(p)];
    // GpoBoolean: False 0, True 1, NotConfigured 2. Action: NotConfigured 0, Allow 2, Block 4.
    auto boolean = [&](const char* field, std::optional<bool>& out, core::Origin& at, bool invert) {
      const Field* f = r.get(field);
      if (!f || f->values.empty()) return;
      const std::string& v = f->values.front();
      std::optional<bool> b;
      if (iequals(v, "True") || v == "1")
        b = true;
      else if (iequals(v, "False") || v == "0")
        b = false;
      else if (iequals(v, "NotConfigured") || v == "2")
        return;
      else {
        diags_.error(codes::kBadSetting, f->origin,
                     fmt::format("`{}` is True, False or NotConfigured; got `{}`", field, v));
        return;
      }
      out = invert ? !*b : *b;
      at = f->origin;
      in.has_settings = true;
    };
    auto action = [&](const char* field, std::optional<bool>& out, core::Origin& at) {
      const Field* f = r.get(field);
      if (!f || f->values.empty()) return;
      const std::string& v = f->values.front();
      if (iequals(v, "Block") || v == "4")
        out = true;
      else if (iequals(v, "Allow") || v == "2")
        out = false;
      else if (iequals(v, "NotConfigured") || v == "0")
        return;
      else {
        diags_.error(codes::kBadSetting, f->origin,
                     fmt::format("`{}` is Allow, Block or NotConfigured; got `{}`", field, v));
        return;
      }
      at = f->origin;
      in.has_settings = true;
    };
    boolean("enabled", s.enabled, s.enabled_at, false);
    action("defaultinboundaction", s.block_inbound, s.inbound_at);
    action("defaultoutboundaction", s.block_outbound, s.outbound_at);
    boolean("allowinboundrules", s.shielded, s.shielded_at, true);  // AllowInboundRules=False: block all
    boolean("allowlocalfirewallrules", s.allow_local_rules, s.merge_at, false);
  }

 private:
  const std::string& file_;
  core::Diagnostics& diags_;
};

}  // namespace

core::ImportResult parse_powershell(std::string_view bytes, const std::string& file) {
  core::ImportResult out;
  auto text = decode_text(bytes, file, out.diagnostics);
  if (!text) return out;
  FirewallInput in;
  in.format = "PowerShell export";
  Reader reader(file, out.diagnostics);
  std::string_view body = trim(*text);
  if (!body.empty() && (body.front() == '[' || body.front() == '{')) {
    auto parsed = parse_json(body, file, out.diagnostics);
    if (!parsed) return out;
    Json doc = std::move(*parsed);
    const Json* rules = &doc;
    std::string base;
    if (doc.is_object()) {
      auto find = [&](const char* key) -> const Json* {
        for (auto it = doc.begin(); it != doc.end(); ++it) {
          if (iequals(it.key(), key)) return &it.value();
        }
        return nullptr;
      };
      if (const Json* r = find("Rules")) {
        rules = r;
        base = "/Rules";
        if (const Json* profiles = find("Profiles")) {
          Json list = profiles->is_array() ? *profiles : Json::array({*profiles});
          for (size_t i = 0; i < list.size(); ++i) {
            if (!list[i].is_object()) {
              out.diagnostics.error(codes::kSyntax,
                                    core::Origin::native_json(file, fmt::format("/Profiles/{}", i)),
                                    "a profile is a JSON object");
              continue;
            }
            reader.profile(record_of_json(list[i], file, fmt::format("/Profiles/{}", i)), in);
          }
        }
      }
    }
    // ConvertTo-Json writes one rule as an object, several as an array.
    Json list = rules->is_array() ? *rules : Json::array({*rules});
    for (size_t i = 0; i < list.size(); ++i) {
      std::string pointer = fmt::format("{}/{}", base, i);
      if (rules->is_object()) pointer = base;
      if (!list[i].is_object()) {
        out.diagnostics.error(codes::kSyntax, core::Origin::native_json(file, pointer),
                              "a rule is a JSON object");
        continue;
      }
      if (auto w = reader.rule(record_of_json(list[i], file, pointer))) in.rules.push_back(std::move(*w));
    }
  } else {
    auto rows = parse_csv(*text, file, out.diagnostics);
    if (!rows) return out;
    size_t first = 0;
    if (!rows->empty() && !rows->front().cells.empty() && istarts_with(rows->front().cells[0], "#TYPE"))
      first = 1;
    if (rows->size() <= first) {
      out.diagnostics.error(codes::kEmpty, core::Origin::native_line(file, 1),
                            "the CSV export has no header row");
      return out;
    }
    const CsvRow& header = (*rows)[first];
    for (const char* required : {"Enabled", "Direction", "Action"}) {
      bool found = false;
      for (const auto& h : header.cells) found = found || iequals(h, required);
      if (!found) {
        out.diagnostics.error(
            codes::kSyntax, core::Origin::native_line(file, header.line),
            fmt::format("the CSV header has no `{}` column: is this a Get-NetFirewallRule export?",
                        required));
      }
    }
    if (out.diagnostics.has_errors()) return out;
    for (size_t i = first + 1; i < rows->size(); ++i) {
      const CsvRow& row = (*rows)[i];
      if (row.cells.size() != header.cells.size()) {
        out.diagnostics.error(
            codes::kSyntax, core::Origin::native_line(file, row.line),
            fmt::format("this row has {} cells; the header has {}", row.cells.size(), header.cells.size()));
        continue;
      }
      // Every cell is located at the row's line and the rule's id.
      std::string id;
      for (size_t c = 0; c < row.cells.size(); ++c) {
        if (iequals(header.cells[c], "Name") || (id.empty() && iequals(header.cells[c], "DisplayName"))) {
          id = row.cells[c];
        }
      }
      Record r;
      r.origin = id.empty() ? core::Origin::native_line(file, row.line) : core::Origin::native_rule(file, id);
      r.origin.line = row.line;
      for (size_t c = 0; c < row.cells.size(); ++c) add_cell(r, header.cells[c], row.cells[c], r.origin);
      if (auto w = reader.rule(r)) {
        w->origin.line = row.line;
        in.rules.push_back(std::move(*w));
      }
    }
  }
  if (out.diagnostics.has_errors()) return out;
  if (in.rules.empty() && !in.has_settings) {
    out.diagnostics.error(codes::kEmpty, core::Origin::native_line(file, 0),
                          "the export holds no firewall rule");
    return out;
  }
  if (!in.has_settings) {
    out.diagnostics.warning(
        codes::kNotModelled, core::Origin::native_line(file, 0),
        "the export holds no profile settings: every profile is taken as Windows' default "
        "(on, inbound blocked, outbound allowed)");
  }
  out = build_firewall(in, file, std::move(out.diagnostics));
  out.fragment.source_files.push_back(file);
  return out;
}

}  // namespace rampart::importers::windows
