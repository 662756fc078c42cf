#include "cli_reader.h"
#include "families.h"
#include "rampart/importers/aws.h"
#include "terraform_reader.h"

namespace rampart::importers {
namespace {

class AwsAccountImporter : public Importer {
 public:
  std::string format() const override { return "aws.account"; }
  std::string description() const override {
    return "AWS CLI `aws ec2 describe-*` JSON: one file or a folder of them (docs/importers/aws.md)";
  }
  core::ImportResult import(const core::ImportRequest& request) const override {
    return aws::import_cli(request);
  }
};

class TerraformPlanImporter : public Importer {
 public:
  TerraformPlanImporter(std::string format, aws::PlanSide side) : format_(std::move(format)), side_(side) {}
  std::string format() const override { return format_; }
  std::string description() const override {
    return std::string("`terraform show -json` plan, ") +
           (side_ == aws::PlanSide::Before ? "the state before the change" : "the state the plan makes") +
           " (docs/importers/aws.md)";
  }
  core::ImportResult import(const core::ImportRequest& request) const override {
    return aws::import_plan(request, side_);
  }

 private:
  std::string format_;
  aws::PlanSide side_;
};

}  // namespace

void register_aws(Registry& r) {
  r.add(std::make_unique<AwsAccountImporter>());
  r.add(std::make_unique<TerraformPlanImporter>("terraform.plan", aws::PlanSide::After));
  r.add(std::make_unique<TerraformPlanImporter>("terraform.plan.after", aws::PlanSide::After));
  r.add(std::make_unique<TerraformPlanImporter>("terraform.plan.before", aws::PlanSide::Before));
}

}  // namespace rampart::importers

namespace rampart::importers {

core::ImportResult parse_aws_cli(std::string_view text, const std::string& file) {
  return aws::parse_cli(text, file);
}

core::ImportResult parse_terraform_plan(std::string_view text, const std::string& file, bool before) {
  return aws::parse_plan(text, file, before ? aws::PlanSide::Before : aws::PlanSide::After);
}

}  // namespace rampart::importers
