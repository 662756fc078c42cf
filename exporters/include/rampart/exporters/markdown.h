#pragma once
// Markdown for people reading a pull request or an audit ticket: a summary,
// then each answer, each finding and, for conflicts, a table per file.

#include <string>

#include "rampart/core/result.h"

namespace rampart::exporters {

std::string render_markdown(const core::Report& report);

}  // namespace rampart::exporters
