// Lint benchmarks on generated first-match rule sets (bench/generate.cpp).
// The baseline, in the same process: the plain incremental Z3 loop (push a
// rule, check, pop, assert its negation) finding the shadowed rules of the
// same list. docs/performance.md reports lint as a ratio to it.
//
//   build/bench/rampart_lint_bench --benchmark_min_time=1

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "generate.h"
#include "rampart/dsl/frontend.h"
#include "rampart/importers/registry.h"
#include "rampart/solver/lint.h"

namespace rampart::bench {
namespace {

namespace fs = std::filesystem;

const core::Policy& policy_of(int rules) {
  static std::map<int, std::unique_ptr<core::Policy>> cache;
  auto& slot = cache[rules];
  if (slot) return *slot;
  fs::path dir = fs::temp_directory_path() / fmt::format("rampart-lint-bench-{}", rules);
  fs::create_directories(dir);
  std::ofstream(dir / "fw.csv") << generate_rules_csv(FirewallShape{rules, 42});
  std::ofstream(dir / "policy.rampart") << generate_policy("fw.csv");
  auto registry = importers::default_registry();
  auto load = dsl::load_policy_file((dir / "policy.rampart").string(), registry);
  if (!load.policy) std::abort();
  slot = std::make_unique<core::Policy>(std::move(*load.policy));
  return *slot;
}

void BM_PlainSolverLoop(benchmark::State& state) {
  const core::Policy& p = policy_of(int(state.range(0)));
  size_t shadowed = 0;
  for (auto _ : state) shadowed = solver::shadowed_by_plain_solver_loop(p, core::RuleSetId(0)).size();
  state.counters["shadowed"] = double(shadowed);
}

void BM_Lint(benchmark::State& state) {
  const core::Policy& p = policy_of(int(state.range(0)));
  solver::LintOptions options;
  options.certify = state.range(1) != 0;
  size_t shadowed = 0;
  for (auto _ : state) {
    core::Report report;
    solver::lint(p, options, report);
    shadowed = 0;
    for (const auto& f : report.findings) shadowed += f.rule_id == "shadowed-rule";
  }
  state.counters["shadowed"] = double(shadowed);
}

// The baseline grows faster than linearly; 1k and 2k keep the run short.
BENCHMARK(BM_PlainSolverLoop)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_Lint)
    ->Args({1000, 1})
    ->Args({2000, 1})
    ->Args({1000, 0})
    ->Args({2000, 0})
    ->Args({10000, 0})
    ->Args({10000, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace rampart::bench

BENCHMARK_MAIN();
