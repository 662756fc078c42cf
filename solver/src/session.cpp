#include <fmt/format.h>
#include <z3++.h>

#include "rampart/solver/version.h"

namespace rampart::solver {

std::string backend_version() {
  unsigned major = 0, minor = 0, build = 0, revision = 0;
  Z3_get_version(&major, &minor, &build, &revision);
  return fmt::format("Z3 {}.{}.{}", major, minor, build);
}

}  // namespace rampart::solver
