// The exit-code contract of docs/cli.md, through the real command line.

#include <gtest/gtest.h>
#include <stdlib.h>

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

std::string example(const char* name) {
  return std::string(RAMPART_SOURCE_DIR) + "/examples/" + name;
}

TEST(ExitCodes, HoldsIsZero) {
  EXPECT_EQ(rampart({"check", example("ssh-sg/policy.rampart")}).code, 0);
}

TEST(ExitCodes, ViolatedIsOne) {
  std::string path = ::testing::TempDir() + "/violated.rampart";
  {
    std::ofstream f(path);
    f << "include \"" << example("layered/policy.rampart") << "\";\n"
      << "assert reach 192.168.1.66 -> bastion tcp/22;\n";
  }
  Outcome r = rampart({"check", path});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("VIOLATED"), std::string::npos) << r.out;
}

TEST(ExitCodes, BadInputIsTwo) {
  EXPECT_EQ(rampart({"check", "/nonexistent/policy.rampart"}).code, 2);
  EXPECT_EQ(rampart({"check"}).code, 2);
  EXPECT_EQ(rampart({"frobnicate"}).code, 2);
  Outcome r = rampart({"query", example("ssh-sg/policy.rampart"), "reach nowhere -> web1 tcp/22"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("`nowhere` is not defined"), std::string::npos) << r.out;
}

TEST(ExitCodes, SolverLimitIsThree) {
  Outcome r = rampart({"check", "--rlimit", "1", example("layered/policy.rampart")});
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("UNKNOWN"), std::string::npos);
}

// Every command that asks the solver gives its limit to every call: a
// resource limit of 1 exhausts them all, and the answers are unknown (exit
// 3), never a pass, whatever the question (reach, exact sets, file access,
// conflicts, a change).
TEST(ExitCodes, SolverLimitIsThreeForEveryCommand) {
  std::string changed = ::testing::TempDir() + "/changed.rampart";
  {
    std::ifstream in(example("ssh-sg/policy.rampart"));
    std::ostringstream text;
    text << in.rdbuf();
    std::string t = text.str();
    t.replace(t.find("port 22;"), 8, "port 22, 80;");
    std::ofstream(changed) << t;
  }
  const std::vector<std::vector<std::string>> commands = {
      {"query", "--rlimit", "1", example("ssh-sg/policy.rampart"), "reach any -> web1 tcp/22"},
      {"query", "--rlimit", "1", example("ssh-sg/policy.rampart"), "not reach 203.0.113.7 -> web1 tcp/22"},
      {"query", "--rlimit", "1", example("baota/policy.rampart"),
       "who can append \"/var/log/nginx/access.log\""},
      {"check", "--rlimit", "1", example("baota/policy.rampart")},
      {"check", "--rlimit", "1", example("aws-ssh/policy.rampart")},
      {"conflicts", "--rlimit", "1", example("baota/policy.rampart")},
      {"diff", "--rlimit", "1", example("ssh-sg/policy.rampart"), changed},
  };
  for (const auto& args : commands) {
    Outcome r = rampart(args);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(r.code, 3) << shown << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("UNKNOWN"), std::string::npos) << shown << "\n" << r.out;
  }
}

TEST(ExitCodes, CorruptedSetIsFour) {
  setenv("RAMPART_INJECT_FAULT", "corrupt-set", 1);
  Outcome r = rampart({"check", example("layered/policy.rampart")});
  unsetenv("RAMPART_INJECT_FAULT");
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.err.find("failed certification"), std::string::npos) << r.err;
}

TEST(ExitCodes, MutatedWitnessIsFour) {
  setenv("RAMPART_INJECT_FAULT", "mutate-witness", 1);
  Outcome r = rampart({"check", example("ssh-sg/policy.rampart")});
  unsetenv("RAMPART_INJECT_FAULT");
  EXPECT_EQ(r.code, 4);
  EXPECT_NE(r.err.find("failed replay"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace rampart::cli
