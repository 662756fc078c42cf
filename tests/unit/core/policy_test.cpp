// Policy helpers and merge(), diagnostics, origins and report exit codes.

#include "rampart/core/policy.h"

#include <gtest/gtest.h>

#include <thread>

#include "core_test_util.h"
#include "rampart/core/diagnostic.h"
#include "rampart/core/origin.h"
#include "rampart/core/result.h"

namespace rampart::core {
namespace {

using testing::add_filter;
using testing::layer;
using testing::M;
using testing::rule;
using testing::rule_set;

// ---------------------------------------------------------------- policy

TEST(PolicyTest, ConditionsAreInternedByName) {
  Policy p;
  ConditionId a = p.condition_named("geoip", "first", {});
  ConditionId b = p.condition_named("recent", "second", {});
  ConditionId c = p.condition_named("geoip", "ignored", {});
  EXPECT_EQ(a, c);
  EXPECT_NE(a, b);
  EXPECT_EQ(p.conditions.size(), 2u);
  EXPECT_EQ(p.condition(a).description, "first");
}

TEST(PolicyTest, FindAndLayerText) {
  Policy p;
  Host w;
  w.name = "web1";
  HostId web = p.add(w);
  Host d;
  d.name = "db";
  HostId db = p.add(d);
  EXPECT_EQ(p.find_host("db"), std::optional<HostId>(db));
  EXPECT_EQ(p.find_host("web1"), std::optional<HostId>(web));
  EXPECT_EQ(p.find_host("nope"), std::nullopt);
  FilterId f1 = add_filter(p, "sg-1", {}, {});
  FilterId f2 = add_filter(p, "local", {}, {});
  EXPECT_EQ(p.layer_text(layer({f1, f2})), "sg-1 | local");
  EXPECT_EQ(p.layer_text(layer({f2})), "local");

  Service s1;
  s1.name = "nginx";
  s1.host = web;
  Service s2;
  s2.name = "nginx";
  s2.host = db;
  p.services = {s1, s2};
  EXPECT_EQ(p.find_service("nginx", db), std::optional<ServiceId>(ServiceId(1)));
  EXPECT_EQ(p.find_service("nginx", web), std::optional<ServiceId>(ServiceId(0)));
  EXPECT_EQ(p.find_service("nginx"), std::optional<ServiceId>(ServiceId(0)));
  EXPECT_EQ(p.find_service("apache"), std::nullopt);
}

TEST(PolicyTest, MergeShiftsIdsAndInternsConditions) {
  Policy into;
  ConditionId shared = into.condition_named("shared", "from the policy", {});
  RuleSetId rs0 = into.add(rule_set("policy-rs", Combining::FirstMatch, Action::Deny, {}));
  FilterId f0 = add_filter(into, "policy-fw", rs0, rs0);
  Host h0;
  h0.name = "h0";
  h0.inbound = {layer({f0})};
  into.add(h0);

  Policy frag;
  ConditionId own = frag.condition_named("own", "fragment only", {});
  ConditionId dup = frag.condition_named("shared", "from the fragment", {});
  RuleSetId a = frag.add(rule_set("a", Combining::FirstMatch, Action::Deny,
                                  {rule("r", Action::Allow, M().unknown(own).unknown(dup))}));
  RuleSetId b = frag.add(rule_set("b", Combining::AllowUnion, Action::Deny, {}));
  FilterId fa = add_filter(frag, "fa", a, b);
  FilterId fb = add_filter(frag, "fb", RuleSetId{}, b);
  Host h1;
  h1.name = "h1";
  h1.inbound = {layer({fa, fb})};
  h1.outbound = {layer({fb})};
  Listener l;
  l.service = ServiceId(0);
  h1.listeners = {l};
  HostId fh = frag.add(h1);
  Service svc;
  svc.name = "svc";
  svc.host = fh;
  frag.services = {svc};
  User u;
  u.name = "www";
  u.host = fh;
  frag.users = {u};

  MergeOffsets off = merge(into, std::move(frag));
  EXPECT_EQ(off.rule_sets, 1u);
  EXPECT_EQ(off.filters, 1u);
  EXPECT_EQ(off.hosts, 1u);
  EXPECT_EQ(off.conditions, 1u);

  ASSERT_EQ(into.conditions.size(), 2u);  // "shared" is not duplicated
  EXPECT_EQ(into.conditions[0].description, "from the policy");
  EXPECT_EQ(into.conditions[1].name, "own");
  const Rule& r = into.rule_sets.at(1).rules().at(0);
  ASSERT_EQ(r.match.unknowns.size(), 2u);
  EXPECT_EQ(into.condition(r.match.unknowns[0]).name, "own");
  EXPECT_EQ(r.match.unknowns[1], shared);

  ASSERT_EQ(into.filters.size(), 3u);
  EXPECT_EQ(into.filters[1].inbound, RuleSetId(1));
  EXPECT_EQ(into.filters[1].outbound, RuleSetId(2));
  EXPECT_FALSE(into.filters[2].inbound.valid());  // invalid ids stay invalid
  EXPECT_EQ(into.filters[2].outbound, RuleSetId(2));
  const Host& merged = into.hosts.at(1);
  EXPECT_EQ(merged.inbound[0].members, (std::vector<FilterId>{FilterId(1), FilterId(2)}));
  EXPECT_EQ(merged.outbound[0].members, (std::vector<FilterId>{FilterId(2)}));
  EXPECT_EQ(merged.listeners[0].service, ServiceId(0));  // no service before: offset 0
  EXPECT_EQ(into.services.at(0).host, HostId(1));
  EXPECT_EQ(into.users.at(0).host, HostId(1));
  // The policy's own elements are untouched.
  EXPECT_EQ(into.hosts[0].inbound[0].members, (std::vector<FilterId>{f0}));
  (void)fa;
  (void)fb;
}

TEST(PolicyTest, MergeRejectsQuestions) {
  Policy into;
  Policy frag;
  frag.questions.push_back(Question{});
  EXPECT_THROW(merge(into, std::move(frag)), InternalError);
}

// ---------------------------------------------------------------- origins and diagnostics

TEST(OriginTest, Text) {
  EXPECT_EQ(Origin::policy("p.rampart", 3, 7).to_string(), "p.rampart:3:7");
  EXPECT_EQ(Origin::native_line("rules.csv", 12).to_string(), "rules.csv:12");
  EXPECT_EQ(Origin::native_json("sg.json", "/SecurityGroups/0").to_string(), "sg.json#/SecurityGroups/0");
  EXPECT_EQ(Origin::native_rule("fw.wfw", "{abc}").to_string(), "fw.wfw[{abc}]");
  EXPECT_EQ(Origin::native_rule("fw.wfw", "", "Allow SSH").to_string(), "fw.wfw[Allow SSH]");
  EXPECT_EQ(Origin{}.to_string(), "<builtin>");
  EXPECT_FALSE(Origin{}.known());
  EXPECT_TRUE(Origin::policy("p", 1, 1).known());
  EXPECT_EQ(Origin::native_json("a", "/x").kind_name(), "native-json");
}

// File names are interned: equal names are one string however they were
// built, on any thread; they still order by name, not by when they were read.
TEST(OriginTest, FileNamesAreInternedAndOrderedByName) {
  std::string built = std::string("rules") + ".v4";
  SourceFile a = built, b = "rules.v4", z = "a-later-read.v4";
  EXPECT_EQ(&a.str(), &b.str());
  EXPECT_TRUE(a == b);
  EXPECT_TRUE(a == "rules.v4");
  EXPECT_TRUE(a == built);
  EXPECT_FALSE(a == z);
  EXPECT_TRUE(z < a);
  EXPECT_TRUE(SourceFile{}.empty());
  EXPECT_TRUE(SourceFile{""} == SourceFile{});
  EXPECT_EQ(SourceFile{}.str(), "");
  EXPECT_TRUE(SourceFile{} < a);
  EXPECT_EQ(fmt::format("{}:{}", a, 3), "rules.v4:3");
  EXPECT_EQ(Origin::native_line(built, 2) <=> Origin::native_line("rules.v4", 2),
            std::strong_ordering::equal);
  EXPECT_TRUE(Origin::native_line("a.v4", 9) < Origin::native_line("b.v4", 1));

  std::vector<const std::string*> seen(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&seen, t] {
      for (int i = 0; i < 1000; ++i) SourceFile(fmt::format("thread-file-{}", i));
      seen[t] = &SourceFile("shared-by-threads").str();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto* p : seen) EXPECT_EQ(p, seen[0]);
}

// Interning by name (indexed) sees conditions however they were added (add(), a
// direct push_back, a merge) and keeps one atom per name.
// An origin's pointer, id and name: owned copies, empty without storage.
TEST(OriginTest, TextsCopyMoveAndCompare) {
  OriginText empty, id = std::string("INPUT#3"), other = "INPUT#12";
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.view(), "");
  EXPECT_TRUE(OriginText("") == empty);
  OriginText copy = id;
  EXPECT_EQ(copy, "INPUT#3");
  EXPECT_NE(copy.view().data(), id.view().data());  // its own bytes
  OriginText moved = std::move(copy);
  EXPECT_EQ(moved, id);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from text is empty
  moved = other;
  EXPECT_EQ(moved.str(), "INPUT#12");
  const OriginText& alias = moved;
  moved = alias;  // self-assignment
  EXPECT_EQ(moved, "INPUT#12");
  EXPECT_TRUE(other < id);  // by bytes, as strings compare
  std::string with_nul("a\0b", 3);
  EXPECT_EQ(OriginText(with_nul).view().size(), 3u);
  EXPECT_EQ(fmt::format("[{}]", id), "[INPUT#3]");
  EXPECT_EQ(Origin::native_rule("fw.rules", id).to_string(), "fw.rules[INPUT#3]");
}

TEST(PolicyTest, ConditionsAddedAnyWayAreInterned) {
  Policy p;
  ConditionId a = p.condition_named("a", "first", Origin{});
  EXPECT_EQ(p.condition_named("a", "again", Origin{}), a);
  ConditionId b = p.add(UnknownCondition{"b", "added", Origin{}});
  p.conditions.push_back(UnknownCondition{"c", "pushed", Origin{}});
  EXPECT_EQ(p.condition_named("b", "", Origin{}), b);
  EXPECT_EQ(p.condition_named("c", "", Origin{}).index(), 2u);
  for (int i = 0; i < 1000; ++i) p.condition_named("n" + std::to_string(i % 100), "", Origin{});
  EXPECT_EQ(p.conditions.size(), 103u);
  Policy fragment;
  fragment.condition_named("n5", "", Origin{});
  fragment.condition_named("new", "", Origin{});
  merge(p, fragment);
  EXPECT_EQ(p.conditions.size(), 104u);
  EXPECT_EQ(p.condition_named("new", "", Origin{}).index(), 103u);
  EXPECT_EQ(p.conditions[a.index()].description, "first");
}

TEST(DiagnosticsTest, SortedWithoutDuplicates) {
  Diagnostics d;
  d.error("RP2", Origin::policy("b.rampart", 1, 1), "second file");
  d.error("RP1", Origin::policy("a.rampart", 10, 2), "later line");
  d.error("RP1", Origin::policy("a.rampart", 2, 5), "earlier line");
  d.error("RP1", Origin::policy("a.rampart", 10, 2), "later line");  // duplicate
  d.warning("RP9", Origin::policy("a.rampart", 2, 1), "a warning");
  EXPECT_TRUE(d.has_errors());
  EXPECT_EQ(d.error_count(), 4u);
  auto s = d.sorted();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].message, "a warning");
  EXPECT_EQ(s[1].message, "earlier line");
  EXPECT_EQ(s[2].message, "later line");
  EXPECT_EQ(s[3].message, "second file");
  EXPECT_EQ(s[1].to_string(), "a.rampart:2:5: error: earlier line [RP1]");
}

