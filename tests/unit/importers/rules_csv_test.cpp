// The rules.csv importer: happy paths and every error path, each error at
// the FILE:LINE:COL the user has to look at.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "rampart/core/policy.h"
#include "rampart/importers/registry.h"
#include "rampart/importers/table.h"

namespace rampart::importers {
namespace {

using core::Action;
using core::Combining;
using core::PortSet;
using core::ServiceMatch;

core::AddressSet addrs(std::string_view text) {
  return *core::AddressSet::parse(text).set;
}

std::string dump(const core::Diagnostics& diags) {
  std::string out;
  for (const auto& d : diags.sorted()) out += d.to_string() + "\n";
  return out;
}

core::ImportResult parse_ok(std::string_view text) {
  auto r = parse_rules_csv(text, "sg.csv");
  EXPECT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  return r;
}

// Errors as `FILE:LINE:COL CODE` (or `FILE:LINE`, `FILE:LINE [id]`), sorted.
std::vector<std::string> errors(std::string_view text) {
  auto r = parse_rules_csv(text, "sg.csv");
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.sorted()) out.push_back(d.origin.to_string() + " " + d.code);
  return out;
}

const std::vector<core::Rule>& inbound(const core::ImportResult& r, size_t filter) {
  return r.fragment.rule_set(r.fragment.filters.at(filter).inbound).rules();
}
const std::vector<core::Rule>& outbound(const core::ImportResult& r, size_t filter) {
  return r.fragment.rule_set(r.fragment.filters.at(filter).outbound).rules();
}

constexpr const char* kSecurityGroup = R"(# a security group as a table
[filter sg-web]
combining = allow-union
scope = network
name,direction,action,protocol,source,destination,source_ports,ports,priority,unknown
ssh-office,inbound,allow,tcp,192.168.1.0/24,any,,22,,
web,both,allow,tcp,,10.0.1.0/24,,"80 443",,
dns,outbound,allow,udp,,,,53,,
ping,,allow,icmp,10.0.0.0/8,,,8:0,,
geo,inbound,allow,tcp,any,,1024-65535,8443,,geoip
)";

TEST(RulesCsv, SecurityGroup) {
  auto r = parse_ok(kSecurityGroup);
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.objects[0].native_id, "sg-web");
  EXPECT_EQ(r.objects[0].kind, core::ObjectKind::Filter);
  EXPECT_EQ(r.objects[0].index, 0u);
  ASSERT_EQ(r.fragment.filters.size(), 1u);
  const auto& f = r.fragment.filters[0];
  EXPECT_EQ(f.name, "sg-web");
  EXPECT_EQ(f.kind, "rules.csv");
  EXPECT_FALSE(f.stateless);
  EXPECT_EQ(f.scope, core::FilterScope::Network);
  EXPECT_EQ(f.origin.to_string(), "sg.csv:2 [sg-web]");
  EXPECT_NE(f.inbound, f.outbound);
  EXPECT_EQ(r.fragment.rule_set(f.inbound).combining, Combining::AllowUnion);
  EXPECT_EQ(r.fragment.rule_set(f.inbound).default_action, Action::Deny);
  EXPECT_EQ(r.fragment.rule_set(f.outbound).combining, Combining::AllowUnion);

  // Inbound: rows without a direction and `both` rows count.
  const auto& in = inbound(r, 0);
  ASSERT_EQ(in.size(), 4u);
  EXPECT_EQ(in[0].name, "ssh-office");
  EXPECT_EQ(in[0].action, Action::Allow);
  EXPECT_EQ(in[0].match.src, core::AddressMatch::of(addrs("192.168.1.0/24")));
  EXPECT_TRUE(in[0].match.dst.is_any());
  EXPECT_EQ(in[0].match.services.clauses, std::vector<ServiceMatch>{ServiceMatch::tcp(22, 22)});
  EXPECT_EQ(in[0].origin.to_string(), "sg.csv:6 [ssh-office]");
  EXPECT_EQ(in[0].origin.column, 1u);

  EXPECT_EQ(in[1].name, "web");
  EXPECT_TRUE(in[1].match.src.is_any());
  EXPECT_EQ(in[1].match.dst, core::AddressMatch::of(addrs("10.0.1.0/24")));
  ServiceMatch web = ServiceMatch::protocol(6);
  web.dst_ports = PortSet::single(80);
  web.dst_ports.add(443);
  EXPECT_EQ(in[1].match.services.clauses, std::vector<ServiceMatch>{web});

  EXPECT_EQ(in[2].name, "ping");
  ServiceMatch ping = ServiceMatch::protocol(1);
  ping.icmp_types = core::ByteSet::single(8);
  ping.icmp_codes = core::ByteSet::single(0);
  EXPECT_EQ(in[2].match.services.clauses, std::vector<ServiceMatch>{ping});

  EXPECT_EQ(in[3].name, "geo");
  ServiceMatch geo = ServiceMatch::tcp(8443, 8443);
  geo.src_ports = PortSet::range(1024, 65535);
  EXPECT_EQ(in[3].match.services.clauses, std::vector<ServiceMatch>{geo});
  ASSERT_EQ(in[3].match.unknowns.size(), 1u);
  const auto& c = r.fragment.condition(in[3].match.unknowns[0]);
  EXPECT_EQ(c.name, "geoip");
  EXPECT_EQ(c.origin.to_string(), "sg.csv:10:45");

  const auto& out = outbound(r, 0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].name, "web");
  EXPECT_EQ(out[1].name, "dns");
  EXPECT_EQ(out[1].match.services.clauses, std::vector<ServiceMatch>{ServiceMatch::udp(53, 53)});
}

