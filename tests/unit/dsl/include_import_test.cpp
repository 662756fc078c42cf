// `include` (relative paths, diamonds, cycles, missing files) and `import`
// through the rules.csv importer, with `NAME["id"]` references.

#include <gtest/gtest.h>

#include <algorithm>

#include "dsl_test_util.h"

namespace rampart::testing {
namespace {

using core::FilterId;

bool has_file(const core::Policy& p, const std::string& path) {
  return std::find(p.source_files.begin(), p.source_files.end(), path) != p.source_files.end();
}

TEST(DslInclude, RelativeToTheIncludingFile) {
  TempDir dir;
  dir.write("sub/zones.rampart", "include \"more.rampart\";\nzone office = 192.168.1.0/24;\n");
  dir.write("sub/more.rampart", "zone lab = 10.0.0.0/8;\n");
  auto p = load_ok(R"(
include "sub/zones.rampart";
host h { address 10.0.1.10; listen tcp/22; }
assert reach office -> h tcp/22;
assert reach lab -> h tcp/22;
)",
                   dir.str());
  EXPECT_EQ(zone(p, "office").addresses, addrs("192.168.1.0/24"));
  EXPECT_EQ(zone(p, "lab").addresses, addrs("10.0.0.0/8"));
  EXPECT_EQ(zone(p, "lab").origin.file, dir.str() + "/sub/more.rampart");
  EXPECT_TRUE(has_file(p, dir.str() + "/p.rampart"));
  EXPECT_TRUE(has_file(p, dir.str() + "/sub/zones.rampart"));
  EXPECT_TRUE(has_file(p, dir.str() + "/sub/more.rampart"));
  EXPECT_EQ(p.questions.size(), 2u);
}

TEST(DslInclude, ADiamondIsReadOnce) {
  TempDir dir;
  dir.write("a.rampart", "include \"common.rampart\";\nzone a = 10.1.0.0/16;\n");
  dir.write("b.rampart", "include \"./common.rampart\";\nzone b = 10.2.0.0/16;\n");
  dir.write("common.rampart", "zone common = 10.0.0.0/8;\n");
  auto p = load_ok("include \"a.rampart\";\ninclude \"b.rampart\";\n", dir.str());
  // No "already defined" error: common.rampart is bound once.
  EXPECT_EQ(p.zones.size(), 3u);
  EXPECT_EQ(std::count(p.source_files.begin(), p.source_files.end(), dir.str() + "/common.rampart"), 1);
}

TEST(DslInclude, CycleIsReportedAtTheIncludeThatClosesIt) {
  TempDir dir;
  dir.write("a.rampart", "zone a = 10.1.0.0/16;\ninclude \"b.rampart\";\n");
  dir.write("b.rampart", "\n  include \"a.rampart\";\n");
  auto errors = load_errors("include \"a.rampart\";\n", dir.str());
  EXPECT_EQ(errors, std::vector<std::string>{"b.rampart:2:3 RP0002"});
}

TEST(DslInclude, IncludingItselfIsACycle) {
  TempDir dir;
  auto errors = load_errors("zone a = any;\ninclude \"p.rampart\";\n", dir.str());
  EXPECT_EQ(errors, std::vector<std::string>{"p.rampart:2:1 RP0002"});
}

TEST(DslInclude, MissingFilesAndFolders) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "folder");
  auto l = load("include \"nope.rampart\";\n include \"folder\";\n", dir.str());
  EXPECT_FALSE(l.policy);
  EXPECT_EQ(located_codes(l.diagnostics, dir.str() + "/"),
            (std::vector<std::string>{"p.rampart:1:1 RP0001", "p.rampart:2:2 RP0001"}));
  auto sorted = l.diagnostics.sorted();
  ASSERT_EQ(sorted.size(), 2u);
  EXPECT_EQ(sorted[0].message, "cannot read `" + dir.str() + "/nope.rampart`: no such file");
  EXPECT_EQ(sorted[1].message, "`" + dir.str() + "/folder` is a directory, not a policy file");
}

TEST(DslInclude, ErrorsInsideAnIncludedFileNameThatFile) {
  TempDir dir;
  dir.write("sub/bad.rampart", "zone ok = 10.0.0.0/8;\nzone bad = 10.0.0.1/8;\n");
  dir.write("sub/syntax.rampart", "zone x = ;\n");
  EXPECT_EQ(load_errors("include \"sub/bad.rampart\";\n", dir.str()),
            std::vector<std::string>{"sub/bad.rampart:2:12 RP2101"});
  EXPECT_EQ(load_errors("include \"sub/syntax.rampart\";\n", dir.str()),
            std::vector<std::string>{"sub/syntax.rampart:1:10 RP1001"});
}

