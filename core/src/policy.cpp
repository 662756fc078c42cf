#include "rampart/core/policy.h"

#include <unordered_map>

#include "rampart/core/diagnostic.h"

namespace rampart::core {

const Rule& Policy::rule(const RuleRef& r) const {
  return rule_set(r.rule_set).chains.at(r.chain).rules.at(r.index);
}

std::optional<HostId> Policy::find_host(std::string_view name) const {
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (hosts[i].name == name) return HostId(uint32_t(i));
  }
  return std::nullopt;
}

std::optional<ZoneId> Policy::find_zone(std::string_view name) const {
  for (size_t i = 0; i < zones.size(); ++i) {
    if (zones[i].name == name) return ZoneId(uint32_t(i));
  }
  return std::nullopt;
}

std::optional<ServiceId> Policy::find_service(std::string_view name, HostId host) const {
  for (size_t i = 0; i < services.size(); ++i) {
    if (services[i].name == name && (!host.valid() || services[i].host == host)) {
      return ServiceId(uint32_t(i));
    }
  }
  return std::nullopt;
}

std::optional<UserId> Policy::find_user(std::string_view name, HostId host) const {
  for (size_t i = 0; i < users.size(); ++i) {
    if (users[i].name == name && users[i].host == host) return UserId(uint32_t(i));
  }
  return std::nullopt;
}

RuleSetId Policy::add(RuleSet r) {
  rule_sets.push_back(std::move(r));
  return RuleSetId(uint32_t(rule_sets.size() - 1));
}
FilterId Policy::add(PacketFilter f) {
  filters.push_back(std::move(f));
  return FilterId(uint32_t(filters.size() - 1));
}
ConditionId Policy::add(UnknownCondition c) {
  conditions.push_back(std::move(c));
  return ConditionId(uint32_t(conditions.size() - 1));
}
HostId Policy::add(Host h) {
  hosts.push_back(std::move(h));
  return HostId(uint32_t(hosts.size() - 1));
}

ConditionId Policy::condition_named(const std::string& name, const std::string& description,
                                    const Origin& origin) {
  if (conditions_indexed_ > conditions.size()) {  // shrunk: index again
    condition_index_.clear();
    conditions_indexed_ = 0;
  }
  for (; conditions_indexed_ < conditions.size(); ++conditions_indexed_)
    condition_index_.emplace(conditions[conditions_indexed_].name, uint32_t(conditions_indexed_));
  auto it = condition_index_.find(name);
  if (it != condition_index_.end()) return ConditionId(it->second);
  return add(UnknownCondition{name, description, origin});
}

std::string Policy::layer_text(const Layer& layer) const {
  std::string out;
  for (const auto& m : layer.members) {
    if (!out.empty()) out += " | ";
    out += filter(m).name;
  }
  return out;
}

namespace {
template <typename IdT>
void shift(IdT& id, uint32_t offset) {
  if (id.valid()) id.value += offset;
}

// Moves `from` onto the end of `into` after `fix` has renumbered each item:
// the whole vector when `into` is empty, otherwise into room made first, so
// a fragment of millions of rules or files is never carried through a
// doubling growth with both copies alive.
template <typename T, typename Fix>
void append(std::vector<T>& into, std::vector<T>& from, Fix&& fix) {
  for (auto& x : from) fix(x);
  if (into.empty()) {
    into = std::move(from);
    return;
  }
  if (into.capacity() < into.size() + from.size())
    into.reserve(std::max(into.size() + from.size(), 2 * into.capacity()));
  for (auto& x : from) into.push_back(std::move(x));
}
template <typename T>
void append(std::vector<T>& into, std::vector<T>& from) {
  append(into, from, [](T&) {});
}
}  // namespace

MergeOffsets merge(Policy& into, Policy fragment) {
  MergeOffsets off;
  off.rule_sets = uint32_t(into.rule_sets.size());
  off.filters = uint32_t(into.filters.size());
  off.hosts = uint32_t(into.hosts.size());
  off.zones = uint32_t(into.zones.size());
  off.users = uint32_t(into.users.size());
  off.groups = uint32_t(into.groups.size());
  off.files = uint32_t(into.files.size());
  off.services = uint32_t(into.services.size());
  off.selinux = uint32_t(into.selinux.size());
  off.conditions = uint32_t(into.conditions.size());

  // Conditions are interned by name, so their ids do not simply shift.
  std::vector<ConditionId> condition_map;
  for (auto& c : fragment.conditions) {
    condition_map.push_back(into.condition_named(c.name, c.description, c.origin));
  }
  auto remap_match = [&](Match& m) {
    for (auto& c : m.unknowns) c = condition_map.at(c.index());
  };

  append(into.rule_sets, fragment.rule_sets, [&](RuleSet& rs) {
    for (auto& chain : rs.chains) {
      for (auto& r : chain.rules) remap_match(r.match);
    }
  });
  append(into.filters, fragment.filters, [&](PacketFilter& f) {
    shift(f.inbound, off.rule_sets);
    shift(f.outbound, off.rule_sets);
  });
  append(into.hosts, fragment.hosts, [&](Host& h) {
    for (auto& layer : h.inbound) {
      for (auto& m : layer.members) shift(m, off.filters);
    }
    for (auto& layer : h.outbound) {
      for (auto& m : layer.members) shift(m, off.filters);
    }
    for (auto& l : h.listeners) shift(l.service, off.services);
  });
  append(into.zones, fragment.zones);
  append(into.ports, fragment.ports);
  append(into.users, fragment.users, [&](auto& x) { shift(x.host, off.hosts); });
  append(into.groups, fragment.groups, [&](auto& x) { shift(x.host, off.hosts); });
  append(into.files, fragment.files, [&](auto& x) { shift(x.host, off.hosts); });
  append(into.mounts, fragment.mounts, [&](auto& x) { shift(x.host, off.hosts); });
  append(into.services, fragment.services, [&](auto& x) { shift(x.host, off.hosts); });
  append(into.selinux, fragment.selinux, [&](auto& x) { shift(x.host, off.hosts); });
  append(into.source_files, fragment.source_files);
  // Questions come from the language only; an importer producing one is a bug.
  if (!fragment.questions.empty()) internal_error("an import fragment carried questions");
  return off;
}

}  // namespace rampart::core