TEST(RulesCsv, SeveralFiltersCrlfBomQuotesAndPriorities) {
  auto r = parse_ok(
      "\xEF\xBB\xBF[filter acl]\r\n"
      "combining = priority\r\n"
      "default = allow\r\n"
      "stateless = true\r\n"
      "action,priority,protocol,source\r\n"
      "deny,100,6,10.0.0.0/8\r\n"
      "allow, 200 ,any,\r\n"
      "\r\n"
      "[filter win]\r\n"
      "combining = block-overrides-allow\r\n"
      "name,action,protocol,ports\r\n"
      "\"admin \"\"bypass\"\"\",bypass,tcp,3389\r\n"
      "block,deny,tcp,3389\r\n");
  ASSERT_EQ(r.objects.size(), 2u);
  EXPECT_EQ(r.objects[0].native_id, "acl");
  EXPECT_EQ(r.objects[1].native_id, "win");
  EXPECT_EQ(r.objects[1].index, 1u);

  EXPECT_TRUE(r.fragment.filters[0].stateless);
  const auto& acl = r.fragment.rule_set(r.fragment.filters[0].inbound);
  EXPECT_EQ(acl.combining, Combining::PriorityDenyWins);
  EXPECT_EQ(acl.default_action, Action::Allow);
  EXPECT_EQ(acl.default_origin.to_string(), "sg.csv:3:1");
  ASSERT_EQ(acl.rules().size(), 2u);
  EXPECT_EQ(acl.rules()[0].action, Action::Deny);
  EXPECT_EQ(acl.rules()[0].priority, 100);
  EXPECT_EQ(acl.rules()[0].match.services.clauses, std::vector<ServiceMatch>{ServiceMatch::protocol(6)});
  EXPECT_EQ(acl.rules()[0].match.src, core::AddressMatch::of(addrs("10.0.0.0/8")));
  // An unnamed rule is identified by its line.
  EXPECT_EQ(acl.rules()[0].name, "");
  EXPECT_EQ(acl.rules()[0].origin.native_id, "line 6");
  EXPECT_EQ(acl.rules()[1].priority, 200);
  EXPECT_TRUE(acl.rules()[1].match.services.is_any());
  EXPECT_TRUE(acl.rules()[1].match.src.is_any());

  EXPECT_FALSE(r.fragment.filters[1].stateless);
  const auto& win = r.fragment.rule_set(r.fragment.filters[1].inbound);
  // Settings do not leak from one filter into the next.
  EXPECT_EQ(win.combining, Combining::BlockOverridesAllow);
  EXPECT_EQ(win.default_action, Action::Deny);
  ASSERT_EQ(win.rules().size(), 2u);
  EXPECT_EQ(win.rules()[0].name, "admin \"bypass\"");
  EXPECT_EQ(win.rules()[0].action, Action::Bypass);
  EXPECT_EQ(win.rules()[0].match.services.clauses, std::vector<ServiceMatch>{ServiceMatch::tcp(3389, 3389)});
  EXPECT_EQ(win.rules()[1].action, Action::Deny);
}

