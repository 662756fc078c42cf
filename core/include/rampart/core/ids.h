#pragma once
// Strong ids: indices into the vectors of core::Policy. Plain values, cheap to
// copy, impossible to mix up across element kinds.

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

namespace rampart::core {

template <typename Tag>
struct Id {
  static constexpr uint32_t kInvalid = std::numeric_limits<uint32_t>::max();
  uint32_t value = kInvalid;

  constexpr Id() = default;
  constexpr explicit Id(uint32_t v) : value(v) {}
  constexpr bool valid() const { return value != kInvalid; }
  constexpr size_t index() const { return value; }
  friend constexpr auto operator<=>(const Id&, const Id&) = default;
};

using RuleSetId = Id<struct RuleSetTag>;
using FilterId = Id<struct FilterTag>;
using HostId = Id<struct HostTag>;
using ZoneId = Id<struct ZoneTag>;
using ConditionId = Id<struct ConditionTag>;
using ListenerId = Id<struct ListenerTag>;
using UserId = Id<struct UserTag>;
using GroupId = Id<struct GroupTag>;
using FileId = Id<struct FileTag>;
using ServiceId = Id<struct ServiceTag>;
using QuestionId = Id<struct QuestionTag>;

}  // namespace rampart::core

template <typename Tag>
struct std::hash<rampart::core::Id<Tag>> {
  size_t operator()(const rampart::core::Id<Tag>& id) const noexcept {
    return std::hash<uint32_t>()(id.value);
  }
};
