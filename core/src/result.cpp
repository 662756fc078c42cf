#include "rampart/core/result.h"

namespace rampart::core {

std::string verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Holds: return "holds";
    case Verdict::Violated: return "violated";
    case Verdict::Unknown: return "unknown";
  }
  return "unknown";
}

std::string decision_name(Decision d) { return d == Decision::Allow ? "allow" : "deny"; }

int Report::exit_code() const {
  if (!internal_error.empty()) return exit_code::kInternal;
  for (const auto& d : diagnostics) {
    if (d.severity == Severity::Error) return exit_code::kBadInput;
  }
  bool unknown = false;
  for (const auto& r : results) {
    // A query is answered, not claimed: only assertions are violated.
    if (r.verdict == Verdict::Violated && !r.is_query) return exit_code::kViolated;
    if (r.verdict == Verdict::Unknown) unknown = true;
  }
  for (const auto& f : findings) {
    if (f.severity == Severity::Error) return exit_code::kViolated;
    if (f.unknown) unknown = true;
  }
  return unknown ? exit_code::kUnknown : exit_code::kOk;
}

Report::Summary Report::summary() const {
  Summary s;
  for (const auto& r : results) {
    if (r.is_query) {
      ++s.queries;
      if (r.verdict == Verdict::Unknown) ++s.unanswered_queries;
      continue;
    }
    switch (r.verdict) {
      case Verdict::Holds: ++s.holds; break;
      case Verdict::Violated: ++s.violated; break;
      case Verdict::Unknown: ++s.unknown; break;
    }
  }
  return s;
}

}  // namespace rampart::core
