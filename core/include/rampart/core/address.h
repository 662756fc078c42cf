#pragma once
// IPv4 and IPv6 addresses and exact address sets. Both families are carried
// side by side; an IPv4 address is never silently mapped into IPv6.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rampart/core/interval_set.h"

namespace rampart::core {

enum class Family : uint8_t { V4 = 4, V6 = 6 };

struct Address {
  Family family = Family::V4;
  u128 bits = 0;  // IPv4 uses the low 32 bits

  static Address v4(uint32_t bits) { return {Family::V4, bits}; }
  static Address v6(u128 bits) { return {Family::V6, bits}; }
  static std::optional<Address> parse(std::string_view text);

  bool is_loopback() const;
  std::string to_string() const;  // RFC 5952 for IPv6
  friend bool operator==(const Address&, const Address&) = default;
  friend auto operator<=>(const Address& a, const Address& b) {
    if (a.family != b.family) return a.family <=> b.family;
    if (a.bits < b.bits) return std::strong_ordering::less;
    if (a.bits > b.bits) return std::strong_ordering::greater;
    return std::strong_ordering::equal;
  }
};

struct Cidr {
  Address base;
  unsigned prefix = 0;
  std::string to_string() const;
  friend bool operator==(const Cidr&, const Cidr&) = default;
};

unsigned family_bits(Family f);

class AddressSet {
 public:
  AddressSet() = default;
  static AddressSet any();
  static AddressSet any_v4();
  static AddressSet any_v6();
  static AddressSet loopback();  // 127.0.0.0/8 and ::1
  static AddressSet of(const Address& a);
  static AddressSet of(const Cidr& c);
  static AddressSet range(const Address& lo, const Address& hi);  // same family, lo <= hi

  // Parses one of: `any`, `any4`, `any6`, an address, a CIDR block (host bits
  // must be zero unless `strict` is false), or `A-B`.
  static struct AddressParse parse(std::string_view text, bool strict = true);

  const IntervalSet<uint32_t>& v4() const { return v4_; }
  const IntervalSet<u128>& v6() const { return v6_; }
  IntervalSet<uint32_t>& v4() { return v4_; }
  IntervalSet<u128>& v6() { return v6_; }

  bool empty() const { return v4_.empty() && v6_.empty(); }
  bool is_any() const { return v4_.is_all() && v6_.is_all(); }
  bool contains(const Address& a) const;
  bool contains(const AddressSet& other) const;
  bool intersects(const AddressSet& other) const { return !intersect(other).empty(); }
  AddressSet only(Family f) const;
  Address family_first(Family f) const;  // lowest address of a family; the family must be non-empty

  AddressSet unite(const AddressSet& o) const;
  AddressSet intersect(const AddressSet& o) const;
  AddressSet subtract(const AddressSet& o) const;
  AddressSet complement() const;

  // Canonical rendering: the minimal sorted list of CIDR blocks, IPv4 first.
  std::vector<Cidr> to_cidrs() const;
  std::string to_string() const;  // "any", "none", or comma-separated blocks

  friend bool operator==(const AddressSet&, const AddressSet&) = default;

 private:
  IntervalSet<uint32_t> v4_;
  IntervalSet<u128> v6_;
};

struct AddressParse {
  std::optional<AddressSet> set;
  std::string error;  // for people, when `set` is empty
};

// Minimal CIDR cover of one interval of a family.
std::vector<Cidr> interval_to_cidrs(Family f, u128 lo, u128 hi);

std::string u128_to_string(u128 v);

}  // namespace rampart::core
