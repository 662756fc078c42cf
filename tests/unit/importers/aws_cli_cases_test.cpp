// The AWS CLI importer on small hand-made accounts: errors located by line,
// column and JSON pointer; prefix lists; interfaces in several subnets;
// IPv6; internet-gateway routes, blackholes and blocks; appliances.

#include "aws_test_util.h"

namespace rampart {
namespace {

using namespace aws_test;
using core::ObjectKind;

core::ImportResult import_file(const std::string& text, const std::string& name = "sg.json") {
  TempDir dir;
  std::string path = dir.write(name, text);
  core::ImportRequest req;
  req.format = "aws.account";
  req.path = path;
  req.display_path = name;
  req.origin = core::Origin::policy("test.rampart", 1, 1);
  return importers::default_registry().import(req);
}

core::ImportResult import_dir(const TempDir& dir) {
  core::ImportRequest req;
  req.format = "aws.account";
  req.path = dir.path();
  req.display_path = "acct";
  req.origin = core::Origin::policy("test.rampart", 1, 1);
  return importers::default_registry().import(req);
}

// ---- malformed input -------------------------------------------------------------

TEST(AwsCliErrors, MalformedJsonAtLineAndColumn) {
  auto r = import_file("{\n  \"SecurityGroups\": [\n    {\"GroupId\": \"sg-1\",, }\n  ]\n}\n");
  auto errs = codes(r.diagnostics, core::Severity::Error);
  ASSERT_EQ(errs.size(), 1u) << dump(r.diagnostics);
  EXPECT_EQ(errs[0], "sg.json:3:24 RP3101");
  EXPECT_NE(r.diagnostics.items()[0].message.find("malformed JSON"), std::string::npos);
}

TEST(AwsCliErrors, EmptyAndTruncatedFiles) {
  EXPECT_EQ(codes(import_file("").diagnostics, core::Severity::Error),
            std::vector<std::string>{"sg.json:1:1 RP3101"});
  auto r = import_file("{\"Vpcs\": [");
  EXPECT_EQ(codes(r.diagnostics, core::Severity::Error), std::vector<std::string>{"sg.json:1:11 RP3101"});
}

TEST(AwsCliErrors, TooDeep) {
  std::string deep = "{\"Vpcs\": " + std::string(300, '[') + std::string(300, ']') + "}";
  auto errs = codes(import_file(deep).diagnostics, core::Severity::Error);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0], "sg.json:1:265 RP3101");
}

TEST(AwsCliErrors, SchemaViolationsAtPointers) {
  auto r = import_file(R"({
  "SecurityGroups": [
    {
      "GroupId": 7,
      "IpPermissions": []
    },
    {
      "GroupId": "sg-2",
      "Colour": "blue",
      "IpPermissions": [
        {"IpProtocol": "bogus", "IpRanges": []},
        {"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.300/8"}]}
      ]
    }
  ],
  "NetworkAcls": [
    {"NetworkAclId": "acl-1", "Entries": [
      {"RuleNumber": 100, "Egress": false, "Protocol": "-1", "RuleAction": "permit", "CidrBlock": "0.0.0.0/0"},
      {"RuleNumber": 110, "Egress": false, "Protocol": "-1", "RuleAction": "allow"}
    ]}
  ]
}
)");
  EXPECT_EQ(codes(r.diagnostics, core::Severity::Error),
            (std::vector<std::string>{
                "sg.json:4 (/SecurityGroups/0/GroupId) RP3102",
                "sg.json:11 (/SecurityGroups/1/IpPermissions/0/IpProtocol) RP3102",
                "sg.json:12 (/SecurityGroups/1/IpPermissions/1/ToPort) RP3102",
                "sg.json:13 (/SecurityGroups/1/IpPermissions/2/IpRanges/0/CidrIp) RP3102",
                "sg.json:19 (/NetworkAcls/0/Entries/0/RuleAction) RP3102",
                "sg.json:20 (/NetworkAcls/0/Entries/1) RP3102",
            }))
      << dump(r.diagnostics);
  EXPECT_EQ(codes(r.diagnostics, core::Severity::Warning),
            std::vector<std::string>{"sg.json:9 (/SecurityGroups/1/Colour) RP3103"});
}