TEST(DslInclude, NamesAreSharedAcrossFiles) {
  TempDir dir;
  dir.write("zones.rampart", "zone office = 192.168.1.0/24;\n");
  auto errors = load_errors("include \"zones.rampart\";\nzone office = 10.0.0.0/8;\n", dir.str());
  // The root file is bound first, so the included definition is the duplicate.
  EXPECT_EQ(errors, std::vector<std::string>{"zones.rampart:1:6 RP2002"});
}

constexpr const char* kSgCsv = R"([filter web]
combining = allow-union
stateless = false
scope = network
name,direction,action,protocol,source,destination,source_ports,ports,priority,unknown
ssh,inbound,allow,tcp,192.168.1.0/24,,,22,,
geo,both,allow,tcp,any,,,443,,geo
[filter acl]
combining = first-match
default = allow
stateless = true
name,direction,action,protocol,source,ports
block,inbound,deny,udp,10.0.0.0/8,53
out,outbound,deny,tcp,,25
)";

TEST(DslImport, RulesCsvFiltersAreNamedByScopeAndId) {
  TempDir dir;
  dir.write("native/sg.csv", kSgCsv);
  auto p = load_ok(R"(
import rules.csv "native/sg.csv" as t;
firewall local { allow tcp/22 if unknown "geo"; }
host h { interface eth0 address 10.0.1.10; inbound t["web"] | t["acl"], local; }
)",
                   dir.str());
  // Imports run before the policy's own firewalls are bound.
  ASSERT_EQ(p.filters.size(), 3u);
  EXPECT_EQ(p.filters[0].name, "t[\"web\"]");
  EXPECT_EQ(p.filters[1].name, "t[\"acl\"]");
  EXPECT_EQ(p.filters[2].name, "local");
  EXPECT_EQ(p.filters[0].kind, "rules.csv");
  EXPECT_FALSE(p.filters[0].stateless);
  EXPECT_EQ(p.filters[0].scope, core::FilterScope::Network);
  EXPECT_TRUE(p.filters[1].stateless);
  EXPECT_EQ(p.filters[1].scope, core::FilterScope::Host);

  const auto& h = host(p, "h");
  ASSERT_EQ(h.inbound.size(), 2u);
  EXPECT_EQ(h.inbound[0].members, (std::vector<FilterId>{FilterId(0), FilterId(1)}));
  EXPECT_EQ(h.inbound[1].members, (std::vector<FilterId>{FilterId(2)}));
  EXPECT_EQ(p.layer_text(h.inbound[0]), "t[\"web\"] | t[\"acl\"]");

  const auto& web_in = p.rule_set(p.filters[0].inbound);
  EXPECT_EQ(web_in.combining, core::Combining::AllowUnion);
  ASSERT_EQ(web_in.rules().size(), 2u);
  EXPECT_EQ(web_in.rules()[0].name, "ssh");
  EXPECT_EQ(web_in.rules()[0].match.src, core::AddressMatch::of(addrs("192.168.1.0/24")));
  EXPECT_EQ(web_in.rules()[0].match.services.clauses,
            std::vector<core::ServiceMatch>{core::ServiceMatch::tcp(22, 22)});
  EXPECT_EQ(web_in.rules()[0].origin.line, 6u);
  EXPECT_EQ(web_in.rules()[0].origin.native_id, "ssh");
  const auto& web_out = p.rule_set(p.filters[0].outbound);
  ASSERT_EQ(web_out.rules().size(), 1u);
  EXPECT_EQ(web_out.rules()[0].name, "geo");

  const auto& acl_in = p.rule_set(p.filters[1].inbound);
  const auto& acl_out = p.rule_set(p.filters[1].outbound);
  EXPECT_EQ(acl_in.default_action, core::Action::Allow);
  ASSERT_EQ(acl_in.rules().size(), 1u);
  EXPECT_EQ(acl_in.rules()[0].name, "block");
  ASSERT_EQ(acl_out.rules().size(), 1u);
  EXPECT_EQ(acl_out.rules()[0].name, "out");

  // "geo" in the csv and `if unknown "geo"` in the policy are one condition.
  ASSERT_EQ(p.conditions.size(), 1u);
  const auto& geo_csv = web_in.rules()[1].match.unknowns;
  const auto& geo_dsl = rules(p, "local")[0].match.unknowns;
  ASSERT_EQ(geo_csv.size(), 1u);
  EXPECT_EQ(geo_csv, geo_dsl);
  EXPECT_EQ(p.condition(geo_csv[0]).name, "geo");

  ASSERT_EQ(p.named_objects.size(), 2u);
  EXPECT_EQ(p.named_objects[0].scope, "t");
  EXPECT_EQ(p.named_objects[0].native_id, "web");
  EXPECT_EQ(p.named_objects[1].native_id, "acl");
  EXPECT_TRUE(has_file(p, dir.str() + "/native/sg.csv"));
}

