#include <gtest/gtest.h>

#include "rampart/core/address.h"

namespace rampart::core {
namespace {

TEST(AddressSetSmoke, CidrRenderingIsMinimal) {
  auto s = AddressSet::parse("192.168.1.0/24").set->subtract(*AddressSet::parse("192.168.1.66").set);
  std::vector<std::string> blocks;
  for (const auto& c : s.to_cidrs()) blocks.push_back(c.to_string());
  std::vector<std::string> expected{"192.168.1.0/26",  "192.168.1.64/31", "192.168.1.67/32",
                                    "192.168.1.68/30", "192.168.1.72/29", "192.168.1.80/28",
                                    "192.168.1.96/27", "192.168.1.128/25"};
  EXPECT_EQ(blocks, expected);
}

}  // namespace
}  // namespace rampart::core
