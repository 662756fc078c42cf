#pragma once
// The AWS family (docs/importers/aws.md): `aws.account` reads the AWS CLI's
// `aws ec2 describe-*` JSON, `terraform.plan[.before|.after]` a
// `terraform show -json` plan. These entry points parse text in memory (the
// fuzz target's way in); policies reach them through the registry.

#include <string>
#include <string_view>

#include "rampart/core/import.h"

namespace rampart::importers {

// One AWS CLI output document (`file` names it in diagnostics).
core::ImportResult parse_aws_cli(std::string_view text, const std::string& file);

// A Terraform plan: the state before the change, or the one it makes.
core::ImportResult parse_terraform_plan(std::string_view text, const std::string& file, bool before);

}  // namespace rampart::importers
