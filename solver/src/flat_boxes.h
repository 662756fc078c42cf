#pragma once
// Fixed-size boxes over the seven packet fields (no unknown atoms), for
// lint's first-match lists. A rule of a real rule set is one box or a few;
// lint compares rules with each other millions of times at 10k-100k rules,
// where BoxSet's per-dimension interval vectors cost allocations on every
// operation. Here a box is two arrays, a region a vector reused in place,
// and the rules of a list sit in columns scanned without touching the boxes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <unordered_map>
#include <vector>

#include "boxes.h"
#include "set_engine.h"

namespace rampart::solver {

using FlatPoint = std::array<core::u128, dim::kFields>;

struct FlatBox {
  FlatPoint lo{}, hi{};

  bool contains(const FlatPoint& p) const {
    for (size_t d = 0; d < dim::kFields; ++d) {
      if (p[d] < lo[d] || p[d] > hi[d]) return false;
    }
    return true;
  }
  bool meets(const FlatBox& o) const {
    for (size_t d = 0; d < dim::kFields; ++d) {
      if (hi[d] < o.lo[d] || o.hi[d] < lo[d]) return false;
    }
    return true;
  }
  bool inside(const FlatBox& o) const {
    for (size_t d = 0; d < dim::kFields; ++d) {
      if (lo[d] < o.lo[d] || hi[d] > o.hi[d]) return false;
    }
    return true;
  }
  FlatBox meet(const FlatBox& o) const {
    FlatBox out;
    for (size_t d = 0; d < dim::kFields; ++d) {
      out.lo[d] = std::max(lo[d], o.lo[d]);
      out.hi[d] = std::min(hi[d], o.hi[d]);
    }
    return out;
  }
};

using FlatBoxes = std::span<const FlatBox>;

// The smallest box holding every box of a non-empty union.
inline FlatBox hull_of(FlatBoxes boxes) {
  FlatBox hull = boxes[0];
  for (const auto& b : boxes) {
    for (size_t d = 0; d < dim::kFields; ++d) {
      hull.lo[d] = std::min(hull.lo[d], b.lo[d]);
      hull.hi[d] = std::max(hull.hi[d], b.hi[d]);
    }
  }
  return hull;
}

// The boxes of a set without atom dimensions, as products of intervals.
// False (and `out` unspecified) when the set has atom dimensions or expands
// to more than `limit` boxes.
bool flatten(const BoxSet& s, size_t limit, std::vector<FlatBox>& out);

// Flat boxes back into a BoxSet over `universe` (for the canonical witness).
BoxSet unflatten(FlatBoxes boxes, const std::vector<Dim>* universe);

// Whether two unions of boxes meet; whether `a` lies inside the union `b`.
bool meets(FlatBoxes a, FlatBoxes b);
bool inside(FlatBoxes a, FlatBoxes b);

// Whether the union `holes` covers every box of `a`: first by looking for
// a packet of `a` outside them (stepping out of the hole that holds each
// candidate), then exactly, removing the holes that meet `a`, widest first.
bool covered(FlatBoxes a, FlatBoxes holes);

// A growing union of boxes ("holes") that answers covered(a, holes) without
// reading every hole: lint's holes are the overlaps of up to thousands of
// earlier rules with one rule, asked about once per earlier rule. Holes
// are filed by their source block (a CIDR block: its length and network;
// other intervals on one list), as sources are what tell rules apart most
// often; a box or point is looked up under each block length present.
class FlatHoles {
 public:
  void clear();
  void add(FlatBoxes boxes);
  const std::vector<FlatBox>& boxes() const { return boxes_; }
  // Exactly covered(a, boxes()).
  bool covers(FlatBoxes a) const;

 private:
  struct Key {
    core::u128 network;
    uint8_t shift;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      uint64_t h = uint64_t(k.network) * 0x9E3779B97F4A7C15ull ^ uint64_t(k.network >> 64) ^ k.shift;
      return size_t(h ^ (h >> 29));
    }
  };
  // Calls fn(hole) for each hole whose source interval may hold [lo, hi];
  // stops when fn returns true, and returns whether one did.
  template <typename Fn>
  bool any_holding_source(core::u128 lo, core::u128 hi, Fn&& fn) const;
  const FlatBox* holding_point(const FlatPoint& p) const;

  std::vector<FlatBox> boxes_;
  std::vector<uint32_t> irregular_;  // sources that are no CIDR block, and `any`
  std::unordered_map<Key, std::vector<uint32_t>, KeyHash> blocks_;
  std::vector<uint8_t> shifts_;  // block sizes present, as log2
};

