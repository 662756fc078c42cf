#include "rampart/core/question.h"

namespace rampart::core {

std::string Question::kind_name() const {
  struct Visitor {
    std::string operator()(const NetworkQuestion& q) const {
      switch (q.claim) {
        case NetworkClaim::Reach: return "reach";
        case NetworkClaim::NotReach: return "not-reach";
        case NetworkClaim::OnlyReach: return "only-reach";
        case NetworkClaim::AllReach: return "all-reach";
        case NetworkClaim::QueryReach: return "query-reach";
      }
      return "reach";
    }
    std::string operator()(const AccessQuestion& q) const {
      switch (q.claim) {
        case AccessClaim::Can: return "can";
        case AccessClaim::CannotDo: return "not-can";
        case AccessClaim::OnlyCan: return "only-can";
        case AccessClaim::WhoCan: return "who-can";
      }
      return "can";
    }
    std::string operator()(const ConflictsQuestion&) const { return "no-conflicts"; }
  };
  return std::visit(Visitor{}, body);
}

}  // namespace rampart::core
