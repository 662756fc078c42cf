#pragma once
// The machine view: JSON schema v1 (docs/json.md). Stable key order, no
// hash-map iteration anywhere in the output.

#include <string>

#include "rampart/core/result.h"

namespace rampart::exporters {

inline constexpr int kJsonSchemaVersion = 1;

std::string render_json(const core::Report& report);

}  // namespace rampart::exporters
