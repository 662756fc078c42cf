// Shared pieces of the netfilter importers: conjunctions of conditions and
// the value syntax iptables and nft share (addresses, protocols, ports, ICMP
// types, conntrack states, address types).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <tuple>
#include <utility>

#include "ir.h"

namespace rampart::importers::nf {

std::string hook_name(Hook h) {
  switch (h) {
    case Hook::Prerouting: return "prerouting";
    case Hook::Input: return "input";
    case Hook::Forward: return "forward";
    case Hook::Output: return "output";
    case Hook::Postrouting: return "postrouting";
    case Hook::None: return "none";
  }
  return "none";
}

Chain* Table::find(const std::string& chain) {
  return const_cast<Chain*>(std::as_const(*this).find(chain));
}
const Chain* Table::find(const std::string& chain) const {
  if (indexed_ > chains.size()) {  // shrunk: index again
    index_.clear();
    indexed_ = 0;
  }
  for (; indexed_ < chains.size(); ++indexed_) index_.emplace(chains[indexed_].name, indexed_);
  auto it = index_.find(chain);
  return it == index_.end() ? nullptr : &chains[it->second];
}

core::ConditionId Ruleset::condition(const std::string& name, const std::string& description,
                                     const core::Origin& origin) {
  auto it = condition_index.find(name);
  if (it != condition_index.end()) return it->second;
  core::ConditionId id = fragment.add(core::UnknownCondition{name, description, origin});
  condition_index.emplace(name, id);
  return id;
}

namespace addrtype {
std::optional<uint16_t> parse(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, uint16_t>, 12> kNames{{
      {"unspec", kUnspec},
      {"unicast", kUnicast},
      {"local", kLocal},
      {"broadcast", kBroadcast},
      {"anycast", kAnycast},
      {"multicast", kMulticast},
      {"blackhole", kBlackhole},
      {"unreachable", kUnreachable},
      {"prohibit", kProhibit},
      {"throw", kThrow},
      {"nat", kNat},
      {"xresolve", kXresolve},
  }};
  std::string lower;
  for (char c : name) lower += char(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [n, bit] : kNames) {
    if (n == lower) return bit;
  }
  return std::nullopt;
}
}  // namespace addrtype

// ---- conjunctions ----------------------------------------------------------

namespace {

core::AddressSet effective(const core::AddressMatch& m) {
  return m.negated ? m.set.complement() : m.set;
}

std::string symbols_text(const core::AddressMatch& m) {
  std::string s = m.negated ? "not in " : "in ";
  if (!m.set.empty()) s += m.set.to_string() + " or ";
  s += fmt::format("{}", fmt::join(m.symbols, " or "));
  return s;
}

// The conjunction of two address conditions. A symbolic set (bound per host)
// cannot be intersected with another condition in one AddressMatch; it then
// becomes an unknown condition of the rule, which is never wrong, only less
// precise.
bool and_address(core::AddressMatch& into, const core::AddressMatch& b, Conj& out, const ConjContext& cx,
                 const char* field) {
  if (b.is_any()) return true;
  if (into.is_any()) {
    into = b;
    return !(into.symbols.empty() && effective(into).empty());
  }
  if (into.symbols.empty() && b.symbols.empty()) {
    into = core::AddressMatch::of(effective(into).intersect(effective(b)));
    return !into.set.empty();
  }
  // Keep a plain condition as the AddressMatch; the symbolic one (or the
  // second of two symbolic ones) becomes an unknown condition.
  core::AddressMatch keep = into, dropped = b;
  if (!into.symbols.empty() && b.symbols.empty()) std::swap(keep, dropped);
  std::string name = fmt::format("{}: {} address {}", cx.origin.to_string(), field, symbols_text(dropped));
  cx.rs->diagnostics.warning(codes::kUnknown, cx.origin,
                             fmt::format("the {} address {} is combined with another condition on the same "
                                         "address, which rampart cannot express: that part is unknown",
                                         field, symbols_text(dropped)));
  out.m.unknowns.push_back(cx.rs->condition(
      name,
      fmt::format("the {} address is {} (a set a host binds, here combined with another address condition)",
                  field, symbols_text(dropped)),
      cx.origin));
  into = keep;
  return !(into.symbols.empty() && effective(into).empty());
}

bool is_wild(const std::string& n) {
  return !n.empty() && n.back() == '+';
}

// Does every name `b` matches also match `a`?
bool covers_name(const std::string& a, const std::string& b) {
  if (!is_wild(a)) return a == b;
  std::string pa = a.substr(0, a.size() - 1);
  std::string pb = is_wild(b) ? b.substr(0, b.size() - 1) : b;
  return pb.compare(0, pa.size(), pa) == 0;
}
// Do `a` and `b` match some name in common?
bool overlaps_name(const std::string& a, const std::string& b) {
  return covers_name(a, b) || covers_name(b, a);
}

// The conjunction of two interface conditions on one side, when one
// InterfaceMatch can say it.
std::optional<core::InterfaceMatch> and_iface(const core::InterfaceMatch& a, const core::InterfaceMatch& b) {
  if (a.is_any()) return b;
  if (b.is_any()) return a;
  core::InterfaceMatch out;
  if (a.negated && b.negated) {
    out = a;
    for (const auto& n : b.names) {
      if (std::find(out.names.begin(), out.names.end(), n) == out.names.end()) out.names.push_back(n);
    }
    return out;
  }
  if (!a.negated && !b.negated) {
    for (const auto& x : a.names) {
      for (const auto& y : b.names) {
        if (covers_name(x, y))
          out.names.push_back(y);
        else if (covers_name(y, x))
          out.names.push_back(x);
      }
    }
    std::sort(out.names.begin(), out.names.end());
    out.names.erase(std::unique(out.names.begin(), out.names.end()), out.names.end());
    if (out.names.empty()) out.names.push_back("");  // matches no real interface
    return out;
  }
  const core::InterfaceMatch& pos = a.negated ? b : a;
  const core::InterfaceMatch& neg = a.negated ? a : b;
  for (const auto& x : pos.names) {
    bool removed = false, partial = false;
    for (const auto& y : neg.names) {
      if (covers_name(y, x))
        removed = true;
      else if (overlaps_name(x, y))
        partial = true;
    }
    if (removed) continue;
    if (partial) return std::nullopt;  // `eth+` but not `eth0`
    out.names.push_back(x);
  }
  if (out.names.empty()) out.names.push_back("");
  return out;
}

}  // namespace

core::ServiceSet intersect_services(const core::ServiceSet& a, const core::ServiceSet& b) {
  if (a.is_any()) return b;
  if (b.is_any()) return a;
  core::ServiceSet out;
  for (const auto& x : a.clauses) {
    for (const auto& y : b.clauses) {
      core::ServiceMatch m;
      m.protocols = x.protocols.intersect(y.protocols);
      m.src_ports = x.src_ports.intersect(y.src_ports);
      m.dst_ports = x.dst_ports.intersect(y.dst_ports);
      m.icmp_types = x.icmp_types.intersect(y.icmp_types);
      m.icmp_codes = x.icmp_codes.intersect(y.icmp_codes);
      if (m.protocols.empty()) continue;
      if (std::find(out.clauses.begin(), out.clauses.end(), m) == out.clauses.end()) out.clauses.push_back(m);
    }
  }
  return out;
}

std::optional<Conj> intersect(const Conj& a, const Conj& b, const ConjContext& cx) {
  Conj out = a;
  if (b.m.family) {
    if (out.m.family && *out.m.family != *b.m.family) return std::nullopt;
    out.m.family = b.m.family;
  }
  if (!and_address(out.m.src, b.m.src, out, cx, "source")) return std::nullopt;
  if (!and_address(out.m.dst, b.m.dst, out, cx, "destination")) return std::nullopt;
  if (out.m.family) {
    // An address condition of the other family can never match.
    for (const auto* am : {&out.m.src, &out.m.dst}) {
      if (am->symbols.empty() && !am->is_any() && effective(*am).only(*out.m.family).empty())
        return std::nullopt;
    }
  }
  out.m.services = intersect_services(out.m.services, b.m.services);
  if (out.m.services.empty()) return std::nullopt;
  out.m.states &= b.m.states;
  if (out.m.states == 0) return std::nullopt;
  for (const auto& c : b.m.unknowns) {
    if (std::find(out.m.unknowns.begin(), out.m.unknowns.end(), c) == out.m.unknowns.end())
      out.m.unknowns.push_back(c);
  }
  for (auto [mine, theirs, which] : {std::tuple{&out.m.in_interface, &b.m.in_interface, "in"},
                                     std::tuple{&out.m.out_interface, &b.m.out_interface, "out"}}) {
    if (theirs->is_any() || *mine == *theirs) continue;
    if (auto both = and_iface(*mine, *theirs)) {
      *mine = *both;
      continue;
    }
    // Two interface lists on one side: the second becomes unknown.
    std::string text = fmt::format("{} interface {}{}", which, theirs->negated ? "not " : "",
                                   fmt::join(theirs->names, " or "));
    cx.rs->diagnostics.warning(
        codes::kUnknown, cx.origin,
        fmt::format("two conditions on the {} interface, which rampart cannot combine: `{}` "
                    "is unknown",
                    which, text));
    out.m.unknowns.push_back(cx.rs->condition(fmt::format("{}: {}", cx.origin.to_string(), text),
                                              fmt::format("the {} (with another interface condition)", text),
                                              cx.origin));
  }
  out.ifaces.insert(out.ifaces.end(), b.ifaces.begin(), b.ifaces.end());
  out.addrtypes.insert(out.addrtypes.end(), b.addrtypes.begin(), b.addrtypes.end());
  return out;
}

std::optional<std::vector<Conj>> product(const std::vector<Conj>& a, const std::vector<Conj>& b,
                                         const ConjContext& cx, size_t cap) {
  std::vector<Conj> out;
  if (a.size() * b.size() > cap) return std::nullopt;
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (auto c = intersect(x, y, cx)) out.push_back(std::move(*c));
    }
  }
  return out;
}

