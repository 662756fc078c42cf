#pragma once
// Rules, rule sets and packet filters. Every rule set names how its rules
// combine; nothing about combination is implicit.

#include <optional>
#include <string>
#include <vector>

#include "rampart/core/address.h"
#include "rampart/core/ids.h"
#include "rampart/core/origin.h"
#include "rampart/core/packet.h"
#include "rampart/core/service.h"

namespace rampart::core {

enum class Action : uint8_t {
  Allow,
  Deny,
  Bypass,    // authenticated bypass (block-overrides-allow sets): beats block
  Continue,  // matches and decides nothing (e.g. iptables LOG); evaluation goes on
  Jump,      // first-match only: evaluate target chain, come back on Return
  Goto,      // first-match only: evaluate target chain, do not come back
  Return,    // first-match only: back to the calling chain (or the default)
};
std::string action_name(Action a);

enum class Combining : uint8_t {
  FirstMatch,           // first matching rule decides; otherwise the default
  AllowUnion,           // allow rules only; any match admits; otherwise deny
  BlockOverridesAllow,  // bypass > deny > allow > default
  PriorityDenyWins,     // lowest priority number decides; deny wins ties
};
std::string combining_name(Combining c);  // "first-match", ...

// Address condition. Matches when the address is in `set` or in one of the
// symbolic sets (bound per host; unknown where unbound); `negated` flips it.
struct AddressMatch {
  AddressSet set = AddressSet::any();
  std::vector<std::string> symbols;
  bool negated = false;

  static AddressMatch any() { return {}; }
  static AddressMatch of(AddressSet s) { return AddressMatch{std::move(s), {}, false}; }
  bool is_any() const { return !negated && symbols.empty() && set.is_any(); }
  friend bool operator==(const AddressMatch&, const AddressMatch&) = default;
};

// Port condition on symbolic port sets bound per host (Windows' `RPC`,
// `RPC-EPMap`, ...): the packet's destination (or source) port lies in the
// set bound to one of `symbols`; unknown where a symbol is unbound. Packets of
// protocols without ports never match.
struct PortSymbolMatch {
  std::vector<std::string> symbols;
  bool source = false;  // the source port; otherwise the destination port
  friend bool operator==(const PortSymbolMatch&, const PortSymbolMatch&) = default;
};

// Interface condition. Names ending in `+` match by prefix (netfilter).
// Empty `names` means any interface.
struct InterfaceMatch {
  std::vector<std::string> names;
  bool negated = false;
  bool is_any() const { return names.empty() && !negated; }
  bool matches_name(const std::string& name) const;  // ignoring `negated`
  friend bool operator==(const InterfaceMatch&, const InterfaceMatch&) = default;
};

// A condition on an attribute of the local endpoint that the packet does not
// carry: `program` (the listening executable), `service` (the owning service
// name), `user` ... Known values come from the listener; otherwise unknown.
struct AttributeMatch {
  std::string attribute;
  std::vector<std::string> values;  // any of; compared case-insensitively
  bool negated = false;
  friend bool operator==(const AttributeMatch&, const AttributeMatch&) = default;
};

inline constexpr uint8_t kAllConnStates = (1u << kConnStateCount) - 1;
inline constexpr uint8_t conn_state_bit(ConnState s) { return uint8_t(1u << unsigned(s)); }

// A conjunction of field conditions. Three-valued: the `unknowns` (and any
// unbound symbolic set or unknown attribute) make the match unknown rather
// than true or false.
struct Match {
  std::optional<Family> family;  // e.g. a rule from ip6tables-save
  AddressMatch src;
  AddressMatch dst;
  ServiceSet services = ServiceSet::any();
  InterfaceMatch in_interface;
  InterfaceMatch out_interface;
  uint8_t states = kAllConnStates;
  std::vector<AttributeMatch> attributes;
  std::vector<PortSymbolMatch> port_symbols;  // all must hold
  std::vector<ConditionId> unknowns;

  friend bool operator==(const Match&, const Match&) = default;
};

struct Rule {
  std::string name;  // label, native id or native name; may be empty
  Action action = Action::Allow;
  Match match;
  int64_t priority = 0;       // PriorityDenyWins only; lower number wins
  uint32_t target_chain = 0;  // Jump / Goto only: index in RuleSet::chains
  Origin origin;
};

struct Chain {
  std::string name;
  std::vector<Rule> rules;
  Origin origin;
};

// One ordered rule list with its combining semantics. chains[0] is the entry
// chain; user chains exist only for first-match sets (netfilter).
struct RuleSet {
  std::string name;
  Combining combining = Combining::FirstMatch;
  Action default_action = Action::Deny;  // Allow or Deny
  std::vector<Chain> chains;
  Origin origin;
  Origin default_origin;  // where the default comes from (e.g. a chain policy)

  const std::vector<Rule>& rules() const { return chains.at(0).rules; }
  std::vector<Rule>& rules() { return chains.at(0).rules; }
  size_t rule_count() const;
};

struct RuleRef {
  RuleSetId rule_set;
  uint32_t chain = 0;
  uint32_t index = 0;
  friend auto operator<=>(const RuleRef&, const RuleRef&) = default;
};

// Whether a filter applies to traffic a host sends to itself.
enum class FilterScope : uint8_t {
  Network,  // in the network (security group, network ACL): never sees loopback
  Host,     // on the host (netfilter, Windows Firewall): sees local traffic too
};

// A packet filter as it appears in a configuration: one rule set per
// direction. On a host's inbound path the forward packet meets `inbound` and,
// if the filter is stateless, the reply meets `outbound` (and the other way
// round on an outbound path). An invalid id admits everything that way.
struct PacketFilter {
  std::string name;
  std::string kind;  // "firewall", "aws-security-group", "aws-network-acl", ...
  RuleSetId inbound;
  RuleSetId outbound;
  bool stateless = false;
  FilterScope scope = FilterScope::Host;
  Origin origin;
};

// A condition rampart cannot decide (an unsupported native match, an
// unresolved reference). A free Boolean: must answers hold for both values.
struct UnknownCondition {
  std::string name;         // stable, unique: the same name is the same atom
  std::string description;  // for people: why it is unknown
  Origin origin;
};

}  // namespace rampart::core
