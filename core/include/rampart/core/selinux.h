#pragma once
// SELinux as plain data: a compiled policy (types and attributes, classes and
// permissions, allow rules kept at the attribute level as the policy writes
// them, conditional rules with their boolean expressions, type transitions,
// constraints, users, roles and MLS levels), file labelling (file_contexts in
// libselinux's order, on-disk label snapshots), boolean states and process
// labels. One HostFacts per import, attached to a host. The decisions over
// this data are in selinux_eval.h; the meaning of everything is in
// docs/semantics/selinux.md.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "rampart/core/access.h"
#include "rampart/core/ids.h"
#include "rampart/core/origin.h"

namespace rampart::core::selinux {

inline constexpr uint32_t kNone = 0xffffffffu;

// ---- MLS ------------------------------------------------------------------------

// A sensitivity and a category set. Indices are the policy's (0-based, in
// dominance order for sensitivities).
struct Level {
  uint32_t sensitivity = 0;
  std::vector<uint32_t> categories;  // sorted, unique
  friend bool operator==(const Level&, const Level&) = default;
};

struct Range {
  Level low, high;
  friend bool operator==(const Range&, const Range&) = default;
};

// mls_level_dom: a's sensitivity is at least b's and a's categories contain b's.
bool dominates(const Level& a, const Level& b);
// Neither dominates the other.
bool incomparable(const Level& a, const Level& b);

// ---- the compiled policy ------------------------------------------------------------

struct Type {
  std::string name;
  bool attribute = false;
  bool permissive = false;
  uint32_t bounds = kNone;  // typebounds parent (rampart answers unknown for a bounded domain)
  std::vector<std::string> aliases;
};

// One node of a constraint expression, in libsepol's postfix order.
struct ConstraintNode {
  enum class Kind : uint8_t { Not = 1, And = 2, Or = 3, Attr = 4, Names = 5 };
  // libsepol's CEXPR_* attribute bits.
  enum Attr : uint32_t {
    kUser = 1,
    kRole = 2,
    kType = 4,
    kTarget = 8,
    kXTarget = 16,
    kL1L2 = 32,
    kL1H2 = 64,
    kH1L2 = 128,
    kH1H2 = 256,
    kL1H1 = 512,
    kL2H2 = 1024,
  };
  enum class Op : uint8_t { Eq = 1, Neq = 2, Dom = 3, DomBy = 4, Incomp = 5 };
  Kind kind = Kind::Attr;
  uint32_t attr = 0;
  Op op = Op::Eq;
  std::vector<uint32_t> names;    // Names: the user, role or type indices (types expanded), sorted
  std::vector<uint32_t> written;  // Names on types: the types and attributes as written, for people
  bool negated_names = false;     // the written set was `~{...}`
};

struct Constraint {
  uint32_t permissions = 0;  // the access vector bits it restricts
  std::vector<ConstraintNode> expr;
  bool mls = false;  // from mlsconstrain (it compares levels)
};

struct Class {
  std::string name;
  std::vector<std::string> permissions;  // bit i of an access vector is permissions[i]; "" for a gap
  std::vector<Constraint> constraints;   // in policy order
  uint32_t bit(std::string_view permission) const;  // the bit mask, 0 when the class has no such permission
};

struct Boolean {
  std::string name;
  bool value = false;  // the policy's default
};

// A conditional expression, postfix, as libsepol keeps it.
struct CondNode {
  enum class Op : uint8_t { Bool = 1, Not = 2, Or = 3, And = 4, Xor = 5, Eq = 6, Neq = 7 };
  Op op = Op::Bool;
  uint32_t boolean = kNone;  // Bool only
};
struct Condition {
  std::vector<CondNode> expr;
};

// `allow SOURCE TARGET:CLASS PERMS;` with SOURCE and TARGET each a type or an
// attribute, exactly as the compiled policy keeps it (never expanded).
struct AllowRule {
  uint32_t source = 0;
  uint32_t target = 0;
  uint16_t cls = 0;
  uint32_t permissions = 0;
  uint32_t condition = kNone;  // the rule applies only while `condition` evaluates to `when`
  bool when = true;
};

// `type_transition SOURCE TARGET:CLASS RESULT;` (types, as the kernel keeps them).
struct TypeTransition {
  uint32_t source = 0;
  uint32_t target = 0;
  uint16_t cls = 0;
  uint32_t result = 0;
  uint32_t condition = kNone;
  bool when = true;
};

// `type_transition SOURCES TARGET:CLASS RESULT "name";`
struct NameTransition {
  uint32_t target = 0;
  uint16_t cls = 0;
  std::string name;
  uint32_t result = 0;
  std::vector<uint32_t> sources;  // sorted types
};

struct RangeTransition {
  uint32_t source = 0;
  uint32_t target = 0;
  uint16_t cls = 0;
  Range range;
};

struct Role {
  std::string name;
  std::vector<uint32_t> types;      // sorted
  std::vector<uint32_t> dominates;  // sorted role indices (itself included)
};

struct User {
  std::string name;
  std::vector<uint32_t> roles;  // sorted
  Range range;
  Level default_level;
};

struct RoleAllow {
  uint32_t role = 0;
  uint32_t new_role = 0;
};

// `role_transition ROLE TYPE:CLASS NEW_ROLE;`
struct RoleTransition {
  uint32_t role = 0;
  uint32_t type = 0;
  uint16_t cls = 0;
  uint32_t new_role = 0;
};

struct FsUse {
  std::string filesystem;
  uint32_t behavior = 0;  // libsepol's SECURITY_FS_USE_*: 1 xattr, 2 trans, 3 task
  std::string context;
};

struct Context;

// A compiled policy (policy.NN) as plain data. Indices are libsepol's values
// minus one. `allows` and `type_transitions` are sorted by (cls, target,
// source) so the rules on one (class, target) pair are contiguous.
struct CompiledPolicy {
  std::string path;
  uint32_t version = 0;
  bool mls = false;
  enum class HandleUnknown : uint8_t { Deny = 0, Reject = 2, Allow = 4 } handle_unknown = HandleUnknown::Deny;

