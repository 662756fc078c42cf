// A compiled policy (policy.NN) read by libsepol into core's plain SELinux
// model (docs/importers/selinux.md). The policydb internals are reached
// through the static libsepol.a; the decision functions are never called
// here (only the tests use them, as the oracle).

#include <endian.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <tuple>

#include "rampart/importers/selinux.h"

// clang-format off
extern "C" {
// policydb.h first: the other headers lean on its declarations.
#include <sepol/policydb/policydb.h>

#include <sepol/debug.h>
#include <sepol/policydb/avtab.h>
#include <sepol/policydb/constraint.h>
#include <sepol/policydb/ebitmap.h>
#include <sepol/policydb/hashtab.h>
#include <sepol/policydb/polcaps.h>
// conditional.h names a struct member `bool`, which C++ reserves.
#define bool sepol_bool_value
#include <sepol/policydb/conditional.h>
#undef bool
}
// clang-format on

// The rule tables (te_avtab: about 80,000 unconditional allow, dontaudit,
// auditallow and type rules in Debian's policy; the conditional rules,
// about 24,000 more) are the bulk of a policy, and libsepol spends most of
// its reading time putting them into hash tables, then freeing them, and
// rampart more copying them out again. While
// read_compiled_policy runs, the linker's --wrap (importers/CMakeLists.txt)
// sends policydb_read's call of avtab_read here: each entry is still read by
// libsepol's own avtab_read_item, but into a flat vector, and the table
// libsepol keeps stays empty. The checks libsepol makes on that table
// (duplicate keys, values in range, conditional type rules that repeat an
// unconditional one) are made in read_compiled_policy. Every other caller
// (the tests' libsepol oracle) gets the real avtab_read.
namespace {
// One entry: (class, target, source, kind) packed into one integer, so that
// sorted by it the rules on one (class, target) pair are contiguous, as
// CompiledPolicy keeps them; extended-permission entries are not kept.
struct FlatEntry {
  uint64_t key = 0;
  uint32_t data = 0;  // the permissions or the new type
};
uint64_t packed(const avtab_key_t& k) {
  return uint64_t(k.target_class) << 48 | uint64_t(k.target_type) << 32 | uint64_t(k.source_type) << 16 |
         uint64_t(k.specified & ~AVTAB_ENABLED);
}
// A conditional rule: its entry, its condition (the index of its node in the
// policy's list) and the branch it is on, in file order.
struct FlatConditional {
  FlatEntry entry;
  uint32_t node = 0;
  bool when = true;
};
struct FlatTable {
  std::vector<FlatEntry> entries;
  bool read = false;
  std::vector<FlatConditional> conditional;
  std::string error;  // what made the read fail, when it is ours to say
};
thread_local FlatTable* flat_table = nullptr;
thread_local FlatTable* flat_conditional = nullptr;

struct ConditionalSink {
  FlatTable* table;
  uint32_t node;
  bool when;
};
int flat_conditional_insert(avtab_t*, avtab_key_t* k, avtab_datum_t* d, void* arg) {
  if (k->specified & AVTAB_XPERMS) return 0;  // not modelled (docs/importers/selinux.md)
  auto* sink = static_cast<ConditionalSink*>(arg);
  sink->table->conditional.push_back(FlatConditional{FlatEntry{packed(*k), d->data}, sink->node, sink->when});
  return 0;
}

bool next_u32(policy_file* fp, uint32_t& v) {
  if (fp->len < sizeof v) return false;
  std::memcpy(&v, fp->data, sizeof v);
  fp->data += sizeof v;
  fp->len -= sizeof v;
  v = le32toh(v);
  return true;
}

int flat_insert(avtab_t*, avtab_key_t* k, avtab_datum_t* d, void* arg) {
  if (k->specified & AVTAB_XPERMS) return 0;
  static_cast<FlatTable*>(arg)->entries.push_back(FlatEntry{packed(*k), d->data});
  return 0;
}
}  // namespace

