// The HTML report and the host pictures (DOT): structure, counts, escaping
// of hostile names, the table fallback and the SVG gate.

#include "rampart/exporters/html.h"

#include <gtest/gtest.h>

#include <regex>

#include "markup_check.h"
#include "rampart/exporters/picture.h"
#include "report_fixture.h"

namespace rampart::exporters {
namespace {

using testing::make_fixture;

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t i = haystack.find(needle); i != std::string::npos; i = haystack.find(needle, i + 1)) ++n;
  return n;
}

std::string html_of(const testing::Fixture& fx, std::vector<HtmlPicture> pictures = {}) {
  HtmlInput in;
  in.report = &fx.report;
  in.policy = &fx.policy;
  in.pictures = std::move(pictures);
  in.version = "9.9";
  return render_html(in);
}

std::vector<HtmlPicture> undrawn(const testing::Fixture& fx) {
  std::vector<HtmlPicture> out;
  for (auto& p : build_pictures(fx.policy, fx.report))
    out.push_back(HtmlPicture{std::move(p), {}, "not drawn"});
  return out;
}

TEST(Html, WellFormedWithSummaryCounts) {
  auto fx = make_fixture();
  std::string html = html_of(fx, undrawn(fx));
  EXPECT_EQ(rampart::testing::markup_problem(html), "") << html;
  EXPECT_NE(html.find("<tr class=\"holds\"><th>holds</th><td class=\"count\">1</td>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("<tr class=\"violated\"><th>violated</th><td class=\"count\">1</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr class=\"unknown\"><th>unknown</th><td class=\"count\">1</td>"), std::string::npos);
  EXPECT_NE(html.find("<th>findings: errors</th><td class=\"count\">1</td>"), std::string::npos);
  EXPECT_NE(html.find("<th>files with a denied access</th><td class=\"count\">1</td>"), std::string::npos);
  EXPECT_NE(html.find("Exit code 1:"), std::string::npos);
  // Self-contained: no script, no reference out of the page.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http:"), std::string::npos);
  EXPECT_EQ(html.find("https:"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(Html, CountsFollowTheReport) {
  auto fx = make_fixture();
  fx.report.results.push_back(fx.report.results[0]);
  fx.report.results.push_back(fx.report.results[0]);
  fx.report.findings.clear();
  std::string html = html_of(fx);
  EXPECT_NE(html.find("<th>holds</th><td class=\"count\">3</td>"), std::string::npos);
  EXPECT_NE(html.find("<th>findings: errors</th><td class=\"count\">0</td>"), std::string::npos);
}

TEST(Html, EveryAnswerAndFindingSitsInItsHostsTableWithItsTrace) {
  auto fx = make_fixture();
  std::string html = html_of(fx, undrawn(fx));
  size_t section = html.find("<section class=\"host\" id=\"host-0\">\n<h2>Host web1</h2>");
  ASSERT_NE(section, std::string::npos) << html;
  EXPECT_EQ(html.find("id=\"across-hosts\""), std::string::npos) << "everything belongs to web1";
  std::string host = html.substr(section);
  EXPECT_EQ(count(host, "<tr class=\"result\">"), 3u);
  EXPECT_EQ(count(host, "<tr class=\"finding\">"), 1u);
  // The trace of the witness packet: the deciding rule and where it is.
  EXPECT_NE(host.find("<code>tcp 203.0.113.7:40000 -&gt; 10.0.1.10:80</code>"), std::string::npos) << host;
  EXPECT_NE(host.find("<code>site.rampart:5:3</code>"), std::string::npos);
  // The denying check of the access, marked as decisive.
  EXPECT_NE(host.find("Denying check: other class has r--, needs -w-"), std::string::npos);
  EXPECT_EQ(count(host, "<tr class=\"decisive\">"), 1u);
  // The per-file table and the verified fix.
  EXPECT_NE(host.find("<h3>File <code>/var/log/nginx/app.log</code></h3>"), std::string::npos);
  EXPECT_NE(host.find("<strong>Fix</strong> (verified): run app as www:www"), std::string::npos);
}

TEST(Html, WhatNamesNoHostGoesAcrossHosts) {
  auto fx = make_fixture();
  core::Finding f;
  f.rule_id = "unused-port-rule";
  f.severity = core::Severity::Warning;
  f.message = "nothing listens on tcp/25";
  f.origin = core::Origin::policy("elsewhere.rampart", 1, 1);
  fx.report.findings.push_back(f);
  std::string html = html_of(fx);
  size_t across = html.find("<section class=\"host\" id=\"across-hosts\">");
  ASSERT_NE(across, std::string::npos);
  EXPECT_NE(html.find("nothing listens on tcp/25", across), std::string::npos);
}

TEST(Html, FindingOnARuleBelongsToTheHostsUsingItsSet) {
  auto fx = make_fixture();
  core::Finding f;
  f.rule_id = "shadowed-rule";
  f.message = "rule web is shadowed";
  f.origin = testing::at(5);  // the rule `web` of host_fw, a layer of web1
  fx.report.findings = {f};
  std::string html = html_of(fx);
  EXPECT_EQ(html.find("id=\"across-hosts\""), std::string::npos);
  EXPECT_NE(html.find("rule web is shadowed"), std::string::npos);
}

TEST(Html, HostileNamesAreEscaped) {
  std::string evil = "<script>alert('x')</script>&amp;\"\xff\x01";
  auto fx = make_fixture(evil, evil);
  fx.report.inputs.push_back(evil);
  fx.report.diagnostics.push_back(
      core::Diagnostic{core::Severity::Error, "RP0001", evil, core::Origin::policy(evil, 1, 1), {}, {}});
  std::string html = html_of(fx, undrawn(fx));
  EXPECT_EQ(rampart::testing::markup_problem(html), "") << html;
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(
      html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;&quot;\xEF\xBF\xBD\xEF\xBF\xBD"),
      std::string::npos);
  EXPECT_EQ(html.find('\xff'), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
}

TEST(Html, PictureInlinedWhenSafeElseTables) {
  auto fx = make_fixture();
  auto pictures = undrawn(fx);
  pictures[0].svg =
      "<svg viewBox=\"0 0 10 10\"><g id=\"graph0\" class=\"graph\"><title>host</title>"
      "<text x=\"1\" y=\"2\">web1</text></g></svg>";
  std::string drawn = html_of(fx, pictures);
  EXPECT_EQ(count(drawn, "<svg"), 1u);
  EXPECT_EQ(drawn.find("picture-source"), std::string::npos);
  EXPECT_EQ(rampart::testing::markup_problem(drawn), "");

  pictures[0].svg = "<svg onload=\"alert(1)\"></svg>";
  std::string refused = html_of(fx, pictures);
  EXPECT_EQ(refused.find("<svg"), std::string::npos);
  EXPECT_NE(refused.find("picture-source"), std::string::npos);

  std::string fallback = html_of(fx, undrawn(fx));
  EXPECT_EQ(fallback.find("<svg"), std::string::npos);
  // The fallback names every node of the picture and every connection.
  for (const char* text :
       {"zone office", "zone internet", "inbound layer 1", "inbound layer 2", "tcp/80 on *",
        "tcp/8000 on 127.0.0.1", "service nginx", "service app", "/var/log/nginx/access.log"}) {
    EXPECT_NE(fallback.find(text), std::string::npos) << text;
  }
  EXPECT_NE(fallback.find("append: denied"), std::string::npos);
  EXPECT_NE(fallback.find("not drawn"), std::string::npos);
}

TEST(Html, SvgGate) {
  std::string graphviz =
      "<svg width=\"62pt\" height=\"44pt\"\n viewBox=\"0.00 0.00 62.00 44.00\" "
      "xmlns=\"http://www.w3.org/2000/svg\" "
      "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n<g id=\"graph0\" "
      "class=\"graph\">\n<title>host</title>\n"
      "<!-- n0 -->\n<polygon fill=\"white\" stroke=\"transparent\" points=\"-4,4 -4,-40 58,-40 58,4 "
      "-4,4\"/>\n"
      "<text text-anchor=\"middle\" x=\"27\" y=\"-14.3\">a&amp;lt;b &#45;&gt; onload=x</text>\n</g>\n</svg>";
  EXPECT_TRUE(is_inline_safe_svg(graphviz));
  EXPECT_EQ(svg_element("<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"x\" \"y\">\n" + graphviz + "\n"),
            graphviz);
  EXPECT_EQ(svg_element("no drawing"), "");
  for (const char* bad :
       {"<svg><script>alert(1)</script></svg>", "<svg><g onclick=\"x()\"></g></svg>",
        "<svg><a xlink:href=\"http://evil\"><text>x</text></a></svg>",
        "<svg><foreignObject></foreignObject></svg>", "<svg><image href=\"x.png\"/></svg>",
        "<svg><g style=\"background:url(http://x)\"></g></svg>", "<svg><g fill=\"url(http://x)\"></g></svg>",
        "<!DOCTYPE svg><svg></svg>", "<svg><!-- unterminated </svg>", "<svg><g x=\"1></g></svg>",
        "<svg></svg><script></script>"}) {
    EXPECT_FALSE(is_inline_safe_svg(bad)) << bad;
  }
}

TEST(Picture, ColumnsAndConnections) {
  auto fx = make_fixture();
  auto pictures = build_pictures(fx.policy, fx.report);
  ASSERT_EQ(pictures.size(), 1u);
  const HostPicture& p = pictures[0];
  EXPECT_EQ(p.host, "web1");
  auto find = [&](const std::string& label) -> const PictureNode* {
    for (const auto& n : p.nodes) {
      if (n.label == label) return &n;
    }
    return nullptr;
  };
  auto edge = [&](const PictureNode* a, const PictureNode* b) -> const PictureEdge* {
    for (const auto& e : p.edges) {
      if (a && b && e.from == a->id && e.to == b->id) return &e;
    }
    return nullptr;
  };
  const auto* office = find("zone office");
  const auto* internet = find("zone internet");
  const auto* l1 = find("inbound layer 1");
  const auto* l2 = find("inbound layer 2");
  const auto* web = find("tcp/80 on * (nginx)");
  const auto* local = find("tcp/8000 on 127.0.0.1 (app)");
  const auto* nginx = find("service nginx");
  const auto* app = find("service app");
  const auto* log = find("/var/log/nginx/app.log");
  const auto* access = find("/var/log/nginx/access.log");
  for (const auto* n : {office, internet, l1, l2, web, local, nginx, app, log, access}) ASSERT_NE(n, nullptr);
  EXPECT_EQ(internet->mark, Mark::Warn);
  EXPECT_EQ(l1->details, std::vector<std::string>{"sg-1 (aws-security-group)"});
  EXPECT_EQ(l2->details, std::vector<std::string>{"host_fw (firewall, first-match, 1 rule, default deny)"});
  // sources -> layer 1 -> layer 2 -> listeners -> services -> files, and nothing skips a step.
  EXPECT_TRUE(edge(office, l1) && edge(internet, l1) && edge(l1, l2) && edge(l2, web) && edge(l2, local));
  EXPECT_FALSE(edge(office, l2) || edge(l1, web) || edge(office, web));
  EXPECT_TRUE(edge(web, nginx) && edge(local, app));
  EXPECT_EQ(edge(l2, local)->mark, Mark::Muted);
  // The report marks the denied append, the granted create and the exposed listener.
  EXPECT_EQ(edge(nginx, log)->mark, Mark::Bad);
  EXPECT_EQ(edge(nginx, log)->label, "append: denied");
  EXPECT_EQ(edge(app, log)->mark, Mark::Good);
  EXPECT_EQ(edge(nginx, access)->mark, Mark::Normal);
  EXPECT_EQ(log->mark, Mark::Bad);
  EXPECT_EQ(web->mark, Mark::Bad);  // `not reach ... tcp/80` is violated by a packet to it
  EXPECT_EQ(local->mark, Mark::Normal);
  EXPECT_EQ(log->details,
            (std::vector<std::string>{"file 0:0 0644", "created as root:root -rw-r--r-- (by app)"}));
  // Files in path order.
  EXPECT_LT(access - p.nodes.data(), log - p.nodes.data());
}

TEST(Picture, NoZonesMeansAnySource) {
  auto fx = make_fixture();
  fx.policy.zones.clear();
  auto p = build_pictures(fx.policy, fx.report)[0];
  EXPECT_EQ(p.nodes[0].label, "any source");
  EXPECT_EQ(p.nodes[0].kind, NodeKind::Source);
}

// A small reader of the DOT we write: statements `ID [attrs];`,
// `ID -> ID [attrs];`, `key=value;`, `{ rank=same; ID; }`. Quoted strings
// must close, and no text from the input may appear outside them.
std::vector<std::string> dot_strings(const std::string& dot, std::string& outside) {
  std::vector<std::string> strings;
  for (size_t i = 0; i < dot.size(); ++i) {
    if (dot[i] != '"') {
      outside += dot[i];
      continue;
    }
    std::string value;
    for (++i; i < dot.size() && dot[i] != '"'; ++i) {
      if (dot[i] == '\\') {
        EXPECT_LT(i + 1, dot.size());
        char next = dot[++i];
        EXPECT_TRUE(next == '\\' || next == '"' || next == 'n') << "escape \\" << next;
        value += next == 'n' ? '\n' : next;
      } else {
        EXPECT_NE(dot[i], '\n') << "raw newline in a DOT string";
        value += dot[i];
      }
    }
    EXPECT_LT(i, dot.size()) << "unterminated DOT string";
    strings.push_back(value);
  }
  return strings;
}

TEST(Dot, HostileLabelsStayInsideTheirStrings) {
  std::string evil = "web\"]; x -> y [label=\"\\N\n&lt;";
  auto fx = make_fixture(evil, evil);
  std::string dot = render_dot(build_pictures(fx.policy, fx.report));
  std::string outside;
  auto strings = dot_strings(dot, outside);
  EXPECT_EQ(outside.find("x -> y"), std::string::npos) << dot;
  EXPECT_EQ(outside.find("web"), std::string::npos);
  // The label reads back as written (with Graphviz's entity decoding undone).
  std::string expected = "host web\"]; x -> y [label=\"\\N\n&amp;lt;";
  EXPECT_NE(std::find(strings.begin(), strings.end(), expected), strings.end()) << dot;
  std::regex statement(
      R"(^(\s*(digraph host \{|\}|label=|labelloc=t;|rankdir=LR;|fontname=|node \[|edge \[|n\d+ \[|n\d+ -> n\d+ \[|\{ rank=same;( n\d+;)+ \})).*$)");
  size_t line_start = 0;
  while (line_start < outside.size()) {
    size_t end = outside.find('\n', line_start);
    std::string line = outside.substr(line_start, end - line_start);
    if (!line.empty()) {
      EXPECT_TRUE(std::regex_match(line, statement)) << line;
    }
    line_start = end == std::string::npos ? outside.size() : end + 1;
  }
}

TEST(Dot, OneGraphPerHostAndMarksDrawn) {
  auto fx = make_fixture();
  core::Host second = fx.policy.hosts[0];
  second.name = "db1";
  fx.policy.add(second);
  auto pictures = build_pictures(fx.policy, fx.report);
  ASSERT_EQ(pictures.size(), 2u);
  EXPECT_EQ(pictures[1].host, "db1");
  std::string dot = render_dot(pictures);
  EXPECT_EQ(count(dot, "digraph host {"), 2u);
  EXPECT_NE(dot.find("label=\"host web1\""), std::string::npos);
  EXPECT_NE(dot.find("label=\"host db1\""), std::string::npos);
  std::string one = render_dot(pictures[0]);
  EXPECT_NE(one.find("label=\"append: denied\""), std::string::npos);
  EXPECT_NE(one.find("#c62828"), std::string::npos);       // drawn red
  EXPECT_NE(one.find("style=dashed"), std::string::npos);  // the loopback-only path
}

}  // namespace
}  // namespace rampart::exporters
