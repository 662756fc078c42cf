#pragma once
// The concrete evaluator: rampart's reference semantics, one packet at a time.
// The solver's every counterexample is replayed through it, and property tests
// compare the two, so this file is the definition of what rampart means.

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "rampart/core/host.h"
#include "rampart/core/ids.h"
#include "rampart/core/packet.h"
#include "rampart/core/policy.h"
#include "rampart/core/question.h"
#include "rampart/core/result.h"
#include "rampart/core/rule.h"

namespace rampart::core {

// Values of the unknown atoms met while evaluating. Atom keys are stable
// strings shared with the solver (docs/semantics/network.md):
//   <occ>/cond:<name>             a declared unknown condition
//   <occ>/sym:<host>:<name>:<src|dst>  membership in an unbound symbolic set
//   <occ>/attr:<host>:<attribute>      an attribute of the local endpoint
//   <occ>/iface:<host>:<in|out>        an interface the packet's path leaves unknown
// where <occ> is `fwd` for the forward packet and `reply` for its reply: the
// two packets are different packets and their unknowns are independent.
struct Valuation {
  std::map<std::string, bool> values;
  std::optional<bool> get(const std::string& key) const;
  void set(const std::string& key, bool v) { values[key] = v; }
};

struct AtomNeeded {
  std::string key;
  std::string description;
};

struct RuleSetOutcome {
  Decision decision = Decision::Deny;
  std::optional<RuleRef> rule;  // absent: the default decided
  std::vector<RuleRef> via;     // jump / goto rules crossed on the way
};

struct MemberOutcome {
  FilterId filter;
  Decision decision = Decision::Deny;
  RuleSetOutcome forward;
  std::optional<RuleSetOutcome> reply;  // stateless filters with a reply packet
};

struct StepOutcome {
  HostId host;
  Direction direction = Direction::Inbound;
  uint32_t layer_index = 0;
  std::vector<MemberOutcome> members;  // members evaluated (skipped ones absent)
  Decision decision = Decision::Deny;
  int deciding_member = -1;  // index into members: the first that admitted, or the last deny
};

// Which layers a packet crosses. Hops are (host, direction) in order: the
// source host's outbound layers, then the destination host's inbound layers.
struct PathHop {
  HostId host;
  Direction direction = Direction::Inbound;
};
struct NetworkPath {
  std::vector<PathHop> hops;
  HostId destination;  // invalid: destination outside the model (no listener check)
  bool local = false;  // a host talking to itself: only host-scope filters apply
  // When set, a packet counts as admitted only if the listener that accepts
  // it is one of these (`reach ... that can OP PATH`, exposure findings).
  std::optional<std::vector<ListenerId>> required_listeners;
};

struct PathOutcome {
  Packet packet;
  HostId destination;
  std::optional<Packet> reply;
  std::vector<StepOutcome> steps;  // stops at the first layer that denies
  bool layers_admit = false;
  std::optional<ListenerId> listener;  // index into the destination's listeners
  std::string listener_reason;         // why none accepts
  bool admitted = false;               // layers admit and (if a host) a listener accepts
};

// Source addresses no host accepts from the network (Linux drops them as
// martian: ip_route_input_slow): 0.0.0.0/8, multicast 224.0.0.0/4, the
// limited broadcast 255.255.255.255, and for IPv6 :: and ff00::/8.
AddressSet martian_sources();

// Builds the path a question's packets take. Diagnoses nothing: the binder has
// already checked the endpoints.
NetworkPath path_for(const Policy& policy, const Endpoint& source, const Destination& destination);

// Evaluates one rule set on one packet. `host` gives symbolic bindings and
// local attributes (may be invalid: then every symbol and attribute is unknown).
std::variant<RuleSetOutcome, AtomNeeded> evaluate_rule_set(
    const Policy& policy, RuleSetId rule_set, const Packet& packet, HostId host,
    const std::map<std::string, std::string>& local_attributes, const std::string& occurrence,
    const Valuation& valuation);

// Evaluates one packet along a path under a valuation; reports the first atom
// the valuation leaves open instead of guessing.
std::variant<PathOutcome, AtomNeeded> evaluate_path(const Policy& policy, const NetworkPath& path,
                                                    const Packet& packet,
                                                    const Valuation& valuation);

// Every outcome over every value of the atoms the packet meets (branching only
// on atoms actually consulted). Throws InternalError beyond `max_branches`.
struct Evaluation {
  Valuation valuation;
  PathOutcome outcome;
};
std::vector<Evaluation> evaluate_all(const Policy& policy, const NetworkPath& path,
                                     const Packet& packet, size_t max_branches = 1u << 16);

// The listener of `host` that accepts the packet, if any (most specific bind
// first), with the reason when none does.
std::optional<ListenerId> find_listener(const Host& host, const Packet& packet,
                                        std::string* reason = nullptr);

// Local attributes (program, service, user) of the listener a packet reaches.
std::map<std::string, std::string> listener_attributes(const Policy& policy, const Host& host,
                                                       const std::optional<ListenerId>& listener);

// The people's view of an outcome: names, rules and origins copied in.
NetworkWitness describe(const Policy& policy, const PathOutcome& outcome,
                        const Valuation& valuation);

}  // namespace rampart::core
