#pragma once
// JUnit XML for CI systems: one test case per assertion (and per finding of
// conflicts, lint or diff), failures for violated or unknown ones.

#include <string>

#include "rampart/core/result.h"

namespace rampart::exporters {

std::string render_junit(const core::Report& report);

}  // namespace rampart::exporters
