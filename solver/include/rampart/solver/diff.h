#pragma once
// Change impact: what a change newly admits or blocks (exact, certified),
// which file accesses it newly grants or revokes, and which assertions newly
// fail or hold. docs/cli.md (`rampart diff`).

#include <string>
#include <vector>

#include "rampart/core/policy.h"
#include "rampart/core/result.h"
#include "rampart/solver/session.h"

namespace rampart::solver {

enum class Gate : uint8_t {
  NewExposure,   // newly admitted traffic from a zone marked `untrusted`
  BrokenAssert,  // an assertion that held no longer does (or a new one fails)
  AnyChange,     // any semantic change at all
};

struct DiffOptions {
  Limits limits;
  std::vector<Gate> fail_on;  // findings of these kinds are errors (exit 1)
};

// Appends the differences between `before` and `after` to `report`: findings
// (newly-admitted, newly-blocked, new-exposure, newly-granted, revoked,
// assert-broken, assert-fixed) and one result saying whether the two are
// equivalent, with a proof when they are.
void diff(const core::Policy& before, const core::Policy& after, const DiffOptions& options, core::Report& report);

}  // namespace rampart::solver
