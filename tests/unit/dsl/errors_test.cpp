// Mistakes in policy text: each must be reported with the right code at the
// right FILE:LINE:COL (1-based columns), and several at once.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dsl_test_util.h"

namespace rampart::testing {
namespace {

struct Case {
  const char* name;
  std::string text;
  std::vector<std::string> expected;  // `FILE:LINE:COL CODE`, sorted
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class DslErrors : public ::testing::TestWithParam<Case> {};

TEST_P(DslErrors, ReportedWithCodeAndLocation) {
  const Case& c = GetParam();
  auto l = load(c.text);
  EXPECT_FALSE(l.policy.has_value());
  EXPECT_EQ(located_codes(l.diagnostics), c.expected) << dump(l.diagnostics);
}

std::string repeat(const char* s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

const Case kCases[] = {
    // ---- syntax ----
    {"missing_semicolon_at_end", "zone a = 10.0.0.0/8", {"p.rampart:1:20 RP1001"}},
    {"missing_semicolon_before_next_line", "zone a = 10.0.0.0/8\nzone b = any;", {"p.rampart:1:20 RP1001"}},
    {"empty_zone", "zone x = ;", {"p.rampart:1:10 RP1001"}},
    {"keyword_as_name", "firewall all { }", {"p.rampart:1:10 RP1001"}},
    {"bad_character", "zone a = 10.0.0.0/8 $;", {"p.rampart:1:21 RP1002"}},
    {"bad_character_next_line", "zone a = 10.0.0.0/8;\n@", {"p.rampart:2:1 RP1002"}},
    {"unknown_escape", "firewall f { allow in \"et\\h0\"; }", {"p.rampart:1:23 RP1003"}},
    {"unterminated_string", "zone a = any;\nfirewall f { allow in \"eth0; }", {"p.rampart:2:23 RP1003"}},
    {"mixed_family_range", "zone z = 10.0.0.1-2001:db8::1;", {"p.rampart:1:19 RP1001"}},
    // ---- input ----
    {"not_utf8", "zone a = any; // \xff\n", {"p.rampart:1:18 RP1002"}},
    {"not_utf8_counts_characters", "// \xc3\xa9\xc3\xa9\nzone a = \xc3\xa9\x80;", {"p.rampart:2:11 RP1002"}},
    {"overlong_utf8", "zone a = any; // \xc0\xaf", {"p.rampart:1:18 RP1002"}},
    {"surrogate_utf8", "zone a = any; // \xed\xa0\x80", {"p.rampart:1:18 RP1002"}},
    {"nesting", "zone z = " + repeat("(", 65) + "any" + repeat(")", 65) + ";", {"p.rampart:1:74 RP0004"}},
    {"nesting_after_unterminated_string", "zone z = \"" + repeat("(", 100), {"p.rampart:1:75 RP0004"}},
    // ---- names ----
    {"undefined", "firewall f { allow from nowhere; }", {"p.rampart:1:25 RP2001"}},
    {"undefined_service", "firewall f { allow web; }", {"p.rampart:1:20 RP2001"}},
    {"undefined_layer", "host h { inbound fw; }", {"p.rampart:1:18 RP2001"}},
    {"duplicate_across_kinds", "zone a = any;\nfirewall a { }", {"p.rampart:2:10 RP2002"}},
    {"duplicate_host", "host h { }\nhost h { }", {"p.rampart:2:6 RP2002"}},
    {"duplicate_interface", "host h { interface eth0; interface eth0; }", {"p.rampart:1:36 RP2002"}},
    {"duplicate_address", "host h { address 10.0.0.1; address 10.0.0.1; }", {"p.rampart:1:36 RP2002"}},
    {"duplicate_inbound", "firewall f { }\nhost h { inbound f; inbound f; }", {"p.rampart:2:21 RP2002"}},
    {"duplicate_let", "host h { let x = any; let x = any; }", {"p.rampart:1:27 RP2002"}},
    {"wrong_kind_layer", "zone z = any;\nhost h { inbound z; }", {"p.rampart:2:18 RP2003"}},
    {"wrong_kind_address", "firewall f { }\nzone z = f;", {"p.rampart:2:10 RP2003"}},
    {"wrong_kind_service", "zone z = any;\nfirewall f { allow z; }", {"p.rampart:2:20 RP2003"}},
    {"wrong_kind_ports_as_address", "ports p = tcp/1;\nzone z = p;", {"p.rampart:2:10 RP2003"}},
    {"zone_cycle", "zone a = b;\nzone b = a;", {"p.rampart:1:6 RP2004"}},
    {"zone_self", "zone a = a except 10.0.0.0/8;", {"p.rampart:1:6 RP2004"}},
    {"ports_cycle", "ports p = q;\nports q = p, tcp/1;", {"p.rampart:1:7 RP2004"}},
    // ---- values ----
    {"host_bits", "zone z = 10.0.0.1/8;", {"p.rampart:1:10 RP2101"}},
    {"host_bits_v6", "zone z = 2001:db8::1/64;", {"p.rampart:1:10 RP2101"}},
    {"octet_too_big", "zone z = 10.0.0.256;", {"p.rampart:1:10 RP2101"}},
    {"range_backwards", "zone z = 10.0.0.5-10.0.0.1;", {"p.rampart:1:10 RP2101"}},
    {"prefix_too_long", "host h { address 10.0.0.1/33; }", {"p.rampart:1:18 RP2101"}},
    {"bad_bind_address", "host h { listen tcp/22 on 10.0.0.300; }", {"p.rampart:1:27 RP2101"}},
    {"port_too_big", "firewall f { allow tcp/70000; }", {"p.rampart:1:24 RP2104"}},
    {"port_far_too_big", "firewall f { allow tcp/99999999999999999999; }", {"p.rampart:1:24 RP2104"}},
    {"port_range_backwards", "firewall f { allow tcp/30-20; }", {"p.rampart:1:24 RP2102"}},
    {"destination_port_too_big", "firewall f { allow tcp to any port 65536; }", {"p.rampart:1:36 RP2104"}},
    {"client_port_too_big", "zone z client-ports 99999 = any;", {"p.rampart:1:21 RP2104"}},
    {"port_on_icmp", "firewall f { allow icmp from any port 5; }", {"p.rampart:1:30 RP2102"}},
    {"port_on_esp", "firewall f { allow esp/5; }", {"p.rampart:1:20 RP2102"}},
    {"type_code_on_tcp", "firewall f { allow tcp/8:0; }", {"p.rampart:1:20 RP2102"}},
    {"port_without_protocol", "firewall f { allow from any port 5; }", {"p.rampart:1:25 RP2102"}},
    {"destination_port_twice", "firewall f { allow tcp/22 port 23; }", {"p.rampart:1:14 RP2102"}},
    {"priority_too_big",
     "firewall f priority-order { priority 4294967296 allow tcp/1; }",
     {"p.rampart:1:38 RP2104"}},
    {"protocol_number_too_big", "firewall f { allow proto/256; }", {"p.rampart:1:26 RP2104"}},
    {"icmp_type_too_big", "firewall f { allow icmp/256; }", {"p.rampart:1:25 RP2104"}},
    {"icmp_code_too_big", "firewall f { allow icmp/3:256; }", {"p.rampart:1:27 RP2104"}},
    {"host_without_address", "host h { }\nzone z = h;", {"p.rampart:2:10 RP2106"}},
    // ---- firewalls and hosts ----
    {"two_combinings", "firewall f first-match allow-union { }", {"p.rampart:1:24 RP2201"}},
    {"two_defaults", "firewall f default allow default deny { }", {"p.rampart:1:26 RP2201"}},
    {"default_bypass", "firewall f default bypass { }", {"p.rampart:1:12 RP2201"}},
    {"allow_union_default_allow", "firewall f allow-union default allow { }", {"p.rampart:1:24 RP2201"}},
    {"deny_in_allow_union", "firewall f allow-union { deny tcp; }", {"p.rampart:1:26 RP2202"}},
    {"bypass_in_first_match", "firewall f { bypass tcp; }", {"p.rampart:1:14 RP2202"}},
    {"priority_missing", "firewall f priority-order { allow tcp; }", {"p.rampart:1:29 RP2202"}},
    {"priority_not_allowed", "firewall f { priority 5 allow tcp; }", {"p.rampart:1:23 RP2202"}},
    {"unknown_without_name", "firewall f { allow if unknown \"\"; }", {"p.rampart:1:20 RP2202"}},
    {"trusted_and_untrusted", "zone z trusted untrusted = any;", {"p.rampart:1:1 RP2202"}},
    {"listener_without_port", "host h { address 10.0.0.1; listen tcp; }", {"p.rampart:1:35 RP2203"}},
    {"listener_icmp", "host h { address 10.0.0.1; listen icmp/8; }", {"p.rampart:1:35 RP2203"}},
    {"listener_foreign_address",
     "host h { address 10.0.0.1; listen tcp/22 on 10.9.9.9; }",
     {"p.rampart:1:45 RP2203"}},
    {"empty_interface_name", "firewall f { allow in \"\"; }", {"p.rampart:1:20 RP2205"}},
    // ---- questions ----
    {"question_without_host", "zone z = any;\nassert reach z -> z tcp/22;", {"p.rampart:2:19 RP2401"}},
    {"question_to_addresses", "zone z = any;\nassert reach 10.0.0.1 -> z tcp/22;", {"p.rampart:2:26 RP2401"}},
    {"query_of_a_claim",
     "host h { address 10.0.0.1; }\nquery not reach any -> h tcp/22;",
     {"p.rampart:2:7 RP2401"}},
    {"can_unknown_subject", "assert can alice read \"/etc/shadow\";", {"p.rampart:1:12 RP2001"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, DslErrors, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(DslErrorMessages, DuplicateHasANoteAtTheFirstDefinition) {
  auto l = load("zone a = any;\nfirewall a { }");
  auto d = l.diagnostics.sorted();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].message, "`a` is already defined as a zone");
  ASSERT_EQ(d[0].notes.size(), 1u);
  EXPECT_EQ(d[0].notes[0].origin.to_string(), "p.rampart:1:6");
  EXPECT_EQ(d[0].notes[0].message, "first defined here");
}

TEST(DslErrorMessages, ReadableSyntaxErrors) {
  auto first = [](std::string_view text) {
    auto d = load(text).diagnostics.sorted();
    return d.empty() ? std::string() : d[0].to_string();
  };
  EXPECT_EQ(first("zone a = 10.0.0.0/8\nzone b = any;"),
            "p.rampart:1:20: error: missing `;` after `10.0.0.0/8` [RP1001]");
  EXPECT_EQ(
      first("firewall all { }"),
      "p.rampart:1:10: error: unexpected `all`; expected a name (`all` is a keyword and cannot be a name) "
      "[RP1001]");
  EXPECT_EQ(first("zone a = 10.0.0.0/8 $;"), "p.rampart:1:21: error: unexpected character `$` [RP1002]");
  EXPECT_EQ(first("host h { listen tcp/22 }"),
            "p.rampart:1:24: error: unexpected `}`; expected `on`, `by` or `;` [RP1001]");
  EXPECT_EQ(first("zone a = any; // \xff"),
            "p.rampart:1:18: error: the text is not valid UTF-8 (byte 0xff) [RP1002]");
}

TEST(DslErrorMessages, ValueMessagesNameTheInput) {
  auto first = [](std::string_view text) {
    auto d = load(text).diagnostics.sorted();
    return d.empty() ? std::string() : d[0].message;
  };
  EXPECT_EQ(first("firewall f { allow from nowhere; }"), "`nowhere` is not defined");
  EXPECT_EQ(first("firewall f { allow tcp/70000; }"), "port `70000` is out of range (0-65535)");
  EXPECT_EQ(first("zone z = 10.0.0.1/8;"), "`10.0.0.1/8` has host bits set; the block is `10.0.0.0/8`");
  EXPECT_EQ(first("zone z = any;\nhost h { inbound z; }"), "`z` is a zone, not a firewall");
  EXPECT_EQ(first("zone a = b;\nzone b = a;"), "zone `a` is defined in terms of itself");
}

TEST(DslErrorsMany, EveryMistakeIsReportedOnce) {
  auto l = load(R"(
zone office = 192.168.1.0/24;
zone office = 10.0.0.0/8;
zone bad = 10.0.0.1/8;
firewall fw {
  allow tcp from office to any port 70000;
  allow tcp from nowhere to any port 22;
}
host h { interface eth0 address 10.1.1.1; inbound fw, office; listen tcp/22; }
)");
  EXPECT_FALSE(l.policy);
  EXPECT_EQ(
      located_codes(l.diagnostics),
      (std::vector<std::string>{"p.rampart:3:6 RP2002", "p.rampart:4:12 RP2101", "p.rampart:6:37 RP2104",
                                "p.rampart:7:18 RP2001", "p.rampart:9:55 RP2003"}));
}

TEST(DslErrorsMany, SyntaxErrorsAreAllReported) {
  auto l = load("zone a = 10.0.0.0/8\nzone x = ;\nfirewall f { allow tcp/22 }\n");
  EXPECT_EQ(
      located_codes(l.diagnostics),
      (std::vector<std::string>{"p.rampart:1:20 RP1001", "p.rampart:2:10 RP1001", "p.rampart:3:26 RP1001"}));
}

TEST(DslLimits, NestingUpToTheLimitIsFine) {
  auto p = load_ok("zone z = " + repeat("(", 64) + "10.0.0.0/8" + repeat(")", 64) + ";");
  EXPECT_EQ(zone(p, "z").addresses, addrs("10.0.0.0/8"));
}

TEST(DslLimits, BracketsInStringsDoNotCount) {
  auto p = load_ok("firewall f { allow in \"" + repeat("(", 200) + "\"; }\n");
  EXPECT_EQ(rules(p, "f").at(0).match.in_interface.names.at(0), repeat("(", 200));
}

TEST(DslLimits, BracketsInCommentsCount) {
  // docs/language.md: the check counts brackets in comments too.
  EXPECT_EQ(load_errors("zone a = any;\n// " + repeat("(", 65) + "\n"),
            std::vector<std::string>{"p.rampart:2:68 RP0004"});
  EXPECT_EQ(load_errors("/* " + repeat("[", 65) + " */"), std::vector<std::string>{"p.rampart:1:68 RP0004"});
  // Closing brackets in comments count as well.
  auto p = load_ok("# " + repeat("(", 64) + "\n// " + repeat(")", 64) + "\nzone z = (any);\n");
  EXPECT_EQ(p.zones.size(), 1u);
}

std::string zone_chain(size_t zones) {
  // z0 = z1; z1 = z2; ... the last one holds the addresses.
  std::string text;
  for (size_t i = 0; i + 1 < zones; ++i) text += fmt::format("zone z{} = z{};\n", i, i + 1);
  return text + fmt::format("zone z{} = 10.0.0.0/8;\n", zones - 1);
}

TEST(DslLimits, ChainsOfDefinitionsUpTo256AreFine) {
  auto p = load_ok(zone_chain(256));
  EXPECT_EQ(zone(p, "z0").addresses, addrs("10.0.0.0/8"));
}

TEST(DslLimits, LongerChainsAreRefusedOnceNotByCrashing) {
  // Resolving one definition through another recurses; thousands of links
  // used to exhaust the stack. The 257th link is reported, once.
  EXPECT_EQ(load_errors(zone_chain(257)), std::vector<std::string>{"p.rampart:257:6 RP0004"});
  EXPECT_EQ(load_errors(zone_chain(20000)), std::vector<std::string>{"p.rampart:257:6 RP0004"});
  std::string ports;
  for (size_t i = 0; i < 300; ++i) ports += fmt::format("ports p{} = p{};\n", i, i + 1);
  ports += "ports p300 = tcp/1;\n";
  EXPECT_EQ(load_errors(ports), std::vector<std::string>{"p.rampart:257:7 RP0004"});
}

TEST(DslLimits, AnEndlessIncludeIsTooLarge) {
  if (!std::filesystem::exists("/dev/zero")) GTEST_SKIP();
  EXPECT_EQ(load_errors("include \"/dev/zero\";\n"), std::vector<std::string>{"/dev/zero:1:1 RP0003"});
}

TEST(DslLimits, ValidUtf8IsFine) {
  auto p = load_ok("// caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5\nzone a = any;");
  EXPECT_EQ(p.zones.size(), 1u);
}

TEST(DslLimits, TooLarge) {
  std::string text((size_t(64) << 20) + 1, ' ');
  auto l = load(text);
  EXPECT_FALSE(l.policy);
  EXPECT_EQ(located_codes(l.diagnostics), std::vector<std::string>{"p.rampart:1:1 RP0003"});
}

TEST(DslLimits, EmptyTextIsAnEmptyPolicy) {
  auto p = load_ok("");
  EXPECT_TRUE(p.zones.empty());
  EXPECT_TRUE(p.questions.empty());
}

}  // namespace
}  // namespace rampart::testing