  std::vector<Type> types;
  std::vector<std::vector<uint32_t>> attributes_of;  // per type: the attributes it has, sorted (not itself)
  std::vector<std::vector<uint32_t>> members_of;     // per attribute: its types, sorted; empty for a type
  std::vector<Class> classes;
  std::vector<Boolean> booleans;
  std::vector<Condition> conditions;
  std::vector<AllowRule> allows;
  std::vector<TypeTransition> type_transitions;
  std::vector<NameTransition> name_transitions;
  std::vector<RangeTransition> range_transitions;
  std::vector<Role> roles;
  std::vector<User> users;
  std::vector<RoleAllow> role_allows;
  std::vector<RoleTransition> role_transitions;
  std::vector<std::string> sensitivities;  // by index (dominance order)
  std::vector<std::string> categories;
  std::vector<std::vector<uint32_t>>
      sensitivity_categories;  // per sensitivity: the categories a level may carry
  std::vector<std::pair<std::string, uint32_t>> sensitivity_aliases, category_aliases;
  std::vector<std::string> capabilities;  // policy capabilities, e.g. "open_perms"
  std::vector<FsUse> fs_use;
  uint32_t object_role = 0;  // object_r
  // Class defaults (default_user / default_role / default_type / default_range)
  // rampart does not model; the importer counts them so answers can say so.
  uint32_t class_defaults = 0;

  // Builds the name indexes and checks the invariants above (sorting). Call
  // once after filling the vectors; the lookups below need it.
  void index();

  uint32_t type(std::string_view name) const;  // kNone when unknown; aliases resolve
  uint32_t class_index(std::string_view name) const;
  uint32_t boolean(std::string_view name) const;
  uint32_t role(std::string_view name) const;
  uint32_t user(std::string_view name) const;
  uint32_t sensitivity(std::string_view name) const;
  uint32_t category(std::string_view name) const;
  bool has_capability(std::string_view polcap) const;