extern "C" {
int __real_avtab_read(avtab_t* a, struct policy_file* fp, uint32_t vers);
int __wrap_avtab_read(avtab_t* a, struct policy_file* fp, uint32_t vers);
int __real_cond_read_list(policydb_t* p, cond_list_t** list, void* fp);
int __wrap_cond_read_list(policydb_t* p, cond_list_t** list, void* fp);
}

// The conditional rules, likewise (policydb_read's call of cond_read_list):
// the nodes and their expressions are built as libsepol's cond_read_node
// builds them, with its expression check (expr_isvalid), but each node's
// rules go to a flat vector instead of the conditional table and the node's
// lists. The checks cond_insertf makes on type rules are made in
// read_compiled_policy.
int __wrap_cond_read_list(policydb_t* p, cond_list_t** list, void* fpv) {
  FlatTable* t = flat_conditional;
  auto* fp = static_cast<policy_file*>(fpv);
  if (!t || fp->type != PF_USE_MEMORY || p->policy_type != POLICY_KERN)
    return __real_cond_read_list(p, list, fpv);
  flat_conditional = nullptr;
  uint32_t len = 0;
  if (!next_u32(fp, len)) return -1;
  cond_node_t* last = nullptr;
  for (uint32_t i = 0; i < len; ++i) {
    auto* node = static_cast<cond_node_t*>(calloc(1, sizeof(cond_node_t)));
    if (!node) return -1;
    // Linked at once: on failure policydb_destroy frees what was read.
    (last ? last->next : *list) = node;
    last = node;
    uint32_t state = 0, exprs = 0;
    if (!next_u32(fp, state) || !next_u32(fp, exprs)) return -1;
    node->cur_state = int(state);
    cond_expr_t* last_expr = nullptr;
    for (uint32_t j = 0; j < exprs; ++j) {
      uint32_t type = 0, boolean = 0;
      if (!next_u32(fp, type) || !next_u32(fp, boolean)) return -1;
      auto* e = static_cast<cond_expr_t*>(calloc(1, sizeof(cond_expr_t)));
      if (!e) return -1;
      e->expr_type = type;
      e->sepol_bool_value = boolean;
      (last_expr ? last_expr->next : node->expr) = e;
      last_expr = e;
      if (type < COND_BOOL || type > COND_LAST || boolean > p->p_bools.nprim) {
        t->error = "a condition uses an unknown operator or boolean";
        return -1;
      }
    }
    for (bool when : {true, false}) {
      uint32_t rules = 0;
      if (!next_u32(fp, rules) || rules > fp->len / 8) return -1;
      ConditionalSink sink{t, i, when};
      for (uint32_t r = 0; r < rules; ++r) {
        if (avtab_read_item(fp, p->policyvers, &p->te_cond_avtab, flat_conditional_insert, &sink) != 0)
          return -1;
      }
    }
  }
  return 0;
}

int __wrap_avtab_read(avtab_t* a, struct policy_file* fp, uint32_t vers) {
  FlatTable* t = flat_table;
  if (!t || fp->type != PF_USE_MEMORY) return __real_avtab_read(a, fp, vers);
  flat_table = nullptr;  // a kernel policy has one such table
  uint32_t nel = 0;
  if (fp->len < sizeof nel) return -1;  // truncated table
  std::memcpy(&nel, fp->data, sizeof nel);
  fp->data += sizeof nel;
  fp->len -= sizeof nel;
  nel = le32toh(nel);
  if (nel == 0 || nel > fp->len / 8) return -1;  // empty (as libsepol refuses it), or longer than the file
  t->entries.reserve(nel);
  for (uint32_t i = 0; i < nel; ++i) {
    if (avtab_read_item(fp, vers, a, flat_insert, t) != 0) return -1;
  }
  // cond_read_list sizes the conditional table from this one's count: the
  // table keeps its slots (empty) and the count until the read is over
  // (read_compiled_policy sets it back to 0).
  if (avtab_alloc(a, nel) != 0) return -1;
  a->nel = nel;
  t->read = true;
  return 0;
}

