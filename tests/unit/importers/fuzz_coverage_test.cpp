// Every import format has a libFuzzer target: tests/fuzz/formats.txt maps
// each format of the registry to the target that covers it, and that target
// is one tests/fuzz/CMakeLists.txt builds (RAMPART_FUZZ_TARGETS).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "rampart/importers/registry.h"

namespace {

namespace fs = std::filesystem;
const fs::path kFuzz = fs::path(RAMPART_SOURCE_DIR) / "tests" / "fuzz";

std::map<std::string, std::string> format_targets() {
  std::map<std::string, std::string> out;
  std::ifstream in(kFuzz / "formats.txt");
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string format, target;
    if (words >> format >> target) out[format] = target;
  }
  return out;
}

std::set<std::string> cmake_targets() {
  std::ifstream in(kFuzz / "CMakeLists.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  auto at = text.find("set(RAMPART_FUZZ_TARGETS");
  std::set<std::string> out;
  if (at == std::string::npos) return out;
  std::istringstream words(text.substr(at + 24, text.find(')', at) - at - 24));
  std::string w;
  while (words >> w) out.insert(w);
  return out;
}

TEST(FuzzCoverage, EveryFormatHasATarget) {
  auto map = format_targets();
  auto targets = cmake_targets();
  ASSERT_GT(targets.size(), 10u) << "RAMPART_FUZZ_TARGETS not found in tests/fuzz/CMakeLists.txt";
  auto formats = rampart::importers::default_registry().formats();
  ASSERT_FALSE(formats.empty());
  for (const auto& f : formats) {
    auto it = map.find(f);
    if (it == map.end()) {
      ADD_FAILURE() << "import format " << f << " has no fuzz target in tests/fuzz/formats.txt";
      continue;
    }
    if (it->second == "-") continue;
    EXPECT_TRUE(targets.count(it->second)) << f << ": fuzz target " << it->second
                                           << " is not in RAMPART_FUZZ_TARGETS (tests/fuzz/CMakeLists.txt)";
    EXPECT_TRUE(fs::exists(kFuzz / (it->second + "_fuzz.cpp"))) << it->second << "_fuzz.cpp is missing";
  }
  std::set<std::string> registered(formats.begin(), formats.end());
  for (const auto& [format, target] : map) {
    EXPECT_TRUE(registered.count(format))
        << "tests/fuzz/formats.txt names " << format << ", which the registry does not have";
  }
}

}  // namespace
