#pragma once
// The netfilter importers' intermediate form: tables, chains and rules as the
// kernel holds them, with every match already in core terms where rampart
// models it. Both front ends (iptables-save, nft list ruleset) produce it;
// lower.cpp turns it into core rule sets, one per path through the kernel
// (input, output, forward). docs/importers/netfilter.md describes it all.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "rampart/core/diagnostic.h"
#include "rampart/core/import.h"
#include "rampart/core/policy.h"
#include "rampart/core/rule.h"

namespace rampart::importers::nf {

// Diagnostic codes of the netfilter importers (docs/diagnostics.md).
namespace codes {
inline constexpr const char* kSyntax = "RP3301";     // a line rampart cannot read: the import fails
inline constexpr const char* kUnknown = "RP3302";    // a match or target rampart does not model: unknown
inline constexpr const char* kModel = "RP3303";      // a modelling note (NAT, NOTRACK, ignored parts)
inline constexpr const char* kCompanion = "RP3304";  // ipset / interface-map companion file problems
}  // namespace codes

enum class Hook : uint8_t { Prerouting, Input, Forward, Output, Postrouting, None };
std::string hook_name(Hook h);

// The three ways a packet crosses netfilter, each with its own rule set.
enum class Path : uint8_t { Input, Output, Forward };

// Address types as addrtype and nft's fib know them (RTN_*).
namespace addrtype {
inline constexpr uint16_t kUnspec = 1u << 0, kUnicast = 1u << 1, kLocal = 1u << 2, kBroadcast = 1u << 3,
                          kAnycast = 1u << 4, kMulticast = 1u << 5, kBlackhole = 1u << 6,
                          kUnreachable = 1u << 7, kProhibit = 1u << 8, kThrow = 1u << 9, kNat = 1u << 10,
                          kXresolve = 1u << 11, kAll = (1u << 12) - 1;
std::optional<uint16_t> parse(std::string_view name);  // "LOCAL", "local", ...
}  // namespace addrtype

// `-m addrtype` / `fib ... type`: decided per path (lower.cpp).
struct AddrType {
  bool source = false;  // --src-type / fib saddr
  uint16_t types = 0;
  bool negated = false;
};

// An interface condition before it is known which path the rule serves:
// kept as a core InterfaceMatch on a host's own paths, rewritten through the
// interface map or made unknown on the forward path.
struct IfaceCond {
  bool in = true;
  core::InterfaceMatch match;
};

// One conjunction of conditions.
struct Conj {
  core::Match m;                  // family, addresses, services, states, unknowns (fragment ConditionIds)
  std::vector<IfaceCond> ifaces;  // m.in_interface / m.out_interface are left any
  std::vector<AddrType> addrtypes;
};

enum class Verdict : uint8_t {
  Accept,
  Drop,      // DROP and REJECT
  Continue,  // LOG, MARK, counters, no target: decides nothing
  Return,
  Jump,
  Goto,
  Undecided,  // NFQUEUE, an unknown target: accept, drop or go on, rampart cannot tell
};

struct Rule {
  std::vector<Conj> alts;  // a disjunction; empty: the rule never matches
  Verdict verdict = Verdict::Continue;
  std::string target;  // Jump / Goto: the chain
  std::string name;    // the rule as written, for traces
  core::Origin origin;
  std::string undecided;  // why the verdict is Undecided
  bool notrack = false;   // NOTRACK / CT --notrack: the packet is untracked from here on
  bool dnat = false;      // DNAT, REDIRECT, NETMAP, TPROXY: rewrites the destination
};

struct Chain {
  std::string name;
  std::vector<Rule> rules;
  core::Origin origin;
  bool base = false;
  Hook hook = Hook::None;
  int priority = 0;
  std::string type = "filter";  // nft chain type: filter, nat, route
  core::Action policy = core::Action::Allow;
  core::Origin policy_origin;
};

struct Table {
  std::string family;  // ip, ip6, inet (arp, bridge, netdev: never lowered)
  std::string name;
  std::vector<Chain> chains;
  core::Origin origin;

  // By name, through an index caught up lazily with `chains` (which the
  // readers only append to, never renaming a chain): every jump looks its
  // target up, and dumps with tens of thousands of chains (kube-proxy) must
  // not cost jumps x chains.
  Chain* find(const std::string& chain);
  const Chain* find(const std::string& chain) const;

 private:
  mutable std::unordered_map<std::string, size_t> index_;  // first chain of each name
  mutable size_t indexed_ = 0;
};

// Address sets from `ipset save`, resolved at import.
struct IpSet {
  std::string name;
  std::string type;  // hash:ip, hash:net, hash:ip,port, list:set, ...
  core::Family family = core::Family::V4;
  core::Origin origin;
  // One entry per member: its dimensions as written (`10.0.0.0/8`,
  // `tcp:80`), and whether it is a `nomatch` exception.
  struct Member {
    std::vector<std::string> parts;
    bool nomatch = false;
    uint32_t line = 0;
  };
  std::vector<Member> members;
};

// Interface -> the addresses behind it (ipassmt), for the anti-spoofing and
// routing reading of -i / -o.
struct InterfaceMap {
  std::map<std::string, core::AddressSet> ranges;
  std::string file;
  bool empty() const { return ranges.empty(); }
};

// Everything the importer learns before lowering; also the fragment that
// collects unknown conditions as the parser meets them.
struct Ruleset {
  std::string file;
  std::vector<Table> tables;
  std::map<std::string, IpSet> ipsets;
  InterfaceMap interfaces;
  core::Policy fragment;  // conditions only, until lowering adds the rest
  core::Diagnostics diagnostics;
  std::map<std::string, core::ConditionId> condition_index;
  std::string tool;  // "iptables-save", "ip6tables-save", "nft"

