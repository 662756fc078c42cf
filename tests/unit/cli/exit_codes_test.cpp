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
// 3), never a pass, whatever the question (reach, proofs, exact sets, file
// access, a change, lint's exposures). baota's `no conflicts` is violated without the solver
// (conflicts are found and their fixes checked concretely), and a violated
// claim takes precedence over unknown ones (docs/cli.md): exit 1.
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
  struct Case {
    std::vector<std::string> args;
    int code;
    size_t unknown;  // at least this many answers are UNKNOWN
  };
  const std::vector<Case> cases = {
      {{"query", "--rlimit", "1", example("ssh-sg/policy.rampart"), "reach any -> web1 tcp/22"}, 3, 1},
      {{"query", "--rlimit", "1", example("ssh-sg/policy.rampart"), "not reach 203.0.113.7 -> web1 tcp/22"},
       3,
       1},
      {{"query", "--rlimit", "1", example("baota/policy.rampart"),
        "who can append \"/var/log/nginx/access.log\""},
       3,
       1},
      {{"check", "--rlimit", "1", example("aws-ssh/policy.rampart")}, 3, 7},
      {{"check", "--rlimit", "1", example("baota/policy.rampart")}, 1, 8},
      {{"diff", "--rlimit", "1", example("ssh-sg/policy.rampart"), changed}, 3, 1},
      // lint's exposure questions: unknown, not an exposure "for some values
      // of unknown conditions" (there are none in ssh-sg), and exit 3.
      {{"lint", "--rlimit", "1", example("ssh-sg/policy.rampart")}, 3, 0},
  };
  for (const auto& c : cases) {
    Outcome r = rampart(c.args);
    std::string shown;
    for (const auto& a : c.args) shown += a + " ";
    EXPECT_EQ(r.code, c.code) << shown << "\n" << r.out << r.err;
    size_t unknown = 0;
    for (size_t at = r.out.find("UNKNOWN"); at != std::string::npos; at = r.out.find("UNKNOWN", at + 1))
      ++unknown;
    EXPECT_GE(unknown, c.unknown) << shown << "\n" << r.out;
    EXPECT_EQ(r.out.find("HOLDS"), std::string::npos) << shown << "\n" << r.out;
    EXPECT_EQ(r.out.find("for some values of unknown conditions"), std::string::npos) << shown << "\n"
                                                                                      << r.out;
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

namespace rampart::cli {
namespace {

TEST(ExitCodes, ExactSetPastItsBudgetIsThreeNotAHang) {
  // 20 rules, each on its own interface with a match rampart does not model:
  // every rule adds two unknown dimensions, and the admitted set of a
  // 1.3 KB dump would fragment into more boxes than memory holds. The set
  // engine stops at its budget: the query is unknown (exit 3), with why;
  // so is a diff.
  std::string dir = ::testing::TempDir();
  {
    std::ofstream f(dir + "/atoms.rules");
    f << "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n";
    for (int r = 0; r < 20; ++r)
      f << "-A INPUT -i eth" << r << " -m string --string x" << r << " --algo bm -j DROP\n";
    f << "-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
  }
  std::string policy = dir + "/atoms.rampart";
  {
    std::ofstream f(policy);
    f << "import netfilter.iptables-save \"atoms.rules\" as fw;\n"
      << "host web { address 192.0.2.5; inbound fw[\"filter\"]; listen tcp/22; }\n"
      << "assert not reach 10.0.0.1 -> web tcp/22;\n";
  }
  Outcome q = rampart({"query", policy, "reach any -> web tcp/22"});
  EXPECT_EQ(q.code, 3) << q.out << q.err;
  EXPECT_NE(q.out.find("the admitted set fragments into more than"), std::string::npos) << q.out;
  // `check` asks Z3 and uses the engine only for witnesses: it answers.
  Outcome c = rampart({"check", policy});
  EXPECT_EQ(c.code, 3) << c.out << c.err;
  EXPECT_NE(c.out.find("UNKNOWN"), std::string::npos) << c.out;
  // `diff` computes both sides' boxes under the same budget: unknown, never
  // "equivalent".
  Outcome d = rampart({"diff", policy, policy});
  EXPECT_EQ(d.code, 3) << d.out << d.err;
  EXPECT_NE(d.out.find("the admitted traffic of a host was not computed"), std::string::npos) << d.out;
}

}  // namespace
}  // namespace rampart::cli
