// The diagnostics catalogue (docs/diagnostics.md) against the sources and
// the golden tests:
//   - every code the sources can emit (a string literal "RPnnnn" in core,
//     dsl, importers, solver, exporters or cli) has a `### RPnnnn` section
//     in docs/diagnostics.md, with an example showing `[RPnnnn]`;
//   - every documented code is in the sources, unless its heading says
//     `(retired)`, and a retired code is in no source;
//   - every code is produced by a golden case (tests/golden/cases/*.txt or
//     *.json) whose expected output, after the command line, holds `[RPnnnn]`;
//   - where the code has its own case, tests/golden/cases/diag_RPnnnn.txt
//     (run on the files in tests/golden/cases/diagnostics/), the example in
//     its section is that run: every line it prints is in the section, with
//     paths relative to that folder.
// A code added without its documentation and golden case fails here.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kSource = RAMPART_SOURCE_DIR;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::regex kCode("RP[0-9]{4}");

// Code -> the first source file that holds it as a string literal.
std::map<std::string, std::string> source_codes() {
  static const std::regex literal("\"(RP[0-9]{4})\"");
  std::map<std::string, std::string> out;
  for (const char* dir : {"core", "dsl", "importers", "solver", "exporters", "cli"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(kSource / dir)) {
      auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".cpp" || ext == ".h" || ext == ".cc" || ext == ".hpp"))
        files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string text = read(f);
      for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it)
        out.emplace((*it)[1].str(), f.lexically_relative(kSource).string());
    }
  }
  return out;
}

struct Entry {
  bool retired = false;
  bool example = false;  // the section shows `[CODE]`
  std::string text;      // the section's lines after its heading
};

// The `### RPnnnn...` sections of docs/diagnostics.md. A heading may name
// several codes; `(retired)` in it marks them retired.
std::map<std::string, Entry> documented_codes() {
  std::map<std::string, Entry> out;
  std::istringstream in(read(kSource / "docs" / "diagnostics.md"));
  std::vector<std::string> current;
  std::string line;
  bool fenced = false;  // inside a ``` block, where `#` starts no heading
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) fenced = !fenced;
    if (!fenced && line.rfind("#", 0) == 0) current.clear();
    if (!fenced && line.rfind("### ", 0) == 0) {
      bool retired = line.find("(retired)") != std::string::npos;
      for (std::sregex_iterator it(line.begin(), line.end(), kCode), end; it != end; ++it) {
        current.push_back(it->str());
        out[it->str()].retired = retired;
      }
      continue;
    }
    for (const auto& c : current) {
      if (line.find("[" + c + "]") != std::string::npos) out[c].example = true;
      out[c].text += line + "\n";
    }
  }
  return out;
}

// Code -> the golden cases whose expected output holds `[CODE]`.
std::map<std::string, std::set<std::string>> golden_codes() {
  std::map<std::string, std::set<std::string>> out;
  static const std::regex bracketed("\\[(RP[0-9]{4})\\]");
  for (const auto& e : fs::directory_iterator(kSource / "tests" / "golden" / "cases")) {
    auto ext = e.path().extension();
    if (ext != ".txt" && ext != ".json") continue;
    std::string text = read(e.path());
    auto eol = text.find('\n');
    if (eol == std::string::npos) continue;
    std::string output = text.substr(eol + 1);  // the first line is the command
    for (std::sregex_iterator it(output.begin(), output.end(), bracketed), end; it != end; ++it)
      out[(*it)[1].str()].insert(e.path().filename().string());
  }
  return out;
}

TEST(DiagnosticsCatalogue, SourcesFound) {
  // Guards the scan itself: the language's and one importer's codes.
  auto codes = source_codes();
  EXPECT_TRUE(codes.count("RP1001"));
  EXPECT_TRUE(codes.count("RP3101"));
  EXPECT_GT(codes.size(), 50u);
}

TEST(DiagnosticsCatalogue, EveryEmittedCodeIsDocumentedWithAnExample) {
  auto docs = documented_codes();
  for (const auto& [code, file] : source_codes()) {
    auto it = docs.find(code);
    if (it == docs.end()) {
      ADD_FAILURE() << code << " (in " << file << ") has no `### " << code
                    << ": ...` section in docs/diagnostics.md";
    } else if (it->second.retired) {
      ADD_FAILURE() << code << " (in " << file << ") is documented as retired but the sources still use it";
    } else if (!it->second.example) {
      ADD_FAILURE() << code << ": its section in docs/diagnostics.md shows no example output with `[" << code
                    << "]`";
    }
  }
}

TEST(DiagnosticsCatalogue, EveryDocumentedCodeIsEmittedOrRetired) {
  auto sources = source_codes();
  for (const auto& [code, entry] : documented_codes()) {
    if (!entry.retired && !sources.count(code)) {
      ADD_FAILURE() << code << " is documented in docs/diagnostics.md but no source emits it; remove it or "
                    << "mark its heading `(retired)`";
    }
  }
}

TEST(DiagnosticsCatalogue, EveryEmittedCodeHasAGoldenCase) {
  auto golden = golden_codes();
  for (const auto& [code, file] : source_codes()) {
    if (!golden.count(code)) {
      ADD_FAILURE() << code << " (in " << file << ") is produced by no golden case: add one under "
                    << "tests/golden/cases whose expected output shows `[" << code << "]`";
    }
  }
}

TEST(DiagnosticsCatalogue, ExamplesAreTheGoldenRuns) {
  auto docs = documented_codes();
  const fs::path cases = kSource / "tests" / "golden" / "cases";
  const std::string prefix = "tests/golden/cases/diagnostics/";
  size_t checked = 0;
  for (const auto& [code, entry] : docs) {
    fs::path golden = cases / ("diag_" + code + ".txt");
    if (!fs::exists(golden)) continue;
    ++checked;
    std::istringstream in(read(golden));
    std::string line;
    std::getline(in, line);  // the command
    while (std::getline(in, line)) {
      if (line == "[stderr]" || line.rfind("[exit code ", 0) == 0 || line.empty()) continue;
      for (size_t at; (at = line.find(prefix)) != std::string::npos;) line.erase(at, prefix.size());
      EXPECT_NE(entry.text.find(line + "\n"), std::string::npos)
          << code << ": docs/diagnostics.md does not show this line of " << golden.filename().string()
          << " (run the example again and paste its output):\n  " << line;
    }
  }
  EXPECT_GT(checked, 50u);
}

}  // namespace
