#pragma once
// Packet sets as BDDs (Debian's BuDDy), for computations over whole rule
// lists where boxes fragment: lint's shadowing and redundancy passes. Rules
// are turned into boxes by RuleBoxes (the tested semantics) and the boxes
// into BDDs here; only the set algebra changes. BuDDy keeps one global
// manager per process: BddSpace owns it.

#include <bdd.h>

#include <map>
#include <string>
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
  // One packet (and atom values) of a non-empty set.
  Witness example(const bdd& set, core::Family family);

 private:
  BddSpace();
  bdd range(size_t field, core::u128 lo, core::u128 hi, core::Family family);
  bdd dim(size_t field, const Dim& d, core::Family family);
  int atom_var(const std::string& key);

  std::map<std::string, int> atoms_;
  std::vector<std::string> atom_names_;
};

}  // namespace rampart::solver
