#pragma once
// Generators of large, realistic rule sets for benchmarks: enterprise-style
// first-match firewalls with mixed prefix lengths, port ranges, protocols and
// overlapping rules, written in rampart's own formats so loading is measured
// the way users load them.

#include <cstdint>
#include <string>

namespace rampart::bench {

struct FirewallShape {
  int rules = 1000;
  uint64_t seed = 1;
};

// A rules.csv file with one first-match filter `fw` (default deny).
std::string generate_rules_csv(const FirewallShape& shape);

// A policy that imports `csv_path` as the inbound layer of host `server`
// (10.20.0.10) with listeners on the common service ports.
std::string generate_policy(const std::string& csv_path);

}  // namespace rampart::bench
