#pragma once
// Exact sets of unsigned integers as sorted, disjoint, non-adjacent closed
// intervals. The canonical form makes equality structural, which the solver's
// certification and the golden tests rely on.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace rampart::core {

__extension__ typedef unsigned __int128 u128;  // exact IPv6 arithmetic

template <typename T>
struct Interval {
  T lo;
  T hi;  // inclusive
  friend bool operator==(const Interval&, const Interval&) = default;
};

// The intervals of one set. Nearly every set in a model is one interval (any
// port, one address block, one protocol), so one is kept inline and only
// longer lists go to the heap: a rule of a million-rule file then costs no
// allocation per field (docs/performance.md, "Large inputs").
template <typename T>
class IntervalList {
  static_assert(std::is_trivially_copyable_v<Interval<T>>);

 public:
  IntervalList() = default;
  IntervalList(std::initializer_list<Interval<T>> items) {
    reserve(items.size());
    for (const auto& i : items) push_back(i);
  }
  IntervalList(const IntervalList& o) { assign(o); }
  IntervalList(IntervalList&& o) noexcept { steal(o); }
  IntervalList& operator=(const IntervalList& o) {
    if (this != &o) {
      size_ = 0;
      assign(o);
    }
    return *this;
  }
  IntervalList& operator=(IntervalList&& o) noexcept {
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  ~IntervalList() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Interval<T>* data() const { return capacity_ > 1 ? heap_ : &one_; }
  Interval<T>* data() { return capacity_ > 1 ? heap_ : &one_; }
  const Interval<T>* begin() const { return data(); }
  const Interval<T>* end() const { return data() + size_; }
  const Interval<T>& operator[](size_t i) const { return data()[i]; }
  Interval<T>& operator[](size_t i) { return data()[i]; }
  const Interval<T>& at(size_t i) const {
    if (i >= size_) throw std::out_of_range("IntervalList::at");
    return data()[i];
  }
  const Interval<T>& front() const { return data()[0]; }
  const Interval<T>& back() const { return data()[size_ - 1]; }
  Interval<T>& back() { return data()[size_ - 1]; }

  void reserve(size_t n) {
    if (n <= capacity_) return;
    auto* grown = static_cast<Interval<T>*>(::operator new(n * sizeof(Interval<T>)));
    std::memcpy(static_cast<void*>(grown), data(), size_ * sizeof(Interval<T>));
    release();
    heap_ = grown;
    capacity_ = uint32_t(n);
  }
  void push_back(const Interval<T>& i) {
    if (size_ == capacity_) reserve(size_t(capacity_) * 2);
    data()[size_++] = i;
  }

  friend bool operator==(const IntervalList& a, const IntervalList& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  void release() {
    if (capacity_ > 1) ::operator delete(heap_);
    capacity_ = 1;
  }
  void assign(const IntervalList& o) {  // into an empty list
    reserve(o.size_);
    std::memcpy(static_cast<void*>(data()), o.data(), o.size_ * sizeof(Interval<T>));
    size_ = o.size_;
  }
  void steal(IntervalList& o) {  // into a released list
    if (o.capacity_ > 1) {
      heap_ = o.heap_;
      capacity_ = o.capacity_;
    } else {
      one_ = o.one_;
      capacity_ = 1;
    }
    size_ = o.size_;
    o.size_ = 0;
    o.capacity_ = 1;
  }

  union {
    Interval<T> one_{};
    Interval<T>* heap_;
  };
  uint32_t size_ = 0;
  uint32_t capacity_ = 1;  // 1: the inline one; more: heap_
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
  const IntervalList<T>& intervals() const { return ranges_; }

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
    out.ranges_.reserve(ranges_.size() + other.ranges_.size());
    size_t i = 0, j = 0;
    while (i < ranges_.size() || j < other.ranges_.size()) {
      // Merge by lower end; on ties take this set's interval first, as std::merge would.
      const Interval<T>& r =
          j == other.ranges_.size() || (i < ranges_.size() && !(other.ranges_[j].lo < ranges_[i].lo))
              ? ranges_[i++]
              : other.ranges_[j++];
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
      if (a.hi < b.hi)
        ++i;
      else
        ++j;
    }
    return out;
  }

  IntervalSet complement() const {
    IntervalSet out;
    T next = 0;
    bool open = true;  // whether [next, ...] is still to be emitted
    for (const auto& r : ranges_) {
      if (r.lo > next) out.ranges_.push_back({next, T(r.lo - 1)});
      if (r.hi == kMax) {
        open = false;
        break;
      }
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
      if (n == std::numeric_limits<u128>::max() || total > std::numeric_limits<u128>::max() - n - 1) {
        return std::numeric_limits<u128>::max();
      }
      total += n + 1;
    }
    return total;
  }

  friend bool operator==(const IntervalSet&, const IntervalSet&) = default;

 private:
  IntervalSet(T lo, T hi) : ranges_{{lo, hi}} {}
  IntervalList<T> ranges_;
};

}  // namespace rampart::core
