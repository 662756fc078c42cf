#include "boxes.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace rampart::solver {

void Box::set(size_t i, Dim d, const std::vector<Dim>& universe) {
  while (dims_.size() <= i) dims_.push_back(universe.at(dims_.size()));
  dims_[i] = std::move(d);
}

bool Box::empty() const {
  for (const auto& d : dims_) {
    if (d.empty()) return true;
  }
  return false;
}

std::string Box::key_without(size_t skip, const std::vector<Dim>& universe) const {
  std::string key;
  for (size_t i = 0; i < universe.size(); ++i) {
    if (i == skip) continue;
    const Dim& d = at(i, universe);
    for (const auto& iv : d.intervals()) {
      key.append(reinterpret_cast<const char*>(&iv.lo), sizeof(iv.lo));
      key.append(reinterpret_cast<const char*>(&iv.hi), sizeof(iv.hi));
    }
    key.push_back('|');
  }
  return key;
}

namespace {
thread_local const BoxBudget* current_budget = nullptr;
thread_local unsigned checks_since_clock = 0;  // the clock is read every 1024th check
}  // namespace

BoxBudgetScope::BoxBudgetScope(BoxBudget budget) : budget_(budget), outer_(current_budget) {
  current_budget = &budget_;
}
BoxBudgetScope::~BoxBudgetScope() {
  current_budget = outer_;
}

void check_box_budget(size_t boxes, size_t dimensions) {
  const BoxBudget* b = current_budget;
  if (!b) return;
  if (b->max_cells && boxes * dimensions > b->max_cells) {
    throw BoxBudgetExceeded(fmt::format(
        "the admitted set fragments into more than {} boxes of {} dimensions (one per packet field and "
        "unknown condition)",
        b->max_cells / std::max<size_t>(dimensions, 1), dimensions));
  }
  if (b->deadline && ++checks_since_clock >= 1024) {
    checks_since_clock = 0;
    if (std::chrono::steady_clock::now() > *b->deadline)
      throw BoxBudgetExceeded("the exact set computation ran out of time (--timeout)");
  }
}

BoxSet BoxSet::of(Box b, const std::vector<Dim>* universe) {
  BoxSet s(universe);
  if (!b.empty()) s.boxes_.push_back(std::move(b));
  return s;
}

namespace {
// Two sorted interval lists meet: one merge-like scan.
bool dims_meet(const Dim& a, const Dim& b) {
  const auto& x = a.intervals();
  const auto& y = b.intervals();
  size_t i = 0, j = 0;
  while (i < x.size() && j < y.size()) {
    if (x[i].hi < y[j].lo) {
      ++i;
    } else if (y[j].hi < x[i].lo) {
      ++j;
    } else {
      return true;
    }
  }
  return false;
}
}  // namespace

bool BoxSet::boxes_meet(const Box& a, const Box& b, const std::vector<Dim>& u) {
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (!dims_meet(a.at(i, u), b.at(i, u))) return false;
  }
  return true;
}

bool BoxSet::intersects(const BoxSet& other) const {
  for (const auto& a : boxes_) {
    for (const auto& b : other.boxes_) {
      if (boxes_meet(a, b, *universe_)) return true;
    }
  }
  return false;
}

bool BoxSet::intersect_box(const Box& a, const Box& b, const std::vector<Dim>& u, Box& out) {
  std::vector<Dim> dims;
  size_t n = std::max(a.size(), b.size());
  dims.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Dim d = a.at(i, u).intersect(b.at(i, u));
    if (d.empty()) return false;
    dims.push_back(std::move(d));
  }
  out = Box(std::move(dims));
  return true;
}

void BoxSet::subtract_box(const Box& a, const Box& b, const std::vector<Dim>& u, std::vector<Box>& out) {
  Box overlap;
  if (!intersect_box(a, b, u, overlap)) {
    out.push_back(a);
    return;
  }
  size_t n = std::max(a.size(), b.size());
  // Peel off, dimension by dimension, the part of `a` outside `b`.
  std::vector<Dim> cur;
  for (size_t i = 0; i < n; ++i) cur.push_back(a.at(i, u));
  for (size_t i = 0; i < n; ++i) {
    Dim outside = cur[i].subtract(b.at(i, u));
    if (!outside.empty()) {
      std::vector<Dim> piece = cur;
      piece[i] = std::move(outside);
      out.emplace_back(std::move(piece));
    }
    cur[i] = cur[i].intersect(b.at(i, u));
  }
}

BoxSet BoxSet::intersect(const BoxSet& other) const {
  BoxSet out(universe_);
  for (const auto& a : boxes_) {
    for (const auto& b : other.boxes_) {
      Box c;
      if (intersect_box(a, b, *universe_, c)) out.boxes_.push_back(std::move(c));
    }
    check_box_budget(out.boxes_.size(), universe_->size());
  }
  return out;
}

BoxSet BoxSet::subtract(const BoxSet& other) const {
  std::vector<Box> cur = boxes_;
  for (const auto& b : other.boxes_) {
    std::vector<Box> next;
    next.reserve(cur.size());
    for (const auto& a : cur) {
      subtract_box(a, b, *universe_, next);
      check_box_budget(next.size(), universe_->size());
    }
    cur = std::move(next);
    if (cur.empty()) break;
    check_box_budget(cur.size(), universe_->size());
  }
  BoxSet out(universe_);
  out.boxes_ = std::move(cur);
  return out;
}

void BoxSet::add_disjoint(const BoxSet& other) {
  boxes_.insert(boxes_.end(), other.boxes_.begin(), other.boxes_.end());
  check_box_budget(boxes_.size(), universe_ ? universe_->size() : 0);
}

void BoxSet::add(const BoxSet& other) {
  add_disjoint(other.subtract(*this));
}

void BoxSet::coalesce() {
  if (boxes_.size() < 2) return;
  const auto& u = *universe_;
  bool changed = true;
  while (changed) {
    changed = false;
    check_box_budget(boxes_.size(), universe_ ? universe_->size() : 0);
    for (size_t dim = 0; dim < u.size(); ++dim) {
      std::map<std::string, size_t> seen;
      std::vector<Box> kept;
      kept.reserve(boxes_.size());
      for (auto& b : boxes_) {
        std::string key = b.key_without(dim, u);
        auto it = seen.find(key);
        if (it == seen.end()) {
          seen.emplace(std::move(key), kept.size());
          kept.push_back(std::move(b));
        } else {
          Box& into = kept[it->second];
          into.set(dim, into.at(dim, u).unite(b.at(dim, u)), u);
          changed = true;
        }
      }
      boxes_ = std::move(kept);
    }
  }
}

}  // namespace rampart::solver