  // An unknown condition named uniquely by where it was met and what it is.
  core::ConditionId condition(const std::string& name, const std::string& description,
                              const core::Origin& origin);
};

// ---- conjunctions ----------------------------------------------------------

// Builds conjunctions; the fallbacks (a symbolic set meeting another address
// condition, two interface lists) become unknown conditions of `rule`.
struct ConjContext {
  Ruleset* rs = nullptr;
  core::Origin origin;
  std::string rule_text;
};

// The conjunction of two conditions; nullopt when it is empty.
std::optional<Conj> intersect(const Conj& a, const Conj& b, const ConjContext& cx);
// Every conjunction of one of `a` with one of `b` (capped: beyond the cap the
// result is nullopt and the caller makes the rule unknown).
std::optional<std::vector<Conj>> product(const std::vector<Conj>& a, const std::vector<Conj>& b,
                                         const ConjContext& cx, size_t cap = 4096);

core::ServiceSet intersect_services(const core::ServiceSet& a, const core::ServiceSet& b);

// Conj holding one condition.
Conj conj_src(core::AddressMatch m);
Conj conj_dst(core::AddressMatch m);
Conj conj_services(core::ServiceSet s);
Conj conj_states(uint8_t states);
Conj conj_unknown(core::ConditionId c);
Conj conj_family(core::Family f);
Conj conj_iface(bool in, core::InterfaceMatch m);
Conj conj_addrtype(AddrType t);

// ---- shared parsing helpers --------------------------------------------------

std::optional<uint64_t> parse_number(std::string_view s, uint64_t max);  // decimal or 0x hex
// The union of many sets, pairwise (n log n rather than n^2).
core::AddressSet unite_all(std::vector<core::AddressSet> sets);
// An address, CIDR (host bits allowed, as netfilter masks them), dotted mask
// or range; of `family` when given.
std::optional<core::AddressSet> parse_address(std::string_view text, std::optional<core::Family> family,
                                              std::string& error);
std::optional<uint8_t> protocol_number(std::string_view name);
std::optional<uint16_t> service_port(std::string_view name);  // "22", "ssh", "https"
// ICMP type[/code] names as iptables and nft spell them; family V4 or V6.
struct IcmpTypeCode {
  uint8_t type = 0;
  std::optional<uint8_t> code;
};
std::optional<IcmpTypeCode> icmp_type(std::string_view name, core::Family family);
std::optional<uint8_t> conn_state_bits(std::string_view name);  // "NEW", "established", ...

// A TCP flags test on the packets rampart knows: a new connection's first
// packet is a SYN; its reply's packets carry ACK (SYN-ACK, then ACK, PSH-ACK,
// FIN-ACK). Decided where they agree, else an unknown condition (added to
// `reported`).
std::vector<Conj> tcp_flags_conj(Ruleset& rs, const ConjContext& cx, const std::function<bool(uint8_t)>& test,
                                 const std::string& text, std::vector<std::string>& reported);

// ---- companions and lowering -------------------------------------------------

// The conditions of `-m set --match-set NAME FLAGS`: nullopt when rampart
// cannot resolve the set (the caller makes it unknown); `error` set when the
// match itself is malformed.
std::optional<std::vector<Conj>> ipset_match(Ruleset& rs, const std::string& name, const std::string& flags,
                                             bool negated, core::Family family, const ConjContext& cx,
                                             std::string& error);
void parse_ipset_save(std::string_view text, const std::string& file, Ruleset& rs, uint32_t first_line = 1);
void parse_ipassmt(std::string_view text, const std::string& file, Ruleset& rs);
bool looks_like_ipset_line(std::string_view line);

}  // namespace rampart::importers::nf
namespace rampart::importers {
struct NetfilterCompanions;
}
namespace rampart::importers::nf {
void read_companions(const NetfilterCompanions& c, Ruleset& rs);

struct LowerOptions {
  bool single_family = false;  // iptables-save: the file speaks for one family only
  core::Family family = core::Family::V4;
};
// Lowers the tables into the fragment and names its objects.
core::ImportResult lower(Ruleset rs, const LowerOptions& options);

}  // namespace rampart::importers::nf
namespace rampart::importers {
// parse_iptables_save over the file at `path`, read line by line (bounded
// memory); `file` is the name diagnostics give it.
core::ImportResult read_iptables_save_file(const std::string& path, const std::string& file,
                                           core::Family family, const NetfilterCompanions& companions);
}  // namespace rampart::importers