Conj conj_src(core::AddressMatch m) {
  Conj c;
  c.m.src = std::move(m);
  return c;
}
Conj conj_dst(core::AddressMatch m) {
  Conj c;
  c.m.dst = std::move(m);
  return c;
}
Conj conj_services(core::ServiceSet s) {
  Conj c;
  c.m.services = std::move(s);
  return c;
}
Conj conj_states(uint8_t states) {
  Conj c;
  c.m.states = states;
  return c;
}
Conj conj_unknown(core::ConditionId id) {
  Conj c;
  c.m.unknowns.push_back(id);
  return c;
}
Conj conj_family(core::Family f) {
  Conj c;
  c.m.family = f;
  return c;
}
Conj conj_iface(bool in, core::InterfaceMatch m) {
  Conj c;
  c.ifaces.push_back(IfaceCond{in, std::move(m)});
  return c;
}
Conj conj_addrtype(AddrType t) {
  Conj c;
  c.addrtypes.push_back(t);
  return c;
}

// ---- values ----------------------------------------------------------------

core::AddressSet unite_all(std::vector<core::AddressSet> sets) {
  if (sets.empty()) return {};
  while (sets.size() > 1) {
    std::vector<core::AddressSet> next;
    next.reserve(sets.size() / 2 + 1);
    for (size_t i = 0; i + 1 < sets.size(); i += 2) next.push_back(sets[i].unite(sets[i + 1]));
    if (sets.size() % 2) next.push_back(std::move(sets.back()));
    sets = std::move(next);
  }
  return std::move(sets[0]);
}

