// The SELinux model's helpers: name lookups, texts for people, levels and
// contexts (parsed and checked as libsepol's context_from_string and
// policydb_context_isvalid do).

#include "rampart/core/selinux.h"

#include <fmt/format.h>

#include <algorithm>

#include "rampart/core/diagnostic.h"

namespace rampart::core::selinux {

namespace {
bool contains(const std::vector<uint32_t>& sorted, uint32_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

bool includes(const std::vector<uint32_t>& big, const std::vector<uint32_t>& small) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

template <typename Map>
uint32_t find_in(const Map& m, std::string_view name) {
  auto it = m.find(std::string(name));
  return it == m.end() ? kNone : it->second;
}
}  // namespace

bool dominates(const Level& a, const Level& b) {
  return a.sensitivity >= b.sensitivity && includes(a.categories, b.categories);
}

bool incomparable(const Level& a, const Level& b) {
  return !dominates(a, b) && !dominates(b, a);
}

uint32_t Class::bit(std::string_view permission) const {
  for (size_t i = 0; i < permissions.size() && i < 32; ++i) {
    if (permissions[i] == permission) return uint32_t(1) << i;
  }
  return 0;
}

void CompiledPolicy::index() {
  type_index_.clear();
  class_index_.clear();
  boolean_index_.clear();
  role_index_.clear();
  user_index_.clear();
  sensitivity_index_.clear();
  category_index_.clear();
  for (uint32_t i = 0; i < types.size(); ++i) {
    type_index_.emplace(types[i].name, i);
    for (const auto& a : types[i].aliases) type_index_.emplace(a, i);
  }
  for (uint32_t i = 0; i < classes.size(); ++i) class_index_.emplace(classes[i].name, i);
  for (uint32_t i = 0; i < booleans.size(); ++i) boolean_index_.emplace(booleans[i].name, i);
  for (uint32_t i = 0; i < roles.size(); ++i) role_index_.emplace(roles[i].name, i);
  for (uint32_t i = 0; i < users.size(); ++i) user_index_.emplace(users[i].name, i);
  for (uint32_t i = 0; i < sensitivities.size(); ++i) sensitivity_index_.emplace(sensitivities[i], i);
  for (const auto& [n, v] : sensitivity_aliases) sensitivity_index_.emplace(n, v);
  for (uint32_t i = 0; i < categories.size(); ++i) category_index_.emplace(categories[i], i);
  for (const auto& [n, v] : category_aliases) category_index_.emplace(n, v);
  auto key = [](const auto& r) { return std::make_tuple(r.cls, r.target, r.source); };
  if (!std::is_sorted(allows.begin(), allows.end(),
                      [&](const auto& a, const auto& b) { return key(a) < key(b); })) {
    std::stable_sort(allows.begin(), allows.end(),
                     [&](const auto& a, const auto& b) { return key(a) < key(b); });
  }
  if (!std::is_sorted(type_transitions.begin(), type_transitions.end(),
                      [&](const auto& a, const auto& b) { return key(a) < key(b); })) {
    std::stable_sort(type_transitions.begin(), type_transitions.end(),
                     [&](const auto& a, const auto& b) { return key(a) < key(b); });
  }
  attributes_of.resize(types.size());
  members_of.resize(types.size());
  uint32_t r = role("object_r");
  object_role = r == kNone ? 0 : r;
}

uint32_t CompiledPolicy::type(std::string_view name) const {
  return find_in(type_index_, name);
}
uint32_t CompiledPolicy::class_index(std::string_view name) const {
  return find_in(class_index_, name);
}
uint32_t CompiledPolicy::boolean(std::string_view name) const {
  return find_in(boolean_index_, name);
}
uint32_t CompiledPolicy::role(std::string_view name) const {
  return find_in(role_index_, name);
}
uint32_t CompiledPolicy::user(std::string_view name) const {
  return find_in(user_index_, name);
}
uint32_t CompiledPolicy::sensitivity(std::string_view name) const {
  return find_in(sensitivity_index_, name);
}
uint32_t CompiledPolicy::category(std::string_view name) const {
  return find_in(category_index_, name);
}

bool CompiledPolicy::has_capability(std::string_view polcap) const {
  return std::find(capabilities.begin(), capabilities.end(), polcap) != capabilities.end();
}

std::pair<const AllowRule*, const AllowRule*> CompiledPolicy::allows_on(uint16_t cls, uint32_t target) const {
  auto lo =
      std::lower_bound(allows.begin(), allows.end(), std::make_pair(cls, target),
                       [](const AllowRule& r, const auto& k) { return std::make_pair(r.cls, r.target) < k; });
  auto hi =
      std::upper_bound(lo, allows.end(), std::make_pair(cls, target),
                       [](const auto& k, const AllowRule& r) { return k < std::make_pair(r.cls, r.target); });
  return {allows.data() + (lo - allows.begin()), allows.data() + (hi - allows.begin())};
}

std::pair<const TypeTransition*, const TypeTransition*> CompiledPolicy::transitions_on(
    uint16_t cls, uint32_t target) const {
  auto lo = std::lower_bound(
      type_transitions.begin(), type_transitions.end(), std::make_pair(cls, target),
      [](const TypeTransition& r, const auto& k) { return std::make_pair(r.cls, r.target) < k; });
  auto hi = std::upper_bound(
      lo, type_transitions.end(), std::make_pair(cls, target),
      [](const auto& k, const TypeTransition& r) { return k < std::make_pair(r.cls, r.target); });
  return {type_transitions.data() + (lo - type_transitions.begin()),
          type_transitions.data() + (hi - type_transitions.begin())};
}

std::vector<uint32_t> CompiledPolicy::self_and_attributes(uint32_t t) const {
  std::vector<uint32_t> out;
  out.push_back(t);
  if (t < attributes_of.size()) out.insert(out.end(), attributes_of[t].begin(), attributes_of[t].end());
  return out;
}

bool CompiledPolicy::has_attribute(uint32_t t, uint32_t a) const {
  return t == a || (t < attributes_of.size() && contains(attributes_of[t], a));
}

std::string CompiledPolicy::permissions_text(uint16_t cls, uint32_t perms) const {
  std::vector<std::string> names;
  for (unsigned i = 0; i < 32; ++i) {
    if (!(perms & (uint32_t(1) << i))) continue;
    const auto& ps = classes.at(cls).permissions;
    names.push_back(i < ps.size() && !ps[i].empty() ? ps[i] : fmt::format("0x{:x}", uint32_t(1) << i));
  }
  std::sort(names.begin(), names.end());
  if (names.size() == 1) return names[0];
  std::string out = "{";
  for (const auto& n : names) out += " " + n;
  return out + " }";
}

std::string CompiledPolicy::level_text(const Level& l) const {
  std::string out = l.sensitivity < sensitivities.size() ? sensitivities[l.sensitivity]
                                                         : fmt::format("s?{}", l.sensitivity);
  const auto& c = l.categories;
  auto name = [&](uint32_t i) { return i < categories.size() ? categories[i] : fmt::format("c?{}", i); };
  for (size_t i = 0; i < c.size();) {
    size_t j = i;
    while (j + 1 < c.size() && c[j + 1] == c[j] + 1) ++j;
    out += i == 0 ? ":" : ",";
    if (j - i >= 2) {
      out += name(c[i]) + "." + name(c[j]);
    } else {
      out += name(c[i]);
      for (size_t k = i + 1; k <= j; ++k) out += "," + name(c[k]);
    }
    i = j + 1;
  }
  return out;
}

std::string CompiledPolicy::range_text(const Range& r) const {
  if (r.low == r.high) return level_text(r.low);
  return level_text(r.low) + "-" + level_text(r.high);
}

std::string CompiledPolicy::condition_text(uint32_t condition) const {
  if (condition >= conditions.size()) return "?";
  std::vector<std::string> stack;
  for (const auto& n : conditions[condition].expr) {
    auto pop = [&]() {
      if (stack.empty()) return std::string("?");
      std::string s = stack.back();
      stack.pop_back();
      return s;
    };
    switch (n.op) {
      case CondNode::Op::Bool:
        stack.push_back(n.boolean < booleans.size() ? booleans[n.boolean].name : "?");
        break;
      case CondNode::Op::Not: stack.push_back("!" + pop()); break;
      default: {
        std::string b = pop(), a = pop();
        const char* op = n.op == CondNode::Op::Or    ? "||"
                         : n.op == CondNode::Op::And ? "&&"
                         : n.op == CondNode::Op::Xor ? "^"
                         : n.op == CondNode::Op::Eq  ? "=="
                                                     : "!=";
        stack.push_back(fmt::format("({} {} {})", a, op, b));
      }
    }
  }
  std::string s = stack.empty() ? "?" : stack.back();
  if (s.size() > 2 && s.front() == '(' && s.back() == ')') s = s.substr(1, s.size() - 2);
  return s;
}

std::string CompiledPolicy::constraint_text(uint16_t cls, const Constraint& c) const {
  std::vector<std::string> stack;
  auto pop = [&]() {
    if (stack.empty()) return std::string("?");
    std::string s = stack.back();
    stack.pop_back();
    return s;
  };
  for (const auto& n : c.expr) {
    using K = ConstraintNode::Kind;
    using O = ConstraintNode::Op;
    const char* op = n.op == O::Eq      ? "=="
                     : n.op == O::Neq   ? "!="
                     : n.op == O::Dom   ? "dom"
                     : n.op == O::DomBy ? "domby"
                                        : "incomp";
    switch (n.kind) {
      case K::Not: stack.push_back("not (" + pop() + ")"); break;
      case K::And: {
        std::string b = pop(), a = pop();
        stack.push_back("(" + a + " and " + b + ")");
        break;
      }
      case K::Or: {
        std::string b = pop(), a = pop();
        stack.push_back("(" + a + " or " + b + ")");
        break;
      }
      case K::Attr: {
        std::string lhs, rhs;
        switch (n.attr) {
          case ConstraintNode::kUser: lhs = "u1", rhs = "u2"; break;
          case ConstraintNode::kRole: lhs = "r1", rhs = "r2"; break;
          case ConstraintNode::kType: lhs = "t1", rhs = "t2"; break;
          case ConstraintNode::kL1L2: lhs = "l1", rhs = "l2"; break;
          case ConstraintNode::kL1H2: lhs = "l1", rhs = "h2"; break;
          case ConstraintNode::kH1L2: lhs = "h1", rhs = "l2"; break;
          case ConstraintNode::kH1H2: lhs = "h1", rhs = "h2"; break;
          case ConstraintNode::kL1H1: lhs = "l1", rhs = "h1"; break;
          case ConstraintNode::kL2H2: lhs = "l2", rhs = "h2"; break;
          default: lhs = "?", rhs = "?";
        }
        stack.push_back(fmt::format("{} {} {}", lhs, op, rhs));
        break;
      }
      case K::Names: {
        bool target = n.attr & ConstraintNode::kTarget;
        std::string lhs = (n.attr & ConstraintNode::kUser)   ? (target ? "u2" : "u1")
                          : (n.attr & ConstraintNode::kRole) ? (target ? "r2" : "r1")
                                                             : (target ? "t2" : "t1");
        std::vector<std::string> names;
        const auto& shown = (n.attr & ConstraintNode::kType) && !n.written.empty() ? n.written : n.names;
        for (uint32_t v : shown) {
          if (n.attr & ConstraintNode::kUser)
            names.push_back(v < users.size() ? users[v].name : "?");
          else if (n.attr & ConstraintNode::kRole)
            names.push_back(v < roles.size() ? roles[v].name : "?");
          else
            names.push_back(v < types.size() ? types[v].name : "?");
        }
        std::string set;
        if (names.size() == 1) {
          set = names[0];
        } else {
          set = "{";
          for (const auto& x : names) set += " " + x;
          set += " }";
        }
        if (n.negated_names) set = "~" + set;
        stack.push_back(fmt::format("{} {} {}", lhs, op, set));
        break;
      }
    }
  }
  return fmt::format("{}constrain {} {} {};", c.mls ? "mls" : "", classes.at(cls).name,
                     permissions_text(cls, c.permissions), stack.empty() ? "?" : stack.back());
}

std::string CompiledPolicy::rule_text(const AllowRule& r) const {
  std::string out = fmt::format("allow {} {}:{} {};", types.at(r.source).name, types.at(r.target).name,
                                classes.at(r.cls).name, permissions_text(r.cls, r.permissions));
  if (r.condition != kNone)
    out += fmt::format("  (if {}{})", r.when ? "" : "not ", condition_text(r.condition));
  return out;
}

// ---- contexts ----------------------------------------------------------------------

namespace {

std::optional<Level> parse_level(const CompiledPolicy& p, std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Level> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  size_t colon = text.find(':');
  std::string_view sens = text.substr(0, colon);
  uint32_t s = p.sensitivity(sens);
  if (s == kNone) return fail(fmt::format("`{}` is not a sensitivity of the policy", sens));
  Level l;
  l.sensitivity = s;
  if (colon != std::string_view::npos) {
    std::string_view cats = text.substr(colon + 1);
    if (cats.empty()) return fail("an empty category list");
    size_t i = 0;
    while (i <= cats.size()) {
      size_t comma = cats.find(',', i);
      if (comma == std::string_view::npos) comma = cats.size();
      std::string_view item = cats.substr(i, comma - i);
      size_t dot = item.find('.');
      if (dot == std::string_view::npos) {
        uint32_t c = p.category(item);
        if (c == kNone) return fail(fmt::format("`{}` is not a category of the policy", item));
        l.categories.push_back(c);
      } else {
        uint32_t a = p.category(item.substr(0, dot)), b = p.category(item.substr(dot + 1));
        if (a == kNone || b == kNone)
          return fail(fmt::format("`{}` is not a category range of the policy", item));
        if (a >= b) return fail(fmt::format("`{}`: a category range must go upwards", item));
        for (uint32_t c = a; c <= b; ++c) l.categories.push_back(c);
      }
      if (comma == cats.size()) break;
      i = comma + 1;
    }
    std::sort(l.categories.begin(), l.categories.end());
    l.categories.erase(std::unique(l.categories.begin(), l.categories.end()), l.categories.end());
  }
  return l;
}

}  // namespace

bool level_valid(const CompiledPolicy& p, const Level& l) {
  if (l.sensitivity >= p.sensitivities.size()) return false;
  if (l.sensitivity >= p.sensitivity_categories.size()) return l.categories.empty();
  return includes(p.sensitivity_categories[l.sensitivity], l.categories);
}

std::optional<Context> parse_context(const CompiledPolicy& p, std::string_view text, std::string* error) {
  auto fail = [&](std::string why) -> std::optional<Context> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  size_t c1 = text.find(':');
  size_t c2 = c1 == std::string_view::npos ? c1 : text.find(':', c1 + 1);
  if (c2 == std::string_view::npos)
    return fail(fmt::format("`{}` is not a context (user:role:type[:level])", text));
  size_t c3 = text.find(':', c2 + 1);
  std::string_view user = text.substr(0, c1), role = text.substr(c1 + 1, c2 - c1 - 1);
  std::string_view type =
      text.substr(c2 + 1, c3 == std::string_view::npos ? std::string_view::npos : c3 - c2 - 1);
  Context c;
  c.user = p.user(user);
  if (c.user == kNone) return fail(fmt::format("`{}` is not a user of the policy", user));
  c.role = p.role(role);
  if (c.role == kNone) return fail(fmt::format("`{}` is not a role of the policy", role));
  c.type = p.type(type);
  if (c.type == kNone || p.types[c.type].attribute)
    return fail(fmt::format("`{}` is not a type of the policy", type));
  if (p.mls) {
    if (c3 == std::string_view::npos)
      return fail(fmt::format("`{}` has no level, and the policy is MLS", text));
    std::string_view range = text.substr(c3 + 1);
    size_t dash = range.find('-');
    auto low = parse_level(p, range.substr(0, dash), error);
    if (!low) return std::nullopt;
    c.range.low = *low;
    if (dash == std::string_view::npos) {
      c.range.high = *low;
    } else {
      auto high = parse_level(p, range.substr(dash + 1), error);
      if (!high) return std::nullopt;
      c.range.high = *high;
    }
    if (!level_valid(p, c.range.low) || !level_valid(p, c.range.high))
      return fail(fmt::format("`{}`: a level carries a category its sensitivity does not allow", range));
    if (!dominates(c.range.high, c.range.low))
      return fail(fmt::format("`{}`: the high level does not dominate the low", range));
  } else if (c3 != std::string_view::npos) {
    return fail(fmt::format("`{}` has a level, and the policy is not MLS", text));
  }
  if (c.role != p.object_role) {
    if (!contains(p.roles[c.role].types, c.type))
      return fail(fmt::format("role {} may not hold type {}", p.roles[c.role].name, p.types[c.type].name));
    if (!contains(p.users[c.user].roles, c.role))
      return fail(fmt::format("user {} may not take role {}", p.users[c.user].name, p.roles[c.role].name));
    if (p.mls) {
      const Range& ur = p.users[c.user].range;
      if (!dominates(c.range.low, ur.low) || !dominates(ur.high, c.range.high))
        return fail(
            fmt::format("the range lies outside user {}'s range {}", p.users[c.user].name, p.range_text(ur)));
    }
  }
  return c;
}

std::string context_text(const CompiledPolicy& p, const Context& c) {
  std::string out =
      fmt::format("{}:{}:{}", p.users.at(c.user).name, p.roles.at(c.role).name, p.types.at(c.type).name);
  if (p.mls) out += ":" + p.range_text(c.range);
  return out;
}

std::string_view context_type_field(std::string_view text) {
  size_t c1 = text.find(':');
  if (c1 == std::string_view::npos) return text;
  size_t c2 = text.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return text.substr(c1 + 1);
  size_t c3 = text.find(':', c2 + 1);
  return text.substr(c2 + 1, c3 == std::string_view::npos ? std::string_view::npos : c3 - c2 - 1);
}

}  // namespace rampart::core::selinux
