#pragma once
// Reports for people: aligned, coloured on a terminal, every answer with its
// location and, where there is one, its witness.

#include <string>
#include <vector>

#include "rampart/core/diagnostic.h"
#include "rampart/core/result.h"

namespace rampart::exporters {

struct TextStyle {
  bool color = false;
  bool verbose = false;  // every layer step even for answers that hold
};

std::string render_text(const core::Report& report, const TextStyle& style);
std::string render_diagnostics(const std::vector<core::Diagnostic>& diagnostics, const TextStyle& style);
std::string render_witness(const core::NetworkWitness& w, const TextStyle& style, const std::string& indent);
std::string render_set(const core::SetAnswer& set, const TextStyle& style, const std::string& indent);

}  // namespace rampart::exporters
