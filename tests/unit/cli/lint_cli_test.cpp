// `rampart lint` through the real command line: the verdicts with and
// without the solver's proof (--no-proof), and exit codes.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "app.h"

namespace rampart::cli {
namespace {

struct Outcome {
  int code;
  std::string out, err;
};

Outcome rampart(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = run(args, Streams{out, err, false, false});
  return Outcome{code, out.str(), err.str()};
}

// r3 is shadowed by the union of r1 and r2; r1 is redundant (r3 would
// admit what it admits), and so is r4 (the default denies what it denies,
// and nothing after it admits it).
std::string shadowed_policy() {
  std::string path = ::testing::TempDir() + "/lint_cli.rampart";
  std::ofstream(path) << "firewall fw first-match default deny {\n"
                         "  r1: allow tcp from 10.0.0.0/25 to any port 22;\n"
                         "  r2: deny tcp from 10.0.0.128/25 to any port 22;\n"
                         "  r3: allow tcp from 10.0.0.0/24 to any port 22;\n"
                         "  r4: deny tcp from 10.9.0.0/16 to any port 80;\n"
                         "}\n";
  return path;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(LintCli, VerdictsAreProvedUnlessAskedNotTo) {
  std::string policy = shadowed_policy();
  Outcome proved = rampart({"lint", "--color", "never", policy});
  EXPECT_EQ(proved.code, 0) << proved.out << proved.err;  // notes and warnings only
  EXPECT_NE(proved.out.find("`r3` is shadowed"), std::string::npos) << proved.out;
  EXPECT_NE(proved.out.find("`r1` is redundant"), std::string::npos) << proved.out;
  EXPECT_NE(proved.out.find("`r4` is redundant"), std::string::npos) << proved.out;
  EXPECT_EQ(count(proved.out, "(proved)"), 3u) << proved.out;

  Outcome fast = rampart({"lint", "--color", "never", "--no-proof", policy});
  EXPECT_EQ(fast.code, 0) << fast.out << fast.err;
  EXPECT_NE(fast.out.find("`r3` is shadowed"), std::string::npos) << fast.out;
  EXPECT_NE(fast.out.find("`r1` is redundant"), std::string::npos) << fast.out;
  EXPECT_NE(fast.out.find("`r4` is redundant"), std::string::npos) << fast.out;
  EXPECT_EQ(count(fast.out, "(proved)"), 0u) << fast.out;
}

}  // namespace
}  // namespace rampart::cli
