#pragma once
// AST -> core::Policy: names, kinds, values, and every check the language
// makes. Keeps going after an error so one run reports every mistake.

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ast.h"
#include "rampart/core/diagnostic.h"
#include "rampart/core/import.h"
#include "rampart/core/policy.h"

namespace rampart::dsl {

class Binder {
 public:
  Binder(const core::ImportResolver* resolver, core::Diagnostics& diags);

  // Binds whole files (the root first, then what it includes, in order).
  std::optional<core::Policy> bind(std::vector<std::pair<std::string, const ast::SourceFile*>> files);

  // Binds one question against an existing policy (for `rampart query`).
  std::optional<core::Question> bind_question(const core::Policy& policy, const ast::Question& q,
                                              bool is_query);

  // Resolves one concrete packet for `rampart explain`.
  struct BoundPacket {
    core::Packet packet;
    core::HostId source_host;
    core::HostId destination;
  };
  std::optional<BoundPacket> bind_packet(const core::Policy& policy, const ast::Packet& p);

 private:
  enum class NameKind { Zone, Ports, Firewall, Host, Import };
  struct Name {
    NameKind kind;
    core::Origin origin;
    const ast::Zone* zone = nullptr;
    const ast::Ports* ports = nullptr;
    uint32_t index = 0;  // resolved zone / ports / filter / host index
    bool resolved = false;
    bool resolving = false;
    bool failed = false;
  };

  struct AddressInfo {
    bool untrusted = false;
    std::vector<const core::Zone*> zones;
    std::optional<core::HostId> single_host;  // the whole expression is one host name
  };

  static std::string kind_name(NameKind k);
  bool declare(const std::string& name, Name entry);
  Name* lookup(const ast::Ident& id);
  // Enters the resolution of a zone or ports definition, or reports (RP0004)
  // and fails it when definitions refer to one another too deep.
  bool deeper(Name& entry, const char* kind, const std::string& name);
  // For NAME["id"]: true (and reported, unless NAME is an import that failed)
  // when NAME has no imported objects to look in.
  bool missing_scope(const ast::Ident& scope);

  void declare_statements(const ast::SourceFile& file);
  void run_import(const ast::Import& imp, core::HostId host);
  static std::vector<core::Host> take_unnamed_hosts(core::ImportResult& result);
  void bind_firewall(const ast::Firewall& fw, Name& entry);
  void bind_host(const ast::Host& h);
  void bind_host_addresses(const ast::Host& h, core::Host& host);

  std::optional<core::AddressSet> resolve_zone(Name& entry, const std::string& name);
  std::optional<core::ServiceSet> resolve_ports(Name& entry, const std::string& name);
  std::optional<core::AddressSet> addresses(const ast::AddrExpr& e, AddressInfo* info = nullptr);
  std::optional<core::AddressSet> address_atom(const ast::AddrAtom& a, AddressInfo* info);
  std::optional<core::ServiceSet> services(const ast::ServiceList& l);
  std::optional<core::ServiceMatch> service_atom_match(const ast::ServiceAtom& a);
  std::optional<core::PortSet> ports(const std::vector<ast::PortRange>& ranges);
  std::optional<uint64_t> number(const ast::Number& n, uint64_t max, const char* what);
  std::optional<core::Rule> rule(const ast::Rule& r, core::Combining combining);
  std::optional<core::FilterId> filter_ref(const ast::ObjectRef& ref);
  std::optional<core::Question> question(const ast::Question& q, bool is_query);

  // File-access declarations (bind_access.cpp).
  struct AccessDecl {
    enum class Kind { Group, User, File, Mount, Service };
    Kind kind;
    core::HostId host;  // the enclosing host block, when any
    const ast::Group* group = nullptr;
    const ast::User* user = nullptr;
    const ast::FileDecl* file = nullptr;
    const ast::Mount* mount = nullptr;
    const ast::Service* service = nullptr;
  };
  void bind_access_declarations();
  std::optional<core::HostId> access_host(const std::optional<ast::Ident>& on, core::HostId enclosing,
                                          const core::Origin& where, const char* what);
  const core::Group* group_named(core::HostId host, const std::string& name) const;
  const core::User* user_named(core::HostId host, const std::string& name) const;
  std::optional<core::Acl> acl(const std::vector<std::pair<std::string, core::Origin>>& entries,
                               core::HostId host, uint16_t& mode, bool is_default);
  std::optional<core::Subject> subject(const ast::Subject& s, std::optional<core::HostId>& host);
  std::optional<core::Question> access_question(const ast::Question& q, bool is_query);
  std::vector<AccessDecl> access_decls_;

  // SELinux (bind_selinux.cpp): `set selinux.*` settings, labels, domains,
  // the facts imported for each host.
  void check_selinux_setting(core::HostId host, const ast::HostItem& item);
  void check_selinux();
  std::optional<core::Subject> domain_subject(const ast::Subject& s, std::optional<core::HostId>& host);
  // What host-level imports leave for later (bind_imports.cpp): names to
  // resolve once the host's users and groups are bound, and the importing
  // host's own interfaces and listeners.
  struct PendingImport {
    core::HostId host;
    std::vector<core::NameRef> names;  // indices into policy_ already
    std::vector<core::Interface> interfaces;
    std::vector<core::Listener> listeners;  // service ids into policy_ already
  };
  std::vector<PendingImport> pending_imports_;
  void keep_host_part(core::ImportResult& result, core::HostId host, const core::MergeOffsets& off,
                      std::vector<core::Host> own, const core::Origin& import_origin);
  void resolve_import_names();
  void reconcile_imported_identities();
  void reconcile_imported_contents();
  void attach_imported_network();
  // Declared facts that an import already gave: true when they agree (the
  // declaration adds nothing), false after reporting RP2304 when they do not.
  bool agrees_with_import(const core::Group& declared, const core::Group& imported);
  bool agrees_with_import(const core::User& declared, const core::User& imported);
  bool agrees_with_import(const core::FileNode& declared, const core::FileNode& imported);
  bool agrees_with_import(const core::Service& declared, core::Service& imported);
  void disagree(const core::Origin& here, const core::Origin& there, const std::string& what,
                const std::string& here_text, const std::string& there_text);

  const core::ImportResolver* resolver_;
  core::Diagnostics& diags_;
  core::Policy policy_;
  std::map<std::string, Name> names_;
  // Native objects by import scope, then native id.
  std::map<std::string, std::map<std::string, core::NamedObject>> imported_;
  // Import names whose import failed (their objects are not reported missing).
  std::set<std::string> failed_imports_;
  // How many zone / ports definitions are being resolved, one through another.
  size_t depth_ = 0;
  bool depth_reported_ = false;
  static constexpr size_t kMaxDefinitionDepth = 256;
  std::vector<std::pair<std::string, const ast::SourceFile*>> files_;
};

}  // namespace rampart::dsl
