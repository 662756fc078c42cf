// Golden tests: what `rampart` prints, kept as files beside the inputs.
//
// Every tests/golden/cases/<name>.txt or <name>.json is one run. Its first
// line is the command (`$ rampart check --color never tests/golden/...`,
// with '...' quoting as in a shell); the rest is what the run must print:
// standard output, then `[stderr]` and standard error when there is any, then
// `[exit code N]`. Runs start in the source folder, so every path is
// relative and no golden holds an absolute path.
//
// To add a case, write a file with just the command line and regenerate.
// Regenerate on purpose only, and read the diff:
//
//   RAMPART_UPDATE_GOLDEN=1 ctest -L golden      (or run this executable)

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app.h"

namespace {

namespace fs = std::filesystem;

const fs::path kSource = RAMPART_SOURCE_DIR;
const fs::path kCases = kSource / "tests" / "golden" / "cases";

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Splits a command line: words separated by spaces; '...' and "..." quote.
std::vector<std::string> split_command(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

struct Case {
  std::string name;  // file name, e.g. ssh_sg_check.txt
  fs::path path;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kCases, ec)) {
    auto ext = entry.path().extension();
    if (ext == ".txt" || ext == ".json") out.push_back({entry.path().filename().string(), entry.path()});
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return out;
}

std::string test_name(const std::string& file) {
  std::string out;
  for (char c : file) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

class Golden : public ::testing::TestWithParam<Case> {
 protected:
  static void SetUpTestSuite() { ASSERT_EQ(chdir(kSource.c_str()), 0); }
};

TEST_P(Golden, Matches) {
  const Case& c = GetParam();
  std::string golden = read(c.path);
  auto eol = golden.find('\n');
  std::string command = golden.substr(0, eol);
  ASSERT_EQ(command.rfind("$ rampart ", 0), 0u) << c.name << ": the first line must be `$ rampart ARGS...`";
  auto args = split_command(command.substr(std::string("$ rampart ").size()));

  std::ostringstream out, err;
  int code = rampart::cli::run(args, rampart::cli::Streams{out, err, false, false});
  std::string actual = command + "\n" + out.str();
  if (!err.str().empty()) actual += "[stderr]\n" + err.str();
  actual += "[exit code " + std::to_string(code) + "]\n";

  // Goldens never depend on where the source folder is.
  EXPECT_EQ(actual.find(kSource.string()), std::string::npos)
      << "an absolute path in the output of " << c.name;

  const char* update = std::getenv("RAMPART_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    if (actual != golden) {
      std::ofstream(c.path, std::ios::binary) << actual;
      std::cout << "updated " << c.path.lexically_relative(kSource).string() << "\n";
    }
    return;
  }
  EXPECT_EQ(golden, actual)
      << "golden " << c.path.lexically_relative(kSource).string()
      << " differs; if the new output is right, regenerate with RAMPART_UPDATE_GOLDEN=1";
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return test_name(info.param.name);
                         });

}  // namespace
