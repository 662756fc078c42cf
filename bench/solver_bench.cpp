// Solver benchmarks on generated first-match rule sets of 1k, 10k and 100k
// rules. The concrete evaluator on one packet runs in the same process as the
// baseline; docs/performance.md reports the others as ratios to it.
//
//   build/bench/rampart_solver_bench --benchmark_min_time=1

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "generate.h"
#include "rampart/core/evaluator.h"
#include "rampart/core/regions.h"
#include "rampart/dsl/frontend.h"
#include "rampart/importers/registry.h"
#include "rampart/solver/session.h"

namespace rampart::bench {
namespace {

namespace fs = std::filesystem;

// One generated policy per size, written once and loaded from disk.
struct Fixture {
  std::string policy_path;
  core::Policy policy;
};

const Fixture& fixture(int rules) {
  static std::map<int, std::unique_ptr<Fixture>> cache;
  auto& slot = cache[rules];
  if (slot) return *slot;
  fs::path dir = fs::temp_directory_path() / fmt::format("rampart-bench-{}", rules);
  fs::create_directories(dir);
  std::ofstream(dir / "fw.csv") << generate_rules_csv(FirewallShape{rules, 42});
  std::ofstream(dir / "policy.rampart") << generate_policy("fw.csv");
  slot = std::make_unique<Fixture>();
  slot->policy_path = (dir / "policy.rampart").string();
  auto registry = importers::default_registry();
  auto load = dsl::load_policy_file(slot->policy_path, registry);
  if (!load.policy) {
    for (const auto& d : load.diagnostics.sorted()) fmt::print(stderr, "{}\n", d.to_string());
    std::abort();
  }
  slot->policy = std::move(*load.policy);
  return *slot;
}

core::Question question(core::NetworkClaim claim, const char* sources, core::ServiceMatch service) {
  core::Question q;
  core::NetworkQuestion n;
  n.claim = claim;
  n.source.addresses = *core::AddressSet::parse(sources).set;
  n.destination.host = core::HostId(0);
  n.services = core::ServiceSet::of(service);
  q.is_query = claim == core::NetworkClaim::QueryReach;
  q.text = "bench";
  q.body = n;
  return q;
}

void BM_EvaluatorOnePacket(benchmark::State& state) {
  const Fixture& f = fixture(int(state.range(0)));
  core::Endpoint src;
  core::Destination dst;
  dst.host = core::HostId(0);
  core::NetworkPath path = core::path_for(f.policy, src, dst);
  core::Packet p;
  // A packet no rule admits, so first-match scans the whole set: the worst case.
  p.src = *core::Address::parse("198.51.100.7");
  p.dst = *core::Address::parse("10.20.0.10");
  p.protocol = core::proto::kTcp;
  p.src_port = 40000;
  p.dst_port = 9999;
  for (auto _ : state) benchmark::DoNotOptimize(core::evaluate_all(f.policy, path, p));
}

void BM_LoadPolicy(benchmark::State& state) {
  const Fixture& f = fixture(int(state.range(0)));
  auto registry = importers::default_registry();
  for (auto _ : state) benchmark::DoNotOptimize(dsl::load_policy_file(f.policy_path, registry));
}

void answer(benchmark::State& state, core::NetworkClaim claim, const char* sources, core::ServiceMatch service) {
  const Fixture& f = fixture(int(state.range(0)));
  solver::Session session(f.policy);
  core::Question q = question(claim, sources, service);
  core::Result r;
  for (auto _ : state) r = session.answer(q);
  state.counters["rules_encoded"] = double(session.statistics().rules_encoded) / double(state.iterations());
  state.counters["solver_calls"] = double(session.statistics().solver_calls) / double(state.iterations());
  state.SetLabel(core::verdict_name(r.verdict));
}

void BM_Reach(benchmark::State& s) { answer(s, core::NetworkClaim::Reach, "10.0.0.0/8", core::ServiceMatch::tcp(22, 22)); }
void BM_NotReach(benchmark::State& s) {
  answer(s, core::NetworkClaim::NotReach, "203.0.113.0/24", core::ServiceMatch::tcp(3306, 3306));
}
void BM_Only(benchmark::State& s) { answer(s, core::NetworkClaim::OnlyReach, "10.0.0.0/8", core::ServiceMatch::tcp(22, 22)); }
void BM_ExactSourceSet(benchmark::State& s) {
  answer(s, core::NetworkClaim::QueryReach, "any", core::ServiceMatch::tcp(22, 22));
}

#define SIZES Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)
BENCHMARK(BM_EvaluatorOnePacket)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LoadPolicy)->SIZES->Iterations(3);
BENCHMARK(BM_Reach)->SIZES;
BENCHMARK(BM_NotReach)->SIZES;
BENCHMARK(BM_Only)->SIZES;
BENCHMARK(BM_ExactSourceSet)->SIZES;

}  // namespace
}  // namespace rampart::bench

BENCHMARK_MAIN();
