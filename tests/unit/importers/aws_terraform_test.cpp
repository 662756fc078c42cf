// Terraform plans (`terraform.plan`, `terraform.plan.before`,
// `terraform.plan.after`): the real terraform-compliance plans and small
// hand-made ones. Expected answers follow the AWS provider's documented
// behaviour: a group Terraform creates loses AWS's default allow-all egress
// rule; ids unknown at plan time are resolved through `configuration`.

#include "aws_test_util.h"

namespace rampart {
namespace {

using namespace aws_test;
using core::ObjectKind;

const char* k234 = "tests/data/terraform/terraform-compliance/test_issue-234-ingress.plan.json";
const char* k181 =
    "tests/data/terraform/terraform-compliance/test_issue-181_sg_with_comma_separated.plan.json";

core::ImportResult import_plan_text(const std::string& text, const std::string& format = "terraform.plan") {
  TempDir dir;
  core::ImportRequest req;
  req.format = format;
  req.path = dir.write("plan.json", text);
  req.display_path = "plan.json";
  req.origin = core::Origin::policy("test.rampart", 1, 1);
  return importers::default_registry().import(req);
}

TEST(Terraform, UnknownIdsResolvedThroughConfiguration) {
  auto r = import("terraform.plan", k234);
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  const auto& p = r.fragment;
  // alb_ecs_ingress: security_group_id and source_security_group_id are
  // unknown at plan time; the configuration names aws_security_group.alb_ecs
  // and aws_security_group.alb. The members of alb are not in the plan, so
  // tcp/8080 is admitted from unknown addresses; other ports never.
  auto ecs = filter(r, "aws_security_group.alb_ecs");
  EXPECT_EQ(ecs.kind, "aws-security-group");
  EXPECT_EQ(decide(p, ecs.inbound, packet("tcp", "10.0.0.5", 40000, "10.0.1.1", 8080)),
            "unknown:fwd/cond:aws:sg-members:aws_security_group.alb");
  EXPECT_EQ(decide(p, ecs.inbound, packet("tcp", "10.0.0.5", 40000, "10.0.1.1", 8081)), "deny");
  // Terraform removes AWS's default egress rule from groups it creates:
  // alb_ecs has no egress rule at all.
  EXPECT_EQ(decide(p, ecs.outbound, packet("tcp", "10.0.1.1", 40000, "8.8.8.8", 443)), "deny");
  // alb: self-referencing rules both ways, tcp 0-65535 only.
  auto alb = filter(r, "aws_security_group.alb");
  EXPECT_EQ(decide(p, alb.inbound, packet("tcp", "10.0.0.5", 40000, "10.0.1.1", 443)),
            "unknown:fwd/cond:aws:sg-members:aws_security_group.alb");
  EXPECT_EQ(decide(p, alb.inbound, packet("udp", "10.0.0.5", 40000, "10.0.1.1", 443)), "deny");
  EXPECT_EQ(decide(p, alb.outbound, packet("tcp", "10.0.1.1", 40000, "10.0.0.5", 443)),
            "unknown:fwd/cond:aws:sg-members:aws_security_group.alb");
  // Every resource is created: before the change there is nothing.
  auto before = import("terraform.plan.before", k234);
  EXPECT_FALSE(before.diagnostics.has_errors()) << dump(before.diagnostics);
  EXPECT_TRUE(before.objects.empty());
}

TEST(Terraform, InlineRulesAndSeparateRules) {
  auto r = import("terraform.plan.after", k181);
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  const auto& p = r.fragment;
  auto inl = filter(r, "aws_security_group.allow_tls_ingress_inline");
  EXPECT_EQ(decide(p, inl.inbound, packet("tcp", "203.0.113.9", 40000, "10.0.0.1", 53)), "allow");
  EXPECT_EQ(decide(p, inl.inbound, packet("tcp", "203.0.113.9", 40000, "10.0.0.1", 80)), "allow");
  EXPECT_EQ(decide(p, inl.inbound, packet("tcp", "203.0.113.9", 40000, "10.0.0.1", 443)), "deny");
  EXPECT_EQ(decide(p, inl.inbound, packet("udp", "203.0.113.9", 40000, "10.0.0.1", 53)), "deny");
  // port_53 and port_80 attach to something_else through `configuration`.
  auto other = filter(r, "aws_security_group.something_else");
  EXPECT_EQ(decide(p, other.inbound, packet("tcp", "203.0.113.9", 40000, "10.0.0.1", 53)), "allow");
  EXPECT_EQ(decide(p, other.inbound, packet("tcp", "203.0.113.9", 40000, "10.0.0.1", 80)), "allow");
  EXPECT_EQ(decide(p, other.inbound, packet("tcp", "203.0.113.9", 40000, "10.0.0.1", 22)), "deny");
  // The name is an alias.
  EXPECT_EQ(object(r, "Some_other_sg", ObjectKind::Filter),
            object(r, "aws_security_group.something_else", ObjectKind::Filter));
}

// A plan that changes an existing group and ACL: the two sides differ.
const char* kUpdate = R"({
  "format_version": "1.2",
  "terraform_version": "1.7.0",
  "resource_changes": [
    {"address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
     "provider_name": "registry.terraform.io/hashicorp/aws",
     "change": {"actions": ["update"],
       "before": {"id": "sg-0123", "name": "web", "vpc_id": "vpc-1",
                  "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"],
                               "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""}],
                  "egress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"],
                              "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""}]},
       "after": {"id": "sg-0123", "name": "web", "vpc_id": "vpc-1",
                  "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["198.51.100.0/24"],
                               "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "description": "office"}],
                  "egress": [{"from_port": 0, "to_port": 0, "protocol": "-1", "cidr_blocks": ["0.0.0.0/0"],
                              "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""}]},
       "after_unknown": {}}},
    {"address": "aws_vpc_security_group_ingress_rule.https", "mode": "managed", "type": "aws_vpc_security_group_ingress_rule", "name": "https",
     "change": {"actions": ["create"], "before": null,
       "after": {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": null,
                 "prefix_list_id": null, "referenced_security_group_id": null, "description": null, "tags": null},
       "after_unknown": {"id": true, "arn": true, "security_group_id": true, "security_group_rule_id": true, "tags_all": true}}},
    {"address": "aws_network_acl.main", "mode": "managed", "type": "aws_network_acl", "name": "main",
     "change": {"actions": ["update"],
       "before": {"id": "acl-0123", "vpc_id": "vpc-1", "subnet_ids": ["subnet-1"],
         "ingress": [{"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0,
                      "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_type": 0, "icmp_code": 0}],
         "egress": [{"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0,
                     "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_type": 0, "icmp_code": 0}]},
       "after": {"id": "acl-0123", "vpc_id": "vpc-1", "subnet_ids": ["subnet-1"],
         "ingress": [{"rule_no": 90, "action": "deny", "protocol": "tcp", "from_port": 22, "to_port": 22,
                      "cidr_block": "203.0.113.0/24", "ipv6_cidr_block": "", "icmp_type": 0, "icmp_code": 0},
                     {"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0,
                      "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_type": 0, "icmp_code": 0}],
         "egress": [{"rule_no": 100, "action": "allow", "protocol": "-1", "from_port": 0, "to_port": 0,
                     "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "", "icmp_type": 0, "icmp_code": 0}]},
       "after_unknown": {}}},
    {"address": "aws_network_acl_rule.icmp", "mode": "managed", "type": "aws_network_acl_rule", "name": "icmp",
     "change": {"actions": ["create"], "before": null,
       "after": {"network_acl_id": "acl-0123", "rule_number": 80, "egress": false, "protocol": "icmp",
                 "rule_action": "allow", "cidr_block": "0.0.0.0/0", "icmp_type": "8", "icmp_code": "-1",
                 "from_port": null, "to_port": null, "ipv6_cidr_block": null},
       "after_unknown": {"id": true}}}
  ],
  "configuration": {"root_module": {"resources": [
    {"address": "aws_vpc_security_group_ingress_rule.https", "mode": "managed", "type": "aws_vpc_security_group_ingress_rule",
     "name": "https", "expressions": {"security_group_id": {"references": ["aws_security_group.web.id", "aws_security_group.web"]}}}
  ]}}
})";

TEST(Terraform, BothSidesOfAChange) {
  auto before = import_plan_text(kUpdate, "terraform.plan.before");
  auto after = import_plan_text(kUpdate, "terraform.plan.after");
  ASSERT_FALSE(before.diagnostics.has_errors()) << dump(before.diagnostics);
  ASSERT_FALSE(after.diagnostics.has_errors()) << dump(after.diagnostics);
  // The same object ids on both sides (the resource address), and the AWS id as an alias.
  for (const auto* r : {&before, &after}) {
    EXPECT_TRUE(object(*r, "aws_security_group.web", ObjectKind::Filter));
    EXPECT_EQ(object(*r, "sg-0123", ObjectKind::Filter),
              object(*r, "aws_security_group.web", ObjectKind::Filter));
    EXPECT_TRUE(object(*r, "aws_network_acl.main", ObjectKind::Filter));
  }
  auto ssh = packet("tcp", "203.0.113.9", 40000, "10.0.0.1", 22);
  auto https = packet("tcp", "203.0.113.9", 40000, "10.0.0.1", 443);
  EXPECT_EQ(decide(before.fragment, filter(before, "aws_security_group.web").inbound, ssh), "allow");
  EXPECT_EQ(decide(after.fragment, filter(after, "aws_security_group.web").inbound, ssh), "deny");
  EXPECT_EQ(decide(before.fragment, filter(before, "aws_security_group.web").inbound, https), "deny");
  EXPECT_EQ(decide(after.fragment, filter(after, "aws_security_group.web").inbound, https), "allow");
  // The ACL: 90 denies ssh from 203.0.113.0/24 after the change; the
  // separate rule 80 admits echo requests (type 8, any code).
  EXPECT_EQ(decide(before.fragment, filter(before, "aws_network_acl.main").inbound, ssh), "allow");
  EXPECT_EQ(decide(after.fragment, filter(after, "aws_network_acl.main").inbound, ssh), "deny");
  auto ping = packet("icmp", "8.8.8.8", 8, "10.0.0.1", 3);
  EXPECT_EQ(decide(after.fragment, filter(after, "aws_network_acl.main").inbound, ping), "allow");
  EXPECT_TRUE(filter(after, "aws_network_acl.main").stateless);
  // terraform.plan is the planned side.
  auto plan = import_plan_text(kUpdate);
  EXPECT_EQ(decide(plan.fragment, filter(plan, "aws_security_group.web").inbound, ssh), "deny");
}

TEST(Terraform, ValuesUnknownAtPlanTime) {
  // A CIDR known only after apply: the rule matches unknown addresses.
  auto r = import_plan_text(R"({"format_version": "1.2", "resource_changes": [
    {"address": "aws_security_group.a", "type": "aws_security_group", "mode": "managed", "name": "a",
     "change": {"actions": ["create"], "before": null,
       "after": {"name": "a", "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": [null],
                 "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [], "self": false, "description": ""}]},
       "after_unknown": {"id": true, "egress": true, "ingress": [{"cidr_blocks": [true]}]}}}]})");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_EQ(decide(r.fragment, filter(r, "aws_security_group.a").inbound,
                   packet("tcp", "8.8.8.8", 4000, "10.0.0.1", 22)),
            "unknown:fwd/cond:terraform:aws_security_group.a:cidr_blocks[0]");
}

TEST(Terraform, LongModuleKeysAreStrippedWithoutRecursion) {
  // A module instance key of 200,000 characters: std::regex's matcher,
  // which removed the `[...]` keys, recursed once per character.
  std::string key(200000, 'k');
  std::string address = "module.m[\"" + key + "\"].aws_security_group.a";
  auto r =
      import_plan_text(R"({"format_version": "1.2", "resource_changes": [
    {"address": ")" + fmt::format("module.m[\\\"{}\\\"].aws_security_group.a", key) +
                       R"(", "module_address": "module.m", "type": "aws_security_group", "mode": "managed",
     "name": "a", "change": {"actions": ["create"], "before": null,
       "after": {"name": "a", "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp",
                 "cidr_blocks": ["10.0.0.0/8"], "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                 "security_groups": [], "self": false, "description": ""}], "egress": []},
       "after_unknown": {"id": true}}}]})");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_EQ(decide(r.fragment, filter(r, address).inbound, packet("tcp", "10.1.2.3", 4000, "10.0.0.1", 22)),
            "allow");
}

