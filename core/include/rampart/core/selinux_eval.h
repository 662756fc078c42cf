#pragma once
// SELinux decisions over the plain data of selinux.h, as the kernel (and
// libsepol's context_struct_compute_av) makes them: allow rules through
// attributes, conditional rules under the host's boolean states, constraints
// (MLS included), the role check on process transitions; file labels as
// libselinux's selabel_lookup finds them; the labels of created files as
// security_compute_sid gives them; and file operations mapped to the
// permissions the kernel checks (decide_file_access: DAC ∧ SELinux). The
// reference for every SELinux answer; the solver's witnesses are replayed
// through it and the system tests compare it with libsepol. Semantics:
// docs/semantics/selinux.md.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rampart/core/dac.h"
#include "rampart/core/policy.h"
#include "rampart/core/selinux.h"

namespace rampart::core::selinux {

enum class Mode : uint8_t { Enforcing, Permissive, Disabled };
std::string mode_name(Mode m);

// The access vector computed for one (source, target, class), with the
// evidence: which rules granted the requested permissions and which
// constraint removed one.
struct AvDecision {
  uint32_t requested = 0;
  uint32_t te_allowed = 0;      // granted by allow rules (the enabled conditional ones included)
  uint32_t allowed = 0;         // after constraints and the role check: what libsepol computes
  std::vector<uint32_t> rules;  // indices into CompiledPolicy::allows granting a requested permission
  struct Removed {
    uint32_t constraint = 0;   // index into the class's constraints
    uint32_t permissions = 0;  // requested permissions it removed
  };
  std::vector<Removed> constraints;
  bool rbac_removed = false;  // process transition without a role allow
  bool granted() const { return (requested & ~allowed) == 0; }
  uint32_t missing() const { return requested & ~allowed; }
};

// Which file_contexts line labelled a path.
struct FileContextMatch {
  const FileContextSpec* spec = nullptr;  // null: no line matched
  std::string key;                        // the path after .subs / .subs_dist aliasing
  // Why libselinux's lookup fails (a line's regex does not compile, or
  // matching it exceeded a limit); empty when it does not.
  std::string error;
};

// A label and where it comes from.
struct Label {
  enum class Source : uint8_t { Declared, Snapshot, FileContexts, Created, Unknown };
  Source source = Source::Unknown;
  std::optional<Context> context;  // absent: unknown or invalid (see note)
  std::string text;                // the context as written
  std::string note;                // how it was found, or why it is unknown
  Origin origin;
};
std::string label_source_name(Label::Source s);

// A subject's context and how rampart knows it.
struct SubjectContext {
  std::optional<Context> context;
  std::string
      how;  // "from ps -eZ (pid 812)", "declared domain httpd_t: assumed system_u:system_r:httpd_t:s0", ...
  bool assumed = false;
};

// The SELinux view of one host: its compiled policy, its booleans as the
// host sets them, its labelling and its processes.
class HostView {
 public:
  // Nullopt when no compiled policy is attached to the host.
  static std::optional<HostView> build(const Policy& policy, HostId host);
  // A view of a bare policy (tests, explain --avc without a host).
  explicit HostView(std::shared_ptr<const CompiledPolicy> policy);

  const CompiledPolicy& policy() const { return *policy_; }
  std::shared_ptr<const CompiledPolicy> policy_ptr() const { return policy_; }
  Mode mode() const { return mode_; }
  const std::vector<bool>& booleans() const { return booleans_; }
  void set_boolean(uint32_t b, bool value) { booleans_.at(b) = value; }
  // Where each boolean's current state comes from ("policy default", "getsebool.txt:12",
  // "policy.rampart:8:3").
  const std::vector<std::string>& boolean_sources() const { return boolean_sources_; }
  bool condition_holds(uint32_t condition) const;
  bool rule_enabled(const AllowRule& r) const;
  const std::vector<std::string>& notes() const { return notes_; }  // settings rampart could not use

