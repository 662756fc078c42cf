// selabel_lookup over file_contexts lines: the regexes are PCRE2's, as
// libselinux compiles them (anchored, PCRE2_DOTALL), and a line an attacker
// wrote can neither hang nor crash a lookup: past PCRE2's limits the lookup
// fails, as libselinux's does, and the label is unknown.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "rampart/core/policy.h"
#include "rampart/core/selinux_eval.h"

namespace rampart::core::selinux {
namespace {

// A host whose file_contexts are `lines` (regex, context), in load order.
struct Labelling {
  Policy policy;
  std::optional<HostView> view;

  explicit Labelling(const std::vector<std::pair<std::string, std::string>>& lines) {
    Host h;
    h.name = "h";
    HostId id = policy.add(h);
    HostFacts facts;
    facts.host = id;
    facts.policy = std::make_shared<CompiledPolicy>();
    uint32_t line = 0;
    for (const auto& [regex, context] : lines) {
      FileContextSpec s;
      s.regex = regex;
      s.context = context;
      s.origin = Origin::native_line(SourceFile("file_contexts"), ++line, 1);
      facts.file_contexts.push_back(s);
    }
    policy.selinux.push_back(std::move(facts));
    view = HostView::build(policy, id);
  }

  // The context of the line that labels `path`, "-" when none does, or the error.
  std::string lookup(const std::string& path) const {
    FileContextMatch m = view->match(path, 0);
    if (!m.error.empty()) return "error: " + m.error;
    return m.spec ? m.spec->context : "-";
  }
};

TEST(FileContexts, LastMatchingLineWinsAndExactPathsBeatRegexes) {
  Labelling l({{"/srv(/.*)?", "srv_t"}, {"/srv/www", "exact_t"}, {"/srv/[a-z]+\\.log", "log_t"}});
  EXPECT_EQ(l.lookup("/srv/a/b"), "srv_t");
  EXPECT_EQ(l.lookup("/srv/www"), "exact_t");
  EXPECT_EQ(l.lookup("/srv/app.log"), "log_t");
  EXPECT_EQ(l.lookup("/srv/app.log2"), "srv_t");  // anchored at the end
  EXPECT_EQ(l.lookup("/opt"), "-");
}

TEST(FileContexts, RegexesArePcre2WithDotAll) {
  // A lookbehind and a possessive quantifier: PCRE2 syntax that ECMAScript lacks.
  Labelling l({{"/srv/.*(?<!\\.tmp)", "kept_t"}, {"/data/a++b", "pos_t"}, {"/nl/a.b", "dot_t"}});
  EXPECT_EQ(l.lookup("/srv/x.log"), "kept_t");
  EXPECT_EQ(l.lookup("/srv/x.tmp"), "-");
  EXPECT_EQ(l.lookup("/data/aaab"), "pos_t");
  EXPECT_EQ(l.lookup("/nl/a\nb"), "dot_t");  // `.` matches a newline (PCRE2_DOTALL)
}

TEST(FileContexts, CatastrophicBacktrackingStopsAtTheMatchLimit) {
  // (a|aa)+ then a class: no literal PCRE2 can look for first, so every way
  // of splitting the a's is tried. Thirty a's are millions of steps; the
  // lookup fails (as libselinux's does past its limit) instead of hanging.
  Labelling l({{"/srv(/.*)?", "srv_t"}, {"/srv/(a|aa)+[b-z]", "evil_t"}});
  EXPECT_EQ(l.lookup("/srv/aaaaab"), "evil_t");
  EXPECT_EQ(l.lookup("/srv/aaaa"), "srv_t");
  std::string got = l.lookup("/srv/" + std::string(60, 'a'));
  EXPECT_NE(got.find("match limit exceeded"), std::string::npos) << got;
  // The label says why it is unknown and which line it was.
  Label label = l.view->label("/srv/" + std::string(60, 'a'), FileType::Directory, nullptr);
  EXPECT_EQ(label.source, Label::Source::Unknown);
  EXPECT_NE(label.note.find("/srv/(a|aa)+[b-z]"), std::string::npos) << label.note;
  EXPECT_NE(label.note.find("unknown"), std::string::npos) << label.note;
  EXPECT_EQ(label.origin.line, 2u);
}

TEST(FileContexts, DeepNestingIsACompileErrorNotACrash) {
  // std::regex recursed once per parenthesis; PCRE2 refuses past 250.
  std::string deep = "/srv/" + std::string(100000, '(') + "x" + std::string(100000, ')');
  Labelling l({{"/(.*)?", "root_t"}, {deep, "deep_t"}});
  std::string got = l.lookup("/srv/x");
  EXPECT_NE(got.find("too deeply nested"), std::string::npos) << got.substr(0, 200);
  // A path outside the broken line's stem (`/srv`) never reaches it.
  EXPECT_EQ(l.lookup("/opt"), "root_t");
}

TEST(FileContexts, LongPathsDoNotExhaustTheStack) {
  // std::regex's executor recursed once per repetition of `.*`.
  Labelling l({{"/srv/(.*)+x", "long_t"}, {"/opt", "opt_t"}});
  std::string path = "/srv/" + std::string(1 << 20, 'y') + "x";
  EXPECT_EQ(l.lookup(path), "long_t");
}

}  // namespace
}  // namespace rampart::core::selinux