std::optional<uint64_t> parse_number(std::string_view s, uint64_t max) {
  uint64_t v = 0;
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

namespace {

// A dotted or colon mask as a prefix length, when its one bits are contiguous.
std::optional<unsigned> mask_prefix(const core::Address& mask) {
  unsigned bits = core::family_bits(mask.family);
  core::u128 v = mask.bits;
  unsigned ones = 0;
  for (int i = int(bits) - 1; i >= 0; --i) {
    if ((v >> i) & 1) {
      if (ones != bits - 1 - unsigned(i)) return std::nullopt;
      ++ones;
    }
  }
  return ones;
}

}  // namespace

std::optional<core::AddressSet> parse_address(std::string_view text, std::optional<core::Family> family,
                                              std::string& error) {
  if (text.empty()) {
    error = "an empty address";
    return std::nullopt;
  }
  std::string t(text);
  if (auto slash = t.find('/'); slash != std::string::npos) {
    std::string mask = t.substr(slash + 1);
    if (mask.find_first_of(".:") != std::string::npos) {
      auto m = core::Address::parse(mask);
      if (!m) {
        error = fmt::format("`{}` is not a netmask", mask);
        return std::nullopt;
      }
      auto prefix = mask_prefix(*m);
      if (!prefix) {
        error = fmt::format("`{}` is not a contiguous netmask", mask);
        return std::nullopt;
      }
      t = t.substr(0, slash) + "/" + std::to_string(*prefix);
    }
  }
  if (t == "any" || t == "any4" || t == "any6") {
    error = fmt::format("`{}` is not an IP address", t);
    return std::nullopt;
  }
  auto r = core::AddressSet::parse(t, /*strict=*/false);
  if (!r.set) {
    error = r.error;
    return std::nullopt;
  }
  if (family && r.set->only(*family) != *r.set) {
    error = fmt::format("`{}` is not an {} address", text, *family == core::Family::V4 ? "IPv4" : "IPv6");
    return std::nullopt;
  }
  return r.set;
}

std::optional<uint8_t> protocol_number(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, uint8_t>, 26> kNames{{
      {"icmp", 1},   {"igmp", 2},      {"ipip", 4},  {"ipencap", 4}, {"tcp", 6},        {"egp", 8},
      {"pup", 12},   {"udp", 17},      {"idp", 22},  {"dccp", 33},   {"ipv6", 41},      {"rsvp", 46},
      {"gre", 47},   {"esp", 50},      {"ah", 51},   {"icmpv6", 58}, {"ipv6-icmp", 58}, {"icmp6", 58},
      {"ospf", 89},  {"ospfigp", 89},  {"pim", 103}, {"comp", 108},  {"vrrp", 112},     {"l2tp", 115},
      {"sctp", 132}, {"udplite", 136},
  }};
  std::string lower;
  for (char c : name) lower += char(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [n, p] : kNames) {
    if (n == lower) return p;
  }
  if (auto n = parse_number(name, 255)) return uint8_t(*n);
  return std::nullopt;
}

std::optional<uint16_t> service_port(std::string_view name) {
  if (auto n = parse_number(name, 65535)) return uint16_t(*n);
  // /etc/services names nft may print (nft -S) and people write.
  static constexpr std::array<std::pair<std::string_view, uint16_t>, 44> kNames{{
      {"ftp-data", 20},     {"ftp", 21},           {"ssh", 22},
      {"telnet", 23},       {"smtp", 25},          {"domain", 53},
      {"bootps", 67},       {"bootpc", 68},        {"tftp", 69},
      {"http", 80},         {"www", 80},           {"kerberos", 88},
      {"pop3", 110},        {"sunrpc", 111},       {"auth", 113},
      {"nntp", 119},        {"ntp", 123},          {"netbios-ns", 137},
      {"netbios-dgm", 138}, {"netbios-ssn", 139},  {"imap", 143},
      {"imap2", 143},       {"snmp", 161},         {"snmp-trap", 162},
      {"ldap", 389},        {"https", 443},        {"microsoft-ds", 445},
      {"isakmp", 500},      {"syslog", 514},       {"submission", 587},
      {"ldaps", 636},       {"rsync", 873},        {"imaps", 993},
      {"pop3s", 995},       {"openvpn", 1194},     {"ms-sql-s", 1433},
      {"mysql", 3306},      {"rdp", 3389},         {"ms-wbt-server", 3389},
      {"postgresql", 5432}, {"mdns", 5353},        {"http-alt", 8080},
      {"nfs", 2049},        {"ipsec-nat-t", 4500},
  }};
  for (const auto& [n, p] : kNames) {
    if (n == name) return p;
  }
  return std::nullopt;
}

std::optional<IcmpTypeCode> icmp_type(std::string_view name, core::Family family) {
  struct Entry {
    std::string_view name;
    uint8_t type;
    int code;  // -1: every code
  };
  static constexpr std::array<Entry, 41> kV4{{
      {"echo-reply", 0, -1},
      {"pong", 0, -1},
      {"destination-unreachable", 3, -1},
      {"network-unreachable", 3, 0},
      {"host-unreachable", 3, 1},
      {"protocol-unreachable", 3, 2},
      {"port-unreachable", 3, 3},
      {"fragmentation-needed", 3, 4},
      {"source-route-failed", 3, 5},
      {"network-unknown", 3, 6},
      {"host-unknown", 3, 7},
      {"network-prohibited", 3, 9},
      {"host-prohibited", 3, 10},
      {"TOS-network-unreachable", 3, 11},
      {"TOS-host-unreachable", 3, 12},
      {"communication-prohibited", 3, 13},
      {"host-precedence-violation", 3, 14},
      {"precedence-cutoff", 3, 15},
      {"source-quench", 4, -1},
      {"redirect", 5, -1},
      {"network-redirect", 5, 0},
      {"host-redirect", 5, 1},
      {"TOS-network-redirect", 5, 2},
      {"TOS-host-redirect", 5, 3},
      {"echo-request", 8, -1},
      {"ping", 8, -1},
      {"router-advertisement", 9, -1},
      {"router-solicitation", 10, -1},
      {"time-exceeded", 11, -1},
      {"ttl-exceeded", 11, -1},
      {"ttl-zero-during-transit", 11, 0},
      {"ttl-zero-during-reassembly", 11, 1},
      {"parameter-problem", 12, -1},
      {"ip-header-bad", 12, 0},
      {"required-option-missing", 12, 1},
      {"timestamp-request", 13, -1},
      {"timestamp-reply", 14, -1},
      {"info-request", 15, -1},
      {"info-reply", 16, -1},
      {"address-mask-request", 17, -1},
      {"address-mask-reply", 18, -1},
  }};
  static constexpr std::array<Entry, 30> kV6{{
      {"destination-unreachable", 1, -1},
      {"no-route", 1, 0},
      {"communication-prohibited", 1, 1},
      {"beyond-scope", 1, 2},
      {"address-unreachable", 1, 3},
      {"port-unreachable", 1, 4},
      {"failed-policy", 1, 5},
      {"reject-route", 1, 6},
      {"packet-too-big", 2, -1},
      {"time-exceeded", 3, -1},
      {"ttl-exceeded", 3, -1},
      {"ttl-zero-during-transit", 3, 0},
      {"ttl-zero-during-reassembly", 3, 1},
      {"parameter-problem", 4, -1},
      {"bad-header", 4, 0},
      {"unknown-header-type", 4, 1},
      {"unknown-option", 4, 2},
      {"echo-request", 128, -1},
      {"ping", 128, -1},
      {"echo-reply", 129, -1},
      {"pong", 129, -1},
      {"mld-listener-query", 130, -1},
      {"mld-listener-report", 131, -1},
      {"mld-listener-done", 132, -1},
      {"mld-listener-reduction", 132, -1},
      {"router-solicitation", 133, -1},
      {"nd-router-solicit", 133, -1},
      {"router-advertisement", 134, -1},
      {"nd-router-advert", 134, -1},
      {"redirect", 137, -1},
  }};
  static constexpr std::array<Entry, 9> kV6More{{
      {"neighbour-solicitation", 135, -1},
      {"neighbor-solicitation", 135, -1},
      {"nd-neighbor-solicit", 135, -1},
      {"neighbour-advertisement", 136, -1},
      {"neighbor-advertisement", 136, -1},
      {"nd-neighbor-advert", 136, -1},
      {"nd-redirect", 137, -1},
      {"router-renumbering", 138, -1},
      {"mld2-listener-report", 143, -1},
  }};
  auto lookup = [&](const auto& table) -> std::optional<IcmpTypeCode> {
    for (const auto& e : table) {
      bool eq =
          e.name.size() == name.size() &&
          std::equal(e.name.begin(), e.name.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          });
      if (eq) {
        IcmpTypeCode t{e.type, std::nullopt};
        if (e.code >= 0) t.code = uint8_t(e.code);
        return t;
      }
    }
    return std::nullopt;
  };
  if (family == core::Family::V4) {
    if (auto t = lookup(kV4)) return t;
  } else {
    if (auto t = lookup(kV6)) return t;
    if (auto t = lookup(kV6More)) return t;
  }
  // Numeric: TYPE or TYPE/CODE.
  auto slash = name.find('/');
  auto type = parse_number(name.substr(0, slash), 255);
  if (!type) return std::nullopt;
  IcmpTypeCode t{uint8_t(*type), std::nullopt};
  if (slash != std::string_view::npos) {
    auto code = parse_number(name.substr(slash + 1), 255);
    if (!code) return std::nullopt;
    t.code = uint8_t(*code);
  }
  return t;
}

