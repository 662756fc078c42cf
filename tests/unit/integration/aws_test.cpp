// AWS imports through the whole pipeline: policy text -> importer -> solver
// -> answers. Expected answers are worked out by hand from AWS's documented
// semantics (examples/aws-ssh/README.md walks through them).

#include <gtest/gtest.h>

#include <filesystem>

#include "rampart/core/evaluator.h"
#include "rampart/dsl/frontend.h"
#include "rampart/importers/registry.h"
#include "rampart/solver/session.h"

namespace rampart {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = RAMPART_SOURCE_DIR;

core::Policy load(const std::string& text, const fs::path& base) {
  importers::Registry registry = importers::default_registry();
  auto r = dsl::load_policy_text(text, (base / "test.rampart").string(), base.string(), registry);
  std::string errors;
  for (const auto& d : r.diagnostics.sorted())
    if (d.severity == core::Severity::Error) errors += d.to_string() + "\n";
  EXPECT_TRUE(r.policy.has_value()) << errors;
  return r.policy ? *r.policy : core::Policy{};
}

core::Result ask(const core::Policy& p, const std::string& question) {
  auto q = dsl::parse_question(question, p);
  EXPECT_TRUE(q.question.has_value()) << question;
  if (!q.question) return {};
  solver::Session s(p);
  return s.answer(*q.question);
}

std::string sources(const std::vector<core::SetEntry>& entries) {
  std::string out;
  for (const auto& e : entries)
    out += (out.empty() ? "" : " | ") + e.sources.to_string() + " " + e.services.to_string();
  return out;
}

TEST(AwsIntegration, ExamplePolicyHolds) {
  importers::Registry registry = importers::default_registry();
  auto r = dsl::load_policy_file((kSource / "examples/aws-ssh/policy.rampart").string(), registry);
  ASSERT_TRUE(r.policy.has_value());
  solver::Session s(*r.policy);
  for (const auto& q : r.policy->questions) {
    core::Result res = s.answer(q);
    EXPECT_EQ(res.verdict, core::Verdict::Holds) << q.text << ": " << res.reason;
  }
}

TEST(AwsIntegration, ExactSshSources) {
  core::Policy p = load("import aws.account \"aws\" as aws;", kSource / "examples/aws-ssh");
  // Security group: 198.51.100.0/24. ACL ingress 100: the same block. ACL
  // egress 90 denies the replies to 198.51.100.128/26. Nothing else.
  auto res = ask(p, "reach any -> aws[\"web-1\"] tcp/22");
  ASSERT_TRUE(res.set.has_value()) << res.reason;
  EXPECT_EQ(res.verdict, core::Verdict::Holds);
  EXPECT_EQ(sources(res.set->must), "198.51.100.0/25, 198.51.100.192/26 tcp/22");
  EXPECT_EQ(res.set->must, res.set->may);
  // tcp/443: the security group admits anyone and the ACL too, except that
  // the replies to 198.51.100.128/26 are denied; the VPC's own addresses
  // reach the private address, everything else routed through the gateway
  // the public one. web-1's own addresses, loopback, 0.0.0.0/8, multicast
  // and 255.255.255.255 are never sources.
  auto https =
      ask(p, "reach any4 except 10.0.0.0/8 except 0.0.0.0/8 except 224.0.0.0/3 -> aws[\"web-1\"] tcp/443");
  ASSERT_TRUE(https.set.has_value());
  core::AddressSet expected = *core::AddressSet::parse("any4").set;
  for (const char* minus :
       {"10.0.0.0/8", "0.0.0.0/8", "127.0.0.0/8", "224.0.0.0/3", "198.51.100.128/26", "192.0.2.10"})
    expected = expected.subtract(*core::AddressSet::parse(minus).set);
  ASSERT_EQ(https.set->must.size(), 1u) << sources(https.set->must);
  EXPECT_EQ(https.set->must[0].sources, expected)
      << https.set->must[0].sources.to_string() << "\nexpected " << expected.to_string();
}

TEST(AwsIntegration, WitnessNamesTheReplyRule) {
  // `reach` from the quarter of the office whose replies are dropped is violated.
  core::Policy p = load(R"(import aws.account "aws" as aws;
    assert reach 198.51.100.130 -> aws["web-1"] tcp/22;)",
                        kSource / "examples/aws-ssh");
  ASSERT_EQ(p.questions.size(), 1u);
  EXPECT_EQ(solver::Session(p).answer(p.questions[0]).verdict, core::Verdict::Violated);
  // The packet to the public address: admitted by ACL ingress 100, its reply
  // refused by egress 90, which the trace names with its file and line.
  auto web = p.find_host("i-0a1b2c3d4e5f60001");
  ASSERT_TRUE(web);
  core::Endpoint src;
  core::Destination dst;
  dst.host = *web;
  core::Packet pk;
  pk.src = *core::Address::parse("198.51.100.130");
  pk.dst = *core::Address::parse("192.0.2.10");
  pk.src_port = 40000;
  pk.dst_port = 22;
  auto all = core::evaluate_all(p, core::path_for(p, src, dst), pk);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].outcome.admitted);
  core::NetworkWitness w = core::describe(p, all[0].outcome, all[0].valuation);
  ASSERT_FALSE(w.steps.empty());
  const core::LayerStep& last = w.steps.back();
  EXPECT_TRUE(last.reply);
  EXPECT_EQ(last.decision, core::Decision::Deny);
  EXPECT_EQ(last.rule, "90 deny tcp/1024-65535 to 198.51.100.128/26");
  EXPECT_EQ(last.origin.json_pointer, "/NetworkAcls/0/Entries/4");
  EXPECT_EQ(last.origin.to_string(), (kSource / "examples/aws-ssh/aws/describe-network-acls.json").string() +
                                         ":52 (/NetworkAcls/0/Entries/4)");
}