TEST(RulesCsv, ActionOnlyAndPortLists) {
  auto r =
      parse_ok("[filter f]\naction,protocol,ports,source\nallow,udp,53;123 1000-2000,10.0.0.1 10.0.0.2\n");
  const auto& in = inbound(r, 0);
  ASSERT_EQ(in.size(), 1u);
  PortSet ports = PortSet::single(53);
  ports.add(123);
  ports.add(1000, 2000);
  ServiceMatch udp = ServiceMatch::protocol(17);
  udp.dst_ports = ports;
  EXPECT_EQ(in[0].match.services.clauses, std::vector<ServiceMatch>{udp});
  EXPECT_EQ(in[0].match.src, core::AddressMatch::of(addrs("10.0.0.1-10.0.0.2")));
  EXPECT_EQ(r.fragment.rule_set(r.fragment.filters[0].inbound).combining, Combining::FirstMatch);
  EXPECT_EQ(r.fragment.filters[0].scope, core::FilterScope::Host);
}

TEST(RulesCsv, UnknownConditionsAreOnePerName) {
  auto r = parse_ok("[filter a]\naction,unknown\nallow,x\nallow,y\n[filter b]\naction,unknown\nallow,x\n");
  ASSERT_EQ(r.fragment.conditions.size(), 2u);
  EXPECT_EQ(inbound(r, 0)[0].match.unknowns, inbound(r, 1)[0].match.unknowns);
  EXPECT_NE(inbound(r, 0)[0].match.unknowns, inbound(r, 0)[1].match.unknowns);
  EXPECT_EQ(r.fragment.condition(inbound(r, 1)[0].match.unknowns.at(0)).name, "x");
  EXPECT_EQ(r.fragment.condition(inbound(r, 0)[1].match.unknowns.at(0)).name, "y");
}

TEST(RulesCsv, AllowUnionAcceptsADefault) {
  // docs/importers/rules-csv.md: accepted, and without effect.
  auto r = parse_ok("[filter a]\ncombining = allow-union\ndefault = allow\naction\nallow\n");
  EXPECT_EQ(r.fragment.rule_set(r.fragment.filters.at(0).inbound).combining, Combining::AllowUnion);
}

TEST(RulesCsv, AnEmptyFilterIsAllowed) {
  auto r = parse_ok("[filter nothing]\naction\n");
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_TRUE(inbound(r, 0).empty());
  EXPECT_TRUE(outbound(r, 0).empty());
}

struct ErrorCase {
  const char* name;
  const char* text;
  std::vector<std::string> expected;
};

void PrintTo(const ErrorCase& c, std::ostream* os) {
  *os << c.name;
}

class RulesCsvErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RulesCsvErrors, ReportedAtLineAndColumn) {
  const auto& c = GetParam();
  auto r = parse_rules_csv(c.text, "sg.csv");
  EXPECT_EQ(errors(c.text), c.expected) << dump(r.diagnostics);
}

