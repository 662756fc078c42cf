// Replays fuzz inputs through the fuzz targets without libFuzzer, in any
// build (gcc or clang, with or without sanitizers):
//
//   rampart_fuzz_replay --corpus tests/fuzz/corpus   every target over its seeds (ctest fuzz_seeds)
//   rampart_fuzz_replay TARGET FILE...               one target over the given inputs (a crash to reproduce)
//
// Each input is announced before it runs, so a crash names it. Exit 0 when
// every input ran; a broken invariant aborts.

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "replay.h"

namespace {

namespace fs = std::filesystem;
using rampart::fuzz::ReplayTarget;

struct Input {
  std::string path;
  std::string bytes;
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const ReplayTarget* find_target(const std::string& name) {
  for (const auto& t : rampart::fuzz::replay_targets()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

void run(const ReplayTarget& t, const std::vector<Input>& inputs) {
  if (t.init) {
    int argc = 1;
    char arg0[] = "rampart_fuzz_replay";
    char* argv0[] = {arg0, nullptr};
    char** argv = argv0;
    t.init(&argc, &argv);
  }
  for (const auto& in : inputs) {
    std::printf("%s %s\n", t.name, in.path.c_str());
    std::fflush(stdout);
    t.one(reinterpret_cast<const uint8_t*>(in.bytes.data()), in.bytes.size());
  }
}

int usage() {
  std::fprintf(stderr,
               "usage: rampart_fuzz_replay --corpus DIR | rampart_fuzz_replay TARGET FILE...\ntargets:");
  for (const auto& t : rampart::fuzz::replay_targets()) std::fprintf(stderr, " %s", t.name);
  std::fprintf(stderr, "\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  // Every input is read before any target runs: a target may change the
  // working directory (the language's runs in a scratch folder).
  std::vector<std::pair<const ReplayTarget*, std::vector<Input>>> work;
  if (std::strcmp(argv[1], "--corpus") == 0) {
    fs::path root = fs::absolute(argv[2]);
    for (const auto& t : rampart::fuzz::replay_targets()) {
      std::vector<Input> inputs;
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(root / t.name, ec)) {
        if (e.is_regular_file()) inputs.push_back({e.path().string(), read(e.path())});
      }
      if (ec || inputs.empty()) {
        std::fprintf(stderr, "no seeds for fuzz target %s in %s\n", t.name, (root / t.name).c_str());
        return 1;
      }
      std::sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) { return a.path < b.path; });
      work.emplace_back(&t, std::move(inputs));
    }
  } else {
    const ReplayTarget* t = find_target(argv[1]);
    if (!t) return usage();
    std::vector<Input> inputs;
    for (int i = 2; i < argc; ++i) {
      if (!fs::is_regular_file(argv[i])) {
        std::fprintf(stderr, "cannot read %s\n", argv[i]);
        return 2;
      }
      inputs.push_back({argv[i], read(argv[i])});
    }
    work.emplace_back(t, std::move(inputs));
  }
  size_t total = 0;
  for (const auto& w : work) {
    run(*w.first, w.second);
    total += w.second.size();
  }
  std::printf("%zu inputs through %zu targets: no crash, no broken invariant\n", total, work.size());
  return 0;
}
