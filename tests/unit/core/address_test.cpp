// Addresses, address sets and their canonical CIDR rendering. Expected values
// are worked out by hand from RFC 4291 (text forms), RFC 5952 (canonical
// output) and ordinary interval arithmetic.

#include "rampart/core/address.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <bitset>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core_test_util.h"

namespace rampart::core {
namespace {

using testing::addr;
using testing::aset;

u128 v6(std::array<uint16_t, 8> g) {
  u128 bits = 0;
  for (auto x : g) bits = (bits << 16) | x;
  return bits;
}

constexpr u128 kAllOnes = ~u128(0);

std::vector<std::string> cidr_texts(const AddressSet& s) {
  std::vector<std::string> out;
  for (const auto& c : s.to_cidrs()) out.push_back(c.to_string());
  return out;
}

// ---------------------------------------------------------------- IPv4 text

TEST(AddressParse, Ipv4Valid) {
  struct Case {
    const char* text;
    uint32_t bits;
  } cases[] = {
      {"0.0.0.0", 0u},
      {"255.255.255.255", 0xffffffffu},
      {"192.168.1.10", 0xc0a8010au},
      {"10.0.0.1", 0x0a000001u},
      {"1.2.3.4", 0x01020304u},
      {"100.200.250.0", (100u << 24) | (200u << 16) | (250u << 8)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto a = Address::parse(c.text);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->family, Family::V4);
    EXPECT_TRUE(a->bits == u128(c.bits));
    EXPECT_EQ(a->to_string(), c.text);  // dotted quad round-trips exactly
  }
}

TEST(AddressParse, Ipv4Invalid) {
  for (const char* text :
       {"",           "1.2.3",    "1.2.3.4.5", "256.0.0.1",  "1.2.3.256",  "01.2.3.4",
        "1.2.3.04",   "1.02.3.4", "00.0.0.0",  "1..2.3",     ".1.2.3.4",   "1.2.3.4.",
        " 1.2.3.4",   "1.2.3.4 ", "1.2.3.-1",  "+1.2.3.4",   "0x1.2.3.4",  "1000.1.1.1",
        "1.2.3.4/32", "a.b.c.d",  "1.2.3.4a",  "4294967295", "1.2.3.0000", "999.999.999.999"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Address::parse(text).has_value());
  }
}

// ---------------------------------------------------------------- IPv6 text

TEST(AddressParse, Ipv6ValidForms) {
  struct Case {
    const char* text;
    u128 bits;
  } cases[] = {
      // RFC 4291 section 2.2 examples.
      {"ABCD:EF01:2345:6789:ABCD:EF01:2345:6789",
       v6({0xabcd, 0xef01, 0x2345, 0x6789, 0xabcd, 0xef01, 0x2345, 0x6789})},
      {"2001:DB8:0:0:8:800:200C:417A", v6({0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a})},
      {"2001:DB8::8:800:200C:417A", v6({0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a})},
      {"FF01::101", v6({0xff01, 0, 0, 0, 0, 0, 0, 0x101})},
      {"::1", u128(1)},
      {"::", u128(0)},
      {"0:0:0:0:0:0:0:0", u128(0)},
      {"0:0:0:0:0:0:0:1", u128(1)},
      {"0:0:0:0:0:0:13.1.68.3", v6({0, 0, 0, 0, 0, 0, 0x0d01, 0x4403})},
      {"::13.1.68.3", v6({0, 0, 0, 0, 0, 0, 0x0d01, 0x4403})},
      {"0:0:0:0:0:FFFF:129.144.52.38", v6({0, 0, 0, 0, 0, 0xffff, 0x8190, 0x3426})},
      {"::FFFF:129.144.52.38", v6({0, 0, 0, 0, 0, 0xffff, 0x8190, 0x3426})},
      {"64:ff9b::192.0.2.33", v6({0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0221})},
      {"1:2:3:4:5:6:1.2.3.4", v6({1, 2, 3, 4, 5, 6, 0x0102, 0x0304})},
      {"1::", v6({1, 0, 0, 0, 0, 0, 0, 0})},
      {"1:2:3:4:5:6:7::", v6({1, 2, 3, 4, 5, 6, 7, 0})},  // "::" may stand for one group
      {"::2:3:4:5:6:7:8", v6({0, 2, 3, 4, 5, 6, 7, 8})},
      {"1:2:3:4:5:6:7:8", v6({1, 2, 3, 4, 5, 6, 7, 8})},
      {"fe80::1:2", v6({0xfe80, 0, 0, 0, 0, 0, 1, 2})},
      {"2001:0db8:0000:0000:0000:0000:0000:0001", v6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", kAllOnes},
      {"a:b::c:d", v6({0xa, 0xb, 0, 0, 0, 0, 0xc, 0xd})},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto a = Address::parse(c.text);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->family, Family::V6);
    EXPECT_TRUE(a->bits == c.bits) << "got " << a->to_string();
  }
}

TEST(AddressParse, Ipv6Invalid) {
  for (const char* text : {
           "1::2::3",                  // two "::"
           "::1::",                    // two "::"
           ":::",                      // three colons
           "1:::2",                    // three colons inside
           "1:2:3:4:5:6:7:8:9",        // nine groups
           "1:2:3:4:5:6:7",            // seven groups without "::"
           "1:2:3:4:5:6:7:8::",        // "::" with eight groups already
           "::1:2:3:4:5:6:7:8",        // "::" with eight groups already
           "1:2:3:4:5:6:7:8:",         // trailing colon
           "1:2:3:4:5:6:7:",           // trailing colon
           ":1:2:3:4:5:6:7:8",         // leading colon
           ":1::",                     // leading single colon
           "12345::",                  // five hex digits in a group
           "::12345",                  // five hex digits in a group
           "g::1",                     // not a hex digit
           "1:2:3:4:5:6:7:1.2.3.4",    // embedded IPv4 makes nine groups
           "1:2:3:4:5:6:7:8:1.2.3.4",  //
           "::1.2.3",                  // short embedded IPv4
           "::1.2.3.256",              // octet out of range
           "::01.2.3.4",               // leading zero in the embedded IPv4
           "::1.2.3.4:5",              // embedded IPv4 must come last
           "1.2.3.4::",                // IPv4 first
           "::ffff:1.2.3.4.5",         //
           "2001:db8::1%eth0",         // zone ids are not addresses
           "[::1]",                    // brackets belong to host:port syntax
           ":",                        //
           "1:",                       //
           "-1::",                     //
       }) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Address::parse(text).has_value());
  }
}

