// The AWS CLI importer (`aws.account`): every expected answer below is worked
// out by hand from AWS's documented semantics (security groups: allow-only,
// stateful, united over an interface's groups; network ACLs: lowest rule
// number first, stateless, default deny; routes: longest prefix match), not
// from rampart's output.

#include "aws_test_util.h"

namespace rampart {
namespace {

using namespace aws_test;
using core::ObjectKind;

const char* kExample = "examples/aws-ssh/aws";
const char* kSynthetic = "tests/data/aws/synthetic/synthetic_edgecases.json";

// ---- the synthetic edge cases (tests/data/aws/synthetic) -----------------------

TEST(AwsCli, SyntheticImportsWithWarningsOnly) {
  auto r = import("aws.account", kSynthetic);
  EXPECT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  // `_comment` is a comment, not an unknown key.
  for (const auto& d : r.diagnostics.items()) EXPECT_NE(d.code, "RP3103") << d.to_string();
  const auto& sg = filter(r, "sg-0aaa0000000000001");
  EXPECT_EQ(sg.kind, "aws-security-group");
  EXPECT_FALSE(sg.stateless);
  EXPECT_EQ(sg.scope, core::FilterScope::Network);
  EXPECT_EQ(r.fragment.rule_set(sg.inbound).combining, core::Combining::AllowUnion);
  const auto& acl = filter(r, "acl-0ccc0000000000001");
  EXPECT_EQ(acl.kind, "aws-network-acl");
  EXPECT_TRUE(acl.stateless);
  EXPECT_EQ(r.fragment.rule_set(acl.inbound).combining, core::Combining::FirstMatch);
  EXPECT_EQ(r.fragment.rule_set(acl.inbound).default_action, core::Action::Deny);
  // The group name is an alias of the group.
  EXPECT_EQ(object(r, "edge-cases", ObjectKind::Filter),
            object(r, "sg-0aaa0000000000001", ObjectKind::Filter));
}

TEST(AwsCli, SecurityGroupRuleSemantics) {
  auto r = import("aws.account", kSynthetic);
  const auto& p = r.fragment;
  auto in = filter(r, "sg-0aaa0000000000001").inbound;
  auto out = filter(r, "sg-0aaa0000000000001").outbound;
  // tcp 22-22 from 203.0.113.0/24
  EXPECT_EQ(decide(p, in, packet("tcp", "203.0.113.5", 40000, "10.0.0.1", 22)), "allow");
  EXPECT_EQ(decide(p, in, packet("tcp", "203.0.113.5", 40000, "10.0.0.1", 23)).substr(0, 7), "unknown");
  // icmp FromPort 8 ToPort -1: type 8, every code; only from 10.0.0.0/8
  EXPECT_EQ(decide(p, in, packet("icmp", "10.1.2.3", 8, "10.0.0.1", 5)), "allow");
  // icmp -1/-1 from 192.0.2.1: every type and code
  EXPECT_EQ(decide(p, in, packet("icmp", "192.0.2.1", 3, "10.0.0.1", 4)), "allow");
  // icmpv6 -1 from ::/0
  EXPECT_EQ(decide(p, in, packet("icmpv6", "2001:db8::1", 1, "2001:db8::2", 0)), "allow");
  // protocol "50" (ESP) from 198.51.100.7/32: no ports
  core::Packet esp = packet("esp", "198.51.100.7", 0, "10.0.0.1", 0);
  EXPECT_EQ(decide(p, in, esp), "allow");
  // Everything else meets the rules whose peers are unknown: the prefix
  // list (no entries imported) and the groups (no interfaces imported).
  std::string other = decide(p, in, packet("tcp", "8.8.8.8", 40000, "10.0.0.1", 22));
  EXPECT_EQ(other.substr(0, 8), "unknown:") << other;
  std::string udp = decide(p, in, packet("udp", "8.8.8.8", 40000, "10.0.0.1", 53));
  EXPECT_EQ(udp, "unknown:fwd/cond:aws:prefix-list:pl-0123456789abcdef0");
  // IpPermissionsEgress is empty: nothing leaves.
  EXPECT_EQ(decide(p, out, packet("tcp", "10.0.0.1", 40000, "8.8.8.8", 443)), "deny");
  // Unresolved references are warnings, once each.
  auto warnings = codes(r.diagnostics, core::Severity::Warning);
  EXPECT_EQ(std::count_if(warnings.begin(), warnings.end(),
                          [](const std::string& w) { return w.ends_with("RP3104"); }),
            3)
      << dump(r.diagnostics);
}

TEST(AwsCli, NetworkAclFirstMatchByRuleNumber) {
  auto r = import("aws.account", kSynthetic);
  const auto& p = r.fragment;
  auto in = filter(r, "acl-0ccc0000000000001").inbound;
  auto out = filter(r, "acl-0ccc0000000000001").outbound;
  // 90 deny 203.0.113.66/32 tcp/22 comes before 100 allow 203.0.113.0/24 tcp/22.
  EXPECT_EQ(decide(p, in, packet("tcp", "203.0.113.66", 40000, "10.0.0.1", 22)), "deny");
  EXPECT_EQ(decide(p, in, packet("tcp", "203.0.113.67", 40000, "10.0.0.1", 22)), "allow");
  // 110 icmp type 8, any code
  EXPECT_EQ(decide(p, in, packet("icmp", "8.8.8.8", 8, "10.0.0.1", 3)), "allow");
  EXPECT_EQ(decide(p, in, packet("icmp", "8.8.8.8", 0, "10.0.0.1", 0)), "deny");
  // 120 tcp 1024-65535 from anywhere
  EXPECT_EQ(decide(p, in, packet("tcp", "8.8.8.8", 443, "10.0.0.1", 2000)), "allow");
  EXPECT_EQ(decide(p, in, packet("tcp", "8.8.8.8", 443, "10.0.0.1", 80)), "deny");
  // 130 icmpv6 from ::/0; 32768 denies other IPv6
  EXPECT_EQ(decide(p, in, packet("icmpv6", "2001:db8::1", 128, "2001:db8::2", 0)), "allow");
  EXPECT_EQ(decide(p, in, packet("udp", "2001:db8::1", 5000, "2001:db8::2", 53)), "deny");
  // egress 100 allows all IPv4; IPv6 falls to 32768
  EXPECT_EQ(decide(p, out, packet("udp", "10.0.0.1", 5000, "8.8.8.8", 53)), "allow");
  EXPECT_EQ(decide(p, out, packet("udp", "2001:db8::2", 5000, "2001:db8::1", 53)), "deny");
}

// ---- aws-cli's documented examples (tests/data/aws/awscli_examples) --------------

TEST(AwsCli, DocumentedExamples) {
  auto r = import("aws.account", "tests/data/aws/awscli_examples");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  const auto& p = r.fragment;
  // The first ACL allows all IPv4 both ways and has no IPv6 entry: an IPv6
  // packet is denied by default.
  auto a1 = filter(r, "acl-0ea1f54ca7EXAMPLE");
  EXPECT_EQ(decide(p, a1.inbound, packet("tcp", "203.0.113.1", 40000, "10.0.0.1", 22)), "allow");
  EXPECT_EQ(decide(p, a1.inbound, packet("tcp", "2001:db8::1", 40000, "2001:db8::2", 22)), "deny");
  auto a2 = filter(r, "acl-0e2a78e4e2EXAMPLE");
  EXPECT_EQ(decide(p, a2.inbound, packet("tcp", "2001:db8::1", 40000, "2001:db8::2", 22)), "allow");
  // describe-security-group-rules: egress to 0.0.0.0/0 and ::/0; ingress only
  // from the group itself, whose members are unknown (no interfaces imported).
  auto sg = filter(r, "sg-1234567890abcdef0");
  EXPECT_EQ(decide(p, sg.outbound, packet("udp", "10.0.0.1", 4000, "8.8.8.8", 53)), "allow");
  EXPECT_EQ(decide(p, sg.outbound, packet("udp", "2001:db8::1", 4000, "2001:db8::8", 53)), "allow");
  EXPECT_EQ(decide(p, sg.inbound, packet("tcp", "10.0.0.9", 4000, "10.0.0.1", 22)),
            "unknown:fwd/cond:aws:sg-members:sg-1234567890abcdef0");
  // Rule ids become the rules' native ids.
  bool found = false;
  for (const auto& rule : p.rule_set(sg.outbound).rules())
    found |= rule.origin.native_id == "sgr-cdef01234567890ab";
  EXPECT_TRUE(found);
}

// ---- the CloudMapper demo account (tests/data/aws/cloudmapper_demo) ----------------

TEST(AwsCli, CloudMapperDemo) {
  auto r = import("aws.account", "tests/data/aws/cloudmapper_demo");
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  const auto& p = r.fragment;
  // Three instances and the ECS task's interface (attached to no instance we know).
  for (const char* id : {"i-00000000000000000", "i-00000000000000001", "i-00000000000000002", "eni-00000001"})
    EXPECT_TRUE(object(r, id, ObjectKind::Host)) << id;
  // "Bastion" is both a group name and an instance's Name tag: not an alias.
  EXPECT_FALSE(object(r, "Bastion", ObjectKind::Host));
  EXPECT_FALSE(object(r, "Bastion", ObjectKind::Filter));
  // Group references resolve to the private addresses of the members
  // (describe-network-interfaces is present, so membership is complete):
  // sg-00000004 (Internal web) holds 10.0.2.1 and 10.0.3.1.
  auto db = filter(r, "sg-00000005");
  EXPECT_EQ(decide(p, db.inbound, packet("tcp", "10.0.2.1", 40000, "10.0.9.9", 5432)), "allow");
  EXPECT_EQ(decide(p, db.inbound, packet("tcp", "10.0.3.1", 40000, "10.0.9.9", 5432)), "allow");
  EXPECT_EQ(decide(p, db.inbound, packet("tcp", "10.0.0.1", 40000, "10.0.9.9", 5432)), "deny");
  // ... and never a member's public address: 1.2.3.4 is the bastion's.
  auto pub = filter(r, "sg-00000008");
  EXPECT_EQ(decide(p, pub.inbound, packet("tcp", "10.0.0.1", 40000, "10.0.9.9", 22)), "allow");
  EXPECT_EQ(decide(p, pub.inbound, packet("tcp", "1.2.3.4", 40000, "10.0.9.9", 22)), "deny");
  // 2.2.2.2/28 has host bits set; AWS means the block 2.2.2.0/28.
  auto bastion = filter(r, "sg-00000002");
  EXPECT_EQ(decide(p, bastion.inbound, packet("tcp", "2.2.2.15", 40000, "10.0.0.1", 22)), "allow");
  EXPECT_EQ(decide(p, bastion.inbound, packet("tcp", "2.2.2.16", 40000, "10.0.0.1", 22)), "deny");

  // No network ACLs and no route tables were exported: the bastion's
  // security group admits 1.1.1.1 to SSH, but whether the ACL and the
  // routes do is unknown; 3.3.3.3 is refused by the group whatever they are.
  auto b = host(r, "i-00000000000000000");
  EXPECT_EQ(p.host(b).inbound.size(), 3u);
  EXPECT_EQ(admits(p, b, packet("tcp", "1.1.1.1", 40000, "1.2.3.4", 22)), Admission::Maybe);
  EXPECT_EQ(admits(p, b, packet("tcp", "3.3.3.3", 40000, "1.2.3.4", 22)), Admission::No);
  EXPECT_EQ(admits(p, b, packet("tcp", "10.0.5.5", 40000, "10.0.0.1", 22)), Admission::No);
  auto warnings = dump(r.diagnostics);
  EXPECT_NE(warnings.find("describe-network-acls"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("describe-route-tables"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("`eni-00000000` appears on 3 machines"), std::string::npos) << warnings;
}

// ---- the example account (examples/aws-ssh/aws) -----------------------------------

TEST(AwsCli, ExampleAccountPaths) {
  auto r = import("aws.account", kExample);
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r.diagnostics);
  const auto& p = r.fragment;
  auto web = host(r, "web-1");
  auto db = host(r, "db-1");
  EXPECT_EQ(web, host(r, "i-0a1b2c3d4e5f60001"));
  // web-1: private 10.0.1.10/24 and public 192.0.2.10
  EXPECT_TRUE(p.host(web).addresses().contains(*core::Address::parse("192.0.2.10")));
  EXPECT_TRUE(p.host(web).addresses().contains(*core::Address::parse("10.0.1.10")));
  EXPECT_EQ(p.host(web).interfaces.at(0).addresses.at(0).prefix, 24u);
  ASSERT_EQ(p.host(web).inbound.size(), 3u);  // routes, network ACL, security groups

  // SSH from the office: routed through the internet gateway to the public
  // address; ACL ingress 100 admits it, the reply leaves by egress 100; the
  // group admits 198.51.100.0/24.
  EXPECT_EQ(admits(p, web, packet("tcp", "198.51.100.20", 40000, "192.0.2.10", 22)), Admission::Yes);
  // 198.51.100.130: ingress 100 admits the SYN, but egress 90 denies tcp
  // 1024-65535 to 198.51.100.128/26: the reply is dropped.
  EXPECT_EQ(admits(p, web, packet("tcp", "198.51.100.130", 40000, "192.0.2.10", 22)), Admission::No);
  EXPECT_EQ(admits(p, web, packet("tcp", "198.51.100.200", 40000, "192.0.2.10", 22)), Admission::Yes);
  // Elsewhere on the internet: refused by ACL ingress (32767) and the group.
  EXPECT_EQ(admits(p, web, packet("tcp", "203.0.113.7", 40000, "192.0.2.10", 22)), Admission::No);
  EXPECT_EQ(admits(p, web, packet("tcp", "203.0.113.7", 40000, "192.0.2.10", 443)), Admission::Yes);
  // The internet cannot address the private address at all.
  EXPECT_EQ(admits(p, web, packet("tcp", "203.0.113.7", 40000, "10.0.1.10", 443)), Admission::No);

  // db-1 has no public address and its subnet routes 0.0.0.0/0 to a NAT
  // gateway: nothing from the internet reaches it.
  EXPECT_EQ(admits(p, db, packet("tcp", "203.0.113.7", 40000, "10.0.2.20", 5432)), Admission::No);
  // Within the VPC its group admits members of sg-web: web-1's 10.0.1.10.
  EXPECT_EQ(admits(p, db, packet("tcp", "10.0.1.10", 40000, "10.0.2.20", 5432)), Admission::Yes);
  EXPECT_EQ(admits(p, db, packet("tcp", "10.0.1.99", 40000, "10.0.2.20", 5432)), Admission::No);

  // From web-1 itself: the group lets everything out; ACL egress 100 admits
  // tcp 5432 (it is within 1024-65535) and ingress 120 the reply from the VPC.
  EXPECT_EQ(sends(p, web, packet("tcp", "10.0.1.10", 40000, "10.0.2.20", 5432), db), Admission::Yes);
  // Out to the internet on 443: egress 100 covers only ports 1024-65535.
  EXPECT_EQ(sends(p, web, packet("tcp", "10.0.1.10", 40000, "8.8.8.8", 443)), Admission::No);
  // On 8080 the packet leaves, but ingress admits replies only from the VPC.
  EXPECT_EQ(sends(p, web, packet("tcp", "10.0.1.10", 40000, "8.8.8.8", 8080)), Admission::No);
}

TEST(AwsCli, NetworkAclIsNotCrossedWithinTheSubnet) {
  auto r = import("aws.account", kExample);
  const auto& p = r.fragment;
  auto web = host(r, "web-1");
  core::Endpoint src;
  src.addresses = core::AddressSet::any();
  core::Destination d;
  d.host = web;
  auto path = core::path_for(p, src, d);
  // tcp/22 from 10.0.1.20 (same subnet): the ACL is not crossed, the group refuses.
  auto same = core::evaluate_all(p, path, packet("tcp", "10.0.1.20", 40000, "10.0.1.10", 22));
  ASSERT_EQ(same.size(), 1u);
  ASSERT_EQ(same[0].outcome.steps.size(), 3u);
  EXPECT_EQ(same[0].outcome.steps[1].decision, core::Decision::Allow);
  EXPECT_EQ(same[0].outcome.steps[2].decision, core::Decision::Deny);
  // From 10.0.2.5 (another subnet) the ACL decides: no ingress rule admits tcp/22 from there.
  auto other = core::evaluate_all(p, path, packet("tcp", "10.0.2.5", 40000, "10.0.1.10", 22));
  ASSERT_EQ(other.size(), 1u);
  ASSERT_EQ(other[0].outcome.steps.size(), 2u);
  EXPECT_EQ(other[0].outcome.steps[1].decision, core::Decision::Deny);
}

TEST(AwsCli, NatGatewayInterfaceListensOnNothing) {
  auto r = import("aws.account", kExample);
  auto nat = host(r, "eni-0a1b2c3d4e5f60050");
  EXPECT_TRUE(r.fragment.host(nat).listeners.empty());
  EXPECT_FALSE(r.fragment.host(host(r, "web-1")).listeners.empty());
}

}  // namespace
}  // namespace rampart
