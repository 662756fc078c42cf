#pragma once
// Terraform plans (`terraform show -json`) into the AWS family's inventory
// (terraform_reader.cpp).

#include <string>
#include <string_view>

#include "model.h"
#include "rampart/importers/registry.h"

namespace rampart::importers::aws {

enum class PlanSide : uint8_t { Before, After };

core::ImportResult import_plan(const core::ImportRequest& request, PlanSide side);

// Parses the text of a plan (`file` names it in diagnostics).
core::ImportResult parse_plan(std::string_view text, const std::string& file, PlanSide side);

}  // namespace rampart::importers::aws
