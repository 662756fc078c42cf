// Windows Firewall: registry rule strings (MS-GPFAS 2.2.2.19) and the
// translation of every export's rules and profile settings into one
// block-overrides-allow filter per profile
// (docs/semantics/windows-firewall.md).

#include "windows/firewall.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "windows/common.h"

namespace rampart::importers::windows {

namespace {

using core::Family;

// ---- rule strings ------------------------------------------------------------

enum class Token {
  Action,
  Dir,
  Profile,
  Protocol,
  LPort,
  RPort,
  LPort2_10,
  RPort2_10,
  LPort2_20,
  Security,
  Security2_9,
  Security2,
  IF,
  IFType,
  App,
  Svc,
  LA4,
  RA4,
  LA6,
  RA6,
  RA42,
  RA62,
  Name,
  Desc,
  EmbedCtxt,
  Edge,
  Defer,
  LSM,
  Active,
  ICMP4,
  ICMP6,
  Platform,
  Platform2,
  RMAuth,
  RUAuth,
  AuthByPassOut,
  SkipVer,
  LOM,
  PCross,
  LUAuth,
  LUOwn,
  AppPkgId,
  TTK,
  TTK2_22,
  TTK2_27,
  TTK2_28,
  LUAuth2_24,
  NNm,
  SecurityRealmId,
};

// Every token of MS-GPFAS 2.2.2.19 (ABNF strings are case-insensitive).
const std::map<std::string, Token>& tokens() {
  static const std::map<std::string, Token> kTokens = {
      {"action", Token::Action},
      {"dir", Token::Dir},
      {"profile", Token::Profile},
      {"protocol", Token::Protocol},
      {"lport", Token::LPort},
      {"rport", Token::RPort},
      {"lport2_10", Token::LPort2_10},
      {"rport2_10", Token::RPort2_10},
      {"lport2_20", Token::LPort2_20},
      {"security", Token::Security},
      {"security2_9", Token::Security2_9},
      {"security2", Token::Security2},
      {"if", Token::IF},
      {"iftype", Token::IFType},
      {"app", Token::App},
      {"svc", Token::Svc},
      {"la4", Token::LA4},
      {"ra4", Token::RA4},
      {"la6", Token::LA6},
      {"ra6", Token::RA6},
      {"ra42", Token::RA42},
      {"ra62", Token::RA62},
      {"name", Token::Name},
      {"desc", Token::Desc},
      {"embedctxt", Token::EmbedCtxt},
      {"edge", Token::Edge},
      {"defer", Token::Defer},
      {"lsm", Token::LSM},
      {"active", Token::Active},
      {"icmp4", Token::ICMP4},
      {"icmp6", Token::ICMP6},
      {"platform", Token::Platform},
      {"platform2", Token::Platform2},
      {"rmauth", Token::RMAuth},
      {"ruauth", Token::RUAuth},
      {"authbypassout", Token::AuthByPassOut},
      {"skipver", Token::SkipVer},
      {"lom", Token::LOM},
      {"pcross", Token::PCross},
      {"luauth", Token::LUAuth},
      {"luown", Token::LUOwn},
      {"apppkgid", Token::AppPkgId},
      {"ttk", Token::TTK},
      {"ttk2_22", Token::TTK2_22},
      {"ttk2_27", Token::TTK2_27},
      {"ttk2_28", Token::TTK2_28},
      {"luauth2_24", Token::LUAuth2_24},
      {"nnm", Token::NNm},
      {"securityrealmid", Token::SecurityRealmId},
  };
  return kTokens;
}

// Tokens that MUST appear at most once (MS-GPFAS 2.2.2.19).
bool single(Token t) {
  switch (t) {
    case Token::Action:
    case Token::Dir:
    case Token::Protocol:
    case Token::Security:
    case Token::Security2_9:
    case Token::Security2:
    case Token::App:
    case Token::Svc:
    case Token::Name:
    case Token::Desc:
    case Token::EmbedCtxt:
    case Token::Edge:
    case Token::Defer:
    case Token::LSM:
    case Token::Active:
    case Token::RMAuth:
    case Token::RUAuth:
    case Token::AuthByPassOut:
    case Token::LOM:
    case Token::PCross:
    case Token::LUAuth:
    case Token::LUOwn:
    case Token::AppPkgId:
    case Token::LUAuth2_24:
    case Token::NNm:
    case Token::SecurityRealmId:
    case Token::Platform2:
    case Token::SkipVer: return true;
    default: return false;
  }
}

bool is_version(std::string_view v) {
  auto dot = v.find('.');
  if (dot == std::string_view::npos) return false;
  return to_number(v.substr(0, dot), 255) && to_number(v.substr(dot + 1), 255) && dot <= 3 &&
         v.size() - dot - 1 <= 3;
}

class RuleParser {
 public:
  RuleParser(const std::string& id, const core::Origin& origin, bool gp, core::Diagnostics& diags)
      : origin_(origin), diags_(diags) {
    rule_.id = id;
    rule_.origin = origin;
    rule_.group_policy = gp;
  }

