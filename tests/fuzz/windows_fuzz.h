#pragma once
// Shared invariants of the Windows importers' libFuzzer targets: any bytes
// give a fragment or located errors of the family's own codes, never a
// crash, a hang or a leak; what they return holds together and merges.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rampart/core/policy.h"
#include "rampart/importers/windows.h"

namespace rampart::windows_fuzz {

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    abort();
  }
}

inline void check_diagnostics(const core::ImportResult& r, const std::string& file) {
  for (const auto& d : r.diagnostics.items()) {
    check(d.code.rfind("RP32", 0) == 0, "a diagnostic with another code");
    check(!d.message.empty(), "a diagnostic without a message");
    check(d.origin.file == file, "a diagnostic without its file");
  }
}

// windows.reg, .wfw, .powershell, .netsh: three profile filters.
inline void check_firewall(const core::ImportResult& r, const std::string& file) {
  check_diagnostics(r, file);
  if (r.diagnostics.has_errors()) return;
  const core::Policy& f = r.fragment;
  check(r.objects.size() == 3 && f.filters.size() == 3, "not three profile filters");
  const char* ids[] = {"domain", "private", "public"};
  for (size_t i = 0; i < 3; ++i) {
    check(r.objects[i].kind == core::ObjectKind::Filter && r.objects[i].native_id == ids[i],
          "a profile object");
    const auto& filter = f.filters.at(r.objects[i].index);
    check(filter.inbound.valid() && filter.inbound.index() < f.rule_sets.size(), "a bad inbound rule set");
    check(filter.outbound.valid() && filter.outbound.index() < f.rule_sets.size(), "a bad outbound rule set");
  }
  for (const auto& rs : f.rule_sets) {
    check(rs.chains.size() == 1, "a rule set without exactly one chain");
    check(rs.combining == core::Combining::BlockOverridesAllow, "not block-overrides-allow");
    check(rs.default_action == core::Action::Allow || rs.default_action == core::Action::Deny,
          "a bad default");
    for (const auto& rule : rs.rules()) {
      for (auto c : rule.match.unknowns)
        check(c.index() < f.conditions.size(), "a dangling unknown condition");
      check(!rule.match.services.empty(), "a rule matching no service");
      check(rule.action == core::Action::Allow || rule.action == core::Action::Deny ||
                rule.action == core::Action::Bypass,
            "a bad action");
    }
  }
  core::Policy merged;
  core::merge(merged, r.fragment);
  check(merged.filters.size() == 3, "merge lost filters");
}

// windows.services, .listeners, .iis: host content without a host.
inline void check_host(const core::ImportResult& r, const std::string& file) {
  check_diagnostics(r, file);
  if (r.diagnostics.has_errors()) return;
  const core::Policy& f = r.fragment;
  check(f.hosts.size() <= 1, "more than one host");
  for (const auto& h : f.hosts) {
    check(h.name.empty(), "a named host");
    for (const auto& l : h.listeners) {
      check(!l.service.valid() || l.service.index() < f.services.size(), "a dangling listener service");
      check(!l.ports.empty() && !l.ports.is_all(), "a listener without a port");
    }
  }
  for (const auto& s : f.services)
    check(!s.host.valid() && !s.name.empty(), "a service with a host or no name");
  for (const auto& u : f.users) check(!u.host.valid() && !u.name.empty(), "a user with a host or no name");
  core::Policy merged;
  core::merge(merged, r.fragment);
}

}  // namespace rampart::windows_fuzz