TEST(AwsCliErrors, NotAnAwsOutput) {
  auto r = import_file("{\"foo\": 1}");
  EXPECT_EQ(codes(r.diagnostics, core::Severity::Error), std::vector<std::string>{"sg.json:1 (/) RP3105"});
  EXPECT_EQ(codes(import_file("[1, 2]").diagnostics, core::Severity::Error),
            std::vector<std::string>{"sg.json:1 (/) RP3105"});
  // In a folder, a stray JSON file is skipped with a warning.
  TempDir dir;
  dir.write("package.json", "{\"name\": \"x\"}");
  dir.write("vpcs.json", R"({"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]})");
  auto f = import_dir(dir);
  EXPECT_FALSE(f.diagnostics.has_errors()) << dump(f.diagnostics);
  EXPECT_TRUE(object(f, "vpc-1", ObjectKind::Zone));
  // An empty folder is an error at the import statement.
  TempDir empty;
  EXPECT_EQ(codes(import_dir(empty).diagnostics, core::Severity::Error),
            std::vector<std::string>{"test.rampart:1:1 RP3105"});
}

TEST(AwsCliErrors, PagedOutputIsFlagged) {
  auto r = import_file(R"({"Vpcs": [], "NextToken": "abc"})");
  EXPECT_EQ(codes(r.diagnostics, core::Severity::Warning),
            std::vector<std::string>{"sg.json:1 (/NextToken) RP3106"});
}

TEST(AwsCliErrors, Utf16FromPowerShell) {
  std::string utf8 = R"({"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]})";
  std::string utf16 = "\xFF\xFE";
  for (char c : utf8) {
    utf16 += c;
    utf16 += '\0';
  }
  auto r = import_file(utf16);
  EXPECT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_TRUE(object(r, "vpc-1", ObjectKind::Zone));
}

// ---- prefix lists -------------------------------------------------------------------

const char* kPlGroup = R"({"SecurityGroups": [{"GroupId": "sg-1", "IpPermissions": [
  {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": "pl-0123abcd"}]}]}]})";

TEST(AwsCliCases, PrefixListsExpanded) {
  TempDir dir;
  dir.write("describe-security-groups.json", kPlGroup);
  dir.write(
      "describe-managed-prefix-lists.json",
      R"({"PrefixLists": [{"PrefixListId": "pl-0123abcd", "PrefixListName": "offices", "AddressFamily": "IPv4"}]})");
  dir.write("pl-0123abcd.json",
            R"({"Entries": [{"Cidr": "198.51.100.0/24", "Description": "hq"}, {"Cidr": "203.0.113.0/25"}]})");
  auto r = import_dir(dir);
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r.diagnostics);
  auto in = filter(r, "sg-1").inbound;
  EXPECT_EQ(decide(r.fragment, in, packet("tcp", "203.0.113.100", 40000, "10.0.0.1", 443)), "allow");
  EXPECT_EQ(decide(r.fragment, in, packet("tcp", "203.0.113.200", 40000, "10.0.0.1", 443)), "deny");
  // The list is also a zone.
  auto z = object(r, "pl-0123abcd", ObjectKind::Zone);
  ASSERT_TRUE(z);
  EXPECT_EQ(r.fragment.zones.at(*z).addresses.to_string(), "198.51.100.0/24, 203.0.113.0/25");
}

TEST(AwsCliCases, PrefixListEntriesNeedTheirIdInTheFileName) {
  TempDir dir;
  dir.write("entries.json", R"({"Entries": [{"Cidr": "198.51.100.0/24"}]})");
  auto errs = codes(import_dir(dir).diagnostics, core::Severity::Error);
  EXPECT_EQ(errs, std::vector<std::string>{"acct/entries.json:1 (/Entries) RP3105"});
}

// ---- a small VPC, built up per test -------------------------------------------------

struct Account {
  std::string groups = R"([])";
  std::string acls = R"([])";
  std::string enis = R"([])";
  std::string routes;  // empty: no describe-route-tables
  std::string subnets = R"([
    {"SubnetId": "subnet-a", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24",
     "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2001:db8:0:1::/64", "Ipv6CidrBlockState": {"State": "associated"}}]},
    {"SubnetId": "subnet-b", "VpcId": "vpc-1", "CidrBlock": "10.0.2.0/24"}])";
  std::string vpcs = R"([{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16",
    "Ipv6CidrBlockAssociationSet": [{"Ipv6CidrBlock": "2001:db8::/56", "Ipv6CidrBlockState": {"State": "associated"}}]}])";

  core::ImportResult import() const {
    TempDir dir;
    dir.write("describe-security-groups.json", "{\"SecurityGroups\": " + groups + "}");
    dir.write("describe-network-acls.json", "{\"NetworkAcls\": " + acls + "}");
    dir.write("describe-network-interfaces.json", "{\"NetworkInterfaces\": " + enis + "}");
    dir.write("describe-subnets.json", "{\"Subnets\": " + subnets + "}");
    dir.write("describe-vpcs.json", "{\"Vpcs\": " + vpcs + "}");
    if (!routes.empty()) dir.write("describe-route-tables.json", "{\"RouteTables\": " + routes + "}");
    return import_dir(dir);
  }
};

