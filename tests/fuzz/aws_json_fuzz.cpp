// libFuzzer target for the AWS family: any bytes, read as an AWS CLI output
// and as both sides of a Terraform plan, must give core elements or located
// diagnostics, never a crash, a hang or a leak; and what comes back must
// hold together (objects name elements of their kind, filters their rule
// sets, hosts their filters, rules their unknown conditions) and merge.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "rampart/core/policy.h"
#include "rampart/importers/aws.h"

namespace {

using namespace rampart;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    abort();
  }
}

void check_result(const core::ImportResult& r) {
  for (const auto& d : r.diagnostics.items()) {
    check(d.code.rfind("RP31", 0) == 0, "a diagnostic outside the AWS block");
    check(!d.message.empty(), "a diagnostic without a message");
    check(d.origin.file == "fuzz.json", "a diagnostic without its file");
  }
  if (r.diagnostics.has_errors()) return;
  const core::Policy& f = r.fragment;
  for (const auto& o : r.objects) {
    switch (o.kind) {
      case core::ObjectKind::Filter: check(o.index < f.filters.size(), "an object past the filters"); break;
      case core::ObjectKind::Host: check(o.index < f.hosts.size(), "an object past the hosts"); break;
      case core::ObjectKind::Zone: check(o.index < f.zones.size(), "an object past the zones"); break;
      default: check(false, "an object of another kind");
    }
  }
  for (const auto& filter : f.filters) {
    check(filter.inbound.valid() && filter.inbound.index() < f.rule_sets.size(), "a bad inbound rule set");
    check(filter.outbound.valid() && filter.outbound.index() < f.rule_sets.size(), "a bad outbound rule set");
  }
  for (const auto& rs : f.rule_sets) {
    check(rs.chains.size() == 1, "a rule set without exactly one chain");
    for (const auto& rule : rs.rules()) {
      for (auto c : rule.match.unknowns)
        check(c.index() < f.conditions.size(), "a dangling unknown condition");
      if (rs.combining == core::Combining::AllowUnion)
        check(rule.action == core::Action::Allow, "allow-union deny");
    }
  }
  for (const auto& h : f.hosts) {
    for (const auto* layers : {&h.inbound, &h.outbound})
      for (const auto& layer : *layers)
        for (auto m : layer.members) check(m.index() < f.filters.size(), "a layer member past the filters");
  }
  core::Policy merged;
  core::merge(merged, r.fragment);
  check(merged.filters.size() == f.filters.size(), "merge lost filters");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_result(importers::parse_aws_cli(text, "fuzz.json"));
  check_result(importers::parse_terraform_plan(text, "fuzz.json", false));
  check_result(importers::parse_terraform_plan(text, "fuzz.json", true));
  return 0;
}