namespace rampart::importers {

namespace sel = core::selinux;

namespace {

std::vector<uint32_t> bits(const ebitmap_t* e) {
  std::vector<uint32_t> out;
  ebitmap_node_t* n;
  unsigned int b;
  ebitmap_for_each_positive_bit(e, n, b) {
    out.push_back(b);
  }
  return out;
}

sel::Level level_of(const mls_level_t& l) {
  sel::Level out;
  out.sensitivity = l.sens ? l.sens - 1 : 0;
  out.categories = bits(&l.cat);
  return out;
}

sel::Range range_of(const mls_range_t& r) {
  return sel::Range{level_of(r.level[0]), level_of(r.level[1])};
}

struct Converter {
  policydb_t& p;
  sel::CompiledPolicy& out;
  // avtab node -> (condition, when), sorted by node; a node on several lists
  // takes the last one read
  struct CondOf {
    const void* node;
    uint32_t condition;
    bool when;
  };
  std::vector<CondOf> conditional;

  void types() {
    out.types.resize(p.p_types.nprim);
    for (uint32_t i = 0; i < p.p_types.nprim; ++i) {
      sel::Type& t = out.types[i];
      t.name = p.p_type_val_to_name[i] ? p.p_type_val_to_name[i] : fmt::format("type{}", i + 1);
      const type_datum_t* d = p.type_val_to_struct[i];
      if (d) {
        t.attribute = d->flavor == TYPE_ATTRIB;
        if (d->bounds) t.bounds = d->bounds - 1;
      }
      t.permissive = ebitmap_get_bit(&p.permissive_map, i + 1) != 0;
    }
    hashtab_map(
        p.p_types.table,
        [](hashtab_key_t k, hashtab_datum_t d, void* arg) -> int {
          auto* self = static_cast<Converter*>(arg);
          auto* t = static_cast<type_datum_t*>(d);
          uint32_t v = t->s.value;
          if (v == 0 || v > self->out.types.size()) return 0;
          if (self->out.types[v - 1].name != k) self->out.types[v - 1].aliases.emplace_back(k);
          return 0;
        },
        this);
    out.attributes_of.assign(out.types.size(), {});
    out.members_of.assign(out.types.size(), {});
    for (uint32_t i = 0; i < p.p_types.nprim && p.type_attr_map; ++i) {
      for (uint32_t a : bits(&p.type_attr_map[i])) {
        if (a == i || a >= out.types.size() || !out.types[a].attribute) continue;
        out.attributes_of[i].push_back(a);
        if (!out.types[i].attribute) out.members_of[a].push_back(i);
      }
    }
  }

  void constraints(const constraint_node_t* c, sel::Class& cls) {
    for (; c; c = c->next) {
      sel::Constraint k;
      k.permissions = c->permissions;
      for (const constraint_expr_t* e = c->expr; e; e = e->next) {
        sel::ConstraintNode n;
        n.kind = sel::ConstraintNode::Kind(e->expr_type);
        n.attr = e->attr;
        n.op = sel::ConstraintNode::Op(e->op ? e->op : 1);
        if (e->expr_type == CEXPR_NAMES) {
          n.names = bits(&e->names);
          if (e->type_names) {
            n.written = bits(&e->type_names->types);
            n.negated_names = !ebitmap_is_empty(&e->type_names->negset);
            if (n.negated_names) n.written = bits(&e->type_names->negset);
          }
        }
        if (e->expr_type == CEXPR_ATTR && e->attr >= CEXPR_L1L2) k.mls = true;
        k.expr.push_back(std::move(n));
      }
      cls.constraints.push_back(std::move(k));
    }
  }

