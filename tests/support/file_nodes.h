#pragma once
// A file-tree node on host 0, for the tests that build trees by hand.

#include <cstdint>
#include <string>

#include "rampart/core/policy.h"

namespace rampart::testing {

inline core::FileNode file_node(const std::string& path, core::FileType type, uint32_t uid, uint32_t gid,
                                uint16_t mode) {
  core::FileNode n;
  n.host = core::HostId(0);
  n.path = path;
  n.type = type;
  n.uid = uid;
  n.gid = gid;
  n.mode = mode;
  return n;
}

}  // namespace rampart::testing
