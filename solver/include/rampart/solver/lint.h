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
  // Correlated and generalised pairs are computed for first-match lists of
  // up to this many rules; longer lists get shadowing and redundancy only,
  // by a faster search (docs/lint.md).
  size_t pairwise_limit = 5000;
  // Called as rules are analysed: (rules done, rules in all).
  std::function<void(size_t, size_t)> progress;
};

void lint(const core::Policy& policy, const LintOptions& options, core::Report& report);

// The baseline lint is measured against (bench/lint_bench.cpp): a plain
// incremental Z3 loop over one first-match list, rule by rule: push the rule's
// match, check, pop, then assert the rule's negation for the rest. Returns
// the indices of the shadowed rules. IPv4 and IPv6 alike, new connections.
std::vector<uint32_t> shadowed_by_plain_solver_loop(const core::Policy& policy, core::RuleSetId rule_set);

// The administrative ports an exposure finding is about.
const std::vector<std::pair<uint16_t, const char*>>& administrative_ports();

}  // namespace rampart::solver
