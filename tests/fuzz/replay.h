#pragma once
// The fuzz targets linked into the seed replay (replay_main.cpp).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rampart::fuzz {

struct ReplayTarget {
  const char* name;
  int (*one)(const uint8_t*, size_t);
  int (*init)(int*, char***);  // LLVMFuzzerInitialize, or null
};

const std::vector<ReplayTarget>& replay_targets();

}  // namespace rampart::fuzz
