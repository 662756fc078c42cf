#include "flat_boxes.h"

#include <algorithm>
#include <optional>

namespace rampart::solver {

bool flatten(const BoxSet& s, size_t limit, std::vector<FlatBox>& out) {
  out.clear();
  if (s.empty()) return true;
  const std::vector<Dim>& universe = s.universe();
  if (universe.size() != dim::kFields) return false;  // atoms
  for (const Box& box : s.boxes()) {
    // The product of the box's intervals, dimension by dimension.
    size_t first = out.size();
    out.emplace_back();
    for (size_t d = 0; d < dim::kFields; ++d) {
      const auto& intervals = box.at(d, universe).intervals();
      size_t have = out.size() - first;
      if ((out.size() - first) * intervals.size() > limit) return false;
      for (size_t k = 1; k < intervals.size(); ++k) {
        for (size_t i = 0; i < have; ++i) out.push_back(out[first + i]);
      }
      for (size_t k = 0; k < intervals.size(); ++k) {
        for (size_t i = 0; i < have; ++i) {
          FlatBox& b = k == 0 ? out[first + i] : out[first + have + (k - 1) * have + i];
          b.lo[d] = intervals[k].lo;
          b.hi[d] = intervals[k].hi;
        }
      }
    }
    if (out.size() > limit) return false;
  }
  return true;
}

BoxSet unflatten(FlatBoxes boxes, const std::vector<Dim>* universe) {
  BoxSet out(universe);
  for (const auto& b : boxes) {
    std::vector<Dim> dims;
    dims.reserve(dim::kFields);
    for (size_t d = 0; d < dim::kFields; ++d) dims.push_back(Dim::range(b.lo[d], b.hi[d]));
    out.add(BoxSet::of(Box(std::move(dims)), universe));
  }
  return out;
}

bool meets(FlatBoxes a, FlatBoxes b) {
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (x.meets(y)) return true;
    }
  }
  return false;
}

bool inside(FlatBoxes a, FlatBoxes b) {
  if (a.size() == 1 && b.size() == 1) return a[0].inside(b[0]);
  FlatRegion rest;
  rest.assign(a);
  // A union of boxes fragments at most by 2 * kFields pieces per box removed.
  return rest.subtract(b, std::numeric_limits<size_t>::max()) && rest.empty();
}

