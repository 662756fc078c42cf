// --format html and --format dot through the real command line: Graphviz
// run when present, the table fallback when not, and the exit codes kept.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "app.h"
#include "markup_check.h"

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

std::string baota() {
  return std::string(RAMPART_SOURCE_DIR) + "/examples/baota/policy.rampart";
}

bool dot_installed() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && access((dir + "/dot").c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Sets an environment variable for one scope.
struct ScopedEnv {
  std::string name;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
    setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { unsetenv(name.c_str()); }
};

TEST(ReportFormats, HtmlOfTheConflictWithoutGraphviz) {
  ScopedEnv no_dot("RAMPART_DOT", "/nonexistent/dot");
  Outcome r = rampart({"conflicts", "--format", "html", baota()});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(rampart::testing::markup_problem(r.out), "");
  EXPECT_EQ(r.out.find("<svg"), std::string::npos);
  EXPECT_NE(r.out.find("shown as tables: `/nonexistent/dot` is not installed (Graphviz)"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("<h2>Host web1</h2>"), std::string::npos);
  // examples/baota's conflict: php-fpm's socket, which nginx's workers cannot connect to.
  EXPECT_NE(r.out.find("<h3>File <code>/tmp/php-cgi-74.sock</code></h3>"), std::string::npos);
  EXPECT_NE(r.out.find("picture-file"), std::string::npos);
}

TEST(ReportFormats, HtmlWithGraphvizInlinesOneSvgPerHost) {
  if (!dot_installed()) GTEST_SKIP() << "Graphviz's dot is not on PATH";
  Outcome r = rampart({"check", "--format", "html", baota()});
  EXPECT_EQ(r.code, 1) << r.err;  // `no conflicts on web1` is violated
  EXPECT_EQ(rampart::testing::markup_problem(r.out), "");
  size_t svg = r.out.find("<svg");
  ASSERT_NE(svg, std::string::npos) << r.out.substr(r.out.size() > 3000 ? r.out.size() - 3000 : 0);
  EXPECT_EQ(r.out.find("<svg", svg + 1), std::string::npos);
  EXPECT_EQ(r.out.find("<!DOCTYPE svg"), std::string::npos);
  EXPECT_EQ(r.out.find("<?xml"), std::string::npos);
  EXPECT_NE(r.out.find("drawn by Graphviz"), std::string::npos);
  EXPECT_NE(r.out.find("service nginx"), std::string::npos);  // a label, as Graphviz wrote it
}

TEST(ReportFormats, SlowOrFailingGraphvizFallsBackToTables) {
  std::string dir = ::testing::TempDir();
  std::string slow = dir + "/slow-dot", failing = dir + "/failing-dot";
  {
    std::ofstream f(slow);
    f << "#!/bin/sh\nexec sleep 30\n";
  }
  {
    std::ofstream f(failing);
    f << "#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 1\n";
  }
  chmod(slow.c_str(), 0755);
  chmod(failing.c_str(), 0755);
  {
    ScopedEnv dot("RAMPART_DOT", slow);
    ScopedEnv timeout("RAMPART_DOT_TIMEOUT", "0.5");
    auto start = std::chrono::steady_clock::now();
    Outcome r = rampart({"conflicts", "--format", "html", baota()});
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.out.find("<svg"), std::string::npos);
    EXPECT_NE(r.out.find("did not finish within 0.5 s"), std::string::npos) << r.out;
  }
  {
    ScopedEnv dot("RAMPART_DOT", failing);
    Outcome r = rampart({"conflicts", "--format", "html", baota()});
    EXPECT_EQ(r.out.find("<svg"), std::string::npos);
    EXPECT_NE(r.out.find("failed: syntax error in line 1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("picture-listener"), std::string::npos);
  }
}

TEST(ReportFormats, DotForEveryCommandThatHasAPolicy) {
  Outcome r = rampart({"conflicts", "--format", "dot", baota()});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out.rfind("digraph host {", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("label=\"connect: denied\""), std::string::npos);  // nginx -> php-fpm's socket
  EXPECT_NE(r.out.find("label=\"host web1\""), std::string::npos);
  Outcome lint = rampart({"lint", "--format", "dot", baota()});
  EXPECT_NE(lint.out.find("digraph host {"), std::string::npos);
  Outcome diff = rampart({"diff", "--format", "dot", baota(), baota()});
  EXPECT_EQ(diff.code, 0) << diff.err;
  EXPECT_NE(diff.out.find("digraph host {"), std::string::npos);
}

TEST(ReportFormats, BadInputKeepsExitTwo) {
  Outcome dot = rampart({"check", "--format", "dot", "/nonexistent/policy.rampart"});
  EXPECT_EQ(dot.code, 2);
  EXPECT_EQ(dot.out, "");
  EXPECT_NE(dot.err, "");
  Outcome html = rampart({"check", "--format", "html", "/nonexistent/policy.rampart"});
  EXPECT_EQ(html.code, 2);
  EXPECT_EQ(rampart::testing::markup_problem(html.out), "");
  EXPECT_NE(html.out.find("Problems in the input"), std::string::npos);
}

}  // namespace
}  // namespace rampart::cli