TEST(Terraform, LongAndUnclosedModuleAddresses) {
  auto plan = [](const std::string& address) {
    return import_plan_text(R"({"format_version": "1.2", "resource_changes": [
    {"address": ")" + address +
                            R"(", "type": "aws_security_group", "mode": "managed",
     "name": "a", "change": {"actions": ["create"], "before": null,
       "after": {"name": "a", "ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp",
                 "cidr_blocks": ["10.0.0.0/8"], "ipv6_cidr_blocks": [], "prefix_list_ids": [],
                 "security_groups": [], "self": false, "description": ""}], "egress": []},
       "after_unknown": {"id": true}}}]})");
  };
  // 100,000 nested modules (1.2 MB of address): split in one pass, not one
  // copy of the rest per module.
  std::string nested;
  for (int i = 0; i < 100000; ++i) nested += "module.m.";
  auto r = plan(nested + "aws_security_group.a");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_EQ(decide(r.fragment, filter(r, nested + "aws_security_group.a").inbound,
                   packet("tcp", "10.1.2.3", 4000, "10.0.0.1", 22)),
            "allow");
  // A `[` never closed: the address is all module (no exception), and the
  // group is still imported under it, with its rule.
  auto unclosed = plan("module.m[0");
  ASSERT_FALSE(unclosed.diagnostics.has_errors()) << dump(unclosed.diagnostics);
  EXPECT_EQ(decide(unclosed.fragment, filter(unclosed, "module.m[0").inbound,
                   packet("tcp", "10.1.2.3", 4000, "10.0.0.1", 22)),
            "allow");
}

