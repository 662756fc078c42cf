// IntervalSet: the canonical exact sets every field of the model is built on.
// Edge cases at 0 and at the maximum of each width, and an exhaustive
// comparison with a bit set over the whole uint8_t universe.

#include "rampart/core/interval_set.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bitset>
#include <cstdlib>
#include <limits>
#include <random>

namespace rampart::core {
namespace {

template <typename T>
std::vector<std::pair<u128, u128>> pairs(const IntervalSet<T>& s) {
  std::vector<std::pair<u128, u128>> out;
  for (const auto& r : s.intervals()) out.emplace_back(u128(r.lo), u128(r.hi));
  return out;
}

using P = std::vector<std::pair<u128, u128>>;
constexpr u128 kMax128 = ~u128(0);

template <typename T>
class IntervalSetEdges : public ::testing::Test {};
using Widths = ::testing::Types<uint8_t, uint16_t, uint32_t, u128>;
TYPED_TEST_SUITE(IntervalSetEdges, Widths);

TYPED_TEST(IntervalSetEdges, AllAndNone) {
  using T = TypeParam;
  using S = IntervalSet<T>;
  const T max = S::kMax;
  S all = S::all();
  S none = S::none();
  EXPECT_TRUE(all.is_all());
  EXPECT_FALSE(all.empty());
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.is_all());
  EXPECT_TRUE(all.contains(T(0)));
  EXPECT_TRUE(all.contains(max));
  EXPECT_FALSE(none.contains(T(0)));
  EXPECT_FALSE(none.contains(max));
  EXPECT_TRUE(all.complement().empty());
  EXPECT_TRUE(none.complement().is_all());
  EXPECT_TRUE(all.contains(none));
  EXPECT_TRUE(none.contains(none));
  EXPECT_FALSE(none.contains(all));
  EXPECT_TRUE(all.subtract(all).empty());
  EXPECT_TRUE(all.unite(none) == all);
  EXPECT_TRUE(all.intersect(none) == none);
  EXPECT_FALSE(all.intersects(none));
}

TYPED_TEST(IntervalSetEdges, EndsOfTheRange) {
  using T = TypeParam;
  using S = IntervalSet<T>;
  const T max = S::kMax;
  S zero = S::single(T(0));
  S top = S::single(max);

  EXPECT_EQ(pairs(zero.complement()), (P{{1, u128(max)}}));
  EXPECT_EQ(pairs(top.complement()), (P{{0, u128(max) - 1}}));
  EXPECT_EQ(pairs(zero.unite(top)), (P{{0, 0}, {u128(max), u128(max)}}));
  EXPECT_EQ(pairs(zero.unite(top).complement()), (P{{1, u128(max) - 1}}));
  EXPECT_TRUE(zero.unite(top).complement().complement() == zero.unite(top));

  // [0, max-1] + {max} is everything; {0} + [1, max] too.
  EXPECT_TRUE(S::range(T(0), T(max - 1)).unite(top).is_all());
  EXPECT_TRUE(zero.unite(S::range(T(1), max)).is_all());
  S s = S::range(T(0), T(max - 1));
  s.add(max);
  EXPECT_TRUE(s.is_all());

  // Adjacent intervals merge, a gap of one keeps them apart.
  EXPECT_EQ(pairs(S::range(T(0), T(9)).unite(S::range(T(10), T(20)))), (P{{0, 20}}));
  EXPECT_EQ(pairs(S::range(T(0), T(9)).unite(S::range(T(11), T(20)))), (P{{0, 9}, {11, 20}}));
  EXPECT_EQ(pairs(S::range(T(max - 5), max).unite(S::range(T(0), T(5)))),
            (P{{0, 5}, {u128(max) - 5, u128(max)}}));
  // Overlapping and nested intervals.
  EXPECT_EQ(pairs(S::range(T(5), T(50)).unite(S::range(T(10), T(20)))), (P{{5, 50}}));
  EXPECT_EQ(pairs(S::range(T(5), T(50)).unite(S::range(T(40), max))), (P{{5, u128(max)}}));
  // A set reaching max followed by a later-sorted interval: unite of many.
  S many;
  many.add(T(max - 1), max);
  many.add(T(3), T(4));
  many.add(max);
  many.add(T(0));
  many.add(T(2));
  EXPECT_EQ(pairs(many), (P{{0, 0}, {2, 4}, {u128(max) - 1, u128(max)}}));

  // Subtracting the ends.
  EXPECT_EQ(pairs(S::all().subtract(zero)), (P{{1, u128(max)}}));
  EXPECT_EQ(pairs(S::all().subtract(top)), (P{{0, u128(max) - 1}}));
  EXPECT_EQ(pairs(S::all().subtract(S::range(T(1), T(max - 1)))), (P{{0, 0}, {u128(max), u128(max)}}));

  // Intersections at the ends.
  EXPECT_EQ(pairs(S::range(T(0), T(10)).intersect(S::range(T(10), max))), (P{{10, 10}}));
  EXPECT_TRUE(S::range(T(0), T(10)).intersect(S::range(T(11), max)).empty());
  EXPECT_EQ(pairs(S::all().intersect(top)), (P{{u128(max), u128(max)}}));

  // A backwards range is empty; add() of a backwards range adds nothing.
  EXPECT_TRUE(S::range(T(5), T(3)).empty());
  S t = S::single(T(7));
  t.add(T(9), T(8));
  EXPECT_EQ(pairs(t), (P{{7, 7}}));

  EXPECT_TRUE(top.contains(max));
  EXPECT_FALSE(top.contains(T(max - 1)));
  EXPECT_TRUE(zero.contains(T(0)));
  EXPECT_FALSE(zero.contains(T(1)));
  EXPECT_TRUE(S::all().contains(zero.unite(top)));
  EXPECT_FALSE(top.contains(zero.unite(top)));
}

TEST(IntervalSetSize, Counts) {
  EXPECT_TRUE(IntervalSet<uint8_t>::all().size() == 256);
  EXPECT_TRUE(IntervalSet<uint16_t>::all().size() == 65536);
  EXPECT_TRUE(IntervalSet<uint32_t>::all().size() == (u128(1) << 32));
  EXPECT_TRUE(IntervalSet<uint8_t>::none().size() == 0);
  EXPECT_TRUE(IntervalSet<uint16_t>::range(1024, 65535).size() == 64512);
  auto two = IntervalSet<uint8_t>::single(0).unite(IntervalSet<uint8_t>::single(255));
  EXPECT_TRUE(two.size() == 2);
  EXPECT_TRUE(IntervalSet<u128>::range(0, u128(1) << 64).size() == (u128(1) << 64) + 1);
  // 2^128 - 1 elements is representable exactly; 2^128 saturates.
  EXPECT_TRUE(IntervalSet<u128>::all().subtract(IntervalSet<u128>::single(0)).size() == kMax128);
  EXPECT_TRUE(IntervalSet<u128>::all().size() == kMax128);
  auto halves =
      IntervalSet<u128>::range(0, kMax128 / 2).unite(IntervalSet<u128>::range(kMax128 / 2 + 2, kMax128));
  EXPECT_TRUE(halves.size() == kMax128);  // 2^128 - 1
}

// Exhaustive: random subsets of 0..255 built from random intervals, every
// operation checked on every value.
using Bits = std::bitset<256>;

IntervalSet<uint8_t> random_bytes(std::mt19937_64& rng, Bits& ref) {
  IntervalSet<uint8_t> s;
  ref.reset();
  unsigned n = unsigned(rng() % 6);
  for (unsigned k = 0; k < n; ++k) {
    unsigned a = unsigned(rng() % 256), b = unsigned(rng() % 256);
    if (rng() % 3 == 0) b = a;  // single values
    if (rng() % 5 == 0) a = 0;
    if (rng() % 5 == 0) b = 255;
    if (a > b) std::swap(a, b);
    s.add(uint8_t(a), uint8_t(b));
    for (unsigned i = a; i <= b; ++i) ref.set(i);
  }
  return s;
}

void check_bytes(const IntervalSet<uint8_t>& s, const Bits& ref, const char* what) {
  SCOPED_TRACE(what);
  for (unsigned i = 0; i < 256; ++i) ASSERT_EQ(s.contains(uint8_t(i)), bool(ref[i])) << i;
  const auto& iv = s.intervals();
  for (size_t i = 0; i < iv.size(); ++i) {
    EXPECT_LE(iv[i].lo, iv[i].hi);
    if (i > 0) {
      EXPECT_GT(unsigned(iv[i].lo), unsigned(iv[i - 1].hi) + 1);
    }
  }
  EXPECT_TRUE(s.size() == ref.count());
  EXPECT_EQ(s.empty(), ref.none());
  EXPECT_EQ(s.is_all(), ref.all());
}

TEST(IntervalSetBruteForce, Uint8Universe) {
  uint64_t seed0 = 7;
  if (const char* env = std::getenv("RAMPART_TEST_SEED")) seed0 = std::strtoull(env, nullptr, 10);
  for (uint64_t iter = 0; iter < 2000; ++iter) {
    uint64_t seed = seed0 + iter;
    SCOPED_TRACE(fmt::format("seed {} (rerun with RAMPART_TEST_SEED={})", seed, seed));
    std::mt19937_64 rng(seed);
    Bits ra, rb;
    auto a = random_bytes(rng, ra);
    auto b = random_bytes(rng, rb);
    check_bytes(a, ra, "a");
    check_bytes(a.unite(b), ra | rb, "unite");
    check_bytes(a.intersect(b), ra & rb, "intersect");
    check_bytes(a.subtract(b), ra & ~rb, "subtract");
    check_bytes(a.complement(), ~ra, "complement");
    EXPECT_EQ(a.contains(b), (rb & ~ra).none());
    EXPECT_EQ(a.intersects(b), (ra & rb).any());
    if (HasFailure()) return;
  }
}

// The list behind every set keeps one interval inline and longer ones on the
// heap: copies, moves and growth must keep the intervals whichever way they
// are held (ASan checks the heap side in the sanitizer run).
TEST(IntervalList, InlineAndHeapCopiesAndMoves) {
  using List = IntervalList<u128>;
  auto values = [](const List& l) {
    std::vector<std::pair<u128, u128>> out;
    for (const auto& i : l) out.push_back({i.lo, i.hi});
    return out;
  };
  List one{{5, 9}};
  List many;
  for (u128 k = 0; k < 40; ++k) many.push_back({k * 10, k * 10 + 3});
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(many.size(), 40u);
  EXPECT_EQ(many[39].lo, u128(390));
  EXPECT_THROW((void)many.at(40), std::out_of_range);

  List copy_one = one, copy_many = many;
  EXPECT_EQ(values(copy_one), values(one));
  EXPECT_EQ(values(copy_many), values(many));
  copy_many[0].hi = 4;  // a deep copy: the original is untouched
  EXPECT_EQ(many[0].hi, u128(3));
  EXPECT_FALSE(copy_many == many);

  copy_one = many;  // inline <- heap
  EXPECT_TRUE(copy_one == many);
  copy_many = one;  // heap <- inline
  EXPECT_TRUE(copy_many == one);
  auto& self = copy_one;
  copy_one = self;
  EXPECT_TRUE(copy_one == many);

  List moved = std::move(copy_one);
  EXPECT_TRUE(moved == many);
  EXPECT_TRUE(copy_one.empty());  // NOLINT(bugprone-use-after-move): a moved-from list is empty
  copy_one.push_back({1, 2});     // and usable
  EXPECT_EQ(values(copy_one), (std::vector<std::pair<u128, u128>>{{1, 2}}));
  moved = std::move(copy_many);
  EXPECT_TRUE(moved == one);
  moved = List{};
  EXPECT_TRUE(moved.empty());
}

// Sets built by adding many disjoint intervals grow past the inline one and
// stay canonical when they shrink back to one.
TEST(IntervalList, SetsGrowAndShrink) {
  IntervalSet<uint16_t> s;
  for (unsigned k = 0; k < 100; ++k) s.add(uint16_t(k * 4), uint16_t(k * 4 + 1));
  EXPECT_EQ(s.intervals().size(), 100u);
  IntervalSet<uint16_t> holes = s.complement();
  EXPECT_EQ(holes.intervals().size(), 100u);
  EXPECT_TRUE(s.unite(holes).is_all());
  EXPECT_EQ(s.unite(holes).intervals().size(), 1u);
  EXPECT_TRUE(s.intersect(holes).empty());
}

}  // namespace
}  // namespace rampart::core
