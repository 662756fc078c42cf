#include "rampart/core/service.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace rampart::core {
namespace {

struct ProtocolName {
  std::string_view name;
  uint8_t number;
};
constexpr std::array<ProtocolName, 12> kProtocolNames{{
    {"icmp", proto::kIcmp},
    {"igmp", 2},
    {"tcp", proto::kTcp},
    {"udp", proto::kUdp},
    {"dccp", proto::kDccp},
    {"gre", proto::kGre},
    {"esp", proto::kEsp},
    {"ah", proto::kAh},
    {"icmpv6", proto::kIcmpV6},
    {"ospf", 89},
    {"sctp", proto::kSctp},
    {"udplite", proto::kUdpLite},
}};

std::optional<unsigned> parse_number(std::string_view s, unsigned max) {
  unsigned v = 0;
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

template <typename T>
std::string set_to_string(const IntervalSet<T>& s) {
  std::string out;
  for (const auto& r : s.intervals()) {
    if (!out.empty()) out += ',';
    if (r.lo == r.hi) {
      out += fmt::format("{}", unsigned(r.lo));
    } else {
      out += fmt::format("{}-{}", unsigned(r.lo), unsigned(r.hi));
    }
  }
  return out;
}

}  // namespace

bool has_ports(uint8_t p) {
  return p == proto::kTcp || p == proto::kUdp || p == proto::kSctp || p == proto::kDccp ||
         p == proto::kUdpLite;
}
bool has_icmp(uint8_t p) { return p == proto::kIcmp || p == proto::kIcmpV6; }

std::optional<uint8_t> protocol_by_name(std::string_view name) {
  for (const auto& p : kProtocolNames) {
    if (p.name == name) return p.number;
  }
  if (name == "ipv6-icmp" || name == "icmp6") return proto::kIcmpV6;
  return std::nullopt;
}

std::string protocol_name(uint8_t protocol) {
  for (const auto& p : kProtocolNames) {
    if (p.number == protocol) return std::string(p.name);
  }
  return std::to_string(protocol);
}

std::string port_set_to_string(const PortSet& s) {
  if (s.is_all()) return "any";
  if (s.empty()) return "none";
  return set_to_string(s);
}

ServiceMatch ServiceMatch::protocol(uint8_t p) {
  ServiceMatch m;
  m.protocols = ByteSet::single(p);
  return m;
}

ServiceMatch ServiceMatch::ports(uint8_t p, uint16_t lo, uint16_t hi) {
  ServiceMatch m = protocol(p);
  m.dst_ports = PortSet::range(lo, hi);
  return m;
}

bool ServiceMatch::is_any() const {
  return protocols.is_all() && src_ports.is_all() && dst_ports.is_all() && icmp_types.is_all() &&
         icmp_codes.is_all();
}

bool ServiceMatch::matches(uint8_t protocol, uint16_t src_port, uint16_t dst_port,
                           uint8_t icmp_type, uint8_t icmp_code) const {
  if (!protocols.contains(protocol)) return false;
  if (has_ports(protocol)) {
    return src_ports.contains(src_port) && dst_ports.contains(dst_port);
  }
  if (has_icmp(protocol)) {
    return icmp_types.contains(icmp_type) && icmp_codes.contains(icmp_code);
  }
  return true;
}

std::string ServiceMatch::to_string() const {
  if (is_any()) return "any";
  std::string out;
  for (const auto& r : protocols.intervals()) {
    for (unsigned p = r.lo; p <= r.hi; ++p) {
      if (!out.empty()) out += ", ";
      std::string name = protocol_name(uint8_t(p));
      bool numeric = name == std::to_string(p);
      std::string text = numeric ? "proto/" + name : name;
      if (has_ports(uint8_t(p))) {
        if (!dst_ports.is_all()) text += "/" + set_to_string(dst_ports);
        if (!src_ports.is_all()) text += " from port " + set_to_string(src_ports);
      } else if (has_icmp(uint8_t(p))) {
        if (!icmp_types.is_all()) {
          text += "/" + set_to_string(icmp_types);
          if (!icmp_codes.is_all()) text += ":" + set_to_string(icmp_codes);
        } else if (!icmp_codes.is_all()) {
          text += " code " + set_to_string(icmp_codes);
        }
      }
      out += text;
      if (p == 255) break;
    }
    if (protocols.is_all()) break;
  }
  if (protocols.is_all()) {
    out = "any";
    if (!dst_ports.is_all()) out += " port " + set_to_string(dst_ports);
  }
  return out;
}

bool ServiceSet::is_any() const {
  for (const auto& c : clauses) {
    if (c.is_any()) return true;
  }
  return false;
}

bool ServiceSet::matches(uint8_t protocol, uint16_t src_port, uint16_t dst_port, uint8_t icmp_type,
                         uint8_t icmp_code) const {
  for (const auto& c : clauses) {
    if (c.matches(protocol, src_port, dst_port, icmp_type, icmp_code)) return true;
  }
  return false;
}

std::string ServiceSet::to_string() const {
  if (clauses.empty()) return "none";
  if (is_any()) return "any";
  std::string out;
  for (const auto& c : clauses) {
    if (!out.empty()) out += ", ";
    out += c.to_string();
  }
  return out;
}

ServiceParse parse_service(std::string_view text) {
  if (text == "any" || text == "ip") return {ServiceMatch::any(), {}};
  auto slash = text.find('/');
  std::string_view head = text.substr(0, slash);
  std::string_view tail = slash == std::string_view::npos ? std::string_view{} : text.substr(slash + 1);
  std::optional<uint8_t> p;
  if (head == "proto") {
    auto n = parse_number(tail, 255);
    if (!n) return {std::nullopt, fmt::format("`{}` is not a protocol number (0-255)", tail)};
    return {ServiceMatch::protocol(uint8_t(*n)), {}};
  }
  p = protocol_by_name(head);
  if (!p) return {std::nullopt, fmt::format("unknown protocol `{}`", head)};
  ServiceMatch m = ServiceMatch::protocol(*p);
  if (slash == std::string_view::npos) return {m, {}};
  if (has_ports(*p)) {
    PortSet ports;
    size_t pos = 0;
    while (pos <= tail.size()) {
      size_t comma = tail.find(',', pos);
      std::string_view item = tail.substr(pos, comma == std::string_view::npos ? tail.npos : comma - pos);
      auto dash = item.find('-');
      auto lo = parse_number(item.substr(0, dash), 65535);
      auto hi = dash == std::string_view::npos ? lo : parse_number(item.substr(dash + 1), 65535);
      if (!lo || !hi) return {std::nullopt, fmt::format("`{}` is not a port or port range (0-65535)", item)};
      if (*hi < *lo) return {std::nullopt, fmt::format("port range `{}` ends before it starts", item)};
      ports.add(uint16_t(*lo), uint16_t(*hi));
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    m.dst_ports = ports;
    return {m, {}};
  }
  if (has_icmp(*p)) {
    auto colon = tail.find(':');
    auto type = parse_number(tail.substr(0, colon), 255);
    if (!type) return {std::nullopt, fmt::format("`{}` is not an ICMP type (0-255)", tail.substr(0, colon))};
    m.icmp_types = ByteSet::single(uint8_t(*type));
    if (colon != std::string_view::npos) {
      auto code = parse_number(tail.substr(colon + 1), 255);
      if (!code) return {std::nullopt, fmt::format("`{}` is not an ICMP code (0-255)", tail.substr(colon + 1))};
      m.icmp_codes = ByteSet::single(uint8_t(*code));
    }
    return {m, {}};
  }
  return {std::nullopt, fmt::format("protocol `{}` has no ports or types", head)};
}

}  // namespace rampart::core
