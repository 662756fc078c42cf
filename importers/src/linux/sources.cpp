// Where included files come from: the disk (possibly under a collected
// folder's root) or memory.

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
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
    return native::read_regular_file(root_ + path, root_);
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

std::optional<std::string> real_path(const std::string& path) {
  char buffer[PATH_MAX];
  if (!::realpath(path.c_str(), buffer)) return std::nullopt;
  return std::string(buffer);
}

}  // namespace

std::optional<std::string> native::read_regular_file(const std::string& path, const std::string& confine_to,
                                                     std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<std::string> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (!confine_to.empty()) {
    auto root = real_path(confine_to);
    auto target = real_path(path);
    if (!root || !target) return fail(std::strerror(errno));
    if (target->compare(0, root->size() + 1, *root + "/") != 0)
      return fail(fmt::format("it leads outside the folder (to {})", *target));
  }
  // O_NONBLOCK: opening a FIFO without a writer would wait forever.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return fail(std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail(std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail("it is not a regular file");
  std::string out;
  out.reserve(size_t(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(std::strerror(errno));
    if (n == 0) break;
    out.append(buffer, size_t(n));
  }
  return out;
}

std::unique_ptr<FileSource> disk_source(std::string root) {
  return std::make_unique<Disk>(std::move(root));
}
std::unique_ptr<FileSource> memory_source(std::vector<std::pair<std::string, std::string>> files) {
  return std::make_unique<Memory>(std::move(files));
}

}  // namespace rampart::importers
