#pragma once
// Packet sets as BDDs (Debian's BuDDy), for computations over whole rule
// lists where boxes fragment: lint's shadowing and redundancy passes. Rules
// are turned into boxes by RuleBoxes (the tested semantics) and the boxes
// into BDDs here; only the set algebra changes. BuDDy keeps one global
// manager per process: BddSpace owns it.

#include <bdd.h>

#include <map>
#include <string>
#include <unordered_set>
#include <vector>

#include "boxes.h"
#include "set_engine.h"

namespace rampart::solver {

class BddSpace {
 public:
  static BddSpace& instance();

  // The union of a set's boxes; dims past the seven fields are the atoms
  // named by `atom_keys` (in order).
  bdd of(const BoxSet& s, const std::vector<std::string>& atom_keys, core::Family family);
  // Whether two sets meet, and whether `a` lies inside `b`: walks the two
  // graphs without building a result (no new nodes: these run per pair).
  bool intersects(const bdd& a, const bdd& b);
  bool subset(const bdd& a, const bdd& b);
  // One packet (and atom values) of a non-empty set.
  Witness example(const bdd& set, core::Family family);

 private:
  BddSpace();
  bdd range(size_t field, core::u128 lo, core::u128 hi, core::Family family);
  bdd dim(size_t field, const Dim& d, core::Family family);
  int atom_var(const std::string& key);

  bool meets(int a, int b);
  bool escapes(int a, int b);
  void forget();

  std::unordered_set<uint64_t> memo_;  // pairs already known to give `false`
  std::map<std::string, int> atoms_;
  std::vector<std::string> atom_names_;
};

}  // namespace rampart::solver
