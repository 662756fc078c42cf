#include "bdd_space.h"

#include <fmt/format.h>

#include <stdexcept>

namespace rampart::solver {
namespace {

// Variable layout, most significant bit first within each field; fields in
// the order that keeps rule BDDs small (protocol and ports split rules
// first). Addresses take 128 bits for both families (IPv4 in the low 32).
struct Field {
  size_t dim;
  int bits;
};
constexpr Field kLayout[] = {{dim::kProto, 8},  {dim::kDport, 16}, {dim::kSrc, 128}, {dim::kDst, 128},
                             {dim::kSport, 16}, {dim::kType, 8},   {dim::kCode, 8}};
constexpr int kFieldVars = 8 + 16 + 128 + 128 + 16 + 8 + 8;

int base_of(size_t dim) {
  int base = 0;
  for (const auto& f : kLayout) {
    if (f.dim == dim) return base;
    base += f.bits;
  }
  core::internal_error("no such packet field");
}
int bits_of(size_t dim) {
  for (const auto& f : kLayout) {
    if (f.dim == dim) return f.bits;
  }
  core::internal_error("no such packet field");
}

void on_error(int code) {
  throw std::runtime_error(fmt::format("BDD package error: {}", bdd_errstring(code)));
}

}  // namespace

BddSpace& BddSpace::instance() {
  static BddSpace space;
  return space;
}

BddSpace::BddSpace() {
  bdd_init(1 << 20, 1 << 17);
  bdd_error_hook(on_error);
  bdd_gbc_hook(nullptr);  // quiet garbage collection
  bdd_setmaxincrease(1 << 22);
  bdd_setvarnum(kFieldVars);
}

// An IPv4 address is the low 32 bits of its 128-bit field: the high 96 bits
// are zero in every IPv4 packet, so IPv4 sets leave them unconstrained
// (smaller BDDs) and examples read them as zero.
bdd BddSpace::range(size_t field, core::u128 lo, core::u128 hi, core::Family family) {
  int base = base_of(field), n = bits_of(field);
  if (n == 128 && family == core::Family::V4) {
    base += 96;
    n = 32;
  }
  core::u128 max = n == 128 ? ~core::u128(0) : ((core::u128(1) << n) - 1);
  if (lo == 0 && hi >= max) return bddtrue;
  // value >= lo and value <= hi, built from the least significant bit up.
  bdd ge = bddtrue, le = bddtrue;
  for (int i = n - 1; i >= 0; --i) {
    bdd x = bdd_ithvar(base + i);
    bool lo_bit = (lo >> (n - 1 - i)) & 1, hi_bit = (hi >> (n - 1 - i)) & 1;
    ge = lo_bit ? (x & ge) : (x | ge);
    bdd not_x = !x;
    le = hi_bit ? (not_x | le) : (not_x & le);
  }
  return ge & le;
}

bdd BddSpace::dim(size_t field, const Dim& d, core::Family family) {
  bdd out = bddfalse;
  for (const auto& iv : d.intervals()) out |= range(field, iv.lo, iv.hi, family);
  return out;
}

int BddSpace::atom_var(const std::string& key) {
  auto it = atoms_.find(key);
  if (it != atoms_.end()) return it->second;
  int var = bdd_varnum();
  bdd_extvarnum(1);
  atoms_.emplace(key, var);
  atom_names_.push_back(key);
  return var;
}

bdd BddSpace::of(const BoxSet& s, const std::vector<std::string>& atom_keys, core::Family family) {
  bdd out = bddfalse;
  const auto& u = s.universe();
  for (const auto& b : s.boxes()) {
    bdd box = bddtrue;
    for (size_t d = 0; d < dim::kFields; ++d) {
      const Dim& x = b.at(d, u);
      if (x == u[d]) continue;  // the whole field: no constraint
      box &= dim(d, x, family);
    }
    for (size_t k = 0; k < atom_keys.size() && dim::kFields + k < b.size(); ++k) {
      const Dim& x = b.at(dim::kFields + k, u);
      if (x.contains(0) && x.contains(1)) continue;
      bdd v = bdd_ithvar(atom_var(atom_keys[k]));
      box &= x.contains(1) ? v : !v;
    }
    out |= box;
  }
  return out;
}

// Roots 0 and 1 are the constants; without reordering a variable's level is
// its index.
bool BddSpace::meets(int a, int b) {
  if (a == 0 || b == 0) return false;
  if (a == 1 || b == 1 || a == b) return true;
  uint64_t key = (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
  if (memo_.count(key)) return false;
  int va = bdd_var(a), vb = bdd_var(b);
  bool out;
  if (va == vb) {
    out = meets(bdd_low(a), bdd_low(b)) || meets(bdd_high(a), bdd_high(b));
  } else if (va < vb) {
    out = meets(bdd_low(a), b) || meets(bdd_high(a), b);
  } else {
    out = meets(a, bdd_low(b)) || meets(a, bdd_high(b));
  }
  if (!out) memo_.insert(key);
  return out;
}

// Some assignment is in `a` and not in `b`.
bool BddSpace::escapes(int a, int b) {
  if (a == 0 || b == 1 || a == b) return false;
  if (b == 0 || a == 1) return true;  // a == 1: b is not true, so some assignment leaves it
  uint64_t key = (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
  if (memo_.count(key)) return false;
  int va = bdd_var(a), vb = bdd_var(b);
  bool out;
  if (va == vb) {
    out = escapes(bdd_low(a), bdd_low(b)) || escapes(bdd_high(a), bdd_high(b));
  } else if (va < vb) {
    out = escapes(bdd_low(a), b) || escapes(bdd_high(a), b);
  } else {
    out = escapes(a, bdd_low(b)) || escapes(a, bdd_high(b));
  }
  if (!out) memo_.insert(key);
  return out;
}

void BddSpace::forget() {
  // clear() on a hash set that once grew sweeps every bucket: start afresh.
  if (memo_.bucket_count() > 4096)
    memo_ = {};
  else
    memo_.clear();
}

bool BddSpace::intersects(const bdd& a, const bdd& b) {
  forget();
  return meets(a.id(), b.id());
}

bool BddSpace::subset(const bdd& a, const bdd& b) {
  forget();
  return !escapes(a.id(), b.id());
}

Witness BddSpace::example(const bdd& set, core::Family family) {
  // Walk one path to true, low branches first: variables off the path are 0.
  std::vector<bool> assignment(size_t(bdd_varnum()), false);
  BDD node = set.id();
  while (node != bddtrue.id() && node != bddfalse.id()) {
    int var = bdd_var(node);
    BDD low = bdd_low(node);
    if (low != bddfalse.id()) {
      node = low;
    } else {
      assignment[size_t(var)] = true;
      node = bdd_high(node);
    }
  }
  auto value = [&](size_t d) {
    int base = base_of(d), n = bits_of(d);
    core::u128 v = 0;
    for (int i = 0; i < n; ++i) v = (v << 1) | core::u128(assignment[size_t(base + i)]);
    return v;
  };
  Witness w;
  w.packet.family = family;
  w.packet.protocol = uint8_t(value(dim::kProto));
  w.packet.dst_port = uint16_t(value(dim::kDport));
  w.packet.src_port = uint16_t(value(dim::kSport));
  w.packet.src = core::Address{family, value(dim::kSrc)};
  w.packet.dst = core::Address{family, value(dim::kDst)};
  w.packet.icmp_type = uint8_t(value(dim::kType));
  w.packet.icmp_code = uint8_t(value(dim::kCode));
  for (size_t k = 0; k < atom_names_.size(); ++k) {
    w.valuation.set(atom_names_[k], assignment[size_t(atoms_.at(atom_names_[k]))]);
  }
  return w;
}

}  // namespace rampart::solver