  void classes() {
    out.classes.resize(p.p_classes.nprim);
    for (uint32_t i = 0; i < p.p_classes.nprim; ++i) {
      sel::Class& c = out.classes[i];
      c.name = p.p_class_val_to_name[i] ? p.p_class_val_to_name[i] : fmt::format("class{}", i + 1);
      const class_datum_t* d = p.class_val_to_struct[i];
      if (!d) continue;
      auto add = [](hashtab_key_t k, hashtab_datum_t dd, void* arg) -> int {
        auto* perms = static_cast<std::vector<std::string>*>(arg);
        auto* pd = static_cast<perm_datum_t*>(dd);
        uint32_t v = pd->s.value;
        if (v == 0 || v > 32) return 0;
        if (perms->size() < v) perms->resize(v);
        (*perms)[v - 1] = k;
        return 0;
      };
      if (d->comdatum) hashtab_map(d->comdatum->permissions.table, add, &c.permissions);
      hashtab_map(d->permissions.table, add, &c.permissions);
      constraints(d->constraints, c);
      if (d->default_user || d->default_role || d->default_type || d->default_range) ++out.class_defaults;
    }
  }

  void booleans_and_conditions() {
    out.booleans.resize(p.p_bools.nprim);
    for (uint32_t i = 0; i < p.p_bools.nprim; ++i) {
      out.booleans[i].name = p.p_bool_val_to_name[i] ? p.p_bool_val_to_name[i] : fmt::format("bool{}", i + 1);
      out.booleans[i].value = p.bool_val_to_struct[i] && p.bool_val_to_struct[i]->state;
    }
    for (const cond_node_t* c = p.cond_list; c; c = c->next) {
      sel::Condition cond;
      for (const cond_expr_t* e = c->expr; e; e = e->next) {
        sel::CondNode n;
        n.op = sel::CondNode::Op(e->expr_type);
        if (e->expr_type == COND_BOOL) n.boolean = e->sepol_bool_value - 1;
        cond.expr.push_back(n);
      }
      uint32_t index = uint32_t(out.conditions.size());
      out.conditions.push_back(std::move(cond));
      for (const cond_av_list_t* l = c->true_list; l; l = l->next)
        conditional.push_back({l->node, index, true});
      for (const cond_av_list_t* l = c->false_list; l; l = l->next)
        conditional.push_back({l->node, index, false});
    }
    std::stable_sort(conditional.begin(), conditional.end(), [](const CondOf& a, const CondOf& b) {
      return std::less<const void*>()(a.node, b.node);
    });
  }