  std::optional<WinRule> run(std::string_view data) {
    // RULE = "v" VERSION "|" 1*FIELD, FIELD = TYPE-VALUE "|"
    auto bar = data.find('|');
    std::string_view version = data.substr(0, bar);
    if (version.empty() || (version[0] != 'v' && version[0] != 'V') || !is_version(version.substr(1))) {
      error(fmt::format("a rule string starts with its version, like `v2.33|`; got `{}`",
                        std::string(version.substr(0, 40))));
      return std::nullopt;
    }
    if (bar == std::string_view::npos) {
      error("the rule string has no fields after its version");
      return std::nullopt;
    }
    std::string_view rest = data.substr(bar + 1);
    size_t pos = 0;
    while (pos < rest.size()) {
      size_t end = rest.find('|', pos);
      std::string_view field =
          rest.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
      pos = end == std::string_view::npos ? rest.size() : end + 1;
      if (field.empty()) continue;  // `||`: tolerated
      // The grammar ends every field with `|`; a missing last one is accepted.
      this->field(field);
    }
    if (!saw_action_) error("the rule has no `Action=` token");
    if (!saw_dir_) error("the rule has no `Dir=` token");
    if (failed_) return std::nullopt;
    if (authbypassout_ && !rule_.inbound && rule_.action == core::Action::Allow && secured_) {
      rule_.action = core::Action::Bypass;  // FW_RULE_FLAGS_AUTHENTICATE_BYPASS_OUTBOUND
    }
    if (rule_.action == core::Action::Bypass && !secured_) {
      error(
          "a `Action=ByPass` rule needs `Security=Authenticate` or `Security=AuthenticateEncrypt` (MS-FASP "
          "2.2.34)");
      return std::nullopt;
    }
    if (icmp4_ && rule_.protocol != core::proto::kIcmp) {
      error("`ICMP4=` needs `Protocol=1`");
      return std::nullopt;
    }
    if (icmp6_ && rule_.protocol != core::proto::kIcmpV6) {
      error("`ICMP6=` needs `Protocol=58`");
      return std::nullopt;
    }
    if (!check_rule(rule_, origin_, diags_)) return std::nullopt;
    // Interface, interface type and platform conditions are known only at
    // the end of the string.
    finish_conditions();
    return std::move(rule_);
  }

 private:
  void error(std::string message) {
    diags_.error(codes::kBadRule, origin_, std::move(message));
    failed_ = true;
  }
  void bad(std::string_view field, std::string why) { error(fmt::format("`{}`: {}", field, why)); }

  void condition(std::string name, std::string description) {
    for (const auto& c : rule_.conditions) {
      if (c.name == name) return;
    }
    rule_.conditions.push_back(Condition{std::move(name), std::move(description)});
  }

  std::optional<bool> boolean(std::string_view field, std::string_view v) {
    if (iequals(v, "TRUE")) return true;
    if (iequals(v, "FALSE")) return false;
    bad(field, "expected `TRUE` or `FALSE`");
    return std::nullopt;
  }

  void ports(std::string_view field, std::string_view v, bool local) {
    PortList& list = local ? rule_.local_ports : rule_.remote_ports;
    std::string err;
    if (auto r = parse_port_range(v, err)) {
      list.present = true;
      list.ports.add(r->first, r->second);
      return;
    }
    if (!err.empty()) return bad(field, err);
    if (auto k = port_keyword(v)) {
      list.present = true;
      if (std::find(list.keywords.begin(), list.keywords.end(), *k) == list.keywords.end())
        list.keywords.push_back(*k);
      return;
    }
    // A word no version of the grammar rampart knows defines: a port
    // keyword of a later Windows. The rule matches only where it holds.
    diags_.warning(codes::kUnknownToken, origin_,
                   fmt::format("`{}`: unknown port keyword `{}`; the rule's match is unknown", field, v));
    list.present = true;
    list.keywords.push_back(std::string(v));
  }

