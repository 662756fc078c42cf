#pragma once
// SARIF 2.1.0 (OASIS) for code-scanning tools: every result points at the
// responsible rule — file and region for policy and line-based files, a
// logical location with the JSON pointer for JSON inputs. docs/sarif.md.

#include <string>

#include "rampart/core/result.h"

namespace rampart::exporters {

std::string render_sarif(const core::Report& report);

}  // namespace rampart::exporters