const char* kAllowAllAcl =
    R"({"NetworkAclId": "acl-all", "VpcId": "vpc-1", "IsDefault": true, "Associations": [],
  "Entries": [
    {"RuleNumber": 100, "Egress": false, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
    {"RuleNumber": 101, "Egress": false, "Protocol": "-1", "RuleAction": "allow", "Ipv6CidrBlock": "::/0"},
    {"RuleNumber": 100, "Egress": true, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
    {"RuleNumber": 101, "Egress": true, "Protocol": "-1", "RuleAction": "allow", "Ipv6CidrBlock": "::/0"}]})";

const char* kOpenGroup = R"({"GroupId": "sg-open", "IpPermissions": [
    {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
  "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]})";

std::string eni(const std::string& id, const std::string& instance, const std::string& subnet,
                const std::string& ip, const std::string& group, const std::string& extra = "") {
  return "{\"NetworkInterfaceId\": \"" + id + "\", \"SubnetId\": \"" + subnet +
         "\", \"VpcId\": \"vpc-1\", \"Status\": \"in-use\", \"PrivateIpAddress\": \"" + ip +
         "\", \"Groups\": [{\"GroupId\": \"" + group + "\"}]" +
         (instance.empty() ? "" : ", \"Attachment\": {\"InstanceId\": \"" + instance + "\"}") + extra + "}";
}

std::string routes(const std::string& subnet_routes) {
  return R"([{"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": true}],
     "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
                {"DestinationIpv6CidrBlock": "2001:db8::/56", "GatewayId": "local"}]},
    {"RouteTableId": "rtb-a", "VpcId": "vpc-1", "Associations": [{"Main": false, "SubnetId": "subnet-a"}],
     "Routes": [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"},
                {"DestinationIpv6CidrBlock": "2001:db8::/56", "GatewayId": "local"})" +
         subnet_routes + "]}]";
}