  void addresses(std::string_view field, std::string_view v, Family family, bool local, bool keywords,
                 bool items) {
    AddressList& list = local ? rule_.local : rule_.remote;
    if (keywords) {
      if (auto k = address_keyword(v); k && !k->family) {
        list.add_keyword(k->symbol, family);
        return;
      }
    }
    if (!items)
      return bad(field,
                 "expected an address keyword (IntrAnet, IntErnet, Ply2Renders, RmtIntrAnet, CaptivePortal)");
    std::string err;
    auto set = family == Family::V4 ? parse_v4_item(v, err) : parse_v6_item(v, err);
    if (!set) return bad(field, err);
    list.present = true;
    list.items = list.items.unite(*set);
  }

  void icmp(std::string_view field, std::string_view v, uint8_t protocol) {
    auto colon = v.find(':');
    auto type = to_number(v.substr(0, colon), 255);
    std::string_view code_text = colon == std::string_view::npos ? std::string_view() : v.substr(colon + 1);
    std::optional<uint64_t> code;
    if (code_text != "*") code = to_number(code_text, 255);
    if (!type || colon == std::string_view::npos || (code_text != "*" && !code)) {
      return bad(field, "expected an ICMP `TYPE:CODE` (0-255, the code may be `*`)");
    }
    rule_.icmp.push_back(
        IcmpEntry{uint8_t(*type), code ? std::optional<uint8_t>(uint8_t(*code)) : std::nullopt});
    (protocol == core::proto::kIcmp ? icmp4_ : icmp6_) = true;
  }