  bool type_value(uint32_t v) const { return v >= 1 && v <= p.p_types.nprim && p.type_val_to_struct[v - 1]; }
  bool class_value(uint32_t v) const {
    return v >= 1 && v <= p.p_classes.nprim && p.class_val_to_struct[v - 1];
  }
  // The unconditional table read flat (__wrap_avtab_read), with the checks
  // libsepol makes on it: values in range (policydb_validate), no key twice
  // (avtab_insert; extended permissions may repeat) and no conditional type
  // rule repeating an unconditional one (cond_insertf). Sorts `t` and leaves
  // in `allows` and `transitions` the unconditional rules in
  // CompiledPolicy's order. Empty when fine, else why not.
  std::string flat(FlatTable& t, std::vector<sel::AllowRule>& allows,
                   std::vector<sel::TypeTransition>& transitions) {
    std::vector<FlatEntry>& keyed = t.entries;
    for (const FlatEntry& e : keyed) {
      if (!type_value(e.key >> 16 & 0xffff) || !type_value(e.key >> 32 & 0xffff) || !class_value(e.key >> 48))
        return "a rule names a type or class the policy does not define";
      if ((e.key & AVTAB_TYPE) && !type_value(e.data))
        return "a type rule gives a type the policy does not define";
    }
    // Least significant digit first, 16 bits a pass (a pass whose digit is
    // the same everywhere is skipped): about 4x faster than std::sort here.
    std::vector<FlatEntry> spare(keyed.size());
    std::vector<uint32_t> count(0x10001);
    for (unsigned shift = 0; shift < 64; shift += 16) {
      std::fill(count.begin(), count.end(), 0);
      for (const FlatEntry& k : keyed) ++count[(k.key >> shift & 0xffff) + 1];
      if (std::find(count.begin() + 1, count.end(), uint32_t(keyed.size())) != count.end()) continue;
      for (size_t d = 1; d < count.size(); ++d) count[d] += count[d - 1];
      for (const FlatEntry& k : keyed) spare[count[k.key >> shift & 0xffff]++] = k;
      keyed.swap(spare);
    }
    std::vector<FlatEntry>().swap(spare);
    size_t n_allows = 0, n_transitions = 0;
    for (const FlatEntry& e : keyed) {
      n_allows += (e.key & 0xffff) == AVTAB_ALLOWED;
      n_transitions += (e.key & 0xffff) == AVTAB_TRANSITION;
    }
    allows.reserve(n_allows);
    transitions.reserve(n_transitions);
    for (size_t i = 0; i < keyed.size(); ++i) {
      if (i && keyed[i].key == keyed[i - 1].key) return "a rule is listed twice";
      uint64_t key = keyed[i].key;
      auto cls = uint16_t((key >> 48) - 1);
      auto target = uint32_t((key >> 32 & 0xffff) - 1), source = uint32_t((key >> 16 & 0xffff) - 1);
      uint16_t spec = key & 0xffff;
      if (spec == AVTAB_ALLOWED) {
        allows.push_back(sel::AllowRule{source, target, cls, keyed[i].data, sel::kNone, true});
      } else if (spec == AVTAB_TRANSITION) {
        transitions.push_back(sel::TypeTransition{source, target, cls, keyed[i].data - 1, sel::kNone, true});
      }
    }
    auto unconditional = [&](uint64_t key) {
      return std::binary_search(keyed.begin(), keyed.end(), FlatEntry{key, 0},
                                [](const FlatEntry& a, const FlatEntry& b) { return a.key < b.key; });
    };
    for (uint32_t slot = 0; p.te_cond_avtab.htable && slot < p.te_cond_avtab.nslot; ++slot) {
      for (avtab_ptr_t n = p.te_cond_avtab.htable[slot]; n; n = n->next) {
        if ((n->key.specified & AVTAB_TYPE) && unconditional(packed(n->key)))
          return "a conditional type rule repeats an unconditional one";
      }
    }
    // The conditional rules read flat: values in range, and cond_insertf's
    // rule for type rules: a key once, or twice on the true then the false
    // branch of one condition.
    std::vector<const FlatConditional*> type_rules;
    for (const FlatConditional& c : t.conditional) {
      uint64_t key = c.entry.key;
      if (!type_value(key >> 16 & 0xffff) || !type_value(key >> 32 & 0xffff) || !class_value(key >> 48))
        return "a rule names a type or class the policy does not define";
      if (key & AVTAB_TYPE) {
        if (!type_value(c.entry.data)) return "a type rule gives a type the policy does not define";
        if (unconditional(key)) return "a conditional type rule repeats an unconditional one";
        type_rules.push_back(&c);
      }
    }
    std::stable_sort(
        type_rules.begin(), type_rules.end(),
        [](const FlatConditional* a, const FlatConditional* b) { return a->entry.key < b->entry.key; });
    for (size_t i = 0; i < type_rules.size();) {
      size_t j = i;
      while (j < type_rules.size() && type_rules[j]->entry.key == type_rules[i]->entry.key) ++j;
      bool fine = j - i == 1 || (j - i == 2 && type_rules[i]->when && !type_rules[i + 1]->when &&
                                 type_rules[i]->node == type_rules[i + 1]->node);
      if (!fine) return "conflicting conditional type rules";
      i = j;
    }
    return {};
  }

  // The conditional rules read flat, in file order.
  void flat_conditional_rules(const FlatTable& t) {
    for (const FlatConditional& c : t.conditional) {
      uint64_t key = c.entry.key;
      auto cls = uint16_t((key >> 48) - 1);
      auto target = uint32_t((key >> 32 & 0xffff) - 1), source = uint32_t((key >> 16 & 0xffff) - 1);
      uint16_t spec = key & 0xffff;
      if (spec == AVTAB_ALLOWED) {
        out.allows.push_back(sel::AllowRule{source, target, cls, c.entry.data, c.node, c.when});
      } else if (spec == AVTAB_TRANSITION) {
        out.type_transitions.push_back(
            sel::TypeTransition{source, target, cls, c.entry.data - 1, c.node, c.when});
      }
    }
  }

