#include "rampart/core/address.h"

#include <fmt/format.h>

#include <array>
#include <charconv>

namespace rampart::core {
namespace {

std::optional<uint32_t> parse_v4(std::string_view s) {
  uint32_t bits = 0;
  int parts = 0;
  size_t pos = 0;
  while (parts < 4) {
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    size_t len = pos - start;
    if (len == 0 || len > 3) return std::nullopt;
    if (len > 1 && s[start] == '0') return std::nullopt;  // no octal-looking octets
    unsigned v = 0;
    for (size_t i = start; i < pos; ++i) v = v * 10 + unsigned(s[i] - '0');
    if (v > 255) return std::nullopt;
    bits = (bits << 8) | v;
    ++parts;
    if (parts < 4) {
      if (pos >= s.size() || s[pos] != '.') return std::nullopt;
      ++pos;
    }
  }
  if (pos != s.size()) return std::nullopt;
  return bits;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<u128> parse_v6(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::array<uint16_t, 8> groups{};
  int count = 0;
  int gap = -1;  // index in groups where "::" stands
  size_t pos = 0;
  if (s.substr(0, 2) == "::") {
    gap = 0;
    pos = 2;
    if (pos == s.size()) return u128(0);
  } else if (s[0] == ':') {
    return std::nullopt;
  }
  while (pos < s.size()) {
    size_t start = pos;
    while (pos < s.size() && hex_value(s[pos]) >= 0) ++pos;
    if (pos < s.size() && s[pos] == '.') {
      // embedded IPv4 in the last 32 bits
      auto v4 = parse_v4(s.substr(start));
      if (!v4 || count > 6) return std::nullopt;
      groups[count++] = uint16_t(*v4 >> 16);
      groups[count++] = uint16_t(*v4 & 0xffff);
      pos = s.size();
      break;
    }
    size_t len = pos - start;
    if (len == 0 || len > 4 || count >= 8) return std::nullopt;
    unsigned v = 0;
    for (size_t i = start; i < pos; ++i) v = v * 16 + unsigned(hex_value(s[i]));
    groups[count++] = uint16_t(v);
    if (pos == s.size()) break;
    if (s[pos] != ':') return std::nullopt;
    ++pos;
    if (pos < s.size() && s[pos] == ':') {
      if (gap >= 0) return std::nullopt;  // two "::"
      gap = count;
      ++pos;
      if (pos == s.size()) break;
    } else if (pos == s.size()) {
      return std::nullopt;  // trailing single colon
    }
  }
  if (gap < 0 && count != 8) return std::nullopt;
  if (gap >= 0 && count > 7) return std::nullopt;
  std::array<uint16_t, 8> full{};
  if (gap < 0) {
    full = groups;
  } else {
    int tail = count - gap;
    for (int i = 0; i < gap; ++i) full[i] = groups[i];
    for (int i = 0; i < tail; ++i) full[8 - tail + i] = groups[gap + i];
  }
  u128 bits = 0;
  for (auto g : full) bits = (bits << 16) | g;
  return bits;
}

u128 family_max(Family f) { return f == Family::V4 ? u128(0xffffffffu) : ~u128(0); }

u128 mask_of(Family f, unsigned prefix) {
  unsigned width = family_bits(f);
  if (prefix == 0) return 0;
  u128 ones = family_max(f);
  return (ones << (width - prefix)) & ones;
}

}  // namespace

unsigned family_bits(Family f) { return f == Family::V4 ? 32 : 128; }

std::string u128_to_string(u128 v) {
  if (v == 0) return "0";
  std::string out;
  while (v > 0) {
    out.insert(out.begin(), char('0' + int(v % 10)));
    v /= 10;
  }
  return out;
}

std::optional<Address> Address::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    if (auto v = parse_v6(text)) return Address::v6(*v);
    return std::nullopt;
  }
  if (auto v = parse_v4(text)) return Address::v4(*v);
  return std::nullopt;
}

