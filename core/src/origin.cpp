#include "rampart/core/origin.h"

#include <fmt/format.h>

#include <cstring>
#include <mutex>
#include <ostream>
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

OriginText::OriginText(std::string_view text) {
  if (text.empty()) return;
  auto size = uint32_t(text.size());
  data_ = new char[sizeof size + text.size()];
  std::memcpy(data_, &size, sizeof size);
  std::memcpy(data_ + sizeof size, text.data(), text.size());
}

std::string_view OriginText::view() const {
  if (!data_) return {};
  uint32_t size = 0;
  std::memcpy(&size, data_, sizeof size);
  return std::string_view(data_ + sizeof size, size);
}

std::ostream& operator<<(std::ostream& out, const OriginText& t) {
  return out << t.view();
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
      if (line != 0)
        return fmt::format("{}:{} ({})", file, line, json_pointer.empty() ? "/" : json_pointer.view());
      return fmt::format("{}#{}", file, json_pointer.empty() ? "/" : json_pointer.view());
    case Kind::NativeRule: {
      std::string_view id = native_id.empty() ? native_name.view() : native_id.view();
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