  // `sorted` (the unconditional rules, in order) and `more` (the conditional
  // ones, in table order, sorted here keeping their order among equals)
  // merged into `out` by (class, target, source), a rule of `sorted` first
  // among equals: CompiledPolicy::index's order.
  template <typename Rule>
  static void merge_into(std::vector<Rule>& out, const std::vector<Rule>& sorted, std::vector<Rule>& more) {
    auto less = [](const Rule& a, const Rule& b) {
      return std::tie(a.cls, a.target, a.source) < std::tie(b.cls, b.target, b.source);
    };
    std::stable_sort(more.begin(), more.end(), less);
    out.reserve(out.size() + sorted.size() + more.size());
    std::merge(sorted.begin(), sorted.end(), more.begin(), more.end(), std::back_inserter(out), less);
  }

  void avtab(const avtab_t& tab, bool is_conditional) {
    for (uint32_t slot = 0; tab.htable && slot < tab.nslot; ++slot) {
      for (avtab_ptr_t n = tab.htable[slot]; n; n = n->next) {
        uint32_t condition = sel::kNone;
        bool when = true;
        if (is_conditional) {
          auto it = std::upper_bound(
              conditional.begin(), conditional.end(), static_cast<const void*>(n),
              [](const void* a, const CondOf& b) { return std::less<const void*>()(a, b.node); });
          if (it == conditional.begin() || std::prev(it)->node != n)
            continue;  // on no condition's list: never enabled
          condition = std::prev(it)->condition;
          when = std::prev(it)->when;
        }
        const avtab_key_t& k = n->key;
        uint16_t spec = k.specified & ~AVTAB_ENABLED;
        if (spec == AVTAB_ALLOWED) {
          out.allows.push_back(sel::AllowRule{uint32_t(k.source_type - 1), uint32_t(k.target_type - 1),
                                              uint16_t(k.target_class - 1), n->datum.data, condition, when});
        } else if (spec == AVTAB_TRANSITION) {
          out.type_transitions.push_back(
              sel::TypeTransition{uint32_t(k.source_type - 1), uint32_t(k.target_type - 1),
                                  uint16_t(k.target_class - 1), n->datum.data - 1, condition, when});
        }
      }
    }
  }

  void transitions() {
    hashtab_map(
        p.filename_trans,
        [](hashtab_key_t k, hashtab_datum_t d, void* arg) -> int {
          auto* self = static_cast<Converter*>(arg);
          auto* key = reinterpret_cast<filename_trans_key_t*>(k);
          for (auto* datum = static_cast<filename_trans_datum_t*>(d); datum; datum = datum->next) {
            sel::NameTransition t;
            t.target = key->ttype - 1;
            t.cls = uint16_t(key->tclass - 1);
            t.name = key->name;
            t.result = datum->otype - 1;
            t.sources = bits(&datum->stypes);
            self->out.name_transitions.push_back(std::move(t));
          }
          return 0;
        },
        this);
    std::sort(out.name_transitions.begin(), out.name_transitions.end(), [](const auto& a, const auto& b) {
      return std::tie(a.target, a.cls, a.name, a.result) < std::tie(b.target, b.cls, b.name, b.result);
    });
    hashtab_map(
        p.range_tr,
        [](hashtab_key_t k, hashtab_datum_t d, void* arg) -> int {
          auto* self = static_cast<Converter*>(arg);
          auto* key = reinterpret_cast<range_trans_t*>(k);
          auto* r = static_cast<mls_range_t*>(d);
          self->out.range_transitions.push_back(sel::RangeTransition{
              key->source_type - 1, key->target_type - 1, uint16_t(key->target_class - 1), range_of(*r)});
          return 0;
        },
        this);
    std::sort(out.range_transitions.begin(), out.range_transitions.end(), [](const auto& a, const auto& b) {
      return std::tie(a.source, a.target, a.cls) < std::tie(b.source, b.target, b.cls);
    });
  }