TEST(DiagnosticsTest, DuplicatesAreRemovedWhateverComesBetween) {
  // The same error twice, with a warning at the same place and of the same
  // text in between: the copy must still go.
  Diagnostics d;
  Origin o = Origin::policy("a.rampart", 1, 1);
  d.error("RP1", o, "same");
  d.warning("RP1", o, "same");
  d.error("RP1", o, "same");
  auto s = d.sorted();
  EXPECT_EQ(s.size(), 2u);
}

TEST(DiagnosticsTest, NotesAndHelp) {
  Diagnostic d{Severity::Warning, "RP7", "shadowed", Origin::policy("p", 4, 2), {}, "remove it"};
  d.notes.push_back(DiagnosticNote{Origin::policy("p", 3, 2), "by this rule"});
  EXPECT_EQ(d.to_string(), "p:4:2: warning: shadowed [RP7]\n  p:3:2: note: by this rule\n  help: remove it");
}

// ---------------------------------------------------------------- reports

Result result(Verdict v, bool query = false) {
  Result r;
  r.verdict = v;
  r.is_query = query;
  return r;
}

TEST(ReportTest, ExitCodes) {
  Report ok;
  ok.results = {result(Verdict::Holds), result(Verdict::Holds, true)};
  EXPECT_EQ(ok.exit_code(), 0);

  Report unknown = ok;
  unknown.results.push_back(result(Verdict::Unknown));
  EXPECT_EQ(unknown.exit_code(), 3);

  Report unknown_query = ok;
  unknown_query.results.push_back(result(Verdict::Unknown, true));
  EXPECT_EQ(unknown_query.exit_code(), 3);  // a query not answered exactly

  Report violated = unknown;
  violated.results.insert(violated.results.begin(), result(Verdict::Violated));
  EXPECT_EQ(violated.exit_code(), 1);  // 1 wins over 3 whatever the order

  Report finding = unknown;
  Finding f;
  f.severity = Severity::Error;
  finding.findings.push_back(f);
  EXPECT_EQ(finding.exit_code(), 1);
  finding.findings[0].severity = Severity::Warning;
  EXPECT_EQ(finding.exit_code(), 3);

  Report bad = violated;
  bad.diagnostics.push_back(Diagnostic{});  // an error
  EXPECT_EQ(bad.exit_code(), 2);
  Report warned = ok;
  Diagnostic w;
  w.severity = Severity::Warning;
  warned.diagnostics.push_back(w);
  EXPECT_EQ(warned.exit_code(), 0);

  Report internal = bad;
  internal.internal_error = "boom";
  EXPECT_EQ(internal.exit_code(), 4);
}

TEST(ReportTest, Summary) {
  Report r;
  r.results = {result(Verdict::Holds),         result(Verdict::Holds),       result(Verdict::Violated),
               result(Verdict::Unknown),       result(Verdict::Holds, true), result(Verdict::Unknown, true),
               result(Verdict::Violated, true)};
  auto s = r.summary();
  EXPECT_EQ(s.holds, 2u);
  EXPECT_EQ(s.violated, 1u);
  EXPECT_EQ(s.unknown, 1u);
  EXPECT_EQ(s.queries, 3u);
  EXPECT_EQ(s.unanswered_queries, 1u);
  EXPECT_EQ(verdict_name(Verdict::Holds), "holds");
  EXPECT_EQ(verdict_name(Verdict::Violated), "violated");
  EXPECT_EQ(verdict_name(Verdict::Unknown), "unknown");
  EXPECT_EQ(decision_name(Decision::Allow), "allow");
  EXPECT_EQ(decision_name(Decision::Deny), "deny");
}

}  // namespace
}  // namespace rampart::core
