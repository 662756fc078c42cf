// Where included files come from: the disk (possibly under a collected
// folder's root) or memory.

#include <glob.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "native.h"
#include "rampart/core/dac.h"
#include "rampart/importers/linux.h"

namespace rampart::importers {

namespace {

class Disk : public FileSource {
 public:
  explicit Disk(std::string root) : root_(std::move(root)) {
    while (!root_.empty() && root_.back() == '/') root_.pop_back();
  }
  std::vector<std::string> glob(const std::string& pattern) const override {
    std::vector<std::string> out;
    glob_t g{};
    std::string full = root_ + pattern;
    if (::glob(full.c_str(), 0, nullptr, &g) == 0) {
      for (size_t i = 0; i < g.gl_pathc; ++i) {
        std::string p = g.gl_pathv[i];
        out.push_back(p.substr(root_.size()));
      }
    }
    globfree(&g);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::optional<std::string> read(const std::string& path) const override {
    std::ifstream in(root_ + path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return ss.str();
  }

 private:
  std::string root_;
};

class Memory : public FileSource {
 public:
  explicit Memory(std::vector<std::pair<std::string, std::string>> files) {
    for (auto& [p, t] : files) files_[p] = std::move(t);
  }
  std::vector<std::string> glob(const std::string& pattern) const override {
    std::vector<std::string> out;
    for (const auto& [p, t] : files_) {
      if (pattern.find_first_of("*?") == std::string::npos ? p == pattern : core::glob_match(pattern, p)) {
        out.push_back(p);
      }
    }
    return out;
  }
  std::optional<std::string> read(const std::string& path) const override {
    auto it = files_.find(path);
    if (it == files_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace

std::unique_ptr<FileSource> disk_source(std::string root) {
  return std::make_unique<Disk>(std::move(root));
}
std::unique_ptr<FileSource> memory_source(std::vector<std::pair<std::string, std::string>> files) {
  return std::make_unique<Memory>(std::move(files));
}

}  // namespace rampart::importers