TEST(AwsIntegration, UnknownNetworkAclMakesReachUnknown) {
  // Only the security groups and instances of the CloudMapper demo: the
  // bastion's group admits 1.1.1.1 to SSH, but without the ACLs and routes
  // that is only possible; 3.3.3.3 is refused whatever they are.
  core::Policy p = load(R"(import aws.account "tests/data/aws/cloudmapper_demo" as aws;)", kSource);
  auto maybe = ask(p, "reach 1.1.1.1 -> aws[\"i-00000000000000000\"] tcp/22");
  EXPECT_EQ(maybe.verdict, core::Verdict::Unknown) << maybe.reason;
  EXPECT_FALSE(maybe.unknowns.empty());
  auto no = ask(p, "not reach 3.3.3.3 -> aws[\"i-00000000000000000\"] tcp/22");
  EXPECT_EQ(no.verdict, core::Verdict::Holds) << no.reason;
  auto set = ask(p, "reach any -> aws[\"i-00000000000000000\"] tcp/22");
  ASSERT_TRUE(set.set.has_value());
  EXPECT_TRUE(set.set->must.empty()) << sources(set.set->must);
  // may: the bastion group's sources, 1.1.1.1/32 and 2.2.2.0/28.
  EXPECT_EQ(sources(set.set->may), "1.1.1.1/32, 2.2.2.0/28 tcp/22");
}

TEST(AwsIntegration, LayersInAHostOfThePolicy) {
  // A host declared in the language with an imported machine's layers and
  // its own listener: only sshd on 22 listens.
  core::Policy p = load(R"(
    import aws.account "aws" as aws;
    host web1 {
      interface eth0 address 10.0.1.10/24, 192.0.2.10;
      inbound aws["i-0a1b2c3d4e5f60001/routes"], aws["acl-0a1b2c3d4e5f60001"], aws["sg-0a1b2c3d4e5f60001"];
      listen tcp/22 by sshd;
    }
  )",
                        kSource / "examples/aws-ssh");
  EXPECT_EQ(ask(p, "reach 198.51.100.20 -> web1 tcp/22").verdict, core::Verdict::Holds);
  EXPECT_EQ(ask(p, "not reach 203.0.113.7 -> web1 tcp/443").verdict,
            core::Verdict::Holds);  // nothing listens
}

