#pragma once
// Finite unions of boxes: products of interval sets, one per dimension. The
// exact set engine computes admitted sets with them; Z3 then certifies the
// result. Dimensions past a box's size are the full universe of that
// dimension (so atoms discovered late extend older boxes for free).

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "rampart/core/interval_set.h"

namespace rampart::solver {

// A bound on box computations in this thread, installed by a BoxBudgetScope
// (the exact set engine): boxes fragment, and unknown conditions add a
// dimension each, so a short rule list can ask for exponentially many. Past
// `max_cells` (boxes x dimensions, which is what a set's memory grows with)
// in one set, or past the deadline, the computation throws
// BoxBudgetExceeded, which its caller turns into an honest "unknown".
struct BoxBudget {
  size_t max_cells = 0;
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

class BoxBudgetExceeded : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class BoxBudgetScope {
 public:
  explicit BoxBudgetScope(BoxBudget budget);
  ~BoxBudgetScope();
  BoxBudgetScope(const BoxBudgetScope&) = delete;
  BoxBudgetScope& operator=(const BoxBudgetScope&) = delete;

 private:
  BoxBudget budget_;
  const BoxBudget* outer_;
};

// Throws BoxBudgetExceeded when a set of `boxes` boxes of `dimensions`
// dimensions breaks this thread's budget.
void check_box_budget(size_t boxes, size_t dimensions);

using Dim = core::IntervalSet<core::u128>;

class Box {
 public:
  Box() = default;
  explicit Box(std::vector<Dim> dims) : dims_(std::move(dims)) {}

  // The set on dimension i, given the universe of each dimension.
  const Dim& at(size_t i, const std::vector<Dim>& universe) const {
    return i < dims_.size() ? dims_[i] : universe.at(i);
  }
  void set(size_t i, Dim d, const std::vector<Dim>& universe);
  size_t size() const { return dims_.size(); }
  bool empty() const;
  std::string key_without(size_t skip, const std::vector<Dim>& universe) const;

 private:
  std::vector<Dim> dims_;
};

// Pairwise disjoint boxes.
class BoxSet {
 public:
  explicit BoxSet(const std::vector<Dim>* universe = nullptr) : universe_(universe) {}
  static BoxSet of(Box b, const std::vector<Dim>* universe);

  const std::vector<Box>& boxes() const { return boxes_; }
  bool empty() const { return boxes_.empty(); }
  size_t size() const { return boxes_.size(); }

  BoxSet intersect(const BoxSet& other) const;
  BoxSet subtract(const BoxSet& other) const;
  // Whether the sets meet, and whether this one lies inside `other`; the
  // first builds nothing (it runs per pair of rules in lint).
  bool intersects(const BoxSet& other) const;
  bool inside(const BoxSet& other) const { return subtract(other).empty(); }
  // Union with a set disjoint from this one (not checked).
  void add_disjoint(const BoxSet& other);
  // Union with any set.
  void add(const BoxSet& other);
  // Merges boxes that differ in a single dimension.
  void coalesce();

  const std::vector<Dim>& universe() const { return *universe_; }

 private:
  static bool boxes_meet(const Box& a, const Box& b, const std::vector<Dim>& u);
  static bool intersect_box(const Box& a, const Box& b, const std::vector<Dim>& u, Box& out);
  static void subtract_box(const Box& a, const Box& b, const std::vector<Dim>& u, std::vector<Box>& out);
  const std::vector<Dim>* universe_;
  std::vector<Box> boxes_;
};

}  // namespace rampart::solver