  // context_struct_compute_av.
  AvDecision compute_av(const Context& s, const Context& t, uint16_t cls, uint32_t requested) const;
  bool constraint_holds(const Constraint& c, const Context& s, const Context& t) const;

  // selabel_lookup(path, mode) over the host's file_contexts (exact paths
  // after regexes, the last matching line wins, .subs then .subs_dist).
  FileContextMatch match(const std::string& path, char file_type) const;
  bool has_file_contexts() const { return !specs_.empty(); }
  // The label of an existing node: declared (`label`) > on-disk snapshot >
  // file_contexts > unknown.
  Label label(const std::string& path, FileType type, const FileNode* node) const;
  // security_compute_sid for a new object of class `cls` named `name` in a
  // directory labelled `parent`: name transition, then type transition, else
  // the directory's type; user from the creator, role object_r, range from a
  // range transition or the creator's low level.
  Context create_context(const Context& s, const Context& parent, uint16_t cls, const std::string& name,
                         std::string* why = nullptr) const;

  // Subjects. A service: a `ps -eZ` process of its name or program, else its
  // declared domain, else its program's type through init's type transition;
  // a login user: the host's `selinux.login_context`; a bare domain.
  SubjectContext service_context(const core::Service& s) const;
  SubjectContext user_context(const core::User& u) const;
  SubjectContext domain_context(uint32_t type) const;
  SubjectContext context_of(const Credentials& who) const;
  // The context rampart assumes for a process of a domain: system_u:R:TYPE:s0
  // with R = system_r when it may hold the type, else the first role that
  // may; the first user with that role; the lowest level. Nullopt when no
  // role may hold the type.
  std::optional<Context> assumed_domain_context(uint32_t type) const;
  // The types a process can run in (types some role other than object_r may hold).
  std::vector<uint32_t> domains() const;

  // The capability class and bit for a Linux capability (capability /
  // capability2), or {0, 0} when the policy has neither.
  std::pair<uint16_t, uint32_t> capability_permission(Capability c) const;
  uint16_t class_of(FileType t) const;                       // file, dir, lnk_file, sock_file, ...
  uint16_t cls(std::string_view name) const;                 // class index, internal_error when absent
  uint32_t perm(uint16_t cls, std::string_view name) const;  // bit, 0 when absent
  // The context of the file system new files are associated with
  // (fs_use_xattr for `selinux.filesystem`, default ext4).
  std::optional<Context> filesystem_context() const { return filesystem_; }
  const std::string& filesystem_name() const { return filesystem_name_; }