TEST(AddressToString, Rfc5952Canonical) {
  struct Case {
    u128 bits;
    const char* text;
  } cases[] = {
      {0, "::"},
      {1, "::1"},
      {v6({1, 0, 0, 0, 0, 0, 0, 0}), "1::"},
      // 4.1: leading zeros suppressed.  4.3: lowercase.
      {v6({0x2001, 0x0db8, 0, 0, 0, 0, 0, 1}), "2001:db8::1"},
      {v6({0x2001, 0xdb8, 0xabcd, 0xef, 0, 0, 0, 0xa}), "2001:db8:abcd:ef::a"},
      // 4.2.1: shorten as much as possible.
      {v6({0x2001, 0xdb8, 0, 0, 0, 0, 2, 1}), "2001:db8::2:1"},
      // 4.2.2: a single 16-bit 0 field is not shortened.
      {v6({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1}), "2001:db8:0:1:1:1:1:1"},
      {v6({0, 1, 0, 1, 0, 1, 0, 1}), "0:1:0:1:0:1:0:1"},
      {v6({1, 2, 3, 4, 5, 6, 7, 0}), "1:2:3:4:5:6:7:0"},
      {v6({0, 2, 3, 4, 5, 6, 7, 8}), "0:2:3:4:5:6:7:8"},
      // 4.2.3: the longest run is shortened; on ties the first.
      {v6({0x2001, 0, 0, 1, 0, 0, 0, 1}), "2001:0:0:1::1"},
      {v6({0x2001, 0xdb8, 0, 0, 1, 0, 0, 1}), "2001:db8::1:0:0:1"},
      {v6({1, 0, 1, 0, 0, 1, 0, 0}), "1:0:1::1:0:0"},
      {v6({0, 0, 1, 0, 0, 0, 1, 0}), "0:0:1::1:0"},
      {v6({0, 0, 1, 1, 1, 1, 0, 0}), "::1:1:1:1:0:0"},
      {v6({1, 1, 1, 1, 1, 1, 0, 0}), "1:1:1:1:1:1::"},
      {v6({0xfe80, 0, 0, 0, 0, 0, 0, 0xabcd}), "fe80::abcd"},
      {v6({0xff02, 0, 0, 0, 0, 0, 0, 1}), "ff02::1"},
      {kAllOnes, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
      {v6({0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xfffe}),
       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"},
      {v6({0x8000, 0, 0, 0, 0, 0, 0, 0}), "8000::"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(Address::v6(c.bits).to_string(), c.text);
    // The canonical text parses back to the same address.
    auto back = Address::parse(c.text);
    ASSERT_TRUE(back.has_value());
    EXPECT_TRUE(back->bits == c.bits);
  }
}

TEST(AddressToString, UppercaseAndLongFormsAreCanonicalised) {
  EXPECT_EQ(addr("2001:DB8::ABCD").to_string(), "2001:db8::abcd");
  EXPECT_EQ(addr("2001:0DB8:0000:0000:0000:0000:0000:0001").to_string(), "2001:db8::1");
  EXPECT_EQ(addr("0:0:0:0:0:0:0:0").to_string(), "::");
  EXPECT_EQ(addr("1:2:3:4:5:6:7::").to_string(), "1:2:3:4:5:6:7:0");
  EXPECT_EQ(addr("::13.1.68.3").to_string(), "::d01:4403");
}

TEST(Address, FamiliesAreDistinct) {
  // An IPv4 address is never silently mapped into IPv6.
  EXPECT_NE(addr("1.2.3.4"), addr("::1.2.3.4"));
  EXPECT_NE(addr("1.2.3.4"), addr("::ffff:1.2.3.4"));
  EXPECT_LT(addr("255.255.255.255"), addr("::"));  // IPv4 orders first
  EXPECT_LT(addr("10.0.0.1"), addr("10.0.0.2"));
  EXPECT_LT(addr("::1"), addr("8000::"));
}

TEST(Address, Loopback) {
  EXPECT_TRUE(addr("127.0.0.1").is_loopback());
  EXPECT_TRUE(addr("127.0.0.0").is_loopback());
  EXPECT_TRUE(addr("127.255.255.255").is_loopback());
  EXPECT_FALSE(addr("126.255.255.255").is_loopback());
  EXPECT_FALSE(addr("128.0.0.0").is_loopback());
  EXPECT_FALSE(addr("10.0.0.1").is_loopback());
  EXPECT_TRUE(addr("::1").is_loopback());
  EXPECT_FALSE(addr("::").is_loopback());
  EXPECT_FALSE(addr("::2").is_loopback());
  EXPECT_FALSE(addr("1::1").is_loopback());

  AddressSet lo = AddressSet::loopback();
  EXPECT_EQ(cidr_texts(lo), (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
}

// ---------------------------------------------------------------- AddressSet::parse

TEST(AddressSetParse, CidrBlocks) {
  AddressSet s = aset("10.0.0.0/8");
  EXPECT_TRUE(s.contains(addr("10.0.0.0")));
  EXPECT_TRUE(s.contains(addr("10.255.255.255")));
  EXPECT_FALSE(s.contains(addr("9.255.255.255")));
  EXPECT_FALSE(s.contains(addr("11.0.0.0")));
  EXPECT_FALSE(s.contains(addr("::a00:0")));
  ASSERT_EQ(s.v4().intervals().size(), 1u);
  EXPECT_EQ(s.v4().intervals()[0].lo, 0x0a000000u);
  EXPECT_EQ(s.v4().intervals()[0].hi, 0x0affffffu);
  EXPECT_TRUE(s.v6().empty());

  EXPECT_EQ(cidr_texts(aset("192.168.1.0/24")), std::vector<std::string>{"192.168.1.0/24"});
  EXPECT_EQ(cidr_texts(aset("192.168.1.7/32")), std::vector<std::string>{"192.168.1.7/32"});
  EXPECT_EQ(cidr_texts(aset("0.0.0.0/0")), std::vector<std::string>{"0.0.0.0/0"});
  EXPECT_TRUE(aset("0.0.0.0/0") == AddressSet::any_v4());
  EXPECT_TRUE(aset("::/0") == AddressSet::any_v6());
  EXPECT_EQ(cidr_texts(aset("2001:db8::/32")), std::vector<std::string>{"2001:db8::/32"});
  EXPECT_EQ(cidr_texts(aset("::1/128")), std::vector<std::string>{"::1/128"});

  AddressSet v6net = aset("2001:db8::/32");
  EXPECT_TRUE(v6net.contains(addr("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(v6net.contains(addr("2001:db9::")));
  EXPECT_FALSE(v6net.contains(addr("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff")));
}

TEST(AddressSetParse, HostBitsSetIsAnErrorWhenStrict) {
  auto p = AddressSet::parse("10.0.0.1/8");
  EXPECT_FALSE(p.set.has_value());
  EXPECT_NE(p.error.find("10.0.0.0/8"), std::string::npos) << p.error;  // says which block was meant

  auto lax = AddressSet::parse("10.0.0.1/8", /*strict=*/false);
  ASSERT_TRUE(lax.set.has_value());
  EXPECT_TRUE(*lax.set == aset("10.0.0.0/8"));

  EXPECT_FALSE(AddressSet::parse("192.168.1.1/24").set.has_value());
  EXPECT_FALSE(AddressSet::parse("192.168.1.128/24").set.has_value());
  EXPECT_TRUE(AddressSet::parse("192.168.1.128/25").set.has_value());
  EXPECT_FALSE(AddressSet::parse("0.0.0.1/0").set.has_value());
  EXPECT_FALSE(AddressSet::parse("255.255.255.255/31").set.has_value());
  EXPECT_TRUE(AddressSet::parse("255.255.255.254/31").set.has_value());

  auto p6 = AddressSet::parse("2001:db8::1/32");
  EXPECT_FALSE(p6.set.has_value());
  EXPECT_NE(p6.error.find("2001:db8::/32"), std::string::npos) << p6.error;
  EXPECT_FALSE(AddressSet::parse("::1/127").set.has_value());
  EXPECT_TRUE(AddressSet::parse("::/127").set.has_value());
  EXPECT_FALSE(AddressSet::parse("8000::/0").set.has_value());

  auto lax6 = AddressSet::parse("2001:db8::1/32", false);
  ASSERT_TRUE(lax6.set.has_value());
  EXPECT_EQ(cidr_texts(*lax6.set), std::vector<std::string>{"2001:db8::/32"});
}

TEST(AddressSetParse, PrefixErrors) {
  for (const char* text :
       {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/ 8",
        "10.0.0.0/8 ", "/8", "10.0.0/8", "1::2::3/64", "10.0.0.0/4294967304"}) {
    SCOPED_TRACE(text);
    auto p = AddressSet::parse(text);
    EXPECT_FALSE(p.set.has_value());
    EXPECT_FALSE(p.error.empty());
  }
  EXPECT_TRUE(AddressSet::parse("10.0.0.0/32").set.has_value());
  EXPECT_TRUE(AddressSet::parse("::/128").set.has_value());
}

TEST(AddressSetParse, Ranges) {
  AddressSet r = aset("10.0.0.5-10.0.0.10");
  ASSERT_EQ(r.v4().intervals().size(), 1u);
  EXPECT_EQ(r.v4().intervals()[0].lo, 0x0a000005u);
  EXPECT_EQ(r.v4().intervals()[0].hi, 0x0a00000au);
  EXPECT_EQ(cidr_texts(r),
            (std::vector<std::string>{"10.0.0.5/32", "10.0.0.6/31", "10.0.0.8/31", "10.0.0.10/32"}));

  EXPECT_EQ(cidr_texts(aset("10.0.0.7-10.0.0.7")), std::vector<std::string>{"10.0.0.7/32"});
  EXPECT_EQ(cidr_texts(aset("0.0.0.0-255.255.255.255")), std::vector<std::string>{"0.0.0.0/0"});
  EXPECT_EQ(cidr_texts(aset("::1-::3")), (std::vector<std::string>{"::1/128", "::2/127"}));
  EXPECT_EQ(cidr_texts(aset("2001:db8::-2001:db8::ff")), std::vector<std::string>{"2001:db8::/120"});

  for (const char* text : {"10.0.0.10-10.0.0.5", "10.0.0.1-::1", "::1-10.0.0.1", "10.0.0.1-", "-10.0.0.1",
                           "10.0.0.1-10.0.0.256", "10.0.0.1 - 10.0.0.2", "::3-::1", "10.0.0.0/8-10.0.0.9"}) {
    SCOPED_TRACE(text);
    auto p = AddressSet::parse(text);
    EXPECT_FALSE(p.set.has_value());
    EXPECT_FALSE(p.error.empty());
  }
}

TEST(AddressSetParse, AnyForms) {
  AddressSet any = aset("any");
  EXPECT_TRUE(any.is_any());
  EXPECT_TRUE(any.v4().is_all());
  EXPECT_TRUE(any.v6().is_all());
  EXPECT_EQ(cidr_texts(any), (std::vector<std::string>{"0.0.0.0/0", "::/0"}));
  EXPECT_EQ(any.to_string(), "any");

  AddressSet a4 = aset("any4");
  EXPECT_TRUE(a4.v4().is_all());
  EXPECT_TRUE(a4.v6().empty());
  EXPECT_FALSE(a4.is_any());
  EXPECT_EQ(a4.to_string(), "any4");
  EXPECT_TRUE(a4.contains(addr("0.0.0.0")));
  EXPECT_TRUE(a4.contains(addr("255.255.255.255")));
  EXPECT_FALSE(a4.contains(addr("::")));

  AddressSet a6 = aset("any6");
  EXPECT_TRUE(a6.v6().is_all());
  EXPECT_TRUE(a6.v4().empty());
  EXPECT_EQ(a6.to_string(), "any6");
  EXPECT_TRUE(a6.contains(addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(a6.contains(addr("0.0.0.0")));

  EXPECT_TRUE(a4.unite(a6) == any);
  EXPECT_TRUE(a4.complement() == a6);
  EXPECT_TRUE(any.complement().empty());
  EXPECT_TRUE(AddressSet{}.complement() == any);
  EXPECT_EQ(AddressSet{}.to_string(), "none");

  for (const char* text : {"", "ANY", "any5", "all", "*"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(AddressSet::parse(text).set.has_value());
  }
}

TEST(AddressSet, ToStringMixesFamilies) {
  EXPECT_EQ(aset("any4").unite(aset("2001:db8::/32")).to_string(), "any4, 2001:db8::/32");
  EXPECT_EQ(aset("10.0.0.0/8").unite(aset("any6")).to_string(), "10.0.0.0/8, any6");
  EXPECT_EQ(aset("2001:db8::/32").unite(aset("10.0.0.0/8")).to_string(), "10.0.0.0/8, 2001:db8::/32");
  EXPECT_EQ(aset("10.0.0.0/25").unite(aset("10.0.0.128/25")).to_string(), "10.0.0.0/24");
}

TEST(AddressSet, OnlyAndFamilyFirst) {
  AddressSet s = aset("10.0.0.0/8").unite(aset("2001:db8::/32"));
  EXPECT_EQ(cidr_texts(s.only(Family::V4)), std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(cidr_texts(s.only(Family::V6)), std::vector<std::string>{"2001:db8::/32"});
  EXPECT_EQ(s.family_first(Family::V4), addr("10.0.0.0"));
  EXPECT_EQ(s.family_first(Family::V6), addr("2001:db8::"));
}

TEST(AddressSet, OfCidrMasksHostBits) {
  EXPECT_TRUE(AddressSet::of(Cidr{addr("10.1.2.3"), 8}) == aset("10.0.0.0/8"));
  EXPECT_TRUE(AddressSet::of(Cidr{addr("10.1.2.3"), 0}) == AddressSet::any_v4());
  EXPECT_TRUE(AddressSet::of(Cidr{addr("10.1.2.3"), 32}) == AddressSet::of(addr("10.1.2.3")));
  EXPECT_TRUE(AddressSet::of(Cidr{addr("2001:db8::1"), 0}) == AddressSet::any_v6());
  EXPECT_TRUE(AddressSet::of(Cidr{addr("2001:db8::1"), 128}) == AddressSet::of(addr("2001:db8::1")));
  EXPECT_TRUE(AddressSet::of(Cidr{addr("ffff::1"), 1}) == aset("8000::/1"));
  // range() across families or backwards is empty
  EXPECT_TRUE(AddressSet::range(addr("10.0.0.2"), addr("10.0.0.1")).empty());
  EXPECT_TRUE(AddressSet::range(addr("10.0.0.1"), addr("::2")).empty());
}

TEST(AddressSet, ContainsAndIntersects) {
  AddressSet big = aset("10.0.0.0/8");
  AddressSet small = aset("10.1.0.0/16");
  AddressSet other = aset("192.168.0.0/16");
  EXPECT_TRUE(big.contains(small));
  EXPECT_FALSE(small.contains(big));
  EXPECT_TRUE(big.contains(AddressSet{}));
  EXPECT_TRUE(AddressSet{}.contains(AddressSet{}));
  EXPECT_FALSE(AddressSet{}.contains(small));
  EXPECT_TRUE(big.intersects(small));
  EXPECT_FALSE(big.intersects(other));
  EXPECT_FALSE(big.intersects(AddressSet{}));
  // v4 and v6 never overlap
  EXPECT_FALSE(aset("any4").intersects(aset("any6")));
  EXPECT_FALSE(aset("any4").contains(aset("::1")));
  EXPECT_TRUE(aset("any").contains(aset("::1").unite(aset("1.2.3.4"))));
}

// ---------------------------------------------------------------- to_cidrs

TEST(AddressSetCidrs, KnownExamples) {
  AddressSet s = aset("192.168.1.0/24").subtract(aset("192.168.1.66"));
  EXPECT_EQ(cidr_texts(s), (std::vector<std::string>{"192.168.1.0/26", "192.168.1.64/31", "192.168.1.67/32",
                                                     "192.168.1.68/30", "192.168.1.72/29", "192.168.1.80/28",
                                                     "192.168.1.96/27", "192.168.1.128/25"}));
  EXPECT_EQ(s.to_string(),
            "192.168.1.0/26, 192.168.1.64/31, 192.168.1.67/32, 192.168.1.68/30, 192.168.1.72/29, "
            "192.168.1.80/28, 192.168.1.96/27, 192.168.1.128/25");

  // 10.0.0.1 - 10.0.0.254: everything but the network and broadcast addresses.
  EXPECT_EQ(cidr_texts(aset("10.0.0.1-10.0.0.254")),
            (std::vector<std::string>{"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/30", "10.0.0.8/29",
                                      "10.0.0.16/28", "10.0.0.32/27", "10.0.0.64/26", "10.0.0.128/26",
                                      "10.0.0.192/27", "10.0.0.224/28", "10.0.0.240/29", "10.0.0.248/30",
                                      "10.0.0.252/31", "10.0.0.254/32"}));

  // Two adjacent /25 blocks merge; two non-sibling /25s do not.
  EXPECT_EQ(cidr_texts(aset("10.0.0.0/25").unite(aset("10.0.0.128/25"))),
            std::vector<std::string>{"10.0.0.0/24"});
  EXPECT_EQ(cidr_texts(aset("10.0.0.128/25").unite(aset("10.0.1.0/25"))),
            (std::vector<std::string>{"10.0.0.128/25", "10.0.1.0/25"}));

  EXPECT_EQ(cidr_texts(AddressSet{}), std::vector<std::string>{});
  EXPECT_EQ(cidr_texts(aset("0.0.0.0")), std::vector<std::string>{"0.0.0.0/32"});
  EXPECT_EQ(cidr_texts(aset("255.255.255.255")), std::vector<std::string>{"255.255.255.255/32"});
  EXPECT_EQ(cidr_texts(aset("any4").subtract(aset("0.0.0.0/1"))), std::vector<std::string>{"128.0.0.0/1"});
}

TEST(AddressSetCidrs, FullSpaceEdges) {
  // Everything but 255.255.255.255: /1, /2, ..., /31, then .254/32.
  auto v4 = aset("any4").subtract(aset("255.255.255.255")).to_cidrs();
  ASSERT_EQ(v4.size(), 32u);
  for (unsigned i = 0; i < 31; ++i) EXPECT_EQ(v4[i].prefix, i + 1) << i;
  EXPECT_EQ(v4[0].to_string(), "0.0.0.0/1");
  EXPECT_EQ(v4[1].to_string(), "128.0.0.0/2");
  EXPECT_EQ(v4[30].to_string(), "255.255.255.252/31");
  EXPECT_EQ(v4[31].to_string(), "255.255.255.254/32");

  // Everything but 0.0.0.0: 0.0.0.1/32, .2/31, .4/30, ..., 128.0.0.0/1.
  auto v4b = aset("any4").subtract(aset("0.0.0.0")).to_cidrs();
  ASSERT_EQ(v4b.size(), 32u);
  for (unsigned k = 0; k < 32; ++k) {
    EXPECT_EQ(v4b[k].prefix, 32 - k) << k;
    EXPECT_TRUE(v4b[k].base.bits == (u128(1) << k)) << k;
  }

  // ::/0 minus :: -> ::1/128, ::2/127, ::4/126, ... 8000::/1 (128 blocks).
  auto v6a = aset("any6").subtract(aset("::")).to_cidrs();
  ASSERT_EQ(v6a.size(), 128u);
  for (unsigned k = 0; k < 128; ++k) {
    EXPECT_EQ(v6a[k].base.family, Family::V6);
    EXPECT_EQ(v6a[k].prefix, 128 - k) << k;
    EXPECT_TRUE(v6a[k].base.bits == (u128(1) << k)) << k;
  }
  EXPECT_EQ(v6a.front().to_string(), "::1/128");
  EXPECT_EQ(v6a[1].to_string(), "::2/127");
  EXPECT_EQ(v6a.back().to_string(), "8000::/1");

  // ::/0 minus ffff:...:ffff -> ::/1, 8000::/2, c000::/3, ..., ffff:...:fffe/128.
  auto v6b = aset("any6").subtract(aset("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).to_cidrs();
  ASSERT_EQ(v6b.size(), 128u);
  for (unsigned i = 0; i < 128; ++i) {
    EXPECT_EQ(v6b[i].prefix, i + 1) << i;
    // base = the top i bits set
    u128 expected = i == 0 ? u128(0) : (kAllOnes << (128 - i));
    EXPECT_TRUE(v6b[i].base.bits == expected) << i;
  }
  EXPECT_EQ(v6b[0].to_string(), "::/1");
  EXPECT_EQ(v6b[1].to_string(), "8000::/2");
  EXPECT_EQ(v6b[2].to_string(), "c000::/3");
  EXPECT_EQ(v6b.back().to_string(), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128");

  EXPECT_EQ(cidr_texts(aset("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
            std::vector<std::string>{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"});
  EXPECT_EQ(cidr_texts(aset("::")), std::vector<std::string>{"::/128"});
  EXPECT_EQ(cidr_texts(aset("8000::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
            std::vector<std::string>{"8000::/1"});
  EXPECT_EQ(cidr_texts(aset("::-7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), std::vector<std::string>{"::/1"});
}

TEST(AddressSetCidrs, IntervalToCidrs) {
  auto texts = [](Family f, u128 lo, u128 hi) {
    std::vector<std::string> out;
    for (const auto& c : interval_to_cidrs(f, lo, hi)) out.push_back(c.to_string());
    return out;
  };
  EXPECT_EQ(texts(Family::V4, 1, 6),
            (std::vector<std::string>{"0.0.0.1/32", "0.0.0.2/31", "0.0.0.4/31", "0.0.0.6/32"}));
  EXPECT_EQ(texts(Family::V4, 0, 0xffffffffu), std::vector<std::string>{"0.0.0.0/0"});
  EXPECT_EQ(texts(Family::V4, 0xffffffffu, 0xffffffffu), std::vector<std::string>{"255.255.255.255/32"});
  EXPECT_EQ(texts(Family::V6, 0, kAllOnes), std::vector<std::string>{"::/0"});
  EXPECT_EQ(texts(Family::V6, kAllOnes, kAllOnes),
            std::vector<std::string>{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"});
  EXPECT_EQ(texts(Family::V6, kAllOnes - 1, kAllOnes),
            std::vector<std::string>{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"});
}

TEST(U128Text, Decimal) {
  EXPECT_EQ(u128_to_string(0), "0");
  EXPECT_EQ(u128_to_string(1), "1");
  EXPECT_EQ(u128_to_string(u128(1) << 64), "18446744073709551616");
  EXPECT_EQ(u128_to_string(kAllOnes), "340282366920938463463374607431768211455");
}

// ---------------------------------------------------------------- properties

// The interval [lo, hi] a block covers.
std::pair<u128, u128> block_bounds(const Cidr& c) {
  unsigned width = family_bits(c.base.family);
  unsigned host = width - c.prefix;
  u128 span = host == 128 ? kAllOnes : ((u128(1) << host) - 1);
  return {c.base.bits, c.base.bits + span};
}

// Checks every promise of to_cidrs(): blocks are aligned, sorted (IPv4 first),
// disjoint, their union is the set and no two of them can merge.
void check_cidr_properties(const AddressSet& s) {
  auto blocks = s.to_cidrs();
  IntervalSet<uint32_t> v4;
  IntervalSet<u128> v6;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Cidr& c = blocks[i];
    unsigned width = family_bits(c.base.family);
    ASSERT_LE(c.prefix, width);
    auto [lo, hi] = block_bounds(c);
    unsigned host = width - c.prefix;
    u128 span = host == 128 ? kAllOnes : ((u128(1) << host) - 1);
    EXPECT_TRUE((lo & span) == 0) << "block not aligned: " << c.to_string();
    if (c.base.family == Family::V4) {
      EXPECT_TRUE(hi <= u128(0xffffffffu)) << c.to_string();
      v4.add(uint32_t(lo), uint32_t(hi));
    } else {
      v6.add(lo, hi);
    }
    if (i == 0) continue;
    const Cidr& p = blocks[i - 1];
    if (p.base.family != c.base.family) {
      EXPECT_EQ(p.base.family, Family::V4) << "IPv4 blocks must come first";
      continue;
    }
    auto [plo, phi] = block_bounds(p);
    EXPECT_TRUE(phi < lo) << "blocks not sorted/disjoint: " << p.to_string() << " " << c.to_string();
    // Siblings (same size, adjacent, together aligned on the parent) could merge.
    if (p.prefix == c.prefix && c.prefix > 0 && phi + 1 == lo) {
      unsigned parent_host = width - c.prefix + 1;
      u128 parent_span = parent_host == 128 ? kAllOnes : ((u128(1) << parent_host) - 1);
      EXPECT_FALSE((plo & parent_span) == 0) << "mergeable: " << p.to_string() << " " << c.to_string();
    }
  }
  EXPECT_TRUE(v4 == s.v4()) << "IPv4 blocks do not cover the set exactly";
  EXPECT_TRUE(v6 == s.v6()) << "IPv6 blocks do not cover the set exactly";
}

// An independent minimal cover: a block goes in whole when the set contains
// it; otherwise its halves are examined, unless the set misses it entirely.
template <typename T>
void reference_cover(const IntervalSet<T>& s, Family f, u128 lo, unsigned host_bits,
                     std::vector<std::string>& out) {
  u128 span = host_bits == 128 ? kAllOnes : ((u128(1) << host_bits) - 1);
  IntervalSet<T> block = IntervalSet<T>::range(T(lo), T(lo + span));
  if (s.contains(block)) {
    out.push_back(Cidr{Address{f, lo}, family_bits(f) - host_bits}.to_string());
    return;
  }
  if (!s.intersects(block)) return;
  u128 half = u128(1) << (host_bits - 1);
  reference_cover(s, f, lo, host_bits - 1, out);
  reference_cover(s, f, lo + half, host_bits - 1, out);
}

std::vector<std::string> reference_cidrs(const AddressSet& s) {
  std::vector<std::string> out;
  reference_cover(s.v4(), Family::V4, 0, 32, out);
  reference_cover(s.v6(), Family::V6, 0, 128, out);
  return out;
}

uint64_t base_seed() {
  if (const char* env = std::getenv("RAMPART_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return 20240611;
}

// A universe of 64 consecutive addresses (an aligned /26 or /122).
struct Universe {
  Family family;
  u128 base;
  Address at(unsigned i) const { return Address{family, base + i}; }
  std::string text(unsigned i) const { return at(i).to_string(); }
};

using Bits = std::bitset<64>;

// A random subset built from random CIDR blocks, ranges and single addresses,
// through their text forms (so AddressSet::parse is exercised too).
AddressSet random_set(std::mt19937_64& rng, const Universe& u, Bits& ref) {
  AddressSet s;
  ref.reset();
  unsigned pieces = unsigned(rng() % 5);
  unsigned width = family_bits(u.family);
  for (unsigned k = 0; k < pieces; ++k) {
    std::string text;
    switch (rng() % 4) {
      case 0:
      case 1: {                               // a CIDR block inside the universe
        unsigned host = unsigned(rng() % 7);  // /26../32 (or /122../128)
        unsigned start = unsigned(rng() % 64) & ~((1u << host) - 1);
        text = fmt::format("{}/{}", u.text(start), width - host);
        for (unsigned i = start; i < start + (1u << host); ++i) ref.set(i);
        break;
      }
      case 2: {  // a range
        unsigned a = unsigned(rng() % 64), b = unsigned(rng() % 64);
        if (a > b) std::swap(a, b);
        text = u.text(a) + "-" + u.text(b);
        for (unsigned i = a; i <= b; ++i) ref.set(i);
        break;
      }
      default: {  // one address
        unsigned a = unsigned(rng() % 64);
        text = u.text(a);
        ref.set(a);
      }
    }
    auto p = AddressSet::parse(text);
    EXPECT_TRUE(p.set.has_value()) << text << ": " << p.error;
    if (p.set) s = s.unite(*p.set);
  }
  if (rng() % 16 == 0) {  // sometimes the whole universe
    s = s.unite(AddressSet::range(u.at(0), u.at(63)));
    ref.set();
  }
  return s;
}

AddressSet from_bits(const Universe& u, const Bits& b) {
  AddressSet s;
  for (unsigned i = 0; i < 64; ++i) {
    if (b[i]) s = s.unite(AddressSet::of(u.at(i)));
  }
  return s;
}

void check_canonical(const AddressSet& s) {
  const auto& a = s.v4().intervals();
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_LE(a[i].lo, a[i].hi);
    if (i > 0) {
      EXPECT_GT(u128(a[i].lo), u128(a[i - 1].hi) + 1) << "intervals touch or overlap";
    }
  }
  const auto& b = s.v6().intervals();
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_TRUE(b[i].lo <= b[i].hi);
    if (i > 0) {
      EXPECT_TRUE(b[i].lo > b[i - 1].hi && b[i].lo - b[i - 1].hi > 1) << "intervals touch or overlap";
    }
  }
}

// Membership of every address of the universe, and of its two neighbours,
// against the reference bit set.
void check_members(const Universe& u, const AddressSet& s, const Bits& ref, bool outside, const char* what) {
  SCOPED_TRACE(what);
  for (unsigned i = 0; i < 64; ++i) {
    ASSERT_EQ(s.contains(u.at(i)), bool(ref[i])) << u.text(i);
  }
  if (u.base > 0) {
    EXPECT_EQ(s.contains(Address{u.family, u.base - 1}), outside);
  }
  u128 max = u.family == Family::V4 ? u128(0xffffffffu) : kAllOnes;
  if (u.base + 63 < max) {
    EXPECT_EQ(s.contains(Address{u.family, u.base + 64}), outside);
  }
  // The other family is untouched (empty, or everything for a complement).
  Address other = u.family == Family::V4 ? addr("2001:db8::1") : addr("10.0.0.1");
  EXPECT_EQ(s.contains(other), outside);
  check_canonical(s);
  EXPECT_TRUE(s == from_bits(u, ref) || outside) << "not in canonical form";
  if (!outside) {
    EXPECT_EQ(cidr_texts(s), reference_cidrs(s));
  }
  check_cidr_properties(s);
}

class AlgebraVsBruteForce : public ::testing::TestWithParam<Universe> {};

TEST_P(AlgebraVsBruteForce, RandomSets) {
  const Universe& u = GetParam();
  uint64_t seed0 = base_seed();
  for (uint64_t iter = 0; iter < 400; ++iter) {
    uint64_t seed = seed0 + iter;
    SCOPED_TRACE(fmt::format("seed {} (rerun with RAMPART_TEST_SEED={})", seed, seed));
    std::mt19937_64 rng(seed);
    Bits ra, rb;
    AddressSet a = random_set(rng, u, ra);
    AddressSet b = random_set(rng, u, rb);
    check_members(u, a, ra, false, "a");
    check_members(u, a.unite(b), ra | rb, false, "unite");
    check_members(u, a.intersect(b), ra & rb, false, "intersect");
    check_members(u, a.subtract(b), ra & ~rb, false, "subtract");
    check_members(u, a.complement(), ~ra, true, "complement");
    EXPECT_EQ(a.contains(b), (rb & ~ra).none());
    EXPECT_EQ(a.intersects(b), (ra & rb).any());
    EXPECT_EQ(a.empty(), ra.none());
    EXPECT_TRUE(a.complement().complement() == a);
    EXPECT_TRUE(a.subtract(b) == a.intersect(b.complement()));
    EXPECT_TRUE(a.unite(b) == b.unite(a));
    EXPECT_TRUE(a.intersect(b) == b.intersect(a));
    EXPECT_TRUE(a.unite(a.complement()) == AddressSet::any());
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(Universes, AlgebraVsBruteForce,
                         ::testing::Values(Universe{Family::V4, 0x0a000000u},  // 10.0.0.0/26
                                           Universe{Family::V4, 0u},           // 0.0.0.0/26
                                           Universe{Family::V4, 0xffffffc0u},  // 255.255.255.192/26
                                           Universe{Family::V6, u128(0x20010db8) << 96},  // 2001:db8::/122
                                           Universe{Family::V6, u128(0)},                 // ::/122
                                           Universe{Family::V6, kAllOnes - 63}));         // top /122

// Random sets spread over the whole address space, checked against the
// independent recursive cover.
TEST(AddressSetCidrs, RandomWideSetsAreMinimal) {
  uint64_t seed0 = base_seed();
  for (uint64_t iter = 0; iter < 200; ++iter) {
    uint64_t seed = seed0 + iter;
    SCOPED_TRACE(fmt::format("seed {} (rerun with RAMPART_TEST_SEED={})", seed, seed));
    std::mt19937_64 rng(seed);
    AddressSet s;
    unsigned n = unsigned(rng() % 6);
    for (unsigned k = 0; k < n; ++k) {
      uint32_t a = uint32_t(rng()), b = uint32_t(rng());
      if (a > b) std::swap(a, b);
      s = s.unite(AddressSet::range(Address::v4(a), Address::v4(b)));
      u128 x = (u128(rng()) << 64) | rng(), y = (u128(rng()) << 64) | rng();
      if (x > y) std::swap(x, y);
      // Keep some runs short so long prefixes appear too.
      if (rng() % 2) y = x + (rng() % 1000);
      if (y < x) y = kAllOnes;
      s = s.unite(AddressSet::range(Address::v6(x), Address::v6(y)));
    }
    if (rng() % 3 == 0) s = s.complement();
    check_cidr_properties(s);
    EXPECT_EQ(cidr_texts(s), reference_cidrs(s));
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace rampart::core
