#pragma once
// Shared by the netfilter fuzz targets: how an input is cut into a dump and
// its companion files, and the invariants every import result must keep.
//
// Input layout: DUMP [\0 IPSET-SAVE [\0 IPASSMT]]. Seeds without a NUL byte
// are a dump alone; the fuzzer finds the companions through the dictionary's
// "\x00" and the seeds that carry them. Inputs with a NUL byte are also read
// whole, as one dump, so NUL bytes inside a dump are fuzzed too.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "rampart/core/evaluator.h"
#include "rampart/core/policy.h"
#include "rampart/importers/netfilter.h"

namespace rampart::fuzz {

struct NetfilterInput {
  std::string_view dump;
  importers::NetfilterCompanions companions;
};

inline NetfilterInput split_input(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  NetfilterInput in;
  size_t a = all.find('\0');
  in.dump = all.substr(0, a);
  if (a == std::string_view::npos) return in;
  std::string_view rest = all.substr(a + 1);
  size_t b = rest.find('\0');
  in.companions.ipset_text = std::string(rest.substr(0, b));
  in.companions.ipset_file = "fuzz.ipset";
  if (b != std::string_view::npos) {
    in.companions.ipassmt_text = std::string(rest.substr(b + 1));
    in.companions.ipassmt_file = "fuzz.ipassmt";
  }
  return in;
}

// A few packets through every rule set: the evaluator must terminate on what
// the importer built (chains that jump, return and go to each other), and
// either decide or name the unknown atom it needs.
inline void evaluate_some(const core::Policy& f) {
  static const char* kAddresses[][2] = {
      {"198.51.100.7", "10.0.0.1"}, {"127.0.0.1", "127.0.0.1"}, {"2001:db8::7", "2001:db8::1"}};
  for (size_t i = 0; i < f.rule_sets.size(); ++i) {
    for (const auto& ends : kAddresses) {
      for (uint8_t proto : {core::proto::kTcp, core::proto::kUdp, core::proto::kIcmp}) {
        core::Packet p;
        p.src = *core::Address::parse(ends[0]);
        p.dst = *core::Address::parse(ends[1]);
        p.family = p.src.family;
        p.protocol =
            p.family == core::Family::V6 && proto == core::proto::kIcmp ? core::proto::kIcmpV6 : proto;
        if (core::has_ports(p.protocol)) {
          p.src_port = 40000;
          p.dst_port = 22;
        } else {
          p.icmp_type = p.family == core::Family::V6 ? 128 : 8;
        }
        (void)core::evaluate_rule_set(f, core::RuleSetId(uint32_t(i)), p, core::HostId(), {}, "fuzz", {});
      }
    }
  }
}

inline void check_result(const core::ImportResult& r) {
  for (const auto& d : r.diagnostics.items()) {
    check(d.code.rfind("RP33", 0) == 0, "a diagnostic outside the netfilter block");
    check(!d.message.empty(), "a diagnostic without a message");
    check(d.origin.file == "fuzz.rules" || d.origin.file == "fuzz.ipset" || d.origin.file == "fuzz.ipassmt",
          "a diagnostic without its file");
  }
  if (r.diagnostics.has_errors()) {
    check(r.objects.empty(), "objects from a failed import");
    return;
  }
  const core::Policy& f = r.fragment;
  check(f.filters.size() == 2, "not exactly the filters `filter` and `forward`");
  for (const auto& o : r.objects) {
    switch (o.kind) {
      case core::ObjectKind::Filter: check(o.index < f.filters.size(), "an object past the filters"); break;
      case core::ObjectKind::Zone: check(o.index < f.zones.size(), "an object past the zones"); break;
      default: check(false, "an object of another kind");
    }
  }
  for (const auto& filter : f.filters) {
    check(filter.inbound.valid() && filter.inbound.index() < f.rule_sets.size(), "a bad inbound rule set");
    check(filter.outbound.valid() && filter.outbound.index() < f.rule_sets.size(), "a bad outbound rule set");
  }
  for (const auto& rs : f.rule_sets) {
    check(!rs.chains.empty(), "a rule set without an entry chain");
    check(rs.combining == core::Combining::FirstMatch, "a netfilter rule set that is not first-match");
    for (const auto& chain : rs.chains) {
      for (const auto& rule : chain.rules) {
        for (auto c : rule.match.unknowns)
          check(c.index() < f.conditions.size(), "a dangling unknown condition");
        if (rule.action == core::Action::Jump || rule.action == core::Action::Goto)
          check(rule.target_chain < rs.chains.size(), "a jump past the chains");
      }
    }
  }
  evaluate_some(f);
  core::Policy merged;
  core::merge(merged, r.fragment);
  check(merged.filters.size() == f.filters.size(), "merge lost filters");
}

}  // namespace rampart::fuzz
