// Lint's index over a list's boxes (FlatRules::index) and over the holes
// of a shadowed rule (FlatHoles) answer exactly what a plain read of every
// box answers: the index only chooses which boxes to read. Random lists mix
// source blocks of every size, ranges that are no block, `any`, single
// ports and port ranges; every answer is compared with a brute-force one.

#include "flat_boxes.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace rampart::solver {
namespace {

struct Random {
  std::mt19937_64 rng;
  uint64_t pick(uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); }

  // A source in a small v4-like space, so that boxes meet often.
  std::pair<core::u128, core::u128> source() {
    switch (pick(0, 4)) {
      case 0: return {0, ~core::u128(0)};  // any
      case 1: {                            // a range that is no block
        core::u128 lo = pick(0, 4000), hi = lo + pick(2, 700);
        return {lo, hi};
      }
      default: {  // a CIDR block of 2^k addresses
        unsigned k = unsigned(pick(0, 10));
        core::u128 network = core::u128(pick(0, 4095)) >> k << k;
        return {network, network + (core::u128(1) << k) - 1};
      }
    }
  }
  std::pair<core::u128, core::u128> port() {
    switch (pick(0, 3)) {
      case 0: return {0, 65535};
      case 1: {
        core::u128 lo = pick(0, 60);
        return {lo, lo + pick(0, 20)};
      }
      default: {
        core::u128 p = pick(0, 60);
        return {p, p};
      }
    }
  }
  FlatBox box() {
    FlatBox b;
    for (size_t d = 0; d < dim::kFields; ++d) {
      b.lo[d] = 0;
      b.hi[d] = d == dim::kDport ? 65535 : ~core::u128(0);
    }
    std::tie(b.lo[dim::kSrc], b.hi[dim::kSrc]) = source();
    std::tie(b.lo[dim::kDport], b.hi[dim::kDport]) = port();
    core::u128 dst = pick(0, 7);
    b.lo[dim::kDst] = pick(0, 2) == 0 ? 0 : dst;
    b.hi[dim::kDst] = b.lo[dim::kDst] == 0 ? ~core::u128(0) : dst + pick(0, 2);
    return b;
  }
  FlatPoint point() {
    FlatPoint p{};
    p[dim::kSrc] = pick(0, 4700);
    p[dim::kDport] = pick(0, 70);
    p[dim::kDst] = pick(0, 10);
    return p;
  }
};

TEST(FlatBoxes, IndexedScansAgreeWithAPlainRead) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Random r{std::mt19937_64(seed)};
    FlatRules indexed, plain;
    std::vector<std::vector<FlatBox>> rules;
    const size_t n = 300;
    for (size_t i = 0; i < n; ++i) {
      std::vector<FlatBox> boxes;
      for (uint64_t k = r.pick(1, 2); k > 0; --k) boxes.push_back(r.box());
      indexed.add_rule(boxes);
      plain.add_rule(boxes);
      rules.push_back(boxes);
    }
    indexed.index();
    auto keep_even = [](size_t pos) { return pos % 2 == 0; };
    for (int q = 0; q < 300; ++q) {
      size_t from = r.pick(0, n - 1), to = r.pick(from, n);
      if (q % 3 == 0) from = 0;  // the prefixes lint asks about
      FlatPoint p = r.point();
      // The first box holding the point: by brute force, over the rules.
      size_t want = FlatRules::npos;
      for (size_t pos = from; pos < to && want == FlatRules::npos; ++pos) {
        for (const auto& b : rules[pos]) {
          if (b.contains(p) && keep_even(pos)) {
            want = pos;
            break;
          }
        }
      }
      size_t got = indexed.first_containing(p, from, to, keep_even);
      EXPECT_EQ(got == FlatRules::npos ? got : indexed.owner(got), want) << "seed " << seed;
      EXPECT_EQ(got, plain.first_containing(p, from, to, keep_even)) << "seed " << seed;

      FlatBox x = r.box();
      std::vector<FlatBox> query{x};
      size_t holder = FlatRules::npos;
      for (size_t pos = from; pos < to && holder == FlatRules::npos; ++pos) {
        for (const auto& b : rules[pos]) {
          if (x.inside(b)) {
            holder = pos;
            break;
          }
        }
      }
      EXPECT_EQ(indexed.first_holding(query, from, to, [](size_t) { return true; }), holder)
          << "seed " << seed;

      std::vector<size_t> meeting, found;
      for (size_t pos = from; pos < to; ++pos) {
        for (const auto& b : rules[pos]) {
          if (x.meets(b)) {
            meeting.push_back(pos);
            break;
          }
        }
      }
      indexed.for_each_meeting(query, from, to, [&](size_t pos) {
        found.push_back(pos);
        return true;
      });
      EXPECT_EQ(found, meeting) << "seed " << seed;
    }
  }
}

TEST(FlatBoxes, IndexedHolesAgreeWithAPlainRead) {
  size_t covered_answers = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Random r{std::mt19937_64(seed)};
    FlatHoles holes;
    std::vector<FlatBox> plain;
    for (int i = 0; i < 120; ++i) {
      std::vector<FlatBox> more{r.box()};
      holes.add(more);
      plain.push_back(more[0]);
      // Small boxes, so that some are covered by the union of the holes.
      FlatBox x = r.box();
      x.hi[dim::kSrc] = x.lo[dim::kSrc] + r.pick(0, 3);
      x.hi[dim::kDport] = x.lo[dim::kDport];
      x.hi[dim::kDst] = x.lo[dim::kDst] + r.pick(0, 1);
      std::vector<FlatBox> a{x};
      bool want = covered(a, plain);
      covered_answers += want;
      EXPECT_EQ(holes.covers(a), want) << "seed " << seed << ", hole " << i;
    }
  }
  EXPECT_GT(covered_answers, 0u) << "no question had the answer `covered`: the test tells nothing apart";
}

}  // namespace
}  // namespace rampart::solver