  void field(std::string_view field) {
    auto eq = field.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return bad(field, "a field is `TOKEN=VALUE`");
    }
    std::string_view name = field.substr(0, eq);
    std::string_view v = field.substr(eq + 1);
    auto it = tokens().find(lower(name));
    if (it == tokens().end()) {
      // A token of a later version of the grammar. Its meaning is not
      // known, so the rule matches only where it holds (an unknown).
      diags_.warning(
          codes::kUnknownToken, origin_,
          fmt::format("unknown token `{}` in rule `{}`; the rule's match is unknown", field, rule_.id));
      condition(fmt::format("windows.token:{}", field),
                fmt::format("rule token `{}` (not in MS-GPFAS 2.2.2.19) holds", field));
      return;
    }
    Token t = it->second;
    if (single(t) && !seen_.insert(t).second) {
      return bad(field, fmt::format("`{}=` may appear once in a rule", name));
    }
    switch (t) {
      case Token::Action:
        saw_action_ = true;
        if (iequals(v, "Allow"))
          rule_.action = core::Action::Allow;
        else if (iequals(v, "Block"))
          rule_.action = core::Action::Deny;
        else if (iequals(v, "ByPass"))
          rule_.action = core::Action::Bypass;
        else
          bad(field, "expected `Allow`, `Block` or `ByPass`");
        break;
      case Token::Dir:
        saw_dir_ = true;
        if (iequals(v, "In"))
          rule_.inbound = true;
        else if (iequals(v, "Out"))
          rule_.inbound = false;
        else
          bad(field, "expected `In` or `Out`");
        break;
      case Token::Profile: {
        unsigned bit = iequals(v, "Domain")    ? kDomain
                       : iequals(v, "Private") ? kPrivate
                       : iequals(v, "Public")  ? kPublic
                                               : 0;
        if (!bit) return bad(field, "expected `Domain`, `Private` or `Public`");
        if (!saw_profile_) rule_.profiles = 0;
        saw_profile_ = true;
        rule_.profiles |= bit;
        break;
      }
      case Token::Protocol: {
        auto n = to_number(v, 255);
        if (!n || v.size() > 3) return bad(field, "expected a protocol number (0-255)");
        rule_.protocol = uint8_t(*n);
        break;
      }
      case Token::LPort:
      case Token::LPort2_10:
      case Token::LPort2_20: ports(field, v, true); break;
      case Token::RPort:
      case Token::RPort2_10: ports(field, v, false); break;
      case Token::Security:
      case Token::Security2_9:
      case Token::Security2: {
        static const std::set<std::string> kValues = {"authenticate", "authenticateencrypt", "an-noencap",
                                                      "ane-nego",     "authdynenc",          "authnoencap"};
        if (!kValues.count(lower(v))) {
          return bad(field, "expected `Authenticate`, `AuthenticateEncrypt`, `An-NoEncap` or `AnE-Nego`");
        }
        secured_ = true;
        condition(fmt::format("windows.security:{}", v),
                  fmt::format("the connection is secured with IPsec as `{}` requires", field));
        break;
      }
      case Token::IF: interfaces_.insert(std::string(v)); break;
      case Token::IFType: {
        static const std::set<std::string> kTypes = {"lan", "wireless", "remoteaccess"};
        if (!kTypes.count(lower(v))) return bad(field, "expected `Lan`, `Wireless` or `RemoteAccess`");
        if_types_.insert(std::string(v));
        break;
      }
      case Token::App:
        if (v.empty()) return bad(field, "a program path is empty");
        rule_.program = normalise_program(v);
        break;
      case Token::Svc:
        if (v.empty()) return bad(field, "a service name is empty");
        rule_.service = std::string(v);
        break;
      case Token::LA4: addresses(field, v, Family::V4, true, false, true); break;
      case Token::LA6: addresses(field, v, Family::V6, true, false, true); break;
      case Token::RA4: addresses(field, v, Family::V4, false, true, true); break;
      case Token::RA6: addresses(field, v, Family::V6, false, true, true); break;
      case Token::RA42: addresses(field, v, Family::V4, false, true, false); break;
      case Token::RA62: addresses(field, v, Family::V6, false, true, false); break;
      case Token::Name: rule_.name = std::string(v); break;
      case Token::Desc: break;
      case Token::EmbedCtxt: rule_.group = std::string(v); break;
      case Token::Edge:
        // Edge traversal widens an allow rule to traffic that crosses a NAT
        // edge (Teredo); the packets rampart reasons about arrive directly.
        boolean(field, v);
        break;
      case Token::Defer:
        if (!iequals(v, "App") && !iequals(v, "User")) bad(field, "expected `App` or `User`");
        break;
      case Token::LSM:
      case Token::PCross:
        boolean(field, v);  // reply handling; no effect on a connection's first packet
        break;
      case Token::LOM:
        if (auto b = boolean(field, v)) rule_.local_only_mapped = *b;
        break;
      case Token::AuthByPassOut:
        if (auto b = boolean(field, v)) authbypassout_ = *b;
        break;
      case Token::Active:
        if (auto b = boolean(field, v)) rule_.active = *b;
        break;
      case Token::ICMP4: icmp(field, v, core::proto::kIcmp); break;
      case Token::ICMP6: icmp(field, v, core::proto::kIcmpV6); break;
      case Token::Platform: {
        auto parts = split(v, ':');
        if (parts.size() != 3 || !to_number(parts[0], 7) || !to_number(parts[1], 255) ||
            !to_number(parts[2], 255)) {
          return bad(field, "expected `PLATFORM:MAJOR:MINOR`");
        }
        platforms_.push_back(std::string(v));
        break;
      }
      case Token::Platform2:
        if (!iequals(v, "GTEQ")) return bad(field, "expected `GTEQ`");
        platform_gteq_ = true;
        break;
      case Token::SkipVer:
        if (!is_version(v)) return bad(field, "expected a version `MAJOR.MINOR`");
        condition(
            fmt::format("windows.skipver:{}", v),
            fmt::format("this Windows is newer than version {} and does not skip the rule (`{}`)", v, field));
        break;
      case Token::RMAuth:
        condition(fmt::format("windows.rmauth:{}", v),
                  "the remote machine is authorised by the rule's remote machine list (RMAuth)");
        break;
      case Token::RUAuth:
        condition(fmt::format("windows.ruauth:{}", v),
                  "the remote user is authorised by the rule's list (RUAuth)");
        break;
      case Token::LUAuth:
      case Token::LUAuth2_24:
        condition(fmt::format("windows.luauth:{}", v),
                  "the local user is authorised by the rule's list (LUAuth)");
        break;
      case Token::LUOwn:
        condition(fmt::format("windows.luown:{}", v), "the local process runs as the rule's owner (LUOwn)");
        break;
      case Token::AppPkgId:
        condition(fmt::format("windows.package:{}", v),
                  "the local process is the rule's app package (AppPkgId)");
        break;
      case Token::TTK:
      case Token::TTK2_22:
      case Token::TTK2_27:
      case Token::TTK2_28:
        condition(fmt::format("windows.ttk:{}", v), fmt::format("the trust tuple keyword `{}` matches", v));
        break;
      case Token::NNm:
        condition(fmt::format("windows.network-name:{}", v), "the host is on the rule's named network (NNm)");
        break;
      case Token::SecurityRealmId:
        condition(fmt::format("windows.security-realm:{}", v),
                  "the connection is in the rule's security realm");
        break;
    }
  }

