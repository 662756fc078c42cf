#pragma once
// Exact sets of unsigned integers as sorted, disjoint, non-adjacent closed
// intervals. The canonical form makes equality structural, which the solver's
// certification and the golden tests rely on.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace rampart::core {

__extension__ typedef unsigned __int128 u128;  // exact IPv6 arithmetic

template <typename T>
struct Interval {
  T lo;
  T hi;  // inclusive
  friend bool operator==(const Interval&, const Interval&) = default;
};

template <typename T>
class IntervalSet {
 public:
  static constexpr T kMax = std::numeric_limits<T>::max();

  IntervalSet() = default;
  static IntervalSet all() { return IntervalSet(T{0}, kMax); }
  static IntervalSet none() { return IntervalSet(); }
  static IntervalSet single(T v) { return IntervalSet(v, v); }
  static IntervalSet range(T lo, T hi) { return lo <= hi ? IntervalSet(lo, hi) : IntervalSet(); }

  bool empty() const { return ranges_.empty(); }
  bool is_all() const { return ranges_.size() == 1 && ranges_[0].lo == T{0} && ranges_[0].hi == kMax; }
  const std::vector<Interval<T>>& intervals() const { return ranges_; }

  bool contains(T v) const {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), v,
                               [](T x, const Interval<T>& r) { return x < r.lo; });
    if (it == ranges_.begin()) return false;
    --it;
    return v <= it->hi;
  }

  bool contains(const IntervalSet& other) const { return other.subtract(*this).empty(); }
  bool intersects(const IntervalSet& other) const { return !intersect(other).empty(); }

  // Adds [lo, hi] keeping the canonical form.
  void add(T lo, T hi) {
    if (lo <= hi) *this = unite(IntervalSet(lo, hi));
  }
  void add(T v) { add(v, v); }

  IntervalSet unite(const IntervalSet& other) const {
    IntervalSet out;
    std::vector<Interval<T>> merged;
    merged.reserve(ranges_.size() + other.ranges_.size());
    std::merge(ranges_.begin(), ranges_.end(), other.ranges_.begin(), other.ranges_.end(),
               std::back_inserter(merged), [](const auto& a, const auto& b) { return a.lo < b.lo; });
    for (const auto& r : merged) {
      if (!out.ranges_.empty()) {
        auto& last = out.ranges_.back();
        if (last.hi == kMax || r.lo <= last.hi + 1) {
          last.hi = std::max(last.hi, r.hi);
          continue;
        }
      }
      out.ranges_.push_back(r);
    }
    return out;
  }

  IntervalSet intersect(const IntervalSet& other) const {
    IntervalSet out;
    size_t i = 0, j = 0;
    while (i < ranges_.size() && j < other.ranges_.size()) {
      const auto& a = ranges_[i];
      const auto& b = other.ranges_[j];
      T lo = std::max(a.lo, b.lo);
      T hi = std::min(a.hi, b.hi);
      if (lo <= hi) out.ranges_.push_back({lo, hi});
      if (a.hi < b.hi) ++i; else ++j;
    }
    return out;
  }

  IntervalSet complement() const {
    IntervalSet out;
    T next = 0;
    bool open = true;  // whether [next, ...] is still to be emitted
    for (const auto& r : ranges_) {
      if (r.lo > next) out.ranges_.push_back({next, T(r.lo - 1)});
      if (r.hi == kMax) { open = false; break; }
      next = r.hi + 1;
    }
    if (open) out.ranges_.push_back({next, kMax});
    return out;
  }

  IntervalSet subtract(const IntervalSet& other) const { return intersect(other.complement()); }

  // Number of elements, saturating at the maximum of u128 (only reachable for
  // the full 128-bit space, whose size is 2^128).
  u128 size() const {
    u128 total = 0;
    for (const auto& r : ranges_) {
      u128 n = u128(r.hi) - u128(r.lo);
      if (n == std::numeric_limits<u128>::max() ||
          total > std::numeric_limits<u128>::max() - n - 1) {
        return std::numeric_limits<u128>::max();
      }
      total += n + 1;
    }
    return total;
  }

  friend bool operator==(const IntervalSet&, const IntervalSet&) = default;

 private:
  IntervalSet(T lo, T hi) : ranges_{{lo, hi}} {}
  std::vector<Interval<T>> ranges_;
};

}  // namespace rampart::core