 private:
  std::shared_ptr<const CompiledPolicy> policy_;
  const Policy* model_ = nullptr;
  HostId host_;
  Mode mode_ = Mode::Enforcing;
  std::vector<bool> booleans_;
  std::vector<std::string> boolean_sources_;
  std::vector<std::string> notes_;
  std::vector<const FileContextSpec*> specs_;  // in libselinux's order after sort_specs
  std::vector<std::string> stems_;             // libselinux's stems ("/usr" of "/usr/.*")
  struct SpecData;
  std::shared_ptr<std::vector<SpecData>> spec_data_;   // stems, compiled regexes (lazily)
  std::vector<const Substitution*> subs_, subs_dist_;  // most recent first
  std::vector<const PathLabel*> labels_;               // sorted by path; the last import wins
  std::vector<const ProcessLabel*> processes_;
  std::optional<Context> login_context_;
  std::string login_how_;
  std::optional<Context> filesystem_;
  std::string filesystem_name_ = "ext4";
  void init_common();
};

// ---- file operations -----------------------------------------------------------------

// One SELinux check an operation makes.
struct Step {
  std::string path;               // the node checked
  std::optional<Context> source;  // the acting context when not the subject's (entrypoint, associate)
  std::string what;  // "search /var", "open for append", "add_name in /var/log", "create the new file", ...
  Label target;      // its label
  uint16_t cls = 0;
  uint32_t perms = 0;
  bool self = false;     // a capability check (target = the subject)
  bool unknown = false;  // rampart cannot decide it (see note)
  std::string note;
  AvDecision decision;
};

// The SELinux half of an access: every check in kernel order with its
// decision. `granted` is meaningful only when `known`.
struct SelinuxDecision {
  bool known = true;
  bool granted = true;
  std::string unknown_reason;
  SubjectContext subject;
  std::vector<Step> steps;
  const Step* first_denied() const;
};

// The SELinux checks of `op` on `path` for a subject, without DAC.
SelinuxDecision decide_selinux(const FileTree& tree, const HostView& view, const SubjectContext& subject,
                               Operation op, const std::string& path,
                               const std::vector<FileNode>& overrides = {});

// One line for people: "SELinux, open for appending: httpd_t httpd_log_t:file
// { append open } granted (allow ...)" or "... denied: no allow rule gives ...".
std::string describe(const HostView& view, const Step& step, const SubjectContext& subject);

// The context a file created at `path` by `creator` gets (create_context on
// the parent's label), as text; empty when the creator's context or the
// parent's label is unknown.
std::string created_label(const HostView& view, const FileTree& tree, const Credentials& creator,
                          const std::string& path, const std::vector<FileNode>& overrides = {});

// Credentials with every capability SELinux refuses the subject removed
// (`capability dac_override` and the rest, on itself). When the subject's
// context is unknown the credentials are returned unchanged and `known` is
// cleared.
Credentials selinux_capabilities(const HostView& view, const SubjectContext& subject, const Credentials& who,
                                 bool* known = nullptr, std::vector<std::string>* refused = nullptr);

// Explains a missing permission: allow rules on the pair that grant other
// permissions, conditional rules that would grant it under other boolean
// states, and the constraint or role check that removed it.
struct Explanation {
  std::vector<std::string> granting;           // rules granting requested permissions (text)
  std::vector<std::string> missing;            // "allow httpd_t httpd_log_t:file write" absent
  std::vector<std::string> booleans;           // "would be allowed with httpd_unified=true (now false)"
  std::vector<std::string> constraints;        // the constraint text that removed a permission
  std::vector<std::string> other_permissions;  // rules on the pair and class that grant other permissions
  // When `create` is among the missing permissions: the enabled type
  // transitions of the subject on the class (plain and named) that give a
  // new object another type, on which the subject would get all it asked
  // ("`type_transition httpd_t var_log_t:file httpd_log_t;` gives a file
  // that httpd_t creates in a var_log_t directory the type httpd_log_t, on
  // which it may create").
  std::vector<std::string> transitions;
  std::vector<std::string> notes;
};
Explanation explain(const HostView& view, const Context& s, const Context& t, uint16_t cls,
                    uint32_t requested);

// ---- the audit log ---------------------------------------------------------------------

// One AVC record (`type=AVC msg=audit(...): avc: denied { write } for pid=...`).
struct AvcRecord {
  bool denied = true;
  std::vector<std::string> permissions;
  std::string scontext, tcontext, tclass;
  std::string comm, name, path, dev;
  uint32_t pid = 0;
  uint64_t inode = 0;
  std::optional<bool> permissive;
  std::string event;  // "1700000000.123:456", to join SYSCALL and PATH records
  size_t line = 0;
};

}  // namespace rampart::core::selinux

namespace rampart::core {

// DAC ∧ SELinux: decide_access with the capabilities SELinux refuses removed,
// then every SELinux check of the operation. Without a view (no SELinux on
// the host, or `selinux.mode` disabled) it is decide_access. When SELinux's
// part cannot be decided (a subject or label rampart does not know) and DAC
// grants, the decision is unknown (granted false, `unknown` set).
AccessDecision decide_file_access(const FileTree& tree, const selinux::HostView* view, const Credentials& who,
                                  Operation op, const std::string& path,
                                  const std::vector<FileNode>& overrides = {});

}  // namespace rampart::core