// `reach ...` as a claim (the command line asks it as a query).
core::Result claim(const core::Policy& p, const std::string& question) {
  auto q = dsl::parse_question(question, p);
  EXPECT_TRUE(q.question.has_value()) << question;
  if (!q.question) return {};
  if (auto* n = std::get_if<core::NetworkQuestion>(&q.question->body);
      n && n->claim == core::NetworkClaim::QueryReach) {
    n->claim = core::NetworkClaim::Reach;
    q.question->is_query = false;
  }
  solver::Session s(p);
  return s.answer(*q.question);
}

const core::Host& host_named(const core::Policy& p, const std::string& name) {
  auto id = p.find_host(name);
  EXPECT_TRUE(id.has_value()) << name;
  return p.host(id ? *id : core::HostId(0));
}

TEST(AwsIntegration, BoundHostListensOnlyWhereDeclared) {
  const fs::path base = kSource / "examples/aws-ssh";
  // Imported alone, web-1 is assumed to listen on every port: https from
  // 198.51.100.20 gets through ACL ingress 110, egress 100 and the group's
  // 0.0.0.0/0 rule.
  core::Policy imported = load("import aws.account \"aws\" as aws;", base);
  EXPECT_EQ(claim(imported, "reach 198.51.100.20 -> aws[\"web-1\"] tcp/443").verdict, core::Verdict::Holds);
  // Bound to a host of the policy that listens on tcp/22 only.
  core::Policy p = load(R"(
    import aws.account "aws" as aws;
    host web1 is aws["web-1"] { listen tcp/22 by sshd; }
  )",
                        base);
  const core::Host& web1 = host_named(p, "web1");
  // The import's addresses (private and public) and layers, in its order.
  EXPECT_EQ(web1.addresses(),
            core::AddressSet::parse("10.0.1.10").set->unite(*core::AddressSet::parse("192.0.2.10").set));
  ASSERT_EQ(web1.inbound.size(), 3u);
  EXPECT_EQ(p.filter(web1.inbound[0].members.at(0)).kind, "aws-routes");
  EXPECT_EQ(p.filter(web1.inbound[1].members.at(0)).kind, "aws-network-acl");
  EXPECT_EQ(p.filter(web1.inbound[2].members.at(0)).kind, "aws-security-group");
  ASSERT_EQ(web1.listeners.size(), 1u);
  EXPECT_EQ(web1.listeners[0].to_string(), "tcp/22 on * (sshd)");
  EXPECT_EQ(claim(p, "reach 198.51.100.20 -> web1 tcp/22").verdict, core::Verdict::Holds);
  // The network admits https; nothing listens on 443 now.
  EXPECT_EQ(claim(p, "reach 198.51.100.20 -> web1 tcp/443").verdict, core::Verdict::Violated);
  EXPECT_EQ(claim(p, "not reach any -> web1 tcp/443").verdict, core::Verdict::Holds);
  // aws["web-1"] names the same host now.
  EXPECT_EQ(claim(p, "not reach 198.51.100.20 -> aws[\"web-1\"] tcp/443").verdict, core::Verdict::Holds);
  // The reply rule of the ACL still applies (egress 90).
  EXPECT_EQ(claim(p, "not reach 198.51.100.130 -> web1 tcp/22").verdict, core::Verdict::Holds);
  auto set = ask(p, "reach any -> web1 tcp/22");
  ASSERT_TRUE(set.set.has_value()) << set.reason;
  EXPECT_EQ(sources(set.set->must), "198.51.100.0/25, 198.51.100.192/26 tcp/22");
}