  void finish_conditions() {
    if (!interfaces_.empty()) {
      std::string names;
      for (const auto& i : interfaces_) names += (names.empty() ? "" : ",") + i;
      condition(fmt::format("windows.interface:{}", names),
                fmt::format("the packet uses interface {}", names));
    }
    if (!if_types_.empty()) {
      std::string names;
      for (const auto& i : if_types_) names += (names.empty() ? "" : ",") + i;
      condition(fmt::format("windows.iftype:{}", names),
                fmt::format("the packet's interface is of type {}", names));
    }
    if (!platforms_.empty()) {
      std::string names;
      for (const auto& p : platforms_) names += (names.empty() ? "" : ",") + p;
      if (platform_gteq_) names += "+";
      condition(fmt::format("windows.platform:{}", names),
                fmt::format("the host's Windows version is one the rule is valid for ({})", names));
    }
  }

  core::Origin origin_;
  core::Diagnostics& diags_;
  WinRule rule_;
  std::set<Token> seen_;
  bool failed_ = false, saw_action_ = false, saw_dir_ = false, saw_profile_ = false;
  bool secured_ = false, authbypassout_ = false, platform_gteq_ = false;
  bool icmp4_ = false, icmp6_ = false;
  std::set<std::string> interfaces_, if_types_;
  std::vector<std::string> platforms_;
};

// ---- translation -----------------------------------------------------------

// One side's ports as alternatives: the explicit ranges, and each keyword
// alone (a symbolic port set the host binds: `let ports RPC = ...;`).
struct PortAlternative {
  core::PortSet ports = core::PortSet::all();
  std::optional<std::string> keyword;
};

std::vector<PortAlternative> port_alternatives(const PortList& list) {
  if (!list.present) return {PortAlternative{}};
  std::vector<PortAlternative> out;
  if (!list.ports.empty()) out.push_back(PortAlternative{list.ports, std::nullopt});
  for (const auto& k : list.keywords) out.push_back(PortAlternative{core::PortSet::all(), k});
  return out;
}

struct AddressAlternative {
  std::optional<Family> family;
  core::AddressMatch local, remote;
};

std::vector<AddressAlternative> address_alternatives(const AddressList& local, const AddressList& remote) {
  auto same = [](const AddressList& a) { return !a.present || a.v4_keywords == a.v6_keywords; };
  auto match = [](const AddressList& a, std::optional<Family> f) {
    if (!a.present) return core::AddressMatch::any();
    core::AddressMatch m;
    m.set = f ? a.items.only(*f) : a.items;
    const auto& kw = f == Family::V6 ? a.v6_keywords : a.v4_keywords;
    m.symbols.assign(kw.begin(), kw.end());
    return m;
  };
  auto never = [](const core::AddressMatch& m) { return m.set.empty() && m.symbols.empty(); };
  if (same(local) && same(remote)) {
    AddressAlternative a{std::nullopt, match(local, std::nullopt), match(remote, std::nullopt)};
    if (never(a.local) || never(a.remote)) return {};
    return {a};
  }
  std::vector<AddressAlternative> out;
  for (Family f : {Family::V4, Family::V6}) {
    AddressAlternative a{f, match(local, f), match(remote, f)};
    if (never(a.local) || never(a.remote)) continue;
    out.push_back(std::move(a));
  }
  return out;
}

core::ServiceSet services(const WinRule& r, const core::PortSet& local_ports,
                          const core::PortSet& remote_ports) {
  if (!r.protocol) return core::ServiceSet::any();
  uint8_t p = *r.protocol;
  if (core::has_icmp(p) && !r.icmp.empty()) {
    core::ServiceSet out;
    for (const auto& e : r.icmp) {
      core::ServiceMatch m = core::ServiceMatch::protocol(p);
      m.icmp_types = core::ByteSet::single(e.type);
      if (e.code) m.icmp_codes = core::ByteSet::single(*e.code);
      out.clauses.push_back(m);
    }
    return out;
  }
  core::ServiceMatch m = core::ServiceMatch::protocol(p);
  if (core::has_ports(p)) {
    m.dst_ports = r.inbound ? local_ports : remote_ports;
    m.src_ports = r.inbound ? remote_ports : local_ports;
  }
  return core::ServiceSet::of(m);
}

class Builder {
 public:
  Builder(const std::string& file, core::Diagnostics diags) : file_(file) {
    result_.diagnostics = std::move(diags);
  }

