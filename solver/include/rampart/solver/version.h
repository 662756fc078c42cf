#pragma once
#include <string>

namespace rampart::solver {
// The version of the SMT solver rampart links against ("Z3 4.8.12").
std::string backend_version();
}  // namespace rampart::solver