TEST(AwsIntegration, BoundHostFirewallComesAfterTheImportedLayers) {
  core::Policy p = load(R"(
    import aws.account "aws" as aws;
    firewall local first-match default allow { drop from 198.51.100.20; }
    firewall egress first-match default allow { deny tcp to 10.0.2.0/24 port 5432; }
    host web1 is aws["web-1"] {
      inbound local;
      outbound egress;
      listen tcp/22 by sshd;
    }
  )",
                        kSource / "examples/aws-ssh");
  const core::Host& web1 = host_named(p, "web1");
  // Inbound: routes, ACL, group, then the host's own firewall; outbound:
  // the host's firewall, then the group, ACL, routes.
  ASSERT_EQ(web1.inbound.size(), 4u);
  EXPECT_EQ(p.filter(web1.inbound[3].members.at(0)).name, "local");
  ASSERT_EQ(web1.outbound.size(), 4u);
  EXPECT_EQ(p.filter(web1.outbound[0].members.at(0)).name, "egress");
  EXPECT_EQ(p.filter(web1.outbound[3].members.at(0)).kind, "aws-routes");
  // The group and the ACL admit 198.51.100.20; the host firewall drops it.
  EXPECT_EQ(claim(p, "reach 198.51.100.20 -> web1 tcp/22").verdict, core::Verdict::Violated);
  EXPECT_EQ(claim(p, "reach 198.51.100.21 -> web1 tcp/22").verdict, core::Verdict::Holds);
  auto set = ask(p, "reach any -> web1 tcp/22");
  ASSERT_TRUE(set.set.has_value()) << set.reason;
  EXPECT_EQ(sources(set.set->must),
            "198.51.100.0/28, 198.51.100.16/30, 198.51.100.21/32, 198.51.100.22/31, 198.51.100.24/29, "
            "198.51.100.32/27, 198.51.100.64/26, 198.51.100.192/26 tcp/22");
  EXPECT_EQ(set.set->must, set.set->may);
  // Out of web1 the host firewall refuses postgres to the private subnet,
  // which the group, ACL egress 100 and db's group admit otherwise.
  EXPECT_EQ(claim(p, "not reach web1 -> aws[\"db-1\"] tcp/5432").verdict, core::Verdict::Holds);
}

TEST(AwsIntegration, BoundHostMergesNewInterfaces) {
  core::Policy p = load(R"(
    import aws.account "aws" as aws;
    host db is aws["db-1"] {
      interface eni-0a1b2c3d4e5f60002 address 10.0.2.20/24;   // restated exactly: nothing new
      interface wg0 address 10.99.0.1/24 kind vpn;           // the import does not know it
      listen tcp/5432 by postgres;
    }
  )",
                        kSource / "examples/aws-ssh");
  const core::Host& db = host_named(p, "db");
  EXPECT_EQ(db.addresses(),
            core::AddressSet::parse("10.0.2.20").set->unite(*core::AddressSet::parse("10.99.0.1").set));
  ASSERT_EQ(db.interfaces.size(), 2u);
  EXPECT_EQ(db.interfaces[1].name, "wg0");
  EXPECT_EQ(claim(p, "reach aws[\"web-1\"] -> db tcp/5432").verdict, core::Verdict::Holds);
}

TEST(AwsIntegration, TerraformPlanSides) {
  core::Policy p = load(R"(
    import terraform.plan.before "plan.json" as before;
    import terraform.plan.after "plan.json" as after;
    host a { interface eth0 address 10.0.0.1; inbound before["aws_security_group.web"]; listen tcp/22; }
    host b { interface eth0 address 10.0.0.2; inbound after["aws_security_group.web"]; listen tcp/22; }
  )",
                        kSource / "tests/data/terraform/update");
  EXPECT_EQ(ask(p, "reach 203.0.113.9 -> a tcp/22").verdict, core::Verdict::Holds);
  EXPECT_EQ(ask(p, "not reach 203.0.113.9 -> b tcp/22").verdict, core::Verdict::Holds);
  auto set = ask(p, "reach any -> b tcp/22");
  ASSERT_TRUE(set.set.has_value());
  EXPECT_EQ(sources(set.set->must), "198.51.100.0/24 tcp/22");
}

}  // namespace
}  // namespace rampart
