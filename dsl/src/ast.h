#pragma once
// The language's own syntax tree: plain structs owned through unique_ptr and
// vectors, every node with the source range it came from. Internal to dsl/;
// no ANTLR type appears here.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rampart/core/origin.h"

namespace rampart::dsl::ast {

using core::Origin;

struct Ident {
  std::string text;
  Origin origin;
};

struct Number {
  std::string text;  // digits as written; range-checked by the binder
  Origin origin;
};

struct ObjectRef {
  Ident name;
  std::optional<std::string> native_id;  // NAME["native id"]
  std::string text;
  Origin origin;
};

struct AddrExpr;

struct AddrAtom {
  enum class Kind { Any, Any4, Any6, Literal, Range, Ref, Group };
  Kind kind = Kind::Any;
  std::string text;  // Literal: the token; Range: low end
  std::string high;  // Range: high end
  ObjectRef ref;
  std::unique_ptr<AddrExpr> group;
  Origin origin;
};

struct AddrTerm {
  AddrAtom base;
  std::vector<AddrAtom> excepts;
};

struct AddrExpr {
  std::vector<AddrTerm> terms;
  std::string text;
  Origin origin;
};

struct PortRange {
  Number low;
  std::optional<Number> high;
  Origin origin;
};

struct ServiceAtom {
  enum class Kind { Protocol, ProtocolNumber, Any, Name };
  Kind kind = Kind::Any;
  std::string protocol;          // Protocol: "tcp", "icmp", ...
  Number number;                 // ProtocolNumber
  std::vector<PortRange> ports;  // Protocol with ports
  std::optional<Number> icmp_type;
  std::optional<Number> icmp_code;
  Ident name;  // Name
  std::string text;
  Origin origin;
};

struct ServiceList {
  std::vector<ServiceAtom> atoms;
  std::string text;
  Origin origin;
};

struct Endpoint {
  AddrExpr addresses;
  std::vector<PortRange> ports;  // `port ...` after the addresses
  bool has_ports = false;
  Origin origin;
};

struct Import {
  std::string format;
  Origin format_origin;
  std::string path;
  Origin path_origin;
  std::optional<Ident> name;
  Origin origin;
};

struct Include {
  std::string path;
  Origin origin;
};

struct Zone {
  Ident name;
  bool untrusted = false;
  bool trusted = false;
  std::vector<PortRange> client_ports;
  bool has_client_ports = false;
  AddrExpr addresses;
  Origin origin;
};

struct Ports {
  Ident name;
  ServiceList services;
  Origin origin;
};

struct RuleOption {
  enum class Kind { State, InInterface, OutInterface, Unknown };
  Kind kind = Kind::State;
  std::vector<std::string> states;
  std::string text;  // interface name or unknown reason
  Origin origin;
};

struct Rule {
  std::optional<Ident> label;
  std::optional<Number> priority;
  std::string action;  // "allow", "deny", "drop", "reject", "bypass"
  Origin action_origin;
  std::optional<ServiceList> services;
  std::optional<Endpoint> from;
  std::optional<Endpoint> to;
  std::vector<PortRange> dst_ports;  // `port ...` with no `to`
  bool has_dst_ports = false;
  std::vector<RuleOption> options;
  std::string text;
  Origin origin;
};

struct FirewallOption {
  std::string keyword;  // "first-match", "default", "stateless", "scope", ...
  std::string value;    // the default action or the scope
  Origin origin;
};

struct Firewall {
  Ident name;
  std::vector<FirewallOption> options;
  std::vector<Rule> rules;
  Origin origin;
};

struct OwnerSpec {
  Ident user;
  std::optional<Ident> group;
  Origin origin;
};

struct User {
  Ident name;
  std::optional<Number> uid;
  std::optional<Ident> primary_group;
  std::vector<Ident> groups;
  std::optional<Ident> host;
  Origin origin;
};

struct Group {
  Ident name;
  std::optional<Number> gid;
  std::vector<Ident> members;
  std::optional<Ident> host;
  Origin origin;
};

struct FileDecl {
  std::string kind;  // "file", "directory", "socket"
  std::string path;
  Origin path_origin;
  std::optional<OwnerSpec> owner;
  std::optional<Number> mode;
  std::vector<std::pair<std::string, Origin>> acl;
  std::vector<std::pair<std::string, Origin>> default_acl;
  bool immutable = false;
  bool append_only = false;
  std::optional<std::string> label;
  std::optional<Ident> host;
  Origin origin;
};

struct Mount {
  std::string path;
  Origin path_origin;
  bool read_only = false;
  std::optional<Ident> host;
  Origin origin;
};

struct Access {
  std::string verb;  // "reads", "writes", ...
  std::vector<std::pair<std::string, Origin>> paths;
  Origin origin;
};

struct Service {
  Ident name;
  std::optional<Ident> host;
  OwnerSpec run_as;
  std::vector<Ident> groups;
  std::optional<Number> umask;
  std::vector<Ident> capabilities;
  bool no_capabilities = false;
  bool capabilities_declared = false;
  std::optional<Ident> domain;
  std::optional<std::string> program;
  std::vector<Access> accesses;
  Origin origin;
};

struct InterfaceAddress {
  std::string text;
  Origin origin;
};

struct HostItem {
  enum class Kind {
    Interface,
    Address,
    Inbound,
    Outbound,
    Listen,
    Let,
    LetPorts,
    Set,
    Import,
    Service,
    User,
    Group,
    File,
    Mount
  };
  Kind kind = Kind::Address;
  // Interface
  Ident interface_name;
  std::optional<Ident> interface_kind;
  std::vector<InterfaceAddress> addresses;  // Interface, Address
  // Inbound / Outbound: layers of united members
  std::vector<std::vector<ObjectRef>> layers;
  // Listen
  ServiceAtom listen_service;
  std::optional<std::string> bind;  // "*", "any" or an address
  Origin bind_origin;
  std::optional<Ident> owner;
  // Let / LetPorts / Set
  Ident symbol;
  AddrExpr value;
  std::vector<PortRange> port_value;  // LetPorts
  std::string setting_key;
  std::string setting_value;
  // Nested declarations
  std::unique_ptr<Import> import;
  std::unique_ptr<Service> service;
  std::unique_ptr<User> user;
  std::unique_ptr<Group> group;
  std::unique_ptr<FileDecl> file;
  std::unique_ptr<Mount> mount;
  Origin origin;
};

struct Host {
  Ident name;
  std::optional<ObjectRef> bound;  // `host NAME is aws["i-..."]`
  std::vector<HostItem> items;
  Origin origin;
};

struct Subject {
  std::string kind;  // "", "user", "service" or "domain" (an SELinux type)
  Ident name;
  Origin origin;
};

struct Question {
  enum class Kind { Reach, NotReach, OnlyReach, AllReach, Can, NotCan, OnlyCan, WhoCan, NoConflicts };
  Kind kind = Kind::Reach;
  // network
  std::optional<Endpoint> source;
  std::optional<AddrExpr> target;
  std::optional<ServiceList> services;
  std::optional<std::string> that_can_operation;
  std::optional<std::string> that_can_path;
  // access
  std::vector<Subject> subjects;
  std::string operation;
  std::string path;
  Origin path_origin;
  std::optional<Ident> host;
  std::string text;
  Origin origin;
};

struct Statement {
  enum class Kind { Import, Include, Zone, Ports, Firewall, Host, Service, User, Group, File, Mount, Assert, Query };
  Kind kind = Kind::Import;
  std::unique_ptr<Import> import;
  std::unique_ptr<Include> include;
  std::unique_ptr<Zone> zone;
  std::unique_ptr<Ports> ports;
  std::unique_ptr<Firewall> firewall;
  std::unique_ptr<Host> host;
  std::unique_ptr<Service> service;
  std::unique_ptr<User> user;
  std::unique_ptr<Group> group;
  std::unique_ptr<FileDecl> file;
  std::unique_ptr<Mount> mount;
  std::unique_ptr<Question> question;
};

struct SourceFile {
  std::string path;
  std::vector<Statement> statements;
};

struct PacketEnd {
  std::string address;  // literal address, or empty when `host` is set
  std::optional<Ident> host;
  std::optional<Number> port;
  Origin origin;
};

struct Packet {
  std::string protocol;
  PacketEnd src;
  PacketEnd dst;
  std::optional<Number> icmp_type;
  std::optional<Number> icmp_code;
  Origin origin;
};

}  // namespace rampart::dsl::ast