// A union of pairwise disjoint boxes, changed in place.
class FlatRegion {
 public:
  void assign(FlatBoxes boxes);
  bool empty() const { return boxes_.empty(); }
  size_t size() const { return boxes_.size(); }
  const std::vector<FlatBox>& boxes() const { return boxes_; }
  bool meets(FlatBoxes other) const { return solver::meets(boxes_, other); }
  // Removes `other`. False when the region fragments past `limit` boxes
  // even after merging neighbours; the region is then unusable.
  bool subtract(FlatBoxes other, size_t limit);

 private:
  void coalesce();
  std::vector<FlatBox> boxes_, scratch_;
  size_t coalesce_at_ = 64;
};

// The boxes of a list's rules in list order, with the two scans lint needs:
// the first rule whose boxes contain a point, and the rules whose boxes meet
// a box. The destination port and source columns are kept apart so that a
// scan reads a few bytes per rule, not whole boxes.
class FlatRules {
 public:
  static constexpr size_t npos = std::numeric_limits<size_t>::max();

  void add_rule(FlatBoxes boxes);
  size_t rules() const { return begin_.size() - 1; }
  FlatBoxes of(size_t pos) const { return {boxes_.data() + begin_[pos], begin_[pos + 1] - begin_[pos]}; }

  // The first box, of a rule in [from, to) that `keep` accepts, holding
  // `p`; npos when there is none. Boxes are in rule order.
  template <typename Keep>
  size_t first_containing(const FlatPoint& p, size_t from, size_t to, Keep&& keep) const {
    const uint32_t port = uint32_t(p[dim::kDport]);
    for (size_t b = begin_[from], end = begin_[to]; b < end; ++b) {
      if (port < dport_lo_[b] || port > dport_hi_[b]) continue;
      if (p[dim::kSrc] < src_lo_[b] || p[dim::kSrc] > src_hi_[b]) continue;
      if (!boxes_[b].contains(p) || !keep(size_t(owner_[b]))) continue;
      return b;
    }
    return npos;
  }
  // The first rule in [from, to) that `keep` accepts with one box holding
  // every box of `boxes` (a sufficient test for holding their union).
  template <typename Keep>
  size_t first_holding(FlatBoxes boxes, size_t from, size_t to, Keep&& keep) const {
    if (boxes.empty()) return npos;
    const FlatBox hull = hull_of(boxes);
    const uint32_t plo = uint32_t(hull.lo[dim::kDport]), phi = uint32_t(hull.hi[dim::kDport]);
    for (size_t b = begin_[from], end = begin_[to]; b < end; ++b) {
      if (dport_lo_[b] > plo || dport_hi_[b] < phi) continue;
      if (src_lo_[b] > hull.lo[dim::kSrc] || src_hi_[b] < hull.hi[dim::kSrc]) continue;
      if (!hull.inside(boxes_[b]) || !keep(size_t(owner_[b]))) continue;
      return owner_[b];
    }
    return npos;
  }
  const FlatBox& box(size_t b) const { return boxes_[b]; }
  size_t owner(size_t b) const { return owner_[b]; }

  // Calls fn(pos) once for each rule in [from, to) (in order) with a box
  // meeting one of `boxes`; stops when fn returns false.
  template <typename Fn>
  void for_each_meeting(FlatBoxes boxes, size_t from, size_t to, Fn&& fn) const {
    if (boxes.empty()) return;
    // The hull of `boxes` filters first.
    const FlatBox hull = hull_of(boxes);
    const uint32_t plo = uint32_t(hull.lo[dim::kDport]), phi = uint32_t(hull.hi[dim::kDport]);
    size_t last = npos;
    for (size_t b = begin_[from], end = begin_[to]; b < end; ++b) {
      if (phi < dport_lo_[b] || dport_hi_[b] < plo) continue;
      if (hull.hi[dim::kSrc] < src_lo_[b] || src_hi_[b] < hull.lo[dim::kSrc]) continue;
      if (owner_[b] == last || !hull.meets(boxes_[b])) continue;
      bool met = boxes.size() == 1;
      for (size_t k = 0; !met && k < boxes.size(); ++k) met = boxes[k].meets(boxes_[b]);
      if (!met) continue;
      last = owner_[b];
      if (!fn(owner_[b])) return;
    }
  }

 private:
  std::vector<FlatBox> boxes_;
  std::vector<uint32_t> begin_{0};  // rule -> its first box; one past the end last
  std::vector<uint32_t> owner_;     // box -> rule
  std::vector<uint32_t> dport_lo_, dport_hi_;
  std::vector<core::u128> src_lo_, src_hi_;
};

}  // namespace rampart::solver
