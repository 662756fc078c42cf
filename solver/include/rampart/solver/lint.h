#pragma once
// Lint: the mistakes hiding in rule sets (shadowed and redundant rules,
// correlated and generalised pairs, allows overridden by blocks), exposures
// of administrative services, rules for ports nothing listens on, listeners
// no rule admits. Exact: computed with the set engine, every shadowed and
// redundant verdict certified by Z3. docs/lint.md.

#include <functional>
#include <string>

#include "rampart/core/policy.h"
#include "rampart/core/result.h"
#include "rampart/solver/session.h"

namespace rampart::solver {

struct LintOptions {
  Limits limits;
  bool certify = true;
  // Called as rules are analysed: (rules done, rules in all).
  std::function<void(size_t, size_t)> progress;
};

void lint(const core::Policy& policy, const LintOptions& options, core::Report& report);

// The administrative ports an exposure finding is about.
const std::vector<std::pair<uint16_t, const char*>>& administrative_ports();

}  // namespace rampart::solver