TEST(Terraform, RuleForAGroupOutsideThePlan) {
  auto r = import_plan_text(R"({"format_version": "1.2", "resource_changes": [
    {"address": "aws_security_group_rule.r", "type": "aws_security_group_rule", "mode": "managed", "name": "r",
     "change": {"actions": ["create"], "before": null,
       "after": {"type": "ingress", "security_group_id": "sg-elsewhere", "protocol": "tcp", "from_port": 22,
                 "to_port": 22, "cidr_blocks": ["10.0.0.0/8"], "self": false},
       "after_unknown": {"id": true}}}]})");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  auto in = filter(r, "sg-elsewhere").inbound;
  EXPECT_EQ(decide(r.fragment, in, packet("tcp", "10.1.1.1", 4000, "10.0.0.1", 22)), "allow");
  // The group's other rules are not in the plan: anything else is unknown.
  EXPECT_EQ(decide(r.fragment, in, packet("tcp", "8.8.8.8", 4000, "10.0.0.1", 22)),
            "unknown:fwd/cond:terraform:unmanaged-rules:sg-elsewhere");
}

TEST(Terraform, Errors) {
  EXPECT_EQ(codes(import_plan_text("{\"format_version\": \"1.2\",").diagnostics, core::Severity::Error),
            std::vector<std::string>{"plan.json:1:26 RP3101"});
  EXPECT_EQ(codes(import_plan_text("{\"Vpcs\": []}").diagnostics, core::Severity::Error),
            std::vector<std::string>{"plan.json:1 (/) RP3105"});
  auto r = import_plan_text(R"({"format_version": "1.2", "resource_changes": [
    {"address": "aws_security_group_rule.r", "type": "aws_security_group_rule", "mode": "managed", "name": "r",
     "change": {"actions": ["create"], "before": null,
       "after": {"type": "sideways", "security_group_id": "sg-1", "protocol": "tcp", "from_port": 22, "to_port": 22}}}]})");
  EXPECT_EQ(codes(r.diagnostics, core::Severity::Error),
            std::vector<std::string>{"plan.json:4 (/resource_changes/0/change/after/type) RP3102"});
}

}  // namespace
}  // namespace rampart
