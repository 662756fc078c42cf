// Netfilter benchmarks: the university chair's firewall from the corpus
// (tests/data/netfilter/tum-i8-2015-05-15.iptables-save, ~4,800 rules in 96
// chains, with its interface map) and generated iptables-save files of 1k,
// 5k and 10k rules with user chains (bench/generate.cpp). Each question is
// what `rampart query reach any -> HOST tcp/P` computes: the exact must and
// may source sets through solver::Session. docs/performance.md reports the
// figures as ratios to the baseline measured here, the concrete evaluator
// deciding one packet on the same firewall.
//
//   build/bench/rampart_netfilter_bench --benchmark_min_time=1

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "generate.h"
#include "rampart/core/evaluator.h"
#include "rampart/dsl/frontend.h"
#include "rampart/importers/registry.h"
#include "rampart/solver/session.h"

namespace rampart::bench {
namespace {

namespace fs = std::filesystem;

constexpr int kUniversity = 0;  // the size argument that names the corpus firewall
constexpr int kPorts[] = {22, 80, 443, 3306, 8080};

struct Fixture {
  std::string policy_path;
  std::string host;
  core::Policy policy;
  size_t rules = 0;  // rules of the imported rule sets (all paths)
};

std::string university_policy() {
  return R"(import netfilter.iptables-save "tum-i8-2015-05-15.iptables-save" as fw;
host h {
  interface ext address 131.159.14.3/25;
  inbound fw["filter"];
  outbound fw["filter"];
  listen tcp/1-65535;
  listen udp/1-65535;
}
)";
}

core::Policy load_or_die(const std::string& path) {
  auto registry = importers::default_registry();
  auto load = dsl::load_policy_file(path, registry);
  if (!load.policy) {
    for (const auto& d : load.diagnostics.sorted()) fmt::print(stderr, "{}\n", d.to_string());
    std::abort();
  }
  return std::move(*load.policy);
}

// 0: the university firewall; otherwise a generated dump of that many rules.
const Fixture& fixture(int rules) {
  static std::map<int, std::unique_ptr<Fixture>> cache;
  auto& slot = cache[rules];
  if (slot) return *slot;
  slot = std::make_unique<Fixture>();
  if (rules == kUniversity) {
    // The policy sits beside the dump (and its interface map) in a scratch
    // folder, so the import finds both as a user's policy would.
    fs::path dir = fs::temp_directory_path() / "rampart-bench-netfilter-tum";
    fs::create_directories(dir);
    fs::path data = fs::path(RAMPART_SOURCE_DIR) / "tests/data/netfilter";
    for (const char* f : {"tum-i8-2015-05-15.iptables-save", "tum-i8-2015-05-15.iptables-save.ipassmt"})
      fs::copy_file(data / f, dir / f, fs::copy_options::overwrite_existing);
    std::ofstream(dir / "policy.rampart") << university_policy();
    slot->policy_path = (dir / "policy.rampart").string();
    slot->host = "h";
  } else {
    fs::path dir = fs::temp_directory_path() / fmt::format("rampart-bench-netfilter-{}", rules);
    fs::create_directories(dir);
    std::ofstream(dir / "fw.iptables-save") << generate_iptables_save(FirewallShape{rules, 42});
    std::ofstream(dir / "policy.rampart") << generate_netfilter_policy("fw.iptables-save");
    slot->policy_path = (dir / "policy.rampart").string();
    slot->host = "fw";
  }
  slot->policy = load_or_die(slot->policy_path);
  for (const auto& rs : slot->policy.rule_sets) {
    for (const auto& c : rs.chains) slot->rules += c.rules.size();
  }
  return *slot;
}

core::Question question(const Fixture& f, int port) {
  auto q = dsl::parse_question(fmt::format("reach any -> {} tcp/{}", f.host, port), f.policy);
  if (!q.question) std::abort();
  return *q.question;
}

void label(benchmark::State& state, const Fixture& f) {
  state.counters["rules"] = double(f.rules);
}

// Baseline: the concrete evaluator on one packet (from outside, tcp/22 to
// the host) through the input path.
void BM_EvaluatorOnePacket(benchmark::State& state) {
  const Fixture& f = fixture(int(state.range(0)));
  core::Endpoint src;
  core::Destination dst;
  dst.host = core::HostId(0);
  core::NetworkPath path = core::path_for(f.policy, src, dst);
  core::Packet p;
  p.src = *core::Address::parse("198.51.100.7");
  p.dst = *core::Address::parse(state.range(0) == kUniversity ? "131.159.14.3" : "10.20.0.10");
  p.protocol = core::proto::kTcp;
  p.src_port = 40000;
  p.dst_port = 22;
  for (auto _ : state) benchmark::DoNotOptimize(core::evaluate_all(f.policy, path, p));
  label(state, f);
}

// Parse, import (iptables-save, interface map) and bind.
void BM_Load(benchmark::State& state) {
  const Fixture& f = fixture(int(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(load_or_die(f.policy_path));
  label(state, f);
}

// One exact-set question in a fresh session (as `rampart query` runs it).
void BM_ExactSourceSet(benchmark::State& state) {
  const Fixture& f = fixture(int(state.range(0)));
  int port = int(state.range(1));
  core::Question q = question(f, port);
  core::Result r;
  size_t encoded = 0, calls = 0;
  for (auto _ : state) {
    solver::Session session(f.policy);
    r = session.answer(q);
    encoded = session.statistics().rules_encoded;
    calls = session.statistics().solver_calls;
  }
  if (!r.set || !r.set->certified) state.SkipWithError("no certified set");
  state.counters["rules_encoded"] = double(encoded);
  state.counters["solver_calls"] = double(calls);
  state.SetLabel(
      fmt::format("{} must / {} may entries", r.set ? r.set->must.size() : 0, r.set ? r.set->may.size() : 0));
}

// The target: load the policy, then the five port questions in one session.
void BM_LoadAndFiveQuestions(benchmark::State& state) {
  const Fixture& f = fixture(int(state.range(0)));
  for (auto _ : state) {
    core::Policy p = load_or_die(f.policy_path);
    solver::Session session(p);
    for (int port : kPorts) {
      auto q = dsl::parse_question(fmt::format("reach any -> {} tcp/{}", f.host, port), p);
      core::Result r = session.answer(*q.question);
      if (!r.set || !r.set->certified) state.SkipWithError("no certified set");
      benchmark::DoNotOptimize(r);
    }
  }
  label(state, f);
}

void UniversityPorts(benchmark::internal::Benchmark* b) {
  for (int port : kPorts) b->Args({kUniversity, port});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_EvaluatorOnePacket)
    ->Arg(kUniversity)
    ->Arg(1000)
    ->Arg(5000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Load)->Arg(kUniversity)->Arg(1000)->Arg(5000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExactSourceSet)->Apply(UniversityPorts);
BENCHMARK(BM_LoadAndFiveQuestions)->Arg(kUniversity)->Unit(benchmark::kMillisecond);
// The generated rule sets take seconds per question: one run each.
BENCHMARK(BM_ExactSourceSet)
    ->Args({1000, 22})
    ->Args({5000, 22})
    ->Args({10000, 22})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rampart::bench

BENCHMARK_MAIN();
