#pragma once
// Z3 encoding of core's network semantics, field for field the same as
// core/src/evaluator.cpp (the reference). Packets are full-width bit-vectors:
// addresses 128 bits with a family flag (IPv4 in the low 32 bits), unsigned
// comparisons only. Unknown atoms are free Booleans named exactly as the
// evaluator names them (core/atoms.h), so a model replays one for one.

#include <z3++.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bounds.h"
#include "rampart/core/evaluator.h"
#include "rampart/core/policy.h"
#include "rampart/solver/session.h"

namespace rampart::solver {

struct PacketTerms {
  z3::expr v6, src, dst, proto, sport, dport, itype, icode;
  static PacketTerms fresh(z3::context& ctx, const std::string& prefix);
};

class Encoder {
 public:
  Encoder(z3::context& ctx, const core::Policy& policy, Statistics& stats);

  // Well-formed packets: IPv4 addresses in 32 bits; ports 0 unless the
  // protocol has ports; ICMP type/code 0 unless ICMP; ICMP only over IPv4 and
  // ICMPv6 only over IPv6.
  z3::expr well_formed(const PacketTerms& p);

  z3::expr in_addresses(const z3::expr& addr, const z3::expr& v6, const core::AddressSet& set);
  z3::expr in_ports(const z3::expr& port, const core::PortSet& set);
  z3::expr in_bytes(const z3::expr& byte, const core::ByteSet& set);
  z3::expr in_services(const PacketTerms& p, const core::ServiceSet& set);
  z3::expr has_ports(const z3::expr& proto);
  z3::expr has_icmp(const z3::expr& proto);

  // The question's packets: sources, destinations, services, client ports.
  z3::expr in_space(const PacketTerms& p, const core::QuestionSpace& space);

  // Whether `p` is admitted along `path`; rules that cannot meet `fwd` /
  // `reply` bounds are sliced away.
  z3::expr admitted(const core::NetworkPath& path, const PacketTerms& p, const FieldBounds& fwd,
                    const FieldBounds& reply);

  // Atoms (unknown conditions) created so far: key -> Boolean constant.
  const std::map<std::string, z3::expr>& atoms() const { return atoms_; }
  // Auxiliary definitions (fresh constant == expression) that must hold.
  const std::vector<z3::expr>& definitions() const { return definitions_; }
  const std::vector<z3::expr>& auxiliaries() const { return auxiliaries_; }

  // Reads a packet out of a model.
  core::Packet packet_of(const z3::model& m, const PacketTerms& p) const;

  // A rule's match on a packet in a given state, outside any host (lint):
  // symbolic sets, interfaces and attributes are unknown atoms.
  z3::expr rule_match(const core::Match& m, const PacketTerms& p, core::ConnState state);

 private:
  struct View;
  struct ChainResult {
    z3::expr allow, deny, returned;
  };

  z3::expr atom(const std::string& key);
  z3::expr value_of(uint64_t v, unsigned bits) { return ctx_.bv_val(v, bits); }
  z3::expr addr_val(core::u128 v);
  z3::expr match(const core::Match& m, const View& v);
  z3::expr address_match(const core::AddressMatch& m, const z3::expr& addr, const View& v, const char* field);
  z3::expr interface_match(const core::InterfaceMatch& m, const View& v, bool incoming);
  z3::expr port_symbol_match(const core::PortSymbolMatch& m, const View& v);
  z3::expr attribute_match(const core::AttributeMatch& m, const View& v);
  z3::expr rule_set_allow(core::RuleSetId id, const View& v);
  ChainResult chain(core::RuleSetId id, uint32_t chain_index, const View& v, int depth);
  z3::expr scan_any(core::RuleSetId id, const core::RuleSet& rs, core::Action action, const View& v,
                    std::optional<int64_t> priority = std::nullopt);
  z3::expr keep_shallow(const z3::expr& e);
  z3::expr listener_selected(const core::Host& host, uint32_t index, const PacketTerms& p, bool local);
  z3::expr listener_accepts(const core::Host& host, const PacketTerms& p, bool local);

  z3::context& ctx_;
  const core::Policy& policy_;
  Statistics& stats_;
  std::map<std::string, z3::expr> atoms_;
  std::vector<z3::expr> definitions_;
  std::vector<z3::expr> auxiliaries_;
  unsigned aux_counter_ = 0;
};

}  // namespace rampart::solver