TEST(DslImport, AnImportInsideAHost) {
  TempDir dir;
  dir.write("h.csv", "[filter in]\naction,protocol,ports\nallow,tcp,22\n");
  auto p = load_ok(R"(
host h {
  import rules.csv "h.csv" as local;
  address 10.0.0.1;
  inbound local["in"];
}
)",
                   dir.str());
  const auto& h = host(p, "h");
  ASSERT_EQ(h.inbound.size(), 1u);
  EXPECT_EQ(p.filter(h.inbound[0].members.at(0)).name, "local[\"in\"]");
  // An unnamed rule of a csv is identified by its line.
  const auto& r = p.rule_set(p.filter(h.inbound[0].members.at(0)).inbound).rules();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].origin.native_id, "line 3");
}

TEST(DslImport, AnImportWithoutANameStillLoads) {
  TempDir dir;
  dir.write("x.csv", "[filter x]\naction\nallow\n");
  auto p = load_ok("import rules.csv \"x.csv\";\n", dir.str());
  EXPECT_EQ(p.filters.size(), 1u);
  EXPECT_TRUE(p.named_objects.empty());
}

TEST(DslImport, Errors) {
  TempDir dir;
  dir.write("sg.csv", kSgCsv);
  dir.write("broken.csv", "[filter b]\naction,protocol\nallow,tcp,extra\n");
  // Each mistake on its own, so one does not hide another.
  EXPECT_EQ(load_errors("import rules.csv \"sg.csv\" as t;\nhost h { inbound t[\"nope\"]; }\n", dir.str()),
            std::vector<std::string>{"p.rampart:2:18 RP2302"});
  EXPECT_EQ(load_errors("host h { inbound nope[\"web\"]; }\n", dir.str()),
            std::vector<std::string>{"p.rampart:1:18 RP2001"});
  EXPECT_EQ(load_errors("import aws.security_groups \"sg.json\" as aws;\n", dir.str()),
            std::vector<std::string>{"p.rampart:1:8 RP2301"});
  EXPECT_EQ(load_errors("import rules.csv \"missing.csv\" as t;\n", dir.str()),
            std::vector<std::string>{"p.rampart:1:1 RP0001"});
  // The importer's own errors point into the native file.
  EXPECT_EQ(load_errors("import rules.csv \"broken.csv\" as b;\n", dir.str()),
            std::vector<std::string>{"broken.csv:3:1 RP3001"});
  // A scope alone is not a filter; a filter is not an address set.
  EXPECT_EQ(load_errors("import rules.csv \"sg.csv\" as t;\nhost h { inbound t; }\n", dir.str()),
            std::vector<std::string>{"p.rampart:2:18 RP2003"});
  EXPECT_EQ(load_errors("import rules.csv \"sg.csv\" as t;\nzone z = t[\"web\"];\n", dir.str()),
            std::vector<std::string>{"p.rampart:2:10 RP2003"});
  // Two imports under one name.
  EXPECT_EQ(load_errors("import rules.csv \"sg.csv\" as t;\nimport rules.csv \"sg.csv\" as t;\n", dir.str()),
            std::vector<std::string>{"p.rampart:2:30 RP2002"});
}

TEST(DslImport, UnknownObjectListsWhatTheImportHas) {
  TempDir dir;
  dir.write("sg.csv", kSgCsv);
  auto l = load("import rules.csv \"sg.csv\" as t;\nhost h { inbound t[\"nope\"]; }\n", dir.str());
  auto d = l.diagnostics.sorted();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].message, "`t` has no object `nope`");
  EXPECT_EQ(d[0].help, "filters it has: \"acl\", \"web\"");
}

TEST(DslImport, AFailedImportDoesNotCascade) {
  TempDir dir;
  // The format is unknown: that is the one mistake; the references to the
  // import's objects are not reported again.
  auto errors = load_errors(R"(
import aws.security_groups "sg.json" as aws;
host h { address 10.0.0.1; inbound aws["sg-1"]; }
)",
                            dir.str());
  EXPECT_EQ(errors, std::vector<std::string>{"p.rampart:2:8 RP2301"});
}

}  // namespace
}  // namespace rampart::testing