  // The rules of one Windows rule as core rules: a union, so port and
  // address keywords of a rule become one core rule each, all with the
  // rule's name and origin.
  std::vector<core::Rule> translate(const WinRule& r) {
    std::vector<core::Rule> out;
    bool lom = r.local_only_mapped && r.action != core::Action::Deny;
    AddressList no_remote;
    PortList no_remote_ports;
    const AddressList& remote = lom ? no_remote : r.remote;
    const PortList& remote_ports = lom ? no_remote_ports : r.remote_ports;
    for (const auto& lp : port_alternatives(r.local_ports)) {
      for (const auto& rp : port_alternatives(remote_ports)) {
        for (const auto& addr : address_alternatives(r.local, remote)) {
          core::Rule rule;
          rule.name = r.name.empty() ? r.id : r.name;
          rule.action = r.action;
          rule.origin = r.origin;
          rule.match.family = addr.family;
          rule.match.services = services(r, lp.ports, rp.ports);
          rule.match.src = r.inbound ? addr.remote : addr.local;
          rule.match.dst = r.inbound ? addr.local : addr.remote;
          // The kernel answers ICMP and other protocols without ports: for
          // them `App=System` always holds (there is no listener to ask).
          bool kernel = r.program == "System" && r.protocol && !core::has_ports(*r.protocol);
          if (!r.program.empty() && !kernel) {
            rule.match.attributes.push_back(core::AttributeMatch{"program", {r.program}, false});
          }
          if (r.service == "*") {
            rule.match.attributes.push_back(core::AttributeMatch{"service", {}, true});
          } else if (!r.service.empty()) {
            rule.match.attributes.push_back(core::AttributeMatch{"service", {r.service}, false});
          }
          std::vector<const Condition*> conds;
          for (const auto& c : r.conditions) conds.push_back(&c);
          // The local port is the destination of an inbound rule's packets.
          if (lp.keyword) rule.match.port_symbols.push_back(core::PortSymbolMatch{{*lp.keyword}, !r.inbound});
          if (rp.keyword) rule.match.port_symbols.push_back(core::PortSymbolMatch{{*rp.keyword}, r.inbound});
          for (const auto* c : conds) {
            rule.match.unknowns.push_back(
                result_.fragment.condition_named(c->name, c->description, r.origin));
          }
          out.push_back(std::move(rule));
        }
      }
    }
    return out;
  }

