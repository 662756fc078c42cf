// A compiled policy (policy.NN) read by libsepol into core's plain SELinux
// model (docs/importers/selinux.md). The policydb internals are reached
// through the static libsepol.a; the decision functions are never called
// here (only the tests use them, as the oracle).

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

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
  std::map<const void*, std::pair<uint32_t, bool>> conditional;  // avtab node -> (condition, when)

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
      for (const cond_av_list_t* l = c->true_list; l; l = l->next) conditional[l->node] = {index, true};
      for (const cond_av_list_t* l = c->false_list; l; l = l->next) conditional[l->node] = {index, false};
    }
  }

  void avtab(const avtab_t& tab, bool is_conditional) {
    for (uint32_t slot = 0; slot < tab.nslot; ++slot) {
      for (avtab_ptr_t n = tab.htable[slot]; n; n = n->next) {
        uint32_t condition = sel::kNone;
        bool when = true;
        if (is_conditional) {
          auto it = conditional.find(n);
          if (it == conditional.end()) continue;  // not on any condition's list: never enabled
          condition = it->second.first;
          when = it->second.second;
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
  std::string copy(bytes);  // libsepol reads through a non-const pointer
  pf.data = copy.data();
  pf.len = copy.size();
  policydb_t p;
  if (policydb_init(&p)) {
    diags.error("RP3501", where, fmt::format("cannot read `{}`: out of memory", file));
    return nullptr;
  }
  if (policydb_read(&p, &pf, 0) != 0) {
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
  c.avtab(p.te_avtab, false);
  c.avtab(p.te_cond_avtab, true);
  c.transitions();
  c.roles_and_users();
  c.mls();
  out->index();
  c.misc();
  policydb_destroy(&p);
  return out;
}

}  // namespace rampart::importers
