#pragma once
// Seeded random policies and questions for property tests. Addresses, ports
// and protocols come from small universes so that rules overlap often and the
// exhaustive region enumeration stays cheap.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "rampart/core/policy.h"

namespace rampart::testing {

struct RandomPolicyOptions {
  int max_rules = 200;
  int max_layers = 3;
  bool unknowns = true;
  bool chains = true;
  bool interfaces = true;
};

class RandomPolicy {
 public:
  explicit RandomPolicy(uint64_t seed, RandomPolicyOptions options = {}) : rng_(seed), options_(options) {}

  core::Policy policy();
  // A random network question about the policy's host (`web1`).
  core::Question question(const core::Policy& policy);

  core::AddressSet address_set();
  core::ServiceSet service_set(bool for_question);

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  int rule_count();
  core::Rule rule(core::Combining c, int chains, int chain_index, core::Policy& policy);
  core::RuleSet rule_set(core::Policy& policy, const std::string& name);

  std::mt19937_64 rng_;
  RandomPolicyOptions options_;
};

}  // namespace rampart::testing