TEST(AwsCliCases, InterfacesOfOneMachineKeepTheirOwnGroupsAndAcls) {
  // i-1 has eni-a (subnet-a, sg-ssh: tcp/22 from anywhere) and eni-b
  // (subnet-b, sg-web: tcp/80 from anywhere). subnet-b's ACL denies tcp/22
  // and allows everything else; subnet-a's (the default) allows all.
  Account a;
  a.groups = R"([
    {"GroupId": "sg-ssh", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]},
    {"GroupId": "sg-web", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]}])";
  a.acls = std::string("[") + kAllowAllAcl +
           R"(, {"NetworkAclId": "acl-b", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-b"}],
    "Entries": [
      {"RuleNumber": 100, "Egress": false, "Protocol": "6", "RuleAction": "deny", "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 22, "To": 22}},
      {"RuleNumber": 200, "Egress": false, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},
      {"RuleNumber": 100, "Egress": true, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"}]}])";
  a.enis = "[" + eni("eni-a", "i-1", "subnet-a", "10.0.1.5", "sg-ssh") + ", " +
           eni("eni-b", "i-1", "subnet-b", "10.0.2.5", "sg-web") + "]";
  a.routes = routes("");
  auto r = a.import();
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  const auto& p = r.fragment;
  auto h = host(r, "i-1");
  EXPECT_EQ(p.host(h).interfaces.size(), 2u);
  // From elsewhere in the VPC (10.0.3.3):
  EXPECT_EQ(admits(p, h, packet("tcp", "10.0.3.3", 40000, "10.0.1.5", 22)), Admission::Yes);
  EXPECT_EQ(admits(p, h, packet("tcp", "10.0.3.3", 40000, "10.0.1.5", 80)),
            Admission::No);  // sg-web is eni-b's
  EXPECT_EQ(admits(p, h, packet("tcp", "10.0.3.3", 40000, "10.0.2.5", 80)), Admission::Yes);
  EXPECT_EQ(admits(p, h, packet("tcp", "10.0.3.3", 40000, "10.0.2.5", 22)), Admission::No);  // both refuse
  // Nothing from the internet: no public address, no internet gateway route.
  EXPECT_EQ(admits(p, h, packet("tcp", "8.8.8.8", 40000, "10.0.1.5", 22)), Admission::No);
}

TEST(AwsCliCases, PublicAddressNeedsAnInternetGatewayRoute) {
  Account a;
  a.groups = std::string("[") + kOpenGroup + "]";
  a.acls = std::string("[") + kAllowAllAcl + "]";
  std::string pub =
      R"(, "Association": {"PublicIp": "192.0.2.10"}, "Ipv6Addresses": [{"Ipv6Address": "2001:db8:0:1::10"}])";
  a.enis = "[" + eni("eni-a", "i-1", "subnet-a", "10.0.1.5", "sg-open", pub) + "]";
  // No route tables: whether the internet reaches the public address is unknown.
  {
    auto r = a.import();
    auto h = host(r, "i-1");
    EXPECT_EQ(admits(r.fragment, h, packet("tcp", "8.8.8.8", 40000, "192.0.2.10", 22)), Admission::Maybe);
    EXPECT_EQ(admits(r.fragment, h, packet("tcp", "10.0.9.9", 40000, "10.0.1.5", 22)), Admission::Yes);
  }
  // 0.0.0.0/0 and ::/0 to an internet gateway: public IPv4 and IPv6 are reachable, the private address is
  // not.
  a.routes = routes(R"(, {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"},
                        {"DestinationIpv6CidrBlock": "::/0", "GatewayId": "igw-1"})");
  {
    auto r = a.import();
    ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
    auto h = host(r, "i-1");
    EXPECT_EQ(admits(r.fragment, h, packet("tcp", "8.8.8.8", 40000, "192.0.2.10", 22)), Admission::Yes);
    EXPECT_EQ(admits(r.fragment, h, packet("tcp", "8.8.8.8", 40000, "10.0.1.5", 22)), Admission::No);
    EXPECT_EQ(admits(r.fragment, h, packet("tcp", "2001:db8:ffff::1", 40000, "2001:db8:0:1::10", 22)),
              Admission::Yes);
    // A source routed locally (inside the VPC) cannot come in through the gateway.
    EXPECT_EQ(admits(r.fragment, h, packet("tcp", "10.0.9.9", 40000, "192.0.2.10", 22)), Admission::No);
  }
  // Only a more specific range to the gateway: other sources have no route back.
  a.routes = routes(R"(, {"DestinationCidrBlock": "203.0.113.0/24", "GatewayId": "igw-1"})");
  {
    auto r = a.import();
    auto h = host(r, "i-1");
    EXPECT_EQ(admits(r.fragment, h, packet("tcp", "203.0.113.9", 40000, "192.0.2.10", 22)), Admission::Yes);
    EXPECT_EQ(admits(r.fragment, h, packet("tcp", "8.8.8.8", 40000, "192.0.2.10", 22)), Admission::No);
  }
  // A blackhole route carries nothing; an egress-only gateway admits no inbound IPv6.
  a.routes = routes(R"(, {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "State": "blackhole"},
                        {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": "eigw-1"})");
  {
    auto r = a.import();
    auto h = host(r, "i-1");
    EXPECT_EQ(admits(r.fragment, h, packet("tcp", "8.8.8.8", 40000, "192.0.2.10", 22)), Admission::No);
    EXPECT_EQ(admits(r.fragment, h, packet("tcp", "2001:db8:ffff::1", 40000, "2001:db8:0:1::10", 22)),
              Admission::No);
  }
}

TEST(AwsCliCases, BlockPublicAccessAndDenyAllIgwTraffic) {
  Account a;
  a.groups = std::string("[") + kOpenGroup + "]";
  a.acls = std::string("[") + kAllowAllAcl + "]";
  a.routes = routes(R"(, {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"})");
  a.subnets = R"([{"SubnetId": "subnet-a", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24",
                   "BlockPublicAccessStates": {"InternetGatewayBlockMode": "block-ingress"}}])";
  a.enis = "[" +
           eni("eni-a", "i-1", "subnet-a", "10.0.1.5", "sg-open",
               R"(, "Association": {"PublicIp": "192.0.2.10"})") +
           "]";
  auto r = a.import();
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  auto h = host(r, "i-1");
  EXPECT_EQ(admits(r.fragment, h, packet("tcp", "8.8.8.8", 40000, "192.0.2.10", 22)), Admission::No);
  // block-ingress still lets the instance out.
  EXPECT_EQ(sends(r.fragment, h, packet("tcp", "10.0.1.5", 40000, "8.8.8.8", 443)), Admission::Yes);
}