const ErrorCase kErrors[] = {
    {"empty_file", "", {"sg.csv:1 RP3001"}},
    {"only_comments", "# nothing\n\n", {"sg.csv:1 RP3001"}},
    {"rows_outside_a_section", "action\nallow\n", {"sg.csv:1:1 RP3001", "sg.csv:2:1 RP3001"}},
    // Lines after a bad section header are outside any section.
    {"bad_section_header",
     "[filtr x]\naction\nallow\n",
     {"sg.csv:1:1 RP3001", "sg.csv:2:1 RP3001", "sg.csv:3:1 RP3001"}},
    {"unclosed_section_header", "  [filter x\naction\n", {"sg.csv:1:3 RP3001", "sg.csv:2:1 RP3001"}},
    {"nameless_filter", "[filter ]\naction\n", {"sg.csv:1:1 RP3001", "sg.csv:2:1 RP3001"}},
    {"filter_twice", "[filter a]\naction\n [filter a]\naction\n", {"sg.csv:3:2 RP3001"}},
    {"unknown_setting", "[filter a]\n  colour = red\naction\n", {"sg.csv:2:3 RP3001"}},
    {"unknown_combining", "[filter a]\ncombining = best\naction\n", {"sg.csv:2:1 RP3001"}},
    {"bad_default", "[filter a]\ndefault = maybe\naction\n", {"sg.csv:2:1 RP3001"}},
    {"bad_stateless", "[filter a]\nstateless = yes\naction\n", {"sg.csv:2:1 RP3001"}},
    {"bad_scope", "[filter a]\nscope = planet\naction\n", {"sg.csv:2:1 RP3001"}},
    {"no_header", "[filter a]\ncombining = first-match\n", {"sg.csv:1 [a] RP3001"}},
    {"unknown_column", "[filter a]\naction,colour\n", {"sg.csv:2:8 RP3001"}},
    {"column_twice", "[filter a]\naction, action\n", {"sg.csv:2:9 RP3001"}},
    // Without an `action` column every row has an empty action too.
    {"no_action_column",
     "[filter a]\nname,protocol\nx,tcp\ny,udp\n",
     {"sg.csv:2:1 RP3001", "sg.csv:3:1 RP3001", "sg.csv:4:1 RP3001"}},
    {"too_few_fields", "[filter a]\naction,protocol\nallow\n", {"sg.csv:3:1 RP3001"}},
    {"too_many_fields", "[filter a]\naction,protocol\nallow,tcp,22\n", {"sg.csv:3:1 RP3001"}},
    {"unknown_action", "[filter a]\nname,action\nx, permit\n", {"sg.csv:3:4 RP3001"}},
    {"unknown_protocol", "[filter a]\naction,protocol\nallow,ftp\n", {"sg.csv:3:7 RP3001"}},
    {"protocol_number_too_big", "[filter a]\naction,protocol\nallow,256\n", {"sg.csv:3:7 RP3001"}},
    {"port_too_big", "[filter a]\naction,protocol,ports\nallow,tcp,70000\n", {"sg.csv:3:11 RP3001"}},
    {"port_range_open", "[filter a]\naction,protocol,ports\nallow,tcp,22-\n", {"sg.csv:3:11 RP3001"}},
    {"port_range_backwards", "[filter a]\naction,protocol,ports\nallow,tcp,30-20\n", {"sg.csv:3:11 RP3001"}},
    {"source_port_bad", "[filter a]\naction,protocol,source_ports\nallow,udp,x\n", {"sg.csv:3:11 RP3001"}},
    {"ports_without_protocol", "[filter a]\naction,ports\nallow,22\n", {"sg.csv:3:7 RP3001"}},
    {"source_ports_without_protocol", "[filter a]\naction,source_ports\nallow,22\n", {"sg.csv:3:7 RP3001"}},
    {"ports_on_esp", "[filter a]\naction,protocol,ports\nallow,esp,22\n", {"sg.csv:3:11 RP3001"}},
    {"bad_icmp_type", "[filter a]\naction,protocol,ports\nallow,icmp,8:x\n", {"sg.csv:3:12 RP3001"}},
    {"icmp_source_ports", "[filter a]\naction,protocol,source_ports\nallow,icmp,5\n", {"sg.csv:3:12 RP3001"}},
    {"host_bits", "[filter a]\naction,source\nallow,10.0.0.1/8\n", {"sg.csv:3:7 RP3001"}},
    {"bad_destination", "[filter a]\naction,destination\nallow,10.0.0.0/8 nowhere\n", {"sg.csv:3:7 RP3001"}},
    {"priority_missing",
     "[filter a]\ncombining = priority\naction,priority\nallow,\n",
     {"sg.csv:4:7 RP3001"}},
    {"priority_not_a_number",
     "[filter a]\ncombining = priority\naction,priority\nallow,-1\n",
     {"sg.csv:4:7 RP3001"}},
    {"priority_not_allowed", "[filter a]\naction,priority\nallow,5\n", {"sg.csv:3:7 RP3001"}},
    {"bypass_not_allowed", "[filter a]\naction\nbypass\n", {"sg.csv:3:1 RP3001"}},
    {"deny_in_allow_union", "[filter a]\ncombining = allow-union\naction\ndeny\n", {"sg.csv:4:1 RP3001"}},
    {"bad_direction", "[filter a]\naction,direction\nallow,sideways\n", {"sg.csv:3:7 RP3001"}},
    {"unterminated_quote", "[filter a]\nname,action\n\"x,allow\n", {"sg.csv:3:1 RP3001"}},
    {"text_after_quote", "[filter a]\nname,action\n\"x\"y,allow\n", {"sg.csv:3:4 RP3001"}},
    {"errors_on_several_lines",
     "[filter a]\naction,protocol\nallow,ftp\npermit,tcp\nallow,tcp\n",
     {"sg.csv:3:7 RP3001", "sg.csv:4:1 RP3001"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, RulesCsvErrors, ::testing::ValuesIn(kErrors),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(RulesCsvMessages, SayWhatIsWrong) {
  auto first = [](std::string_view text) {
    auto d = parse_rules_csv(text, "sg.csv").diagnostics.sorted();
    return d.empty() ? std::string() : d[0].message;
  };
  EXPECT_EQ(first("[filter a]\nname,action\nx, permit\n"), "unknown action `permit` (allow, deny, bypass)");
  EXPECT_EQ(first("[filter a]\naction,protocol,ports\nallow,tcp,70000\n"),
            "`70000` is not a port or range (0-65535)");
  EXPECT_EQ(first("[filter a]\nname,action\n\"x,allow\n"), "unterminated quoted field");
  EXPECT_EQ(first("[filter a]\nname,protocol\nx,tcp\n"), "the header needs a `action` column");
  EXPECT_EQ(first("[filter a]\naction\n[filter a]\naction\n"), "filter `a` is defined twice");
}

// ---- through the Importer interface --------------------------------------

class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rampart-csv-XXXXXX").string();
    int fd = mkstemp(tmpl.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    path_ = tmpl;
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(RulesCsvImporter, ReadsTheFileAndNamesItAsShown) {
  TempFile file("[filter f]\naction\nallow\n");
  auto importer = make_rules_csv_importer();
  EXPECT_EQ(importer->format(), "rules.csv");
  core::ImportRequest req;
  req.format = "rules.csv";
  req.path = file.path();
  req.display_path = "native/f.csv";
  req.origin = core::Origin::policy("p.rampart", 3, 1);
  auto r = importer->import(req);
  EXPECT_FALSE(r.diagnostics.has_errors()) << dump(r.diagnostics);
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(r.fragment.filters[0].origin.file, "native/f.csv");
  EXPECT_EQ(r.fragment.source_files, std::vector<std::string>{"native/f.csv"});
}

TEST(RulesCsvImporter, AMissingFileIsReportedAtTheImport) {
  auto importer = make_rules_csv_importer();
  core::ImportRequest req;
  req.format = "rules.csv";
  req.path = "/nonexistent/rampart/f.csv";
  req.display_path = req.path;
  req.origin = core::Origin::policy("p.rampart", 3, 1);
  auto r = importer->import(req);
  auto d = r.diagnostics.sorted();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].code, "RP0001");
  EXPECT_EQ(d[0].origin.to_string(), "p.rampart:3:1");
  EXPECT_EQ(d[0].message, "cannot read `/nonexistent/rampart/f.csv`: no such file");
}

TEST(Registry, DefaultRegistryHasRulesCsv) {
  Registry r = default_registry();
  EXPECT_TRUE(r.supports("rules.csv"));
  EXPECT_FALSE(r.supports("aws.security_groups"));
  auto formats = r.formats();  // sorted; other families add theirs
  EXPECT_TRUE(std::is_sorted(formats.begin(), formats.end()));
  EXPECT_NE(std::find(formats.begin(), formats.end(), "rules.csv"), formats.end());
  EXPECT_NE(r.find("rules.csv"), nullptr);
  EXPECT_EQ(r.find("nope"), nullptr);
}

}  // namespace
}  // namespace rampart::importers
