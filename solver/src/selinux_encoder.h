#pragma once
// Z3 encoding of SELinux (core/src/selinux_eval.cpp and selinux_access.cpp
// are the reference): a context is a tuple of bit-vectors (type, user, role,
// low and high level), any of them symbolic. Allow rules stay at the
// attribute level: `type ∈ attribute` is a disjunction of the attribute's
// runs of consecutive type values, never the expanded pairs. Booleans take
// the host's states. A symbolic domain ranges over every type a process can
// run in, so "which domains can" is one query.

#include <z3++.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rampart/core/dac.h"
#include "rampart/core/selinux_eval.h"

namespace rampart::solver {

class SelinuxEncoder {
 public:
  SelinuxEncoder(z3::context& ctx, const core::selinux::HostView& view, const core::FileTree& tree);

  // A context, each field a bit-vector term (numerals when concrete). Levels
  // are indices into the encoder's table of the levels in play.
  struct Sym {
    z3::expr type, user, role, low, high;
  };
  Sym concrete(const core::selinux::Context& c);
  Sym ite(const z3::expr& cond, const Sym& a, const Sym& b);
  // The context rampart assumes for a process of domain `d`
  // (HostView::assumed_domain_context), for a symbolic d.
  Sym domain(const z3::expr& d);
  z3::expr domain_var(const std::string& name);
  z3::expr is_domain(const z3::expr& d);  // d can be a process domain
  uint32_t type_of(const z3::model& m, const z3::expr& d) const;

  // `s` may `perms` of class `cls` on `t` (t's type must be a numeral):
  // allow rules, constraints, the role check; permissive mode and domains
  // grant what the policy denies.
  z3::expr allowed(const Sym& s, const Sym& t, uint16_t cls, uint32_t perms);
  // The subject's capability on itself (capability / capability2), as
  // core::selinux::selinux_capabilities filters it.
  z3::expr capability(const Sym& s, core::Capability c);

  // The SELinux half of an operation, mirroring core::selinux::decide_selinux:
  // granted (every check known and allowed), denied (some known check
  // refuses); neither means unknown. `known` says whether the subject's
  // context is known.
  struct Outcome {
    z3::expr granted;
    z3::expr denied;
  };
  Outcome operation(const Sym& s, const z3::expr& known, core::Operation op, const std::string& path,
                    const std::vector<core::FileNode>& overrides = {});

 private:
  z3::expr bv(uint64_t v, unsigned bits) { return ctx_.bv_val(v, bits); }
  z3::expr in_set(const z3::expr& x, const std::vector<uint32_t>& sorted, unsigned bits);
  z3::expr in_types(const z3::expr& t, uint32_t type_or_attribute);
  z3::expr te(const Sym& s, uint32_t target_type, uint16_t cls, uint32_t perm_bit);
  z3::expr constraint(const Sym& s, const Sym& t, const core::selinux::Constraint& c);
  z3::expr level_cmp(const z3::expr& a, const z3::expr& b, core::selinux::ConstraintNode::Op op);
  uint32_t level_index(const core::selinux::Level& l);
  z3::expr role_holds(const z3::expr& role, uint32_t type);
  z3::expr user_has_role(const z3::expr& user, const z3::expr& role);
  z3::expr range_within_user(const z3::expr& user, const z3::expr& low, const z3::expr& high);
  z3::expr permissive(const Sym& s);

  z3::context& ctx_;
  const core::selinux::HostView& view_;
  const core::selinux::CompiledPolicy& p_;
  const core::FileTree& tree_;
  unsigned type_bits_ = 1, user_bits_ = 1, role_bits_ = 1, level_bits_ = 4;
  std::vector<core::selinux::Level> levels_;
  std::map<std::pair<unsigned, uint32_t>, std::pair<z3::expr, z3::expr>> in_types_cache_;
};

}  // namespace rampart::solver