bool Address::is_loopback() const {
  if (family == Family::V4) return (uint32_t(bits) >> 24) == 127;
  return bits == 1;
}

std::string Address::to_string() const {
  if (family == Family::V4) {
    uint32_t b = uint32_t(bits);
    return fmt::format("{}.{}.{}.{}", b >> 24, (b >> 16) & 0xff, (b >> 8) & 0xff, b & 0xff);
  }
  std::array<uint16_t, 8> g{};
  for (int i = 0; i < 8; ++i) g[i] = uint16_t(bits >> (16 * (7 - i)));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first on ties.
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", g[i]);
  }
  return out;
}

std::string Cidr::to_string() const {
  return fmt::format("{}/{}", base.to_string(), prefix);
}

AddressSet AddressSet::any() {
  AddressSet s;
  s.v4_ = IntervalSet<uint32_t>::all();
  s.v6_ = IntervalSet<u128>::all();
  return s;
}
AddressSet AddressSet::any_v4() {
  AddressSet s;
  s.v4_ = IntervalSet<uint32_t>::all();
  return s;
}
AddressSet AddressSet::any_v6() {
  AddressSet s;
  s.v6_ = IntervalSet<u128>::all();
  return s;
}
AddressSet AddressSet::loopback() {
  AddressSet s;
  s.v4_ = IntervalSet<uint32_t>::range(0x7f000000u, 0x7fffffffu);
  s.v6_ = IntervalSet<u128>::single(1);
  return s;
}
AddressSet AddressSet::of(const Address& a) { return range(a, a); }
AddressSet AddressSet::of(const Cidr& c) {
  u128 mask = mask_of(c.base.family, c.prefix);
  u128 lo = c.base.bits & mask;
  u128 hi = lo | (family_max(c.base.family) & ~mask);
  return range(Address{c.base.family, lo}, Address{c.base.family, hi});
}
AddressSet AddressSet::range(const Address& lo, const Address& hi) {
  AddressSet s;
  if (lo.family != hi.family || hi.bits < lo.bits) return s;
  if (lo.family == Family::V4) {
    s.v4_ = IntervalSet<uint32_t>::range(uint32_t(lo.bits), uint32_t(hi.bits));
  } else {
    s.v6_ = IntervalSet<u128>::range(lo.bits, hi.bits);
  }
  return s;
}

AddressParse AddressSet::parse(std::string_view text, bool strict) {
  if (text == "any") return {AddressSet::any(), {}};
  if (text == "any4") return {AddressSet::any_v4(), {}};
  if (text == "any6") return {AddressSet::any_v6(), {}};
  if (auto dash = text.find('-'); dash != std::string_view::npos) {
    auto lo = Address::parse(text.substr(0, dash));
    auto hi = Address::parse(text.substr(dash + 1));
    if (!lo) return {std::nullopt, fmt::format("`{}` is not an IP address", text.substr(0, dash))};
    if (!hi) return {std::nullopt, fmt::format("`{}` is not an IP address", text.substr(dash + 1))};
    if (lo->family != hi->family) {
      return {std::nullopt, "the two ends of an address range must be of the same family"};
    }
    if (hi->bits < lo->bits) {
      return {std::nullopt, fmt::format("address range `{}` ends before it starts", text)};
    }
    return {range(*lo, *hi), {}};
  }
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    auto base = Address::parse(text.substr(0, slash));
    if (!base) return {std::nullopt, fmt::format("`{}` is not an IP address", text.substr(0, slash))};
    auto digits = text.substr(slash + 1);
    unsigned prefix = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) {
      return {std::nullopt, fmt::format("`{}` is not a prefix length", digits)};
    }
    if (prefix > family_bits(base->family)) {
      return {std::nullopt, fmt::format("prefix length {} is longer than {} bits", prefix,
                                        family_bits(base->family))};
    }
    Cidr c{*base, prefix};
    if (strict && (base->bits & ~mask_of(base->family, prefix) & family_max(base->family)) != 0) {
      AddressSet network = of(c);
      Address net_base = network.family_first(base->family);
      return {std::nullopt,
              fmt::format("`{}` has host bits set; the block is `{}/{}`", text,
                          net_base.to_string(), prefix)};
    }
    return {of(c), {}};
  }
  auto a = Address::parse(text);
  if (!a) return {std::nullopt, fmt::format("`{}` is not an IP address", text)};
  return {of(*a), {}};
}

