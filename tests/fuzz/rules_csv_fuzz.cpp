// libFuzzer target for rules.csv: any bytes must give filters or located
// errors, never a crash, a hang or a leak, and what it returns must hold
// together (every object names a filter, every filter its rule sets, every
// unknown condition exists) and merge into a policy.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "rampart/core/policy.h"
#include "rampart/importers/table.h"

namespace {

using namespace rampart;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  core::ImportResult r = importers::parse_rules_csv(text, "fuzz.csv");
  for (const auto& d : r.diagnostics.items()) {
    check(d.code == "RP3001", "a diagnostic with another code");
    check(!d.message.empty(), "a diagnostic without a message");
    check(d.origin.file == "fuzz.csv" && d.origin.line > 0, "a diagnostic without a line");
  }
  if (r.diagnostics.has_errors()) return 0;
  const core::Policy& f = r.fragment;
  check(!r.objects.empty(), "no error and no filter");
  for (const auto& o : r.objects) {
    check(o.kind == core::ObjectKind::Filter && o.index < f.filters.size(), "an object that is no filter");
    check(f.filters[o.index].name == o.native_id, "an object named unlike its filter");
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
  core::Policy merged;
  core::merge(merged, r.fragment);
  check(merged.filters.size() == f.filters.size(), "merge lost filters");
  return 0;
}
