#pragma once
// Concrete bounds on a packet view, used to slice rule sets: a rule whose
// concrete conditions cannot meet the bounds can never match a packet of the
// question and is left out of the encoding. Slicing is exact, not a heuristic:
// it only drops what is provably irrelevant.

#include "rampart/core/policy.h"
#include "rampart/core/regions.h"

namespace rampart::solver {

struct FieldBounds {
  core::AddressSet src = core::AddressSet::any();
  core::AddressSet dst = core::AddressSet::any();
  core::ServiceSet services = core::ServiceSet::any();  // src_ports inside the clauses
  core::ConnState state = core::ConnState::New;
};

// Bounds of the forward packet and of its reply for a question space.
FieldBounds forward_bounds(const core::QuestionSpace& space);
FieldBounds reply_bounds(const core::QuestionSpace& space);

// False only when no packet within `b` can satisfy `m`'s concrete conditions
// (symbolic sets, attributes, interfaces and unknowns are assumed satisfiable).
bool may_match(const core::Match& m, const FieldBounds& b);

bool services_intersect(const core::ServiceMatch& a, const core::ServiceMatch& b);

}  // namespace rampart::solver
