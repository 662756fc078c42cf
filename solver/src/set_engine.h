#pragma once
// The exact set engine: core's network semantics lifted from one packet to
// finite unions of boxes over (src, dst, proto, sport, dport, icmp type,
// icmp code, unknown atoms...). It computes the admitted set of a question,
// and from it the must and may answers. It is not trusted: every answer it
// produces is certified by Z3 (Certifier) before anyone sees it.

#include <z3++.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "boxes.h"
#include "encoder.h"
#include "rampart/core/evaluator.h"
#include "rampart/core/policy.h"
#include "rampart/core/regions.h"
#include "rampart/solver/session.h"

namespace rampart::solver {

namespace dim {
inline constexpr size_t kSrc = 0, kDst = 1, kProto = 2, kSport = 3, kDport = 4, kType = 5, kCode = 6;
inline constexpr size_t kFields = 7;
}  // namespace dim

// A box of packets (fields only, or fields + atoms) with its family.
struct FamilyBox {
  core::Family family;
  Box box;
};

struct Witness {
  core::Packet packet;
  core::Valuation valuation;
};

// A certification piece: every packet whose answer fields lie in the box,
// with the other fields fixed to `fixed` (and atoms to `atoms`, or free).
struct Piece {
  core::Family family;
  Box answer;                            // over src, proto, dport, type, code (field dims)
  core::Packet fixed;                    // dst and sport (and family) used for the proof
  std::optional<core::Valuation> atoms;  // fixed atoms (may pieces) or none (must pieces: all values)
};

// Canonical witnesses: the lowest packet (by family, protocol, destination
// port, ICMP type and code, destination, source port, source) of a set.
struct Witnesses {
  std::optional<Witness> must_admitted;  // admitted whatever the atoms are
  std::optional<Witness> may_admitted;   // admitted for the atoms given
  std::optional<Witness> must_denied;    // denied whatever the atoms are
  std::optional<Witness> may_denied;     // denied for the atoms given
  std::optional<Witness> any;            // any packet of the question
};

struct ExactSet {
  // Over the answer projection: field dims with dst and sport full.
  std::vector<FamilyBox> must;
  std::vector<FamilyBox> may;
  std::vector<Piece> must_pieces;
  std::vector<Piece> may_pieces;
  Witness may_witness;
  Witnesses witnesses;
  std::vector<std::string> atoms;  // keys of the atom dimensions, in order
  size_t boxes = 0;                // size of the largest intermediate set (statistics)
  // Why the engine gave up (BoxBudget), empty when the set is complete. An
  // incomplete set has no boxes and no witnesses.
  std::string incomplete;
};

class SetEngine {
 public:
  // At most this many boxes x dimensions in any one intermediate set (about
  // 100 MB; 285,000 boxes of the seven packet fields).
  static constexpr size_t kMaxCells = 2'000'000;
  // `timeout_ms` (0: none) bounds the computation as it bounds a solver call.
  explicit SetEngine(const core::Policy& policy, unsigned timeout_ms = 0)
      : policy_(policy), timeout_ms_(timeout_ms) {}
  ExactSet admitted_set(const core::QuestionSpace& space);

  struct Run;  // one family's computation (set_engine.cpp)

 private:
  ExactSet compute(const core::QuestionSpace& space);
  const core::Policy& policy_;
  unsigned timeout_ms_ = 0;
};

// Deliberately breaks a set (fault-injection tests).
void corrupt(ExactSet& set);

struct Certification {
  bool certified = false;
  bool unknown = false;
  std::string reason;
};

// Proves with Z3 that an ExactSet is exactly the admitted set.
class Certifier {
 public:
  Certifier(z3::context& ctx, Encoder& encoder, const PacketTerms& packet, const z3::expr& in_space,
            const z3::expr& admitted, const Limits& limits, Statistics& stats);
  // For a formula over two encodings of the same packet (diffs): the
  // definitions and atoms of both count; `encoder` reads models.
  Certifier(z3::context& ctx, Encoder& encoder, const Encoder& other, const PacketTerms& packet,
            const z3::expr& in_space, const z3::expr& admitted, const Limits& limits, Statistics& stats);
  Certification certify(const ExactSet& set);

 private:
  z3::expr in_answer(const std::vector<FamilyBox>& boxes);
  z3::expr in_box(const FamilyBox& b);
  z3::expr dim_in(const z3::expr& term, const Dim& d, unsigned bits);
  // `definitions`: whether the formula mentions the encoding's auxiliary
  // constants (through `admitted` or `in_space`); a formula over the packet
  // terms alone is checked without them (they constrain nothing it says).
  std::optional<Certification> unsat_or_fail(const z3::expr& formula, const std::string& what,
                                             bool definitions = true);
  // No packet outside `must` is admitted for every value of the atoms.
  std::optional<Certification> nothing_certain_outside(const z3::expr& must);
  std::optional<Certification> outcome(z3::solver& s, z3::check_result r, const std::string& what);
  void limit(z3::solver& s);

  z3::context& ctx_;
  Encoder& encoder_;
  const PacketTerms& p_;
  z3::expr in_space_;
  z3::expr admitted_;
  Limits limits_;
  Statistics& stats_;
  std::vector<z3::expr> definitions_;
  std::vector<z3::expr> auxiliaries_;
  std::map<std::string, z3::expr> atoms_;
};

// The admitted packets of one family, over the seven packet fields (unknown
// atoms projected away): those admitted whatever the atoms are (must) and for
// some value of them (may), in a universe of their own.
struct FamilyFields {
  core::Family family = core::Family::V4;
  std::unique_ptr<std::vector<Dim>> universe;
  BoxSet space{nullptr}, must{nullptr}, may{nullptr};
  bool atoms = false;
};
std::vector<FamilyFields> admitted_fields(const core::Policy& policy, const core::QuestionSpace& space);

// An ExactSet (answer boxes and certification pieces) of field boxes known
// exactly (no atoms): must = may.
ExactSet exact_from_fields(core::Family family, const BoxSet& fields);

// The lowest packet of a set of field boxes.
std::optional<Witness> lowest_packet(const BoxSet& fields, core::Family family);

// Rules as boxes for lint: one family, one connection state, outside any
// host (symbolic sets, interfaces and attributes become atoms), restricted
// to well-formed packets (ports only for port protocols, ICMP type and code
// only for ICMP).
class RuleBoxes {
 public:
  RuleBoxes(const core::Policy& policy, core::Family family, core::ConnState state);
  ~RuleBoxes();
  BoxSet match(const core::Rule& rule);
  BoxSet none();
  std::optional<Witness> lowest(const BoxSet& s);
  const std::vector<std::string>& atom_keys() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Renders an ExactSet as people read it: sources grouped by admitted services.
core::SetAnswer to_answer(const ExactSet& set, const core::QuestionSpace& space);

}  // namespace rampart::solver