  core::ImportResult run(const FirewallInput& in) {
    // Translate each rule once; profiles pick from them.
    std::vector<std::vector<core::Rule>> translated;
    for (const auto& r : in.rules) translated.push_back(translate(r));
    for (size_t p = 0; p < 3; ++p) {
      const unsigned bit = 1u << p;
      const ProfileSettings& gp = in.group_policy[p];
      const ProfileSettings& local = in.local[p];
      std::string id = kProfileIds[p];
      auto pick = [&](const std::optional<bool>& g, const core::Origin& g_at, const std::optional<bool>& l,
                      const core::Origin& l_at, bool fallback, const char* value) {
        if (g) return std::pair{*g, g_at};
        if (l) return std::pair{*l, l_at};
        return std::pair{fallback, core::Origin::native_rule(
                                       file_, fmt::format("{} profile: {} not set, Windows default {}", id,
                                                          value, fallback ? "on" : "off"))};
      };
      auto [enabled, enabled_at] =
          pick(gp.enabled, gp.enabled_at, local.enabled, local.enabled_at, true, "EnableFirewall");
      auto [block_in, in_at] = pick(gp.block_inbound, gp.inbound_at, local.block_inbound, local.inbound_at,
                                    true, "DefaultInboundAction");
      auto [block_out, out_at] = pick(gp.block_outbound, gp.outbound_at, local.block_outbound,
                                      local.outbound_at, false, "DefaultOutboundAction");
      // DoNotAllowExceptions: "on" wins (MS-FASP 2.2.38).
      bool shielded = gp.shielded.value_or(false) || local.shielded.value_or(false);
      core::Origin shielded_at = gp.shielded.value_or(false) ? gp.shielded_at : local.shielded_at;
      // AllowLocalPolicyMerge is a Group Policy setting; absent, local rules apply.
      bool merge_local = gp.allow_local_rules.value_or(true);

      core::PacketFilter f;
      f.name = id;
      f.kind = "windows-firewall";
      f.stateless = false;
      f.scope = core::FilterScope::Host;
      f.origin = core::Origin::native_rule(file_, fmt::format("{} profile", id));
      core::RuleSet inbound, outbound;
      for (auto* rs : {&inbound, &outbound}) {
        rs->combining = core::Combining::BlockOverridesAllow;
        rs->origin = f.origin;
        rs->chains.push_back(core::Chain{id, {}, f.origin});
      }
      inbound.name = id + " inbound";
      outbound.name = id + " outbound";
      if (!enabled) {
        // EnableFirewall=0: the profile blocks nothing (MS-FASP 2.2.38).
        inbound.default_action = outbound.default_action = core::Action::Allow;
        inbound.default_origin = outbound.default_origin = enabled_at;
      } else {
        inbound.default_action = block_in || shielded ? core::Action::Deny : core::Action::Allow;
        inbound.default_origin = shielded ? shielded_at : in_at;
        outbound.default_action = block_out ? core::Action::Deny : core::Action::Allow;
        outbound.default_origin = out_at;
        for (size_t i = 0; i < in.rules.size(); ++i) {
          const WinRule& r = in.rules[i];
          if (!r.active || !(r.profiles & bit)) continue;
          if (!r.group_policy && !merge_local) continue;
          // Shielded: every inbound allow (and bypass) rule is ignored.
          if (r.inbound && shielded && r.action != core::Action::Deny) continue;
          auto& rules = r.inbound ? inbound.chains[0].rules : outbound.chains[0].rules;
          rules.insert(rules.end(), translated[i].begin(), translated[i].end());
        }
      }
      f.inbound = result_.fragment.add(std::move(inbound));
      f.outbound = result_.fragment.add(std::move(outbound));
      core::FilterId fid = result_.fragment.add(std::move(f));
      result_.objects.push_back(core::ImportedObject{id, core::ObjectKind::Filter, fid.value});
    }
    return std::move(result_);
  }

 private:
  std::string file_;
  core::ImportResult result_;
};

}  // namespace

std::optional<WinRule> parse_rule_string(const std::string& id, std::string_view data,
                                         const core::Origin& origin, bool group_policy,
                                         core::Diagnostics& diags) {
  return RuleParser(id, origin, group_policy, diags).run(data);
}

bool check_rule(const WinRule& r, const core::Origin& origin, core::Diagnostics& diags) {
  bool ok = true;
  bool tcp_udp = r.protocol && (*r.protocol == core::proto::kTcp || *r.protocol == core::proto::kUdp);
  if ((r.local_ports.present || r.remote_ports.present) && !tcp_udp) {
    diags.error(codes::kBadRule, origin,
                fmt::format("rule `{}` has ports but its protocol is {}: ports need TCP (6) or UDP (17)",
                            r.id, r.protocol ? std::to_string(*r.protocol) : "any"));
    ok = false;
  }
  if (!r.icmp.empty()) {
    if (!r.protocol || (*r.protocol != core::proto::kIcmp && *r.protocol != core::proto::kIcmpV6)) {
      diags.error(
          codes::kBadRule, origin,
          fmt::format("rule `{}` has ICMP types but its protocol is {}: ICMP types need protocol 1 or 58",
                      r.id, r.protocol ? std::to_string(*r.protocol) : "any"));
      ok = false;
    }
  }
  return ok;
}

core::ImportResult build_firewall(const FirewallInput& input, const std::string& file,
                                  core::Diagnostics diags) {
  return Builder(file, std::move(diags)).run(input);
}

}  // namespace rampart::importers::windows