  void roles_and_users() {
    out.roles.resize(p.p_roles.nprim);
    for (uint32_t i = 0; i < p.p_roles.nprim; ++i) {
      sel::Role& r = out.roles[i];
      r.name = p.p_role_val_to_name[i] ? p.p_role_val_to_name[i] : fmt::format("role{}", i + 1);
      const role_datum_t* d = p.role_val_to_struct[i];
      if (!d) continue;
      r.types = bits(ebitmap_is_empty(&d->cache) ? &d->types.types : &d->cache);
      r.dominates = bits(&d->dominates);
    }
    out.users.resize(p.p_users.nprim);
    for (uint32_t i = 0; i < p.p_users.nprim; ++i) {
      sel::User& u = out.users[i];
      u.name = p.p_user_val_to_name[i] ? p.p_user_val_to_name[i] : fmt::format("user{}", i + 1);
      const user_datum_t* d = p.user_val_to_struct[i];
      if (!d) continue;
      u.roles = bits(ebitmap_is_empty(&d->cache) ? &d->roles.roles : &d->cache);
      if (p.mls) {
        u.range = range_of(d->exp_range);
        u.default_level = level_of(d->exp_dfltlevel);
      }
    }
    for (const role_allow_t* ra = p.role_allow; ra; ra = ra->next) {
      out.role_allows.push_back(sel::RoleAllow{ra->role - 1, ra->new_role - 1});
    }
    for (const role_trans_t* rt = p.role_tr; rt; rt = rt->next) {
      out.role_transitions.push_back(
          sel::RoleTransition{rt->role - 1, rt->type - 1, uint16_t(rt->tclass - 1), rt->new_role - 1});
    }
  }

  void mls() {
    out.mls = p.mls != 0;
    out.sensitivities.resize(p.p_levels.nprim);
    out.sensitivity_categories.resize(p.p_levels.nprim);
    for (uint32_t i = 0; i < p.p_levels.nprim; ++i) {
      out.sensitivities[i] = p.p_sens_val_to_name[i] ? p.p_sens_val_to_name[i] : fmt::format("s?{}", i);
    }
    hashtab_map(
        p.p_levels.table,
        [](hashtab_key_t k, hashtab_datum_t d, void* arg) -> int {
          auto* self = static_cast<Converter*>(arg);
          auto* lev = static_cast<level_datum_t*>(d);
          if (!lev->level || lev->level->sens == 0 || lev->level->sens > self->out.sensitivities.size())
            return 0;
          uint32_t s = lev->level->sens - 1;
          if (lev->isalias)
            self->out.sensitivity_aliases.emplace_back(k, s);
          else
            self->out.sensitivity_categories[s] = bits(&lev->level->cat);
          return 0;
        },
        this);
    out.categories.resize(p.p_cats.nprim);
    for (uint32_t i = 0; i < p.p_cats.nprim; ++i) {
      out.categories[i] = p.p_cat_val_to_name[i] ? p.p_cat_val_to_name[i] : fmt::format("c?{}", i);
    }
    hashtab_map(
        p.p_cats.table,
        [](hashtab_key_t k, hashtab_datum_t d, void* arg) -> int {
          auto* self = static_cast<Converter*>(arg);
          auto* cat = static_cast<cat_datum_t*>(d);
          if (cat->isalias && cat->s.value) self->out.category_aliases.emplace_back(k, cat->s.value - 1);
          return 0;
        },
        this);
    std::sort(out.sensitivity_aliases.begin(), out.sensitivity_aliases.end());
    std::sort(out.category_aliases.begin(), out.category_aliases.end());
  }

