#pragma once
// Exhaustive answers by enumeration. Every rule condition is a union of
// intervals per field, so a field's values fall into regions between rule
// boundaries inside which no decision can change. Evaluating one
// representative per region (each boundary and its neighbours) is exact.
// The CLI answers small questions this way, and the solver's property tests
// use it as their reference.

#include <optional>
#include <vector>

#include "rampart/core/evaluator.h"
#include "rampart/core/policy.h"
#include "rampart/core/question.h"
#include "rampart/core/result.h"

namespace rampart::core {

struct Representatives {
  std::vector<Address> sources;
  std::vector<Address> destinations;
  std::vector<uint8_t> protocols;
  std::vector<uint16_t> src_ports;
  std::vector<uint16_t> dst_ports;
  std::vector<uint8_t> icmp_types;
  std::vector<uint8_t> icmp_codes;

  // Number of packets in the product (saturating).
  size_t product_size() const;
};

// Representatives of every region of every field that the rule sets on
// `path` (both directions, for replies), the destination's listeners and
// bindings, and the given bounds can distinguish; restricted to the bounds.
Representatives representatives(const Policy& policy, const NetworkPath& path,
                                const AddressSet& sources, const AddressSet& destinations,
                                const ServiceSet& services, const PortSet& client_ports);

// The packets a network question ranges over (docs/semantics/network.md):
// sources, destination addresses and client ports as the question defines
// them. `all_sources` widens the source to every address (for `only`).
struct QuestionSpace {
  NetworkPath path;
  AddressSet sources;
  AddressSet destinations;
  ServiceSet services;
  PortSet client_ports;
};
QuestionSpace question_space(const Policy& policy, const NetworkQuestion& q, bool all_sources);

// The listeners of `host` whose service can perform `op` on every file `path`
// names (a path or glob): what `reach ... that can OP PATH` asks about.
std::vector<ListenerId> listeners_that_can(const Policy& policy, HostId host, Operation op, const std::string& path);

// Answers a network question by evaluating every representative packet under
// every valuation of the unknowns. Returns nullopt when the space holds more
// than `max_packets` representatives.
std::optional<Result> answer_by_enumeration(const Policy& policy, const Question& question,
                                            size_t max_packets = 20000);

}  // namespace rampart::core
