#pragma once
// core::Policy: everything rampart knows about a site, bound and resolved.
// Plain values addressed by strong ids; immutable once the binder returns it.

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rampart/core/access.h"
#include "rampart/core/address.h"
#include "rampart/core/host.h"
#include "rampart/core/ids.h"
#include "rampart/core/question.h"
#include "rampart/core/rule.h"
#include "rampart/core/selinux.h"
#include "rampart/core/service.h"

namespace rampart::core {

struct Zone {
  std::string name;
  AddressSet addresses;
  bool untrusted = false;
  PortSet client_ports = default_client_ports();
  Origin origin;
};

// A named set of services (`ports web = tcp/80, tcp/443;`).
struct PortsDefinition {
  std::string name;
  ServiceSet services;
  Origin origin;
};

// The kinds of element a policy can name through an import.
enum class ObjectKind : uint8_t { Filter, Zone, Host, Service, User, Group };
std::string object_kind_name(ObjectKind k);

// A native object named in the policy as SCOPE["native id"], where SCOPE is
// the name given by `import ... as SCOPE`.
struct NamedObject {
  std::string scope;
  std::string native_id;
  ObjectKind kind = ObjectKind::Filter;
  uint32_t index = 0;  // into the Policy vector of that kind
};

struct Policy {
  std::vector<std::string> source_files;
  std::vector<NamedObject> named_objects;  // policy and native files read
  std::vector<Zone> zones;
  std::vector<PortsDefinition> ports;
  std::vector<RuleSet> rule_sets;
  std::vector<PacketFilter> filters;
  std::vector<UnknownCondition> conditions;
  std::vector<Host> hosts;
  std::vector<User> users;
  std::vector<Group> groups;
  std::vector<FileNode> files;
  std::vector<Mount> mounts;
  std::vector<Service> services;
  // SELinux facts about hosts, one entry per import (a compiled policy,
  // file_contexts, a label snapshot, boolean states, process labels);
  // selinux::HostView joins a host's entries.
  std::vector<selinux::HostFacts> selinux;
  std::vector<Question> questions;

  const RuleSet& rule_set(RuleSetId id) const { return rule_sets.at(id.index()); }
  const PacketFilter& filter(FilterId id) const { return filters.at(id.index()); }
  const Host& host(HostId id) const { return hosts.at(id.index()); }
  const UnknownCondition& condition(ConditionId id) const { return conditions.at(id.index()); }
  const Service& service(ServiceId id) const { return services.at(id.index()); }
  const User& user(UserId id) const { return users.at(id.index()); }
  const Rule& rule(const RuleRef& r) const;

  std::optional<HostId> find_host(std::string_view name) const;
  std::optional<ZoneId> find_zone(std::string_view name) const;
  std::optional<ServiceId> find_service(std::string_view name, HostId host = {}) const;
  std::optional<UserId> find_user(std::string_view name, HostId host) const;

  RuleSetId add(RuleSet r);
  FilterId add(PacketFilter f);
  ConditionId add(UnknownCondition c);
  HostId add(Host h);

  // Interns an unknown condition by name: the same name is the same atom.
  ConditionId condition_named(const std::string& name, const std::string& description, const Origin& origin);

  // The layer as people wrote it: member filter names joined by " | ".
  std::string layer_text(const Layer& layer) const;

 private:
  // condition_named's index by name, caught up lazily with `conditions`, to
  // which add() and callers append directly: interning stays O(1) in files
  // with hundreds of thousands of unknown matches. A condition's name is
  // never changed once it is in the policy.
  std::unordered_map<std::string, uint32_t> condition_index_;
  size_t conditions_indexed_ = 0;
};

// Where a fragment's elements landed after merge(): add the offsets to any
// id of the fragment to get the id in the merged policy.
struct MergeOffsets {
  uint32_t rule_sets = 0, filters = 0, conditions = 0, hosts = 0, zones = 0, users = 0, groups = 0, files = 0,
           services = 0, selinux = 0;
};

// Appends `fragment` (e.g. an importer's result) to `into`, shifting every
// id inside the fragment. Conditions with a name already in `into` are the
// same atom and are not duplicated.
MergeOffsets merge(Policy& into, Policy fragment);

}  // namespace rampart::core
