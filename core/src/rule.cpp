#include "rampart/core/rule.h"

namespace rampart::core {

std::string action_name(Action a) {
  switch (a) {
    case Action::Allow: return "allow";
    case Action::Deny: return "deny";
    case Action::Bypass: return "bypass";
    case Action::Continue: return "continue";
    case Action::Jump: return "jump";
    case Action::Goto: return "goto";
    case Action::Return: return "return";
  }
  return "deny";
}

std::string combining_name(Combining c) {
  switch (c) {
    case Combining::FirstMatch: return "first-match";
    case Combining::AllowUnion: return "allow-union";
    case Combining::BlockOverridesAllow: return "block-overrides-allow";
    case Combining::PriorityDenyWins: return "priority";
  }
  return "first-match";
}

bool InterfaceMatch::matches_name(const std::string& name) const {
  for (const auto& n : names) {
    if (!n.empty() && n.back() == '+') {
      if (name.compare(0, n.size() - 1, n, 0, n.size() - 1) == 0) return true;
    } else if (n == name) {
      return true;
    }
  }
  return false;
}

size_t RuleSet::rule_count() const {
  size_t n = 0;
  for (const auto& c : chains) n += c.rules.size();
  return n;
}

}  // namespace rampart::core