TEST(AwsCliCases, ApplianceRouteIsUnknown) {
  Account a;
  a.groups = std::string("[") + kOpenGroup + "]";
  a.acls = std::string("[") + kAllowAllAcl + "]";
  a.routes = routes(R"(, {"DestinationCidrBlock": "172.16.0.0/12", "NetworkInterfaceId": "eni-firewall"})");
  a.enis = "[" + eni("eni-a", "i-1", "subnet-a", "10.0.1.5", "sg-open") + "]";
  auto r = a.import();
  auto h = host(r, "i-1");
  EXPECT_EQ(admits(r.fragment, h, packet("tcp", "172.16.5.5", 40000, "10.0.1.5", 22)), Admission::Maybe);
  EXPECT_EQ(admits(r.fragment, h, packet("tcp", "192.168.5.5", 40000, "10.0.1.5", 22)), Admission::No);
  EXPECT_NE(dump(r.diagnostics).find("RP3107"), std::string::npos);
}

TEST(AwsCliCases, GatewayLoadBalancerEndpointRouteIsUnknown) {
  Account a;
  a.groups = std::string("[") + kOpenGroup + "]";
  a.acls = std::string("[") + kAllowAllAcl + "]";
  // 0.0.0.0/0 through an inspection endpoint (a CIDR route to vpce-); the
  // S3 prefix list through a gateway endpoint.
  a.routes = routes(R"(, {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "vpce-inspect"},
                        {"DestinationPrefixListId": "pl-s3", "GatewayId": "vpce-s3"})");
  a.enis = "[" +
           eni("eni-a", "i-1", "subnet-a", "10.0.1.5", "sg-open",
               R"(, "Association": {"PublicIp": "192.0.2.10"})") +
           "]";
  auto r = a.import();
  auto h = host(r, "i-1");
  EXPECT_EQ(admits(r.fragment, h, packet("tcp", "8.8.8.8", 40000, "192.0.2.10", 22)), Admission::Maybe);
  EXPECT_EQ(admits(r.fragment, h, packet("tcp", "8.8.8.8", 40000, "10.0.1.5", 22)), Admission::Maybe);
}

TEST(AwsCliCases, GroupReferenceWithoutInterfacesIsUnknownBeyondKnownMembers) {
  // Only describe-instances: the instance's address is a certain member of
  // sg-app, every other address only perhaps (Lambda, RDS ... interfaces
  // are not listed by describe-instances).
  TempDir dir;
  dir.write("sg.json", R"({"SecurityGroups": [
    {"GroupId": "sg-app", "IpPermissions": []},
    {"GroupId": "sg-db", "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
       "UserIdGroupPairs": [{"GroupId": "sg-app"}]}]}]})");
  dir.write("instances.json", R"({"Reservations": [{"Instances": [{"InstanceId": "i-1",
    "State": {"Name": "running"}, "NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "SubnetId": "subnet-a",
    "PrivateIpAddress": "10.0.1.7", "Groups": [{"GroupId": "sg-app"}]}]}]}]})");
  auto r = import_dir(dir);
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  auto in = filter(r, "sg-db").inbound;
  EXPECT_EQ(decide(r.fragment, in, packet("tcp", "10.0.1.7", 40000, "10.0.2.2", 5432)), "allow");
  EXPECT_EQ(decide(r.fragment, in, packet("tcp", "10.0.1.8", 40000, "10.0.2.2", 5432)),
            "unknown:fwd/cond:aws:sg-members:sg-app");
}

TEST(AwsCliCases, ElasticIpFromDescribeAddresses) {
  TempDir dir;
  dir.write("enis.json",
            "{\"NetworkInterfaces\": [" + eni("eni-a", "i-1", "subnet-a", "10.0.1.5", "sg-x") + "]}");
  dir.write("addresses.json", R"({"Addresses": [{"PublicIp": "192.0.2.77", "AllocationId": "eipalloc-1",
    "Domain": "vpc", "NetworkInterfaceId": "eni-a", "PrivateIpAddress": "10.0.1.5", "InstanceId": "i-1"}]})");
  auto r = import_dir(dir);
  ASSERT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  EXPECT_TRUE(r.fragment.host(host(r, "i-1")).addresses().contains(*core::Address::parse("192.0.2.77")));
}

}  // namespace
}  // namespace rampart