std::optional<uint8_t> conn_state_bits(std::string_view name) {
  std::string lower;
  for (char c : name) lower += char(std::tolower(static_cast<unsigned char>(c)));
  using core::ConnState;
  if (lower == "new") return core::conn_state_bit(ConnState::New);
  if (lower == "established") return core::conn_state_bit(ConnState::Established);
  if (lower == "related") return core::conn_state_bit(ConnState::Related);
  if (lower == "invalid") return core::conn_state_bit(ConnState::Invalid);
  if (lower == "untracked") return core::conn_state_bit(ConnState::Untracked);
  return std::nullopt;
}

std::vector<Conj> tcp_flags_conj(Ruleset& rs, const ConjContext& cx, const std::function<bool(uint8_t)>& test,
                                 const std::string& text, std::vector<std::string>& reported) {
  using core::ConnState;
  bool on_new = test(0x02);
  const uint8_t reply[] = {0x12, 0x10, 0x18, 0x11};
  int yes = 0;
  for (uint8_t f : reply) yes += test(f) ? 1 : 0;
  uint8_t definite = 0, unknown = 0;
  // Related, invalid and untracked packets do not occur in rampart's
  // questions; they follow the reply's reading.
  uint8_t later = core::conn_state_bit(ConnState::Established) | core::conn_state_bit(ConnState::Related) |
                  core::conn_state_bit(ConnState::Invalid) | core::conn_state_bit(ConnState::Untracked);
  if (on_new) definite |= core::conn_state_bit(ConnState::New);
  if (yes == 4)
    definite |= later;
  else if (yes > 0)
    unknown |= later;
  std::vector<Conj> alts;
  core::ServiceMatch tcp = core::ServiceMatch::protocol(core::proto::kTcp);
  if (definite) {
    Conj c = conj_services(core::ServiceSet::of(tcp));
    c.m.states = definite;
    alts.push_back(c);
  }
  if (unknown) {
    Conj c = conj_services(core::ServiceSet::of(tcp));
    c.m.states = unknown;
    c.m.unknowns.push_back(rs.condition(
        fmt::format("{}: {}", cx.origin.to_string(), text),
        fmt::format("`{}` on the packets of a reply (SYN-ACK, ACK, ...): they do not all agree", text),
        cx.origin));
    alts.push_back(c);
    reported.push_back(text + " (on replies)");
  }
  return alts;
}

}  // namespace rampart::importers::nf
