#include "rampart/core/origin.h"

#include <fmt/format.h>

#include <mutex>
#include <unordered_set>

namespace rampart::core {

const std::string& SourceFile::empty_name() {
  static const std::string empty;
  return empty;
}

SourceFile::SourceFile(std::string_view name) {
  if (name.empty()) return;
  // Never freed: a process reads a bounded set of files, and an origin may
  // outlive whatever read it.
  static std::mutex mutex;
  static auto* names = new std::unordered_set<std::string>();
  std::lock_guard lock(mutex);
  name_ = &*names->emplace(name).first;
}

std::string Origin::to_string() const {
  switch (kind) {
    case Kind::None: return file.empty() ? "<builtin>" : file.str();
    case Kind::Policy:
    case Kind::NativeLine:
      if (line == 0) return file;
      if (column == 0) return fmt::format("{}:{}", file, line);
      return fmt::format("{}:{}:{}", file, line, column);
    case Kind::NativeJson:
      if (line != 0) return fmt::format("{}:{} ({})", file, line, json_pointer.empty() ? "/" : json_pointer);
      return fmt::format("{}#{}", file, json_pointer.empty() ? "/" : json_pointer);
    case Kind::NativeRule: {
      std::string id = native_id.empty() ? native_name : native_id;
      if (line != 0) return fmt::format("{}:{} [{}]", file, line, id);
      return fmt::format("{}[{}]", file, id);
    }
  }
  return file.str();
}

std::string Origin::kind_name() const {
  switch (kind) {
    case Kind::None: return "none";
    case Kind::Policy: return "policy";
    case Kind::NativeLine: return "native-line";
    case Kind::NativeJson: return "native-json";
    case Kind::NativeRule: return "native-rule";
  }
  return "none";
}

}  // namespace rampart::core
