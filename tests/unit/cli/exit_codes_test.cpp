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

std::string example(const char* name) { return std::string(RAMPART_SOURCE_DIR) + "/examples/" + name; }

TEST(ExitCodes, HoldsIsZero) { EXPECT_EQ(rampart({"check", example("ssh-sg/policy.rampart")}).code, 0); }

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