  // The rules on one (class, target type-or-attribute) pair.
  std::pair<const AllowRule*, const AllowRule*> allows_on(uint16_t cls, uint32_t target) const;
  std::pair<const TypeTransition*, const TypeTransition*> transitions_on(uint16_t cls, uint32_t target) const;

  // A type and its attributes (the type first).
  std::vector<uint32_t> self_and_attributes(uint32_t type) const;
  bool has_attribute(uint32_t type, uint32_t attribute_or_type) const;

  std::string permissions_text(uint16_t cls, uint32_t perms) const;  // "{ append open }" or "write"
  std::string level_text(const Level& l) const;                      // "s0:c0.c3,c5"
  std::string range_text(const Range& r) const;          // "s0-s0:c0.c1023" (one level when equal)
  std::string condition_text(uint32_t condition) const;  // "httpd_can_x && !y"
  std::string constraint_text(uint16_t cls, const Constraint& c) const;
  std::string rule_text(const AllowRule& r) const;  // "allow httpd_t httpd_log_t:file { append open };"

 private:
  std::unordered_map<std::string, uint32_t> type_index_, class_index_, boolean_index_, role_index_,
      user_index_, sensitivity_index_, category_index_;
};

// A security context: user:role:type[:range].
struct Context {
  uint32_t user = 0;
  uint32_t role = 0;
  uint32_t type = 0;
  Range range;
  friend bool operator==(const Context&, const Context&) = default;
};

// Parses "user:role:type[:level[-level]]" against a policy (names and aliases;
// category ranges `c0.c3`). Checks validity as the kernel does
// (policydb_context_isvalid: the role may have the type, the user the role,
// the range lies within the user's and each level is valid). On failure
// returns nullopt and says why in `error`.
std::optional<Context> parse_context(const CompiledPolicy& p, std::string_view text,
                                     std::string* error = nullptr);
std::string context_text(const CompiledPolicy& p, const Context& c);
// mls_level_isvalid: a known sensitivity carrying only categories it allows.
bool level_valid(const CompiledPolicy& p, const Level& l);
// The type field of a context string ("system_u:object_r:httpd_log_t:s0" ->
// "httpd_log_t"); a bare type name is returned as is.
std::string_view context_type_field(std::string_view text);

// ---- labelling and host facts ----------------------------------------------------

// One line of file_contexts: REGEX [TYPE] CONTEXT.
struct FileContextSpec {
  std::string regex;
  char file_type = 0;   // 0: any; else the letter after '-': '-' regular, 'd', 'l', 's', 'p', 'c', 'b'
  std::string context;  // "<<none>>": such paths are left unlabelled
  Origin origin;
};

// A path alias from file_contexts.subs / .subs_dist: paths under `from` are
// labelled as if they were under `to`.
struct Substitution {
  std::string from;
  std::string to;
  Origin origin;
};

// A label seen on disk (`ls -Z`, `stat -c '%C %n'`).
struct PathLabel {
  std::string path;
  std::string context;
  Origin origin;
};

struct BooleanSetting {
  std::string name;
  bool value = false;
  Origin origin;
};

// A running process (`ps -eZ`).
struct ProcessLabel {
  std::string context;
  uint32_t pid = 0;
  std::string command;
  Origin origin;
};

// What one import says about a host's SELinux. A host's view joins every
// HostFacts attached to it (selinux_eval.h).
struct HostFacts {
  HostId host;
  std::shared_ptr<const CompiledPolicy> policy;  // set by a compiled-policy import
  // file_contexts, then .homedirs, then .local, in load order (libselinux's
  // ordering is applied when labelling)
  std::vector<FileContextSpec> file_contexts;
  std::vector<Substitution> subs_dist;  // file_contexts.subs_dist
  std::vector<Substitution> subs;       // file_contexts.subs
  std::vector<PathLabel> labels;
  std::vector<BooleanSetting> booleans;
  std::vector<ProcessLabel> processes;
  Origin origin;  // the import
};

}  // namespace rampart::core::selinux