Address AddressSet::family_first(Family f) const {
  if (f == Family::V4) return Address::v4(v4_.intervals().at(0).lo);
  return Address::v6(v6_.intervals().at(0).lo);
}

bool AddressSet::contains(const Address& a) const {
  if (a.family == Family::V4) return v4_.contains(uint32_t(a.bits));
  return v6_.contains(a.bits);
}
bool AddressSet::contains(const AddressSet& o) const {
  return v4_.contains(o.v4_) && v6_.contains(o.v6_);
}
AddressSet AddressSet::only(Family f) const {
  AddressSet s;
  if (f == Family::V4) s.v4_ = v4_; else s.v6_ = v6_;
  return s;
}
AddressSet AddressSet::unite(const AddressSet& o) const {
  AddressSet s;
  s.v4_ = v4_.unite(o.v4_);
  s.v6_ = v6_.unite(o.v6_);
  return s;
}
AddressSet AddressSet::intersect(const AddressSet& o) const {
  AddressSet s;
  s.v4_ = v4_.intersect(o.v4_);
  s.v6_ = v6_.intersect(o.v6_);
  return s;
}
AddressSet AddressSet::subtract(const AddressSet& o) const {
  AddressSet s;
  s.v4_ = v4_.subtract(o.v4_);
  s.v6_ = v6_.subtract(o.v6_);
  return s;
}
AddressSet AddressSet::complement() const {
  AddressSet s;
  s.v4_ = v4_.complement();
  s.v6_ = v6_.complement();
  return s;
}

std::vector<Cidr> interval_to_cidrs(Family f, u128 lo, u128 hi) {
  std::vector<Cidr> out;
  unsigned width = family_bits(f);
  u128 max = family_max(f);
  while (true) {
    // Largest aligned block starting at lo that stays within hi.
    unsigned size_log = 0;
    while (size_log < width) {
      unsigned next = size_log + 1;
      u128 block_mask = next == 128 ? ~u128(0) : ((u128(1) << next) - 1);
      if ((lo & block_mask) != 0) break;
      u128 last = lo | block_mask;
      if (last > hi || last > max) break;
      size_log = next;
    }
    out.push_back(Cidr{Address{f, lo}, width - size_log});
    u128 block_last = size_log == 128 ? ~u128(0) : (lo | ((u128(1) << size_log) - 1));
    if (block_last >= hi) break;
    lo = block_last + 1;
  }
  return out;
}

std::vector<Cidr> AddressSet::to_cidrs() const {
  std::vector<Cidr> out;
  for (const auto& r : v4_.intervals()) {
    auto part = interval_to_cidrs(Family::V4, r.lo, r.hi);
    out.insert(out.end(), part.begin(), part.end());
  }
  for (const auto& r : v6_.intervals()) {
    auto part = interval_to_cidrs(Family::V6, r.lo, r.hi);
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::string AddressSet::to_string() const {
  if (is_any()) return "any";
  if (empty()) return "none";
  // IPv4 first, as in to_cidrs(); a whole family is written `any4` / `any6`.
  std::string out;
  auto append = [&out](const std::string& text) {
    if (!out.empty()) out += ", ";
    out += text;
  };
  if (v4_.is_all()) append("any4");
  for (const auto& c : to_cidrs()) {
    if (c.base.family == Family::V4 && !v4_.is_all()) append(c.to_string());
  }
  if (v6_.is_all()) append("any6");
  for (const auto& c : to_cidrs()) {
    if (c.base.family == Family::V6 && !v6_.is_all()) append(c.to_string());
  }
  return out;
}

}  // namespace rampart::core
