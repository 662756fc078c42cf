#pragma once
// Answers: verdicts, witnesses, set answers and findings, as plain data that
// exporters render without seeing the solver. Witnesses are denormalised
// (names and origins copied in) so a report stands on its own.

#include <optional>
#include <string>
#include <vector>

#include "rampart/core/access.h"
#include "rampart/core/address.h"
#include "rampart/core/diagnostic.h"
#include "rampart/core/host.h"
#include "rampart/core/origin.h"
#include "rampart/core/packet.h"
#include "rampart/core/service.h"

namespace rampart::core {

enum class Verdict : uint8_t { Holds, Violated, Unknown };
std::string verdict_name(Verdict v);  // "holds", "violated", "unknown"

enum class Decision : uint8_t { Allow, Deny };
std::string decision_name(Decision d);  // "allow", "deny"

// An assumption a witness makes about an unknown condition.
struct Assumption {
  std::string condition;  // the atom's name
  bool value = false;
  std::string description;
  friend bool operator==(const Assumption&, const Assumption&) = default;
};

// The decision of one layer (or one member of a united layer) on one packet.
struct LayerStep {
  std::string host;
  Direction direction = Direction::Inbound;
  uint32_t layer_index = 0;  // position in the host's inbound / outbound list
  std::string layer;         // the layer as written, e.g. `aws["sg-1"] | local`
  std::string filter;        // the member that decided
  bool reply = false;        // decided on the reply packet (stateless layer)
  Decision decision = Decision::Deny;
  bool by_default = false;       // no rule matched: the set's default decided
  std::string rule;              // the deciding rule's name, or "default"
  Origin origin;                 // the deciding rule's (or the default's) origin
  std::vector<std::string> via;  // jump rules crossed to reach the rule
  friend bool operator==(const LayerStep&, const LayerStep&) = default;
};

struct NetworkWitness {
  Packet packet;
  std::optional<Packet> reply;  // present when a stateless layer checked it
  std::vector<LayerStep> steps;
  bool admitted = false;
  std::string listener;  // "tcp/22 on * (sshd)"; empty when none accepts
  Origin listener_origin;
  std::string listener_reason;  // why no listener accepts, when none does
  std::vector<Assumption> assumptions;
  PortSet client_ports = default_client_ports();
};

struct SubjectInfo {
  std::string name;
  std::string kind;  // "user" or "service"
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;
  std::vector<std::string> capabilities;  // effective, "CAP_DAC_OVERRIDE"
  std::string domain;                     // SELinux, when known
};

// The check that decided an access: mode bits, an ACL entry, a capability,
// a mount, a file flag or an SELinux rule.
struct AccessCheck {
  std::string kind;    // "mode-bits", "acl-entry", "capability", "mount", "flag", "selinux-rule"
  std::string path;    // the node it was checked on (an ancestor for search)
  std::string detail;  // e.g. "other class has r-x, needs -w-"
  Origin origin;
};

struct AccessWitness {
  SubjectInfo subject;
  Operation operation = Operation::Read;
  std::string path;
  bool granted = false;
  AccessCheck decisive;
  std::vector<AccessCheck> checks;  // every check made, in order
};

struct SetEntry {
  AddressSet sources;
  ServiceSet services;
  friend bool operator==(const SetEntry&, const SetEntry&) = default;
};

// An exact set answer. `must`: admitted whatever the unknown conditions are;
// `may`: admitted for some value of them (must is a subset of may).
struct SetAnswer {
  std::vector<SetEntry> must;
  std::vector<SetEntry> may;
  bool certified = false;             // the solver proved both sets equal the admitted sets
  std::string projection;             // what each entry ranges over, e.g. "source address x service"
  std::vector<std::string> subjects;  // access set answers: who can (must)
  std::vector<std::string> may_subjects;
  // `who can` on an SELinux host: every domain (process type) SELinux lets
  // perform it, DAC aside (each as its assumed context; docs/semantics/selinux.md).
  std::vector<std::string> domains;
  bool domains_known = true;  // false: a label on the path is unknown
};

struct Result {
  std::string text;  // the statement as written
  std::string kind;  // Question::kind_name()
  bool is_query = false;
  Origin origin;
  Verdict verdict = Verdict::Unknown;
  std::string reason;  // for people: why this verdict
  std::optional<NetworkWitness> network;
  std::optional<AccessWitness> access;
  std::optional<SetAnswer> set;
  std::vector<std::string> unknowns;  // unknown conditions the answer depends on
};

// A problem found by a command that is not a claim (lint, conflicts, diff).
struct Finding {
  std::string rule_id;  // stable per kind: "shadowed-rule", "access-conflict", ...
  Severity severity = Severity::Warning;
  std::string message;
  Origin origin;
  std::vector<DiagnosticNote> related;
  std::optional<NetworkWitness> network;
  std::optional<NetworkWitness> baseline;  // diff: the same packet under the old policy
  std::optional<AccessWitness> access;
  std::optional<AccessWitness> access_baseline;  // diff: the same access under the old policy
  std::optional<SetAnswer> set;                  // diff: the exact traffic that changed
  std::string fix;                               // a verified fix, when one exists
  bool unknown = false;  // it reports an answer rampart cannot decide (exit code 3 unless worse)
};

// The conflict report's view of one file: every declared access to it, by
// whom, granted or not and why, and the fixes proposed (each verified).
struct ResourceAccess {
  std::string service;
  std::string run_as;     // "www:www", "root:root"
  std::string operation;  // "append", "create", ...
  bool granted = false;
  std::string why;  // the decisive check
  Origin origin;    // the declared access
  // On an SELinux host, each half on its own ("granted", "denied: ...",
  // "unknown: ..."); empty without SELinux.
  std::string dac;
  std::string selinux;
  bool unknown = false;  // neither granted nor denied (e.g. the uid is not known)
};

struct ResourceReport {
  std::string host;
  std::string path;
  std::string created_as;  // "root:root -rw-r--r-- (by app)" when a service creates it
  std::vector<ResourceAccess> accesses;
  std::vector<std::string> fixes;
};

// Exit codes (docs/cli.md).
namespace exit_code {
inline constexpr int kOk = 0;
inline constexpr int kViolated = 1;
inline constexpr int kBadInput = 2;
inline constexpr int kUnknown = 3;
inline constexpr int kInternal = 4;
}  // namespace exit_code

struct Report {
  std::string command;  // "check", "query", "explain", ...
  std::vector<std::string> inputs;
  std::vector<Result> results;
  std::vector<Finding> findings;
  std::vector<ResourceReport> resources;  // conflicts: per file
  std::vector<Diagnostic> diagnostics;
  std::string internal_error;  // non-empty: exit 4

  // 2 and 4 take precedence; then 1 if any claim is violated (or a finding of
  // error severity exists), else 3 if any answer is unknown, else 0.
  int exit_code() const;
  struct Summary {
    size_t holds = 0, violated = 0, unknown = 0;  // assertions
    size_t queries = 0, unanswered_queries = 0;
  };
  Summary summary() const;
};

}  // namespace rampart::core