  void misc() {
    out.version = p.policyvers;
    out.handle_unknown = sel::CompiledPolicy::HandleUnknown(p.handle_unknown & 6);
    for (uint32_t b : bits(&p.policycaps)) {
      const char* name = sepol_polcap_getname(b);
      out.capabilities.push_back(name ? name : fmt::format("polcap{}", b));
    }
    for (const ocontext_t* o = p.ocontexts[OCON_FSUSE]; o; o = o->next) {
      const context_struct_t& c = o->context[0];
      sel::Context ctx;
      ctx.user = c.user - 1;
      ctx.role = c.role - 1;
      ctx.type = c.type - 1;
      if (p.mls) ctx.range = range_of(c.range);
      if (ctx.user >= out.users.size() || ctx.role >= out.roles.size() || ctx.type >= out.types.size())
        continue;
      out.fs_use.push_back(
          sel::FsUse{o->u.name ? o->u.name : "", o->v.behavior, sel::context_text(out, ctx)});
    }
  }
};

}  // namespace

std::shared_ptr<sel::CompiledPolicy> read_compiled_policy(std::string_view bytes, const std::string& file,
                                                          const core::Origin& where,
                                                          core::Diagnostics& diags) {
  sepol_debug(0);  // libsepol reports through our diagnostics, not stderr
  policy_file pf;
  policy_file_init(&pf);
  pf.type = PF_USE_MEMORY;
  // libsepol's policy_file points at the bytes through a non-const pointer
  // but only copies out of it (next_entry), so the caller's bytes are lent.
  pf.data = const_cast<char*>(bytes.data());
  pf.len = bytes.size();
  policydb_t p;
  FlatTable table;
  if (policydb_init(&p)) {
    diags.error("RP3501", where, fmt::format("cannot read `{}`: out of memory", file));
    return nullptr;
  }
  flat_table = &table;
  flat_conditional = &table;
  int read = policydb_read(&p, &pf, 0);
  flat_table = nullptr;
  flat_conditional = nullptr;
  if (table.read) p.te_avtab.nel = 0;  // its entries are in `table`, not in its slots
  if (read != 0 && !table.error.empty()) {
    policydb_destroy(&p);
    diags.error("RP3501", where,
                fmt::format("`{}` is not a valid compiled SELinux policy: {}", file, table.error));
    return nullptr;
  }
  if (read != 0) {
    policydb_destroy(&p);
    diags.error(
        "RP3501", where,
        fmt::format("`{}` is not a compiled SELinux policy libsepol can read (policy.NN, kernel format)",
                    file));
    return nullptr;
  }
  if (p.policy_type != POLICY_KERN) {
    policydb_destroy(&p);
    diags.error("RP3501", where, fmt::format("`{}` is a policy module, not a compiled kernel policy", file));
    return nullptr;
  }
  auto out = std::make_shared<sel::CompiledPolicy>();
  out->path = file;
  Converter c{p, *out, {}};
  c.types();
  c.classes();
  c.booleans_and_conditions();
  std::vector<sel::AllowRule> flat_allows;
  std::vector<sel::TypeTransition> flat_transitions;
  if (std::string bad = c.flat(table, flat_allows, flat_transitions); !bad.empty()) {
    policydb_destroy(&p);
    diags.error("RP3501", where, fmt::format("`{}` is not a valid compiled SELinux policy: {}", file, bad));
    return nullptr;
  }
  std::vector<FlatEntry>().swap(table.entries);
  c.avtab(p.te_avtab, false);      // empty unless libsepol read it (a policy not read from memory)
  c.avtab(p.te_cond_avtab, true);  // empty unless libsepol read the conditional rules
  c.flat_conditional_rules(table);
  std::vector<FlatConditional>().swap(table.conditional);
  std::vector<sel::AllowRule> more_allows;
  std::vector<sel::TypeTransition> more_transitions;
  more_allows.swap(out->allows);
  more_transitions.swap(out->type_transitions);
  Converter::merge_into(out->allows, flat_allows, more_allows);
  Converter::merge_into(out->type_transitions, flat_transitions, more_transitions);
  c.transitions();
  c.roles_and_users();
  c.mls();
  out->index();
  c.misc();
  policydb_destroy(&p);
  return out;
}

}  // namespace rampart::importers
