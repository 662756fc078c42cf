#pragma once
// Fixed-size boxes over the seven packet fields (no unknown atoms), for
// lint's first-match lists. A rule of a real rule set is one box or a few;
// lint compares rules with each other millions of times at 10k-100k rules,
// where BoxSet's per-dimension interval vectors cost allocations on every
// operation. Here a box is two arrays, a region a vector reused in place,
// and the rules of a list sit in columns scanned without touching the boxes.

#include <algorithm>
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

// The boxes of a list's rules in list order, with the scans lint needs: the
// first rule whose boxes contain a point, the first that holds a box, and
// the rules whose boxes meet a box. Once indexed (index(), after the last
// rule), a scan reads only the boxes whose source can matter: boxes are
// filed by their source block (CIDR length and network, sorted; other
// intervals apart, by destination port where that is one), as sources and
// then ports are what tell a firewall's rules apart most often. Without the
// index, or where a question's source is too wide for it to help, a scan
// reads the destination port and source columns of every box in range, a
// few bytes per rule.
class FlatRules {
 public:
  static constexpr size_t npos = std::numeric_limits<size_t>::max();

  void add_rule(FlatBoxes boxes);
  void index();
  size_t rules() const { return begin_.size() - 1; }
  FlatBoxes of(size_t pos) const { return {boxes_.data() + begin_[pos], begin_[pos + 1] - begin_[pos]}; }

  // The first box, of a rule in [from, to) that `keep` accepts, holding
  // `p`; npos when there is none. Boxes are in rule order.
  template <typename Keep>
  size_t first_containing(const FlatPoint& p, size_t from, size_t to, Keep&& keep) const {
    const uint32_t port = uint32_t(p[dim::kDport]);
    return first_box(p[dim::kSrc], p[dim::kSrc], port, port, begin_[from], begin_[to], [&](size_t b) {
      if (port < dport_lo_[b] || port > dport_hi_[b]) return false;
      if (p[dim::kSrc] < src_lo_[b] || p[dim::kSrc] > src_hi_[b]) return false;
      return boxes_[b].contains(p) && keep(size_t(owner_[b]));
    });
  }
  // The first rule in [from, to) that `keep` accepts with one box holding
  // every box of `boxes` (a sufficient test for holding their union).
  template <typename Keep>
  size_t first_holding(FlatBoxes boxes, size_t from, size_t to, Keep&& keep) const {
    if (boxes.empty()) return npos;
    const FlatBox hull = hull_of(boxes);
    const uint32_t plo = uint32_t(hull.lo[dim::kDport]), phi = uint32_t(hull.hi[dim::kDport]);
    size_t b =
        first_box(hull.lo[dim::kSrc], hull.hi[dim::kSrc], plo, phi, begin_[from], begin_[to], [&](size_t b) {
          if (dport_lo_[b] > plo || dport_hi_[b] < phi) return false;
          if (src_lo_[b] > hull.lo[dim::kSrc] || src_hi_[b] < hull.hi[dim::kSrc]) return false;
          return hull.inside(boxes_[b]) && keep(size_t(owner_[b]));
        });
    return b == npos ? npos : size_t(owner_[b]);
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
    auto visit = [&](size_t b) {
      if (phi < dport_lo_[b] || dport_hi_[b] < plo) return true;
      if (hull.hi[dim::kSrc] < src_lo_[b] || src_hi_[b] < hull.lo[dim::kSrc]) return true;
      if (owner_[b] == last || !hull.meets(boxes_[b])) return true;
      bool met = boxes.size() == 1;
      for (size_t k = 0; !met && k < boxes.size(); ++k) met = boxes[k].meets(boxes_[b]);
      if (!met) return true;
      last = owner_[b];
      return bool(fn(size_t(owner_[b])));
    };
    const size_t first = begin_[from], end = begin_[to];
    std::vector<uint32_t> picked;
    if (!meeting_candidates(hull.lo[dim::kSrc], hull.hi[dim::kSrc], plo, phi, first, end, picked)) {
      for (size_t b = first; b < end; ++b) {
        if (!visit(b)) return;
      }
      return;
    }
    for (uint32_t b : picked) {
      if (!visit(b)) return;
    }
  }

 private:
  struct Entry {
    core::u128 network;
    uint32_t box;
    bool operator<(const Entry& o) const { return network != o.network ? network < o.network : box < o.box; }
  };
  struct PortEntry {
    uint32_t port, box;
    bool operator<(const PortEntry& o) const { return port != o.port ? port < o.port : box < o.box; }
  };
  struct Blocks {
    uint8_t shift;               // log2 of the block size
    std::vector<Entry> entries;  // sorted
  };

  // The first box in [first, end) that `pick` accepts, among those whose
  // source may hold [lo, hi] and destination port [port_lo, port_hi];
  // npos when there is none.
  template <typename Pick>
  size_t first_box(core::u128 lo, core::u128 hi, uint32_t port_lo, uint32_t port_hi, size_t first, size_t end,
                   Pick&& pick) const {
    if (!indexed_ || end - first < kIndexFrom) {
      for (size_t b = first; b < end; ++b) {
        if (pick(b)) return b;
      }
      return npos;
    }
    size_t best = end;
    for (auto it = std::lower_bound(irregular_.begin(), irregular_.end(), uint32_t(first));
         it != irregular_.end() && *it < best; ++it) {
      if (pick(*it)) {
        best = *it;
        break;
      }
    }
    if (port_lo == port_hi) {
      auto it = std::lower_bound(by_port_.begin(), by_port_.end(), PortEntry{port_lo, uint32_t(first)});
      for (; it != by_port_.end() && it->port == port_lo && it->box < best; ++it) {
        if (pick(it->box)) {
          best = it->box;
          break;
        }
      }
    }
    for (const auto& blocks : blocks_) {
      if ((lo >> blocks.shift) != (hi >> blocks.shift)) continue;  // no block this size holds [lo, hi]
      const core::u128 network = lo >> blocks.shift;
      auto it =
          std::lower_bound(blocks.entries.begin(), blocks.entries.end(), Entry{network, uint32_t(first)});
      for (; it != blocks.entries.end() && it->network == network && it->box < best; ++it) {
        if (pick(it->box)) {
          best = it->box;
          break;
        }
      }
    }
    return best == end ? npos : best;
  }
  // The boxes in [first, end), in order, whose source may meet [lo, hi]
  // and destination port [port_lo, port_hi]; false when that is too many of
  // them for the index to pay (read them all).
  bool meeting_candidates(core::u128 lo, core::u128 hi, uint32_t port_lo, uint32_t port_hi, size_t first,
                          size_t end, std::vector<uint32_t>& picked) const;

  static constexpr size_t kIndexFrom = 64;  // fewer boxes than this: read them all
  std::vector<FlatBox> boxes_;
  std::vector<uint32_t> begin_{0};  // rule -> its first box; one past the end last
  std::vector<uint32_t> owner_;     // box -> rule
  std::vector<uint32_t> dport_lo_, dport_hi_;
  std::vector<core::u128> src_lo_, src_hi_;
  bool indexed_ = false;
  // Boxes whose source is no CIDR block (or `any`): by destination port
  // where that is one port, else on one list.
  std::vector<PortEntry> by_port_;
  std::vector<uint32_t> irregular_;
  std::vector<Blocks> blocks_;
};

}  // namespace rampart::solver