namespace {

// log2 of the number of points in a box (for ordering, not exact).
double log_volume(const FlatBox& b) {
  double v = 0;
  for (size_t d = 0; d < dim::kFields; ++d) {
    core::u128 width = b.hi[d] - b.lo[d];
    int bits = 0;
    while (width) {
      width >>= 1;
      ++bits;
    }
    v += bits;
  }
  return v;
}

// covered(), given its two lookups: inside_one(x), whether one hole holds
// the box x, and holding(p), a hole that holds the point p (or null). A
// plain read of the holes, or FlatHoles' index.
template <typename InsideOne, typename Holding>
bool covered_with(FlatBoxes a, FlatBoxes holes, InsideOne&& inside_one, Holding&& holding) {
  if (a.empty()) return true;
  if (holes.empty()) return false;
  // Each box inside one hole settles it (the common case in lint: a wider
  // earlier rule already took the overlap).
  if (std::all_of(a.begin(), a.end(), inside_one)) return true;
  // A packet outside every hole settles it: step out of the hole that holds
  // each candidate, in the first field where the box extends beyond it.
  constexpr int kSteps = 16;
  for (const auto& x : a) {
    FlatPoint p = x.lo;
    for (int step = 0; step < kSteps; ++step) {
      const FlatBox* in = holding(p);
      if (!in) return false;
      bool moved = false;
      for (size_t d = 0; d < dim::kFields && !moved; ++d) {
        if (in->hi[d] < x.hi[d]) {
          p[d] = in->hi[d] + 1;
          moved = true;
        }
      }
      if (!moved) break;
    }
  }
  // Exactly: the holes meeting `a`, widest first, so that a hole holding
  // all of it ends the work before the small ones fragment it.
  const FlatBox hull = hull_of(a);
  std::vector<std::pair<double, const FlatBox*>> meeting;
  for (const auto& h : holes) {
    if (h.meets(hull)) meeting.emplace_back(-log_volume(h.meet(hull)), &h);
  }
  std::stable_sort(meeting.begin(), meeting.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  FlatRegion rest;
  rest.assign(a);
  for (const auto& [volume, h] : meeting) {
    rest.subtract({h, 1}, std::numeric_limits<size_t>::max());
    if (rest.empty()) return true;
  }
  return false;
}

}  // namespace

bool covered(FlatBoxes a, FlatBoxes holes) {
  return covered_with(
      a, holes,
      [&](const FlatBox& x) {
        return std::any_of(holes.begin(), holes.end(), [&](const FlatBox& h) { return x.inside(h); });
      },
      [&](const FlatPoint& p) -> const FlatBox* {
        for (const auto& h : holes) {
          if (h.contains(p)) return &h;
        }
        return nullptr;
      });
}

void FlatHoles::clear() {
  boxes_.clear();
  irregular_.clear();
  // clear() costs the bucket count, and lint clears once per rule.
  if (blocks_.bucket_count() > 256) {
    blocks_ = {};
  } else {
    blocks_.clear();
  }
  shifts_.clear();
}

namespace {

// log2 of the size of the CIDR block [lo, hi]; -1 when it is none (or the
// whole space, which every lookup reads anyway).
int block_shift(core::u128 lo, core::u128 hi) {
  core::u128 size_less_one = hi - lo;
  if (size_less_one == ~core::u128(0)) return -1;
  if ((size_less_one & (size_less_one + 1)) != 0 || (lo & size_less_one) != 0) return -1;
  int shift = 0;
  while (size_less_one) {
    size_less_one >>= 1;
    ++shift;
  }
  return shift;
}

}  // namespace

void FlatHoles::add(FlatBoxes boxes) {
  for (const auto& b : boxes) {
    uint32_t id = uint32_t(boxes_.size());
    boxes_.push_back(b);
    int shift = block_shift(b.lo[dim::kSrc], b.hi[dim::kSrc]);
    if (shift < 0) {
      irregular_.push_back(id);
      continue;
    }
    blocks_[Key{b.lo[dim::kSrc] >> shift, uint8_t(shift)}].push_back(id);
    if (std::find(shifts_.begin(), shifts_.end(), uint8_t(shift)) == shifts_.end())
      shifts_.push_back(uint8_t(shift));
  }
}

template <typename Fn>
bool FlatHoles::any_holding_source(core::u128 lo, core::u128 hi, Fn&& fn) const {
  for (uint32_t id : irregular_) {
    if (fn(boxes_[id])) return true;
  }
  for (uint8_t shift : shifts_) {
    if ((lo >> shift) != (hi >> shift)) continue;  // no block of this size holds [lo, hi]
    auto it = blocks_.find(Key{lo >> shift, shift});
    if (it == blocks_.end()) continue;
    for (uint32_t id : it->second) {
      if (fn(boxes_[id])) return true;
    }
  }
  return false;
}

const FlatBox* FlatHoles::holding_point(const FlatPoint& p) const {
  const FlatBox* found = nullptr;
  any_holding_source(p[dim::kSrc], p[dim::kSrc], [&](const FlatBox& h) {
    if (!h.contains(p)) return false;
    found = &h;
    return true;
  });
  return found;
}

bool FlatHoles::covers(FlatBoxes a) const {
  // Few holes: reading them all is cheaper than looking them up.
  if (boxes_.size() <= 32) return covered(a, boxes_);
  return covered_with(
      a, boxes_,
      [&](const FlatBox& x) {
        return any_holding_source(x.lo[dim::kSrc], x.hi[dim::kSrc],
                                  [&](const FlatBox& h) { return x.inside(h); });
      },
      [&](const FlatPoint& p) { return holding_point(p); });
}

void FlatRegion::assign(FlatBoxes boxes) {
  boxes_.assign(boxes.begin(), boxes.end());
  coalesce_at_ = 64;
}

namespace {

// a minus b, as at most 2 * kFields disjoint boxes appended to `out`.
void subtract_box(FlatBox a, const FlatBox& b, std::vector<FlatBox>& out) {
  if (!a.meets(b)) {
    out.push_back(a);
    return;
  }
  for (size_t d = 0; d < dim::kFields; ++d) {
    if (a.lo[d] < b.lo[d]) {
      FlatBox piece = a;
      piece.hi[d] = b.lo[d] - 1;
      out.push_back(piece);
      a.lo[d] = b.lo[d];
    }
    if (a.hi[d] > b.hi[d]) {
      FlatBox piece = a;
      piece.lo[d] = b.hi[d] + 1;
      out.push_back(piece);
      a.hi[d] = b.hi[d];
    }
  }
}

}  // namespace

bool FlatRegion::subtract(FlatBoxes other, size_t limit) {
  for (const auto& cut : other) {
    // In place: the boxes the cut misses stay where they are; the pieces
    // of those it meets go to the end.
    scratch_.clear();
    size_t kept = 0;
    for (size_t i = 0; i < boxes_.size(); ++i) {
      if (boxes_[i].meets(cut)) {
        subtract_box(boxes_[i], cut, scratch_);
      } else {
        if (kept != i) boxes_[kept] = boxes_[i];
        ++kept;
      }
    }
    if (kept == boxes_.size()) continue;
    boxes_.resize(kept);
    boxes_.insert(boxes_.end(), scratch_.begin(), scratch_.end());
    if (boxes_.size() > coalesce_at_) {
      coalesce();
      coalesce_at_ = std::max<size_t>(64, 2 * boxes_.size());
      if (boxes_.size() > limit) return false;
    }
  }
  return true;
}

void FlatRegion::coalesce() {
  // Per dimension: boxes equal in every other dimension, sorted along this
  // one, merge where they touch. Each pass keeps the boxes disjoint.
  std::vector<size_t> order;
  for (size_t d = 0; d < dim::kFields; ++d) {
    order.resize(boxes_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto others_less = [&](const FlatBox& a, const FlatBox& b) {
      for (size_t e = 0; e < dim::kFields; ++e) {
        if (e == d) continue;
        if (a.lo[e] != b.lo[e]) return a.lo[e] < b.lo[e];
        if (a.hi[e] != b.hi[e]) return a.hi[e] < b.hi[e];
      }
      return false;
    };
    std::sort(order.begin(), order.end(), [&](size_t x, size_t y) {
      const FlatBox &a = boxes_[x], &b = boxes_[y];
      if (others_less(a, b)) return true;
      if (others_less(b, a)) return false;
      return a.lo[d] < b.lo[d];
    });
    scratch_.clear();
    for (size_t i : order) {
      const FlatBox& b = boxes_[i];
      if (!scratch_.empty()) {
        FlatBox& last = scratch_.back();
        if (last.hi[d] != ~core::u128(0) && last.hi[d] + 1 == b.lo[d] && !others_less(last, b) &&
            !others_less(b, last)) {
          last.hi[d] = b.hi[d];
          continue;
        }
      }
      scratch_.push_back(b);
    }
    boxes_.swap(scratch_);
  }
}

void FlatRules::index() {
  irregular_.clear();
  by_port_.clear();
  blocks_.clear();
  for (uint32_t b = 0; b < boxes_.size(); ++b) {
    int shift = block_shift(src_lo_[b], src_hi_[b]);
    if (shift < 0 && dport_lo_[b] == dport_hi_[b]) {
      by_port_.push_back(PortEntry{dport_lo_[b], b});
      continue;
    }
    if (shift < 0) {
      irregular_.push_back(b);
      continue;
    }
    auto it = std::find_if(blocks_.begin(), blocks_.end(), [&](const Blocks& x) { return x.shift == shift; });
    if (it == blocks_.end()) it = blocks_.insert(blocks_.end(), Blocks{uint8_t(shift), {}});
    it->entries.push_back(Entry{src_lo_[b] >> shift, b});
  }
  for (auto& blocks : blocks_) std::sort(blocks.entries.begin(), blocks.entries.end());
  std::sort(by_port_.begin(), by_port_.end());
  indexed_ = true;
}

bool FlatRules::meeting_candidates(core::u128 lo, core::u128 hi, uint32_t port_lo, uint32_t port_hi,
                                   size_t first, size_t end, std::vector<uint32_t>& picked) const {
  if (!indexed_ || end - first < kIndexFrom) return false;
  // Count first: a wide source meets most boxes, which a plain read serves better.
  const size_t budget = (end - first) / 4;
  size_t count = size_t(std::lower_bound(irregular_.begin(), irregular_.end(), uint32_t(end)) -
                        std::lower_bound(irregular_.begin(), irregular_.end(), uint32_t(first)));
  auto ports_from = std::lower_bound(by_port_.begin(), by_port_.end(), PortEntry{port_lo, 0});
  auto ports_to = std::lower_bound(ports_from, by_port_.end(), PortEntry{port_hi + 1, 0});
  count += size_t(ports_to - ports_from);
  if (count > budget) return false;
  using Range = std::pair<std::vector<Entry>::const_iterator, std::vector<Entry>::const_iterator>;
  std::vector<Range> ranges;
  ranges.reserve(blocks_.size());
  for (const auto& blocks : blocks_) {
    auto from = std::lower_bound(blocks.entries.begin(), blocks.entries.end(), Entry{lo >> blocks.shift, 0});
    auto to = std::lower_bound(from, blocks.entries.end(), Entry{(hi >> blocks.shift) + 1, 0});
    if ((hi >> blocks.shift) == (~core::u128(0) >> blocks.shift)) to = blocks.entries.end();
    count += size_t(to - from);
    if (count > budget) return false;
    ranges.emplace_back(from, to);
  }
  picked.clear();
  picked.reserve(count);
  for (auto it = std::lower_bound(irregular_.begin(), irregular_.end(), uint32_t(first));
       it != irregular_.end() && *it < end; ++it)
    picked.push_back(*it);
  for (auto it = ports_from; it != ports_to; ++it) {
    if (it->box >= first && it->box < end) picked.push_back(it->box);
  }
  for (const auto& [from, to] : ranges) {
    for (auto it = from; it != to; ++it) {
      if (it->box >= first && it->box < end) picked.push_back(it->box);
    }
  }
  std::sort(picked.begin(), picked.end());
  return true;
}

void FlatRules::add_rule(FlatBoxes boxes) {
  uint32_t pos = uint32_t(rules());
  for (const auto& b : boxes) {
    boxes_.push_back(b);
    owner_.push_back(pos);
    dport_lo_.push_back(uint32_t(b.lo[dim::kDport]));
    dport_hi_.push_back(uint32_t(b.hi[dim::kDport]));
    src_lo_.push_back(b.lo[dim::kSrc]);
    src_hi_.push_back(b.hi[dim::kSrc]);
  }
  begin_.push_back(uint32_t(boxes_.size()));
  indexed_ = false;
}

}  // namespace rampart::solver
