#pragma once
// The AWS family's intermediate model: what the AWS CLI outputs and
// Terraform plans say about security groups, network ACLs, interfaces,
// subnets, VPCs, routes and prefix lists, before it becomes core elements
// (build.cpp). docs/importers/aws.md describes every field's meaning.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rampart/core/address.h"
#include "rampart/core/diagnostic.h"
#include "rampart/core/import.h"
#include "rampart/core/origin.h"

namespace rampart::importers::aws {

// A condition rampart cannot decide (becomes a core::UnknownCondition).
struct Unknown {
  std::string name;
  std::string description;
  core::Origin origin;
};

// Protocol and ports of a rule. `protocol` empty: every protocol ("-1").
// For tcp and udp, from/to are ports; for icmp and icmpv6, the type and the
// code. -1 means all (a missing value too).
struct Services {
  std::optional<uint8_t> protocol;
  int64_t from = -1;
  int64_t to = -1;
};

// The other end of a security-group rule.
struct Peer {
  enum class Kind : uint8_t { Cidr, Group, PrefixList, Any };
  Kind kind = Kind::Cidr;
  core::AddressSet cidr;  // Cidr
  std::string ref;        // Group: the group's key; PrefixList: the list id
  std::string text;       // as shown in rule names
  bool peered = false;    // Group: through a VPC peering or another account
};

struct SgRule {
  bool egress = false;
  Services services;
  Peer peer;
  std::string id;  // sgr-..., when known
  std::string description;
  core::Origin origin;
  std::vector<Unknown> unknowns;  // e.g. values unknown at plan time
};

struct SecurityGroup {
  std::string key;                   // the native id the policy uses
  std::vector<std::string> aliases;  // other names (sg id of a Terraform group)
  std::string name;                  // GroupName
  std::string vpc;
  std::vector<SgRule> rules;
  core::Origin origin;
  bool listed = false;             // described in full (not only through rules)
  std::optional<Unknown> partial;  // rules outside the input may exist
};

struct NaclEntry {
  int64_t number = 0;
  bool egress = false;
  bool allow = false;
  Services services;
  core::AddressSet cidr;
  std::string cidr_text;
  core::Origin origin;
  std::vector<Unknown> unknowns;
};

struct Nacl {
  std::string key;
  std::vector<std::string> aliases;
  std::string vpc;
  bool is_default = false;
  std::vector<std::string> subnets;
  std::vector<NaclEntry> entries;
  core::Origin origin;
};

struct Eni {
  std::string id;
  std::string subnet;
  std::string vpc;
  std::string instance;  // attached instance, when known
  std::string status;    // in-use, available, ...
  std::string type;      // InterfaceType: interface, nat_gateway, ...
  std::string description;
  std::vector<core::Address> private4;
  std::vector<std::pair<core::Address, core::Address>> public4;  // (private, public)
  std::vector<core::Address> v6;
  core::AddressSet prefixes;  // delegated IPv4 / IPv6 prefixes
  std::vector<std::string> groups;
  bool deny_igw = false;  // DenyAllIgwTraffic
  core::Origin origin;

  core::AddressSet addresses() const;          // every address the interface owns
  core::AddressSet private_addresses() const;  // private IPv4, IPv6, prefixes
};

struct Instance {
  std::string id;
  std::string name;  // Name tag
  std::string state;
  std::vector<Eni> enis;
  core::Origin origin;
};

struct Subnet {
  std::string id;
  std::string vpc;
  std::string name;
  core::AddressSet cidrs;
  std::string igw_block;  // BlockPublicAccessStates.InternetGatewayBlockMode
  core::Origin origin;
};

struct Vpc {
  std::string id;
  std::string name;
  core::AddressSet cidrs;
  std::string igw_block;
  core::Origin origin;
};

enum class RouteTarget : uint8_t {
  Local,
  InternetGateway,
  EgressOnlyGateway,
  NatGateway,
  Peering,
  VpnGateway,
  TransitGateway,
  LocalGateway,
  CoreNetwork,
  Endpoint,
  Appliance,  // an instance or a network interface
  Other,
};

struct Route {
  core::AddressSet destination;
  unsigned prefix = 0;
  std::string destination_text;
  std::string prefix_list;  // DestinationPrefixListId
  RouteTarget target = RouteTarget::Other;
  std::string target_id;
  bool active = true;
  core::Origin origin;
};

struct RouteTable {
  std::string id;
  std::string vpc;
  std::vector<std::string> subnets;
  bool main = false;
  std::vector<Route> routes;
  core::Origin origin;
};

struct InternetGateway {
  std::string id;
  std::vector<std::string> vpcs;  // attached
  core::Origin origin;
};

struct ElasticIp {
  core::Address public_ip;
  std::string eni;
  std::string instance;
  std::optional<core::Address> private_ip;
  core::Origin origin;
};

struct PrefixList {
  std::string id;
  std::string name;
  std::optional<core::AddressSet> entries;
  core::Origin origin;
};

struct Inventory {
  std::map<std::string, SecurityGroup> groups;
  std::map<std::string, Nacl> nacls;
  std::vector<Instance> instances;
  std::vector<Eni> enis;  // from describe-network-interfaces
  std::map<std::string, Subnet> subnets;
  std::map<std::string, Vpc> vpcs;
  std::map<std::string, RouteTable> route_tables;
  std::map<std::string, InternetGateway> igws;
  std::vector<ElasticIp> eips;
  std::map<std::string, PrefixList> prefix_lists;

  // Which kinds of output were read: an absent kind makes what depends on it
  // unknown rather than empty.
  bool have_groups = false, have_nacls = false, have_enis = false, have_instances = false,
       have_subnets = false, have_vpcs = false, have_route_tables = false, have_igws = false;

  std::string source;  // "aws" or "terraform": names in unknown conditions
};

// Turns the inventory into a policy fragment: filters, hosts, zones.
core::ImportResult build(Inventory inventory, core::Diagnostics diags);

// The protocol of `IpProtocol` / `Protocol` ("-1", "all", a name or a
// number). nullopt (with `ok`) means every protocol.
std::optional<uint8_t> parse_protocol(const std::string& text, bool& ok);

}  // namespace rampart::importers::aws
