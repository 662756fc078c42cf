#pragma once
// File-access questions (`can`, `not can`, `only ... can`, `who can`) and the
// conflict report, answered with AccessEncoder and replayed through core's
// DAC evaluator.

#include <z3++.h>

#include <optional>
#include <vector>

#include "rampart/core/policy.h"
#include "rampart/core/result.h"
#include "rampart/solver/session.h"

namespace rampart::solver {

core::Result answer_access(z3::context& ctx, const core::Policy& policy, const core::Question& question,
                           const core::AccessQuestion& q, const Limits& limits, Statistics& stats);

// Every declared access of every service (of `host`, or of all hosts) that
// the model denies, and every file one service creates that another cannot
// then use, each with a verified, least-privilege fix when one exists.
struct ConflictReport {
  std::vector<core::Finding> findings;
  std::vector<core::ResourceReport> resources;  // every file a conflict touches
};
ConflictReport find_conflicts(const core::Policy& policy, std::optional<core::HostId> host);

}  // namespace rampart::solver
